"""Grid convergence of the fieldline model on the paper's Figure 2 Maxwellian case.

    python tools/fieldline_convergence.py [--axes E mu0 mag s] [--quick] [--ranks N]
                                          [--out DIR] [--markdown] [--rerun]

For each refinement axis, runs inputs/fieldline_fig2_maxwellian.toml (Maxwellian E0 = 1 keV,
1 erg cm-2 s-1 in both hemispheres) on a sequence of grids where only that axis changes, and
prints per run the headline numbers and the omnidirectional flux at 240 km (north), then per
quantity the relative change between the two finest grids and the observed order of
convergence. The axes (the default grid is the one marked *):

    E     level_ratio / step_low_eV   1.2/1.0, 1.1/0.5, 1.05/0.5*, 1.025/0.25   (h = level_ratio - 1)
    mu0   loss_cone_points            4, 8*, 16 (magnetosphere_cells fixed)     (h = 1 / points)
    mag   magnetosphere_cells         30, 60*, 120 (trapped mu0 lines and s above 800 km)
    s     step_bottom_km/step_s1_km   4/80, 2/40*, 1/20 (ionosphere, 90-800 km) (h = step_bottom_km)

--quick replaces the base grid by a much coarser one (magnetosphere_cells 12, step_bottom_km 6,
step_s1_km 100, level_ratio 1.25, e_max_eV = primary_max_eV = 4000) and refines around it, for
trying the script in under a minute. Each run writes DIR/<axis>_<k>/output.h5 (the base grid,
common to all axes, DIR/base/output.h5, run once); a complete output whose effective input matches
is reused unless --rerun is given. DIR is --out, by default runs/fieldline_convergence (with
--quick runs/fieldline_convergence_quick). --ranks N > 1 runs each grid as `mpirun -n N hpcsim
run` (a subprocess); the default runs it in-process on MPI.COMM_SELF. The results also go to
DIR/results.json. The tables of docs/validation/fieldline_convergence.md come from this script
(--markdown).

Quantities: north escape energy and particle fractions, the share of secondaries (< 600 eV) in
the escaping particles, the returned thermal flux (eq. 19), J(E) at 240 km north at 3, 10, 50
and 300 eV (log J interpolated linearly in altitude between the two nodes around 240 km, then in
log E between level centres, so that node positions that move with the grid do not enter), the
energy budget residual, unknowns per energy level, levels and nodes, wall time of the run.

Observed order from three successive grids with differences d1 = q1 - q2, d2 = q2 - q3 and a
constant refinement ratio r (here always 2 in h): p = log(|d1| / |d2|) / log(r). Differences
that change sign (oscillation) are flagged; p is then not an order.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
INPUT = ROOT / "inputs" / "fieldline_fig2_maxwellian.toml"
ALTITUDE_KM = 240.0
ENERGIES_EV = (3.0, 10.0, 50.0, 300.0)

#: the base grid of --quick (every axis is refined around it)
QUICK_BASE = dict(magnetosphere_cells=12, step_bottom_km=6.0, step_s1_km=100.0, level_ratio=1.25,
                  e_max_eV=4000.0, primary_max_eV=4000.0)

#: per axis: description, the grids (key -> value overrides, coarse to fine), h of each grid
AXES = {
    "E": dict(title="energy levels (level_ratio above 10 eV, step_low_eV below)",
              full=[dict(level_ratio=1.2, step_low_eV=1.0), dict(level_ratio=1.1, step_low_eV=0.5),
                    dict(level_ratio=1.05, step_low_eV=0.5), dict(level_ratio=1.025, step_low_eV=0.25)],
              quick=[dict(level_ratio=1.5, step_low_eV=1.0), dict(level_ratio=1.25, step_low_eV=0.5),
                     dict(level_ratio=1.125, step_low_eV=0.5), dict(level_ratio=1.0625, step_low_eV=0.25)],
              h=lambda g: g["level_ratio"] - 1.0),
    "mu0": dict(title="loss-cone pitch angles (loss_cone_points; magnetosphere_cells fixed)",
                full=[dict(loss_cone_points=4), dict(loss_cone_points=8), dict(loss_cone_points=16)],
                quick=[dict(loss_cone_points=4), dict(loss_cone_points=8), dict(loss_cone_points=16)],
                h=lambda g: 1.0 / g["loss_cone_points"]),
    "mag": dict(title="magnetosphere (magnetosphere_cells: trapped mu0 lines and s above 800 km)",
                full=[dict(magnetosphere_cells=30), dict(magnetosphere_cells=60), dict(magnetosphere_cells=120)],
                quick=[dict(magnetosphere_cells=6), dict(magnetosphere_cells=12), dict(magnetosphere_cells=24)],
                h=lambda g: 1.0 / g["magnetosphere_cells"]),
    "s": dict(title="ionospheric s steps (step_bottom_km / step_s1_km, 90-800 km)",
              full=[dict(step_bottom_km=4.0, step_s1_km=80.0), dict(step_bottom_km=2.0, step_s1_km=40.0),
                    dict(step_bottom_km=1.0, step_s1_km=20.0)],
              quick=[dict(step_bottom_km=12.0, step_s1_km=200.0), dict(step_bottom_km=6.0, step_s1_km=100.0),
                     dict(step_bottom_km=3.0, step_s1_km=50.0)],
              h=lambda g: g["step_bottom_km"]),
}

#: reported quantities: key, column label, format; ``converge`` = include in the order table
QUANTITIES = [
    ("escape_energy_fraction", "esc. energy frac. N", "{:.5f}", True),
    ("escape_particle_fraction", "esc. particle frac. N", "{:.5f}", True),
    ("escaping_se_particle_share", "SE share", "{:.5f}", True),
    ("returned_thermal_flux_eV_cm2_s", "returned thermal, eV cm-2 s-1", "{:.4e}", True),
    *[(f"J240_{e:g}eV", f"J(240 km, {e:g} eV)", "{:.4e}", True) for e in ENERGIES_EV],
    ("energy_balance_residual", "budget residual", "{:.1e}", False),
    ("unknowns_per_level", "unknowns/level", "{:d}", False),
    ("levels", "levels", "{:d}", False),
    ("nodes", "nodes", "{:d}", False),
    ("wall_s", "wall s", "{:.1f}", False),
]


def fmt(value, spec):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return spec.format(value)


# -- running -------------------------------------------------------------------------------
def grids(axis: str, quick: bool) -> list[dict]:
    """The key overrides of every grid of ``axis``, coarse to fine (base grid keys included)."""
    base = dict(QUICK_BASE) if quick else {}
    return [{**base, **g} for g in AXES[axis]["quick" if quick else "full"]]


def model_keys(keys: dict) -> dict:
    """Every [fieldline] key in force for the input with ``keys`` overridden."""
    from hpcsim.config import as_dict, load
    return as_dict(load(INPUT, [f"fieldline.{k}={v!r}" for k, v in keys.items()]).model)


def is_base(keys: dict, quick: bool) -> bool:
    """Whether ``keys`` give the base grid (the defaults, or QUICK_BASE with --quick)."""
    return model_keys(keys) == model_keys(QUICK_BASE if quick else {})


def overrides(keys: dict, output_dir: Path) -> list[str]:
    out = [f"fieldline.{k}={v!r}" for k, v in keys.items()]
    return out + [f'run.output_dir="{output_dir}"', "run.progress_every_wall_s=1e9"]


def reusable(output_dir: Path, config) -> bool:
    """A complete output written from the same effective input."""
    path = output_dir / "output.h5"
    if not path.exists():
        return False
    try:
        with h5py.File(path, "r") as f:
            return bool(f.attrs.get("complete")) and f.attrs.get("effective_input") == config.effective_toml()
    except OSError:
        return False


def run_one(keys: dict, output_dir: Path, ranks: int, rerun: bool) -> tuple[object, bool]:
    """Run (or reuse) one grid; returns its validated config and whether it was run now."""
    from hpcsim.config import load
    sets = overrides(keys, output_dir)
    config = load(INPUT, sets)
    if not rerun and reusable(output_dir, config):
        return config, False
    if output_dir.exists():
        shutil.rmtree(output_dir)
    if ranks > 1:
        exe = shutil.which("hpcsim") or str(Path(sys.executable).parent / "hpcsim")
        cmd = ["mpirun", "-n", str(ranks), exe, "run", str(INPUT)] + [a for s in sets for a in ("--set", s)]
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        output_dir.mkdir(parents=True, exist_ok=True)
        with open(output_dir / "run.log", "w") as log:
            subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    else:
        from mpi4py import MPI
        from hpcsim.runner import Runner
        result = Runner(config, MPI.COMM_SELF).run()
        if not result.complete:
            raise RuntimeError(f"{output_dir}: run stopped before the last level")
    return config, True


# -- measuring -----------------------------------------------------------------------------
def flux_at(energy, altitude, omni, alt_km, energies_eV):
    """J at ``alt_km`` in the northern half and ``energies_eV``: log J linear in altitude between
    the two nodes around ``alt_km``, then linear in log E between level centres."""
    ns = altitude.size
    north = np.arange(ns // 2, ns)[::-1]               # ascending altitude: from the 90-km end up
    alt = altitude[north]
    k = int(np.searchsorted(alt, alt_km))
    lo, hi = north[k - 1], north[k]
    w = (alt_km - altitude[lo]) / (altitude[hi] - altitude[lo])
    tiny = 1e-300
    log_j = (1 - w) * np.log(np.maximum(omni[:, lo], tiny)) + w * np.log(np.maximum(omni[:, hi], tiny))
    return np.exp(np.interp(np.log(energies_eV), np.log(energy), log_j))


def measure(config, output_dir: Path) -> dict:
    from hpcsim.models.fieldline import grid as fl_grid
    from hpcsim.models.fieldline.model import case_summary
    with h5py.File(output_dir / "output.h5", "r") as f:
        energy = f["grid/energy_eV"][...]
        altitude = f["grid/altitude_km"][...]
        omni = f["snapshots/omnidirectional_flux"][-1, 0]
        measures = f["snapshots/flux_measures"][-1, 0]
        budget = f["snapshots/energy_budget"][-1, 0]
        wall = float(f.attrs["wall_time_s"])
        n_ranks = int(f.attrs["n_ranks"])
    c = config.model
    g = fl_grid.build(c.L, c.bottom_km, c.s1_km, c.step_bottom_km, c.step_s1_km, c.magnetosphere_cells,
                      c.loss_cone_points)
    out = {k: float(v) for k, v in case_summary(measures, budget).items()}
    j = flux_at(energy, altitude, omni, ALTITUDE_KM, np.array(ENERGIES_EV))
    out.update({f"J240_{e:g}eV": float(x) for e, x in zip(ENERGIES_EV, j)})
    out.update(unknowns_per_level=g.n_unknowns(), levels=int(energy.size), nodes=int(g.ns), mu0_lines=int(g.nm),
               wall_s=wall, n_ranks=n_ranks)
    return out


# -- convergence ---------------------------------------------------------------------------
def observed_order(q, h):
    """Order p from three grids q (coarse to fine) with spacings h, and whether the two
    differences share a sign (monotone). None when a difference vanishes."""
    d1, d2 = q[0] - q[1], q[1] - q[2]
    r = math.sqrt((h[0] / h[1]) * (h[1] / h[2]))     # geometric mean ratio (exactly 2 for every axis here)
    if d1 == 0 or d2 == 0:
        return None, d1 * d2 >= 0
    return math.log(abs(d1) / abs(d2)) / math.log(r), d1 * d2 > 0


def convergence(runs: list[dict], hs: list[float]) -> dict:
    """Per quantity: relative change between the two finest grids and the observed orders."""
    out = {}
    for key, *_, conv in QUANTITIES:
        if not conv:
            continue
        q = [r[key] for r in runs]
        rel = (q[-1] - q[-2]) / abs(q[-1]) if q[-1] else float("nan")
        orders = []
        for i in range(len(q) - 2):
            p, mono = observed_order(q[i:i + 3], hs[i:i + 3])
            orders.append(dict(grids=[i + 1, i + 2, i + 3], p=p, monotone=mono))
        out[key] = dict(values=q, rel_change_finest=rel, orders=orders)
    return out


# -- reporting -----------------------------------------------------------------------------
def table(header, rows, markdown):
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    else:
        widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
        lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths))]
        lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def report(axis: str, result: dict, markdown: bool) -> str:
    spec = AXES[axis]
    keys = list(result["grids"][0])
    labels = [", ".join(f"{k} {g[k]:g}" for k in keys if k in spec["full"][0]) for g in result["grids"]]
    head = f"{'### ' if markdown else '== '}{axis}: {spec['title']}"
    # runs as columns, quantities as rows (the tables stay narrow)
    header = ["quantity"] + [f"{i + 1}: {lab}" for i, lab in enumerate(labels)]
    rows = [[label] + [fmt(r[key], f) for r in result["runs"]] for key, label, f, _ in QUANTITIES]
    n = len(result["runs"])
    conv_header = ["quantity", f"rel. change {n - 1}->{n}"] + [
        f"p ({'-'.join(map(str, o['grids']))})" for o in next(iter(result["convergence"].values()))["orders"]]
    conv_rows = []
    for key, label, _, conv in QUANTITIES:
        if not conv:
            continue
        c = result["convergence"][key]
        conv_rows.append([label, f"{c['rel_change_finest']:+.2e}"] + [
            ("-" if o["p"] is None else f"{o['p']:.2f}") + ("" if o["monotone"] else " (osc.)") for o in c["orders"]])
    return "\n\n".join([head, table(header, rows, markdown), table(conv_header, conv_rows, markdown)])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--axes", nargs="+", choices=list(AXES), default=list(AXES), help="refinement axes to run")
    ap.add_argument("--quick", action="store_true", help="much coarser base grid (for trying the script)")
    ap.add_argument("--ranks", type=int, default=1, help="MPI ranks per run (> 1: mpirun subprocess)")
    ap.add_argument("--out", type=Path, default=None,
                    help="directory of the runs (default runs/fieldline_convergence[_quick])")
    ap.add_argument("--markdown", action="store_true", help="markdown tables")
    ap.add_argument("--rerun", action="store_true", help="run again even where a matching output exists")
    args = ap.parse_args(argv)
    out = args.out or ROOT / "runs" / ("fieldline_convergence_quick" if args.quick else "fieldline_convergence")
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    t0 = time.perf_counter()
    for axis in args.axes:
        gs = grids(axis, args.quick)
        runs = []
        for k, keys in enumerate(gs):
            # the base grid is in every axis: run it once, in DIR/base
            run_dir = out / ("base" if is_base(keys, args.quick) else f"{axis}_{k + 1}")
            t1 = time.perf_counter()
            config, ran = run_one(keys, run_dir, args.ranks, args.rerun)
            m = measure(config, run_dir)
            runs.append(m)
            changed = {a: b for a, b in keys.items() if a in AXES[axis]["full"][0]}
            print(f"[{axis} {k + 1}/{len(gs)}] {', '.join(f'{a}={b:g}' for a, b in changed.items())}: "
                  f"{'ran' if ran else 'reused'} ({time.perf_counter() - t1:.0f} s), "
                  f"{m['levels']} levels x {m['unknowns_per_level']} unknowns, "
                  f"escape energy fraction {m['escape_energy_fraction']:.5f}", file=sys.stderr, flush=True)
        hs = [AXES[axis]["h"](g) for g in gs]
        results[axis] = dict(quick=args.quick, grids=gs, h=hs, runs=runs, convergence=convergence(runs, hs))
        results_path.write_text(json.dumps(results, indent=1))
    print(f"total {time.perf_counter() - t0:.0f} s; results in {results_path}", file=sys.stderr)
    base = "quick base grid: " + ", ".join(f"{k} {v:g}" for k, v in QUICK_BASE.items()) if args.quick else \
        "base grid: the defaults (docs/input_reference.md)"
    print(f"{INPUT.relative_to(ROOT)}; {base}; J = omnidirectional flux at {ALTITUDE_KM:g} km north, cm-2 s-1 eV-1\n")
    for axis in args.axes:
        print(report(axis, results[axis], args.markdown) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
