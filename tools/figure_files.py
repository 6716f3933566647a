"""What the figure scripts share: matplotlib on the Agg backend, the Skip signal of a figure that
does not apply, reading the output files named on their command line (and their string
attributes) and writing the PNG files (tools/bounce_figures.py, tools/wpi_figures.py,
tools/fieldline_figures.py)."""

from __future__ import annotations

import os
import sys


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
