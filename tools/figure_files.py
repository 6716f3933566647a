"""What the figure scripts share: matplotlib on the Agg backend, the Skip signal of a figure that
does not apply, reading the output files named on their command line (and their string
attributes) and writing the PNG files (tools/bounce_figures.py, tools/wpi_figures.py,
tools/fieldline_figures.py)."""

from __future__ import annotations

import os
import sys
import tomllib
from contextlib import contextmanager


def pyplot():
    """matplotlib.pyplot on the Agg backend (imported on first use)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


class Skip(Exception):
    """A figure does not apply to the file(s) given."""


def attr_text(value) -> str:
    """An HDF5 string attribute as str."""
    return value.decode() if isinstance(value, bytes) else str(value)


@contextmanager
def model_output(path: str, model: str, snapshot: str | None = None):
    """Open the output of a ``model`` run (``path``: the HDF5 file or its run directory).

    Yields (h5py file, path of the file, the run's effective input as a dict). ValueError when the
    file is another model's, or when ``snapshot`` is given and no snapshot of it is written yet.
    """
    import h5py
    if os.path.isdir(path):
        path = os.path.join(path, "output.h5")
    with h5py.File(path, "r") as f:
        name = attr_text(f.attrs.get("model", ""))
        if name != model:
            raise ValueError(f"not the output of a {model} run (model = {name!r})")
        if snapshot is not None and ("snapshots" not in f or snapshot not in f["snapshots"]
                                     or f["snapshots"][snapshot].shape[0] == 0):
            raise ValueError("no snapshot written yet")
        text = attr_text(f.attrs.get("effective_input", ""))
        yield f, path, (tomllib.loads(text) if text else {})


def read_runs(paths, read_run):
    """``read_run(path)`` for every path; None once one cannot be read (the reason goes to stderr
    and the caller exits with status 2)."""
    runs = []
    for path in paths:
        try:
            runs.append(read_run(path))
        except (OSError, ValueError, KeyError) as exc:
            print(f"error: cannot read {path}: {exc}", file=sys.stderr)
            return None
    return runs


def draw_figures(functions, draw_one, out_dir: str, prefix: str, dpi: int, keep=None) -> dict:
    """Draw with ``draw_one(function, plt)`` (a dict of file stem -> figure) for each of
    ``functions`` and write the figures to ``out_dir`` as ``prefix + stem``.png; a function that
    raises :class:`Skip` is reported and passed over, a figure whose stem ``keep`` rejects is
    closed unwritten. Returns {file name: path written}."""
    plt = pyplot()
    os.makedirs(out_dir, exist_ok=True)
    written = {}
    for function in functions:
        try:
            drawn = draw_one(function, plt)
        except Skip as why:
            print(f"skipped {function.__name__}: {why}")
            continue
        for stem, fig in drawn.items():
            if keep is not None and not keep(stem):
                plt.close(fig)
                continue
            save_png(plt, fig, out_dir, f"{prefix}{stem}", dpi, written)
    return written


def save_png(plt, fig, out_dir: str, stem: str, dpi: int, written: dict) -> None:
    """Write ``fig`` to ``out_dir/stem.png``, close it, record it in ``written`` (file name -> path)
    and say so."""
    path = os.path.join(out_dir, f"{stem}.png")
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    written[os.path.basename(path)] = path
    print(f"wrote {path}")
