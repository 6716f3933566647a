"""The `fieldline` model end to end: inputs, budget, symmetry, physics signatures, restart.

Runs use a coarse grid (a few seconds each); the validation runs with the default grid are
in docs/validation/fieldline.md.
"""

from __future__ import annotations

import os
import signal

import h5py
import numpy as np
import pytest
from mpi4py import MPI

from hpcsim.config import ConfigError, loads
from hpcsim.runner import Runner

COARSE = dict(magnetosphere_cells=12, step_bottom_km=6.0, step_s1_km=100.0, loss_cone_points=6, step_low_eV=0.5,
              switch_eV=6.0, level_ratio=1.25, e_max_eV=4000.0, primary_max_eV=4000.0, e0_keV=0.8)


def toml(output_dir, extra="", run_extra="") -> str:
    """A coarse fieldline input; ``extra`` lines (key = value) override the coarse keys."""
    given = {line.split("=")[0].strip() for line in extra.splitlines() if "=" in line}
    keys = "\n".join(f"{k} = {v!r}" for k, v in COARSE.items() if k not in given)
    return f"""
[run]
model = "fieldline"
output_dir = "{output_dir}"
progress_every_wall_s = 1000.0
{run_extra}

[fieldline]
{keys}
{extra}
"""


def run(tmp, name, extra="", comm=MPI.COMM_SELF, restart=None):
    cfg = loads(toml(str(tmp / name), extra), source=f"{name}.toml")
    return Runner(cfg, comm, restart=restart).run()


def final(path, name):
    with h5py.File(path / "output.h5", "r") as f:
        return f["snapshots"][name][-1]


def grid(path, name):
    with h5py.File(path / "output.h5", "r") as f:
        return f["grid"][name][...]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fieldline")
    result = run(tmp, "base")
    assert result.complete
    return tmp / "base"


def test_energy_budget_closes(base):
    from hpcsim.models.fieldline.model import BUDGET, case_summary
    budget = final(base, "energy_budget")[0]
    summary = case_summary(final(base, "flux_measures")[0], budget)
    assert abs(summary["energy_balance_residual"]) < 1e-10
    b = dict(zip(BUDGET, budget))
    # injected = both hemispheres' primaries: 2 x 2 erg cm-2 s-1 over 600 eV - 4 keV (discretised on
    # the coarse levels, within 3 %)
    assert b["injected"] == pytest.approx(2 * 2 * 6.2415e11, rel=0.03)
    for key in ("coulomb_heating", "ionisation_thresholds", "excitation", "escaped_south", "escaped_north"):
        assert b[key] > 0, key
    # every process takes a real share: excitation and ionisation dominate at keV energies
    assert b["excitation"] > 0.1 * b["injected"] and b["ionisation_thresholds"] > 0.1 * b["injected"]


def test_symmetric_hemispheres_give_symmetric_results(base):
    m = final(base, "flux_measures")[0]
    np.testing.assert_allclose(m[0], m[1], rtol=1e-6)
    omni = final(base, "omnidirectional_flux")[0]
    np.testing.assert_allclose(omni, omni[:, ::-1], rtol=1e-6, atol=1e-12 * omni.max())


def test_escape_fractions_are_physical(base):
    from hpcsim.models.fieldline.model import case_summary
    s = case_summary(final(base, "flux_measures")[0], final(base, "energy_budget")[0])
    assert 0.05 < s["escape_energy_fraction"] < 0.6
    assert 0.2 < s["escape_particle_fraction"] < 1.5
    assert 0.3 < s["escaping_se_particle_share"] < 1.0


def test_n2_vibrational_trough_at_low_altitude(base):
    """The omnidirectional secondary flux at 150-250 km dips at 2-3 eV (N2 vibrational excitation),
    the paper's Fig. 2; above 300 km the trough is gone (paper: it disappears above 250-300 km)."""
    e = grid(base, "energy_eV")
    alt = grid(base, "altitude_km")
    omni = final(base, "omnidirectional_flux")[0]
    north = np.arange(alt.size // 2, alt.size)

    def depth(h):
        i = north[np.argmin(np.abs(alt[north] - h))]
        j = omni[:, i]
        trough = j[(e > 2.0) & (e < 3.0)].min()
        shoulders = min(j[(e > 1.0) & (e < 1.8)].max(), j[(e > 3.5) & (e < 6.0)].max())
        return trough / shoulders

    assert depth(200.0) < 0.7
    assert depth(600.0) > depth(200.0)


def test_albedo_rises_toward_low_energies(base):
    """Paper section 4: the albedo at 800 km rises as the energy falls (Fig. 8)."""
    e = grid(base, "energy_eV")
    alt = grid(base, "altitude_km")
    hemi = final(base, "hemispherical_flux")[0]
    north = np.arange(alt.size // 2, alt.size)
    i = north[np.argmin(np.abs(alt[north] - 800.0))]
    albedo = hemi[:, i, 0] / hemi[:, i, 1]
    assert np.median(albedo[(e > 5) & (e < 20)]) > np.median(albedo[(e > 100) & (e < 300)])


def test_restart_from_a_stopped_run_equals_the_uninterrupted_run(base, tmp_path, monkeypatch):
    from hpcsim.models.fieldline.model import Model
    real_step = Model.step
    calls = {"n": 0}

    def step_then_stop(self, dt_s):
        real_step(self, dt_s)
        calls["n"] += 1
        if calls["n"] == 17:
            os.kill(os.getpid(), signal.SIGUSR1)

    monkeypatch.setattr(Model, "step", step_then_stop)
    first = run(tmp_path, "rs")
    assert not first.complete and first.step == 17
    monkeypatch.setattr(Model, "step", real_step)
    second = run(tmp_path, "rs", restart="latest")
    assert second.complete
    for name in ("omnidirectional_flux", "hemispherical_flux", "energy_budget", "flux_measures", "heating_rate"):
        np.testing.assert_array_equal(final(tmp_path / "rs", name), final(base, name))


def test_one_hemisphere_and_scan_of_e0(tmp_path):
    """Precipitation in the north only: the southern 800 km sees no primaries, only what escapes
    the north; two E0 in one input give two cases."""
    from hpcsim.models.fieldline.model import case_summary
    run(tmp_path, "one", 'precipitation = "north"\ne0_keV_values = [0.8, 2.0]')
    m = final(tmp_path / "one", "flux_measures")
    b = final(tmp_path / "one", "energy_budget")
    assert m.shape[0] == 2
    for c in range(2):
        assert m[c, 0, 0] == 0.0 and m[c, 1, 0] > 0
        assert m[c, 0, 6] > 0                       # what escapes the north comes down in the south
        assert abs(case_summary(m[c], b[c])["energy_balance_residual"]) < 1e-10
    # a harder spectrum loses a smaller share of its energy upward (paper Fig. 7)
    s = [case_summary(m[c], b[c]) for c in range(2)]
    assert s[1]["escape_energy_fraction"] < s[0]["escape_energy_fraction"]


def test_photoelectrons_alone_close_the_budget(tmp_path):
    run(tmp_path, "pe", 'primary_spectrum = "none"\nphotoelectrons = true\nmlt_h = 12.0\ne_max_eV = 400.0')
    b = final(tmp_path / "pe", "energy_budget")[0]
    assert b[0] > 1e9                                # eV cm-2 s-1 of photoelectron energy on a sunlit line
    spent = b[1:].sum()
    assert spent / b[0] == pytest.approx(1.0, abs=1e-10)


def test_input_errors_name_key_and_value():
    with pytest.raises(ConfigError) as exc:
        loads(toml("x", 'processes = ["ionisation"]\ndirectional_altitudes_km = [2000.0]\n'
                        'e0_keV_values = [0.8, 30.0]'), source="f.toml")
    text = str(exc.value)
    assert "[fieldline] processes" in text and "coulomb_energy" in text
    assert "directional_altitudes_km = 2000.0" in text
    assert "e0_keV_values = 30.0" in text
    with pytest.raises(ConfigError, match=r"\[run\] dt_s = 1.0: not used by the fieldline model"):
        loads(toml("x", run_extra="dt_s = 1.0"), source="f.toml")
    with pytest.raises(ConfigError, match=r"primary_max_eV = 5000.0: must not exceed the top level edge"):
        loads(toml("x", "primary_max_eV = 5000.0"), source="f.toml")
    with pytest.raises(ConfigError, match=r"case_groups = 2: must not exceed the number of cases \(1\)"):
        loads(toml("x", "case_groups = 2"), source="f.toml")


def test_conjugate_ionosphere_removed_alpha_beta(tmp_path):
    """The paper's eqs. (15)-(17) with the southern ionosphere removed: alpha = F2+/F1+ (transparency)
    tends to one at high energy, beta = F1-/F1+ (returned by plasmaspheric scattering) falls with
    energy, and less escapes than with both ionospheres (Fig. 7 dashed bars)."""
    from hpcsim.models.fieldline.model import case_summary
    run(tmp_path, "rm", 'precipitation = "north"\nconjugate_ionosphere = "removed"')
    e = grid(tmp_path / "rm", "energy_eV")
    alt = grid(tmp_path / "rm", "altitude_km")
    ns = alt.size
    n = ns // 2 + int(np.argmin(np.abs(alt[ns // 2:] - 800.0)))
    s = int(np.argmin(np.abs(alt[: ns // 2] - 800.0)))
    h = final(tmp_path / "rm", "hemispherical_flux")[0]
    p = final(tmp_path / "rm", "primary_flux")[0]
    up = h[:, n, 0]
    alpha = h[:, s, 1] / up
    beta = (h[:, n, 1] - p[:, 1]) / up
    assert np.all(alpha[e > 300] > 0.98) and np.all(alpha < 1.01)
    assert beta[(e > 3) & (e < 6)].mean() > 3 * beta[(e > 30) & (e < 60)].mean() > 0
    run(tmp_path, "both", 'precipitation = "north"')
    removed = case_summary(final(tmp_path / "rm", "flux_measures")[0], final(tmp_path / "rm", "energy_budget")[0])
    full = case_summary(final(tmp_path / "both", "flux_measures")[0], final(tmp_path / "both", "energy_budget")[0])
    assert removed["escape_particle_fraction"] < full["escape_particle_fraction"]
    assert abs(removed["energy_balance_residual"]) < 1e-10


@pytest.mark.parametrize("kind", ["reflecting", "absorbing"])
def test_barrier_and_absorbing_top_at_800_km(tmp_path, kind):
    """A potential barrier above 800 km in the north reflects every upward electron: what comes
    down there (besides the primaries) is exactly what goes up (the paper's Fig. 5, yellow). An
    absorbing top lets nothing come down but the primaries (the one-hemisphere mode); what it
    takes is in the budget."""
    run(tmp_path, kind, f's1_boundary_north = "{kind}"')
    alt = grid(tmp_path / kind, "altitude_km")
    ns = alt.size
    n = ns // 2 + int(np.argmin(np.abs(alt[ns // 2:] - 800.0)))
    h = final(tmp_path / kind, "hemispherical_flux")[0]
    p = final(tmp_path / kind, "primary_flux")[0]
    up, down = h[:, n, 0], h[:, n, 1] - p[:, 1]
    if kind == "reflecting":
        np.testing.assert_allclose(down, up, rtol=1e-9, atol=1e-12 * up.max())
    else:
        assert np.all(np.abs(down) <= 1e-12 * up.max())
    b = final(tmp_path / kind, "energy_budget")[0]
    from hpcsim.models.fieldline.model import BUDGET
    absorbed = dict(zip(BUDGET, b))["absorbed_at_cuts"]
    assert (absorbed > 0.02 * b[0]) if kind == "absorbing" else absorbed == 0.0
    assert abs(b[0] - b[1:].sum()) < 1e-10 * b[0]


# ------------------------------------------------------------------ time-dependent mode
def td_toml(output_dir, dt, end, extra=""):
    return toml(output_dir, 'mode = "time_dependent"\n' + extra,
                run_extra=f"dt_s = {dt}\nend_time_s = {end}\noutput_every_s = {dt}")


def run_td(tmp, name, dt, end, restart=None):
    return Runner(loads(td_toml(str(tmp / name), dt, end), source=f"{name}.toml"), MPI.COMM_SELF,
                  restart=restart).run()


def test_time_dependent_fills_the_line_toward_the_steady_state_and_closes_the_budget(base, tmp_path):
    """Backward Euler from an empty line: the energy budget (with the change of the energy held on
    the line) closes at every step; the escape grows toward the steady value; one step of
    1e10 s is the steady state (trapped plasmaspheric electrons live for hours)."""
    run_td(tmp_path, "td", 0.5, 1.5)
    with h5py.File(tmp_path / "td" / "output.h5", "r") as f:
        ts = f["timeseries"]
        residual = ts["energy_balance_residual"][1:]
        escape = ts["escape_energy_fraction"][1:]
        stored = ts["stored_energy_rate"][1:]
    assert np.all(np.abs(residual) < 1e-10)
    assert np.all(np.diff(escape) > 0) and np.all(stored > 0)
    steady = final(base, "omnidirectional_flux")
    run_td(tmp_path, "big", 1e10, 1e10)
    np.testing.assert_allclose(final(tmp_path / "big", "omnidirectional_flux"), steady, rtol=1e-4,
                               atol=1e-8 * steady.max())
    assert escape[-1] < final(base, "flux_measures")[0, 1, 2] / final(base, "flux_measures")[0, 1, 0]


def test_time_dependent_restart_is_exact(tmp_path, monkeypatch):
    from hpcsim.models.fieldline.model import Model
    run_td(tmp_path, "ref", 0.25, 1.0)
    real_step = Model.step
    calls = {"n": 0}

    def step_then_stop(self, dt_s):
        real_step(self, dt_s)
        calls["n"] += 1
        if calls["n"] == 2:
            os.kill(os.getpid(), signal.SIGUSR1)

    monkeypatch.setattr(Model, "step", step_then_stop)
    first = run_td(tmp_path, "rs", 0.25, 1.0)
    assert not first.complete and first.step == 2
    monkeypatch.setattr(Model, "step", real_step)
    assert run_td(tmp_path, "rs", 0.25, 1.0, restart="latest").complete
    for name in ("omnidirectional_flux", "hemispherical_flux", "energy_budget", "flux_measures"):
        np.testing.assert_array_equal(final(tmp_path / "rs", name), final(tmp_path / "ref", name))


def test_time_dependent_input_errors():
    with pytest.raises(ConfigError) as exc:
        loads(toml("x", 'mode = "time_dependent"\ne0_keV_values = [0.8, 1.0]'), source="t.toml")
    text = str(exc.value)
    assert "[run] end_time_s" in text and "e0_keV_values" in text


def test_elastic_as_diffusion_conserves_and_scatters_more(base, tmp_path):
    """The STET approximation (elastic scattering as pitch-angle diffusion, n sigma / 2) closes the
    budget and backscatters far more than the phase function (sigma_m = sigma instead of ~0.1 sigma
    at keV energies)."""
    from hpcsim.models.fieldline.model import case_summary
    run(tmp_path, "diff", 'elastic_treatment = "diffusion"')
    s = case_summary(final(tmp_path / "diff", "flux_measures")[0], final(tmp_path / "diff", "energy_budget")[0])
    ref = case_summary(final(base, "flux_measures")[0], final(base, "energy_budget")[0])
    assert abs(s["energy_balance_residual"]) < 1e-10
    assert s["escape_energy_fraction"] > 2 * ref["escape_energy_fraction"]


def test_one_hemisphere_energy_per_ion_pair(tmp_path):
    """Northern precipitation with an absorbing top at 800 km (the altitude-only setting): the
    deposited energy over the column ionisation is the mean energy per ion pair of the air mix,
    30-40 eV (measured for air about 34-35 eV; the set's 0-D W: N2 38.8, O2 34.8, O 24.7 eV)."""
    from hpcsim.models.fieldline.model import BUDGET
    run(tmp_path, "one", 'precipitation = "north"\ns1_boundary_north = "absorbing"')
    b = dict(zip(BUDGET, final(tmp_path / "one", "energy_budget")[0]))
    ion = final(tmp_path / "one", "ionisation_rate")[0]
    ds_cm = np.diff(grid(tmp_path / "one", "s_km")) * 1e5
    ionisations = float((ion.sum(axis=0) * ds_cm).sum())
    deposited = b["injected"] - b["absorbed_at_cuts"] - b["escaped_north"] - b["escaped_south"]
    assert 30.0 < deposited / ionisations < 40.0


# ------------------------------------------------------------------ thermal-pressure electric field
FIELD = 'electric_field = "thermal_pressure"\n'


def test_pressure_potential_is_kT_ln_density_ratio():
    from hpcsim.models.fieldline import grid as fl_grid
    from hpcsim.models.fieldline.potential import pressure_potential_eV
    from hpcsim.physics.constants import BOLTZMANN_EV_PER_K
    g = fl_grid.build(6.0, magnetosphere_cells=12, step_bottom_km=6.0, step_s1_km=100.0, loss_cone_points=6)
    i1 = g.i_s1_south
    assert g.altitude_km[i1] == pytest.approx(800.0) and g.b_ratio[i1 + 1] < g.b_ratio[i1]
    n_e = 1e4 * g.b_ratio**2                    # n_e ~ B^2 (the ionosphere is homogeneous in B here)
    u = pressure_potential_eV(n_e, 3000.0, i1)
    expected = 2.0 * 3000.0 * BOLTZMANN_EV_PER_K * np.log(g.b_ratio[i1] / g.b_ratio)
    np.testing.assert_allclose(u, expected, rtol=1e-12, atol=1e-12)   # 0 in both ionospheres (B = B(s1))
    assert u[g.ns // 2] == pytest.approx(2.0 * 3000.0 * BOLTZMANN_EV_PER_K * np.log(g.b_ratio[i1]), rel=1e-12)
    lopsided = n_e.copy()
    lopsided[g.ns // 2 + 2] *= 1.5
    with pytest.raises(ValueError, match="differs between the two halves"):
        pressure_potential_eV(lopsided, 3000.0, i1)


def test_level_grid_in_a_potential_keeps_the_number_flux_of_each_line():
    """With E(s) = W - U(s), F x area x E is the same at every node of a line (Phi / E is what an
    orbit carries, so the number flux F x area x Phi is then constant); the turning point becomes a
    cut below the equator for W < U(equator); a uniform kinetic energy gives back the grid itself."""
    from hpcsim.models.fieldline import grid as fl_grid
    g = fl_grid.build(6.0, magnetosphere_cells=20, loss_cone_points=6)
    same, cuts = g.with_kinetic_energy(np.full(g.ns, 5.0))
    assert cuts == [] and np.allclose(same.mu0, g.mu0, atol=1e-14)
    u = 0.6 * np.log(g.b_ratio[g.i_s1_south] / g.b_ratio)          # 2 kT ln(B1/B) with kT = 0.3 eV
    area = g.b_ratio[g.i_s1_south] / g.b_ratio
    for w, turns in ((20.0, False), (1.0, True)):
        lg, cuts = g.with_kinetic_energy(w - u)
        assert bool(cuts) is turns
        if turns:
            assert g.ns // 2 - cuts[0] > 1 and cuts[1] == g.ns - 1 - cuts[0]
            assert not lg.accessible[g.ns // 2] and lg.accessible[cuts[0]]
        for j in range(g.nm):
            nodes = [i for i in range(g.ns) if g.first_mu0[i] <= j and lg.accessible[i]]
            flux = [lg.flux_weights(i)[j - g.first_mu0[i]] * area[i] * (w - u[i]) for i in nodes]
            if nodes:                    # lines mirroring beyond the turning point are not reached
                np.testing.assert_allclose(flux, flux[0], rtol=1e-10)


def test_electric_field_closes_the_budget_and_turns_back_slow_electrons(base, tmp_path):
    """Budget to round-off; T_e -> 0 gives the field-free solution; electrons whose total energy is
    below U(equator) never reach it; fast electrons hardly notice the field."""
    run(tmp_path, "cold", FIELD + "electron_temperature_K = 0.01")
    for name in ("omnidirectional_flux", "flux_measures"):
        ref = final(base, name)
        np.testing.assert_allclose(final(tmp_path / "cold", name), ref, rtol=1e-4, atol=1e-9 * np.abs(ref).max())
    run(tmp_path, "hot", FIELD + "electron_temperature_K = 5000.0")
    b = final(tmp_path / "hot", "energy_budget")[0]
    assert abs(b[0] - b[1:].sum()) < 1e-12 * b[0]
    u_eq = grid(tmp_path / "hot", "potential_eV")[grid(tmp_path / "hot", "altitude_km").size // 2]
    assert 4.0 < u_eq < 6.0                                     # 2 kT ln(B(s1)/B0), kT = 0.43 eV
    energy = grid(tmp_path / "hot", "energy_eV")
    j_on, j_off = final(tmp_path / "hot", "omnidirectional_flux")[0], final(base, "omnidirectional_flux")[0]
    eq = j_on.shape[1] // 2
    assert np.all(j_on[energy < u_eq, eq] == 0.0) and np.all(j_off[energy < u_eq, eq] > 0.0)
    fast = energy > 100.0 * u_eq
    np.testing.assert_allclose(j_on[fast, eq], j_off[fast, eq], rtol=0.05)
    # below s1 the slow electrons that no longer cross to the other hemisphere come back down
    top = diag_node(tmp_path / "hot")
    assert np.all(final(tmp_path / "hot", "hemispherical_flux")[0][energy < 2.0, top, 1] > 0.0)


def diag_node(path):
    alt = grid(path, "altitude_km")
    north = np.arange(alt.size // 2, alt.size)
    return int(north[np.argmin(np.abs(alt[north] - 800.0))])


def test_electric_field_with_photoelectrons_and_in_time(tmp_path):
    run(tmp_path, "pe", FIELD + 'primary_spectrum = "none"\nphotoelectrons = true\nmlt_h = 12.0')
    b = final(tmp_path / "pe", "energy_budget")[0]
    assert b[0] > 1e9 and abs(b[0] - b[1:].sum()) < 1e-12 * b[0]
    Runner(loads(td_toml(str(tmp_path / "td"), 0.5, 1.0, FIELD), source="td.toml"), MPI.COMM_SELF).run()
    with h5py.File(tmp_path / "td" / "output.h5", "r") as f:
        assert np.all(np.abs(f["timeseries"]["energy_balance_residual"][1:]) < 1e-10)


def test_electric_field_needs_a_symmetric_background():
    with pytest.raises(ConfigError, match=r"electric_field = 'thermal_pressure': needs symmetric_background"):
        loads(toml("x", FIELD + "symmetric_background = false"), source="f.toml")
