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


def save_png(plt, fig, out_dir: str, stem: str, dpi: int, written: dict) -> None:
    """Write ``fig`` to ``out_dir/stem.png``, close it, record it in ``written`` (file name -> path)
    and say so."""
    path = os.path.join(out_dir, f"{stem}.png")
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    written[os.path.basename(path)] = path
    print(f"wrote {path}")
