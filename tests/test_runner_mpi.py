"""Parallel runs on 2 ranks: rank-count independence, restart on another rank count, signals."""

from __future__ import annotations

import os
import signal

import h5py
import numpy as np
import pytest
from mpi4py import MPI

from hpcsim.config import loads
from hpcsim.runner import Runner

from conftest import small_bounce_toml

pytestmark = pytest.mark.mpi(min_size=2)


def make_cfg(tmp, name, **kw):
    return loads(small_bounce_toml(str(tmp / name), **kw), source=f"{name}.toml")


def run_on(comm, cfg, restart=None):
    """Run on ``comm`` (ranks outside it wait at the barrier)."""
    result = Runner(cfg, comm, restart=restart).run() if comm != MPI.COMM_NULL else None
    MPI.COMM_WORLD.Barrier()
    return result


def self_on_rank0():
    return MPI.COMM_SELF if MPI.COMM_WORLD.rank == 0 else MPI.COMM_NULL


def read(out, name="snapshots/Q"):
    with h5py.File(out / "output.h5", "r") as f:
        return f[name][...]


def test_one_and_two_ranks_agree(shared_tmp):
    world = MPI.COMM_WORLD
    run_on(world, make_cfg(shared_tmp, "two"))
    run_on(self_on_rank0(), make_cfg(shared_tmp, "one"))
    q2, q1 = read(shared_tmp / "two"), read(shared_tmp / "one")
    # each cell sees the same arithmetic whatever the split: agreement is exact
    assert np.array_equal(q1, q2)
    c2, c1 = read(shared_tmp / "two", "timeseries/particle_count"), read(shared_tmp / "one", "timeseries/particle_count")
    assert np.allclose(c1, c2, rtol=1e-14, atol=0)
    assert np.max(np.abs(c2 / c2[0] - 1)) < 1e-12
    with h5py.File(shared_tmp / "two" / "output.h5", "r") as f:
        assert f.attrs["n_ranks"] == world.size


@pytest.mark.parametrize("first,second", [("world", "self"), ("self", "world")])
def test_restart_on_other_rank_count_equals_uninterrupted(shared_tmp, first, second):
    comms = {"world": MPI.COMM_WORLD, "self": self_on_rank0()}
    run_on(MPI.COMM_WORLD, make_cfg(shared_tmp, "ref"))
    run_on(comms[first], make_cfg(shared_tmp, "rs", end_time_s=150.0))
    result = run_on(comms[second], make_cfg(shared_tmp, "rs"), restart="latest")
    assert result is None or result.complete
    assert np.array_equal(read(shared_tmp / "rs"), read(shared_tmp / "ref"))
    assert np.allclose(read(shared_tmp / "rs", "timeseries/particle_count"),
                       read(shared_tmp / "ref", "timeseries/particle_count"), rtol=1e-13)


def test_signal_on_one_rank_stops_all_with_checkpoint(shared_tmp, monkeypatch):
    """SIGUSR1 reaching only rank 1 stops both ranks at the same step with one checkpoint."""
    from hpcsim.models.bounce.model import Model
    world = MPI.COMM_WORLD
    real_step = Model.step
    calls = {"n": 0}

    def step_and_signal(self, dt_s):
        real_step(self, dt_s)
        calls["n"] += 1
        if world.rank == 1 and calls["n"] == 37:
            os.kill(os.getpid(), signal.SIGUSR1)

    monkeypatch.setattr(Model, "step", step_and_signal)
    result = run_on(world, make_cfg(shared_tmp, "sig"))
    monkeypatch.undo()
    assert not result.complete and result.step == 37
    assert world.allgather(result.step) == [37] * world.size
    with h5py.File(result.checkpoint_path, "r") as f:
        assert f.attrs["step"] == 37
    resumed = run_on(world, make_cfg(shared_tmp, "sig"), restart="latest")
    assert resumed.complete
    run_on(world, make_cfg(shared_tmp, "sigref"))
    assert np.array_equal(read(shared_tmp / "sig"), read(shared_tmp / "sigref"))


def test_collisions_one_and_two_ranks_agree_and_restart_across(shared_tmp):
    """Full collisional physics: 1 vs 2 ranks to round-off, and 2 -> 1 rank restart."""
    from conftest import COLLISIONS
    world = MPI.COMM_WORLD
    run_on(world, make_cfg(shared_tmp, "c2", processes=COLLISIONS))
    run_on(self_on_rank0(), make_cfg(shared_tmp, "c1", processes=COLLISIONS))
    q2, q1 = read(shared_tmp / "c2"), read(shared_tmp / "c1")
    assert np.allclose(q1, q2, rtol=1e-12, atol=1e-12 * q1.max())
    for name in ("timeseries/particle_count", "timeseries/lost_precipitation_fraction"):
        assert np.allclose(read(shared_tmp / "c1", name), read(shared_tmp / "c2", name), rtol=1e-12)
    run_on(world, make_cfg(shared_tmp, "cr", end_time_s=150.0, processes=COLLISIONS))
    run_on(self_on_rank0(), make_cfg(shared_tmp, "cr", processes=COLLISIONS), restart="latest")
    assert np.allclose(read(shared_tmp / "cr"), q2, rtol=1e-12, atol=1e-12 * q2.max())
