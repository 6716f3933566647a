"""Cold magnetoplasma along a dipole field line for the whistler-mode interaction model.

Pure functions of numpy arrays: the cold electron density along the line (diffusive
equilibrium of Angerami and Thomas 1964, or a simple collisionless power law), the local
electron gyro- and plasma frequencies, the refractive index, wavenumber and group velocity of
a whistler-mode wave propagating parallel to B0, and the first-order cyclotron resonance
velocity. The field comes from :mod:`hpcsim.geometry.dipole`; nothing here recomputes it.

Conventions
-----------
* SI units except densities (cm^-3, "el/cc" as in the paper), fields from ``dipole`` in G,
  temperatures in K, altitudes in km. Angular frequencies are in rad/s.
* ``omega_H`` is the (non-relativistic, rest-mass) electron gyrofrequency e B / m; the
  relativistic gyrofrequency is ``omega_H / gamma``.
* Ions are neglected in the dispersion relation (VLF frequencies well above the lower-hybrid
  frequency), as in the paper's eq. (2).

References
----------
Angerami, J. J. and J. O. Thomas (1964), Studies of planetary atmospheres, 1, The
distribution of electrons and ions in the earth's exosphere, J. Geophys. Res., 69, 4537.
Inan, U. S., T. F. Bell and H. C. Chang (1982), Particle precipitation induced by short-
duration VLF waves in the magnetosphere, J. Geophys. Res., 87, 6243 (paper 002).
Stix, T. H. (1962), The Theory of Plasma Waves, McGraw-Hill (cold-plasma R mode).
"""

from __future__ import annotations

import numpy as np

from hpcsim.geometry import dipole
from hpcsim.physics import constants as _c

__all__ = [
    "EPSILON0_F_M",
    "AMU_KG",
    "BOLTZMANN_J_K",
    "STANDARD_GRAVITY_M_S2",
    "DE_REFERENCE_ALTITUDE_KM",
    "DE_DEFAULT_TEMPERATURE_K",
    "DE_DEFAULT_ION_FRACTIONS",
    "ION_MASSES_AMU",
    "diffusive_equilibrium_shape",
    "density_cm3",
    "gyrofrequency_rad_s",
    "gyrofrequency_gradient_rad_s_m",
    "plasma_frequency_rad_s",
    "whistler_refractive_index",
    "whistler_wavenumber_per_m",
    "whistler_group_velocity_m_s",
    "resonance_velocity_m_s",
]

EPSILON0_F_M = 8.854_187_8128e-12     #: vacuum permittivity, F/m (CODATA 2018)
AMU_KG = 1.660_539_066_60e-27        #: atomic mass unit, kg
BOLTZMANN_J_K = 1.380_649e-23        #: Boltzmann constant, J/K
STANDARD_GRAVITY_M_S2 = 9.806_65     #: g at the surface, m/s^2

#: Base (reference) altitude of the diffusive-equilibrium model, km (Angerami and Thomas 1964
#: take the base of the exosphere near 1000 km; the paper injects its waves there too).
DE_REFERENCE_ALTITUDE_KM = 1000.0
#: Isothermal temperature of electrons and ions in the default model, K.
DE_DEFAULT_TEMPERATURE_K = 1600.0
#: Ion fractions at the base altitude in the default model (H+, He+, O+): the "DE-1" set
#: commonly used with Angerami and Thomas (1964) in Stanford ray tracing (8 % H+, 2 % He+,
#: 90 % O+ at 1000 km, 1600 K). These are documented defaults, not values from paper 002.
DE_DEFAULT_ION_FRACTIONS = (0.08, 0.02, 0.90)
#: Ion masses of the three species, amu.
ION_MASSES_AMU = (1.007_276, 4.001_506, 15.990_526)


def _out(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _geocentric_radius_m(L, latitude_rad, const):
    """r = L R_E cos^2(lat) on a dipole line, m (the line's defining equation)."""
    return np.asarray(L, dtype=float) * const.earth_radius_m * np.cos(np.asarray(latitude_rad, dtype=float)) ** 2


def diffusive_equilibrium_shape(r_m, temperature_K=DE_DEFAULT_TEMPERATURE_K,
                                ion_fractions=DE_DEFAULT_ION_FRACTIONS,
                                ion_masses_amu=ION_MASSES_AMU,
                                reference_altitude_km=DE_REFERENCE_ALTITUDE_KM,
                                const: dipole.DipoleConstants = dipole.DEFAULT):
    """Relative electron density n(r)/n(r_b) of diffusive equilibrium (Angerami and Thomas 1964).

    For an isothermal (T_e = T_i = T), charge-neutral mixture of ions i with fractional
    abundances eta_i at the base r_b, the electron density is

        n(r) / n(r_b) = [ sum_i eta_i exp(-G / H_i) ]^(1/2),
        G = r_b (1 - r_b / r),  H_i = k T / (m_i g_b),  g_b = g_0 (R_E / r_b)^2,

    where H_i is the ion scale height at the base and G the geopotential height (centrifugal
    term neglected). The square root is the effect of the polarisation electric field.

    Parameters
    ----------
    r_m : array_like
        Geocentric distance, m.
    temperature_K : float
        Plasma temperature, K (default 1600 K).
    ion_fractions : sequence of float
        eta_i at the base, summing to 1 (default H+, He+, O+ = 0.08, 0.02, 0.90).
    ion_masses_amu : sequence of float
        Ion masses, amu, same order as ``ion_fractions``.
    reference_altitude_km : float
        Base altitude, km (default 1000 km).
    const : DipoleConstants
        Uses ``earth_radius_km``.

    Returns
    -------
    float or ndarray
        n(r)/n(r_b), dimensionless (1 at the base, decreasing outward).
    """
    fractions = np.asarray(ion_fractions, dtype=float)
    masses = np.asarray(ion_masses_amu, dtype=float) * AMU_KG
    if fractions.shape != masses.shape:
        raise ValueError("ion_fractions and ion_masses_amu must have the same length")
    if not np.isclose(fractions.sum(), 1.0, rtol=1e-6):
        raise ValueError(f"ion fractions must sum to 1, got {fractions.sum()!r}")
    r_b = const.earth_radius_m + reference_altitude_km * 1e3
    g_b = STANDARD_GRAVITY_M_S2 * (const.earth_radius_m / r_b) ** 2
    r = np.asarray(r_m, dtype=float)
    geo_height = r_b * (1.0 - r_b / r)
    scale = BOLTZMANN_J_K * temperature_K / (masses * g_b)  # H_i, m
    total = np.zeros_like(geo_height)
    for eta_i, h_i in zip(fractions, scale):
        total = total + eta_i * np.exp(-geo_height / h_i)
    return _out(np.sqrt(total))


def density_cm3(L, latitude_rad, n_eq_cm3, model: str = "diffusive",
                temperature_K=DE_DEFAULT_TEMPERATURE_K, ion_fractions=DE_DEFAULT_ION_FRACTIONS,
                ion_masses_amu=ION_MASSES_AMU, reference_altitude_km=DE_REFERENCE_ALTITUDE_KM,
                collisionless_power=4.0, const: dipole.DipoleConstants = dipole.DEFAULT):
    """Cold electron density along the line, normalised to ``n_eq_cm3`` at the equator.

    ``model="diffusive"``: n(lat) = n_eq * S(r(lat)) / S(L R_E) with S the diffusive-equilibrium
    shape of :func:`diffusive_equilibrium_shape` and r = L R_E cos^2(lat) (paper 002, section
    2.1: "a diffusive equilibrium model of the cold plasma distribution").

    ``model="collisionless"``: n(lat) = n_eq (L R_E / r)^p = n_eq cos^(-2p)(lat), p =
    ``collisionless_power`` (default 4). This is the simple r^-4 representation of a
    collisionless (ballistic, outside-plasmapause) exosphere, an approximation standing in
    for Angerami (1966), which paper 002 uses for Figure 19; it is not Angerami's model.

    Parameters
    ----------
    L : array_like
        McIlwain L, Earth radii.
    latitude_rad : array_like
        Magnetic latitude, rad.
    n_eq_cm3 : array_like
        Equatorial density, cm^-3 (paper: 400 el/cc at L = 4).
    model : {"diffusive", "collisionless"}
    temperature_K, ion_fractions, ion_masses_amu, reference_altitude_km
        Diffusive-equilibrium parameters, see :func:`diffusive_equilibrium_shape`.
    collisionless_power : float
        p of the collisionless power law.
    const : DipoleConstants

    Returns
    -------
    float or ndarray
        n_e, cm^-3.
    """
    r = _geocentric_radius_m(L, latitude_rad, const)
    r_eq = np.asarray(L, dtype=float) * const.earth_radius_m
    if model == "diffusive":
        kw = dict(temperature_K=temperature_K, ion_fractions=ion_fractions, ion_masses_amu=ion_masses_amu,
                  reference_altitude_km=reference_altitude_km, const=const)
        ratio = np.asarray(diffusive_equilibrium_shape(r, **kw)) / np.asarray(diffusive_equilibrium_shape(r_eq, **kw))
    elif model == "collisionless":
        ratio = (r_eq / r) ** collisionless_power
    else:
        raise ValueError(f"model must be 'diffusive' or 'collisionless', got {model!r}")
    return _out(np.asarray(n_eq_cm3, dtype=float) * ratio)


def gyrofrequency_rad_s(L, latitude_rad, const: dipole.DipoleConstants = dipole.DEFAULT):
    """Electron (rest-mass) gyrofrequency omega_H = e B / m along the line, rad/s.

    Parameters
    ----------
    L : array_like
        McIlwain L, Earth radii.
    latitude_rad : array_like
        Magnetic latitude, rad.
    const : DipoleConstants
        Field from :func:`hpcsim.geometry.dipole.field_G`; e and m from ``const``.

    Returns
    -------
    float or ndarray
        omega_H, rad/s (divide by gamma for the relativistic gyrofrequency).
    """
    b_T = np.asarray(dipole.field_G(L, latitude_rad, const)) * 1e-4
    return _out(const.elementary_charge_C * b_T / const.electron_mass_kg)


def gyrofrequency_gradient_rad_s_m(L, latitude_rad, const: dipole.DipoleConstants = dipole.DEFAULT,
                                   dlat_rad: float = 1e-5):
    """d omega_H / dz along the line (z = arc length, positive northward), rad/s/m.

    Evaluated as a centred difference in latitude of :func:`gyrofrequency_rad_s` and
    :func:`hpcsim.geometry.dipole.arc_length_m` (relative error ~1e-9 for the default step);
    the integrator uses the closed form in :mod:`hpcsim.models.wpi.motion`.

    Returns
    -------
    float or ndarray
        d omega_H / dz, rad/(s m); positive in the north, negative in the south.
    """
    lat = np.asarray(latitude_rad, dtype=float)
    w = lambda x: np.asarray(gyrofrequency_rad_s(L, x, const))  # noqa: E731
    s = lambda x: np.asarray(dipole.arc_length_m(L, x, const))  # noqa: E731
    return _out((w(lat + dlat_rad) - w(lat - dlat_rad)) / (s(lat + dlat_rad) - s(lat - dlat_rad)))


def plasma_frequency_rad_s(n_cm3, const: dipole.DipoleConstants = dipole.DEFAULT):
    """Electron plasma frequency omega_pe = sqrt(n e^2 / (eps0 m)), rad/s.

    Parameters
    ----------
    n_cm3 : array_like
        Electron density, cm^-3 (400 cm^-3 gives f_pe = 180 kHz, as quoted in paper 002).

    Returns
    -------
    float or ndarray
        omega_pe, rad/s.
    """
    n_m3 = np.asarray(n_cm3, dtype=float) * 1e6
    e = const.elementary_charge_C
    return _out(np.sqrt(n_m3 * e * e / (EPSILON0_F_M * const.electron_mass_kg)))


def _check_dispersion(dispersion):
    if dispersion not in ("full", "eq2"):
        raise ValueError(f"dispersion must be 'full' or 'eq2', got {dispersion!r}")


def whistler_refractive_index(omega_rad_s, omega_H_rad_s, omega_pe_rad_s, dispersion: str = "full"):
    """Refractive index mu = c k / omega of the whistler (R) mode for k parallel to B0.

    ``"full"``: cold electron plasma, mu^2 = 1 - omega_pe^2 / (omega (omega - omega_H))
    (Stix 1962, R mode; ions neglected). ``"eq2"``: paper 002 eq. (2),
    mu^2 = omega_pe^2 / (omega (omega_H - omega)), valid for (omega_pe/omega_H)^2 >> 1.

    Parameters
    ----------
    omega_rad_s, omega_H_rad_s, omega_pe_rad_s : array_like
        Wave, gyro- and plasma angular frequencies, rad/s.
    dispersion : {"full", "eq2"}

    Returns
    -------
    float or ndarray
        mu, dimensionless; NaN where omega >= omega_H (no parallel whistler mode).
    """
    _check_dispersion(dispersion)
    w = np.asarray(omega_rad_s, dtype=float)
    wh = np.asarray(omega_H_rad_s, dtype=float)
    wp2 = np.asarray(omega_pe_rad_s, dtype=float) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        mu2 = wp2 / (w * (wh - w))
        if dispersion == "full":
            mu2 = 1.0 + mu2
        mu = np.where((w < wh) & (w > 0.0), np.sqrt(mu2), np.nan)
    return _out(mu)


def whistler_wavenumber_per_m(omega_rad_s, omega_H_rad_s, omega_pe_rad_s, dispersion: str = "full",
                              c_m_s: float = _c.C_M_S):
    """Wavenumber k = mu omega / c of the parallel whistler mode, 1/m (paper 002 eq. 2).

    Parameters
    ----------
    omega_rad_s, omega_H_rad_s, omega_pe_rad_s : array_like
        Angular frequencies, rad/s.
    dispersion : {"full", "eq2"}
        See :func:`whistler_refractive_index`.
    c_m_s : float
        Speed of light, m/s.

    Returns
    -------
    float or ndarray
        k > 0, 1/m (NaN where omega >= omega_H).
    """
    mu = np.asarray(whistler_refractive_index(omega_rad_s, omega_H_rad_s, omega_pe_rad_s, dispersion))
    return _out(mu * np.asarray(omega_rad_s, dtype=float) / c_m_s)


def whistler_group_velocity_m_s(omega_rad_s, omega_H_rad_s, omega_pe_rad_s, dispersion: str = "full",
                                c_m_s: float = _c.C_M_S):
    """Group velocity d omega / dk of the parallel whistler mode, m/s.

    ``"full"``: from k^2 c^2 = omega^2 + omega omega_pe^2 / (omega_H - omega),
    v_g = 2 k c^2 / [2 omega + omega_pe^2 omega_H / (omega_H - omega)^2].
    ``"eq2"``: differentiating eq. (2), v_g = 2 c omega^(1/2) (omega_H - omega)^(3/2) /
    (omega_pe omega_H).

    Returns
    -------
    float or ndarray
        v_g > 0, m/s (NaN where omega >= omega_H).
    """
    _check_dispersion(dispersion)
    w = np.asarray(omega_rad_s, dtype=float)
    wh = np.asarray(omega_H_rad_s, dtype=float)
    wp = np.asarray(omega_pe_rad_s, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if dispersion == "eq2":
            vg = 2.0 * c_m_s * np.sqrt(w) * (wh - w) ** 1.5 / (wp * wh)
        else:
            k = np.asarray(whistler_wavenumber_per_m(w, wh, wp, "full", c_m_s))
            vg = 2.0 * k * c_m_s**2 / (2.0 * w + wp**2 * wh / (wh - w) ** 2)
        vg = np.where((w < wh) & (w > 0.0), vg, np.nan)
    return _out(vg)


def resonance_velocity_m_s(omega_rad_s, omega_H_rad_s, k_per_m, gamma=1.0):
    """First-order cyclotron resonance parallel velocity v_res = (omega - omega_H/gamma) / k.

    From the resonance condition omega - k v_par = omega_H / gamma (paper 002 eq. 6 with the
    relativistic gyrofrequency) for a wave with wavevector +k z_hat (k > 0, propagating
    toward +z). Since omega < omega_H for the whistler mode, v_res < 0: the resonant electrons
    stream against the wave. For a wave toward -z use -k (then v_res > 0).

    Parameters
    ----------
    omega_rad_s, omega_H_rad_s : array_like
        Wave and rest-mass gyro angular frequencies, rad/s.
    k_per_m : array_like
        Signed parallel wavenumber, 1/m.
    gamma : array_like
        Lorentz factor of the electron (1 for the paper's non-relativistic equations). For a
        given kinetic energy it is known; for a given pitch angle it depends on v_res itself.

    Returns
    -------
    float or ndarray
        v_res, m/s.
    """
    w = np.asarray(omega_rad_s, dtype=float)
    return _out((w - np.asarray(omega_H_rad_s, dtype=float) / np.asarray(gamma, dtype=float))
                / np.asarray(k_per_m, dtype=float))


#: (L, n_eq in cm^-3) read from the text of paper 002 about its Figure 16: 3000 el/cc at
#: L = 1.5 decreasing to 400 at L = 4, and 200 inside the plasmapause at L = 5.
FIG16_POINTS = ((1.5, 3000.0), (4.0, 400.0), (5.0, 200.0))


def fig16_equatorial_density_cm3(L):
    """Equatorial density model of the paper's case study (Figure 16), cm^-3.

    The figure itself is not in the text; only its three quoted values are
    (:data:`FIG16_POINTS`). Between them log n_eq is linear in L (a smooth plasmasphere,
    the shape of the Carpenter and Anderson 1992 profile); beyond them the end slopes are
    extended. A reconstruction, documented in docs/physics/wpi_model.md.
    """
    pts = np.array(FIG16_POINTS)
    x = np.asarray(L, dtype=float)
    logn = np.log(pts[:, 1])
    slope_lo = (logn[1] - logn[0]) / (pts[1, 0] - pts[0, 0])
    slope_hi = (logn[2] - logn[1]) / (pts[2, 0] - pts[1, 0])
    inside = np.interp(x, pts[:, 0], logn)
    out = np.where(x < pts[0, 0], logn[0] + slope_lo * (x - pts[0, 0]),
                   np.where(x > pts[-1, 0], logn[-1] + slope_hi * (x - pts[-1, 0]), inside))
    return _out(np.exp(out))
