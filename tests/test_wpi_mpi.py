"""wpi on 2 ranks: test particles split across ranks give the single-rank result to round-off;
a scan stopped on 2 ranks resumes on 1 (and the other way round)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from mpi4py import MPI

from hpcsim.config import loads
from hpcsim.runner import Runner

from test_wpi_model import tiny_wpi_toml

pytestmark = pytest.mark.mpi(min_size=2)

SCAN = 'scan_parameter = "frequency_ratio"\nscan_values = [0.25, 0.5]'


def run_on(comm, tmp, name, extra=SCAN, restart=None, last_step=None):
    cfg = loads(tiny_wpi_toml(str(tmp / name), extra), source=f"{name}.toml")
    result = None
    if comm != MPI.COMM_NULL:
        runner = Runner(cfg, comm, restart=restart)
        if last_step is not None:  # stop early as a killed job would (checkpoint at that step)
            from hpcsim.models.wpi.model import Model
            real = Model.planned_steps
            Model.planned_steps = lambda self: last_step
            try:
                result = runner.run()
            finally:
                Model.planned_steps = real
        else:
            result = runner.run()
    MPI.COMM_WORLD.Barrier()
    return result


def self_on_rank0():
    return MPI.COMM_SELF if MPI.COMM_WORLD.rank == 0 else MPI.COMM_NULL


def read(path, name):
    with h5py.File(path / "output.h5", "r") as f:
        return f[name][-1]


def test_one_and_two_ranks_agree(shared_tmp):
    run_on(MPI.COMM_WORLD, shared_tmp, "two")
    run_on(self_on_rank0(), shared_tmp, "one")
    for name in ("snapshots/energy_flux", "snapshots/impulse_response", "snapshots/energy_time",
                 "snapshots/energy_by_resonance_latitude"):
        a, b = read(shared_tmp / "one", name), read(shared_tmp / "two", name)
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12 * np.abs(a).max())
    c1, c2 = read(shared_tmp / "one", "snapshots/counters"), read(shared_tmp / "two", "snapshots/counters")
    np.testing.assert_array_equal(c1[:, :5], c2[:, :5])          # particle and step counts: exact
    np.testing.assert_allclose(c2[:, 5:], c1[:, 5:], rtol=1e-12)  # energy sums: round-off


@pytest.mark.parametrize("first,second", [("world", "self"), ("self", "world")])
def test_stopped_scan_resumes_on_other_rank_count(shared_tmp, first, second):
    comms = {"world": MPI.COMM_WORLD, "self": self_on_rank0()}
    run_on(MPI.COMM_WORLD, shared_tmp, "ref")
    run_on(comms[first], shared_tmp, "rs", last_step=13)
    result = run_on(comms[second], shared_tmp, "rs", restart="latest")
    assert result is None or result.complete
    a, b = read(shared_tmp / "ref", "snapshots/energy_flux"), read(shared_tmp / "rs", "snapshots/energy_flux")
    np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12 * np.abs(a).max())


def test_min_scattering_cells_are_the_same_on_one_and_two_ranks(shared_tmp):
    """The per-cell largest scattering is reduced over the ranks (a cell's phases are split)."""
    extra = SCAN + "\nmin_scattering_deg = 0.5"
    run_on(MPI.COMM_WORLD, shared_tmp, "cut_two", extra)
    run_on(self_on_rank0(), shared_tmp, "cut_one", extra)
    if MPI.COMM_WORLD.rank == 0:
        a, b = read(shared_tmp / "cut_one", "snapshots/energy_flux"), read(shared_tmp / "cut_two", "snapshots/energy_flux")
        assert a.max() > 0
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12 * a.max())
