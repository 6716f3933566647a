"""Tests of hpcsim.physics.collisions: eq. (2) sums, local rates, eq. (4) bounce averages.

Paper 001_bb23716bc5c9e956.txt (Khazanov, Liemohn et al.), section 2 and section 5.2;
docs/physics/bounce_collisions.md explains the interpretation and the numbers checked here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from hpcsim.geometry import dipole
from hpcsim.physics import collisions as col
from hpcsim.physics import constants as C

RE_KM = dipole.DEFAULT.earth_radius_km
N_A = 6.02214076e23  # Avogadro, 1/mol (SI 2019 exact)

# Paper Table 5, L = 2, 3, 4 at MLT 1200: columns above 200 km (cm^-2) of O, N, H atoms and n_e,eq.
TABLE5_NOON = {2: (9.26e15, 7.10e15, 6.06e13, 2.16e3), 3: (9.05e15, 7.75e15, 5.67e13, 7.62e2),
               4: (8.87e15, 8.10e15, 5.63e13, 1.80e2)}
# Paper section 5.2 / beam_results.csv: time to lose 1 MeV at the loss-cone edge (5 MeV), h.
PAPER_TAU_E_H = {2: 0.8, 3: 1.0, 4: 1.4}


def altitude_km(L, lat):
    return (L * np.cos(lat) ** 2 - 1.0) * RE_KM


def exp_profile(L, n_O=1e9, n_N=1e9, n_H=0.0, H_km=50.0, z0_km=200.0, n_e=1e3, n_Hplus=1e3, n_Oplus=0.0,
                T_eV=1.0):
    """Exponential neutral atmosphere (scale height H_km, densities at z0_km) plus uniform plasma."""
    def profile(lat):
        f = np.exp(-(altitude_km(L, np.asarray(lat, float)) - z0_km) / H_km)
        one = np.ones_like(f)
        return dict(n_O=n_O * f, n_N=n_N * f, n_H=n_H * f, n_e=n_e * one, n_Oplus=n_Oplus * one,
                    n_Hplus=n_Hplus * one, T_e_eV=T_eV * one, T_i_eV=T_eV * one)
    return profile


def table5_profile(L, H_km=50.0):
    """Exponential atmosphere whose field-aligned columns above 200 km match Table 5 (noon)."""
    NO, NN, NH, ne = TABLE5_NOON[L]
    lat0 = dipole.latitude_at_altitude_rad(L, 200.0)
    sin_incl = 2 * math.tan(lat0) / math.sqrt(1 + 4 * math.tan(lat0) ** 2)  # dz = sin(I) ds
    k = sin_incl / (H_km * 1e5)
    return exp_profile(L, NO * k, NN * k, NH * k, H_km=H_km, n_e=ne, n_Hplus=ne, T_eV=0.5)


def uniform_profile(**vals):
    def profile(lat):
        one = np.ones_like(np.asarray(lat, float))
        return {k: v * one for k, v in vals.items()}
    return profile


AIR = dict(n_O=0.419, n_N=1.5616)  # atoms per molecule of dry air without argon (N2 78.08 %, O2 20.95 %)


# ----------------------------------------------------------------------------- eq. (2)


def test_S_positive_and_logarithmic_in_energy():
    e = np.geomspace(0.1, 10.0, 30)
    vals = dict(n_O=1e8, n_N=1e8, n_H=1e5, n_e=1e4, n_Oplus=1e3, n_Hplus=1e3, T_e_eV=0.3, T_i_eV=0.2)
    for f in (col.energy_loss_S_E, col.momentum_exchange_S_mu):
        s = f(e, **vals)
        assert np.all(s > 0)
        slope = np.gradient(np.log(s), np.log(e))
        assert np.all(slope > 0) and np.all(slope < 0.25)  # logarithmic: d ln S / d ln E small
        assert s[-1] / s[0] < 2.5  # two decades of energy


def test_epsilon_is_lorentz_factor_coulomb_log_is_debye_over_de_broglie():
    # ln[2e13 sqrt((eps^2-1)/sum n/T)] == ln(lambda_D p / hbar) with eps = gamma (0.1 % for the rounded 2e13)
    e_MeV, n, T = 5.0, 2e3, 1.0
    e_esu = C.ELEMENTARY_CHARGE_C * C.C_M_S * 10
    lam_d = math.sqrt(T * 1.602176634e-12 / (4 * math.pi * e_esu**2 * 2 * n))  # electrons + ions
    hbar_over_mc = 3.8615926796e-11  # reduced Compton wavelength, cm (CODATA 2018)
    gamma = 1 + e_MeV / C.ELECTRON_REST_ENERGY_MEV
    expected = math.log(lam_d * math.sqrt(gamma**2 - 1) / hbar_over_mc)
    got = col.coulomb_logarithm(e_MeV, n_e=n, n_Hplus=n, T_e_eV=T, T_i_eV=T)
    assert got == pytest.approx(expected, rel=2e-3)
    assert 25 < got < 35


def test_ion_and_coulomb_relations_of_eq2():
    kw = dict(n_e=1e3, n_Oplus=2e2, n_Hplus=8e2, T_e_eV=1.0, T_i_eV=0.5)
    lam = col.coulomb_logarithm(2.0, **kw)
    assert col.energy_loss_S_E(2.0, **kw) == pytest.approx((1e3 + 7 * 2e2) * lam)
    assert col.momentum_exchange_S_mu(2.0, **kw) == pytest.approx((1e3 + 8e2 + 71 * 2e2) * lam)
    # no plasma at all: finite, neutral part only
    assert np.isfinite(col.energy_loss_S_E(2.0, n_O=1.0)) and col.energy_loss_S_E(2.0, n_e=0.0) == 0.0


# ------------------------------------------------------------------------ local rates


def test_stopping_power_in_air_matches_estar_with_bethe_normalisation():
    """1 MeV electrons in air: ESTAR / ICRU Report 37 collision stopping power 1.661 MeV cm^2/g.

    (Berger, Coursey, Zucker and Chang, ESTAR, NIST; ICRU Report 37, 1984; the density
    effect is zero for air at 1 MeV.) Eq. (2)'s neutral bracket with Bethe's 2 pi e^4 gives
    +3 % (I = 13.9 Z eV instead of 85.7 eV); tolerance 5 %. The paper's normalisation
    (eqs. 3-4, eta = 4 pi e^4) is exactly twice that.
    """
    vals = dict(AIR)
    rho = (AIR["n_O"] * 15.999 + AIR["n_N"] * 14.007) / N_A  # g per cm^3 at one molecule per cm^3
    v_cm_s = dipole.speed_m_s(1.0) * 100 * C.C_M_S / dipole.DEFAULT.speed_of_light_m_s
    s_bethe = col.energy_loss_rate_MeV_s(1.0, vals, normalisation="bethe") / v_cm_s / rho
    assert s_bethe == pytest.approx(1.661, rel=0.05)
    s_paper = col.energy_loss_rate_MeV_s(1.0, vals, normalisation="paper") / v_cm_s / rho
    assert s_paper == pytest.approx(2 * s_bethe, rel=1e-12)
    # near minimum ionisation, ~2 MeV cm^2/g over 0.5-5 MeV
    e = np.array([0.5, 1.0, 2.0, 5.0])
    v = np.asarray(dipole.speed_m_s(e)) * 100 * C.C_M_S / dipole.DEFAULT.speed_of_light_m_s
    s = col.energy_loss_rate_MeV_s(e, vals, normalisation="bethe") / v / rho
    assert np.all((s > 1.6) & (s < 2.0))


def test_local_D_is_quarter_of_mean_square_angle_rate():
    # d<theta^2>/dt = 8 pi e^4 S_mu / (p^2 v) (Rutherford, Rossi and Olbert 1970): D = 1/4 of it, cgs
    e_MeV, vals = 3.0, dict(n_N=1e6, n_e=1e3, n_Hplus=1e3, T_e_eV=1.0, T_i_eV=1.0)
    e_esu = C.ELEMENTARY_CHARGE_C * C.C_M_S * 10
    m_g, c = C.ELECTRON_MASS_KG * 1e3, C.C_M_S * 100
    gamma = 1 + e_MeV / C.ELECTRON_REST_ENERGY_MEV
    p = m_g * c * math.sqrt(gamma**2 - 1)
    v = p / (gamma * m_g)
    theta2_rate = 8 * math.pi * e_esu**4 * col.momentum_exchange_S_mu(e_MeV, **vals) / (p**2 * v)
    assert col.pitch_angle_diffusion_local_s(e_MeV, vals) == pytest.approx(theta2_rate / 4, rel=1e-9)
    # and |dE/dt| = 4 pi e^4 S_E / (m v) in erg/s
    dedt_erg = 4 * math.pi * e_esu**4 * col.energy_loss_S_E(e_MeV, **vals) / (m_g * v)
    assert col.energy_loss_rate_MeV_s(e_MeV, vals) * C.MEV_TO_J * 1e7 == pytest.approx(dedt_erg, rel=1e-9)


# ---------------------------------------------------------------------- bounce averages


def _quad_bounce_average(L, alpha, chi):
    """Independent eq. (3) average with scipy.quad: lat = lat_m sin(u) removes the singularity."""
    lat_m = dipole.mirror_latitude_rad(L, alpha)
    s2 = math.sin(math.radians(alpha)) ** 2

    def w(u):
        lat = lat_m * math.sin(u)
        ds = math.cos(lat) * math.sqrt(1 + 3 * math.sin(lat) ** 2) * lat_m * math.cos(u)
        return ds / math.sqrt(max(1 - s2 * dipole.field_ratio_to_equator(lat), 1e-300)), lat

    num = quad(lambda u: w(u)[0] * chi(w(u)[1]), -math.pi / 2, math.pi / 2, limit=200, epsabs=0, epsrel=1e-11)[0]
    den = quad(lambda u: w(u)[0], -math.pi / 2, math.pi / 2, limit=200, epsabs=0, epsrel=1e-11)[0]
    return num / den


@pytest.mark.parametrize("L", [2.0, 4.0])
def test_uniform_medium_bounce_average_is_local_times_geometry(L):
    vals = dict(n_O=1e4, n_N=2e4, n_H=1e3, n_e=1e3, n_Oplus=1e2, n_Hplus=9e2, T_e_eV=1.0, T_i_eV=1.0)
    prof = uniform_profile(**vals)
    alphas = np.array([30.0, 45.0, 60.0, 80.0])
    energy = np.array([1.0, 5.0])
    r = col.bounce_averaged_coefficients(L, alphas, energy, prof)
    assert not r["truncated"].any()
    np.testing.assert_allclose(r["dEdt_MeV_s"], np.broadcast_to(col.energy_loss_rate_MeV_s(energy, vals), (4, 2)),
                               rtol=1e-12)
    d_loc = col.pitch_angle_diffusion_local_s(energy, vals)
    for i, a in enumerate(alphas):
        s2 = math.sin(math.radians(a)) ** 2
        g = _quad_bounce_average(L, a, lambda lat: (1 - s2 * dipole.field_ratio_to_equator(lat))
                                 / dipole.field_ratio_to_equator(lat))  # <mu^2 B0/B>
        geom = math.tan(math.radians(a)) ** 2 * g
        np.testing.assert_allclose(r["D_cc_s"][i], d_loc * geom, rtol=1e-9)


def test_exponential_atmosphere_against_quad():
    L, prof = 2.0, exp_profile(2.0, H_km=50.0)
    a = dipole.equatorial_loss_cone_deg(L, 250.0)
    r = col.bounce_averaged_coefficients(L, [a], [5.0], prof)
    s_avg = _quad_bounce_average(L, a, lambda lat: col.energy_loss_S_E(5.0, **{k: float(v[0]) for k, v in
                                                                                 prof(np.array([lat])).items()}))
    ref = col.energy_loss_rate_MeV_s(5.0, dict(n_O=s_avg, n_N=0.0)) * s_avg / col.energy_loss_S_E(5.0, n_O=s_avg)
    assert r["dEdt_MeV_s"][0, 0] == pytest.approx(ref, rel=1e-7)


@pytest.mark.parametrize("H_km", [30.0, 50.0])
def test_node_count_convergence_near_200_km(H_km):
    L, prof = 2.0, exp_profile(2.0, H_km=H_km)
    alc = dipole.equatorial_loss_cone_deg(L, 200.0)
    alphas = np.array([alc - 0.5, alc - 0.01, alc, alc + 0.01, alc + 0.5])
    res = {n: col.bounce_averaged_coefficients(L, alphas, [5.0], prof, n_points=n) for n in (64, 128, 256, 512)}
    for n in (64, 128, 256):
        for key in ("dEdt_MeV_s", "D_cc_s"):
            np.testing.assert_allclose(res[n][key], res[512][key], rtol=1e-6 if n == 64 else 1e-10)


def test_loss_cone_floor_truncation_is_continuous():
    L, prof = 2.0, exp_profile(2.0, H_km=50.0)
    a_floor = dipole.equatorial_loss_cone_deg(L, 100.0)
    # the cut removes a phase sliver theta_f ~ sqrt(delta alpha): continuous, with an infinite slope
    alphas = np.array([1.0, 5.0, a_floor * (1 - 1e-12), a_floor * (1 + 1e-12), 20.0])
    r = col.bounce_averaged_coefficients(L, alphas, [1.0, 5.0], prof, floor_altitude_km=100.0)
    assert list(r["truncated"]) == [True, True, True, False, False]
    assert np.all(np.isfinite(r["dEdt_MeV_s"])) and np.all(r["dEdt_MeV_s"] > 0)
    np.testing.assert_allclose(r["dEdt_MeV_s"][2], r["dEdt_MeV_s"][3], rtol=1e-4)
    np.testing.assert_allclose(r["D_cc_s"][2], r["D_cc_s"][3], rtol=1e-4)

    class Prof:  # a profile that only covers >= 150 km raises the floor
        min_altitude_km = 150.0

        def __call__(self, lat):
            return prof(lat)

    r2 = col.bounce_averaged_coefficients(L, [5.0], [5.0], Prof(), floor_altitude_km=100.0)
    assert r2["floor_altitude_km"] == 150.0 and r2["truncated"][0]


def test_coefficients_rise_steeply_as_mirror_point_descends():
    # Paper section 3 and Figs. 2-3: 2+ orders of magnitude between mirroring at 700 km and at 200 km
    L, prof = 2.0, exp_profile(2.0, H_km=50.0)
    mirror_km = np.array([700.0, 500.0, 400.0, 300.0, 250.0, 200.0])
    alphas = np.array([dipole.equatorial_loss_cone_deg(L, z) for z in mirror_km])
    r = col.bounce_averaged_coefficients(L, alphas, [5.0], prof)
    dedt, dcc = r["dEdt_MeV_s"][:, 0], r["D_cc_s"][:, 0]
    assert np.all(np.diff(dedt) > 0) and np.all(np.diff(dcc) > 0)
    assert dedt[-1] / dedt[0] > 100 and dcc[-1] / dcc[0] > 100


@pytest.mark.parametrize("L", [2, 3, 4])
def test_energy_loss_time_at_loss_cone_edge_vs_paper(L):
    """Paper section 5.2: ~0.8, 1, 1.4 h to lose 1 MeV (5 MeV electron) at the loss-cone edge.

    Our atmosphere is only an exponential (H = 50 km) matched to the Table 5 columns, not the
    paper's MSIS-90, so the tolerance is a factor 2; we get 0.79, 1.23, 1.67 h.
    """
    alc = dipole.equatorial_loss_cone_deg(L, 200.0)
    t = col.collision_time_scales_s(L, [alc], [5.0], table5_profile(L))
    tau_h = t["energy_loss_time_s"][0, 0] / 3600
    assert PAPER_TAU_E_H[L] / 2 < tau_h < PAPER_TAU_E_H[L] * 2
    assert t["energy_efold_s"][0, 0] == pytest.approx(5 * t["energy_loss_time_s"][0, 0])


def test_paper_eq4_printed_form_round_trip():
    e = np.array([0.5, 5.0])
    dedt = np.array([1e-4, 2e-4])
    printed = col.paper_eq4_energy_coefficient_MeV_s(e, dedt)
    gamma = 1 + e / C.ELECTRON_REST_ENERGY_MEV
    # eq. (3) prefactor sqrt(2E/m)/(c gamma sqrt(gamma^2-1)) times printed == gamma sqrt(gamma^2-1)-weighted |dE/dt|
    back = printed * np.sqrt(2 * e / C.ELECTRON_REST_ENERGY_MEV) / (gamma * np.sqrt(gamma**2 - 1))
    np.testing.assert_allclose(back, dedt, rtol=1e-12)


def test_grid_shapes():
    """Shapes and finiteness on a dense grid (its speed is a benchmark matter, not a test's)."""
    prof = exp_profile(3.0)
    r = col.bounce_averaged_coefficients(3.0, np.linspace(0.5, 90, 180), np.linspace(0.5, 10, 40), prof,
                                         n_points=512)
    assert r["dEdt_MeV_s"].shape == (180, 40) and r["D_cc_s"].shape == (180, 40)
    assert np.all(np.isfinite(r["dEdt_MeV_s"])) and np.all(r["D_cc_s"][:-1] > 0)
    # at exactly 90 deg mu^2 = 0 on the (zero-length) path while tan^2 alpha diverges: the limit is finite
    assert np.all(np.isfinite(r["D_cc_s"]))
