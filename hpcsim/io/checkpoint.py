"""Checkpoints: the full model state, written safely, restartable on any rank count.

A checkpoint is ``<output_dir>/checkpoints/checkpoint_<step>.h5`` holding

* ``/state/<name>``: every state field as a global dataset (so N ranks write and M ranks
  read), with ``/checksum/<name>``: a CRC-32 of each global row, verified on read (this
  does not depend on how rows are split across ranks);
* ``/history/<name>``: the time series so far, so the restarted output equals an
  uninterrupted one;
* attributes: format, step, time_s, model, fingerprint (the inputs the state depends on,
  as JSON), hpcsim version, rank count, wall time so far, effective input, and
  ``complete = True`` written last.

Writing goes to ``checkpoint_<step>.h5.tmp``; after every rank has closed it, rank 0
reopens it read-only to check it, fsyncs it and renames it into place (atomic on POSIX),
then deletes checkpoints beyond the number to keep. A kill at any moment leaves either the
previous checkpoints or the new one, never a half-written file under a final name;
``*.tmp`` leftovers are ignored and cleaned up.

Reading refuses, with a message naming the file and the reason, a file that HDF5 cannot
open (truncated), one without ``complete``, one whose checksums do not match, one from
another model, or one whose fingerprint differs from the input (other grid, other L).
"""

from __future__ import annotations

import glob
import json
import logging
import os
import re
import zlib

import numpy as np

from hpcsim import __version__
from hpcsim.io import h5
from hpcsim.io.output import History
from hpcsim.models.base import Field

log = logging.getLogger("hpcsim.checkpoint")

FORMAT = "hpcsim-checkpoint"
FORMAT_VERSION = 1
_NAME = re.compile(r"checkpoint_(\d+)\.h5$")


class CheckpointError(Exception):
    """A checkpoint that must not be restarted from; the message says why."""


def checkpoint_dir(output_dir: str) -> str:
    return os.path.join(output_dir, "checkpoints")


def checkpoint_path(output_dir: str, step: int) -> str:
    return os.path.join(checkpoint_dir(output_dir), f"checkpoint_{step:010d}.h5")


def list_checkpoints(output_dir: str) -> list[str]:
    """Final-named checkpoints, oldest first (``*.tmp`` files are never listed)."""
    found = []
    for path in glob.glob(os.path.join(checkpoint_dir(output_dir), "checkpoint_*.h5")):
        match = _NAME.search(os.path.basename(path))
        if match:
            found.append((int(match.group(1)), path))
    return [p for _, p in sorted(found)]


def row_checksums(local: np.ndarray) -> np.ndarray:
    """CRC-32 of each row of ``local`` (axis 0), as uint32."""
    rows = np.ascontiguousarray(local).reshape(local.shape[0], -1)
    return np.array([zlib.crc32(row.tobytes()) for row in rows], dtype=np.uint32)


def write(output_dir: str, *, step: int, time_s: float, fields: list[Field], history: History,
          fingerprint: dict, model_name: str, effective_input: str, wall_time_s: float,
          keep: int, comm) -> str:
    """Write a checkpoint (collective). Returns its final path."""
    rank = comm.Get_rank()
    final = checkpoint_path(output_dir, step)
    tmp = final + ".tmp"
    if rank == 0:
        os.makedirs(checkpoint_dir(output_dir), exist_ok=True)
    comm.Barrier()
    f = h5.open_file(tmp, "w", comm)
    try:
        attrs = h5.same_on_all_ranks(comm, dict(
            format=FORMAT, format_version=FORMAT_VERSION, model=model_name, step=int(step),
            time_s=float(time_s), fingerprint=json.dumps(fingerprint, sort_keys=True),
            hpcsim_version=__version__, n_ranks=comm.Get_size(), wall_time_s=float(wall_time_s),
            effective_input=effective_input))
        h5.set_attrs(f, **attrs)
        state, sums, hist = f.create_group("state"), f.create_group("checksum"), f.create_group("history")
        for fld in fields:
            h5.write_field(state, fld, comm)
            crc = Field(fld.name, row_checksums(fld.local), (fld.global_shape[0],), fld.offset,
                        "1", f"CRC-32 of each row of state/{fld.name}")
            h5.write_field(sums, crc, comm)
        for name, (values, unit, description) in history.columns().items():
            dtype = np.int64 if name == "step" else np.float64
            dset = hist.create_dataset(name, shape=(len(values),), dtype=dtype)
            h5.set_attrs(dset, unit=unit, description=description)
            if rank == 0 and len(values):
                dset[:] = np.asarray(values, dtype=dtype)
        f.attrs["complete"] = True  # last: a file without it was not finished
    finally:
        f.close()
    error = None
    if rank == 0:
        try:
            _check_readable(tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, final)
            _fsync_dir(checkpoint_dir(output_dir))
            _prune(output_dir, keep)
        except (OSError, CheckpointError) as exc:
            error = f"writing checkpoint {final} failed: {exc}"
    error = comm.bcast(error, root=0)
    if error:
        raise CheckpointError(error)
    return final


def _check_readable(path: str) -> None:
    try:
        with h5.h5py.File(path, "r") as f:
            if not f.attrs.get("complete", False):
                raise CheckpointError(f"{path} has no 'complete' mark")
    except OSError as exc:
        raise CheckpointError(f"{path} cannot be read back: {exc}") from exc


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(output_dir: str, keep: int) -> None:
    for path in list_checkpoints(output_dir)[:-keep]:
        os.remove(path)
    for path in glob.glob(os.path.join(checkpoint_dir(output_dir), "*.h5.tmp")):
        os.remove(path)


def resolve(restart: str, output_dir: str, comm) -> str:
    """Path of the checkpoint named by ``--restart`` (``latest`` or a path).

    ``latest`` takes the newest checkpoint that passes a quick check (opens, has the
    ``complete`` mark); a newer one that fails is reported and skipped. The full check is
    :func:`read`. Raises :class:`CheckpointError` when nothing usable is found.
    """
    error, path = None, None
    if comm.Get_rank() == 0:
        if restart != "latest":
            path = restart if os.path.exists(restart) else None
            if path is None:
                error = f"--restart {restart}: no such checkpoint file"
        else:
            candidates = list_checkpoints(output_dir)
            for candidate in reversed(candidates):
                try:
                    _check_readable(candidate)
                    path = candidate
                    break
                except CheckpointError as exc:
                    log.warning("skipping unusable checkpoint: %s", exc)
            if path is None:
                where = checkpoint_dir(output_dir)
                error = (f"--restart latest: no usable checkpoint in {where}"
                         + (f" ({len(candidates)} found, none readable)" if candidates else ""))
    error, path = comm.bcast((error, path), root=0)
    if error:
        raise CheckpointError(error)
    return path


def read(path: str, *, model_name: str, fingerprint: dict, state_fields: list[Field], comm):
    """Read and verify a checkpoint into the local slabs of ``state_fields`` (collective).

    Returns ``(arrays, step, time_s, history, wall_time_s)``. Every rank raises the same
    :class:`CheckpointError` when the file must be refused.
    """
    error = None
    try:
        f = h5.open_file(path, "r", comm)
    except OSError as exc:
        f, error = None, f"checkpoint {path} cannot be opened (truncated or not HDF5): {exc}"
    error = _first_error(comm, error)
    if error:
        raise CheckpointError(error)
    try:
        error = _check_header(f, path, model_name, fingerprint, state_fields)
        error = _first_error(comm, error)
        if error:
            raise CheckpointError(error)
        arrays = {}
        for fld in state_fields:
            start = 0 if fld.offset is None else fld.offset  # replicated fields: every row
            stop = start + fld.local.shape[0]
            try:
                data = h5.read_rows(f["state"][fld.name], start, stop)
                sums = h5.read_rows(f["checksum"][fld.name], start, stop)
                bad = np.flatnonzero(row_checksums(data) != sums) if len(data) else []
                if len(bad):
                    error = (f"checkpoint {path} is corrupt: state/{fld.name} row {start + bad[0]} "
                             f"fails its checksum")
            except (OSError, KeyError) as exc:
                data, error = None, f"checkpoint {path}: cannot read state/{fld.name}: {exc}"
            error = _first_error(comm, error)
            if error:
                raise CheckpointError(error)
            arrays[fld.name] = data
        columns = {name: (f["history"][name][...], h5.attr_str(f["history"][name], "unit"),
                          h5.attr_str(f["history"][name], "description")) for name in f["history"]}
        history = History.from_columns(columns)
        return arrays, int(f.attrs["step"]), float(f.attrs["time_s"]), history, float(f.attrs["wall_time_s"])
    finally:
        f.close()


def _first_error(comm, error):
    """The first non-empty error over ranks, on every rank (collective)."""
    errors = comm.allgather(error)
    return next((e for e in errors if e), None)


def _check_header(f, path, model_name, fingerprint, state_fields) -> str | None:
    if h5.attr_str(f, "format") != FORMAT:
        return f"{path} is not an hpcsim checkpoint"
    if int(f.attrs.get("format_version", -1)) != FORMAT_VERSION:
        return f"{path} has checkpoint format version {f.attrs.get('format_version')}, expected {FORMAT_VERSION}"
    if not f.attrs.get("complete", False):
        return f"checkpoint {path} is incomplete (its writer was interrupted)"
    if h5.attr_str(f, "model") != model_name:
        return f"checkpoint {path} is for model {h5.attr_str(f, 'model')!r}, this input runs {model_name!r}"
    stored = json.loads(h5.attr_str(f, "fingerprint", "{}"))
    expected = json.loads(json.dumps(fingerprint, sort_keys=True))
    diffs = [f"{k}: checkpoint {stored.get(k)!r}, input {expected.get(k)!r}"
             for k in sorted(set(stored) | set(expected)) if stored.get(k) != expected.get(k)]
    if diffs:
        return f"checkpoint {path} does not match this input ({'; '.join(diffs)})"
    for fld in state_fields:
        if "state" not in f or fld.name not in f["state"]:
            return f"checkpoint {path} has no state/{fld.name}"
        if tuple(f["state"][fld.name].shape) != tuple(fld.global_shape):
            return (f"checkpoint {path}: state/{fld.name} has shape {f['state'][fld.name].shape}, "
                    f"this input needs {fld.global_shape}")
    return None
