"""fieldline groundwork on 2 ranks: field-line segments across ranks give the 1-rank solution."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

from hpcsim.models.fieldline import cascade, grid, sources

pytestmark = pytest.mark.mpi(min_size=2)


def _run(comm):
    g = grid.build(6.0, magnetosphere_cells=10, step_bottom_km=8.0, step_s1_km=80.0, loss_cone_points=4)
    ns = g.ns
    # analytic background: exponential neutrals, n_e ~ B^2 above the ionosphere (no pymsis/PyIRI here)
    h = g.altitude_km
    dens = {"N2": 1e13 * np.exp(-(h - 90.0) / 15.0), "O2": 2e12 * np.exp(-(h - 90.0) / 14.0),
            "O": 5e11 * np.exp(-(h - 90.0) / 40.0), "n_e": 1e5 * np.exp(-((h - 300.0) / 200.0) ** 2) + 1.0}
    dens = {k: np.where(h < 3000.0, v, 0.0) if k != "n_e" else v for k, v in dens.items()}
    edges = cascade.energy_edges_eV(1.0, 3000.0, step_low_eV=3.0, ratio=1.4)
    cs = cascade.CascadeSolver(g, dens, edges, comm)
    i_n = ns - 1 - int(np.argmin(np.abs(g.altitude_km[: ns // 2] - 800.0)))
    c = sources.normalisation("maxwellian", 800.0)
    _, d, _ = cs.dirs[i_n]
    return cs.solve({i_n: lambda E: np.where(d > 0, c * sources.spectrum_shape("maxwellian", E, 800.0)
                                                * (E >= 600.0), 0.0)})


def test_one_and_two_ranks_agree():
    phi2, b2 = _run(MPI.COMM_WORLD)
    phi1, b1 = _run(MPI.COMM_SELF)
    scale = np.abs(phi1).max()
    np.testing.assert_allclose(phi2, phi1, rtol=1e-9, atol=1e-12 * scale)   # direct solves: round-off
    assert b2.residual() == pytest.approx(b1.residual(), abs=1e-9)
    assert abs(b1.residual()) < 1e-10


# ------------------------------------------------------------------ the registered model on 2 ranks
def _model_run(comm, tmp, name, restart=None, last_step=None, extra=""):
    from hpcsim.config import loads
    from hpcsim.models.fieldline.model import Model
    from hpcsim.runner import Runner
    from test_fieldline_model import toml
    result = None
    if comm != MPI.COMM_NULL:
        runner = Runner(loads(toml(str(tmp / name), "e0_keV_values = [0.8, 1.5]\n" + extra), source=f"{name}.toml"),
                        comm, restart=restart)
        real = Model.planned_steps
        if last_step is not None:  # stop early as a killed job would (checkpoint at that step)
            Model.planned_steps = lambda self: last_step
        try:
            result = runner.run()
        finally:
            Model.planned_steps = real
    MPI.COMM_WORLD.Barrier()
    return result


def _final(path, name):
    import h5py
    with h5py.File(path / "output.h5", "r") as f:
        return f["snapshots"][name][-1]


def test_model_one_and_two_ranks_agree_and_restart_across_rank_counts(shared_tmp):
    """Segments across 2 ranks give the 1-rank run; a run stopped on 2 ranks mid-case resumes on 1."""
    self_on_rank0 = MPI.COMM_SELF if MPI.COMM_WORLD.rank == 0 else MPI.COMM_NULL
    _model_run(MPI.COMM_WORLD, shared_tmp, "fl_two")
    _model_run(self_on_rank0, shared_tmp, "fl_one")
    _model_run(MPI.COMM_WORLD, shared_tmp, "fl_mixed", last_step=25)
    _model_run(self_on_rank0, shared_tmp, "fl_mixed", restart="latest")
    if MPI.COMM_WORLD.rank == 0:
        for name in ("omnidirectional_flux", "hemispherical_flux", "energy_budget", "flux_measures"):
            a = _final(shared_tmp / "fl_one", name)
            for other in ("fl_two", "fl_mixed"):
                b = _final(shared_tmp / other, name)
                np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-10 * np.abs(a).max())


def test_case_groups_give_the_one_rank_result_and_restart_mid_round(shared_tmp):
    """case_groups = 2 on 2 ranks: each rank solves one of the two cases at once; the results are
    those of one rank solving both in turn, also after a stop in the middle of the round."""
    self_on_rank0 = MPI.COMM_SELF if MPI.COMM_WORLD.rank == 0 else MPI.COMM_NULL
    groups = "case_groups = 2"
    _model_run(self_on_rank0, shared_tmp, "cg_one")
    _model_run(MPI.COMM_WORLD, shared_tmp, "cg_two", extra=groups)
    _model_run(MPI.COMM_WORLD, shared_tmp, "cg_stop", last_step=17, extra=groups)
    _model_run(MPI.COMM_WORLD, shared_tmp, "cg_stop", restart="latest", extra=groups)
    if MPI.COMM_WORLD.rank == 0:
        for name in ("omnidirectional_flux", "hemispherical_flux", "energy_budget", "flux_measures",
                     "ionisation_rate", "directional_flux"):
            a = _final(shared_tmp / "cg_one", name)
            for other in ("cg_two", "cg_stop"):
                np.testing.assert_array_equal(_final(shared_tmp / other, name), a)


def test_electric_field_one_and_two_ranks_agree(shared_tmp):
    """The per-level grids of the pressure electric field give the same result on 2 ranks."""
    self_on_rank0 = MPI.COMM_SELF if MPI.COMM_WORLD.rank == 0 else MPI.COMM_NULL
    field = 'electric_field = "thermal_pressure"\nelectron_temperature_K = 5000.0\n'
    _model_run(MPI.COMM_WORLD, shared_tmp, "ef_two", extra=field)
    _model_run(self_on_rank0, shared_tmp, "ef_one", extra=field)
    if MPI.COMM_WORLD.rank == 0:
        for name in ("omnidirectional_flux", "energy_budget", "flux_measures"):
            a, b = _final(shared_tmp / "ef_one", name), _final(shared_tmp / "ef_two", name)
            np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-10 * np.abs(a).max())
