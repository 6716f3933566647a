"""Collective HDF5 access for block-decomposed arrays.

Rules of parallel HDF5 this module keeps (breaking them deadlocks or corrupts files):

* Opening, closing, creating groups or datasets, resizing and writing attributes are
  *collective*: every rank calls them in the same order with the same arguments. Values
  that could differ between ranks (timestamps, wall times) are broadcast from rank 0 first
  (:func:`same_on_all_ranks`).
* Raw data may be written independently. We use collective transfers only when every
  rank has rows to write, because h5py returns early on an empty selection and a rank
  that never enters a collective H5Dwrite would leave the others waiting.

Without an MPI-enabled h5py (a site whose h5py is serial) one-rank runs still work through
the default driver; several ranks then stop with a clear message.
"""

from __future__ import annotations

import numpy as np

from hpcsim import _env  # noqa: F401  (H5PY_ALWAYS_USE_MPI before importing h5py)
import h5py
from mpi4py import MPI

from hpcsim.models.base import Field


def h5py_is_parallel() -> bool:
    return bool(h5py.get_config().mpi)


def open_file(path, mode: str, comm: MPI.Comm) -> h5py.File:
    """Open ``path`` on every rank of ``comm`` (collective)."""
    if h5py_is_parallel():
        return h5py.File(path, mode, driver="mpio", comm=comm)
    if comm.Get_size() > 1:
        raise RuntimeError(
            "h5py was built without MPI, so several ranks cannot share one HDF5 file. "
            "Install the MPI build (Debian: python3-h5py-mpi) or run on one rank; "
            "`hpcsim info` shows what was found.")
    return h5py.File(path, mode)


def same_on_all_ranks(comm: MPI.Comm, value):
    """Rank 0's ``value`` on every rank (for attributes and other collective metadata)."""
    return comm.bcast(value, root=0)


def _every_rank_has_rows(comm: MPI.Comm, n_local: int) -> bool:
    return comm.allreduce(1 if n_local > 0 else 0, op=MPI.MIN) == 1


def chunk_shape(shape: tuple[int, ...], itemsize: int, target_bytes: int = 8 << 20) -> tuple[int, ...]:
    """Chunks of at most ``target_bytes`` for a growing dataset of rows of ``shape``."""
    chunk = [1] + [max(1, n) for n in shape]
    dim = 1
    while np.prod(chunk, dtype=np.int64) * itemsize > target_bytes and dim < len(chunk):
        excess = np.prod(chunk, dtype=np.int64) * itemsize / target_bytes
        chunk[dim] = max(1, int(chunk[dim] / excess))
        dim += 1
    return tuple(chunk)


def write_field(group: h5py.Group, f: Field, comm: MPI.Comm) -> h5py.Dataset:
    """Create ``group[f.name]`` with the global shape and write this rank's slab (collective)."""
    dset = group.create_dataset(f.name, shape=f.global_shape, dtype=f.local.dtype)
    set_attrs(dset, unit=f.unit, description=f.description, axes=list(f.axes))
    write_rows(dset, f, comm, row=None)
    return dset


def write_rows(dset: h5py.Dataset, f: Field, comm: MPI.Comm, row: int | None) -> None:
    """Write ``f`` into ``dset`` (or into ``dset[row]`` for a growing dataset)."""
    lead = () if row is None else (row,)
    if f.offset is None:  # replicated: rank 0 writes it all
        if comm.Get_rank() == 0:
            dset[lead + (Ellipsis,)] = f.local
        return
    n_local = f.local.shape[0]
    sel = lead + (slice(f.offset, f.offset + n_local),)
    if _every_rank_has_rows(comm, n_local):
        with dset.collective:
            dset[sel] = f.local
    elif n_local:
        dset[sel] = f.local


def read_rows(dset: h5py.Dataset, start: int, stop: int, row: int | None = None) -> np.ndarray:
    """Read rows ``start:stop`` of axis 0 (of ``dset[row]`` when given); independent."""
    if row is None:
        return dset[start:stop]
    return dset[row, start:stop]


def create_growing(group: h5py.Group, name: str, row_shape: tuple[int, ...], dtype, unit: str,
                   description: str, axes=()) -> h5py.Dataset:
    """A dataset of rows that grows along axis 0, one row per output (collective)."""
    dtype = np.dtype(dtype)
    dset = group.create_dataset(name, shape=(0,) + tuple(row_shape), maxshape=(None,) + tuple(row_shape),
                                dtype=dtype, chunks=chunk_shape(tuple(row_shape), dtype.itemsize))
    set_attrs(dset, unit=unit, description=description, axes=list(axes))
    return dset


def set_attrs(obj, **attrs) -> None:
    """Write attributes (collective; the values must be identical on every rank)."""
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            value = np.array(value, dtype=h5py.string_dtype()) if value else np.array([], dtype=h5py.string_dtype())
        obj.attrs[key] = value


def attr_str(obj, key: str, default: str = "") -> str:
    value = obj.attrs.get(key, default)
    return value.decode() if isinstance(value, bytes) else str(value)
