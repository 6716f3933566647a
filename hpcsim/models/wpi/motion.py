"""Gyro-averaged electron motion in a dipole field with a parallel whistler-mode wave.

Test-particle equations of Inan, Bell and Helliwell (1978), as used by Inan, Bell and Chang
(1982, paper 002, section 2.3), for an electron on one dipole field line interacting with a
circularly polarised whistler-mode wave whose wavevector is along B0, plus a relativistic
option (momentum per unit rest mass u = gamma v), and a numba fixed-step RK4 integrator for
many particles.

State of each particle: z (arc length along the line from the equator, m, positive north),
u_par, u_perp (m/s; equal to v_par, v_perp in the non-relativistic form) and eta (rad).

Equations (s = +1 for a wave propagating toward +z, s = -1 toward -z; k > 0 the local
wavenumber; a = e B_w / m; gamma = sqrt(1 + u^2/c^2), or 1 in the non-relativistic form;
omega_H = e B0 / m the rest-mass gyrofrequency; v_par = u_par / gamma):

    du_par/dt  =  a (u_perp/gamma) sin(eta) - u_perp^2/(2 gamma omega_H) d omega_H/dz
    du_perp/dt = -a (v_par - s omega/k) sin(eta) + u_perp u_par/(2 gamma omega_H) d omega_H/dz
    deta/dt    =  omega_H/gamma - omega + s k v_par - a (v_par - s omega/k) cos(eta)/u_perp
    dz/dt      =  v_par

eta = phi - psi is the angle from the wave magnetic field B_w to v_perp, measured in the
sense of electron gyration (right-handed about B0); psi = omega t - s int k dz is the phase of
eq. (1). With s = -1 and gamma = 1 these are the equations of Inan et al. (1978):
dv_par/dt = (omega_tau^2/k) sin eta - (v_perp^2/(2 omega_H)) d omega_H/dz, ...,
deta/dt = omega_H - omega - k v_par - ..., omega_tau^2 = e B_w k v_perp / m. Derivation and
checks: ``docs/physics/wpi_motion.md``.

The dipole field is evaluated inside the numba kernel by jit-compiled closed forms that
mirror :func:`hpcsim.geometry.dipole.field_ratio_to_equator` and
:func:`hpcsim.geometry.dipole.arc_length_m` (numba cannot call those numpy functions);
``tests/test_wpi_motion.py`` checks the mirror against them to 1e-12.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numba as nb
import numpy as np

from hpcsim.geometry import dipole
from hpcsim.models.wpi import medium
from hpcsim.physics import constants as _c

__all__ = [
    "WaveTables",
    "MotionResult",
    "no_wave",
    "ducted_wave",
    "latitude_from_arc_length_rad",
    "field_along_line",
    "equatorial_state",
    "kinetic_energy_keV",
    "pitch_angle_deg",
    "integrate",
]

_SQRT3 = np.sqrt(3.0)
_LAT_MAX = 0.5 * np.pi - 1e-6


# ------------------------------------------------------------------ jit field line


@nb.njit(cache=True)
def _arc_length_half(lat):
    """[x sqrt(1+x^2) + asinh x] / (2 sqrt 3), x = sqrt 3 sin lat (times L R_E gives s)."""
    x = _SQRT3 * np.sin(lat)
    return (x * np.sqrt(1.0 + x * x) + np.arcsinh(x)) / (2.0 * _SQRT3)


@nb.njit(cache=True)
def _latitude(z, lre):
    """Latitude of arc length z (m) on the line of equatorial radius lre (m), by Newton."""
    target = z / lre
    lat = target
    if lat > _LAT_MAX:
        lat = _LAT_MAX
    elif lat < -_LAT_MAX:
        lat = -_LAT_MAX
    for _ in range(50):
        s = np.sin(lat)
        ds = np.cos(lat) * np.sqrt(1.0 + 3.0 * s * s)
        step = (_arc_length_half(lat) - target) / ds
        lat -= step
        if lat > _LAT_MAX:
            lat = _LAT_MAX
        elif lat < -_LAT_MAX:
            lat = -_LAT_MAX
        if abs(step) < 1e-15:
            break
    return lat


@nb.njit(cache=True)
def _field(z, lre, wh_eq):
    """(latitude, omega_H, d omega_H / dz) at arc length z."""
    lat = _latitude(z, lre)
    s = np.sin(lat)
    c = np.cos(lat)
    ratio = np.sqrt(1.0 + 3.0 * s * s) / c**6
    dlnb_dlat = 3.0 * s * c / (1.0 + 3.0 * s * s) + 6.0 * s / c
    ds_dlat = lre * c * np.sqrt(1.0 + 3.0 * s * s)
    wh = wh_eq * ratio
    return lat, wh, wh * dlnb_dlat / ds_dlat


@nb.njit(cache=True)
def _interp(z, z0, dz, tab):
    """Linear interpolation on a uniform grid; NaN outside it."""
    x = (z - z0) / dz
    n = tab.shape[0]
    if not (x >= 0.0 and x <= n - 1):
        return np.nan
    i = int(x)
    if i >= n - 1:
        i = n - 2
    f = x - i
    return (1.0 - f) * tab[i] + f * tab[i + 1]


@nb.njit(cache=True)
def _rhs(t, z, up, uq, eta, lre, wh_eq, e_over_m, c, rel, omega, sdir, z0, dz, ktab, bwtab, tftab,
         duration):
    _, wh, dwh = _field(z, lre, wh_eq)
    gamma = 1.0
    if rel:
        gamma = np.sqrt(1.0 + (up * up + uq * uq) / (c * c))
    vpar = up / gamma
    mirror = dwh / (2.0 * gamma * wh)
    k = _interp(z, z0, dz, ktab)
    bw = 0.0
    if np.isfinite(k):
        tf = _interp(z, z0, dz, tftab)
        if t >= tf and t <= tf + duration:
            bw = _interp(z, z0, dz, bwtab)
    else:
        k = 0.0
    dup = -uq * uq * mirror
    duq = uq * up * mirror
    deta = wh / gamma - omega + sdir * k * vpar
    if bw != 0.0 and k > 0.0:
        a = e_over_m * bw
        sn = np.sin(eta)
        cs = np.cos(eta)
        rel_v = vpar - sdir * omega / k
        dup += a * (uq / gamma) * sn
        duq -= a * rel_v * sn
        deta -= a * rel_v * cs / max(uq, 1e-300)
    return vpar, dup, duq, deta


@nb.njit(cache=True)
def _rk4_kernel(z, up, uq, eta, t0, dt, n_steps, record_every, rec, lre, wh_eq, e_over_m, c, rel, omega,
                sdir, z0, dz, ktab, bwtab, tftab, duration):
    n = z.shape[0]
    h = dt
    for p in range(n):
        zz = z[p]
        a1 = up[p]
        a2 = uq[p]
        a3 = eta[p]
        t = t0
        irec = 0
        if record_every > 0:
            rec[0, 0, p] = zz
            rec[0, 1, p] = a1
            rec[0, 2, p] = a2
            rec[0, 3, p] = a3
            irec = 1
        for step in range(n_steps):
            k1z, k1a, k1b, k1c = _rhs(t, zz, a1, a2, a3, lre, wh_eq, e_over_m, c, rel, omega, sdir, z0, dz,
                                      ktab, bwtab, tftab, duration)
            th = t + 0.5 * h
            k2z, k2a, k2b, k2c = _rhs(th, zz + 0.5 * h * k1z, a1 + 0.5 * h * k1a, a2 + 0.5 * h * k1b,
                                      a3 + 0.5 * h * k1c, lre, wh_eq, e_over_m, c, rel, omega, sdir, z0, dz,
                                      ktab, bwtab, tftab, duration)
            k3z, k3a, k3b, k3c = _rhs(th, zz + 0.5 * h * k2z, a1 + 0.5 * h * k2a, a2 + 0.5 * h * k2b,
                                      a3 + 0.5 * h * k2c, lre, wh_eq, e_over_m, c, rel, omega, sdir, z0, dz,
                                      ktab, bwtab, tftab, duration)
            k4z, k4a, k4b, k4c = _rhs(t + h, zz + h * k3z, a1 + h * k3a, a2 + h * k3b, a3 + h * k3c, lre,
                                      wh_eq, e_over_m, c, rel, omega, sdir, z0, dz, ktab, bwtab, tftab,
                                      duration)
            zz += h / 6.0 * (k1z + 2.0 * k2z + 2.0 * k3z + k4z)
            a1 += h / 6.0 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a)
            a2 += h / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b)
            a3 += h / 6.0 * (k1c + 2.0 * k2c + 2.0 * k3c + k4c)
            t = t0 + (step + 1) * h
            if record_every > 0 and (step + 1) % record_every == 0:
                rec[irec, 0, p] = zz
                rec[irec, 1, p] = a1
                rec[irec, 2, p] = a2
                rec[irec, 3, p] = a3
                irec += 1
        z[p] = zz
        up[p] = a1
        uq[p] = a2
        eta[p] = a3


@nb.njit(cache=True)
def _latitudes(z, lre):
    out = np.empty_like(z)
    for i in range(z.shape[0]):
        out[i] = _latitude(z[i], lre)
    return out


@nb.njit(cache=True)
def _fields(z, lre, wh_eq):
    lat = np.empty_like(z)
    wh = np.empty_like(z)
    dwh = np.empty_like(z)
    for i in range(z.shape[0]):
        lat[i], wh[i], dwh[i] = _field(z[i], lre, wh_eq)
    return lat, wh, dwh


# ------------------------------------------------------------------ python API


def _line_constants(L, const):
    lre = float(L) * const.earth_radius_m
    wh_eq = const.elementary_charge_C * float(dipole.equatorial_field_G(L, const)) * 1e-4 / const.electron_mass_kg
    return lre, wh_eq


def latitude_from_arc_length_rad(L, z_m, const: dipole.DipoleConstants = dipole.DEFAULT):
    """Inverse of :func:`hpcsim.geometry.dipole.arc_length_m`: latitude of arc length z.

    Parameters
    ----------
    L : float
        McIlwain L, Earth radii.
    z_m : array_like
        Signed arc length from the equator, m (positive north).

    Returns
    -------
    ndarray
        Magnetic latitude, rad (Newton's method, converged to 1e-15 rad).
    """
    lre, _ = _line_constants(L, const)
    z = np.ascontiguousarray(np.atleast_1d(np.asarray(z_m, dtype=float)))
    return _latitudes(z, lre).reshape(np.shape(z_m))


def field_along_line(L, z_m, const: dipole.DipoleConstants = dipole.DEFAULT):
    """Latitude (rad), omega_H (rad/s) and d omega_H/dz (rad/s/m) as the integrator sees them.

    Parameters
    ----------
    L : float
        McIlwain L, Earth radii.
    z_m : array_like
        Arc length from the equator, m.

    Returns
    -------
    (lat_rad, omega_H_rad_s, domega_H_dz_rad_s_m) : tuple of ndarray
    """
    lre, wh_eq = _line_constants(L, const)
    z = np.ascontiguousarray(np.atleast_1d(np.asarray(z_m, dtype=float)))
    lat, wh, dwh = _fields(z, lre, wh_eq)
    shape = np.shape(z_m)
    return lat.reshape(shape), wh.reshape(shape), dwh.reshape(shape)


@dataclass(frozen=True)
class WaveTables:
    """Monochromatic wave on a uniform z grid, as the integrator reads it.

    The wave is on at (z, t) where ``t_front_s(z) <= t <= t_front_s(z) + duration_s`` (a
    constant-amplitude pulse between its front and its tail) with amplitude ``bw_T(z)``;
    between grid nodes all tables are interpolated linearly; outside the grid, and where
    ``k_per_m`` is NaN (no propagation), the wave is off.

    Attributes
    ----------
    omega_rad_s : float
        Wave angular frequency, rad/s.
    direction : int
        +1: wavevector and group velocity toward +z (north); -1: toward -z.
    z0_m, dz_m : float
        First grid node and spacing, m.
    k_per_m, bw_T, t_front_s : ndarray
        Wavenumber magnitude (1/m), wave magnetic field amplitude (T), arrival time of the
        pulse front (s), at the nodes.
    duration_s : float
        Pulse length, s.
    """

    omega_rad_s: float
    direction: int
    z0_m: float
    dz_m: float
    k_per_m: np.ndarray
    bw_T: np.ndarray
    t_front_s: np.ndarray
    duration_s: float

    def __post_init__(self):
        if self.direction not in (1, -1):
            raise ValueError("direction must be +1 or -1")
        n = len(self.k_per_m)
        if n < 2 or len(self.bw_T) != n or len(self.t_front_s) != n or not self.dz_m > 0:
            raise ValueError("k_per_m, bw_T and t_front_s need equal lengths >= 2 and dz_m > 0")


def no_wave(omega_rad_s: float = 0.0) -> WaveTables:
    """A wave that is never on (unperturbed motion; eta then advances at omega_H/gamma - omega)."""
    zeros = np.zeros(2)
    return WaveTables(float(omega_rad_s), 1, 0.0, 1.0, np.full(2, np.nan), zeros, zeros, 0.0)


def ducted_wave(L, frequency_Hz, bw_eq_pT, duration_s, n_eq_cm3, direction: int = -1,
                injection_altitude_km: float = 1000.0, t_inject_s: float = 0.0,
                density_model: str = "diffusive", dispersion: str = "full", n_grid: int = 4001,
                const: dipole.DipoleConstants = dipole.DEFAULT, **density_kw) -> WaveTables:
    """Tables of a ducted whistler pulse injected at one foot of the line (paper 002 eq. 1-2).

    The grid spans the line between the two points at ``injection_altitude_km``. k(z) is from
    :func:`medium.whistler_wavenumber_per_m` with the density of :func:`medium.density_cm3`;
    the amplitude follows eq. (1), B_w = B_weq (omega_H k / (omega_Heq k_eq))^(1/2); the front
    leaves the injection point (the north foot for ``direction=-1``, the south foot for +1) at
    ``t_inject_s`` and travels at the local group velocity, t_front(z) = t_inject + int dz/v_g
    (trapezoid rule on the grid).

    Parameters
    ----------
    L : float
        McIlwain L, Earth radii.
    frequency_Hz : float
        Wave frequency, Hz (must be below the equatorial gyrofrequency).
    bw_eq_pT : float
        Equatorial wave amplitude, pT.
    duration_s : float
        Pulse length, s.
    n_eq_cm3 : float
        Equatorial cold electron density, cm^-3.
    direction : {-1, +1}
        Propagation direction along z.
    injection_altitude_km : float
        Altitude of injection (and of the ends of the grid), km.
    t_inject_s : float
        Time the front leaves the injection point, s.
    density_model, dispersion : str
        See :func:`medium.density_cm3`, :func:`medium.whistler_refractive_index`.
    n_grid : int
        Number of grid nodes.
    **density_kw
        Passed to :func:`medium.density_cm3` (temperature_K, ion_fractions, ...).

    Returns
    -------
    WaveTables
    """
    lat_foot = float(dipole.latitude_at_altitude_rad(L, injection_altitude_km, const))
    s_foot = float(dipole.arc_length_m(L, lat_foot, const))
    z = np.linspace(-s_foot, s_foot, int(n_grid))
    lat = latitude_from_arc_length_rad(L, z, const)
    omega = 2.0 * np.pi * float(frequency_Hz)
    wh = np.asarray(medium.gyrofrequency_rad_s(L, lat, const))
    wp = np.asarray(medium.plasma_frequency_rad_s(
        medium.density_cm3(L, lat, n_eq_cm3, model=density_model, const=const, **density_kw), const))
    k = np.asarray(medium.whistler_wavenumber_per_m(omega, wh, wp, dispersion))
    vg = np.asarray(medium.whistler_group_velocity_m_s(omega, wh, wp, dispersion))
    wh_eq = float(medium.gyrofrequency_rad_s(L, 0.0, const))
    wp_eq = float(medium.plasma_frequency_rad_s(n_eq_cm3, const))
    k_eq = float(medium.whistler_wavenumber_per_m(omega, wh_eq, wp_eq, dispersion))
    if not np.isfinite(k_eq):
        raise ValueError("frequency at or above the equatorial gyrofrequency: eq. (1) normalisation undefined")
    bw = np.where(np.isfinite(k), bw_eq_pT * 1e-12 * np.sqrt(wh * np.where(np.isfinite(k), k, 0.0) / (wh_eq * k_eq)),
                  0.0)
    inv_vg = np.where(np.isfinite(vg), 1.0 / vg, np.inf)
    seg = 0.5 * (inv_vg[1:] + inv_vg[:-1]) * np.diff(z)
    if direction == 1:
        tf = np.concatenate(([0.0], np.cumsum(seg)))
    elif direction == -1:
        tf = np.concatenate((np.cumsum(seg[::-1])[::-1], [0.0]))
    else:
        raise ValueError("direction must be +1 or -1")
    return WaveTables(omega, int(direction), float(z[0]), float(z[1] - z[0]), k, bw, t_inject_s + tf,
                      float(duration_s))


def equatorial_state(L, energy_keV, alpha_eq_deg, relativistic: bool = False,
                     const: dipole.DipoleConstants = dipole.DEFAULT):
    """(u_par, u_perp), m/s, of electrons of a kinetic energy and equatorial pitch angle.

    u = v non-relativistically (E = m v^2 / 2); u = gamma v with E = (gamma - 1) m c^2
    otherwise. ``u_par >= 0`` for pitch angles below 90 deg.
    """
    e_J = np.asarray(energy_keV, dtype=float) * 1e3 * _c.EV_TO_J
    m = const.electron_mass_kg
    if relativistic:
        gamma = 1.0 + e_J / (m * _c.C_M_S**2)
        u = _c.C_M_S * np.sqrt(gamma * gamma - 1.0)
    else:
        u = np.sqrt(2.0 * e_J / m)
    a = np.radians(np.asarray(alpha_eq_deg, dtype=float))
    return u * np.cos(a), u * np.sin(a)


def kinetic_energy_keV(u_par, u_perp, relativistic: bool = False,
                       const: dipole.DipoleConstants = dipole.DEFAULT):
    """Kinetic energy, keV, of the state (inverse of :func:`equatorial_state`)."""
    u2 = np.asarray(u_par, dtype=float) ** 2 + np.asarray(u_perp, dtype=float) ** 2
    m = const.electron_mass_kg
    if relativistic:
        e_J = m * _c.C_M_S**2 * u2 / _c.C_M_S**2 / (np.sqrt(1.0 + u2 / _c.C_M_S**2) + 1.0)
    else:
        e_J = 0.5 * m * u2
    return e_J / (1e3 * _c.EV_TO_J)


def pitch_angle_deg(u_par, u_perp):
    """Local pitch angle atan2(u_perp, u_par), deg (0-180)."""
    return np.degrees(np.arctan2(np.asarray(u_perp, dtype=float), np.asarray(u_par, dtype=float)))


@dataclass
class MotionResult:
    """Final states (and optional trajectory) of :func:`integrate`.

    Attributes
    ----------
    t_s : float
        Final time, s.
    z_m, u_par_m_s, u_perp_m_s, eta_rad : ndarray
        Final states, shape (n_particles,).
    t_record_s : ndarray or None
        Times of the recorded states, s.
    trajectory : ndarray or None
        Shape (n_records, 4, n_particles): z, u_par, u_perp, eta at ``t_record_s``.
    """

    t_s: float
    z_m: np.ndarray
    u_par_m_s: np.ndarray
    u_perp_m_s: np.ndarray
    eta_rad: np.ndarray
    t_record_s: Optional[np.ndarray] = None
    trajectory: Optional[np.ndarray] = None


def integrate(z_m, u_par_m_s, u_perp_m_s, eta_rad, L, dt_s, n_steps, t0_s: float = 0.0,
              wave: Optional[WaveTables] = None, relativistic: bool = False, record_every: int = 0,
              const: dipole.DipoleConstants = dipole.DEFAULT) -> MotionResult:
    """Integrate the equations of motion with fixed-step classical RK4 (numba).

    Parameters
    ----------
    z_m, u_par_m_s, u_perp_m_s, eta_rad : array_like
        Initial states (broadcast to a common 1-d shape). u = v if not ``relativistic``.
    L : float
        McIlwain L of the line, Earth radii.
    dt_s : float
        Time step, s. It must resolve the bounce motion and, while the wave is on, the
        phase rate deta/dt (|deta/dt| dt << 1 for the particles of interest).
    n_steps : int
        Number of steps.
    t0_s : float
        Initial time, s (the clock of ``wave.t_front_s``).
    wave : WaveTables or None
        The wave (None: :func:`no_wave`).
    relativistic : bool
        Use gamma = sqrt(1 + u^2/c^2) (True) or gamma = 1 as in paper 002 (False).
    record_every : int
        Record the state every this many steps (0: no trajectory).
    const : DipoleConstants
        Field line and electron constants.

    Returns
    -------
    MotionResult
    """
    arrays = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, dtype=float))
                                   for x in (z_m, u_par_m_s, u_perp_m_s, eta_rad)))
    z, up, uq, eta = (np.array(a, dtype=np.float64).ravel() for a in arrays)
    wave = no_wave() if wave is None else wave
    n_steps = int(n_steps)
    record_every = int(record_every)
    if record_every > 0:
        n_rec = n_steps // record_every + 1
        rec = np.full((n_rec, 4, z.size), np.nan)
        t_rec = t0_s + dt_s * record_every * np.arange(n_rec)
    else:
        rec = np.zeros((1, 4, 1))
        t_rec = None
    lre, wh_eq = _line_constants(L, const)
    e_over_m = const.elementary_charge_C / const.electron_mass_kg
    _rk4_kernel(z, up, uq, eta, float(t0_s), float(dt_s), n_steps, record_every, rec, lre, wh_eq, e_over_m,
                _c.C_M_S, bool(relativistic), float(wave.omega_rad_s), float(wave.direction), float(wave.z0_m),
                float(wave.dz_m), np.ascontiguousarray(wave.k_per_m, dtype=np.float64),
                np.ascontiguousarray(wave.bw_T, dtype=np.float64),
                np.ascontiguousarray(wave.t_front_s, dtype=np.float64), float(wave.duration_s))
    return MotionResult(float(t0_s + n_steps * dt_s), z, up, uq, eta, t_rec,
                        rec if record_every > 0 else None)
