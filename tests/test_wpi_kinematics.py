"""The arrival-time map of resonant electrons (paper 002, section 2.4 and Figs. 2 and 4) and the
kinematic window r(t) = int S [t - PL <= T0 <= t] dlambda (hpcsim.models.wpi.kinematics)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from hpcsim.geometry import dipole
from hpcsim.models.wpi import kinematics, medium, motion
from hpcsim.models.wpi.config import Config

L = 4.0


@functools.lru_cache(maxsize=1)
def fig3_arrival_map() -> kinematics.ArrivalMap:
    """T0(lambda) of the Figure 3 case (L = 4, 400 el/cc, Lambda = 0.5), first alpha cell (also
    used by test_wpi_model, whose test-particle run of that case must peak at its fold)."""
    const = Config().dipole_constants()  # the paper's 0.312 G
    f = 0.5 * float(medium.gyrofrequency_rad_s(L, 0.0, const)) / (2 * np.pi)
    wave = motion.ducted_wave(L, f, 5.0, 0.4, 400.0, direction=1, const=const)
    alpha = float(dipole.equatorial_loss_cone_deg(L, 100.0, const)) + 0.25
    foot = float(dipole.latitude_at_altitude_rad(L, 1000.0, const))
    return kinematics.resonant_arrival(wave, L, alpha, -foot, -20.0, 48.0, const)


@pytest.fixture
def fig3_map():
    return fig3_arrival_map()


def test_arrival_map_has_the_papers_convergence(fig3_map):
    """The latest arrival (the fold) lies just north of the equator: electrons resonant further
    north have higher energies and overtake (paper 2.4); the windows of Fig. 2 contain T0."""
    lam_star, t_star = fig3_map.fold()
    assert 0.0 < lam_star < 10.0                        # measured 3.7 deg
    assert 3.3 < t_star < 3.9                           # measured 3.70 s; paper's peak 3.8 s
    lat, t0, e = fig3_map.latitude_deg, fig3_map.arrival_s, fig3_map.energy_keV
    assert 1.0 < np.interp(-12.0, lat, t0) < 2.0        # Fig. 2 top: 1-2 s (measured 1.81 s)
    assert 3.3 < np.interp(0.0, lat, t0) < 3.7          # Fig. 2 middle: 3.3-3.7 s (3.56 s)
    assert e.min() == pytest.approx(0.372, abs=0.01)    # equatorial resonant energy (Fig. 10: 0.372 keV)
    north = (lat > lam_star) & (lat < 40.0)  # (beyond ~45 deg T0 levels off near 1.91 s)
    assert np.all(np.diff(e[north]) > 0) and np.all(np.diff(t0[north]) < 0)  # faster and earlier


def test_band_around_the_fold_widens_as_the_square_root_of_the_pulse(fig3_map):
    widths = [np.subtract(*fig3_map.band(pl)[::-1]) for pl in (0.05, 0.2, 0.8)]
    assert widths[1] / widths[0] == pytest.approx(2.0, rel=0.15)   # quadratic fold: PL^(1/2)
    assert widths[2] / widths[1] == pytest.approx(2.0, rel=0.25)


def test_window_flux_of_a_parabolic_fold():
    """T0 = T* - a (lambda - lambda*)^2 and constant S: the peak is S 2 (PL / a)^(1/2) at T*, and
    the time integral of r is PL int S dlambda (each latitude scatters for PL)."""
    lam = np.linspace(-15.0, 15.0, 30001)
    a, t_star, s0 = 0.01, 3.0, 2.0
    t0 = t_star - a * (lam - 1.0) ** 2
    t = np.arange(0.0, 4.0, 0.001)
    for pl in (0.1, 0.4):
        r = kinematics.window_flux(lam, np.full_like(lam, s0), t0, pl, t)
        assert r.max() == pytest.approx(s0 * 2 * np.sqrt(pl / a), rel=1e-3)
        assert t[np.argmax(r)] == pytest.approx(t_star, abs=2e-3)
        assert np.trapz(r, t) == pytest.approx(pl * s0 * 30.0, rel=2e-3)
