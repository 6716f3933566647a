"""The contract between a model and the runner, I/O and CLI.

The runner, the output writer, the checkpoints and the command line never learn model
details: they see only what is declared here.

A model

* is built from the validated :class:`~hpcsim.config.Config` and a communicator;
* owns its distributed state as named :class:`Field` s, numpy arrays whose axis 0 is
  block-decomposed across ranks (:class:`~hpcsim.parallel.BlockDecomposition`), with a
  known global shape;
* advances by :meth:`Model.step` (time-dependent) or :meth:`Model.solve` (steady state);
* reports global scalar diagnostics (:meth:`Model.diagnostics`, a collective call), the
  fields to snapshot at output times (:meth:`Model.output_fields`), constant arrays for the
  output file (:meth:`Model.static_fields`, grids and coefficients), and the headline
  scalars of a finished run from its output file (:meth:`Model.summary`).

A checkpoint holds :meth:`Model.state_fields` and the step counter; restoring it through
:meth:`Model.set_state` on any number of ranks must reproduce the run bit for bit on the
same rank count and to round-off on another.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Field:
    """A named array, block-decomposed along axis 0 (or replicated when ``offset`` is None).

    ``local`` is this rank's slab, rows ``offset : offset + local.shape[0]`` of the global
    array of shape ``global_shape``. Replicated fields (grids, small tables) have
    ``offset=None`` and are written by rank 0 alone.
    """

    name: str
    local: np.ndarray
    global_shape: tuple[int, ...]
    offset: int | None
    unit: str
    description: str
    axes: tuple[str, ...] = field(default=())

    @classmethod
    def replicated(cls, name, array, unit, description, axes=()):
        array = np.asarray(array)
        return cls(name, array, array.shape, None, unit, description, tuple(axes))


@dataclass(frozen=True)
class Scalar:
    """A global scalar diagnostic with its unit and meaning (same value on every rank)."""

    value: float
    unit: str
    description: str


class Model(ABC):
    """Base class of the three models."""

    #: model key in the registry and the name of its input table
    name: str = ""
    #: whether :meth:`solve` is implemented
    supports_steady_state: bool = False

    def __init__(self, config, comm):
        self.config = config
        self.comm = comm

    # -- state -------------------------------------------------------------------------
    @abstractmethod
    def state_fields(self) -> list[Field]:
        """The arrays that define the state (checkpointed)."""

    @abstractmethod
    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore local slabs read from a checkpoint (same names as :meth:`state_fields`)."""

    def state_fingerprint(self) -> dict[str, object]:
        """Input values a checkpoint must match to be restartable (grid sizes, L, ...).

        Keys that only change physics switches or cadences are left out, so a run can be
        restarted with, e.g., a later end time.
        """
        return {}

    # -- time stepping ----------------------------------------------------------------
    def planned_steps(self) -> int | None:
        """Number of steps for models whose work is a fixed list of steps, else None.

        Such a model (``wpi``: one step per wave-front position per case) sets
        ``plans_own_steps = True`` on its Config class, takes no ``[run]`` times, and is
        stepped with dt = 1: the runner's "time" is then the step number.
        """
        return None

    def checkpoint_due(self) -> bool:
        """Whether the step just taken ends a unit of work worth a checkpoint (default: never).

        ``wpi`` asks for one after the last front position of each case, so a killed scan
        loses at most the case it was in.
        """
        return False

    def step(self, dt_s: float) -> None:
        raise NotImplementedError(f"model {self.name!r} has no time-dependent mode")

    def solve(self) -> None:
        raise NotImplementedError(f"model {self.name!r} has no steady-state mode")

    # -- diagnostics ------------------------------------------------------------------
    def diagnostics(self) -> dict[str, Scalar]:
        """Global scalars for the time series (collective: call on every rank)."""
        return {}

    def output_fields(self) -> list[Field]:
        """Distributed arrays written at each output time (default: the state)."""
        return self.state_fields()

    def static_fields(self) -> list[Field]:
        """Arrays written once: grids, coefficients."""
        return []

    @classmethod
    def summary(cls, h5file) -> dict[str, float]:
        """Headline scalars of a run, computed from its open output file (serial read)."""
        return {}
