"""From scattered test particles to the precipitated energy flux at 1000 km (paper 002 section 2.4).

Each test particle stands for the electrons of one cell (u, alpha_eq) of the equatorial
distribution and one Larmor phase, that meet the wave front during a unit of front time
(weight from :func:`hpcsim.models.wpi.distribution.entry_number_per_area`, m^-2 s^-1 per
unit tau at the foot of the line). After the interaction:

* its new equatorial pitch angle follows from the first invariant (:func:`equatorial_pitch_angle_deg`);
* the part of its cell that lands inside the loss cone precipitates (:func:`loss_cone_fraction`,
  the cell shifted by the particle's pitch-angle change, assumed uniform across the cell);
* it arrives at the foot after its adiabatic travel time (:func:`travel_time_s`);
* its energy is binned in arrival time: the impulse response h(t, tau) of the paper, energy
  flux per unit tau (:func:`bin_energy`).

The precipitated energy flux r(t) is eq. (9), r = int h(t, tau) dtau, evaluated with the
trapezoid rule over the computed front positions (:func:`trapezoid_weights`): the paper's
linear interpolation of the responses between front positions, integrated.

Units: SI inside; energy fluxes in erg cm^-2 s^-1 at the output (1 J m^-2 = 1e3 erg cm^-2).
"""

from __future__ import annotations

import numpy as np

from hpcsim.geometry import dipole
from hpcsim.physics import constants as C

#: 1 J m^-2 in erg cm^-2
J_PER_M2_IN_ERG_PER_CM2 = 1e3

_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)


def equatorial_pitch_angle_deg(latitude_rad, u_par, u_perp):
    """alpha_eq from the local state: sin^2 alpha_eq = (u_perp^2 / u^2) B_eq / B(lat), deg (0-90)."""
    u2 = np.asarray(u_par, dtype=float) ** 2 + np.asarray(u_perp, dtype=float) ** 2
    sin2 = np.asarray(u_perp, dtype=float) ** 2 / u2 / dipole.field_ratio_to_equator(latitude_rad)
    return np.degrees(np.arcsin(np.sqrt(np.clip(sin2, 0.0, 1.0))))


def loss_cone_fraction(alpha_start_deg, alpha_end_deg, cell_width_deg, cell_lower_deg, loss_cone_deg):
    """Fraction of a pitch-angle cell that ends inside the loss cone.

    The cell [lo, lo + width] holds the test particle at ``alpha_start_deg``; it is moved
    rigidly by the particle's change alpha_end - alpha_start (uniform across the cell, which
    holds for cells narrower than the scale on which the scattering varies, the linear regime
    B_w < B_u of the paper), and the part below ``loss_cone_deg`` is returned (0..1).
    """
    shift = np.asarray(alpha_end_deg, dtype=float) - np.asarray(alpha_start_deg, dtype=float)
    return np.clip((loss_cone_deg - (np.asarray(cell_lower_deg) + shift)) / cell_width_deg, 0.0, 1.0)


def travel_time_s(L, latitude_start_rad, speed_m_s, alpha_eq_deg, latitude_end_rad,
                  const: dipole.DipoleConstants = dipole.DEFAULT):
    """Adiabatic travel time along the line from one latitude to another, s.

    T = int ds / |v_par|, v_par = v (1 - sin^2 alpha_eq B(lat) / B_eq)^(1/2), by 48-point
    Gauss-Legendre in latitude (the integrand is smooth: the particles that use it are in
    the loss cone, so they do not mirror above the end point). Arrays broadcast.
    """
    a = np.asarray(latitude_start_rad, dtype=float)[..., None]
    b = np.asarray(latitude_end_rad, dtype=float)
    if np.ndim(b):
        b = b[..., None]
    half = 0.5 * (b - a)
    lat = 0.5 * (a + b) + half * _GL_X
    s, c = np.sin(lat), np.cos(lat)
    ds_dlat = L * const.earth_radius_m * c * np.sqrt(1.0 + 3.0 * s * s)
    sin2 = np.sin(np.radians(np.asarray(alpha_eq_deg, dtype=float)))[..., None] ** 2
    cos_local = np.sqrt(np.clip(1.0 - sin2 * dipole.field_ratio_to_equator(lat), 1e-12, None))
    v = np.asarray(speed_m_s, dtype=float)[..., None]
    return np.abs(half[..., 0] if np.ndim(half) else half) * np.sum(_GL_W * ds_dlat / (v * cos_local), axis=-1)


def trapezoid_weights(tau_s) -> np.ndarray:
    """Weights w_j with sum_j w_j h(tau_j) = trapezoid rule of int h dtau over the nodes tau_j, s."""
    tau = np.asarray(tau_s, dtype=float)
    w = np.zeros_like(tau)
    if tau.size > 1:
        d = np.diff(tau)
        w[:-1] += 0.5 * d
        w[1:] += 0.5 * d
    return w


def bin_energy(arrival_s, energy_J, number_per_m2, time_edges_s, energy_edges_keV=None, spread_s=None,
               subsamples: int = 16):
    """Histogram of precipitated energy by arrival time (and energy), erg cm^-2 per bin.

    Parameters
    ----------
    arrival_s, energy_J, number_per_m2 : array_like
        Arrival time at the foot, energy and number (per m^2 at the foot) of each particle.
    time_edges_s : ndarray
        Arrival-time bin edges, s.
    energy_edges_keV : ndarray, optional
        Energy bin edges, keV; then a 2-d (time, energy) histogram is returned as well.
    spread_s : array_like, optional
        Width of the arrival-time interval each particle stands for, s: its contribution is
        spread uniformly over [t - spread/2, t + spread/2] (by ``subsamples`` equal parts).
        A test particle represents a cell of speeds and an interval of front times, whose
        electrons arrive over such an interval (:func:`arrival_spread_s`).
    """
    t = np.asarray(arrival_s, dtype=float)
    e_J = np.asarray(energy_J, dtype=float)
    e = e_J * np.asarray(number_per_m2, dtype=float) * J_PER_M2_IN_ERG_PER_CM2
    e_keV = e_J / (1e3 * C.EV_TO_J)
    if spread_s is not None and subsamples > 1:
        offsets = ((np.arange(subsamples) + 0.5) / subsamples - 0.5)
        t = (t[:, None] + np.asarray(spread_s, dtype=float)[..., None] * offsets).ravel()
        e = np.repeat(e / subsamples, subsamples)
        e_keV = np.repeat(e_keV, subsamples)
    by_time, _ = np.histogram(t, bins=time_edges_s, weights=e)
    if energy_edges_keV is None:
        return by_time
    both, _, _ = np.histogram2d(t, e_keV, bins=(time_edges_s, energy_edges_keV), weights=e)
    return by_time, both


def arrival_spread_s(time_since_entry_s, speed_cell_fraction, front_interval_s=0.0, front_speed_m_s=0.0,
                     v_par_abs_m_s=1.0):
    """Arrival-time width of the electrons one test particle stands for, s.

    * Speed cell: arrival times scale as 1/v over the time from entry to arrival T, so the
      cell's relative width dv/v spreads them over T dv/v.
    * Front interval: electrons of the same speed that meet the front dtau later meet it
      v_g dtau further along, so they arrive dtau (1 + v_g / |v_par|) later.

    The two widths are combined in quadrature (a box of that width stands for their
    convolution).
    """
    width_v = np.asarray(time_since_entry_s, dtype=float) * np.asarray(speed_cell_fraction, dtype=float)
    width_tau = front_interval_s * (1.0 + front_speed_m_s / np.asarray(v_par_abs_m_s, dtype=float))
    return np.sqrt(width_v**2 + width_tau**2)


def pulse_measures(time_s, flux, threshold: float = 0.1) -> dict[str, float]:
    """Peak flux, its time, the span above ``threshold`` x peak, and the time integral of r(t).

    ``flux`` in erg cm^-2 s^-1 on bin centres ``time_s`` (uniform); returns
    peak_energy_flux_erg_cm2_s, peak_time_s, pulse_duration_s (last minus first bin above
    threshold, plus one bin width), total_energy_erg_cm2.
    """
    t = np.asarray(time_s, dtype=float)
    r = np.asarray(flux, dtype=float)
    dt = float(t[1] - t[0]) if t.size > 1 else 0.0
    peak = float(r.max()) if r.size else 0.0
    if peak <= 0.0:
        return dict(peak_energy_flux_erg_cm2_s=0.0, peak_time_s=float("nan"), pulse_duration_s=0.0,
                     total_energy_erg_cm2=0.0)
    above = np.flatnonzero(r >= threshold * peak)
    return dict(peak_energy_flux_erg_cm2_s=peak, peak_time_s=float(t[int(np.argmax(r))]),
                pulse_duration_s=float(t[above[-1]] - t[above[0]] + dt), total_energy_erg_cm2=float(r.sum() * dt))


def distinct_peaks_s(time_s, flux, min_prominence: float = 0.2, smooth_bins: int = 5) -> list[float]:
    """Times of the distinct peaks of r(t), s (the paper's "double-peaked" n = 4 pulse, Fig. 10).

    r is smoothed by a running mean over ``smooth_bins`` bins (50 ms at the default 10-ms bins);
    a peak counts when its topographic prominence (height above the higher of the two minima
    that separate it from higher ground, :func:`scipy.signal.find_peaks`) is at least
    ``min_prominence`` of the global maximum, so a shoulder on a rising flank does not.
    """
    from scipy.signal import find_peaks
    t = np.asarray(time_s, dtype=float)
    rs = np.convolve(np.asarray(flux, dtype=float), np.ones(smooth_bins) / smooth_bins, mode="same")
    if not rs.max() > 0.0:
        return []
    idx, _ = find_peaks(rs, prominence=min_prominence * rs.max())
    return [float(t[i]) for i in idx]
