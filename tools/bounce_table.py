#!/usr/bin/env python3
"""Integral-content results of bounce runs next to the paper's (section 5.2, Figure 9b).

Run (with the project's Python, e.g. ``.venv/bin/python``)::

    python tools/bounce_table.py runs/bounce_L2/output.h5 runs/bounce_L3/output.h5 \\
        runs/bounce_L4/output.h5
    python tools/bounce_table.py runs/bounce_L*/output.h5 --markdown     # for docs/

For each run (an ``output.h5`` or its run directory) one row: L, the processes switched on
(from the file's ``effective_input``), the time t_ref used (24 h, or the end of the run
when it is shorter; "*" marks a run that is not complete), the particle fraction N/N0 at
t_ref, the loss rate -d ln N/dt in % of the remaining particles per hour at 1 h and at
t_ref (``hpcsim.models.bounce.model.loss_rate_percent_per_h``), and the fractions of the
initial count lost by precipitation (atmospheric loss term) and by energy loss (out of
the lowest energy cell) at t_ref. Next to each of the first three, the paper's value from
``../shared/reference/beam_results.csv`` (only for all-process runs, at 24 h) and the ratio
model / paper. The paper: 73/77/52 % at 24 h, 2.4/1.8/7.9 %/h at 1 h, 0.82/0.70/1.5 %/h at
24 h for L = 2/3/4.

Exit status 0, or 2 when a file cannot be read.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import hpcsim  # noqa: F401,E402  (h5py environment first)
from hpcsim.models.bounce.model import loss_rate_percent_per_h  # noqa: E402
from bounce_figures import read_run  # noqa: E402

REFERENCE_CSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "reference",
                             "beam_results.csv")
DAY_S = 86400.0

COLUMNS = ["run", "L", "processes", "t_ref_h", "fraction", "paper", "ratio", "rate_1h_%/h", "paper", "ratio",
           "rate_tref_%/h", "paper", "ratio", "lost_precip", "lost_energy"]


def read_reference(path: str = REFERENCE_CSV) -> dict:
    """{(L, processes, quantity, t_h): value} from the reference CSV ('#' lines are comments)."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in rows:
            try:
                t_h = float(row["t_h"]) if row["t_h"] else None
                out[(float(row["L"]), row["processes"], row["quantity"], t_h)] = float(row["value"])
            except (KeyError, ValueError):
                continue
    return out


def _interp(ts: dict, name: str, t_s: float) -> float:
    if name not in ts:
        return float("nan")
    return float(np.interp(t_s, ts["time_s"], ts[name]))


def run_row(path: str, reference: dict) -> dict:
    """The table row of one run (numbers as floats, nan where not available)."""
    r = read_run(path)
    ts = r.ts
    t = ts["time_s"]
    count = ts["particle_count"]
    t_ref = min(DAY_S, float(t[-1]))
    fraction = _interp(ts, "particle_fraction", t_ref) if "particle_fraction" in ts else \
        float(np.interp(t_ref, t, count) / count[0])
    enough = len(t) >= 3
    rate_1h = loss_rate_percent_per_h(t, count, 3600.0) if enough and t[-1] >= 3600.0 else float("nan")
    rate_ref = loss_rate_percent_per_h(t, count, t_ref) if enough else float("nan")
    key = "all" if r.all_processes else ("drift_only" if r.label == "drift only" else r.label)
    at_day = abs(t_ref - DAY_S) < 1.0

    def ref(quantity, t_h):
        return reference.get((r.L, key, quantity, t_h), float("nan"))

    paper_frac = ref("particle_fraction", 24.0) if at_day else float("nan")
    paper_1h = ref("loss_rate", 1.0)
    paper_ref = ref("loss_rate", 24.0) if at_day else float("nan")
    return {
        "run": os.path.basename(os.path.dirname(os.path.abspath(r.path))) + ("" if r.complete else "*"),
        "L": r.L, "processes": r.label, "t_ref_h": t_ref / 3600.0,
        "fraction": fraction, "paper_fraction": paper_frac, "ratio_fraction": fraction / paper_frac,
        "rate_1h": rate_1h, "paper_rate_1h": paper_1h, "ratio_rate_1h": rate_1h / paper_1h,
        "rate_ref": rate_ref, "paper_rate_ref": paper_ref, "ratio_rate_ref": rate_ref / paper_ref,
        "lost_precip": _interp(ts, "lost_precipitation_fraction", t_ref),
        "lost_energy": _interp(ts, "lost_energy_fraction", t_ref),
    }


def _cells(row: dict) -> list[str]:
    def f(x, fmt):
        if x is None or not np.isfinite(x):
            return "-"
        text = format(x, fmt)
        return text[1:] if text.startswith("-") and float(text) == 0.0 else text   # no "-0"
    return [row["run"], f(row["L"], "g"), row["processes"], f(row["t_ref_h"], ".3g"),
            f(row["fraction"], ".3f"), f(row["paper_fraction"], ".2f"), f(row["ratio_fraction"], ".2f"),
            f(row["rate_1h"], ".3g"), f(row["paper_rate_1h"], ".3g"), f(row["ratio_rate_1h"], ".2f"),
            f(row["rate_ref"], ".3g"), f(row["paper_rate_ref"], ".3g"), f(row["ratio_rate_ref"], ".2f"),
            f(row["lost_precip"], ".3f"), f(row["lost_energy"], ".3f")]


def format_table(rows: list[dict], markdown: bool = False) -> str:
    body = [_cells(r) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
        lines += ["| " + " | ".join(c) + " |" for c in body]
    else:
        widths = [max(len(x) for x in col) for col in zip(COLUMNS, *body)]
        lines = ["  ".join(x.ljust(w) for x, w in zip(COLUMNS, widths))]
        lines += ["  ".join(x.ljust(w) for x, w in zip(c, widths)) for c in body]
    notes = ("fraction: N/N0 at t_ref (24 h or the end); rates: -d ln N/dt in % of the remaining particles per "
             "hour at 1 h and at t_ref; lost_*: fraction of N0 removed by precipitation / by energy loss "
             "at t_ref; paper values (section 5.2) only for all-process runs at 24 h; ratio = model/paper; "
             "* run not complete.")
    return "\n".join(lines) + "\n\n" + notes


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Particle fraction and loss rates of bounce runs vs the paper.")
    p.add_argument("runs", nargs="+", help="output.h5 files (or run directories) of bounce runs")
    p.add_argument("--markdown", action="store_true", help="print a markdown table")
    p.add_argument("--reference", default=REFERENCE_CSV, help="reference CSV (default: %(default)s)")
    args = p.parse_args(argv)
    reference = read_reference(args.reference)
    rows = []
    for path in args.runs:
        try:
            rows.append(run_row(path, reference))
        except (OSError, ValueError, KeyError) as exc:
            print(f"error: cannot read {path}: {exc}", file=sys.stderr)
            return 2
    print(format_table(rows, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
