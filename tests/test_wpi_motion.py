"""Tests of the whistler-mode medium and the test-particle equations of motion (wpi model).

Tolerances are stated next to each assertion; the measured values they guard are listed in
docs/physics/wpi_motion.md.
"""

import numpy as np
import pytest

from hpcsim.geometry import dipole
from hpcsim.models.wpi import medium as md
from hpcsim.models.wpi import motion as mo
from hpcsim.physics import constants as C

L = 4.0
N_EQ = 400.0  # el/cc, paper 002
E_OVER_M = C.ELEMENTARY_CHARGE_C / C.ELECTRON_MASS_KG


# ------------------------------------------------------------------ medium


def test_jit_field_line_mirrors_dipole_module():
    lat = np.linspace(-1.2, 1.2, 101)
    z = dipole.arc_length_m(L, lat)
    lat_back, wh, dwh = mo.field_along_line(L, z)
    assert np.max(np.abs(lat_back - lat)) < 1e-12
    np.testing.assert_allclose(wh, md.gyrofrequency_rad_s(L, lat), rtol=1e-12)
    np.testing.assert_allclose(dwh, md.gyrofrequency_gradient_rad_s_m(L, lat), rtol=1e-6, atol=1e-12)


def test_plasma_and_gyro_frequencies():
    # paper 002: 400 el/cc "corresponding to a plasma frequency of f = 180 kHz"
    assert abs(md.plasma_frequency_rad_s(N_EQ) / (2 * np.pi) - 180e3) < 1e3
    # f_Heq = 28 GHz/T * 0.32 G / 64 = 14.0 kHz with the bounce model's dipole
    assert abs(md.gyrofrequency_rad_s(L, 0.0) / (2 * np.pi) - 13996.2) < 0.5
    # the wpi default dipole gives the paper's f = f_Heq / 2 = 6.825 kHz (abstract; 6.83 kHz at Fig. 3)
    from hpcsim.models.wpi.config import Config
    f_heq = md.gyrofrequency_rad_s(L, 0.0, Config().dipole_constants()) / (2 * np.pi)
    assert 0.5 * f_heq == pytest.approx(6825.0, abs=5.0)


def test_density_models():
    lat = np.radians([0.0, 20.0, 40.0])
    n = md.density_cm3(L, lat, N_EQ)
    assert n[0] == pytest.approx(N_EQ, rel=1e-14)
    assert np.all(np.diff(n) > 0)  # denser toward the Earth
    # at the base altitude the shape is 1 by construction
    r_b = dipole.DEFAULT.earth_radius_m + 1e6
    assert md.diffusive_equilibrium_shape(r_b) == pytest.approx(1.0, rel=1e-14)
    # pure O+ at 1600 K: n/n_b = exp(-G/(2 H_O)) exactly
    r = 2.0 * r_b
    h_o = md.BOLTZMANN_J_K * 1600.0 / (md.ION_MASSES_AMU[2] * md.AMU_KG * 9.80665 * (6371e3 / r_b) ** 2)
    shape = md.diffusive_equilibrium_shape(r, ion_fractions=(0, 0, 1))
    assert shape == pytest.approx(np.exp(-r_b * (1 - r_b / r) / (2 * h_o)), rel=1e-12)
    nc = md.density_cm3(L, lat, N_EQ, model="collisionless")
    np.testing.assert_allclose(nc, N_EQ / np.cos(lat) ** 8, rtol=1e-12)


def test_whistler_dispersion_limits():
    wh = 1e5
    w = np.array([1e-3, 1e-2, 0.1, 0.5]) * wh
    # omega_pe >> omega_H: the full cold-plasma k tends to eq. (2)
    for ratio, tol in ((10.0, 1e-2), (100.0, 1e-4), (1000.0, 1e-6)):
        wp = ratio * wh
        k_full = md.whistler_wavenumber_per_m(w, wh, wp, "full")
        k_approx = wp * np.sqrt(w) / (C.C_M_S * np.sqrt(wh - w))
        np.testing.assert_allclose(k_full, k_approx, rtol=tol)
        np.testing.assert_allclose(md.whistler_wavenumber_per_m(w, wh, wp, "eq2"), k_approx, rtol=1e-14)
    # omega << omega_H as well: k -> omega_pe sqrt(omega/omega_H) / c
    k_low = md.whistler_wavenumber_per_m(1e-6 * wh, wh, 100 * wh)
    assert k_low == pytest.approx(100 * wh * np.sqrt(1e-6) / C.C_M_S, rel=1e-5)
    # no parallel whistler at or above the gyrofrequency
    assert np.isnan(md.whistler_wavenumber_per_m(1.1 * wh, wh, 10 * wh))


@pytest.mark.parametrize("dispersion", ["full", "eq2"])
def test_group_velocity_is_domega_dk(dispersion):
    wh, wp = 8.8e4, 1.13e6
    w = np.array([0.05, 0.25, 0.5, 0.8]) * wh
    dw = 1e-4 * w
    dk = (md.whistler_wavenumber_per_m(w + dw, wh, wp, dispersion)
          - md.whistler_wavenumber_per_m(w - dw, wh, wp, dispersion))
    np.testing.assert_allclose(md.whistler_group_velocity_m_s(w, wh, wp, dispersion), 2 * dw / dk, rtol=1e-7)


def test_resonance_velocity():
    wh = float(md.gyrofrequency_rad_s(L, 0.0))
    w = 0.5 * wh
    k = float(md.whistler_wavenumber_per_m(w, wh, md.plasma_frequency_rad_s(N_EQ)))
    v = md.resonance_velocity_m_s(w, wh, k)
    assert v < 0 and w - k * v == pytest.approx(wh, rel=1e-14)  # omega - k v_par = omega_H
    v_rel = md.resonance_velocity_m_s(w, wh, -k, gamma=1.2)
    assert v_rel > 0 and w + k * v_rel == pytest.approx(wh / 1.2, rel=1e-14)
    # paper 002: ~0.39 keV parallel energy at L = 4, 400 el/cc, Lambda = 0.5 (order of magnitude check)
    assert 0.5 * C.ELECTRON_MASS_KG * v**2 / C.EV_TO_J == pytest.approx(387.4, rel=1e-3)


# ------------------------------------------------------------------ unperturbed motion


@pytest.mark.parametrize("relativistic,energy_keV", [(False, 1.0), (True, 1.0), (True, 500.0)])
def test_bounce_invariants_and_mirror_point(relativistic, energy_keV):
    alpha = 30.0
    const = dipole.SELF_CONSISTENT  # CODATA c, as the integrator uses
    up, uq = mo.equatorial_state(L, energy_keV, alpha, relativistic)
    if relativistic:
        tb = dipole.bounce_period_s(L, energy_keV * 1e-3, alpha, const)
    else:  # 4 L R_E h / v with the non-relativistic speed
        tb = 4 * L * const.earth_radius_m * dipole.h_mu0(alpha) / np.hypot(up, uq)
    n = 2000
    r = mo.integrate(0.0, up, uq, 0.0, L, tb / n, n, relativistic=relativistic, record_every=1, const=const)
    z, a, b = (r.trajectory[:, i, 0] for i in range(3))
    energy = mo.kinetic_energy_keV(a, b, relativistic)
    assert np.max(np.abs(energy / energy_keV - 1)) < 1e-10           # measured <= 3e-12
    _, wh, _ = mo.field_along_line(L, z)
    mu = b * b / wh
    assert np.max(np.abs(mu / mu[0] - 1)) < 1e-10                    # measured <= 7.5e-12
    # mirror point: parabolic vertex through the three samples around max z
    i = int(np.argmax(z))
    z0, z1, z2 = z[i - 1:i + 2]
    z_m = z1 + (z0 - z2) ** 2 / (8 * (2 * z1 - z0 - z2))
    lat_m = mo.latitude_from_arc_length_rad(L, z_m)
    assert abs(lat_m - dipole.mirror_latitude_rad(L, alpha)) < 1e-8  # rad; measured ~1e-12
    assert z.min() < 0  # visited the south mirror point too
    # back at the equator, moving north, after one bounce period of the dipole module
    assert abs(r.z_m[0]) < 1e-9 * L * const.earth_radius_m          # measured <= 8e-12 relative
    assert r.u_par_m_s[0] == pytest.approx(up, rel=1e-10)            # measured 7e-14


def test_rk4_convergence_order():
    up, uq = mo.equatorial_state(L, 10.0, 30.0)
    finals = []
    for dt in (0.02, 0.01, 0.005, 0.0025):
        r = mo.integrate(1e6, up, uq, 0.0, L, dt, int(round(0.6 / dt)))
        finals.append(np.array([r.z_m[0], r.u_par_m_s[0], r.u_perp_m_s[0]]))
    d = [np.abs(finals[i] - finals[i + 1]) for i in range(3)]
    orders = np.log2(d[1] / d[2])
    assert np.all(np.abs(orders - 4.0) < 0.2), orders                # measured 3.97-4.06
    assert np.all(np.abs(np.log2(d[0] / d[1]) - 4.0) < 0.3)


# ------------------------------------------------------------------ with the wave


def _resonant_setup(bw_pT):
    wh = float(md.gyrofrequency_rad_s(L, 0.0))
    w = 0.5 * wh
    k = float(md.whistler_wavenumber_per_m(w, wh, md.plasma_frequency_rad_s(N_EQ)))
    wave = mo.ducted_wave(L, w / (2 * np.pi), bw_pT, 1e3, N_EQ, direction=-1, t_inject_s=-100.0)
    v_res = float(md.resonance_velocity_m_s(w, wh, -k))  # wave toward -z: resonant v_par > 0
    return wave, w, k, v_res


def test_wave_tables():
    wave, w, k, _ = _resonant_setup(5.0)
    i0 = int(round(-wave.lat0_rad / wave.dlat_rad))
    assert wave.bw_T[i0] == pytest.approx(5e-12, rel=1e-12)
    assert wave.k_per_m[i0] == pytest.approx(k, rel=1e-12)
    # front leaves the north foot (z max) at t_inject and reaches the south foot last
    assert wave.t_front_s[-1] == pytest.approx(-100.0) and np.all(np.diff(wave.t_front_s) < 0)


def test_phase_constant_at_resonance_without_amplitude():
    wave, w, k, v_res = _resonant_setup(0.0)
    r = mo.integrate(0.0, v_res, v_res, 0.7, L, 1e-6, 100, wave=wave)
    assert abs(r.eta_rad[0] - 0.7) < 1e-6  # deta/dt = omega_H - omega - k v_par = 0 at resonance


def test_linear_kick_short_interaction():
    """Short interaction at resonance: dv_par = a v_perp sin(eta) T, dv_perp = -a (v_par + omega/k) sin(eta) T."""
    wave, w, k, v_res = _resonant_setup(1.0)
    a = E_OVER_M * 1e-12
    t_int, n = 2e-3, 200
    eta0 = np.array([np.pi / 2, 1.0, -2.0])
    on = mo.integrate(0.0, v_res, v_res, eta0, L, t_int / n, n, wave=wave)
    off = mo.integrate(0.0, v_res, v_res, eta0, L, t_int / n, n, wave=mo.no_wave(w))
    dvp = on.u_par_m_s - off.u_par_m_s
    dvq = on.u_perp_m_s - off.u_perp_m_s
    np.testing.assert_allclose(dvp, a * v_res * np.sin(eta0) * t_int, rtol=1e-2)            # measured <= 3e-3
    np.testing.assert_allclose(dvq, -a * (v_res + w / k) * np.sin(eta0) * t_int, rtol=1e-2)
    # energy change is the work of the wave electric field: d(v^2/2)/dt = -a v_perp (omega/k) sin(eta)
    de = 0.5 * (on.u_par_m_s**2 + on.u_perp_m_s**2 - off.u_par_m_s**2 - off.u_perp_m_s**2)
    np.testing.assert_allclose(de, -a * v_res * (w / k) * np.sin(eta0) * t_int, rtol=1e-2)


def test_phase_trapping_oscillation():
    """Near the equator a resonant electron is trapped: eta librates at omega_t = sqrt(k v_perp a)."""
    wave, w, k, v_res = _resonant_setup(100.0)
    omega_t = np.sqrt(k * v_res * E_OVER_M * 100e-12)
    r = mo.integrate(0.0, v_res, v_res, 0.3, L, 1e-5, 2500, wave=wave, record_every=1)
    eta = r.trajectory[:, 3, 0]
    assert np.max(np.abs(eta)) < 0.32  # bounded libration about eta = 0 (stable point for s = -1)
    sgn = np.sign(eta)
    idx = np.where(sgn[1:] != sgn[:-1])[0]
    t = r.t_record_s
    tc = t[idx] - eta[idx] * (t[idx + 1] - t[idx]) / (eta[idx + 1] - eta[idx])
    assert len(tc) >= 6
    period = 2 * np.mean(np.diff(tc))
    assert period == pytest.approx(2 * np.pi / omega_t, rel=0.03)    # measured 0.5 %
