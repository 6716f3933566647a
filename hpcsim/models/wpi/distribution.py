"""The trapped energetic-electron distribution of paper 002 (eqs. 4-5) and its flux into the wave.

Units: SI inside (m, s, J, T); the differential flux Phi_E is given as in the paper, in
el cm^-2 s^-1 sr^-1 keV^-1, and energies in keV.

Eq. (4): f(v, alpha) = A v^-n g(alpha) for alpha >= alpha_lc, 0 inside the loss cone, with
v and alpha equatorial values. Eq. (5) fixes A by the differential flux Phi_E of electrons
of energy E_ref at alpha = 90 deg. With j = v^2 f / m (j the differential number flux per
unit energy and solid angle, f the phase-space density in velocity space)

    f(v, alpha) = (m^2 / (2 E_ref)) Phi_E (v_ref / v)^n g(alpha),   v_ref = (2 E_ref / m)^(1/2),

which is eq. (5) written with v_ref. In the relativistic option v is replaced by the
momentum per unit rest mass u = gamma v (then j = u^2 f / m holds with f per d^3u), and
v_ref by u_ref of E_ref; for the paper's non-relativistic runs u = v.
"""

from __future__ import annotations

import numpy as np

from hpcsim.physics import constants as C

#: 1 el cm^-2 s^-1 sr^-1 keV^-1 in m^-2 s^-1 sr^-1 J^-1
FLUX_UNIT_SI = 1e4 / (1e3 * C.EV_TO_J)


def reference_speed_m_s(energy_keV: float, relativistic: bool = False) -> float:
    """u (= v non-relativistically) of an electron of kinetic energy ``energy_keV``, m/s."""
    e_J = energy_keV * 1e3 * C.EV_TO_J
    m = C.ELECTRON_MASS_KG
    if relativistic:
        gamma = 1.0 + e_J / (m * C.C_M_S**2)
        return float(C.C_M_S * np.sqrt(gamma * gamma - 1.0))
    return float(np.sqrt(2.0 * e_J / m))


def pitch_angle_factor(alpha_eq_deg, loss_cone_deg: float, ramp_deg: float = 0.0):
    """g(alpha) of eq. (4): 1 above the loss cone (isotropic, the paper's default), 0 inside.

    ``ramp_deg > 0`` gives the linear rise of the paper's Figure 15,
    g = (alpha - alpha_lc) / (alpha_m - alpha_lc) up to alpha_m = alpha_lc + ramp_deg, then 1.
    """
    a = np.asarray(alpha_eq_deg, dtype=float)
    if ramp_deg > 0.0:
        g = np.clip((a - loss_cone_deg) / ramp_deg, 0.0, 1.0)
    else:
        g = np.where(a >= loss_cone_deg, 1.0, 0.0)
    return g


def phase_space_density(u_m_s, alpha_eq_deg, spectral_index: float, flux_ref: float, energy_ref_keV: float,
                        loss_cone_deg: float, ramp_deg: float = 0.0, relativistic: bool = False):
    """f(u, alpha_eq) of eqs. (4)-(5), s^3 m^-6.

    Parameters
    ----------
    u_m_s : array_like
        Speed (or gamma v), m/s.
    alpha_eq_deg : array_like
        Equatorial pitch angle, deg.
    spectral_index : float
        n of eq. (4).
    flux_ref : float
        Phi_E at ``energy_ref_keV`` and alpha = 90 deg, el cm^-2 s^-1 sr^-1 keV^-1.
    energy_ref_keV : float
        Reference energy E of eq. (5), keV.
    loss_cone_deg, ramp_deg : float
        See :func:`pitch_angle_factor`.
    """
    m = C.ELECTRON_MASS_KG
    e_ref = energy_ref_keV * 1e3 * C.EV_TO_J
    u_ref = reference_speed_m_s(energy_ref_keV, relativistic)
    if relativistic:
        # j = u^2 f / m  ->  f(u_ref) = m j / u_ref^2
        f_ref = m * flux_ref * FLUX_UNIT_SI / u_ref**2
    else:
        f_ref = m * m * flux_ref * FLUX_UNIT_SI / (2.0 * e_ref)
    u = np.asarray(u_m_s, dtype=float)
    return f_ref * (u_ref / u) ** spectral_index * pitch_angle_factor(alpha_eq_deg, loss_cone_deg, ramp_deg)


def entry_number_per_area(f, u_m_s, v_par_abs_m_s, front_speed_m_s, du_m_s, alpha_eq_deg, dalpha_eq_deg,
                          local_pitch_cos, field_ratio_foot_to_eq):
    """Electrons that meet the wave front per unit front time, per m^2 at the foot of the line.

    The front moves along B at ``front_speed_m_s`` (the group velocity; 0 for a fixed entry
    surface) and the electrons against it at |v_par|, so the number crossing unit area of
    the front per unit time is f (v_g + |v_par|) d^3u, with d^3u = 2 pi u^2 du dcos(alpha) at
    the front. Liouville maps the equatorial f along the line, and the first invariant
    sin^2(alpha) / B gives dcos(alpha) = (B / B_eq) sin(alpha_eq) cos(alpha_eq) dalpha_eq /
    cos(alpha). The flux tube cross-section scales as 1/B, so per unit area at the foot
    (1000 km) the front-local B cancels:

        dN/dtau = f (v_g + |v_par|) 2 pi u^2 du (B_foot / B_eq) sin(a_eq) cos(a_eq) da_eq / cos(a),

    in m^-2 s^-1 (da_eq in rad). All arguments broadcast.
    """
    a = np.radians(alpha_eq_deg)
    return (f * (front_speed_m_s + v_par_abs_m_s) * 2.0 * np.pi * u_m_s**2 * du_m_s * field_ratio_foot_to_eq
            * np.sin(a) * np.cos(a) * np.radians(dalpha_eq_deg) / local_pitch_cos)
