"""Arrival-time map of the resonant electrons: the 'arrival time convergence' of paper 002.

Paper 002 (section 2.4, Figs. 2 and 4) explains the sharp rise of r(t) by electrons that
resonate at higher latitudes beyond the equator: they have higher energies and overtake the
lower-energy electrons resonant nearer the equator. This module states that kinematics on its
own, without the equations of motion:

* an electron resonant (eq. 6, first order, non-relativistic as in the paper) at latitude
  lambda when the wave front passes there, with equatorial pitch angle alpha_eq just outside the
  loss cone, reaches the injection foot at T0(lambda) = t_front(lambda) + its adiabatic travel
  time (:func:`resonant_arrival`);
* an electron resonant at lambda a time delta later (0 <= delta <= PL, while the pulse covers
  lambda) arrives at T0(lambda) + delta.

So if S(lambda) is the precipitated energy per unit latitude and per unit time of wave
presence at lambda, r(t) = int S(lambda) [t - PL <= T0(lambda) <= t] dlambda
(:func:`window_flux`). Where T0 has a maximum T* (a fold: the convergence) the peak of r is
the integral of S over the latitudes with T0 >= T* - PL, a band that widens as PL^(1/2) near
the fold; the peak flux stops growing with PL only once S falls off across that band.

Units: SI, latitudes in deg where the name says so, energies in keV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hpcsim.geometry import dipole
from hpcsim.models.wpi import medium
from hpcsim.models.wpi.motion import WaveTables
from hpcsim.models.wpi.precipitation import travel_time_s
from hpcsim.physics import constants as C


def resonant_parallel_speed_m_s(wave: WaveTables, L, const: dipole.DipoleConstants = dipole.DEFAULT) -> np.ndarray:
    """|v_par| = (omega_H - omega) / k of the first-order resonance (eq. 6) at the wave-table
    nodes, m/s; NaN where the wave does not propagate."""
    wh = np.asarray(medium.gyrofrequency_rad_s(L, wave.latitude_rad, const))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (wh - wave.omega_rad_s) / wave.k_per_m


@dataclass(frozen=True)
class ArrivalMap:
    """T0(lambda) and the resonant energy, at the wave-table nodes where both exist.

    Attributes
    ----------
    latitude_deg : ndarray
        Resonance latitude, deg (increasing along the direction of propagation when the wave
        travels north, the paper's set-up).
    arrival_s : ndarray
        T0: arrival time at the end point of an electron resonant there as the front passes, s.
    energy_keV : ndarray
        Its energy, keV.
    """

    latitude_deg: np.ndarray
    arrival_s: np.ndarray
    energy_keV: np.ndarray

    def fold(self) -> tuple[float, float]:
        """(latitude deg, T* s) of the latest arrival: the convergence point of the map."""
        i = int(np.argmax(self.arrival_s))
        return float(self.latitude_deg[i]), float(self.arrival_s[i])

    def band(self, pulse_length_s: float) -> tuple[float, float]:
        """Latitudes (deg) around the fold whose electrons all arrive within ``pulse_length_s`` of T*:
        the contiguous range with T0 >= T* - PL containing the fold."""
        i = int(np.argmax(self.arrival_s))
        inside = self.arrival_s >= self.arrival_s[i] - pulse_length_s
        lo = i
        while lo > 0 and inside[lo - 1]:
            lo -= 1
        hi = i
        while hi < inside.size - 1 and inside[hi + 1]:
            hi += 1
        return float(self.latitude_deg[lo]), float(self.latitude_deg[hi])


def resonant_arrival(wave: WaveTables, L, alpha_eq_deg: float, lat_end_rad: float, lat_min_deg: float = -90.0,
                     lat_max_deg: float = 90.0, const: dipole.DipoleConstants = dipole.DEFAULT) -> ArrivalMap:
    """T0(lambda) for electrons of equatorial pitch angle ``alpha_eq_deg`` (see the module text).

    The electron resonant at lambda has speed v = v_res(lambda) / cos(alpha(lambda)) (alpha the
    local pitch angle) and moves against the wave to ``lat_end_rad`` (the injection foot,
    where the flux is counted) in the adiabatic travel time of
    :func:`~hpcsim.models.wpi.precipitation.travel_time_s`. Nodes where the wave does not
    propagate or where this pitch angle mirrors are left out.
    """
    lat = wave.latitude_rad
    v_par = resonant_parallel_speed_m_s(wave, L, const)
    alpha_local = np.radians(dipole.local_pitch_angle_deg(L, alpha_eq_deg, lat))
    with np.errstate(invalid="ignore"):
        speed = v_par / np.cos(alpha_local)
    lat_deg = np.degrees(lat)
    use = np.isfinite(speed) & (speed > 0) & (lat_deg >= lat_min_deg) & (lat_deg <= lat_max_deg)
    if not use.any():
        raise ValueError("no resonant electrons on the wave's path between the given latitudes")
    travel = travel_time_s(L, lat[use], speed[use], alpha_eq_deg, lat_end_rad, const)
    energy = 0.5 * C.ELECTRON_MASS_KG * speed[use] ** 2 / (1e3 * C.EV_TO_J)
    return ArrivalMap(lat_deg[use], wave.t_front_s[use] + travel, energy)


def window_flux(latitude_deg, source, arrival_s, pulse_length_s: float, time_s) -> np.ndarray:
    """r(t) = int S(lambda) [t - PL <= T0(lambda) <= t] dlambda on the times ``time_s``.

    ``source`` is S(lambda) on the (uniform or not) latitudes ``latitude_deg``, in flux units per
    deg; the integral is by the trapezoid rule of the masked integrand (exact enough on a fine
    latitude grid). Pure kinematics: each latitude scatters at a constant rate while the pulse
    covers it, and its electrons arrive PL-long later shifted by T0.
    """
    lam = np.asarray(latitude_deg, dtype=float)
    s = np.asarray(source, dtype=float)
    t0 = np.asarray(arrival_s, dtype=float)
    t = np.asarray(time_s, dtype=float)[:, None]
    inside = (t0[None, :] <= t) & (t0[None, :] >= t - pulse_length_s)
    return np.trapz(np.where(inside, s[None, :], 0.0), lam, axis=1)
