"""What the figure scripts share: reading the output files named on their command line and
writing the PNG files (tools/bounce_figures.py, tools/wpi_figures.py, tools/fieldline_figures.py)."""

from __future__ import annotations

import os
import sys


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
