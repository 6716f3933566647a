"""Diagnostics of a steady fieldline solution (paper 000, section 4; eqs. 15-20 rebuilt).

All functions take the solver (:class:`hpcsim.models.fieldline.cascade.CascadeSolver`, for
the grid, angular weights, energy levels and densities) and the flux phi[level, unknown].

Conventions: "up" is away from the Earth (northward, d = +1, in the southern half; southward in
the northern half); "down" toward it. Fluxes per unit area at the node unless said otherwise;
energy in eV.

* omnidirectional flux  J(E, s) = int Phi dOmega                              cm^-2 s^-1 eV^-1
* hemispherical flux    F_up/down(E, s) = 2 pi int_0^1 mu Phi(+-mu) dmu        cm^-2 s^-1 eV^-1
  (int mu dmu over each mu0 line's cell: the grid's flux weights)
* albedo (eq. 20, rebuilt): A(E) = F_up(E) / F_down(E) at 800 km
* heating rate of the thermal electrons (eq. 18, rebuilt from the Coulomb term of eq. 2):
  Q(s) = sum_k (A n_e / E_k) J(E_k, s) dE_k                                    eV cm^-3 s^-1
* returned thermal flux (eq. 19, rebuilt): the heat deposited above 800 km in one half of the
  tube, per unit area at 800 km, P = int_{s1}^{equator} Q(s) (B(s1)/B(s)) ds     eV cm^-2 s^-1
  (conducted back to that hemisphere's ionosphere);
* escape fractions of Figure 7: escaping over precipitating energy (particle) flux at 800 km,
  all energies, and the part of the escaping flux below ``se_max_eV`` (600 eV).
"""

from __future__ import annotations

import numpy as np

from hpcsim.models.fieldline.cascade import COULOMB_A_EV2_CM2


def node_at_altitude(cs, altitude_km: float, hemisphere: str = "north") -> int:
    """Grid node nearest ``altitude_km`` in the given half of the line (``cs``: a solver or a grid)."""
    g = getattr(cs, "grid", cs)
    half = np.arange(g.ns // 2 + 1) if hemisphere == "south" else np.arange(g.ns // 2, g.ns)
    return int(half[np.argmin(np.abs(g.altitude_km[half] - altitude_km))])


def _up_direction(cs, node: int) -> int:
    return 1 if node < cs.grid.ns // 2 else -1


def _levels(cs, phi, level):
    """The level of each row of ``phi``: all levels, or the one given."""
    if level is not None:
        return [level]
    if phi.shape[0] != cs.nE:
        raise ValueError("phi must hold every level, or give the level of its single row")
    return list(range(cs.nE))


def omnidirectional(cs, phi, node: int, level: int | None = None) -> np.ndarray:
    """J(E) at ``node``, cm^-2 s^-1 eV^-1, one value per row of ``phi`` (all levels, or the one
    ``level``; with a parallel electric field each level has its own weights)."""
    a, b = cs.idx.offset[node], cs.idx.offset[node + 1]
    if cs.U is None:
        return 2.0 * np.pi * phi[:, a:b] @ cs.W[node]
    return np.array([2.0 * np.pi * phi[r, a:b] @ cs.level_weights(k)[0][node]
                     for r, k in enumerate(_levels(cs, phi, level))])


def hemispherical(cs, phi, node: int, which: str, level: int | None = None) -> np.ndarray:
    """F_up or F_down (``which``) at ``node`` per row of ``phi``, cm^-2 s^-1 eV^-1 (``level``
    as for :func:`omnidirectional`)."""
    a, b = cs.idx.offset[node], cs.idx.offset[node + 1]
    up = _up_direction(cs, node)
    if cs.U is None:
        _, d, _ = cs.dirs[node]
        sel = d == (up if which == "up" else -up)
        return 2.0 * np.pi * phi[:, a:b][:, sel] @ cs.F[node][sel]
    out = []
    for r, k in enumerate(_levels(cs, phi, level)):
        _, F, dirs = cs.level_weights(k)
        sel = dirs[node][1] == (up if which == "up" else -up)
        out.append(2.0 * np.pi * phi[r, a:b][sel] @ F[node][sel])
    return np.array(out)


def albedo(cs, phi, node: int) -> np.ndarray:
    """F_up / F_down per level at ``node`` (NaN where nothing comes down)."""
    down = hemispherical(cs, phi, node, "down")
    return np.where(down > 0, hemispherical(cs, phi, node, "up") / np.where(down > 0, down, 1.0), np.nan)


def integrated(cs, per_level: np.ndarray, e_max_eV: float | None = None, energy: bool = True) -> float:
    """sum_k X_k dE_k (particles) or sum_k E_k X_k dE_k (energy), levels below ``e_max_eV`` only if given."""
    sel = np.ones(cs.nE, dtype=bool) if e_max_eV is None else cs.E < e_max_eV
    w = cs.dE * (cs.E if energy else 1.0)
    return float(np.sum(per_level[sel] * w[sel]))


def level_heating(cs, J, k: int) -> np.ndarray:
    """Level k's share of Q(s), eV cm^-3 s^-1: A n_e J(E_k, s) dE_k / E_k (``J`` at every node;
    E_k the kinetic energy there, which a parallel electric field makes differ from node to node)."""
    kin = np.asarray(cs.kinetic_energy(k), dtype=float)
    return np.where(kin > 0, COULOMB_A_EV2_CM2 * cs.dens["n_e"] * J * cs.dE[k] / np.where(kin > 0, kin, 1.0), 0.0)


def heating_rate(cs, phi) -> np.ndarray:
    """Q(s) of the thermal electrons at every node, eV cm^-3 s^-1 (all levels of ``phi``)."""
    J = np.stack([omnidirectional(cs, phi, i) for i in range(cs.grid.ns)], axis=1)  # (nE, ns)
    return sum(level_heating(cs, J[k], k) for k in range(cs.nE))


def returned_thermal_flux(cs, phi, hemisphere: str = "north", s1_km: float | None = None) -> float:
    """Heat deposited above 800 km in one half of the tube per unit area at 800 km, eV cm^-2 s^-1."""
    return returned_thermal_flux_from_heating(cs, heating_rate(cs, phi), hemisphere, s1_km)


def returned_thermal_flux_from_heating(cs, q, hemisphere: str = "north", s1_km: float | None = None) -> float:
    """P of eq. (19) from a heating-rate profile ``q`` (eV cm^-3 s^-1 per node)."""
    g = cs.grid
    s1 = g.s1_km if s1_km is None else s1_km
    half = np.arange(g.ns // 2, g.ns) if hemisphere == "north" else np.arange(g.ns // 2 + 1)
    above = half[g.altitude_km[half] > s1 + 1e-6]
    weight = np.where(above == g.ns // 2, 0.5, 1.0)  # the equator node is shared by the two halves
    return float(np.sum(q[above] * cs.node_len_cm[above] * cs.area[above] * weight))


def escape_fractions(cs, phi, hemisphere: str = "north", altitude_km: float = 800.0,
                     se_max_eV: float = 600.0) -> dict:
    """The Figure 7 quantities at ``altitude_km``: precipitating and escaping energy and particle
    fluxes (all energies and below ``se_max_eV``) and their ratios."""
    node = node_at_altitude(cs, altitude_km, hemisphere)
    down = hemispherical(cs, phi, node, "down")
    up = hemispherical(cs, phi, node, "up")
    out = {
        "precipitating_energy_eV_cm2_s": integrated(cs, down),
        "escaping_energy_eV_cm2_s": integrated(cs, up),
        "precipitating_particles_cm2_s": integrated(cs, down, energy=False),
        "escaping_particles_cm2_s": integrated(cs, up, energy=False),
        "escaping_se_energy_eV_cm2_s": integrated(cs, up, se_max_eV),
        "escaping_se_particles_cm2_s": integrated(cs, up, se_max_eV, energy=False),
        "returned_se_energy_eV_cm2_s": integrated(cs, down, se_max_eV),
    }
    out["escape_energy_fraction"] = out["escaping_energy_eV_cm2_s"] / out["precipitating_energy_eV_cm2_s"]
    out["escape_particle_fraction"] = out["escaping_particles_cm2_s"] / out["precipitating_particles_cm2_s"]
    return out
