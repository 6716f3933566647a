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
    assert abs(b1.residual()) < 5e-3
