"""Background along the whole closed field line for the fieldline model (paper 000, section 3 [26]).

Neutral N2, O2, O densities and temperature from NRLMSIS (pymsis, indices passed explicitly,
:func:`hpcsim.physics.atmosphere.neutral_densities`); the ionospheric electron density from
IRI (PyIRI, :func:`hpcsim.physics.plasma.pyiri_electron_density`) up to ``join_altitude_km``,
extended into the plasmasphere as n_e = n_e(join) (B / B_join)^p with p = 2 (the paper's
n_e ~ B^2) or 1 (n_e ~ B, its Figure 9 alternative). Both feet are placed with
:func:`hpcsim.physics.atmosphere.geographic_position` (axis-aligned dipole, MLT = local time);
at equinox the two hemispheres are then nearly symmetric, as the paper intends.

Units: densities cm^-3, temperatures K, altitudes km.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hpcsim.geometry import dipole
from hpcsim.models.fieldline.grid import FieldLineGrid
from hpcsim.physics import atmosphere, plasma

#: equinox, F10.7 = <F10.7> = 150 (paper section 3 [27]); the year is not given in the paper:
#: 2000 (near solar maximum, when monthly F10.7 ~ 150-200) is our choice; Ap = 10 assumed (quiet)
EQUINOX_F107_150 = atmosphere.SolarInputs(date="2000-03-21", f107_sfu=150.0, f107a_sfu=150.0, ap=10.0)

#: above this altitude neutral densities are set to 0 (N2, O2 and O are below 1e2 cm^-3 there)
NEUTRAL_TOP_KM = 3000.0


@dataclass(frozen=True)
class LineBackground:
    """Densities at the grid nodes (cm^-3) and the neutral temperature (K)."""

    n_N2: np.ndarray
    n_O2: np.ndarray
    n_O: np.ndarray
    n_e: np.ndarray
    T_n_K: np.ndarray

    def neutrals(self) -> dict:
        return {"N2": self.n_N2, "O2": self.n_O2, "O": self.n_O}


def build(grid: FieldLineGrid, mlt_h: float = 0.0, inputs: atmosphere.SolarInputs = EQUINOX_F107_150,
          ne_field_power: float = 2.0, join_altitude_km: float = 1000.0,
          longitude_deg: float = atmosphere.DEFAULT_LONGITUDE_DEG,
          const: dipole.DipoleConstants = dipole.DEFAULT) -> LineBackground:
    """Background on the nodes of ``grid`` at magnetic local time ``mlt_h`` (0 = midnight)."""
    lat = grid.latitude_rad
    alt = grid.altitude_km
    glat, glon, ut = atmosphere.geographic_position(lat, mlt_h, longitude_deg)
    n = grid.ns
    n_n2, n_o2, n_o, t_n = (np.zeros(n) for _ in range(4))
    low = alt < NEUTRAL_TOP_KM
    nd = atmosphere.neutral_densities(alt[low], glat[low], glon[low], ut[low], inputs)
    n_n2[low], n_o2[low], n_o[low], t_n[low] = nd["n_N2"], nd["n_O2"], nd["n_O1"], nd["T_n_K"]
    t_n[~low] = t_n[low].max() if low.any() else 1000.0
    n_e = np.zeros(n)
    ut0 = float(ut[0])
    for hemi in (lat < 0, lat >= 0):
        idx = np.flatnonzero(hemi)
        h = alt[idx]
        iono = h <= join_altitude_km
        lat_h = float(glat[idx][0])
        alts = np.append(h[iono], join_altitude_km)
        ne = plasma.pyiri_electron_density(alts, [lat_h], [float(glon[0])], [ut0], inputs)[0, :, 0]
        n_e[idx[iono]] = ne[:-1]
        ne_join = ne[-1]
        lat_join = float(dipole.latitude_at_altitude_rad(grid.L, join_altitude_km, const))
        ratio_join = float(dipole.field_ratio_to_equator(lat_join))
        ratio = np.asarray(dipole.field_ratio_to_equator(lat[idx[~iono]]))
        n_e[idx[~iono]] = ne_join * (ratio / ratio_join) ** ne_field_power
    return LineBackground(n_N2=n_n2, n_O2=n_o2, n_O=n_o, n_e=n_e, T_n_K=t_n)


def mirrored(bg: LineBackground, source: str = "north") -> LineBackground:
    """The background of one half of the line (``source``) copied onto the other half.

    The grid is symmetric about the equator (node i <-> ns - 1 - i), so the conjugate node of
    i is ns - 1 - i. Used for the paper's symmetric hemispheres (its section 3: conditions
    "chosen so the atmospheric conditions are symmetric").
    """
    def mirror(a):
        a = np.array(a, dtype=float)
        n = a.size
        if source == "north":
            a[: n // 2] = a[::-1][: n // 2]
        else:
            a[n - n // 2:] = a[::-1][n - n // 2:]
        return a
    return LineBackground(n_N2=mirror(bg.n_N2), n_O2=mirror(bg.n_O2), n_O=mirror(bg.n_O), n_e=mirror(bg.n_e),
                          T_n_K=mirror(bg.T_n_K))


def without_southern_ionosphere(bg: LineBackground, grid: FieldLineGrid, s1_km: float) -> LineBackground:
    """``bg`` with no neutrals and no thermal electrons in the southern half at and below ``s1_km``.

    Electrons reaching the southern ionosphere then stream to its 90-km end and are absorbed:
    no secondaries, no backscatter, no reflection (the paper's case with the conjugate
    ionosphere removed, section 4, Figs. 5-7).
    """
    south = (grid.latitude_rad < 0) & (grid.altitude_km <= s1_km + 1e-6)

    def cut(a):
        return np.where(south, 0.0, a)
    return LineBackground(n_N2=cut(bg.n_N2), n_O2=cut(bg.n_O2), n_O=cut(bg.n_O), n_e=cut(bg.n_e), T_n_K=bg.T_n_K)
