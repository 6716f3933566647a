"""fieldline groundwork: the (s, mu0) grid, one transport level, and the energy cascade's bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

from hpcsim.geometry import dipole
from hpcsim.models.fieldline import cascade, grid, sources, transport


@pytest.fixture(scope="module")
def small_grid():
    return grid.build(6.0, magnetosphere_cells=20, step_bottom_km=5.0, step_s1_km=60.0, loss_cone_points=6)


def test_grid_mu0_scheme(small_grid):
    g = small_grid
    ns = g.ns
    eq = ns // 2
    assert g.altitude_km[0] == pytest.approx(90.0) and g.altitude_km[-1] == pytest.approx(90.0)
    assert abs(g.latitude_rad[eq]) < 1e-12
    # ionospheric nodes hold only the loss cone; one more trapped value per step toward the equator
    n_allowed = g.nm - g.first_mu0
    assert n_allowed[0] == g.n_loss_cone
    mag = np.flatnonzero(g.altitude_km[: eq + 1] > g.s1_km + 1e-6)
    assert np.all(np.diff(n_allowed[mag][:-1]) == 1)  # (the equator adds no value: mu0 = 0 is left out)
    # loss-cone edge mu0_lc from B(s1); below s1 local mu of the loss-cone points is a midpoint rule
    lat_s1 = dipole.latitude_at_altitude_rad(6.0, 800.0)
    mu0_lc = np.sqrt(1 - 1 / dipole.field_ratio_to_equator(lat_s1))
    assert g.mu0[-g.n_loss_cone:].min() > mu0_lc
    np.testing.assert_allclose(g.local_mu(0), (np.arange(g.n_loss_cone) + 0.5) / g.n_loss_cone, rtol=1e-12)
    # a trapped value mirrors exactly at its node
    j = 0
    m = g.mirror_node[j]
    assert g.local_mu(m)[j - g.first_mu0[m]] == pytest.approx(0.0, abs=1e-7)


def test_pure_absorption_is_exact(small_grid):
    """Exponential upwinding is exact for constant extinction without scattering."""
    g = small_grid
    ls = transport.LevelSolver(g, MPI.COMM_SELF)
    kappa = np.full(g.ns, 2e-8)
    i_inj = g.ns - 1 - int(np.argmin(np.abs(g.altitude_km[: g.ns // 2] - 800.0)))
    j, d, mu = ls.idx.local_directions(i_inj)
    phi = ls.solve(kappa, [None] * g.ns, np.zeros(ls.idx.n), {i_inj: np.where(d > 0, 1.0, 0.0)})
    for i in (i_inj + 3, g.ns - 1):
        jj, dd, mm = ls.idx.local_directions(i)
        val = phi[ls.idx.offset[i]:ls.idx.offset[i + 1]][dd > 0]
        ds = (g.s_km[i] - g.s_km[i_inj]) * 1e5
        np.testing.assert_allclose(val, np.exp(-2e-8 * ds / mm[dd > 0]), rtol=1e-12)
    # nothing flows against the injection or into trapped lines
    jj, dd, mm = ls.idx.local_directions(g.ns // 2)
    assert np.all(phi[ls.idx.offset[g.ns // 2]:ls.idx.offset[g.ns // 2 + 1]][np.abs(mm) < 0.9] == 0.0)


def test_trapped_line_holds_a_uniform_flux_without_losses_or_sources(small_grid):
    """A source on one trapped line with a tiny loss: the line fills to q/kappa everywhere (mirrors close it)."""
    g = small_grid
    ls = transport.LevelSolver(g, MPI.COMM_SELF)
    kappa = np.full(g.ns, 1e-12)
    src = np.zeros(ls.idx.n)
    j = 5                                   # a trapped mu0 value
    m = g.mirror_node[j]
    rows = [int(ls.idx.index(i, j, d)) for i in range(m, g.ns - m) for d in (1, -1)]
    src[rows] = 3e-12
    phi = ls.solve(kappa, [None] * g.ns, src)
    np.testing.assert_allclose(phi[rows], 3.0, rtol=1e-6)


def test_energy_budget_closes_and_converges():
    """Maxwellian 1 keV primaries at 800 km in the north; all available processes; budget closes."""
    from hpcsim.models.fieldline import background
    g = grid.build(6.0, magnetosphere_cells=12, step_bottom_km=5.0, step_s1_km=60.0, loss_cone_points=4)
    bg = background.build(g, 0.0)
    dens = {"n_e": bg.n_e, "N2": bg.n_N2, "O2": bg.n_O2, "O": bg.n_O}
    edges = cascade.energy_edges_eV(1.0, 5000.0, step_low_eV=2.0, ratio=1.25)
    cs = cascade.CascadeSolver(g, dens, edges, MPI.COMM_SELF)
    i_n = g.ns - 1 - int(np.argmin(np.abs(g.altitude_km[: g.ns // 2] - 800.0)))
    c = sources.normalisation("maxwellian", 1000.0)
    _, d, _ = cs.dirs[i_n]
    phi, budget = cs.solve({i_n: lambda E: np.where(d > 0, c * sources.spectrum_shape("maxwellian", E, 1000.0)
                                                       * (E >= 600.0), 0.0)})
    assert np.all(phi >= -1e-12 * phi.max())
    assert abs(budget.residual()) < 1e-10            # exact: every transfer conserves (round-off 1e-15)
    # the discrete spectrum carries ~0.9 of the 1 erg cm-2 s-1 (coarse levels above 600 eV)
    assert 0.6 < budget.injected / sources.ERG_IN_EV < 1.1
    deposited = budget.coulomb_heating + budget.ionisation_thresholds + budget.thermalised
    assert deposited > 0.5 * budget.injected        # most energy stays in the ionosphere
    assert budget.escaped_north > 0 and budget.escaped_south >= 0


def test_cascade_needs_a_loss_for_trapped_lines(small_grid):
    with pytest.raises(ValueError, match="coulomb_energy is required"):
        cascade.CascadeSolver(small_grid, {"n_e": np.ones(small_grid.ns)}, [1.0, 2.0], MPI.COMM_SELF,
                              processes=("ionisation",))


def test_diagnostics_symmetric_injection():
    """Identical primaries in both hemispheres on a symmetric line: the diagnostics are symmetric."""
    from hpcsim.models.fieldline import diagnostics as dg
    g = grid.build(6.0, magnetosphere_cells=10, step_bottom_km=8.0, step_s1_km=80.0, loss_cone_points=4)
    h = g.altitude_km
    dens = {"N2": np.where(h < 3000, 1e13 * np.exp(-(h - 90.0) / 15.0), 0.0),
            "O2": np.where(h < 3000, 2e12 * np.exp(-(h - 90.0) / 14.0), 0.0),
            "O": np.where(h < 3000, 5e11 * np.exp(-(h - 90.0) / 40.0), 0.0),
            "n_e": 1e5 * np.exp(-((h - 300.0) / 200.0) ** 2) + 1.0}
    cs = cascade.CascadeSolver(g, dens, cascade.energy_edges_eV(1.0, 3000.0, step_low_eV=3.0, ratio=1.4),
                               MPI.COMM_SELF)
    c = sources.normalisation("maxwellian", 800.0)
    surf = {}
    for hemi in ("south", "north"):
        node = dg.node_at_altitude(cs, 800.0, hemi)
        _, d, _ = cs.dirs[node]
        down = -1 if hemi == "south" else 1
        surf[node] = (lambda dd, dn: (lambda E: np.where(dd == dn, c * sources.spectrum_shape("maxwellian", E, 800.0)
                                                          * (E >= 600.0), 0.0)))(d, down)
    phi, budget = cs.solve(surf)
    north, south = dg.escape_fractions(cs, phi, "north"), dg.escape_fractions(cs, phi, "south")
    for key in ("escape_energy_fraction", "escape_particle_fraction", "escaping_se_energy_eV_cm2_s"):
        assert north[key] == pytest.approx(south[key], rel=1e-6)
    assert 0.0 < north["escape_energy_fraction"] < 1.0
    # the injected primaries arrive at 800 km as the downward flux above 600 eV (plus returns)
    assert north["precipitating_energy_eV_cm2_s"] >= 0.99 * budget.injected / 2
    q = dg.heating_rate(cs, phi)
    assert np.all(q >= 0) and q.max() > 0
    assert dg.returned_thermal_flux(cs, phi, "north") == pytest.approx(dg.returned_thermal_flux(cs, phi, "south"),
                                                                        rel=1e-6)
    alb = dg.albedo(cs, phi, dg.node_at_altitude(cs, 800.0, "north"))
    assert np.all(alb[np.isfinite(alb)] >= 0)
