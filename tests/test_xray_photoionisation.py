"""Tests of hpcsim.physics.xray_photoionisation: solar X rays below 50 A, K-shell and Auger electrons.

Reference numbers:

* Photoabsorption at 1 keV (NIST XCOM, total photoelectric absorption): N 3.31e3 cm^2/g and
  O 4.59e3 cm^2/g, i.e. 7.70e-20 and 1.219e-19 cm^2 per atom (m_N = 14.007 u, m_O = 15.999 u).
* K edges of N and O near 410 eV and 543 eV; K-edge jump ratios of light elements are 15-30, so
  the 1s share of the absorption just above the edge is 0.93-0.97.
* Solomon and Qian (2005) Table A1, HFG scaling at F10.7 = <F10.7> = 150: r1 = 1.1028, r2 = 48.139;
  bin 4 (18-32 A) = 7.6e6 + r1 7.47e5 + r2 9.22e5 = 5.2807e7 photons cm^-2 s^-1.
"""

import numpy as np
import pytest

from hpcsim.physics import photoelectrons as pe
from hpcsim.physics import xray_photoionisation as xr

HC = xr.HC_EV_A


def test_henke_absorption_at_1_keV_matches_xcom():
    assert xr.atomic_absorption_cm2("N", 1000.0)[0] == pytest.approx(3.31e3 * 14.007 / 6.02214e23, rel=0.03)
    assert xr.atomic_absorption_cm2("O", 1000.0)[0] == pytest.approx(4.59e3 * 15.999 / 6.02214e23, rel=0.03)


def test_k_edges_and_shell_share():
    assert xr.k_edge_eV("N") == pytest.approx(410.0, abs=2.0)
    assert xr.k_edge_eV("O") == pytest.approx(543.1, abs=2.0)
    for symbol in ("N", "O"):
        edge = xr.k_edge_eV(symbol)
        assert 15.0 < xr.jump_ratio(symbol) < 30.0
        below, above = xr.atomic_absorption_cm2(symbol, [edge - 0.5, edge + 0.5])
        assert above / below == pytest.approx(xr.jump_ratio(symbol), rel=0.02)
        share = xr.k_shell_fraction(symbol, [edge - 1.0, edge + 1.0, 5000.0])
        assert share[0] == 0.0 and 0.93 < share[1] < 0.97 and share[2] == share[1]


def test_bands_hold_the_table_flux():
    bands = xr.xray_bands(150.0, 150.0, "hfg", sub_bands=8)
    edges = bands.edges_eV
    assert np.all(np.diff(edges) > 0)
    assert edges[0] == pytest.approx(HC / 50.0) and edges[-1] == pytest.approx(HC / 0.5)
    for symbol in ("N", "O"):                               # the K edges are band edges
        assert np.min(np.abs(edges - xr.k_edge_eV(symbol))) < 1e-9
    r1 = 0.0138 * 78.5 + 0.005 * 3.9
    r2 = 0.5943 * 78.5 + 0.381 * 3.9
    bin4 = 7.6e6 + r1 * 7.47e5 + r2 * 9.22e5
    assert bin4 == pytest.approx(5.2807e7, rel=1e-4)
    inside = (edges[:-1] >= HC / 32.0 - 1e-9) & (edges[1:] <= HC / 18.0 + 1e-9)
    assert bands.flux[inside].sum() == pytest.approx(bin4, rel=1e-12)
    # bin 5 (32-70 A) keeps the photon-energy share of 32-50 A
    bin5 = 1.659e8 + r1 * 6.623e7 + r2 * 4.293e6
    share = (HC / 32.0 - HC / 50.0) / (HC / 32.0 - HC / 70.0)
    low = edges[1:] <= HC / 32.0 + 1e-9
    assert bands.flux[low].sum() == pytest.approx(bin5 * share, rel=1e-12)
    # EUVAC scaling: F (1 + A (P - 80))
    euvac = xr.xray_bands(150.0, 150.0, "euvac", sub_bands=3)
    inside = (euvac.edges_eV[:-1] >= HC / 32.0 - 1e-9) & (euvac.edges_eV[1:] <= HC / 18.0 + 1e-9)
    assert euvac.flux[inside].sum() == pytest.approx(2.85e7 * (1.0 + 6.247e-2 * 70.0), rel=1e-12)
    with pytest.raises(ValueError, match="X-ray model"):
        xr.xray_bands(150.0, 150.0, "soho")


def test_molecules_are_sums_of_atoms():
    edges = np.array([600.0, 700.0, 900.0])
    np.testing.assert_allclose(xr.absorption_cm2("O2", edges), 2.0 * xr.absorption_cm2("O", edges), rtol=1e-14)
    n2 = xr.absorption_cm2("N2", edges)
    assert n2[1] < n2[0]                                    # falls with photon energy above the edge


def test_yield_matrix_counts_photo_and_auger_electrons():
    bands = xr.xray_bands(150.0, 150.0, "hfg")
    grid = np.linspace(0.0, 30000.0, 6001)                   # 5 eV cells
    m = xr.electron_yield_matrix("N2", bands.edges_eV, grid, 15.58)
    centre = 0.5 * (bands.edges_eV[1:] + bands.edges_eV[:-1])
    below = centre < xr.k_edge_eV("N")
    np.testing.assert_allclose(m[below].sum(axis=1), 1.0, rtol=1e-12)
    share = 1.0 - 1.0 / xr.jump_ratio("N")
    np.testing.assert_allclose(m[~below].sum(axis=1), 1.0 + share, rtol=1e-9)
    auger_cell = int(360.0 // 5.0)
    assert np.all(m[~below, auger_cell] >= share * (1.0 - 1e-12))   # one Auger electron per 1s vacancy


def test_production_adds_auger_electrons_to_the_euv_source():
    z = np.arange(90.0, 600.1, 2.0)
    dens = {"N2": 1e13 * np.exp(-(z - 90.0) / 12.0), "O2": 2e12 * np.exp(-(z - 90.0) / 11.0),
            "O": 5e11 * np.exp(-(z - 90.0) / 30.0)}
    heights = {"N2": 12.0, "O2": 11.0, "O": 30.0}
    edges = np.concatenate([np.arange(0.0, 100.0, 1.0), np.arange(100.0, 30000.1, 5.0)])
    de = np.diff(edges)
    q_euv = pe.photoelectron_production(z, dens, edges, 150.0, 150.0, 0.5, scale_heights_km=heights)
    q_all = pe.photoelectron_production(z, dens, edges, 150.0, 150.0, 0.5, scale_heights_km=heights,
                                        xray_model="hfg")
    bands, rates = pe.xray_absorption_rates_cm3_s(z, dens, 150.0, 150.0, 0.5, scale_heights_km=heights)
    expected = 0.0
    centre = 0.5 * (bands.edges_eV[1:] + bands.edges_eV[:-1])
    for species, rate in rates.items():
        symbol = xr.SPECIES_ATOMS[species][0]
        share = np.where(centre >= xr.k_edge_eV(symbol), 1.0 - 1.0 / xr.jump_ratio(symbol), 0.0)
        expected = expected + rate @ (1.0 + share)
    np.testing.assert_allclose(((q_all - q_euv) * de).sum(axis=1), expected, rtol=1e-9)
    # nothing above 236 eV without X rays; with them, a step up at each Auger energy
    assert np.all(q_euv[:, edges[:-1] >= 240.0] == 0.0)
    top = np.argmin(np.abs(z - 150.0))
    for energy in (360.0, 500.0):
        k = np.searchsorted(edges, energy, side="right") - 1
        assert q_all[top, k] > 5.0 * q_all[top, k + 2]
    # X rays are absorbed lower down than the EUV, and matter little in the F region
    x_rate, euv_rate = ((q_all - q_euv) * de).sum(axis=1), (q_euv * de).sum(axis=1)
    assert z[np.argmax(x_rate)] < z[np.argmax(euv_rate)] - 20.0
    high = np.argmin(np.abs(z - 200.0))
    assert x_rate[high] < 1e-2 * euv_rate[high]
