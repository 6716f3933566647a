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
    "interact",
    "InteractionResult",
    "injection_amplitude_pT",
]

_SQRT3 = np.sqrt(3.0)
#: fast-math flags for the kernels: no "nnan"/"ninf" (the tables mark gaps with -1, not NaN,
#: and the time-front table may hold inf)
_FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}
_LAT_MAX = 0.5 * np.pi - 1e-6


# ------------------------------------------------------------------ jit field line
#
# Inside the kernels the position is the magnetic latitude lat (rad), not the arc length z:
# B, dB/ds and ds/dlat are closed forms of lat, so no arc-length inversion is needed per
# right-hand-side call (dlat/dt = v_par / (ds/dlat)). The public API keeps z.


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


@nb.njit(cache=True, fastmath=_FAST)
def _geom(lat, lre, wh_eq):
    """(ds/dlat in m/rad, omega_H in rad/s, d omega_H/ds in rad/s/m) at latitude lat."""
    s = np.sin(lat)
    c = np.cos(lat)
    q2 = 1.0 + 3.0 * s * s
    q = np.sqrt(q2)
    ds_dlat = lre * c * q
    wh = wh_eq * q / c**6
    dlnb_dlat = 3.0 * s * c / q2 + 6.0 * s / c
    return ds_dlat, wh, wh * dlnb_dlat / ds_dlat


@nb.njit(cache=True)
def _field(z, lre, wh_eq):
    """(latitude, omega_H, d omega_H / dz) at arc length z."""
    lat = _latitude(z, lre)
    _, wh, dwh = _geom(lat, lre, wh_eq)
    return lat, wh, dwh


@nb.njit(cache=True, fastmath=_FAST)
def _wave_at(t, lat, lat0, dlat, tabs, duration):
    """(k, B_w) seen at (t, lat): k = 0 where the wave does not propagate, B_w = 0 where off.

    ``tabs`` rows: k (1/m, negative where no propagation), B_w (T), front arrival time (s);
    see :meth:`WaveTables.packed`. One index computation serves the three rows.
    """
    x = (lat - lat0) / dlat
    n = tabs.shape[1]
    if not (x >= 0.0 and x <= n - 1):
        return 0.0, 0.0
    i = int(x)
    if i >= n - 1:
        i = n - 2
    f = x - i
    k0 = tabs[0, i]
    k1 = tabs[0, i + 1]
    if k0 <= 0.0 or k1 <= 0.0:
        return 0.0, 0.0
    k = (1.0 - f) * k0 + f * k1
    tf = (1.0 - f) * tabs[2, i] + f * tabs[2, i + 1]
    if t >= tf and t <= tf + duration:
        return k, (1.0 - f) * tabs[1, i] + f * tabs[1, i + 1]
    return k, 0.0


@nb.njit(cache=True, fastmath=_FAST)
def _rhs_split(t, lat, up, uq, eta, lre, wh_eq, e_over_m, c, rel, omega, sdir, lat0, dlat, tabs, duration):
    """Time derivatives of (lat, u_par, u_perp, eta) without the wave, the wave's parts of the
    last three, and whether the wave is on there. The eta derivative without the wave is the
    unperturbed phase rate omega_H/gamma - omega + s k v_par (rad/s)."""
    ds_dlat, wh, dwh = _geom(lat, lre, wh_eq)
    gamma = 1.0
    if rel:
        gamma = np.sqrt(1.0 + (up * up + uq * uq) / (c * c))
    vpar = up / gamma
    mirror = dwh / (2.0 * gamma * wh)
    k, bw = _wave_at(t, lat, lat0, dlat, tabs, duration)
    on = bw != 0.0 and k > 0.0
    wup = 0.0
    wuq = 0.0
    weta = 0.0
    if on:
        a = e_over_m * bw
        sn = np.sin(eta)
        cs = np.cos(eta)
        rel_v = vpar - sdir * omega / k
        wup = a * (uq / gamma) * sn
        wuq = -a * rel_v * sn
        weta = -a * rel_v * cs / max(uq, 1e-300)
    return (vpar / ds_dlat, -uq * uq * mirror, uq * up * mirror, wh / gamma - omega + sdir * k * vpar,
            wup, wuq, weta, on)


@nb.njit(cache=True, fastmath=_FAST)
def _rhs(t, lat, up, uq, eta, lre, wh_eq, e_over_m, c, rel, omega, sdir, lat0, dlat, tabs, duration,
         wave_on):
    """Time derivatives of (lat, u_par, u_perp, eta); the wave is ignored if not ``wave_on``."""
    dl, dup, duq, deta, wup, wuq, weta, on = _rhs_split(t, lat, up, uq, eta, lre, wh_eq, e_over_m, c, rel,
                                                       omega, sdir, lat0, dlat, tabs, duration)
    if wave_on and on:
        return dl, dup + wup, duq + wuq, deta + weta
    return dl, dup, duq, deta


@nb.njit(cache=True, fastmath=_FAST)
def _rk4_rest(t, h, x0, x1, x2, x3, k1a, k1b, k1c, k1d, lre, wh_eq, e_over_m, c, rel, omega, sdir, lat0, dlat,
              tabs, duration, wave_on):
    """Stages 2-4 and the update of a classical RK4 step whose first stage (k1) is given."""
    th = t + 0.5 * h
    k2a, k2b, k2c, k2d = _rhs(th, x0 + 0.5 * h * k1a, x1 + 0.5 * h * k1b, x2 + 0.5 * h * k1c,
                              x3 + 0.5 * h * k1d, lre, wh_eq, e_over_m, c, rel, omega, sdir, lat0, dlat, tabs,
                              duration, wave_on)
    k3a, k3b, k3c, k3d = _rhs(th, x0 + 0.5 * h * k2a, x1 + 0.5 * h * k2b, x2 + 0.5 * h * k2c,
                              x3 + 0.5 * h * k2d, lre, wh_eq, e_over_m, c, rel, omega, sdir, lat0, dlat, tabs,
                              duration, wave_on)
    k4a, k4b, k4c, k4d = _rhs(t + h, x0 + h * k3a, x1 + h * k3b, x2 + h * k3c, x3 + h * k3d, lre, wh_eq,
                              e_over_m, c, rel, omega, sdir, lat0, dlat, tabs, duration, wave_on)
    return (x0 + h / 6.0 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a),
            x1 + h / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b),
            x2 + h / 6.0 * (k1c + 2.0 * k2c + 2.0 * k3c + k4c),
            x3 + h / 6.0 * (k1d + 2.0 * k2d + 2.0 * k3d + k4d))


@nb.njit(cache=True, fastmath=_FAST)
def _rk4_step(t, h, x0, x1, x2, x3, lre, wh_eq, e_over_m, c, rel, omega, sdir, lat0, dlat, tabs, duration,
              wave_on):
    """One classical RK4 step of :func:`_rhs` from (t, lat=x0, u_par=x1, u_perp=x2, eta=x3)."""
    k1a, k1b, k1c, k1d = _rhs(t, x0, x1, x2, x3, lre, wh_eq, e_over_m, c, rel, omega, sdir, lat0, dlat, tabs,
                              duration, wave_on)
    return _rk4_rest(t, h, x0, x1, x2, x3, k1a, k1b, k1c, k1d, lre, wh_eq, e_over_m, c, rel, omega, sdir, lat0,
                     dlat, tabs, duration, wave_on)


@nb.njit(cache=True, fastmath=_FAST)
def _rk4_kernel(lat, up, uq, eta, t0, dt, n_steps, record_every, rec, lre, wh_eq, e_over_m, c, rel, omega,
                sdir, lat0, dlat, tabs, duration):
    n = lat.shape[0]
    for p in range(n):
        x0 = lat[p]
        x1 = up[p]
        x2 = uq[p]
        x3 = eta[p]
        irec = 0
        if record_every > 0:
            rec[0, 0, p] = x0
            rec[0, 1, p] = x1
            rec[0, 2, p] = x2
            rec[0, 3, p] = x3
            irec = 1
        for step in range(n_steps):
            t = t0 + step * dt
            x0, x1, x2, x3 = _rk4_step(t, dt, x0, x1, x2, x3, lre, wh_eq, e_over_m, c, rel, omega, sdir,
                                       lat0, dlat, tabs, duration, True)
            if record_every > 0 and (step + 1) % record_every == 0:
                rec[irec, 0, p] = x0
                rec[irec, 1, p] = x1
                rec[irec, 2, p] = x2
                rec[irec, 3, p] = x3
                irec += 1
        lat[p] = x0
        up[p] = x1
        uq[p] = x2
        eta[p] = x3


#: status codes of :func:`interact`
NEVER_RESONANT, PASSED_RESONANCE, LEFT_WAVE, LEFT_LINE, TIME_LIMIT = 0, 1, 2, 3, 4


@nb.njit(cache=True, fastmath=_FAST)
def _interaction_kernel(lat, up, uq, eta, t, status, n_steps_out, res_lat, res_t, lat_stop, rate_cutoff, dt_fine,
                        dt_coarse, t_limit, lre, wh_eq, e_over_m, c, rel, omega, sdir, lat0, dlat, tabs, duration,
                        single_pass):
    """Integrate each particle through the wave pulse until its interaction is over.

    Outside the resonance zone |rate| <= rate_cutoff the wave is ignored and the particle
    moves adiabatically with steps ``dt_coarse``; inside it the full equations are stepped
    with ``dt_fine``. A particle is done when it leaves the zone moving away from
    resonance (PASSED_RESONANCE), when the pulse tail has passed it after it was in the
    zone or while it was outside it (LEFT_WAVE), when it crosses ``lat_stop``
    (LEFT_LINE), or at ``t_limit`` (TIME_LIMIT). eta is the phase the particle has when
    it enters the zone. ``res_lat``, ``res_t`` receive where and when the phase rate was
    smallest inside the zone (the resonance point; NaN if never inside).
    """
    n = lat.shape[0]
    for p in range(n):
        x0 = lat[p]
        x1 = up[p]
        x2 = uq[p]
        x3 = eta[p]
        tt = t[p]
        eta0 = x3
        inside = False
        was_inside = False
        st = TIME_LIMIT
        steps = 0
        rate_prev = 0.0
        best = np.inf
        res_lat[p] = np.nan
        res_t[p] = np.nan
        while tt < t_limit:
            # one evaluation gives the phase rate (the unperturbed eta derivative) and the first RK4 stage
            k1a, k1b, k1c, rate, wup, wuq, weta, on = _rhs_split(tt, x0, x1, x2, x3, lre, wh_eq, e_over_m, c,
                                                                  rel, omega, sdir, lat0, dlat, tabs, duration)
            if not on:
                # outside the pulse: done if the tail has passed (behind the front side)
                if was_inside or steps > 0:
                    st = LEFT_WAVE if was_inside else NEVER_RESONANT
                    break
            if abs(rate) <= rate_cutoff and on:
                if not inside and not was_inside:
                    x3 = eta0  # the assigned phase holds where the interaction starts
                    k1a, k1b, k1c, rate, wup, wuq, weta, on = _rhs_split(
                        tt, x0, x1, x2, x3, lre, wh_eq, e_over_m, c, rel, omega, sdir, lat0, dlat, tabs, duration)
                inside = True
                was_inside = True
            elif inside:
                if rate * (rate - rate_prev) > 0.0:  # |rate| growing: moving away from resonance
                    if single_pass:
                        st = PASSED_RESONANCE
                        break
                    inside = False  # back to adiabatic steps; a later resonance inside the pulse counts too
            rate_prev = rate
            if inside and abs(rate) < best:
                best = abs(rate)
                res_lat[p] = x0
                res_t[p] = tt
            h = dt_fine if inside else dt_coarse
            k1d = rate
            if inside and on:
                k1b += wup
                k1c += wuq
                k1d += weta
            x0, x1, x2, x3 = _rk4_rest(tt, h, x0, x1, x2, x3, k1a, k1b, k1c, k1d, lre, wh_eq, e_over_m, c, rel,
                                       omega, sdir, lat0, dlat, tabs, duration, inside)
            tt += h
            steps += 1
            if sdir * (x0 - lat_stop) < 0.0 or abs(x0) > abs(lat_stop):
                st = LEFT_LINE
                break
        if st == TIME_LIMIT and not was_inside:
            st = NEVER_RESONANT
        lat[p] = x0
        up[p] = x1
        uq[p] = x2
        eta[p] = x3
        t[p] = tt
        status[p] = st
        n_steps_out[p] = steps


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
    """Monochromatic wave on a uniform latitude grid, as the integrators read it.

    The wave is on at (lat, t) where ``t_front_s(lat) <= t <= t_front_s(lat) + duration_s``
    (a constant-amplitude pulse between its front and its tail) with amplitude ``bw_T(lat)``;
    between grid nodes all tables are interpolated linearly; outside the grid, and where
    ``k_per_m`` is NaN (no propagation), the wave is off.

    Attributes
    ----------
    omega_rad_s : float
        Wave angular frequency, rad/s.
    direction : int
        +1: wavevector and group velocity toward +z (north); -1: toward -z.
    lat0_rad, dlat_rad : float
        First grid node and spacing, rad of magnetic latitude.
    k_per_m, bw_T, t_front_s : ndarray
        Wavenumber magnitude (1/m), wave magnetic field amplitude (T), arrival time of the
        pulse front (s), at the nodes.
    duration_s : float
        Pulse length, s.
    """

    omega_rad_s: float
    direction: int
    lat0_rad: float
    dlat_rad: float
    k_per_m: np.ndarray
    bw_T: np.ndarray
    t_front_s: np.ndarray
    duration_s: float

    def __post_init__(self):
        if self.direction not in (1, -1):
            raise ValueError("direction must be +1 or -1")
        n = len(self.k_per_m)
        if n < 2 or len(self.bw_T) != n or len(self.t_front_s) != n or not self.dlat_rad > 0:
            raise ValueError("k_per_m, bw_T and t_front_s need equal lengths >= 2 and dlat_rad > 0")

    @property
    def latitude_rad(self) -> np.ndarray:
        """The grid nodes, rad."""
        return self.lat0_rad + self.dlat_rad * np.arange(len(self.k_per_m))

    def packed(self) -> np.ndarray:
        """(3, n) contiguous rows k (-1 where NaN: no propagation), B_w, t_front for the kernels."""
        k = np.where(np.isfinite(self.k_per_m), self.k_per_m, -1.0)
        return np.ascontiguousarray(np.vstack([k, self.bw_T, self.t_front_s]), dtype=np.float64)


def no_wave(omega_rad_s: float = 0.0) -> WaveTables:
    """A wave that is never on (unperturbed motion; eta then advances at omega_H/gamma - omega)."""
    zeros = np.zeros(2)
    return WaveTables(float(omega_rad_s), 1, 0.0, 1.0, np.full(2, np.nan), zeros, zeros, 0.0)


#: how the wave amplitude is fixed (see :func:`ducted_wave`)
AMPLITUDE_REFERENCES = ("equator", "injection")


def ducted_wave(L, frequency_Hz, bw_pT, duration_s, n_eq_cm3, direction: int = -1,
                injection_altitude_km: float = 1000.0, t_inject_s: float = 0.0,
                density_model: str = "diffusive", dispersion: str = "full", n_grid: int = 4001,
                amplitude_reference: str = "equator", stop_at_half_gyrofrequency: bool = True,
                const: dipole.DipoleConstants = dipole.DEFAULT, **density_kw) -> WaveTables:
    """Tables of a ducted whistler pulse injected at one foot of the line (paper 002 eqs. 1-3, 8).

    The grid spans the line between the two points at ``injection_altitude_km``, uniform in
    latitude. k(lat) is from :func:`medium.whistler_wavenumber_per_m` with the density of
    :func:`medium.density_cm3`; the amplitude follows eq. (1),
    B_w = B_ref (omega_H k / (omega_H,ref k_ref))^(1/2), where the reference point is

    * ``amplitude_reference="equator"``: the magnetic equator (B_w = ``bw_pT`` there), or,
      when the wave cannot reach the equator (omega > omega_Heq / 2 and
      ``stop_at_half_gyrofrequency``), the point where omega = omega_H / 2 (paper Fig. 11);
    * ``"injection"``: the injection point (B_w = ``bw_pT`` at 1000 km). With eq. (3),
      B_w = (mu mu0 P / c)^(1/2), equal input power at 1000 km for different frequencies means
      ``bw_pT`` proportional to mu^(1/2) there: see :func:`injection_amplitude_pT`.

    The front leaves the injection point (the north foot for ``direction=-1``, the south foot
    for +1) at ``t_inject_s`` and travels at the local group velocity,
    t_front(lat) = t_inject + int ds/v_g (eq. 8, trapezoid rule on the grid). With
    ``stop_at_half_gyrofrequency`` the duct ends where omega = omega_H / 2 (paper section 3.2:
    for Lambda > 0.5 the wave leaves the field line there): beyond that point k is NaN and the
    wave is off.

    Parameters
    ----------
    L : float
        McIlwain L, Earth radii.
    frequency_Hz : float
        Wave frequency, Hz.
    bw_pT : float
        Wave amplitude at the reference point, pT.
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
    amplitude_reference : {"equator", "injection"}
    stop_at_half_gyrofrequency : bool
    **density_kw
        Passed to :func:`medium.density_cm3` (temperature_K, ion_fractions, ...).

    Returns
    -------
    WaveTables
    """
    if direction not in (1, -1):
        raise ValueError("direction must be +1 or -1")
    if amplitude_reference not in AMPLITUDE_REFERENCES:
        raise ValueError(f"amplitude_reference must be one of {AMPLITUDE_REFERENCES}")
    lat_foot = float(dipole.latitude_at_altitude_rad(L, injection_altitude_km, const))
    lat = np.linspace(-lat_foot, lat_foot, int(n_grid))
    omega = 2.0 * np.pi * float(frequency_Hz)
    wh = np.asarray(medium.gyrofrequency_rad_s(L, lat, const))
    wp = np.asarray(medium.plasma_frequency_rad_s(
        medium.density_cm3(L, lat, n_eq_cm3, model=density_model, const=const, **density_kw), const))
    k = np.asarray(medium.whistler_wavenumber_per_m(omega, wh, wp, dispersion), dtype=float)
    vg = np.asarray(medium.whistler_group_velocity_m_s(omega, wh, wp, dispersion), dtype=float)
    # order the nodes along the propagation path: from the injection foot onward
    path = np.arange(lat.size) if direction == 1 else np.arange(lat.size)[::-1]
    blocked = ~np.isfinite(k[path]) | (stop_at_half_gyrofrequency & (wh[path] < 2.0 * omega * (1.0 - 1e-9)))
    if blocked[0]:
        raise ValueError(f"{frequency_Hz:g} Hz does not propagate at the injection point "
                         "(above the local gyrofrequency, or above half of it with stop_at_half_gyrofrequency)")
    if blocked.any():
        end = int(np.argmax(blocked))
        k[path[end:]] = np.nan
        vg[path[end:]] = np.nan
    ok = np.isfinite(k)
    if amplitude_reference == "injection":
        i_ref = path[0]
    elif ok[np.argmin(np.abs(lat))]:
        i_ref = int(np.argmin(np.abs(lat)))
    else:
        i_ref = path[int(np.argmax(blocked)) - 1]  # last node before the omega = omega_H/2 point
    bw = np.zeros_like(lat)
    bw[ok] = bw_pT * 1e-12 * np.sqrt(wh[ok] * k[ok] / (wh[i_ref] * k[i_ref]))
    ds = np.abs(np.diff(np.asarray(dipole.arc_length_m(L, lat, const))))
    inv_vg = np.where(np.isfinite(vg), 1.0 / np.where(np.isfinite(vg), vg, 1.0), np.inf)
    seg = 0.5 * (inv_vg[1:] + inv_vg[:-1]) * ds
    if direction == 1:
        tf = np.concatenate(([0.0], np.cumsum(seg)))
    else:
        tf = np.concatenate((np.cumsum(seg[::-1])[::-1], [0.0]))
    tf = np.where(np.isfinite(tf), tf, np.inf)
    return WaveTables(omega, int(direction), float(lat[0]), float(lat[1] - lat[0]), k, bw, t_inject_s + tf,
                      float(duration_s))


def injection_amplitude_pT(L, frequency_Hz, reference_frequency_Hz, reference_bw_eq_pT, n_eq_cm3,
                           injection_altitude_km: float = 1000.0, density_model: str = "diffusive",
                           dispersion: str = "full", const: dipole.DipoleConstants = dipole.DEFAULT,
                           **density_kw) -> float:
    """Amplitude at injection, pT, for equal input power at 1000 km (paper 002 eq. 3, Fig. 8).

    The power density P is fixed by a reference wave of ``reference_frequency_Hz`` that has
    ``reference_bw_eq_pT`` at the equator (the paper: 5 pT for Lambda = 0.5 at L = 4,
    n_eq = 400 el/cc). Eq. (1) carries the reference amplitude from the equator down to the
    injection point, eq. (3) turns it into P = c B_w^2 / (mu mu0), and the same P gives
    B_w = (mu mu0 P / c)^(1/2) for ``frequency_Hz``: B_w(f) = B_ref (mu(f) / mu_ref)^(1/2).
    """
    lat_foot = float(dipole.latitude_at_altitude_rad(L, injection_altitude_km, const))
    lats = np.array([0.0, lat_foot])
    wh = np.asarray(medium.gyrofrequency_rad_s(L, lats, const))
    wp = np.asarray(medium.plasma_frequency_rad_s(
        medium.density_cm3(L, lats, n_eq_cm3, model=density_model, const=const, **density_kw), const))
    w_ref = 2.0 * np.pi * float(reference_frequency_Hz)
    k_ref = np.asarray(medium.whistler_wavenumber_per_m(w_ref, wh, wp, dispersion))
    if not np.all(np.isfinite(k_ref)):
        raise ValueError("the reference wave must propagate at the equator and at injection")
    bw_ref_foot = reference_bw_eq_pT * np.sqrt(wh[1] * k_ref[1] / (wh[0] * k_ref[0]))
    mu_ref = float(medium.whistler_refractive_index(w_ref, wh[1], wp[1], dispersion))
    mu = float(medium.whistler_refractive_index(2.0 * np.pi * float(frequency_Hz), wh[1], wp[1], dispersion))
    if not np.isfinite(mu):
        raise ValueError(f"{frequency_Hz:g} Hz does not propagate at the injection point")
    return float(bw_ref_foot * np.sqrt(mu / mu_ref))


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
    lat = _latitudes(z, lre)
    _rk4_kernel(lat, up, uq, eta, float(t0_s), float(dt_s), n_steps, record_every, rec, lre, wh_eq, e_over_m,
                _c.C_M_S, bool(relativistic), float(wave.omega_rad_s), float(wave.direction),
                float(wave.lat0_rad), float(wave.dlat_rad), wave.packed(), float(wave.duration_s))
    z = np.asarray(dipole.arc_length_m(L, lat, const), dtype=float)
    if record_every > 0:
        rec[:, 0, :] = np.asarray(dipole.arc_length_m(L, rec[:, 0, :], const))
    return MotionResult(float(t0_s + n_steps * dt_s), z, up, uq, eta, t_rec,
                        rec if record_every > 0 else None)


@dataclass
class InteractionResult:
    """End states of :func:`interact` (one entry per particle).

    Attributes
    ----------
    t_s : ndarray
        Time at the end of the interaction, s.
    lat_rad, u_par_m_s, u_perp_m_s, eta_rad : ndarray
        State then.
    status : ndarray of int8
        NEVER_RESONANT, PASSED_RESONANCE, LEFT_WAVE, LEFT_LINE or TIME_LIMIT.
    n_steps : ndarray of int64
        RK4 steps taken (coarse and fine).
    resonance_lat_rad, resonance_t_s : ndarray
        Where and when the phase rate was smallest inside the resonance zone: the resonance
        point (of the closest passage when there were several); NaN for particles never inside.
    """

    t_s: np.ndarray
    lat_rad: np.ndarray
    u_par_m_s: np.ndarray
    u_perp_m_s: np.ndarray
    eta_rad: np.ndarray
    status: np.ndarray
    n_steps: np.ndarray
    resonance_lat_rad: np.ndarray
    resonance_t_s: np.ndarray


def interact(lat_rad, u_par_m_s, u_perp_m_s, eta_rad, t_s, L, wave: WaveTables, rate_cutoff_rad_s: float,
             dt_fine_s: float, dt_coarse_s: float, t_limit_s: float, lat_stop_rad: float,
             relativistic: bool = False, single_pass: bool = False,
             const: dipole.DipoleConstants = dipole.DEFAULT) -> InteractionResult:
    """Carry particles through the wave pulse until each one's interaction is over (numba).

    Each particle starts at its own (t, lat) with its own phase eta. Far from resonance
    (|omega_H/gamma - omega + s k v_par| > ``rate_cutoff_rad_s``) the wave averages out and
    the particle moves adiabatically with RK4 steps ``dt_coarse_s``; inside that resonance
    zone the full equations of motion are stepped with ``dt_fine_s``, starting from the
    given eta. After it leaves the zone moving away from resonance it continues
    adiabatically and may resonate again further on (e.g. on the other side of the equator)
    while the pulse is still on it; with ``single_pass`` its interaction ends at the first
    exit (status PASSED_RESONANCE). The interaction ends when the pulse tail passes it, when it
    crosses ``lat_stop_rad`` (moving in the direction opposite to the wave), or at ``t_limit_s``.

    The step must resolve the phase inside the zone: ``rate_cutoff_rad_s * dt_fine_s`` of
    0.1-0.3 rad (see docs/physics/wpi_model.md for the convergence study).
    """
    arrays = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, dtype=float))
                                   for x in (lat_rad, u_par_m_s, u_perp_m_s, eta_rad, t_s)))
    lat, up, uq, eta, t = (np.array(a, dtype=np.float64).ravel() for a in arrays)
    status = np.zeros(lat.size, dtype=np.int8)
    steps = np.zeros(lat.size, dtype=np.int64)
    res_lat, res_t = np.empty(lat.size), np.empty(lat.size)
    lre, wh_eq = _line_constants(L, const)
    e_over_m = const.elementary_charge_C / const.electron_mass_kg
    _interaction_kernel(lat, up, uq, eta, t, status, steps, res_lat, res_t, float(lat_stop_rad),
                        float(rate_cutoff_rad_s), float(dt_fine_s), float(dt_coarse_s), float(t_limit_s), lre, wh_eq,
                        e_over_m, _c.C_M_S, bool(relativistic), float(wave.omega_rad_s), float(wave.direction),
                        float(wave.lat0_rad), float(wave.dlat_rad), wave.packed(), float(wave.duration_s),
                        bool(single_pass))
    return InteractionResult(t, lat, up, uq, eta, status, steps, res_lat, res_t)
