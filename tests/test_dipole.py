"""Tests of hpcsim.geometry.dipole: the paper's Tables 1-4 to the printed digits, analytic limits.

Paper 001_bb23716bc5c9e956.txt (Khazanov, Liemohn et al.), Tables 1-4, transcribed in
../shared/reference/beam_tables.csv. docs/physics/dipole.md explains the constants and the
three rows that do not reproduce (marked xfail(strict=True) here with the number we get).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from hpcsim.geometry import dipole

REFERENCE_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference"
TABLES_CSV = REFERENCE_DIR / "beam_tables.csv"

# Tables 3 and 4 are reproduced with the integrals the paper's code used (Ejiri 1978 fits);
# the exact integrals are compared with a tolerance in test_exact_integrals_close_to_tables.
PAPER_METHOD = "ejiri1978"


def _read_rows() -> list[dict]:
    if not TABLES_CSV.is_file():
        return []
    with TABLES_CSV.open(newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


ROWS = _read_rows()
NEED_CSV = pytest.mark.skipif(
    not ROWS, reason=f"reference table {TABLES_CSV} not found (needs ../shared beside the checkout)")


def _key(row: dict) -> tuple:
    return (row["table"], row["L"], row["quantity"], row["energy_MeV"], row["alpha_eq_deg"])


# Rows that no defensible constant set reproduces to the printed digits (docs/physics/dipole.md).
KNOWN_MISMATCHES = {
    ("2", "3", "gyroperiod_eq", "", ""):
        "we get 3.01e-5 s from B0 = 0.32/27 G = 1.185e-2 G; the paper's 3.00e-5 s is 2 pi m/(e B) of its "
        "rounded B0 = 1.19e-2 G (test_table2_L3_gyroperiod_is_from_the_rounded_field)",
    ("3", "2", "bounce_period", "6.0", "18.37"):
        "we get 0.1891 s (0.18908); the printed 0.1889 is inconsistent with the 5-MeV 0.1893 of the same "
        "column under T_b ~ 1/v (test_table3_L2_middle_column_is_inconsistent_with_one_over_v)",
    ("4", "2", "drift_period", "4.0", "18.37"):
        "we get 731.6 s (731.648, 0.002 s below the rounding edge) at the cell centre 18.3747 deg; "
        "731.7 needs alpha_eq <= 18.3742 deg",
}


def _printed_match(value: float, text: str) -> bool:
    """True if value, printed like text (same decimals, fixed or exponent form), equals text."""
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    formatted = f"{value:.{decimals}e}" if exponent else f"{value:.{decimals}f}"
    return float(formatted) == float(text)


def _cell_centre_alpha_deg(L: float, printed_alpha_deg: float) -> float:
    """The unrounded alpha_eq behind a printed column of Tables 3 and 4.

    Section 4 of the paper: five pitch-angle cells exactly span the injection range of
    Table 1 (mirror at 200 km to mirror at 700 km); Tables 3-4 list cells 1, 3 and 5.
    """
    lo = dipole.equatorial_loss_cone_deg(L, 200.0)
    hi = dipole.equatorial_loss_cone_deg(L, 700.0)
    centres = lo + (np.arange(5) + 0.5) * (hi - lo) / 5.0
    nearest = float(centres[np.argmin(np.abs(centres - printed_alpha_deg))])
    # 8 of the 9 columns are the centre rounded to 0.01 deg; L = 4 prints 5.68 for 5.6747.
    assert abs(nearest - printed_alpha_deg) < 0.006
    return nearest


def _ours(row: dict, const=dipole.DEFAULT, method: str = PAPER_METHOD) -> float:
    table, L, quantity = row["table"], float(row["L"]), row["quantity"]
    if table == "1":
        if quantity == "alpha_eq_mirror_200km":
            return dipole.equatorial_loss_cone_deg(L, 200.0, const)
        if quantity == "alpha_eq_mirror_700km":
            return dipole.equatorial_loss_cone_deg(L, 700.0, const)
        assert quantity == "alpha_700km_mirror_200km"
        return dipole.local_pitch_angle_deg(L, dipole.equatorial_loss_cone_deg(L, 200.0, const),
                                            dipole.latitude_at_altitude_rad(L, 700.0, const))
    if table == "2":
        b_eq = dipole.equatorial_field_G(L, const)
        return {"B_eq": b_eq,
                "B_200km": dipole.field_at_altitude_G(L, 200.0, const),
                "gyroperiod_eq": dipole.gyroperiod_s(b_eq, 0.0, const)}[quantity]
    energy = float(row["energy_MeV"])
    alpha = _cell_centre_alpha_deg(L, float(row["alpha_eq_deg"]))
    period = dipole.bounce_period_s if table == "3" else dipole.drift_period_s
    return period(L, energy, alpha, const, method)


def _row_params():
    if not ROWS:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"reference table {TABLES_CSV} not found"))]
    params = []
    for row in ROWS:
        key = _key(row)
        ident = "T{}-L{}-{}".format(row["table"], row["L"], row["quantity"])
        if row["energy_MeV"]:
            ident += "-{}MeV-{}deg".format(row["energy_MeV"], row["alpha_eq_deg"])
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_MISMATCHES[key])] if key in KNOWN_MISMATCHES else []
        params.append(pytest.param(row, id=ident, marks=marks))
    return params


# ------------------------------------------------------------------ paper tables


@pytest.mark.parametrize("row", _row_params())
def test_paper_tables_to_printed_digits(row):
    ours = _ours(row)
    assert _printed_match(ours, row["value"]), f"ours {ours:.6g} vs paper {row['value']} {row['unit']}"


@NEED_CSV
def test_known_mismatches_are_rows_of_the_table():
    assert set(KNOWN_MISMATCHES) <= {_key(r) for r in ROWS}


@NEED_CSV
@pytest.mark.parametrize("table, max_rel", [("3", 1.3e-3), ("4", 2.5e-4)])
def test_exact_integrals_close_to_tables(table, max_rel):
    """With the exact h and I (the default), Tables 3-4 agree to 0.12 % and 0.02 %."""
    rows = [r for r in ROWS if r["table"] == table]
    rel = [abs(_ours(r, method="exact") / float(r["value"]) - 1.0) for r in rows]
    assert len(rows) == 27 and max(rel) < max_rel


def test_table2_L3_gyroperiod_is_from_the_rounded_field():
    assert _printed_match(dipole.gyroperiod_s(1.19e-2), "3.00e-5")
    assert _printed_match(dipole.gyroperiod_s(dipole.equatorial_field_G(3.0)), "3.01e-5")


def test_table3_L2_middle_column_is_inconsistent_with_one_over_v():
    """0.1893 s at 5 MeV and 0.1889 s at 6 MeV cannot both round from one 4 R0 h / v."""
    v5, v6 = dipole.speed_m_s(5.0), dipole.speed_m_s(6.0)
    from_5MeV = (0.18925 * v5 / v6, 0.18935 * v5 / v6)  # 6-MeV period implied by the 5-MeV entry
    printed_6MeV = (0.18885, 0.18895)
    assert from_5MeV[0] > printed_6MeV[1]


def test_latitudes_at_700_km_quoted_in_section_3():
    for L, quoted in [(2, "41.8"), (3, "52.5"), (4, "58.2")]:
        assert _printed_match(math.degrees(dipole.latitude_at_altitude_rad(L, 700.0)), quoted)


def test_bounce_period_quoted_in_introduction():
    assert _printed_match(dipole.bounce_period_s(2.0, 5.0, 18.37), "0.19")


def test_self_consistent_constants_make_drift_periods_longer_by_the_moment_ratio():
    a = dipole.drift_period_s(2.0, 5.0, 18.37)
    b = dipole.drift_period_s(2.0, 5.0, 18.37, dipole.SELF_CONSISTENT)
    ratio = dipole.DEFAULT.dipole_moment_T_m3 / dipole.DEFAULT.drift_dipole_moment_T_m3
    assert b / a == pytest.approx(ratio, rel=1e-12)
    assert ratio == pytest.approx(1.0475, abs=1e-4)


# --------------------------------------------------------------------- field line


def test_field_along_line_and_at_altitude_agree():
    L, alt = 3.0, np.array([0.0, 200.0, 700.0, 5000.0])
    lat = dipole.latitude_at_altitude_rad(L, alt)
    assert np.allclose(dipole.field_G(L, lat), dipole.field_at_altitude_G(L, alt), rtol=1e-13)
    assert dipole.field_G(L, 0.0) == pytest.approx(dipole.equatorial_field_G(L), rel=1e-15)
    assert math.isnan(dipole.latitude_at_altitude_rad(2.0, 7000.0))
    assert math.isnan(dipole.field_at_altitude_G(2.0, 7000.0))


def test_arc_length_closed_form_matches_quadrature():
    L, r_e = 4.0, dipole.DEFAULT.earth_radius_m
    for lat in [0.1, 0.7, 1.2, 1.5]:
        numeric = quad(lambda x: L * r_e * math.cos(x) * math.sqrt(1 + 3 * math.sin(x) ** 2), 0.0, lat,
                       epsabs=0, epsrel=1e-13)[0]
        assert dipole.arc_length_m(L, lat) == pytest.approx(numeric, rel=1e-12)
        assert dipole.arc_length_m(L, -lat) == pytest.approx(-numeric, rel=1e-12)
    # pole to pole of the full line, over L R_E, is I(alpha_eq = 0) = 2 h(0)
    pole_to_pole = 2 * dipole.arc_length_m(1.0, math.pi / 2) / r_e
    assert pole_to_pole == pytest.approx(2 * dipole.H_MU0_FIELD_ALIGNED, rel=1e-14)


def test_mirror_latitude_limits_and_condition():
    assert dipole.mirror_latitude_rad(2.0, 90.0) == pytest.approx(0.0, abs=1e-15)
    assert dipole.mirror_latitude_rad(2.0, 0.0) == pytest.approx(math.pi / 2, abs=1e-15)
    alpha = np.array([0.5, 5.0, 17.21, 45.0, 80.0, 89.999])
    lat = dipole.mirror_latitude_rad(3.0, alpha)
    assert np.allclose(dipole.field_ratio_to_equator(lat) * np.sin(np.radians(alpha)) ** 2, 1.0, rtol=1e-13)
    assert dipole.mirror_latitude_rad(np.array([2.0, 3.0, 4.0]), 30.0).shape == (3,)


def test_loss_cone_mirrors_at_its_altitude():
    for L in [1.5, 2.0, 4.0, 6.6]:
        alpha = dipole.equatorial_loss_cone_deg(L, 200.0)
        foot = dipole.latitude_at_altitude_rad(L, 200.0)
        assert dipole.mirror_latitude_rad(L, alpha) == pytest.approx(foot, rel=1e-12)


def test_local_pitch_angle_first_invariant_and_mirror_point():
    L, alpha_eq = 2.0, 30.0
    lat_m = dipole.mirror_latitude_rad(L, alpha_eq)
    lat = np.linspace(-0.99, 0.99, 11) * lat_m
    local = np.radians(dipole.local_pitch_angle_deg(L, alpha_eq, lat))
    invariant = np.sin(local) ** 2 / dipole.field_G(L, lat)
    assert np.allclose(invariant, math.sin(math.radians(alpha_eq)) ** 2 / dipole.equatorial_field_G(L), rtol=1e-12)
    assert dipole.local_pitch_angle_deg(L, alpha_eq, lat_m) == pytest.approx(90.0, abs=1e-5)
    assert math.isnan(dipole.local_pitch_angle_deg(L, alpha_eq, 1.01 * lat_m))
    assert dipole.local_pitch_angle_deg(L, alpha_eq, 0.0) == pytest.approx(alpha_eq, rel=1e-14)


# ----------------------------------------------------------------- bounce integrals


def _reference_bounce_integral(alpha_eq_deg: float, chi=lambda lat: 1.0) -> float:
    """(1/R0) int chi ds / sqrt(1 - B/B_m) over the northern half of the bounce, by QUADPACK
    with the (lat_m - lat)^(-1/2) weight: an independent route to h and <chi>.

    With u = cos^2 lat the gap factorises exactly, 1 - B/B_m = (u - u_m) [u^2 + u u_m + u_m^2
    + 3 sin^2(alpha) / (sqrt(4 - 3u) + sqrt(4 - 3u_m))] / u^3 and u - u_m = sin(lat_m - lat)
    sin(lat_m + lat), so the weight is split off without cancellation.
    """
    lat_m = dipole.mirror_latitude_rad(1.0, alpha_eq_deg)
    u_m = math.cos(lat_m) ** 2
    sin2 = u_m**3 / math.sqrt(4 - 3 * u_m)  # the mirror condition, consistent with lat_m

    def smooth_part(lat):
        u = math.cos(lat) ** 2
        rest = (u * u + u * u_m + u_m * u_m + 3 * sin2 / (math.sqrt(4 - 3 * u) + math.sqrt(4 - 3 * u_m))) / u**3
        d = lat_m - lat
        d_over_sin_d = d / math.sin(d) if d > 0 else 1.0
        phi = math.cos(lat) * math.sqrt(1 + 3 * math.sin(lat) ** 2)
        return phi * math.sqrt(d_over_sin_d / (math.sin(lat_m + lat) * rest)) * chi(lat)

    return quad(smooth_part, 0.0, lat_m, weight="alg", wvar=(0.0, -0.5), epsabs=0, epsrel=1e-13, limit=200)[0]


def test_h_limits_and_schulz_lanzerotti_end_values():
    assert dipole.h_mu0(90.0) == pytest.approx(math.pi * math.sqrt(2) / 6, rel=1e-13)  # T(1) = 0.7405
    assert dipole.H_MU0_FIELD_ALIGNED == pytest.approx(1.3802, abs=5e-5)                 # T(0)
    assert dipole.h_mu0(0.0) == pytest.approx(dipole.H_MU0_FIELD_ALIGNED, rel=1e-6)
    assert dipole.h_mu0(1e-4) == pytest.approx(dipole.H_MU0_FIELD_ALIGNED, rel=1e-3)
    assert dipole.I_mu0(0.0) == pytest.approx(2 * dipole.H_MU0_FIELD_ALIGNED, rel=1e-6)
    assert dipole.I_mu0(90.0) == pytest.approx(0.0, abs=1e-15)
    for fit in (dipole.h_mu0_schulz_lanzerotti1974, dipole.h_mu0_ejiri1978):
        assert fit(0.0) == pytest.approx(dipole.H_MU0_FIELD_ALIGNED, rel=1e-12)
    assert dipole.h_mu0_schulz_lanzerotti1974(90.0) == pytest.approx(dipole.h_mu0(90.0), rel=1e-12)
    assert dipole.I_mu0_ejiri1978(90.0) == pytest.approx(0.0, abs=1e-12)
    assert dipole.I_mu0_schulz_lanzerotti1974(0.0) == pytest.approx(2 * dipole.H_MU0_FIELD_ALIGNED, rel=1e-6)


@pytest.mark.parametrize("alpha", [0.5, 5.0, 17.44, 45.0, 85.0])
def test_h_matches_independent_quadrature(alpha):
    assert dipole.h_mu0(alpha) == pytest.approx(_reference_bounce_integral(alpha), rel=1e-12)


def test_h_and_I_satisfy_the_derivative_identity():
    """y dI/dy = I - 2 h (differentiate I under the integral sign), y = sin(alpha_eq)."""
    alpha = np.array([3.0, 10.0, 30.0, 60.0, 80.0])
    y = np.sin(np.radians(alpha))
    dy = 1e-6
    a_plus, a_minus = np.degrees(np.arcsin(y + dy)), np.degrees(np.arcsin(y - dy))
    dI_dy = (dipole.I_mu0(a_plus) - dipole.I_mu0(a_minus)) / (2 * dy)
    assert np.allclose(y * dI_dy, dipole.I_mu0(alpha) - 2 * dipole.h_mu0(alpha), atol=1e-8)


def test_quadrature_converged_at_default_nodes():
    alpha = np.array([0.1, 1.0, 5.0, 17.0, 45.0, 89.9])
    assert np.allclose(dipole.h_mu0(alpha), dipole.h_mu0(alpha, n_points=256), rtol=1e-12, atol=0)
    assert np.allclose(dipole.I_mu0(alpha), dipole.I_mu0(alpha, n_points=256), rtol=1e-12, atol=0)


def test_fits_against_exact():
    alpha = np.linspace(0.5, 89.5, 179)
    h, i = dipole.h_mu0(alpha), dipole.I_mu0(alpha)
    assert np.max(np.abs(dipole.h_mu0_ejiri1978(alpha) / h - 1)) < 1.3e-3
    assert np.max(np.abs(dipole.h_mu0_schulz_lanzerotti1974(alpha) / h - 1)) < 1.0e-2
    exact_factor = dipole.drift_pitch_angle_factor(alpha)
    assert np.max(np.abs(dipole.drift_pitch_angle_factor(alpha, "ejiri1978") / exact_factor - 1)) < 1.5e-4
    assert np.max(np.abs(dipole.drift_pitch_angle_factor(alpha, "schulz_lanzerotti1974") / exact_factor - 1)) < 1.7e-2
    assert np.allclose(dipole.bounce_integrals(alpha)[1], i)
    with pytest.raises(ValueError):
        dipole.bounce_integrals(10.0, "hamlin")


def test_drift_factor_limits():
    assert dipole.drift_pitch_angle_factor(0.0) == pytest.approx(2.0 / 3.0, rel=1e-6)
    assert dipole.drift_pitch_angle_factor(90.0) == pytest.approx(1.0, rel=1e-14)


# ------------------------------------------------------------------ bounce average


def test_bounce_average_of_constant_and_of_odd_function():
    alpha = np.array([5.0, 20.0, 60.0])
    assert np.allclose(dipole.bounce_average(2.0, alpha, lambda lat: 3.5 + 0 * lat), 3.5, rtol=1e-14)
    assert np.allclose(dipole.bounce_average(2.0, alpha, np.sin), 0.0, atol=1e-15)


@pytest.mark.parametrize("alpha", [17.3, 30.0, 75.0])
def test_bounce_average_of_field_matches_independent_quadrature(alpha):
    ratio = lambda lat: dipole.field_ratio_to_equator(lat)  # noqa: E731
    expected = _reference_bounce_integral(alpha, ratio) / _reference_bounce_integral(alpha)
    assert dipole.bounce_average(2.0, alpha, ratio) == pytest.approx(expected, rel=1e-12)


def test_bounce_average_resolves_an_atmosphere_near_the_mirror_point():
    """chi = exp(-(altitude - 200 km) / 50 km) for a particle mirroring just above 200 km."""
    L, alpha, r_e_km = 2.0, 17.3, dipole.DEFAULT.earth_radius_km
    chi = lambda lat: np.exp(-((L * np.cos(lat) ** 2 - 1.0) * r_e_km - 200.0) / 50.0)  # noqa: E731
    expected = _reference_bounce_integral(alpha, chi) / _reference_bounce_integral(alpha)
    assert dipole.bounce_average(L, alpha, chi) == pytest.approx(expected, rel=1e-11)


# ---------------------------------------------------------------- bounce and drift


def test_bounce_period_is_twice_tau_atm_inside_the_loss_cone():
    L, energy = 2.0, 5.0
    half_bounce = 0.5 * dipole.bounce_period_s(L, energy, 15.0)
    assert dipole.atmospheric_loss_time_s(L, energy, 15.0) == pytest.approx(half_bounce, rel=1e-14)
    assert dipole.atmospheric_loss_time_s(L, energy, 18.0) == math.inf


def test_drift_is_eastward_and_period_consistent():
    omega = dipole.drift_angular_velocity_rad_s(3.0, 5.0, 9.39)
    assert omega > 0.0
    assert dipole.drift_period_s(3.0, 5.0, 9.39) * omega == pytest.approx(2 * math.pi, rel=1e-14)


def test_drift_scaling_with_L_and_energy():
    alpha = 30.0
    ratio_L = dipole.drift_period_s(2.0, 5.0, alpha) / dipole.drift_period_s(4.0, 5.0, alpha)
    assert ratio_L == pytest.approx(2.0, rel=1e-14)
    gamma_v2 = lambda e: dipole.lorentz_gamma(e) * dipole.speed_m_s(e) ** 2  # noqa: E731
    ratio = dipole.drift_period_s(3.0, 4.0, alpha) / dipole.drift_period_s(3.0, 6.0, alpha)
    assert ratio == pytest.approx(gamma_v2(6.0) / gamma_v2(4.0), rel=1e-6)


def test_non_relativistic_limit():
    const = dipole.DEFAULT
    energy = 1e-6  # 1 eV
    v_classical = math.sqrt(2 * energy * 1.602176634e-13 / const.electron_mass_kg)
    codata_c = replace(const, speed_of_light_m_s=299792458.0)
    assert dipole.speed_m_s(energy, codata_c) == pytest.approx(v_classical, rel=1e-5)
    assert dipole.gyroperiod_s(0.04, energy) == pytest.approx(dipole.gyroperiod_s(0.04), rel=1e-5)
    # drift: gamma m v^2 -> 2 E, so <dphi/dt> -> 3 L (2E/e) R_E F / (2 M_E)
    expected = 3 * 2.0 * (2 * energy * 1e6) * const.earth_radius_m / (2 * const.drift_dipole_moment_T_m3)
    assert dipole.drift_angular_velocity_rad_s(2.0, energy, 90.0) == pytest.approx(expected, rel=1e-5)


def test_functions_broadcast_like_the_bounce_model_grid():
    alpha, energy = np.meshgrid(np.array([17.5, 18.0, 19.0]), np.array([4.0, 5.0]), indexing="ij")
    omega = dipole.drift_angular_velocity_rad_s(2.0, energy, alpha)
    assert omega.shape == (3, 2)
    assert omega[1, 1] == pytest.approx(dipole.drift_angular_velocity_rad_s(2.0, 5.0, 18.0), rel=1e-14)
    assert isinstance(dipole.h_mu0(18.0), float)
    assert dipole.bounce_period_s(np.array([2.0, 3.0]), 5.0, 20.0).shape == (2,)


def test_constants_are_validated():
    with pytest.raises(ValueError, match="earth_radius_km"):
        replace(dipole.DEFAULT, earth_radius_km=-1.0)


# ------------------------------------------------------------------------ report


def test_dipole_report_is_json_ready_and_consistent():
    report = dipole.dipole_report(2, 5, 18.37, [200, 700, 9000])
    text = json.dumps(report, allow_nan=False)
    back = json.loads(text)
    for key in ["L", "energy_MeV", "alpha_eq_deg", "B_eq_G", "B_G", "altitudes_km", "gyroperiod_eq_s",
                "alpha_eq_loss_cone_deg", "bounce_period_s", "drift_period_s", "constants"]:
        assert key in back
    assert back["B_eq_G"] == pytest.approx(0.04)
    assert back["B_G"][0] == pytest.approx(dipole.field_at_altitude_G(2, 200))
    assert back["B_G"][2] is None  # 9000 km is above the top of the L = 2 line
    assert back["alpha_eq_loss_cone_deg"][:2] == pytest.approx([17.2125, 19.5369], abs=1e-4)
    assert back["drift_period_s"] == pytest.approx(dipole.drift_period_s(2, 5, 18.37))
    assert back["constants"]["drift_dipole_moment_A_m2"] == pytest.approx(7.9e22)
