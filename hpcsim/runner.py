"""The one runner: time loop or steady solve, outputs, checkpoints, signals, progress.

Every model runs through :class:`Runner`; it knows the model only through
:class:`hpcsim.models.base.Model`.

Time is ``step * dt_s`` (never accumulated), so a restarted run reaches exactly the same
times as an uninterrupted one. At the end of step ``n`` the runner, in this order,
appends a time-series row (if output is due), writes a snapshot (if due), then writes a
checkpoint (if due). A checkpoint therefore always follows the outputs of its step, and a
restart from step ``n`` continues with step ``n + 1``.

Stopping early: SIGTERM and SIGUSR1 (what Slurm and PBS send before the wall-clock limit;
use ``--signal=USR1@300`` with Slurm) and SIGINT only set a flag. Once per step all ranks
combine their flags with one small ``Allreduce`` (bitwise OR), so a signal that reaches
any rank stops every rank at the same step: they write a checkpoint together and the run
exits with status 0, ready for ``--restart latest``. The same Allreduce carries rank 0's
"wall-clock checkpoint due" bit, so wall-clock checkpoints are collective too.

Progress lines (step, simulated time, steps per second, ETA) come from rank 0 only, every
``[run] progress_every_wall_s`` seconds.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass

from mpi4py import MPI

from hpcsim.config import Config, steps_in
from hpcsim.io import checkpoint
from hpcsim.io.output import History, OutputFile
from hpcsim.models import model_class

log = logging.getLogger("hpcsim.runner")

STOP_SIGNALS = ("SIGTERM", "SIGUSR1", "SIGINT")
_FLAG_SIGNAL = 1
_FLAG_WALL_CHECKPOINT = 2


@dataclass(frozen=True)
class RunResult:
    complete: bool
    step: int
    time_s: float
    output_path: str
    checkpoint_path: str | None
    wall_time_s: float


class _SignalFlag:
    """Installs handlers that only record that a stop signal arrived."""

    def __init__(self):
        self.received: str | None = None
        self._previous = {}

    def __enter__(self):
        for name in STOP_SIGNALS:
            sig = getattr(signal, name)
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not in the main thread (embedded use): no handlers
                pass
        return self

    def _handle(self, signum, frame):
        self.received = signal.Signals(signum).name

    def __exit__(self, *exc):
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)


class Runner:
    """Runs one validated input on ``comm``; ``restart`` is None, ``"latest"`` or a path."""

    def __init__(self, config: Config, comm: MPI.Comm, restart: str | None = None):
        self.config = config
        self.run_cfg = config.run
        self.comm = comm
        self.rank = comm.Get_rank()
        self.restart = restart
        self.output_dir = self.run_cfg.output_dir
        self.output_path = os.path.join(self.output_dir, "output.h5")
        self.model = None  # built in run(), after the signal handlers are in place
        self.history = History()
        self.step = 0
        self.wall_before_s = 0.0  # wall time of earlier segments (restarts)
        self.last_checkpoint: str | None = None

    # -- helpers ------------------------------------------------------------------------
    @property
    def dt_s(self) -> float:
        if self.model is not None and self.model.planned_steps() is not None:
            return 1.0  # step-counted model: time is the step number
        return self.run_cfg.dt_s

    @property
    def n_steps(self) -> int:
        planned = self.model.planned_steps() if self.model is not None else None
        return planned if planned is not None else self.run_cfg.n_steps

    def _every(self, seconds: float | None) -> int | None:
        return None if seconds is None else steps_in(seconds, self.dt_s)

    def fingerprint(self) -> dict:
        fp = {"dt_s": self.run_cfg.dt_s, "steady_state": self.run_cfg.steady_state}
        fp.update(self.model.state_fingerprint())
        return fp

    # -- main ---------------------------------------------------------------------------
    def run(self) -> RunResult:
        t_start = time.perf_counter()
        restarting = self.restart is not None
        # Handlers go in first: a signal during start-up (reading a checkpoint) is honoured
        # at the first step instead of killing the rank.
        with _SignalFlag() as signals:
            # The model first: input problems found while setting it up (e.g. a Courant
            # limit that needs the coefficients) stop the run before anything is written.
            self.model = model_class(self.config.model_name)(self.config, self.comm)
            if self.rank == 0:
                os.makedirs(self.output_dir, exist_ok=True)
            self.comm.Barrier()
            if restarting:
                self._restore()
            output = OutputFile(self.output_path, self.comm, self.config, self.model, restarting=restarting)
            try:
                if restarting:
                    output.write_timeseries(self.history)
                    output.drop_snapshots_after(self.step * (self.dt_s or 0.0))
                if self.run_cfg.steady_state:
                    complete = self._solve(output)
                else:
                    complete = self._time_loop(output, t_start, signals)
            except BaseException:
                output.close()
                raise
        wall = self.wall_before_s + time.perf_counter() - t_start
        output.finish(complete=complete, wall_time_s=wall)
        t = self.step * (self.dt_s or 0.0)
        if self.rank == 0:
            if complete:
                log.info("run complete: %d steps, t = %.6g s, wall %.1f s; output %s",
                         self.step, t, wall, os.path.abspath(self.output_path))
            else:
                log.info("stopped at step %d (t = %.6g s); checkpoint %s; resume with "
                         "`hpcsim run %s --restart latest`", self.step, t, self.last_checkpoint,
                         self.config.source)
        return RunResult(complete, self.step, t, self.output_path, self.last_checkpoint, wall)

    def _restore(self) -> None:
        path = checkpoint.resolve(self.restart, self.output_dir, self.comm)
        arrays, step, time_s, history, wall = checkpoint.read(
            path, model_name=self.config.model_name, fingerprint=self.fingerprint(),
            state_fields=self.model.state_fields(), comm=self.comm)
        if not self.run_cfg.steady_state and step > self.n_steps:
            end = (f"last step {self.n_steps}" if self.model.planned_steps() is not None
                   else f"end_time_s = {self.run_cfg.end_time_s:g} s")
            raise checkpoint.CheckpointError(
                f"checkpoint {path} is at step {step} (t = {time_s:g} s), beyond this input's {end}")
        self.model.set_state(arrays)
        self.step, self.history, self.wall_before_s = step, history, wall
        self.last_checkpoint = path
        if self.rank == 0:
            log.info("restarting from %s: step %d, t = %.6g s (written on its own rank count; "
                     "now %d ranks)", path, step, time_s, self.comm.Get_size())

    def _record(self, output: OutputFile, *, series: bool, snapshot: bool) -> None:
        t = self.step * (self.dt_s or 0.0)
        if series:
            self.history.append(self.step, t, self.model.diagnostics())
            output.append_timeseries_row(self.history)
        if snapshot:
            output.write_snapshot(self.step, t, self.model.output_fields())

    def _checkpoint(self, t_start: float) -> None:
        self.last_checkpoint = checkpoint.write(
            self.output_dir, step=self.step, time_s=self.step * (self.dt_s or 0.0),
            fields=self.model.state_fields(), history=self.history, fingerprint=self.fingerprint(),
            model_name=self.config.model_name, effective_input=self.config.effective_toml(),
            wall_time_s=self.wall_before_s + time.perf_counter() - t_start,
            keep=self.run_cfg.checkpoints_keep, comm=self.comm)
        if self.rank == 0:
            log.info("checkpoint %s", self.last_checkpoint)

    def _solve(self, output: OutputFile) -> bool:
        if not self.model.supports_steady_state:
            raise RuntimeError(f"model {self.model.name!r} has no steady-state mode")
        if self.rank == 0:
            log.info("solving for the steady state")
        self.model.solve()
        self._record(output, series=True, snapshot=True)
        return True

    def _time_loop(self, output: OutputFile, t_start: float, signals: _SignalFlag) -> bool:
        cfg = self.run_cfg
        n_steps = self.n_steps
        out_every = self._every(cfg.output_every_s)
        snap_every = self._every(cfg.snapshot_every_s)
        snap_steps = {steps_in(t, self.dt_s) for t in cfg.snapshot_times_s}
        chk_every = self._every(cfg.checkpoint_every_s)
        if self.restart is None:
            self._record(output, series=True, snapshot=True)
        progress = _Progress(self.step, n_steps, self.dt_s, cfg.progress_every_wall_s, self.rank == 0)
        last_wall_checkpoint = time.perf_counter()
        interrupted_by = None
        while self.step < n_steps:
            self.model.step(self.dt_s)
            self.step += 1
            s = self.step
            final = s == n_steps
            series = final or (out_every is not None and s % out_every == 0)
            snapshot = final or s in snap_steps or (snap_every is not None and s % snap_every == 0)
            self._record(output, series=series, snapshot=snapshot)
            flags = _FLAG_SIGNAL if signals.received else 0
            if (self.rank == 0 and cfg.checkpoint_every_wall_s is not None
                    and time.perf_counter() - last_wall_checkpoint >= cfg.checkpoint_every_wall_s):
                flags |= _FLAG_WALL_CHECKPOINT
            flags = self.comm.allreduce(flags, op=MPI.BOR)
            stop = bool(flags & _FLAG_SIGNAL)
            if (final or stop or flags & _FLAG_WALL_CHECKPOINT or (chk_every and s % chk_every == 0)
                    or self.model.checkpoint_due()):
                self._checkpoint(t_start)
                last_wall_checkpoint = time.perf_counter()
            progress.update(s)
            if stop and not final:
                interrupted_by = signals.received or "a signal on another rank"
                break
        if interrupted_by and self.rank == 0:
            log.warning("stop requested (%s): checkpoint written at step %d", interrupted_by, self.step)
        if self.step == n_steps and self.last_checkpoint is None:
            self._checkpoint(t_start)  # restarted at or past the end: still leave a checkpoint
        return self.step >= n_steps


class _Progress:
    """Rank-0 progress lines: step, simulated time, steps per second, ETA."""

    def __init__(self, step0: int, n_steps: int, dt_s: float, every_wall_s: float, active: bool):
        self.n_steps, self.dt_s, self.every, self.active = n_steps, dt_s, every_wall_s, active
        self.t0 = self.t_last = time.perf_counter()
        self.step0 = self.step_last = step0
        if active:
            log.info("starting at step %d of %d (t = %.6g s, dt = %.6g s)", step0, n_steps,
                     step0 * dt_s, dt_s)

    def update(self, step: int) -> None:
        if not self.active:
            return
        now = time.perf_counter()
        if now - self.t_last < self.every and step != self.n_steps:
            return
        rate = (step - self.step_last) / max(now - self.t_last, 1e-9)
        mean_rate = (step - self.step0) / max(now - self.t0, 1e-9)
        eta = (self.n_steps - step) / max(mean_rate, 1e-9)
        log.info("step %d/%d (%5.1f%%)  t = %.6g s  %.1f steps/s  ETA %s", step, self.n_steps,
                 100.0 * step / self.n_steps, step * self.dt_s, rate, _hms(eta))
        self.t_last, self.step_last = now, step


def _hms(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
