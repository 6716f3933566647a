"""Crank-Nicolson diffusion (petsc4py) on 2 ranks: the line split does not change results."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import hpcsim  # noqa: F401  (petsc4py importable)
from hpcsim.numerics.diffusion import SOLVERS, CrankNicolsonDiffusion

pytestmark = pytest.mark.mpi(min_size=2)


def global_problem(n_a=10, n_x=37, n_b=9, seed=0):
    rng = np.random.default_rng(seed)
    edges = 0.05 + np.cumsum(np.r_[0.0, rng.uniform(0.3, 1.7, n_x)]) / n_x
    xc = 0.5 * (edges[1:] + edges[:-1])
    w = xc * rng.uniform(0.5, 2.0, n_x)
    D = rng.uniform(0.0, 2e-3, (n_a, n_x + 1, n_b))
    tau = np.where(xc < 0.3, 2.0, np.inf)[None, :, None] * rng.uniform(1.0, 2.0, (1, 1, n_b))
    Q = rng.uniform(0.0, 1.0, (n_a, n_x, n_b))
    return edges, w, D, tau, Q


def evolve(comm, edges, w, D, tau, Q, solver, steps=20):
    op = CrankNicolsonDiffusion(comm, edges, w, Q.shape[::2], face_weights=edges, solver=solver)
    op.update_coefficients(D, tau, dt=1.5)
    removed = np.zeros(Q.shape[::2])
    for k in range(steps):
        if k == steps // 2:
            op.update_coefficients(D[:, ::-1], tau, dt=1.5)
        removed += op.step(Q)
    op.destroy()
    return Q, removed


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("split", ["even", "uneven", "empty_rank"])
def test_split_lines_match_one_rank(solver, split):
    world = MPI.COMM_WORLD
    edges, w, D, tau, Q = global_problem()
    n_a = Q.shape[0]
    if split == "even":
        bounds = np.linspace(0, n_a, world.size + 1).astype(int)
    elif split == "uneven":
        bounds = np.r_[0, np.full(world.size - 1, 3).cumsum(), n_a] if world.size > 1 else np.r_[0, n_a]
        bounds = np.minimum(bounds, n_a)
    else:                                   # the last rank owns no line at all
        bounds = np.r_[np.linspace(0, n_a, world.size).astype(int), n_a]
    lo, hi = bounds[world.rank], bounds[world.rank + 1]
    q_local, r_local = evolve(world, edges, w, D[lo:hi], tau, Q[lo:hi].copy(), solver)
    q_all, r_all = evolve(MPI.COMM_SELF, edges, w, D, tau, Q.copy(), solver)
    if solver in ("lu", "cholesky"):          # direct, line by line: the same arithmetic
        assert np.array_equal(q_local, q_all[lo:hi])
        assert np.array_equal(r_local, r_all[lo:hi])
    else:                                     # iterative: global norms depend on the split
        assert np.allclose(q_local, q_all[lo:hi], rtol=1e-12, atol=1e-14)
        assert np.allclose(r_local, r_all[lo:hi], rtol=1e-12, atol=1e-14)
    total = world.allreduce(r_local.sum())
    assert np.isclose(total, r_all.sum(), rtol=1e-13)
