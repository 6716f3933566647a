"""Tests of hpcsim.physics.electron_impact against published numbers and internal identities.

Reference numbers and where they come from:
* first ionisation energies: N2 15.581 eV, O2 12.0697 eV (NIST Chemistry WebBook), O 13.618 eV
  (NIST Atomic Spectra Database);
* total ionisation cross sections at 100 eV, as given in the task brief: N2 2.5e-16 cm^2 (Rapp and
  Englander-Golden 1965; Itikawa 2006), O2 2.4e-16 cm^2 (Rapp and Englander-Golden 1965),
  O 1.4e-16 cm^2 (Brook, Harrison and Smith 1978);
* collision stopping power: Bethe formula of ICRU Report 37 (1984) (the formula of NIST ESTAR,
  which ESTAR applies only above 1 keV and which it expects to be ~10 % too high at 1 keV for
  low Z, no shell corrections), mean excitation energy I = 82.0 eV for N2.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from hpcsim.physics import electron_impact as ei


# ------------------------------------------------------------------------------ data files
@pytest.mark.parametrize("species", ei.SPECIES)
def test_data_files_load_and_name_sources(species):
    data = ei.load_species(species)
    assert data["species"] == species
    assert data["default_ionisation"] == "jackman"
    for block in ("ionisation", "ionisation_jackman", "secondary", "elastic", "elastic_born"):
        assert data[block]["status"] == "ok"
        assert data[block]["source"]
    assert data["excitation"]
    for entry in data["excitation"]:
        assert entry["status"] == "ok" and entry["form"] == "green_stolarski"
        assert entry["threshold_eV"] > 0


def test_species_name_is_case_insensitive_and_unknown_raises():
    assert ei.load_species("n2") is ei.load_species("N2")
    with pytest.raises(KeyError):
        ei.load_species("CO2")
    with pytest.raises(ValueError, match="ionisation model"):
        ei.ionisation_cross_section_cm2("N2", 100.0, model="binary")
    with pytest.raises(ValueError, match="elastic form"):
        ei.elastic_cross_section_cm2("N2", 100.0, form="dirac")


@pytest.mark.parametrize("model, species, first_ip", [
    ("beb", "N2", 15.581), ("beb", "O2", 12.0697), ("beb", "O", 13.618),
    # the ion-state thresholds of the Jackman et al. (1977) set
    ("jackman", "N2", 15.58), ("jackman", "O2", 12.10), ("jackman", "O", 13.60)])
def test_first_ionisation_threshold(model, species, first_ip):
    channels = ei.ionisation_cross_sections_by_channel_cm2(species, 100.0, model=model)
    thresholds = ei.thresholds_eV(species, model=model)
    assert min(thresholds[name] for name in channels) == pytest.approx(first_ip, abs=1e-3)
    below = ei.ionisation_cross_section_cm2(species, first_ip - 0.01, model=model)
    above = ei.ionisation_cross_section_cm2(species, first_ip + 1.0, model=model)
    assert below == 0.0 and above > 0.0


def test_excitation_set_thresholds_and_lowest_states():
    n2 = ei.thresholds_eV("N2")
    assert n2["vibrational (lumped)"] == 1.85 and n2["A3Sigma_u+ + B3Pi_g + W3Delta_u (lumped)"] == 6.17
    assert ei.thresholds_eV("O")["1D"] == 1.96 and ei.thresholds_eV("O2")["a1Delta_g"] == 0.98
    # every state is zero at and below its threshold and positive above
    for species in ei.SPECIES:
        thr = ei.thresholds_eV(species)
        for name, sigma in ei.excitation_cross_sections_cm2(species, np.array([0.1, 20.0, 1.0e3])).items():
            assert sigma[0] == 0.0 and sigma[1] > 0.0 and sigma[2] > 0.0, name
            assert float(ei.excitation_cross_sections_cm2(species, thr[name])[name]) == 0.0


def test_n2_vibrational_resonance_region():
    # the lumped N2 vibrational cross section peaks in the 2-3 eV shape resonance region at a few
    # 1e-16 cm^2 (Schulz 1976 sum over v = 1..8: ~5e-16 cm^2 near 2.3 eV, as commonly quoted)
    energy = np.linspace(1.86, 10.0, 2000)
    sigma = ei.excitation_cross_sections_cm2("N2", energy)["vibrational (lumped)"]
    assert 2.0 < energy[np.argmax(sigma)] < 3.0
    assert 2e-16 < sigma.max() < 8e-16


@pytest.mark.parametrize("species", ei.SPECIES)
def test_no_missing_processes_in_the_default_set(species):
    assert ei.missing_processes(species) == []


# ------------------------------------------------------------------------------ ionisation
@pytest.mark.parametrize("model, species, sigma_100, rel", [
    ("jackman", "N2", 2.5e-16, 0.10),   # measured 2.71e-16 (+8 %)
    ("jackman", "O2", 2.4e-16, 0.15),   # 2.74e-16 (+14 %)
    ("jackman", "O", 1.4e-16, 0.10),    # 1.34e-16 (-4 %)
    ("beb", "N2", 2.5e-16, 0.10),
    ("beb", "O2", 2.4e-16, 0.15),
    pytest.param("beb", "O", 1.4e-16, 0.15, marks=pytest.mark.xfail(
        strict=True, reason="BEB with the orbital constants of this work gives 1.83e-16 at 100 eV, "
                            "31 % above Brook et al. (1978); documented in hpcsim/data/README.md")),
])
def test_total_ionisation_at_100_eV(model, species, sigma_100, rel):
    value = float(ei.ionisation_cross_section_cm2(species, 100.0, model=model))
    assert value / sigma_100 == pytest.approx(1.0, abs=rel)


@pytest.mark.parametrize("primary", [30.0, 100.0, 1000.0])
def test_jackman_sdcs_integrates_to_total_and_mean(primary):
    c = ei.load_species("N2")["ionisation_jackman"]["channel"][0]
    args = tuple(c[k] for k in ("threshold_eV", "K", "J_eV", "Ts_eV", "Ta_eV", "Tb_eV", "Gamma_s_eV",
                                "Gamma_b_eV"))
    top = 0.5 * (primary - c["threshold_eV"])
    zeroth = quad(lambda x: float(ei.jackman_sdcs_cm2_per_eV(primary, x, *args)) / 1e-16, 0.0, top,
                  epsrel=1e-12)[0]
    first = quad(lambda x: x * float(ei.jackman_sdcs_cm2_per_eV(primary, x, *args)) / 1e-16, 0.0, top,
                 epsrel=1e-12)[0]
    assert float(ei.jackman_cm2(primary, *args)) / 1e-16 == pytest.approx(zeroth, rel=1e-9)
    assert float(ei.jackman_mean_secondary_eV(primary, *args)) == pytest.approx(first / zeroth, rel=1e-9)
    assert ei.jackman_sdcs_cm2_per_eV(primary, 1.01 * top, *args) == 0.0


@pytest.mark.parametrize("species", ei.SPECIES)
def test_ionisation_shape_peak_and_high_energy_fall(species):
    energy = np.geomspace(5.0, 1.0e4, 400)
    sigma = ei.ionisation_cross_section_cm2(species, energy)
    peak = energy[np.argmax(sigma)]
    assert 60.0 < peak < 200.0
    # Bethe asymptote: E sigma / ln E slowly varying above 1 keV
    hi = energy > 2.0e3
    ratio = sigma[hi] * energy[hi] / np.log(energy[hi])
    assert ratio.max() / ratio.min() < 1.15


def test_channels_sum_to_total():
    energy = np.array([20.0, 50.0, 500.0])
    parts = ei.ionisation_cross_sections_by_channel_cm2("N2", energy)
    assert "N2+(X2Sigma_g+)" in parts and "N2+(A2Pi_u)" in parts and "N2+(B2Sigma_u+)" in parts
    assert np.allclose(sum(parts.values()) / 1e-16, ei.ionisation_cross_section_cm2("N2", energy) / 1e-16,
                       rtol=1e-12, atol=0)


def test_beb_sdcs_integrates_to_beb_total():
    b, u, n = 15.581, 55.39, 2
    for primary in (20.0, 100.0, 3000.0):
        # integrate in x = ln(1 + w): the spectrum falls as 1/w^2 over decades of w
        top = np.log1p(0.5 * (primary - b))

        def moment(k):
            def integrand(x):
                w = np.expm1(x)
                return np.exp(x) * w**k * float(ei.beb_sdcs_cm2_per_eV(primary, w, b, u, n)) / 1e-16
            return quad(integrand, 0.0, top, limit=400, epsrel=1e-11)[0]

        zeroth = moment(0)
        assert zeroth / (float(ei.beb_cm2(primary, b, u, n)) / 1e-16) == pytest.approx(1.0, abs=1e-8)
        assert moment(1) / zeroth == pytest.approx(float(ei.beb_mean_secondary_eV(primary, b)), rel=1e-7)


# ------------------------------------------------------------------------------ secondaries
@pytest.mark.parametrize("model", ei.IONISATION_MODELS)
@pytest.mark.parametrize("species", ei.SPECIES)
@pytest.mark.parametrize("primary", [25.0, 100.0, 1000.0, 1.0e4])
def test_secondary_distribution_normalised_to_ionisation(species, primary, model):
    channels = ei.ionisation_cross_sections_by_channel_cm2(species, primary, model=model)
    all_thr = ei.thresholds_eV(species, model=model)
    thresholds = np.array([all_thr[name] for name in channels])
    top = 0.5 * (primary - thresholds.min())
    # composite 16-point Gauss-Legendre, breaking at every channel's upper edge (E - B_j)/2
    kinks = 0.5 * (primary - thresholds[thresholds < primary])
    edges = np.unique(np.concatenate([[0.0], np.geomspace(1e-3, top, 80), kinks]))
    nodes, weights = np.polynomial.legendre.leggauss(16)
    lo, hi = edges[:-1, None], edges[1:, None]
    x = 0.5 * (hi - lo) * nodes + 0.5 * (hi + lo)
    integral = np.sum(0.5 * (hi - lo) * weights
                      * ei.secondary_distribution(species, primary, x, model=model)) / 1e-16
    sigma = float(ei.ionisation_cross_section_cm2(species, primary, model=model)) / 1e-16
    assert integral / sigma == pytest.approx(1.0, abs=1e-6)
    assert ei.secondary_distribution(species, primary, top * 1.01, model=model) == 0.0


def test_secondary_distribution_broadcasts_and_is_green_sawada_for_n2():
    secondary = np.linspace(0.0, 40.0, 81)
    values = ei.secondary_distribution("N2", np.array([[100.0], [500.0]]), secondary, model="beb")
    assert values.shape == (2, 81)
    # Lorentzian centred at Ts = 4.71 eV with half width Gamma_s = 13.8 eV (Green and Sawada 1972)
    row = values[1]
    assert secondary[np.argmax(row)] == pytest.approx(4.5, abs=0.5)
    half = row.max() / 2.0
    tail = secondary > 4.7
    assert np.interp(-half, -row[tail], secondary[tail]) == pytest.approx(4.71 + 13.8, abs=0.6)


def test_green_sawada_mean_matches_quadrature():
    tm, ts, gs = 400.0, 4.71, 13.8
    norm = quad(lambda x: 1.0 / ((x - ts) ** 2 + gs**2), 0.0, tm)[0]
    first = quad(lambda x: x / ((x - ts) ** 2 + gs**2), 0.0, tm)[0]
    assert float(ei.green_sawada_norm_per_eV(tm, ts, gs)) == pytest.approx(norm, rel=1e-10)
    assert float(ei.green_sawada_mean_eV(tm, ts, gs)) == pytest.approx(first / norm, rel=1e-10)


# ------------------------------------------------------------------------------ elastic
@pytest.mark.parametrize("form, energy", [("table", 3.0), ("table", 30.0), ("table", 300.0), ("table", 3.0e3),
                                          ("born", 1.0e3), ("born", 1.0e4)])
@pytest.mark.parametrize("species", ei.SPECIES)
def test_elastic_differential_integrates_to_total(species, energy, form):
    def dcs(t):  # 2 pi sin(theta) dsigma/dOmega in units of 1e-16 cm^2
        return 2 * np.pi * np.sin(t) * float(ei.elastic_differential_cm2_sr(species, energy, t, form=form)) / 1e-16

    total = float(ei.elastic_cross_section_cm2(species, energy, form=form)) / 1e-16
    whole = quad(dcs, 0.0, np.pi, points=[0.01, 0.1], limit=400, epsrel=1e-11)[0]
    assert whole / total == pytest.approx(1.0, abs=1e-7)
    back = quad(dcs, np.pi / 2, np.pi, epsrel=1e-11)[0]
    assert back / total == pytest.approx(
        float(ei.elastic_backscatter_probability(species, energy, form=form)), rel=1e-7)
    transfer = quad(lambda t: (1 - np.cos(t)) * dcs(t), 0.0, np.pi, points=[0.01, 0.1],
                    limit=400, epsrel=1e-11)[0]
    ref = float(ei.elastic_momentum_transfer_cm2(species, energy, form=form)) / 1e-16
    assert transfer / ref == pytest.approx(1.0, abs=1e-6)


def test_elastic_table_reproduces_its_points_and_is_defined_from_1_eV_to_50_keV():
    block = ei.load_species("N2")["elastic"]
    values = ei.elastic_cross_section_cm2("N2", block["energies_eV"])
    assert np.allclose(values, block["cross_sections_cm2"], rtol=1e-12, atol=0)
    assert float(ei.elastic_cross_section_cm2("N2", 2.5)) == 2.52e-15     # the 2.3 eV shape resonance
    assert np.isnan(ei.elastic_cross_section_cm2("N2", 0.5)) and np.isnan(ei.elastic_cross_section_cm2("N2", 6e4))
    # the close-coupling vibrationally elastic (elastic + rotational) N2 total at 10 eV is
    # 14.8e-16 cm^2 (J. Chem. Phys. 71, 1979): the compiled value is 1.18e-15, 20 % lower
    assert float(ei.elastic_cross_section_cm2("N2", 10.0)) / 14.8e-16 == pytest.approx(0.8, abs=0.02)
    # backscatter probability of the shape: nearly isotropic at a few eV, forward at keV
    pb = ei.elastic_backscatter_probability("N2", np.array([3.0, 100.0, 3.0e3]))
    assert pb[0] > 0.3 and 0.05 < pb[1] < 0.2 and pb[2] < 0.02


def test_born_elastic_not_returned_below_validity_unless_asked():
    assert np.isnan(ei.elastic_cross_section_cm2("N2", 100.0, form="born"))
    assert np.isnan(ei.elastic_differential_cm2_sr("N2", 100.0, 1.0, form="born"))
    assert np.isfinite(ei.elastic_cross_section_cm2("N2", 100.0, allow_extrapolation=True, form="born"))
    # above 1 keV the Born total and the compiled table agree within a factor 2
    ratio = ei.elastic_cross_section_cm2("N2", 3.0e3, form="born") / ei.elastic_cross_section_cm2("N2", 3.0e3)
    assert 0.5 < ratio < 2.0


def test_screening_parameter_matches_moliere_prefactor():
    # chi_0^2/4 = 1.70e-5 Z^(2/3) / (tau (tau + 2)) (Moliere 1948; Ivanov and Sergienko 1992 eq. 2.11)
    energy, z = 2000.0, 7
    tau = energy / 510998.95
    assert float(ei.screening_parameter(energy, z)) == pytest.approx(
        1.13 * 1.70e-5 * z ** (2 / 3) / (tau * (tau + 2)), rel=0.01)


# ------------------------------------------------------------------------------ stopping
def _bethe_icru37_eV_cm2(energy_eV, electrons, mean_excitation_eV):
    """Collision stopping cross section per molecule, ICRU 37 (no density effect), eV cm^2."""
    mc2, r_e = 510998.95, 2.8179403262e-13
    tau = energy_eV / mc2
    beta2 = 1.0 - 1.0 / (tau + 1.0) ** 2
    f_minus = 1 - beta2 + (tau**2 / 8 - (2 * tau + 1) * np.log(2)) / (tau + 1) ** 2
    return 2 * np.pi * r_e**2 * mc2 * electrons / beta2 * (
        np.log(tau**2 * (tau + 2) / (2 * (mean_excitation_eV / mc2) ** 2)) + f_minus)


@pytest.mark.parametrize("energy", [1.0e3, 3.0e3, 1.0e4])
def test_stopping_close_to_bethe(energy):
    target = ei.load_species("N2")["target"]
    bethe = _bethe_icru37_eV_cm2(energy, target["electrons"], target["mean_excitation_energy_eV"])
    # the paper's set (Jackman ionisation + Green-Stolarski excitation): 0.97-0.98 of Bethe
    full = float(ei.energy_loss_function_eV_cm2("N2", energy))
    assert full / bethe == pytest.approx(0.975, abs=0.03)
    # BEB ionisation with the BEB secondary spectrum plus the same excitation: 0.97-1.04
    beb = float(ei.energy_loss_function_eV_cm2("N2", energy, form="beb", model="beb"))
    assert 0.9 < beb / bethe < 1.1


def test_green_stolarski_form():
    w, f, alpha, beta, omega = 10.0, 0.1, 1.0, 2.0, 1.0
    energy = np.array([5.0, 10.0, 20.0, 1.0e4])
    sigma = ei.green_stolarski_cm2(energy, w, f, alpha, beta, omega)
    assert sigma[0] == 0.0 and sigma[1] == 0.0
    assert sigma[2] / (ei.Q0_EV2_CM2 * f / w**2 * 0.5**2 * 0.5) == pytest.approx(1.0, abs=1e-12)
    assert ei.Q0_EV2_CM2 / 6.513e-14 == pytest.approx(1.0, abs=1e-3)


def test_table_loglog_interpolation():
    value = ei.table_loglog_cm2([1.0, 10.0, 100.0, 1000.0], [10.0, 1000.0], [1e-16, 1e-18])
    assert np.allclose(value / 1e-16, [0.0, 1.0, 0.1, 0.01], rtol=1e-12, atol=0)


@pytest.mark.parametrize("species, measured, got", [("N2", 34.8, 38.8), ("O2", 30.8, 34.8)])
def test_energy_per_ion_pair(species, measured, got):
    """W(1 keV) of the paper's set against the measured high-energy W (ICRU Report 31, 1979:
    N2 34.8 eV, O2 30.8 eV): the set gives 38.8 and 34.8 eV, 11-13 % high (its excitation is
    strong relative to its ionisation below ~50 eV); BEB ionisation gives 35.5 and 30.5 eV."""
    w = ei.ion_pair_energy_eV(species, 1000.0, step_eV=0.5)
    assert w == pytest.approx(got, abs=0.2)
    assert w / measured == pytest.approx(1.0, abs=0.15)
    assert ei.ion_pair_energy_eV(species, 1000.0, step_eV=0.5, model="beb") / measured == pytest.approx(1.0, abs=0.03)
