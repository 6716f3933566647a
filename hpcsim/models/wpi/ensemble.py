"""Wave-front positions and the test-particle ensemble that meets the front at each (paper 002, 2.3-2.4).

The wave pulse enters the line at the injection foot at t = 0 and its front moves along the
line at the group velocity; at front time tau (eq. 8) the front is at latitude lambda_f. The
electrons that meet the front during dtau and can still resonate with the pulse behind it are
the paper's "shaded area" of Figure 1: a band of parallel speeds (those resonant somewhere
between the front and the place where the pulse tail passes them) and pitch angles just
outside the loss cone (those that can be scattered into it). Each band is meshed in speed u and
equatorial pitch angle alpha_eq, with test particles spread in Larmor phase (Inan et al. 1978).

When the wave cannot cross the equator (Lambda > 0.5) the duct ends where omega = omega_H / 2;
after the front reaches that point the electrons enter the pulse there, through a fixed
surface (front speed 0), until the tail has passed it (section 3.2 of the paper).

Units: SI, angles in deg where the name says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hpcsim.geometry import dipole
from hpcsim.models.wpi import medium
from hpcsim.models.wpi.kinematics import resonant_parallel_speed_m_s
from hpcsim.models.wpi.motion import WaveTables
from hpcsim.physics import constants as C


@dataclass(frozen=True)
class FrontSchedule:
    """Where and when electrons enter the pulse, one entry per impulse response.

    Attributes
    ----------
    latitude_rad : ndarray
        Entry latitude (the front, or the end of the duct), rad.
    tau_s : ndarray
        Front time, s after injection.
    front_speed_m_s : ndarray
        Speed of the entry surface along the line (group velocity; 0 at the end of the duct).
    front_latitude_deg : ndarray
        Latitude of the front itself (beyond the end of the duct: where it would be), deg.
    """

    latitude_rad: np.ndarray
    tau_s: np.ndarray
    front_speed_m_s: np.ndarray
    front_latitude_deg: np.ndarray

    def __len__(self):
        return len(self.tau_s)


def _group_velocity(wave: WaveTables, L, n_eq_cm3, lat, dispersion, density_kw, const):
    wh = medium.gyrofrequency_rad_s(L, lat, const)
    wp = medium.plasma_frequency_rad_s(medium.density_cm3(L, lat, n_eq_cm3, const=const, **density_kw), const)
    return np.asarray(medium.whistler_group_velocity_m_s(wave.omega_rad_s, wh, wp, dispersion), dtype=float)


def front_schedule(wave: WaveTables, L, n_eq_cm3, lat_start_deg, lat_end_deg, step_deg, dispersion="full",
                   density_kw=None, const: dipole.DipoleConstants = dipole.DEFAULT) -> FrontSchedule:
    """Front positions from ``lat_start_deg`` to ``lat_end_deg`` every ``step_deg`` (paper: 4 deg).

    Latitudes are measured along the direction of propagation: for a wave from the south
    foot (direction +1, the paper's set-up) they are the magnetic latitudes, -20 ... +48 deg
    in the paper's Figure 3. Positions beyond the end of the duct are replaced by entries at
    its end, spaced in tau like the last positions before it, until the tail passes it.
    """
    density_kw = density_kw or {}
    s = wave.direction
    lats_deg = np.arange(lat_start_deg, lat_end_deg + 0.5 * step_deg, step_deg)
    grid = wave.latitude_rad
    ok = np.isfinite(wave.k_per_m)
    path_lat = grid[ok]
    lat_far = float(path_lat.max() if s == 1 else path_lat.min())  # end of the duct along the path
    lat_near = float(path_lat.min() if s == 1 else path_lat.max())
    lat_rad, tau, speed, front_deg = [], [], [], []
    for lam in np.radians(lats_deg) * s:
        if s * (lam - lat_near) < 0:
            continue  # before the injection point
        if s * (lam - lat_far) > 0:
            break
        lat_rad.append(lam)
        tau.append(float(np.interp(lam, grid[ok], wave.t_front_s[ok])))
        speed.append(float(_group_velocity(wave, L, n_eq_cm3, lam, dispersion, density_kw, const)))
        front_deg.append(np.degrees(lam) * s)
    duct_ends = grid[ok].size < grid.size and s * (np.radians(lats_deg[-1]) * s - lat_far) > 0
    if duct_ends:
        # the front stops at the end of the duct; electrons keep entering there until the tail passes
        tau_end = float(wave.t_front_s[ok][np.argmax(grid[ok] * s)])
        if not lat_rad or lat_rad[-1] != lat_far:
            lat_rad.append(lat_far)
            tau.append(tau_end)
            speed.append(float(_group_velocity(wave, L, n_eq_cm3, lat_far, dispersion, density_kw, const)))
            front_deg.append(np.degrees(lat_far) * s)
        dtau = (tau[-1] - tau[0]) / (len(tau) - 1) if len(tau) > 1 else wave.duration_s / 4  # mean spacing
        n_extra = max(1, int(np.ceil(wave.duration_s / max(dtau, 1e-9))))
        for i in range(1, n_extra + 1):
            lat_rad.append(lat_far)
            tau.append(tau_end + wave.duration_s * i / n_extra)
            speed.append(0.0)
            front_deg.append(np.nan)
    if not lat_rad:
        raise ValueError("no front position lies on the duct: check the front latitude range")
    return FrontSchedule(np.array(lat_rad), np.array(tau), np.array(speed), np.array(front_deg))


#: nodes where the meshed pitch angle is within acos(0.2) = 78 deg of mirroring are not used to size
#: the resonant speed band (the required speed diverges at the mirror point)
MIN_LOCAL_COS = 0.2


@dataclass(frozen=True)
class ParticleMesh:
    """The test particles that meet the front at one entry, and what each stands for.

    Every array has one entry per particle (speed-major, then pitch angle, then phase).
    ``number_per_tau`` is the number of electrons per m^2 at the foot of the line, per
    second of front time, that the particle represents (before the loss-cone fraction).
    """

    u_m_s: np.ndarray
    du_m_s: np.ndarray
    alpha_eq_deg: np.ndarray
    alpha_cell_lower_deg: np.ndarray
    alpha_cell_width_deg: float
    eta_rad: np.ndarray
    u_par_m_s: np.ndarray
    u_perp_m_s: np.ndarray
    local_cos: np.ndarray
    speed_range_m_s: tuple[float, float]

    def __len__(self):
        return len(self.u_m_s)


def resonant_speed_range(wave: WaveTables, L, lat_entry_rad, tau_entry_s, alpha_eq_deg,
                         const: dipole.DipoleConstants = dipole.DEFAULT) -> tuple[float, float]:
    """Range of equatorial speeds resonant somewhere on the path through the pulse, m/s.

    From the entry point the electron moves against the wave; the pulse tail reaches it
    where the electron, moving at the local resonance speed of the entry point, meets
    t_front + PL. At every grid node on that path the resonant electron of pitch angle
    ``alpha_eq_deg`` has |v_par| = (omega_H - omega) / k (eq. 6, non-relativistic) and
    speed |v_par| / cos(alpha_local). Returns (min, max) over the path.
    """
    s = wave.direction
    grid = wave.latitude_rad
    ok = np.isfinite(wave.k_per_m)
    v_res = resonant_parallel_speed_m_s(wave, L, const)
    # nodes from the entry point backward along the path (direction -s)
    behind = ok & (s * (grid - lat_entry_rad) <= 0)
    idx = np.flatnonzero(behind)
    if idx.size == 0:
        return (np.nan, np.nan)
    idx = idx[np.argsort(s * (lat_entry_rad - grid[idx]))]  # nearest to the entry first
    arc = np.asarray(dipole.arc_length_m(L, grid[idx], const))
    arc_entry = float(dipole.arc_length_m(L, lat_entry_rad, const))
    v0 = float(np.interp(lat_entry_rad, grid[ok], v_res[ok]))
    t_particle = tau_entry_s + np.abs(arc - arc_entry) / v0
    t_tail = wave.t_front_s[idx] + wave.duration_s
    past = np.flatnonzero(t_particle > t_tail)
    stop = past[0] + 1 if past.size else idx.size
    path = idx[:max(stop, 1)]
    cos_loc = np.cos(np.radians(dipole.local_pitch_angle_deg(L, alpha_eq_deg, grid[path])))
    # nodes near (or beyond) the mirror point of this pitch angle need unbounded speeds: leave them out
    reach = np.nan_to_num(cos_loc) > MIN_LOCAL_COS
    path, cos_loc = path[reach], cos_loc[reach]
    speeds = np.concatenate(([v0 / np.cos(np.radians(dipole.local_pitch_angle_deg(L, alpha_eq_deg, lat_entry_rad)))],
                             v_res[path] / cos_loc))
    speeds = speeds[np.isfinite(speeds)]
    return float(speeds.min()), float(speeds.max())


def particle_mesh(wave: WaveTables, L, lat_entry_rad, tau_entry_s, loss_cone_deg, alpha_span_deg, alpha_cells,
                  speed_cells, phases, speed_margin, relativistic=False, energy_cap_keV=1000.0,
                  const: dipole.DipoleConstants = dipole.DEFAULT) -> ParticleMesh:
    """Mesh of test particles meeting the pulse at one entry (the shaded area of Fig. 1).

    Pitch angles: ``alpha_cells`` uniform cells from the loss cone to
    loss cone + ``alpha_span_deg`` (particle at each cell centre). Speeds: ``speed_cells``
    cells uniform in ln v over the resonant range of :func:`resonant_speed_range`, widened
    by the factor 1 -/+ ``speed_margin`` and capped at the speed of ``energy_cap_keV``.
    Phases: ``phases`` values 2 pi (i + 1/2) / phases. The particles start at the entry
    latitude moving against the wave (u_par of sign -direction).
    """
    da = alpha_span_deg / alpha_cells
    alpha_lower = loss_cone_deg + da * np.arange(alpha_cells)
    alpha_mid = alpha_lower + 0.5 * da
    v_lo, v_hi = resonant_speed_range(wave, L, lat_entry_rad, tau_entry_s, float(alpha_mid[alpha_cells // 2]),
                                      const)
    if not np.isfinite(v_lo):
        raise ValueError("no resonant electrons behind this entry point")
    e_cap = energy_cap_keV * 1e3 * C.EV_TO_J
    m = C.ELECTRON_MASS_KG
    v_cap = (C.C_M_S * np.sqrt(1.0 - 1.0 / (1.0 + e_cap / (m * C.C_M_S**2)) ** 2) if relativistic
             else np.sqrt(2.0 * e_cap / m))
    v_lo = min(v_lo * (1.0 - speed_margin), 0.5 * v_cap)
    v_hi = min(v_hi * (1.0 + speed_margin), v_cap)
    dlnv = np.log(v_hi / v_lo) / speed_cells
    v_mid = v_lo * np.exp(dlnv * (np.arange(speed_cells) + 0.5))
    dv = v_lo * (np.exp(dlnv * (np.arange(speed_cells) + 1.0)) - np.exp(dlnv * np.arange(speed_cells)))
    if relativistic:
        # the mesh is in v; the state and the distribution use u = gamma v, du = gamma^3 dv
        beta2 = (v_mid / C.C_M_S) ** 2
        u_mid = v_mid / np.sqrt(1.0 - beta2)
        du = dv / (1.0 - beta2) ** 1.5
    else:
        u_mid, du = v_mid, dv
    eta = 2.0 * np.pi * (np.arange(phases) + 0.5) / phases
    U, A, E = np.meshgrid(u_mid, alpha_mid, eta, indexing="ij")
    DU = np.broadcast_to(du[:, None, None], U.shape)
    ALO = np.broadcast_to(alpha_lower[None, :, None], U.shape)
    alpha_loc = np.radians(dipole.local_pitch_angle_deg(L, A.ravel(), lat_entry_rad))
    u = U.ravel()
    return ParticleMesh(u_m_s=u, du_m_s=DU.ravel().copy(), alpha_eq_deg=A.ravel(),
                        alpha_cell_lower_deg=ALO.ravel().copy(), alpha_cell_width_deg=float(da), eta_rad=E.ravel(),
                        u_par_m_s=-wave.direction * u * np.cos(alpha_loc), u_perp_m_s=u * np.sin(alpha_loc),
                        local_cos=np.cos(alpha_loc), speed_range_m_s=(float(v_lo), float(v_hi)))
