"""Block decomposition, halo exchange and reductions, on one rank and (marked mpi) on two."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

from hpcsim.parallel import BlockDecomposition, HaloExchange, allreduce_max, allreduce_sum, block_range


@pytest.mark.parametrize("n", [0, 1, 7, 240, 1001])
@pytest.mark.parametrize("size", [1, 2, 3, 7, 256])
def test_block_range_partitions_axis(n, size):
    ranges = [block_range(n, size, r) for r in range(size)]
    assert ranges[0][0] == 0 and ranges[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    lengths = [b - a for a, b in ranges]
    assert max(lengths) - min(lengths) <= 1 and lengths == sorted(lengths, reverse=True)
    dec = BlockDecomposition(n, MPI.COMM_SELF)
    # owner() agrees with the ranges for this size (checked through a fake size)
    for r, (a, b) in enumerate(ranges):
        for i in range(a, b):
            assert _owner(n, size, i) == r
    assert dec.n_local == n


def _owner(n, size, i):
    class FakeComm:
        def Get_size(self):
            return size

        def Get_rank(self):
            return 0
    return BlockDecomposition(n, FakeComm()).owner(i)


def _check_halo(comm, n, width, periodic, trailing=(3,)):
    dec = BlockDecomposition(n, comm)
    halo = HaloExchange(dec, width, periodic)
    glob = np.arange(n * int(np.prod(trailing)), dtype=float).reshape((n,) + trailing)
    padded = np.full((dec.n_local + 2 * width,) + trailing, -1.0)
    padded[width:width + dec.n_local] = glob[dec.local_slice]
    halo.exchange(padded)
    if dec.n_local == 0:
        return
    for k in range(-width, dec.n_local + width):
        g = dec.start + k
        row = padded[width + k]
        if periodic:
            assert np.array_equal(row, glob[g % n]), (k, g)
        elif 0 <= g < n:
            assert np.array_equal(row, glob[g]), (k, g)
        else:
            assert np.all(row == -1.0)  # left for the boundary condition


@pytest.mark.parametrize("width", [0, 1, 2, 5, 11])
@pytest.mark.parametrize("periodic", [True, False])
def test_halo_single_rank(width, periodic):
    _check_halo(MPI.COMM_SELF, 11, width, periodic)


def test_halo_rejects_bad_arrays():
    halo = HaloExchange(BlockDecomposition(8, MPI.COMM_SELF), 2)
    with pytest.raises(ValueError, match="expected n_local"):
        halo.exchange(np.zeros(8))
    with pytest.raises(ValueError, match="exceeds"):
        HaloExchange(BlockDecomposition(3, MPI.COMM_SELF), 4)


@pytest.mark.mpi(min_size=2)
@pytest.mark.parametrize("n,width", [(240, 2), (10, 1), (10, 4), (5, 3), (7, 7), (3, 2)])
@pytest.mark.parametrize("periodic", [True, False])
def test_halo_two_ranks_any_width(n, width, periodic):
    """Widths larger than a neighbour's block take data from several ranks."""
    _check_halo(MPI.COMM_WORLD, n, width, periodic)


@pytest.mark.mpi(min_size=2)
def test_halo_with_empty_ranks():
    """More ranks than cells: empty ranks take part without deadlock."""
    comm = MPI.COMM_WORLD
    _check_halo(comm, 1, 1, True)
    _check_halo(comm, comm.size - 1 if comm.size > 2 else 1, 1, False)


@pytest.mark.mpi(min_size=2)
def test_gather_and_reductions():
    comm = MPI.COMM_WORLD
    dec = BlockDecomposition(13, comm)
    glob = np.arange(26.0).reshape(13, 2)
    assert np.array_equal(dec.gather(glob[dec.local_slice]), glob)
    assert allreduce_sum(comm, float(dec.n_local)) == 13.0
    assert allreduce_max(comm, comm.rank) == comm.size - 1
    assert np.array_equal(allreduce_sum(comm, np.ones(3)), np.full(3, comm.size))
