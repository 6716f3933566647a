"""``<output_dir>/output.h5``: one file per run, written collectively by all ranks.

Layout::

    /                 attrs: hpcsim_version, model, n_ranks, input_file, input_text,
                             effective_input, overrides, created_utc, complete,
                             wall_time_s, restarts
    /grid/<name>      constant arrays from the model (coordinates, coefficients)
    /timeseries/time_s, step, <diagnostic>     one row per output time (grows)
    /snapshots/time_s, step, <field>           one row per snapshot time (grows)

Every dataset has ``unit`` and ``description`` attributes (and ``axes`` where it has
more than one dimension). Time series are kept in memory by the runner and stored in every
checkpoint, so on restart they are rewritten from the checkpoint: the output then holds
exactly the rows of an uninterrupted run. Snapshot rows later than the restart time are
dropped. If ``output.h5`` cannot be opened on restart (a kill during a write can damage
it) it is moved aside and a new one is started from the checkpoint's time series.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os

import numpy as np

from hpcsim import __version__
from hpcsim.io import h5
from hpcsim.models.base import Field, Scalar

log = logging.getLogger("hpcsim.output")

TIMESERIES = "timeseries"
SNAPSHOTS = "snapshots"


class OutputFile:
    """The run's output file. All methods are collective."""

    def __init__(self, path: str, comm, config, model, *, restarting: bool):
        self.path = path
        self.comm = comm
        self.model = model
        self.file = None
        if restarting and self._can_reopen():
            self.file = h5.open_file(path, "r+", comm)
            n_restarts = int(self.file.attrs.get("restarts", 0)) + 1
            h5.set_attrs(self.file, restarts=n_restarts, n_ranks=comm.Get_size(), complete=False)
        else:
            self.file = h5.open_file(path, "w", comm)
            self._initialise(config, restarts=1 if restarting else 0)

    def _can_reopen(self) -> bool:
        ok = False
        if self.comm.Get_rank() == 0 and os.path.exists(self.path):
            try:
                with h5.h5py.File(self.path, "r") as f:
                    ok = f.attrs.get("hpcsim_version") is not None and TIMESERIES in f
            except OSError:
                ok = False
            if not ok:
                aside = f"{self.path}.damaged-{_utc_stamp()}"
                os.replace(self.path, aside)
                log.warning("output file %s could not be opened; moved to %s and starting a new "
                            "one from the checkpoint's time series (earlier snapshots are in the "
                            "old file only)", self.path, aside)
        return self.comm.bcast(ok, root=0)

    def _initialise(self, config, restarts: int) -> None:
        f, comm = self.file, self.comm
        attrs = h5.same_on_all_ranks(comm, dict(
            hpcsim_version=__version__, model=config.model_name, n_ranks=comm.Get_size(),
            input_file=os.path.abspath(config.source), input_text=config.input_text,
            effective_input=config.effective_toml(), overrides=list(config.overrides),
            created_utc=_utc_stamp(), complete=False, wall_time_s=0.0, restarts=restarts,
            hdf5_version=h5.h5py.version.hdf5_version, parallel_hdf5=h5.h5py_is_parallel()))
        h5.set_attrs(f, **attrs)
        grid = f.create_group("grid")
        for fld in self.model.static_fields():
            h5.write_field(grid, fld, comm)
        f.create_group(TIMESERIES)
        snaps = f.create_group(SNAPSHOTS)
        h5.create_growing(snaps, "time_s", (), np.float64, "s", "simulated time of each snapshot")
        h5.create_growing(snaps, "step", (), np.int64, "1", "step number of each snapshot")
        for fld in self.model.output_fields():
            h5.create_growing(snaps, fld.name, fld.global_shape, fld.local.dtype, fld.unit,
                              fld.description, fld.axes)
        f.flush()

    # -- time series --------------------------------------------------------------------
    def write_timeseries(self, history: "History") -> None:
        """Make /timeseries hold exactly ``history`` (collective; cheap, rows are scalars)."""
        group = self.file[TIMESERIES]
        for name, (values, unit, description) in history.columns().items():
            if name not in group:
                dtype = np.int64 if name == "step" else np.float64
                h5.create_growing(group, name, (), dtype, unit, description)
            dset = group[name]
            dset.resize((len(values),))
            if self.comm.Get_rank() == 0 and len(values):
                dset[:] = np.asarray(values, dtype=dset.dtype)
        self.file.flush()

    def append_timeseries_row(self, history: "History") -> None:
        group = self.file[TIMESERIES]
        columns = history.columns()
        if any(name not in group for name in columns):
            self.write_timeseries(history)
            return
        n = len(history)
        for name, (values, _, _) in columns.items():
            dset = group[name]
            dset.resize((n,))
            if self.comm.Get_rank() == 0:
                dset[n - 1] = values[-1]
        self.file.flush()

    # -- snapshots ----------------------------------------------------------------------
    def drop_snapshots_after(self, time_s: float) -> None:
        snaps = self.file[SNAPSHOTS]
        times = snaps["time_s"][...]
        keep = int(np.searchsorted(times, time_s * (1 + 1e-12) + 1e-12, side="right"))
        if keep < len(times):
            for name in snaps:
                snaps[name].resize((keep,) + snaps[name].shape[1:])
        self.file.flush()

    def write_snapshot(self, step: int, time_s: float, fields: list[Field]) -> None:
        snaps = self.file[SNAPSHOTS]
        row = snaps["time_s"].shape[0]
        for name in ("time_s", "step"):
            snaps[name].resize((row + 1,))
        if self.comm.Get_rank() == 0:
            snaps["time_s"][row] = time_s
            snaps["step"][row] = step
        for fld in fields:
            dset = snaps[fld.name]
            dset.resize((row + 1,) + dset.shape[1:])
            h5.write_rows(dset, fld, self.comm, row=row)
        self.file.flush()

    # -- end ----------------------------------------------------------------------------
    def finish(self, *, complete: bool, wall_time_s: float) -> None:
        wall = h5.same_on_all_ranks(self.comm, float(wall_time_s))
        h5.set_attrs(self.file, complete=bool(complete), wall_time_s=wall, finished_utc=
                     h5.same_on_all_ranks(self.comm, _utc_stamp()))
        self.close()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class History:
    """In-memory time series of global scalars: rows of (step, time_s, diagnostics)."""

    def __init__(self):
        self.steps: list[int] = []
        self.times: list[float] = []
        self.values: dict[str, list[float]] = {}
        self.meta: dict[str, tuple[str, str]] = {}

    def __len__(self) -> int:
        return len(self.steps)

    def append(self, step: int, time_s: float, diagnostics: dict[str, Scalar]) -> None:
        self.steps.append(step)
        self.times.append(time_s)
        for name, scalar in diagnostics.items():
            self.values.setdefault(name, []).append(float(scalar.value))
            self.meta[name] = (scalar.unit, scalar.description)

    def columns(self) -> dict[str, tuple[list, str, str]]:
        cols = {"step": (self.steps, "1", "step number"),
                "time_s": (self.times, "s", "simulated time")}
        for name, values in self.values.items():
            cols[name] = (values, *self.meta[name])
        return cols

    @classmethod
    def from_columns(cls, columns: dict[str, tuple[np.ndarray, str, str]]) -> "History":
        hist = cls()
        hist.steps = [int(v) for v in columns.pop("step")[0]]
        hist.times = [float(v) for v in columns.pop("time_s")[0]]
        for name, (values, unit, description) in columns.items():
            hist.values[name] = [float(v) for v in values]
            hist.meta[name] = (unit, description)
        return hist


def _utc_stamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
