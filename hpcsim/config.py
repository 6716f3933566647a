"""Input files: TOML -> validated, frozen dataclasses.

An input file has one ``[run]`` table (what every model shares: which model, where output
goes, times, cadences) and one table named after the model (``[bounce]``, ...). Defaults
live in one place, the dataclass fields below and in each model's ``config`` module; the
input reference in ``docs/input_reference.md`` is generated from them
(``python tools/gen_input_reference.py``) and a test checks it is current.

Validation happens before any work and reports every problem at once. Each message names
the file, the table, the key and the value, for example::

    inputs/quickstart.toml: [bounce] L = 0.5: must be >= 1

Units are part of key names (``dt_s``, ``energy_MeV``); a key with the wrong unit suffix is
an unknown key, reported with the closest valid names.

Command-line overrides (``--set table.key=value``) are applied to the parsed TOML before
validation, so they are checked the same way; the value is read as a TOML value and taken
as a string when it is not one (``--set run.output_dir=runs/a``).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

# ----------------------------------------------------------------------------- schema


def param(default: Any = dataclasses.MISSING, *, doc: str, ge: float | None = None,
          gt: float | None = None, le: float | None = None, lt: float | None = None,
          choices: tuple | None = None, min_items: int | None = None):
    """A documented, bounded input key: use as a dataclass field default."""
    meta = dict(doc=doc, ge=ge, gt=gt, le=le, lt=lt, choices=choices, min_items=min_items)
    if isinstance(default, list):
        default = tuple(default)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Problem:
    """One input error: where, what value, what is wrong."""

    table: str
    key: str
    value: Any
    message: str

    def format(self, source: str) -> str:
        where = f"[{self.table}] {self.key}" if self.key else (f"[{self.table}]" if self.table else "")
        if self.value is _ABSENT:
            return f"{source}: {where}: {self.message}" if where else f"{source}: {self.message}"
        return f"{source}: {where} = {_show(self.value)}: {self.message}"


class ConfigError(Exception):
    """Raised with every problem of an input; ``str()`` is the user-facing message."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(p.format(source) for p in problems))


_ABSENT = object()


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


# ----------------------------------------------------------------------------- [run]


@dataclass(frozen=True)
class RunConfig:
    """The ``[run]`` table: what every model shares."""

    model: str = param(doc="Which model to run: bounce, wpi or fieldline.")
    output_dir: str = param("output", doc="Directory for output.h5 and checkpoints/, relative to "
                            "the working directory. Created if absent.")
    steady_state: bool = param(False, doc="Solve for a steady state instead of stepping in time "
                               "(only for models that support it).")
    end_time_s: float | None = param(None, gt=0.0, doc="Simulated time at which the run ends, s. "
                                     "Required unless steady_state; not used by models that plan their own "
                                     "steps (wpi: one per wave-front position; fieldline in steady mode: one "
                                     "per energy level).")
    dt_s: float | None = param(None, gt=0.0, doc="Time step, s. Required unless steady_state; "
                                "not used by wpi and by fieldline in steady mode.")
    output_every_s: float | None = param(None, gt=0.0, doc="Write diagnostics and snapshots every "
                                         "this much simulated time, s; a multiple of dt_s. "
                                         "Default: only at the start and the end.")
    snapshot_every_s: float | None = param(None, gt=0.0, doc="Write snapshots of the model's "
                                           "output fields every this much simulated time, s; a "
                                           "multiple of dt_s. Snapshots are also written at the "
                                           "start and the end.")
    snapshot_times_s: tuple[float, ...] = param((), ge=0.0, doc="Extra simulated times at which "
                                                "to write snapshots, s; multiples of dt_s.")
    checkpoint_every_s: float | None = param(None, gt=0.0, doc="Write a checkpoint every this much "
                                             "simulated time, s; a multiple of dt_s.")
    checkpoint_every_wall_s: float | None = param(1800.0, gt=0.0, doc="Also write a checkpoint "
                                                  "after this much wall-clock time since the last "
                                                  "one, s (protects long jobs).")
    checkpoints_keep: int = param(3, ge=1, doc="How many checkpoints to keep; older ones are deleted "
                                  "after a newer one is safely on disk.")
    progress_every_wall_s: float = param(10.0, gt=0.0, doc="Print a progress line (rank 0) every "
                                         "this much wall-clock time, s.")
    log_level: str = param("info", choices=("debug", "info", "warning", "error"),
                           doc="Logging level on rank 0 (other ranks log warnings and errors).")

    def check(self, plans_own_steps: bool = False) -> list[Problem]:
        """Cross-key checks; ``plans_own_steps``: the model fixes its step count (no times needed)."""
        problems = []
        if not self.steady_state and not plans_own_steps:
            for key in ("end_time_s", "dt_s"):
                if getattr(self, key) is None:
                    problems.append(Problem("run", key, _ABSENT,
                                            "required for a time-dependent run (steady_state = false)"))
        if self.dt_s is not None and self.end_time_s is not None:
            for key in ("end_time_s", "output_every_s", "snapshot_every_s", "checkpoint_every_s"):
                value = getattr(self, key)
                if value is not None and not is_multiple(value, self.dt_s):
                    problems.append(Problem("run", key, value,
                                            f"must be a whole multiple of dt_s = {_show(self.dt_s)}"))
            for value in self.snapshot_times_s:
                if value > 0 and not is_multiple(value, self.dt_s):
                    problems.append(Problem("run", "snapshot_times_s", value,
                                            f"must be a whole multiple of dt_s = {_show(self.dt_s)}"))
        return problems

    @property
    def n_steps(self) -> int:
        return steps_in(self.end_time_s, self.dt_s)


def step_counted_run_problems(run: "RunConfig", model: str, steps: str) -> list[Problem]:
    """[run] keys a model that plans its own steps (``plans_own_steps``) cannot use.

    ``steps`` says what one step is, for the message (e.g. "energy level per case").
    """
    problems = []
    if run.steady_state:
        problems.append(Problem("run", "steady_state", True,
                                f"not used by the {model} model: it takes one step per {steps} (remove the key)"))
    for key in ("end_time_s", "dt_s", "output_every_s", "snapshot_every_s", "checkpoint_every_s"):
        if getattr(run, key) is not None:
            problems.append(Problem("run", key, getattr(run, key),
                                    f"not used by the {model} model: it takes one step per {steps} (remove "
                                    "the key; checkpoints follow checkpoint_every_wall_s and stop signals)"))
    if run.snapshot_times_s:
        problems.append(Problem("run", "snapshot_times_s", list(run.snapshot_times_s),
                                f"not used by the {model} model"))
    return problems


def is_multiple(value: float, step: float) -> bool:
    ratio = value / step
    return abs(ratio - round(ratio)) <= 1e-9 * max(1.0, ratio) and round(ratio) >= 1


def steps_in(duration_s: float, dt_s: float) -> int:
    """Number of steps of ``dt_s`` in ``duration_s`` (validated to be whole)."""
    return int(round(duration_s / dt_s))


# ----------------------------------------------------------------------------- config


@dataclass(frozen=True)
class Config:
    """A validated input: the run table, the model's table, and where they came from."""

    run: RunConfig
    model: Any
    source: str
    input_text: str
    overrides: tuple[str, ...] = ()

    @property
    def model_name(self) -> str:
        return self.run.model

    def effective_toml(self) -> str:
        """Every key with the value in force (defaults included), as TOML text."""
        return tomli_w.dumps({"run": as_dict(self.run), self.run.model: as_dict(self.model)})


def as_dict(obj) -> dict:
    """Dataclass -> TOML-ready dict (``None`` values omitted, tuples as lists)."""
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value is None:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def load(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Read, override and validate an input file. Raises :class:`ConfigError`."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(source, [Problem("", "", _ABSENT, f"cannot read input file: {exc.strerror}")])
    return loads(text, source=source, overrides=overrides)


def loads(text: str, source: str = "<input>", overrides: list[str] | tuple[str, ...] = ()) -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [Problem("", "", _ABSENT, f"not valid TOML: {exc}")])
    problems: list[Problem] = []
    for item in overrides:
        problems.extend(_apply_override(raw, item))
    if problems:
        raise ConfigError(source, problems)
    return _validate(raw, text, source, tuple(overrides))


def _apply_override(raw: dict, item: str) -> list[Problem]:
    key_path, sep, value_text = item.partition("=")
    parts = key_path.strip().split(".")
    if not sep or len(parts) != 2 or not all(parts):
        return [Problem("", "", _ABSENT,
                        f"--set {item!r}: expected table.key=value, e.g. --set run.dt_s=0.5")]
    table, key = parts
    try:
        value = tomllib.loads(f"v = {value_text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text.strip()
    target = raw.setdefault(table, {})
    if not isinstance(target, dict):
        return [Problem(table, "", _ABSENT, f"--set {item!r}: {table} is not a table")]
    target[key] = value
    return []


def _validate(raw: dict, text: str, source: str, overrides: tuple[str, ...]) -> Config:
    from hpcsim.models import model_names, model_config_class

    problems: list[Problem] = []
    run_raw = raw.get("run")
    if not isinstance(run_raw, dict):
        raise ConfigError(source, [Problem("run", "", _ABSENT, "missing [run] table")])
    if "model" not in run_raw:
        raise ConfigError(source, [Problem("run", "model", _ABSENT,
                                           f"missing; choose one of {', '.join(model_names())}")])
    name = run_raw["model"]
    if name not in model_names():
        raise ConfigError(source, [Problem("run", "model", name,
                                           f"unknown model; choose one of {', '.join(model_names())}")])
    for table in raw:
        if table not in ("run", name):
            hint = " (the model table must be named after run.model)" if table in model_names() else ""
            problems.append(Problem(table, "", _ABSENT,
                                    f"unknown table for model {name!r}; expected [run] and [{name}]{hint}"))
    run, run_problems = build("run", RunConfig, run_raw)
    problems += run_problems
    model_raw = raw.get(name, {})
    if not isinstance(model_raw, dict):
        problems.append(Problem(name, "", _ABSENT, "must be a table"))
        model_raw = {}
    model, model_problems = build(name, model_config_class(name), model_raw)
    problems += model_problems
    if not problems:
        problems += run.check(plans_own_steps=getattr(model, "plans_own_steps", False))
        problems += model.check(run)
    if problems:
        raise ConfigError(source, problems)
    return Config(run=run, model=model, source=source, input_text=text, overrides=overrides)


def build(table: str, cls: type, raw: dict) -> tuple[Any, list[Problem]]:
    """Validate ``raw`` against dataclass ``cls`` (types, bounds, choices, unknown keys)."""
    problems: list[Problem] = []
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key, value in raw.items():
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=3, cutoff=0.5)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            problems.append(Problem(table, key, value,
                                    f"unknown key{hint} (units are part of key names; see "
                                    f"docs/input_reference.md)"))
    values = {}
    for name, f in fields.items():
        if name in raw:
            value, message = _coerce(raw[name], hints[name], f.metadata)
            if message:
                problems.append(Problem(table, name, raw[name], message))
                continue
            values[name] = value
        elif f.default is dataclasses.MISSING:
            problems.append(Problem(table, name, _ABSENT, "required key is missing"))
    if problems:
        return None, problems
    return cls(**values), []


_TYPE_WORDS = {float: "a number", int: "an integer", bool: "true or false", str: "a string"}


def _coerce(value: Any, annotation: Any, meta) -> tuple[Any, str | None]:
    """Check one value against its annotation and bounds; return (value, error message)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        annotation = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is tuple:
        if not isinstance(value, list):
            return None, f"expected a list of {_TYPE_WORDS[args[0]].split(' ', 1)[1]}s, got {_kind(value)}"
        out = []
        for item in value:
            item_value, message = _coerce_scalar(item, args[0])
            if message:
                return None, f"list item {_show(item)}: {message}"
            out.append(item_value)
        if meta.get("min_items") is not None and len(out) < meta["min_items"]:
            return None, f"needs at least {meta['min_items']} items"
        for item in out:
            message = _bounds(item, meta)
            if message:
                return None, f"list item {_show(item)}: {message}"
        return tuple(out), None
    value, message = _coerce_scalar(value, annotation)
    if message:
        return None, message
    return value, _bounds(value, meta)


def _coerce_scalar(value: Any, kind: type) -> tuple[Any, str | None]:
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            extra = " (write the number alone; the unit is in the key name)" if isinstance(value, str) else ""
            return None, f"expected a number, got {_kind(value)}{extra}"
        if not math.isfinite(value):
            return None, "must be finite"
        return float(value), None
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return None, f"expected an integer, got {_kind(value)}"
        return value, None
    if kind is bool:
        if not isinstance(value, bool):
            return None, f"expected true or false, got {_kind(value)}"
        return value, None
    if kind is str:
        if not isinstance(value, str):
            return None, f"expected a string, got {_kind(value)}"
        return value, None
    raise TypeError(f"unsupported config type {kind}")


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _bounds(value: Any, meta) -> str | None:
    if meta.get("choices") is not None and value not in meta["choices"]:
        return f"must be one of {', '.join(map(_show, meta['choices']))}"
    if meta.get("ge") is not None and not value >= meta["ge"]:
        return f"must be >= {_show(meta['ge'])}"
    if meta.get("gt") is not None and not value > meta["gt"]:
        return f"must be > {_show(meta['gt'])}"
    if meta.get("le") is not None and not value <= meta["le"]:
        return f"must be <= {_show(meta['le'])}"
    if meta.get("lt") is not None and not value < meta["lt"]:
        return f"must be < {_show(meta['lt'])}"
    return None


# ----------------------------------------------------------------------------- reference


def reference_markdown() -> str:
    """The input reference (docs/input_reference.md), generated from the dataclasses."""
    from hpcsim.models import model_names, model_config_class

    lines = ["# Input reference", "",
             "Generated by `python tools/gen_input_reference.py` from the defaults in "
             "`hpcsim/config.py` and `hpcsim/models/*/config.py`; do not edit by hand.", "",
             "An input file is TOML with a `[run]` table and one table named after the model. "
             "Units are in the key names. Any key can be overridden on the command line with "
             "`hpcsim run INPUT --set table.key=value`.", ""]
    for table, cls in [("run", RunConfig)] + [(n, model_config_class(n)) for n in model_names()]:
        lines += [f"## `[{table}]`", "", (cls.__doc__ or "").strip().splitlines()[0], "",
                  "| key | type | default | allowed | meaning |", "| --- | --- | --- | --- | --- |"]
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            default = "required" if f.default is dataclasses.MISSING else (
                "unset" if f.default is None else f"`{_show(f.default)}`")
            lines.append(f"| `{f.name}` | {_type_name(hints[f.name])} | {default} | "
                         f"{_allowed(f.metadata)} | {f.metadata.get('doc', '')} |")
        lines.append("")
    return "\n".join(lines)


def _type_name(annotation) -> str:
    args = typing.get_args(annotation)
    if type(None) in args:
        return _type_name(next(a for a in args if a is not type(None)))
    if typing.get_origin(annotation) is tuple:
        return f"list of {args[0].__name__}"
    return annotation.__name__


def _allowed(meta) -> str:
    parts = []
    if meta.get("choices"):
        parts.append(", ".join(f"`{c}`" for c in meta["choices"]))
    for key, op in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if meta.get(key) is not None:
            parts.append(f"{op} {_show(meta[key])}")
    if meta.get("min_items"):
        parts.append(f"at least {meta['min_items']} items")
    return "; ".join(parts)
