"""Wave-particle pitch-angle diffusion: resonances, limits, scalings, validity, bounce average, cache."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import hpcsim  # noqa: F401
from hpcsim.geometry import dipole
from hpcsim.physics import constants as const
from hpcsim.physics import wave_cache as C
from hpcsim.physics import wave_models as M
from hpcsim.physics import waves as W

COARSE = W.WaveNumerics(n_harmonics=4, n_x=12, n_omega=24, n_bounce=12, n_x_narrow=32, n_omega_narrow=8)
B_L3 = dipole.equatorial_field_G(3.0) * 1e-4  # T


def _parallel(spec: W.WaveSpectrum) -> W.WaveSpectrum:
    """Same frequency band, wave normals confined to x = tan(theta) in [0, 0.02]."""
    return dataclasses.replace(spec, x_mean=0.0, x_width=0.01, x_lower=0.0, x_upper=0.02)


def test_resonance_condition_and_dispersion_hold_at_roots():
    spec = M.paper_spectra(3.0)["hiss"]
    energy = 2.0
    d, roots = W.resonant_roots(45.0, energy, B_L3, 900.0, spec, COARSE)
    assert d > 0.0 and len(roots) > 5
    ns = set(roots[:, 2].astype(int))
    assert len(ns) >= 3  # several harmonics contribute (oblique waves)
    gamma = 1.0 + energy / const.ELECTRON_REST_ENERGY_MEV
    v = const.C_M_S * np.sqrt(1.0 - 1.0 / gamma**2)
    wce = const.ELEMENTARY_CHARGE_C * B_L3 / const.ELECTRON_MASS_KG
    for omega, x, n, s, kpar, _ in roots:
        # omega - k_par v_par = n Omega_e / gamma, Omega_e < 0
        mismatch = omega - kpar * v * np.cos(np.radians(45.0)) - n * (-wce) / gamma
        assert abs(mismatch) < 1e-9 * wce
        # k on the cold-plasma whistler branch at that (omega, theta)
        theta = np.degrees(np.arctan(x))
        mu2 = W.whistler_refractive_index_squared(omega / (2 * np.pi), theta, B_L3, 900.0)
        k = omega * np.sqrt(mu2) / const.C_M_S
        assert abs(abs(kpar) - k * np.cos(np.radians(theta))) < 1e-9 * k
        assert np.sign(kpar) == s
        assert spec.f_lower_Hz <= omega / (2 * np.pi) <= spec.f_upper_Hz


def test_whistler_dispersion_parallel_is_R_mode():
    ne, f = 900.0, 5000.0
    wce = const.ELEMENTARY_CHARGE_C * B_L3 / const.ELECTRON_MASS_KG
    wpe2 = ne * 1e6 * const.ELEMENTARY_CHARGE_C**2 / (W.EPSILON0_F_M * const.ELECTRON_MASS_KG)
    w = 2 * np.pi * f
    wcp = wce * const.ELECTRON_MASS_KG / W.PROTON_MASS_KG
    R = 1 - wpe2 / (w * (w - wce)) - wpe2 * const.ELECTRON_MASS_KG / W.PROTON_MASS_KG / (w * (w + wcp))
    assert W.whistler_refractive_index_squared(f, 0.0, B_L3, ne) == pytest.approx(R, rel=1e-12)
    # beyond the resonance cone (cos theta < omega/Omega_e roughly) there is no whistler
    assert np.isnan(W.whistler_refractive_index_squared(f, 89.9, B_L3, ne))


@pytest.mark.parametrize("name,B,ne,energy,alpha", [
    ("hiss", 3.75e-6, 1810.0, 1.0, 20.0),
    ("hiss", 1.19e-6, 900.0, 0.3, 45.0),
    ("hiss", 5.0e-7, 180.0, 0.3, 70.0),
    ("lightning", 3.75e-6, 1810.0, 0.3, 45.0),
    ("lightning", 3.75e-6, 1810.0, 1.0, 70.0),
])
def test_parallel_limit_agrees_with_summers2005(name, B, ne, energy, alpha):
    spec = _parallel(M.paper_spectra(2.0)[name])
    num = W.WaveNumerics(n_harmonics=2, n_x=8, n_omega=64, apply_validity=False)
    d = W.local_daa(alpha, energy, B, ne, spec, num)
    ref = W.summers2005_parallel_daa(alpha, energy, B, ne, spec)
    assert ref > 0.0
    assert d == pytest.approx(ref, rel=5e-3)


def test_scales_as_amplitude_squared_and_occurrence_in_table(tmp_path):
    spec = M.paper_spectra(3.0)["lightning"]
    d1 = W.local_daa([30.0, 60.0], 1.0, B_L3, 900.0, spec, COARSE)
    d2 = W.local_daa([30.0, 60.0], 1.0, B_L3, 900.0, spec.with_amplitude(2 * spec.B_w_pT), COARSE)
    assert np.all(d1 > 0)
    np.testing.assert_allclose(d2, 4.0 * d1, rtol=1e-12)
    assert np.all(W.local_daa([30.0, 60.0], 1.0, B_L3, 900.0, spec.with_amplitude(0.0), COARSE) == 0.0)


def test_validity_conditions_switch_waves_off():
    spec = M.paper_spectra(3.0)["hiss"]
    off = dataclasses.replace(COARSE, apply_validity=False)
    # |omega - Omega_e| > 10 |k_par| v_Te fails for a very hot core plasma
    hot = dataclasses.replace(COARSE, T_e_eV=1e6)
    hot_off = dataclasses.replace(hot, apply_validity=False)
    assert W.local_daa(45.0, 2.0, B_L3, 900.0, spec, hot_off) > 0.0
    assert W.local_daa(45.0, 2.0, B_L3, 900.0, spec, hot) == 0.0
    # omega_pe^2/Omega_e^2 >> omega/Omega_e fails in a very tenuous plasma
    tenuous = 0.02  # cm^-3
    wce = const.ELEMENTARY_CHARGE_C * B_L3 / const.ELECTRON_MASS_KG
    wpe2 = tenuous * 1e6 * const.ELEMENTARY_CHARGE_C**2 / (W.EPSILON0_F_M * const.ELECTRON_MASS_KG)
    assert wpe2 / wce**2 < 10 * 2 * np.pi * spec.f_upper_Hz / wce
    assert W.local_daa(45.0, 2.0, B_L3, tenuous, spec, COARSE) == 0.0
    # VLF2 above the local electron gyrofrequency (L = 4 equator, f_ce = 14 kHz): absent
    vlf2 = dataclasses.replace(M.VLF2.spectrum_at(1.8))
    B4 = dipole.equatorial_field_G(4.0) * 1e-4
    assert W.local_daa(45.0, 5.0, B4, 180.0, vlf2, COARSE) == 0.0
    assert W.local_daa(45.0, 5.0, B4, 180.0, vlf2, off) == 0.0  # no whistler above f_ce either


def test_bounce_average_implements_eq4(monkeypatch):
    """With D_aa = 1 everywhere, <D_mu0mu0> = (1 - mu0^2)/mu0^2 <mu^2 B0/B> (eq. 4)."""
    spec = dataclasses.replace(M.paper_spectra(3.0)["hiss"], max_latitude_deg=90.0)
    monkeypatch.setattr(W, "local_daa", lambda a, *args, **kw: np.ones(np.shape(a)))
    alpha = np.array([10.0, 30.0, 60.0, 80.0])
    res = W.bounce_averaged_diffusion(3.0, alpha, 1.0, spec, lambda lat: 900.0 + 0 * lat,
                                      dataclasses.replace(COARSE, n_bounce=200))
    mu0 = np.cos(np.radians(alpha))

    def chi(lat):
        a = dipole.local_pitch_angle_deg(3.0, alpha[:, None], lat)
        return np.cos(np.radians(a)) ** 2 / dipole.field_ratio_to_equator(lat)

    ref = (1 - mu0**2) / mu0**2 * dipole.bounce_average(3.0, alpha, chi, n_points=400)
    np.testing.assert_allclose(res.D_mu0mu0, ref, rtol=1e-6)
    np.testing.assert_allclose(res.D_alpha0alpha0, ref / np.sin(np.radians(alpha)) ** 2, rtol=1e-12)


def test_bounce_averaged_hiss_dominates_and_drops_at_small_alpha():
    L = 3.0
    spectra = M.paper_spectra(L)
    alpha = np.array([9.0, 45.0])
    num = W.WaveNumerics(n_harmonics=6, n_x=16, n_omega=24, n_bounce=24)
    d = {k: s.occurrence * W.bounce_averaged_diffusion(L, alpha, 5.0, s, lambda lat: 902.0 + 0 * lat, num).D_mu0mu0
         for k, s in spectra.items() if k in ("hiss", "lightning")}
    assert np.all(d["hiss"] > d["lightning"])
    assert d["hiss"][0] < 0.1 * d["hiss"][1]


def test_wave_models_table6():
    assert M.HISS.f_lower_Hz == 250.0 and M.HISS.f_upper_Hz == 1150.0
    assert M.VLF1.f_lower_Hz == 17050.0 and M.VLF1.f_upper_Hz == 17200.0
    assert M.HISS.x_mean == pytest.approx(1.0)
    assert M.HISS.x_lower == pytest.approx(1.0 - np.tan(np.radians(22.5)))
    assert M.HISS.x_upper == pytest.approx(1.0 + 2 * np.tan(np.radians(22.5)))
    assert M.HISS.occurrence_at(2.0) == pytest.approx(0.10)
    assert M.HISS.occurrence_at(3.0) == pytest.approx(0.50) and M.HISS.occurrence_at(4.0) == pytest.approx(0.50)
    assert M.LIGHTNING_WHISTLERS.occurrence_at(3.0) == 0.03 and M.VLF2.occurrence_at(2.0) == 0.024
    assert M.VLF1.amplitude_pT(1.8) == pytest.approx(18.0) and M.VLF2.amplitude_pT(1.8) == pytest.approx(19.0)
    for L in (1.0, 1.29, 3.0, 3.5, 4.0):
        assert M.VLF1.amplitude_pT(L) == 0.0
    Ls = np.linspace(1.3, 3.0, 171)
    amp = np.array([M.VLF1.amplitude_pT(L) for L in Ls])
    assert Ls[np.argmax(amp)] == pytest.approx(1.8)
    second = (Ls > 2.5)
    assert 2.8 <= Ls[second][np.argmax(amp[second])] <= 3.0 and amp[second].max() < 18.0
    assert M.HISS.amplitude_pT(4.0) == 10.0


def _small_table(tmp_path, spectra, **kw):
    return C.compute_table(3.0, spectra, [20.0, 60.0], [1.0, 5.0], lambda lat: 900.0 + 0 * lat,
                           profile_id="test", numerics=COARSE, cache_dir=tmp_path, **kw)


def test_cache_hit_is_identical_and_changed_input_misses(tmp_path):
    spectra = {"hiss": M.paper_spectra(3.0)["hiss"]}
    t1 = _small_table(tmp_path, spectra)
    assert not t1.from_cache and np.all(t1.D_per_s["hiss"] > 0)
    assert C.cache_path(tmp_path, t1.key).exists()
    assert not list(tmp_path.glob("*.tmp"))
    t2 = _small_table(tmp_path, spectra)
    assert t2.from_cache and t2.key == t1.key
    np.testing.assert_array_equal(t2.D_per_s["hiss"], t1.D_per_s["hiss"])
    # occurrence applied
    raw = W.bounce_averaged_diffusion(3.0, 60.0, 5.0, spectra["hiss"], lambda lat: 900.0 + 0 * lat, COARSE)
    assert t1.D_per_s["hiss"][1, 1] == pytest.approx(0.5 * raw.D_mu0mu0, rel=1e-12)
    # any changed input gives another key and a recomputation
    changed = {"hiss": spectra["hiss"].with_amplitude(20.0)}
    t3 = _small_table(tmp_path, changed)
    assert not t3.from_cache and t3.key != t1.key
    np.testing.assert_allclose(t3.D_per_s["hiss"], 4 * t1.D_per_s["hiss"], rtol=1e-12)
    key_ne = C.table_key(3.0, spectra, [20.0, 60.0], [1.0, 5.0], lambda lat: 901.0 + 0 * lat, "test", COARSE)
    key_id = C.table_key(3.0, spectra, [20.0, 60.0], [1.0, 5.0], lambda lat: 900.0 + 0 * lat, "other", COARSE)
    key_num = C.table_key(3.0, spectra, [20.0, 60.0], [1.0, 5.0], lambda lat: 900.0 + 0 * lat, "test",
                          dataclasses.replace(COARSE, n_harmonics=5))
    assert len({t1.key, key_ne, key_id, key_num}) == 4


def test_user_table_round_trip_and_interpolation(tmp_path):
    alpha = np.array([10.0, 30.0, 50.0, 70.0, 89.0])
    energy = np.array([0.5, 1.0, 2.0, 4.0])
    rng = np.random.default_rng(1)
    daa = {"chorus_like": rng.uniform(1e-8, 1e-6, (alpha.size, energy.size)),
           "hiss": rng.uniform(1e-9, 1e-7, (alpha.size, energy.size))}
    path = tmp_path / "user.h5"
    C.write_table(path, C.WaveTable(alpha, energy, daa, attrs={"source": "PADIE (synthetic)"}),
                  quantity="D_alpha0alpha0")
    back = C.read_table(path, quantity="D_alpha0alpha0")
    np.testing.assert_array_equal(back.alpha_eq_deg, alpha)
    np.testing.assert_array_equal(back.energy_MeV, energy)
    for k in daa:
        np.testing.assert_array_equal(back.D_per_s[k], daa[k])
    mu = C.read_table(path, quantity="D_mu0mu0")
    np.testing.assert_allclose(mu.D_per_s["hiss"], daa["hiss"] * np.sin(np.radians(alpha))[:, None] ** 2, rtol=1e-14)
    # interpolation: exact at nodes, linear in alpha and in ln E in between
    grid = C.read_table(path, alpha_eq_deg=[20.0, 30.0], energy_MeV=[np.sqrt(2.0), 2.0], quantity="D_alpha0alpha0")
    d = daa["hiss"]
    assert grid.D_per_s["hiss"][1, 1] == pytest.approx(d[1, 2])
    assert grid.D_per_s["hiss"][0, 1] == pytest.approx(0.5 * (d[0, 2] + d[1, 2]))
    assert grid.D_per_s["hiss"][1, 0] == pytest.approx(0.5 * (d[1, 1] + d[1, 2]))
    # a computed (cache) file is a valid table too
    t = _small_table(tmp_path, {"hiss": M.paper_spectra(3.0)["hiss"]})
    r = C.read_table(C.cache_path(tmp_path, t.key))
    np.testing.assert_array_equal(r.D_per_s["hiss"], t.D_per_s["hiss"])
