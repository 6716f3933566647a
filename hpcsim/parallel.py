"""Communicator, 1-D block decomposition, halo exchange and global reductions.

Everything here works unchanged on one rank without ``mpirun`` (mpi4py initialises a
singleton ``COMM_WORLD``), so serial and parallel runs go through the same code.

What it holds:

* :func:`block_range` and :class:`BlockDecomposition`: the split of one global axis into
  contiguous blocks, one per rank, with the same convention as PETSc's default ownership
  ranges (the first ``n % size`` ranks get one extra cell), so a PETSc matrix over the
  same axis can be given the same local sizes.
* :class:`HaloExchange`: fills ``width`` ghost cells on each side of the local block from
  whichever ranks own them, periodic or not. Any width works, including widths larger
  than a neighbour's block (the data then comes from several ranks).
* Reductions (:func:`allreduce_sum`, ...), thin wrappers that also accept numpy arrays.

What it does not hold: anything about what the axis means (MLT, field-line segment,
particle index). Models decide that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hpcsim import _env  # noqa: F401
from mpi4py import MPI


def world() -> MPI.Comm:
    """The communicator hpcsim runs on (``MPI.COMM_WORLD``)."""
    return MPI.COMM_WORLD


def block_range(n_global: int, size: int, rank: int) -> tuple[int, int]:
    """Half-open range ``[start, stop)`` of the block owned by ``rank``.

    Blocks are contiguous and as equal as possible; the first ``n_global % size`` ranks
    own one extra element (PETSc's ``PETSC_DECIDE`` convention). Ranks beyond
    ``n_global`` own empty blocks.
    """
    if n_global < 0 or size < 1 or not 0 <= rank < size:
        raise ValueError(f"bad block_range arguments n_global={n_global} size={size} rank={rank}")
    base, extra = divmod(n_global, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


@dataclass(frozen=True)
class BlockDecomposition:
    """Block decomposition of a global axis of length ``n_global`` over ``comm``."""

    n_global: int
    comm: MPI.Comm

    @property
    def rank(self) -> int:
        return self.comm.Get_rank()

    @property
    def size(self) -> int:
        return self.comm.Get_size()

    def range_of(self, rank: int) -> tuple[int, int]:
        return block_range(self.n_global, self.size, rank)

    @property
    def start(self) -> int:
        return self.range_of(self.rank)[0]

    @property
    def stop(self) -> int:
        return self.range_of(self.rank)[1]

    @property
    def n_local(self) -> int:
        return self.stop - self.start

    @property
    def local_slice(self) -> slice:
        return slice(self.start, self.stop)

    def owner(self, index: int) -> int:
        """Rank owning global ``index`` (0 <= index < n_global)."""
        base, extra = divmod(self.n_global, self.size)
        cut = extra * (base + 1)
        if index < cut:
            return index // (base + 1)
        return extra + (index - cut) // base

    def gather(self, local: np.ndarray) -> np.ndarray:
        """Assemble the global array on every rank (axis 0 decomposed). For diagnostics and tests."""
        local = np.ascontiguousarray(local)
        counts = [ (b - a) * int(np.prod(local.shape[1:], dtype=np.int64)) for a, b in
                   (self.range_of(r) for r in range(self.size)) ]
        out = np.empty((self.n_global,) + local.shape[1:], dtype=local.dtype)
        self.comm.Allgatherv(local, [out, counts])
        return out


@dataclass(frozen=True)
class _Piece:
    """A contiguous run of halo cells: ``length`` cells at ``slot`` in the padded array,
    holding global cells starting at ``global_start``, owned by ``owner``."""

    slot: int
    global_start: int
    length: int
    owner: int


class HaloExchange:
    """Fill ghost cells of a block-decomposed axis 0 from the ranks that own them.

    The local array has shape ``(width + n_local + width, ...)``: ``width`` ghost cells,
    the owned block, ``width`` ghost cells. The exchange plan (who sends which cells to
    whom) is computed once, from the deterministic decomposition, without messages.

    :meth:`exchange` uses non-blocking point-to-point messages. Every rank of the
    communicator must call it the same number of times in the same order: messages of
    successive exchanges between two ranks are told apart only by MPI's non-overtaking
    order. A rank that owns no cells sends and receives nothing, but still calls it, so
    that the code path is the same everywhere.

    For a non-periodic axis the ghost cells outside ``[0, n_global)`` are left untouched,
    for the caller's boundary condition.
    """

    def __init__(self, decomposition: BlockDecomposition, width: int, periodic: bool = True):
        if width < 0:
            raise ValueError(f"halo width must be >= 0, got {width}")
        if periodic and width > decomposition.n_global:
            raise ValueError(
                f"periodic halo width {width} exceeds the global axis length {decomposition.n_global}")
        self.decomposition = decomposition
        self.width = width
        self.periodic = periodic
        me = decomposition.rank
        self._recv = self._pieces_of(me)
        # What this rank sends: every piece any rank needs that this rank owns, tagged by
        # its position in the receiver's list so both sides agree without messaging.
        self._send: list[tuple[int, int, _Piece]] = []
        for rank in range(decomposition.size):
            if rank == me:
                continue
            for tag, piece in enumerate(self._pieces_of(rank)):
                if piece.owner == me:
                    self._send.append((rank, tag, piece))

    def _pieces_of(self, rank: int) -> list[_Piece]:
        dec, w = self.decomposition, self.width
        start, stop = dec.range_of(rank)
        n_local, n = stop - start, dec.n_global
        if n_local == 0 or w == 0:
            return []
        pieces: list[_Piece] = []
        for slot0, g0 in ((0, start - w), (w + n_local, stop)):
            slot, g, remaining = slot0, g0, w
            while remaining > 0:
                if 0 <= g < n or self.periodic:
                    gw = g % n
                    owner = dec.owner(gw)
                    owner_stop = dec.range_of(owner)[1]
                    length = min(remaining, owner_stop - gw)
                    pieces.append(_Piece(slot, gw, length, owner))
                else:  # outside a non-periodic axis: skip to the next in-range cell
                    length = min(remaining, -g if g < 0 else remaining)
                slot += length
                g += length
                remaining -= length
        return pieces

    def exchange(self, padded: np.ndarray) -> None:
        """Fill the ghost cells of ``padded`` in place."""
        dec, w = self.decomposition, self.width
        if padded.shape[0] != dec.n_local + 2 * w:
            raise ValueError(
                f"padded array has {padded.shape[0]} rows, expected n_local + 2*width = "
                f"{dec.n_local + 2 * w}")
        if not padded.flags.c_contiguous:
            raise ValueError("halo exchange needs a C-contiguous array")
        me, start = dec.rank, dec.start
        requests = []
        for tag, piece in enumerate(self._recv):
            if piece.owner == me:
                continue
            requests.append(dec.comm.Irecv(padded[piece.slot:piece.slot + piece.length],
                                           source=piece.owner, tag=tag))
        for dest, tag, piece in self._send:
            lo = w + piece.global_start - start
            requests.append(dec.comm.Isend(padded[lo:lo + piece.length], dest=dest, tag=tag))
        for piece in self._recv:  # periodic wrap onto this rank itself
            if piece.owner == me:
                lo = w + piece.global_start - start
                padded[piece.slot:piece.slot + piece.length] = padded[lo:lo + piece.length]
        MPI.Request.Waitall(requests)


def allreduce_sum(comm: MPI.Comm, value):
    """Global sum of a scalar or numpy array (returned as float or array)."""
    return _allreduce(comm, value, MPI.SUM)


def allreduce_max(comm: MPI.Comm, value):
    return _allreduce(comm, value, MPI.MAX)


def allreduce_min(comm: MPI.Comm, value):
    return _allreduce(comm, value, MPI.MIN)


def _allreduce(comm: MPI.Comm, value, op):
    arr = np.asarray(value)
    if arr.ndim == 0:
        return comm.allreduce(arr.item(), op=op)
    send = np.ascontiguousarray(arr)
    recv = np.empty_like(send)
    comm.Allreduce(send, recv, op=op)
    return recv
