#!/usr/bin/env python3
"""Figures (PNG) from the output file of a `bounce` run.

Run::

    python tools/plot_bounce_snapshots.py runs/quickstart/output.h5 -o figures/
    python tools/plot_bounce_snapshots.py runs/quickstart -o figures/ --times 0 3600 7200
    python tools/plot_bounce_snapshots.py runs/quickstart/output.h5 --alpha-eq-deg 18.4

(with the project's Python, e.g. ``.venv/bin/python``; matplotlib is the ``plot`` extra).

It writes, into the output directory (created if needed):

* ``bounce_t<time>s.png`` for every snapshot in ``/snapshots`` (or the snapshot nearest
  each of ``--times``): on top, the distribution Q summed over equatorial pitch angle on
  the MLT-energy grid, normalised to its maximum in the first snapshot (t = 0) and
  coloured in half-decade steps, like Figure 5 of paper 001_bb23716bc5c9e956.txt (which
  shows the single pitch-angle cell at the middle of the injection range: use
  ``--alpha-eq-deg`` for one cell); the dots mark where the beam centre would be if it
  only drifted, at the mean drift rate of the initial beam in each energy cell; below, the
  electrons per MLT cell (``/snapshots/count_per_mlt``, eq. 5 of the paper);
* ``bounce_particle_fraction.png``: ``/timeseries/particle_fraction`` against time.

The layout of the file is described in ``hpcsim/io/output.py``; the grid comes from
``/grid`` (``mlt_edges_h``, ``energy_edges_MeV``, ``alpha_eq_deg``, ``drift_rate_rad_s``).
The file is read with h5py, read-only, without MPI; it can be the output of a finished
run or of one stopped for a restart (a file still being written is locked by HDF5).
Exit status: 0 figures written, 2 the file cannot be read or is not from a bounce run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib

import numpy as np

import hpcsim  # noqa: F401  (sets the h5py environment before h5py is imported)
import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import BoundaryNorm  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Draw MLT-energy maps of Q, counts per MLT and the "
                                "particle fraction from a bounce output file (PNG).")
    p.add_argument("output", help="output.h5 of a bounce run, or the run's output directory")
    p.add_argument("-o", "--outdir", default="figures", help="directory for the PNG files "
                   "(default: figures)")
    p.add_argument("--times", type=float, nargs="+", metavar="T_S",
                   help="simulated times, s: plot the snapshot nearest each (default: all snapshots)")
    p.add_argument("--alpha-eq-deg", type=float, metavar="DEG",
                   help="show the pitch-angle cell nearest this equatorial pitch angle instead of "
                   "the sum over pitch angle")
    p.add_argument("--decades", type=float, default=4.0,
                   help="colour range below the normalisation, decades (default: 4)")
    p.add_argument("--dpi", type=int, default=120, help="resolution of the PNG files (default: 120)")
    return p.parse_args(argv)


def _error(message: str) -> int:
    print(f"plot_bounce_snapshots: error: {message}", file=sys.stderr)
    return 2


def _beam_mlt_h(f: h5py.File) -> float | None:
    """Initial MLT of the beam centre, from the run's effective input (None if unknown)."""
    text = f.attrs.get("effective_input")
    if isinstance(text, bytes):
        text = text.decode()
    try:
        return float(tomllib.loads(text)["bounce"]["beam_mlt_h"])
    except (TypeError, KeyError, ValueError, tomllib.TOMLDecodeError):
        return None


def select_rows(times: np.ndarray, wanted: list[float] | None) -> list[int]:
    """Snapshot rows to plot: all, or the nearest to each wanted time (no duplicates)."""
    if not wanted:
        return list(range(len(times)))
    rows: list[int] = []
    for t in wanted:
        row = int(np.argmin(np.abs(times - t)))
        if not np.isclose(times[row], t, rtol=1e-9, atol=1e-9):
            print(f"plot_bounce_snapshots: no snapshot at t = {t:g} s; using t = {times[row]:g} s",
                  file=sys.stderr)
        if row not in rows:
            rows.append(row)
    return rows


def _time_label(t_s: float) -> str:
    return f"t = {t_s / 3600.0:.3g} h" if t_s >= 3600.0 else f"t = {t_s:g} s"


def plot_snapshot(path: str, *, q_map: np.ndarray, norm_value: float, counts: np.ndarray,
                  grid: dict, t_s: float, what: str, decades: float, drift_mlt: np.ndarray | None,
                  dpi: int) -> None:
    """One figure: log10(Q / norm) on the MLT-energy grid over the counts per MLT."""
    fig, (ax_q, ax_n) = plt.subplots(2, 1, figsize=(7.0, 6.5), sharex=True,
                                     gridspec_kw={"height_ratios": [3, 1.3]})
    with np.errstate(divide="ignore", invalid="ignore"):
        logq = np.log10(q_map / norm_value)
    logq = np.ma.masked_invalid(logq)
    levels = np.arange(-decades, 0.0 + 1e-9, 0.5)
    cmap = plt.get_cmap("viridis").with_extremes(under="white", bad="white", over="red")
    norm = BoundaryNorm(levels, cmap.N, extend="both")
    mesh = ax_q.pcolormesh(grid["mlt_edges"], grid["energy_edges"], logq.T, cmap=cmap, norm=norm,
                           shading="flat")
    if drift_mlt is not None:
        ax_q.plot(drift_mlt, grid["energy"], "o", ms=4, mfc="none", mec="black")
    cbar = fig.colorbar(mesh, ax=ax_q, extend="both")
    cbar.set_label(r"$\log_{10}$ (Q / max Q at t = 0)")
    ax_q.set_ylabel("energy (MeV)")
    ax_q.set_title(f"{what}, {_time_label(t_s)}"
                   + ("\n(circles: beam centre if it only drifted)" if drift_mlt is not None else ""),
                   fontsize="medium")
    ax_n.stairs(counts, grid["mlt_edges"], fill=True, alpha=0.6)
    ax_n.set_xlabel("MLT (h)")
    ax_n.set_ylabel("electrons per\nMLT cell")
    ax_n.set_xlim(grid["mlt_edges"][0], grid["mlt_edges"][-1])
    ax_n.set_xticks(np.arange(0, 24.1, 3))
    # keep the lower panel aligned with the upper one (which has a colour bar)
    fig.colorbar(mesh, ax=ax_n).ax.set_visible(False)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)


def plot_fraction(path: str, time_s: np.ndarray, fraction: np.ndarray, dpi: int) -> None:
    hours = len(time_s) > 0 and time_s[-1] >= 7200.0
    t = time_s / 3600.0 if hours else time_s
    fig, ax = plt.subplots(figsize=(7.0, 3.5))
    ax.plot(t, fraction, "-", marker="." if len(t) < 60 else None)
    ax.set_xlabel("time (h)" if hours else "time (s)")
    ax.set_ylabel("particle fraction")
    ax.set_title("beam electrons on the L shell over the initial count")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    path = os.path.join(args.output, "output.h5") if os.path.isdir(args.output) else args.output
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        return _error(f"cannot open {path}: {exc}")
    written: list[str] = []
    with f:
        model = f.attrs.get("model")
        model = model.decode() if isinstance(model, bytes) else model
        if model != "bounce":
            return _error(f"{path} is not the output of a bounce run (model {model!r})")
        g = f["grid"]
        grid = {"mlt_edges": g["mlt_edges_h"][...], "energy_edges": g["energy_edges_MeV"][...],
                "energy": g["energy_MeV"][...], "alpha": g["alpha_eq_deg"][...]}
        drift_rate = g["drift_rate_rad_s"][...]  # (alpha, energy), rad/s
        snaps = f["snapshots"]
        times = snaps["time_s"][...]
        os.makedirs(args.outdir, exist_ok=True)

        if args.alpha_eq_deg is None:
            cell, what = None, "Q summed over pitch angle"
        else:
            cell = int(np.argmin(np.abs(grid["alpha"] - args.alpha_eq_deg)))
            what = f"Q at equatorial pitch angle {grid['alpha'][cell]:.3g} deg"

        def reduce(q):  # (mlt, alpha, energy) -> (mlt, energy)
            return q.sum(axis=1) if cell is None else q[:, cell, :]

        if len(times):
            q0 = snaps["Q"][0]
            norm_value = float(np.max(reduce(q0)))
            if not norm_value > 0:
                norm_value = 1.0
            beam_mlt = _beam_mlt_h(f)
            weights = q0.sum(axis=(0, 2))  # initial beam in each pitch-angle cell
            if cell is not None:
                rate = drift_rate[cell]
            elif weights.sum() > 0:
                rate = weights @ drift_rate / weights.sum()
            else:
                rate = None
            for row in select_rows(times, args.times):
                t = float(times[row])
                drift_mlt = None
                if beam_mlt is not None and rate is not None:
                    drift_mlt = (beam_mlt + rate * (t - times[0]) * 12.0 / np.pi) % 24.0
                out = os.path.join(args.outdir, f"bounce_t{t:010.1f}s.png")
                plot_snapshot(out, q_map=reduce(snaps["Q"][row]), norm_value=norm_value,
                              counts=snaps["count_per_mlt"][row], grid=grid, t_s=t, what=what,
                              decades=args.decades, drift_mlt=drift_mlt, dpi=args.dpi)
                written.append(out)
        else:
            print(f"plot_bounce_snapshots: {path} has no snapshots", file=sys.stderr)

        ts = f["timeseries"]
        if "particle_fraction" in ts and len(ts["time_s"]):
            out = os.path.join(args.outdir, "bounce_particle_fraction.png")
            plot_fraction(out, ts["time_s"][...], ts["particle_fraction"][...], args.dpi)
            written.append(out)
    for out in written:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
