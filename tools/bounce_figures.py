#!/usr/bin/env python3
"""Figures 2, 3 and 5-12 of the bounce paper (001_bb23716bc5c9e956.txt) from hpcsim output.

Run (with the project's Python, e.g. ``.venv/bin/python``; matplotlib is needed)::

    python tools/bounce_figures.py runs/bounce_L2/output.h5 runs/bounce_L3/output.h5 \\
        runs/bounce_L4/output.h5 runs/bounce_L2_drift/output.h5 \\
        runs/bounce_L2_drift_collisions/output.h5 runs/bounce_L2_drift_waves/output.h5 \\
        runs/bounce_L2_collisions_2day/output.h5 runs/bounce_L2_waves_2day/output.h5 \\
        -o docs/validation/figures --prefix bounce_fig
    python tools/bounce_figures.py runs/bounce_L2/output.h5 -o figs --figures 5 6 9

Arguments are output files of `bounce` runs (or their run directories). Each figure is
written as ``<DIR>/<prefix>NN.png`` (default prefix ``fig``: ``fig02.png`` ...). A figure
whose runs are not among the arguments is skipped with a message saying what it needs.

Which run draws what: the runs are grouped by L. The *main* run of an L is the one with
all processes on (drift, energy loss, collisional and wave scattering, atmospheric loss)
and at most about a day long, else the first one given at that L. Coefficient figures take
the first run at each L that stored the coefficient.

* Fig 2  -- bounce-averaged pitch-angle diffusion coefficients <D> in mu0 (collisions, each
  wave in ``/grid/D_wave_<name>_per_s`` and the sum of the waves) versus equatorial pitch
  angle (cell edges) at the energy cell nearest 5 MeV, at midnight and noon (the MLT cells
  nearest 0 and 12 h); one row per L; the injection range is shaded.
* Fig 3  -- collisional energy-loss rate |<dE/dt>| (``/grid/energy_loss_MeV_s``) versus
  energy for the pitch-angle cells around the injection range (the last loss-cone cell,
  the injection cells, the first trapped cell), midnight and noon, one row per L; the
  centre cell of the injection range is dashed (as in the paper).
* Fig 5  -- Q versus energy and MLT for the pitch-angle cell at the middle of the
  injection range at the snapshot times, log10 in half-decade steps, normalised to the
  maximum of that slice at t = 0, with the drift line of the beam centre (the MLT the
  beam centre reaches at each energy by drift alone) while it wraps few times. Paper: L = 2;
  here one file per L (``..05.png`` for the lowest L, ``..05_L3.png`` for the others).
* Fig 6  -- the same for Q versus equatorial pitch angle and MLT at the energy cell nearest
  5 MeV (normalised to its own t = 0 maximum); the loss-cone and injection edges are drawn.
* Fig 7  -- energy spectra Q(E) of the central injection pitch-angle cell at the MLT of the
  5 MeV peak (taken afresh at each time), one panel per L, normalised as in Fig 5.
* Fig 8  -- pitch-angle distributions Q(alpha_eq) at the cell nearest 5 MeV at the MLT of
  the 5 MeV peak, one panel per L, normalised as in Fig 6.
* Fig 9  -- particle fraction N(t)/N(0) over the first day: (a) every run at L = 2 that
  is planned (end_time_s) at most about a day long, labelled by its processes (from ``effective_input``);
  (b) the main run at each L.
* Fig 10 -- particle fraction of the runs planned longer than about a day (the paper: collisions
  only versus waves only, 2 days at L = 2).
* Fig 11 -- loss time scales of eq. (7) for a 5 MeV electron versus pitch angle (cell
  centres from the last loss-cone cell upward), one panel per L: tau_E = Delta E /
  |<dE/dt>| with Delta E = 1 MeV, and tau_mu0 = (Delta mu0)^2 / <D> with Delta mu0 the
  distance in mu0 from the cell centre to the loss-cone edge, for collisions, waves and
  both. Coefficients are averaged over MLT (the paper does not say at which MLT) and
  taken at the cell centre (mean of the two edge values); the values at the first
  injection cell are printed.
* Fig 12 -- electrons per MLT cell (``/snapshots/count_per_mlt``) at several times,
  normalised to the peak of the t = 0 profile, one panel per L.

Files are opened read-only with h5py (no MPI); a run still being written can be read (its
figures show what is there so far). Exit status 0 when at least one figure was written,
2 when an input cannot be read, 1 when every requested figure was skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field

import numpy as np

import hpcsim  # noqa: F401  (sets the h5py environment before h5py is imported)
import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the sibling figure_files
from figure_files import model_output, pyplot, read_runs, save_png, Skip  # noqa: E402

ALL_FIGURES = (2, 3, 5, 6, 7, 8, 9, 10, 11, 12)
WAVES = ("hiss", "lightning", "vlf1", "vlf2")
SWITCHES = ("drift", "energy_loss", "collisional_scattering", "wave_scattering", "atmospheric_loss")
DAY_S = 86400.0
ONE_DAY_MAX_S = 1.1 * DAY_S        # runs up to this long count as "one day" runs


# ----------------------------------------------------------------------------- reading
def _bounce_defaults() -> dict:
    try:
        from dataclasses import asdict
        from hpcsim.models.bounce.config import Config
        return asdict(Config())
    except Exception:                                    # pragma: no cover - fallback
        return {"L": 2.0, "pitch_cells_loss_cone": 8, "pitch_cells_injection": 5, "beam_mlt_h": 12.0,
                **{s: True for s in SWITCHES}, "waves": WAVES}


def process_label(bounce: dict) -> str:
    """Short label of the processes switched on, e.g. 'all processes', 'drift + collisions'."""
    on = {s: bool(bounce.get(s, True)) for s in SWITCHES}
    waves = on["wave_scattering"] and len(bounce.get("waves", WAVES)) > 0
    if all(on.values()) and waves:
        label = "all processes"
        if tuple(bounce.get("waves", WAVES)) != WAVES:
            label += " (waves: " + ",".join(bounce["waves"]) + ")"
        return label
    parts = ["drift"] if on["drift"] else ["no drift"]
    if on["energy_loss"] and on["collisional_scattering"]:
        parts.append("collisions")
    elif on["energy_loss"]:
        parts.append("energy loss")
    elif on["collisional_scattering"]:
        parts.append("coll. scattering")
    if waves:
        parts.append("waves")
    label = " + ".join(parts)
    if len(parts) == 1 and on["drift"]:
        label = "drift only"
    if not on["atmospheric_loss"]:
        label += " (no atm. loss)"
    return label


@dataclass
class Run:
    """What the figures need from one output file (snapshots are read on demand)."""

    path: str
    bounce: dict
    run: dict
    complete: bool
    grid: dict = field(default_factory=dict)
    ts: dict = field(default_factory=dict)
    snap_t: np.ndarray = None

    @property
    def L(self) -> float:
        return float(self.bounce["L"])

    @property
    def label(self) -> str:
        return process_label(self.bounce)

    @property
    def all_processes(self) -> bool:
        return self.label.startswith("all processes")

    @property
    def lc(self) -> int:
        """Index of the first injection cell (cells below it are in the loss cone)."""
        return int(self.bounce["pitch_cells_loss_cone"])

    @property
    def n_inj(self) -> int:
        return int(self.bounce["pitch_cells_injection"])

    @property
    def a_mid(self) -> int:
        return self.lc + self.n_inj // 2

    @property
    def injection_deg(self) -> tuple[float, float]:
        e = self.grid["alpha_eq_edges_deg"]
        return float(e[self.lc]), float(e[self.lc + self.n_inj])

    @property
    def end_s(self) -> float:
        t = self.ts.get("time_s")
        return float(t[-1]) if t is not None and len(t) else 0.0

    @property
    def planned_end_s(self) -> float:
        """end_time_s of the input (the reached end for a run still going is end_s)."""
        return float(self.run.get("end_time_s", self.end_s))

    def e_index(self, energy_MeV: float = 5.0) -> int:
        return int(np.argmin(np.abs(self.grid["energy_MeV"] - energy_MeV)))

    def mlt_index(self, mlt_h: float) -> int:
        d = (self.grid["mlt_h"] - mlt_h + 12.0) % 24.0 - 12.0
        return int(np.argmin(np.abs(d)))

    def at_mlt(self, values: np.ndarray, mlt_h: float) -> np.ndarray:
        """``values`` (MLT first) linearly interpolated, periodically, to ``mlt_h``."""
        centres = self.grid["mlt_h"]
        x = (mlt_h - centres[0]) % 24.0 / (24.0 / len(centres))
        i = int(np.floor(x))
        w = x - i
        return (1 - w) * values[i % len(centres)] + w * values[(i + 1) % len(centres)]

    def name(self) -> str:
        return f"L={self.L:g} {self.label}"

    def snapshots(self, name: str, rows=None) -> np.ndarray:
        with h5py.File(self.path, "r") as f:
            d = f["snapshots"][name]
            return d[...] if rows is None else np.stack([d[int(r)] for r in rows])


def read_run(path: str) -> Run:
    """Read the attributes, /grid and /timeseries of a bounce output file (or run directory)."""
    with model_output(path, "bounce") as (f, path, cfg):
        bounce = {**_bounce_defaults(), **cfg.get("bounce", {})}
        run = Run(path=path, bounce=bounce, run=cfg.get("run", {}), complete=bool(f.attrs.get("complete", False)))
        run.grid = {k: f["grid"][k][...] for k in f["grid"]}
        missing = [s for s in SWITCHES if s not in cfg.get("bounce", {})]
        if cfg and missing:
            # older output without the switches: infer them from the coefficients stored
            stored = {"energy_loss": "energy_loss_MeV_s" in run.grid,
                      "collisional_scattering": "D_collisions_per_s" in run.grid,
                      "wave_scattering": any(f"D_wave_{w}_per_s" in run.grid for w in WAVES),
                      "atmospheric_loss": "tau_atm_s" in run.grid, "drift": True}
            for s in missing:
                bounce[s] = stored[s]
        run.ts = {k: f["timeseries"][k][...] for k in f["timeseries"]} if "timeseries" in f else {}
        run.snap_t = f["snapshots"]["time_s"][...] if "snapshots" in f else np.zeros(0)
    return run


def pick_times(snap_t: np.ndarray, targets_h) -> list[int]:
    """Snapshot rows nearest the target times (h) that the run reached; all (at most 6,
    evenly spread) when fewer than three targets are available."""
    if len(snap_t) == 0:
        return []
    rows = []
    for t in targets_h:
        if t * 3600.0 <= snap_t[-1] * (1 + 1e-9) + 1e-6:
            r = int(np.argmin(np.abs(snap_t - t * 3600.0)))
            if r not in rows:
                rows.append(r)
    if len(rows) < 3:
        rows = sorted(set(np.linspace(0, len(snap_t) - 1, min(6, len(snap_t))).round().astype(int).tolist()))
    return rows


def time_label(t_s: float) -> str:
    if t_s < 3600.0 - 1e-6:
        return f"t = {t_s / 60:g} min"
    return f"t = {t_s / 3600:g} h"


# ----------------------------------------------------------------------------- grouping
def by_L(runs: list[Run]) -> dict[float, list[Run]]:
    out: dict[float, list[Run]] = {}
    for r in runs:
        out.setdefault(round(r.L, 6), []).append(r)
    return dict(sorted(out.items()))


def main_runs(runs: list[Run]) -> list[Run]:
    """One run per L: all processes and about a day long preferred, else the first given."""
    chosen = []
    for group in by_L(runs).values():
        score = [(not r.all_processes, r.planned_end_s > ONE_DAY_MAX_S, i) for i, r in enumerate(group)]
        chosen.append(group[min(score)[2]])
    return chosen


def coefficient_runs(runs: list[Run], names) -> list[Run]:
    """Per L, the first run holding any of the /grid datasets ``names``."""
    out = []
    for group in by_L(runs).values():
        for r in sorted(group, key=lambda r: not r.all_processes):
            if any(n in r.grid for n in names):
                out.append(r)
                break
    return out


def _clamp_log(ax, decades: float) -> None:
    """Log axis from the largest plotted value down ``decades`` (profiles fall to round-off)."""
    tops = [np.nanmax(np.asarray(line.get_ydata(), float)) for line in ax.lines
            if np.any(np.isfinite(np.asarray(line.get_ydata(), float)))]
    if tops:
        top = 2.0 * max(tops)
        ax.set_ylim(top * 10.0 ** -decades, top)


# ----------------------------------------------------------------------------- figures
def _shade_injection(ax, run: Run, vertical=True):
    lo, hi = run.injection_deg
    if vertical:
        ax.axvspan(lo, hi, color="0.85", zorder=0, label="injection range")
    else:
        ax.axhspan(lo, hi, color="0.85", zorder=0)


def fig02(runs, plt):
    wave_names = [f"D_wave_{w}_per_s" for w in WAVES]
    use = coefficient_runs(runs, ["D_collisions_per_s"] + wave_names)
    if not use:
        raise Skip("no run stored pitch-angle diffusion coefficients (collisional or wave scattering off)")
    fig, axes = plt.subplots(len(use), 2, figsize=(10, 3.4 * len(use)), squeeze=False,
                             layout="constrained")
    styles = {"hiss": "-", "lightning": ":", "vlf1": "--", "vlf2": "-.", "all waves": (0, (3, 1, 1, 1, 1, 1)),
              "collisions": (0, (8, 3))}
    for row, r in zip(axes, use):
        e = r.e_index(5.0)
        alpha = r.grid["alpha_eq_edges_deg"]
        for ax, (mlt, where) in zip(row, ((0.0, "midnight"), (12.0, "noon"))):
            _shade_injection(ax, r)
            total = np.zeros_like(alpha)
            n_waves = 0
            for w in WAVES:
                key = f"D_wave_{w}_per_s"
                if key in r.grid:
                    d = r.at_mlt(r.grid[key], mlt)[:, e]
                    total = total + d
                    n_waves += 1
                    ax.plot(alpha, np.where(d > 0, d, np.nan), ls=styles[w], color="k", label=w)
            if n_waves:
                ax.plot(alpha, np.where(total > 0, total, np.nan), ls=styles["all waves"], color="tab:blue",
                        label="all waves")
            if "D_collisions_per_s" in r.grid:
                d = r.at_mlt(r.grid["D_collisions_per_s"], mlt)[:, e]
                ax.plot(alpha, np.where(d > 0, d, np.nan), ls=styles["collisions"], color="tab:red",
                        label="collisions")
            ax.set_yscale("log")
            ax.set_xlim(0.0, 90.0)
            ax.set_title(f"L = {r.L:g}, MLT = {mlt:g} h ({where}), "
                         f"E = {r.grid['energy_MeV'][e]:g} MeV", fontsize=9)
            ax.set_xlabel("equatorial pitch angle (deg)")
            ax.set_ylabel(r"$\langle D_{\mu_0\mu_0}\rangle$ (1/s)")
            ax.grid(alpha=0.3, which="both")
        row[1].legend(fontsize=7)
    fig.suptitle("Fig. 2: bounce-averaged pitch-angle diffusion coefficients")
    return fig


def fig03(runs, plt):
    use = coefficient_runs(runs, ["energy_loss_MeV_s"])
    if not use:
        raise Skip("no run stored /grid/energy_loss_MeV_s (energy loss off)")
    fig, axes = plt.subplots(len(use), 2, figsize=(10, 3.4 * len(use)), squeeze=False,
                             layout="constrained")
    for row, r in zip(axes, use):
        edges = r.grid["energy_edges_MeV"]
        cells = [a for a in range(r.lc - 1, r.lc + r.n_inj + 1) if 0 <= a < len(r.grid["alpha_eq_deg"])]
        colours = plt.cm.viridis(np.linspace(0, 0.9, len(cells)))
        for ax, (mlt, where) in zip(row, ((0.0, "midnight"), (12.0, "noon"))):
            loss = r.at_mlt(r.grid["energy_loss_MeV_s"], mlt)
            for a, c in zip(cells, colours):
                y = loss[a, :]
                ax.plot(edges, np.where(y > 0, y, np.nan), color=c, ls="--" if a == r.a_mid else "-",
                        label=fr"$\alpha_{{eq}}$ = {r.grid['alpha_eq_deg'][a]:.2f}$^\circ$"
                              + (" (loss cone)" if a < r.lc else ""))
            ax.set_yscale("log")
            ax.set_xlabel("energy (MeV)")
            ax.set_ylabel(r"$|\langle dE/dt\rangle|$ (MeV/s)")
            ax.set_title(f"L = {r.L:g}, MLT = {mlt:g} h ({where})", fontsize=9)
            ax.grid(alpha=0.3, which="both")
        row[1].legend(fontsize=6)
    fig.suptitle("Fig. 3: bounce-averaged collisional energy-loss rates")
    return fig


def _log_levels():
    return np.arange(-4.0, 0.51, 0.5)


def _map_panels(plt, r: Run, rows, slicer, y_edges, ylabel, title, overlay=None):
    """Panels of log10(Q/max(Q at t=0)) on the MLT x y grid, one per snapshot row."""
    from matplotlib.colors import BoundaryNorm
    q = r.snapshots("Q", [0] + list(rows))
    ref = np.max(slicer(q[0]))
    n = len(rows)
    ncol = 2 if n > 1 else 1
    nrow = int(np.ceil(n / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(6 * ncol, 2.8 * nrow), squeeze=False, sharex=True, sharey=True)
    levels = _log_levels()
    cmap = plt.get_cmap("viridis").with_extremes(under="white")
    norm = BoundaryNorm(levels, cmap.N, extend="both")
    mlt_edges = r.grid["mlt_edges_h"]
    im = None
    for k, (ax, row) in enumerate(zip(axes.flat, rows)):
        z = slicer(q[k + 1]) / ref if ref > 0 else slicer(q[k + 1])
        with np.errstate(divide="ignore"):
            lz = np.log10(np.where(z > 0, z, 1e-300))
        im = ax.pcolormesh(mlt_edges, y_edges, lz.T, cmap=cmap, norm=norm, shading="flat")
        t = float(r.snap_t[row])
        if overlay is not None:
            overlay(ax, t)
        ax.set_title(time_label(t), fontsize=9)
        ax.set_xlim(0, 24)
        ax.set_xticks(np.arange(0, 25, 3))
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("MLT (h)")
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    fig.colorbar(im, ax=axes, label=r"log$_{10}$ Q / max Q(t=0)", ticks=levels[::2])
    fig.suptitle(title)
    return fig


def fig05_one(r: Run, plt, times_h):
    rows = pick_times(r.snap_t, times_h)
    a = r.a_mid
    e_edges = r.grid["energy_edges_MeV"]
    rate = r.grid["drift_rate_rad_s"][a]                  # (E,)
    e_c = r.grid["energy_MeV"]
    beam_mlt = float(r.bounce.get("beam_mlt_h", 12.0))
    drift_on = bool(r.bounce.get("drift", True))

    def overlay(ax, t):
        if not drift_on or t <= 0:
            return
        if len(e_c) > 1:          # linear in E, extended to the outer cell edges
            e_fine = np.linspace(e_edges[0], e_edges[-1], 2000)
            w = np.polyval(np.polyfit(e_c, rate, min(2, len(e_c) - 1)), e_fine)
        else:
            e_fine, w = np.array([e_edges[0], e_edges[-1]]), np.full(2, rate[0])
        turns = w * t / (2 * np.pi)
        if np.ptp(turns) > 12:                             # too many laps to read
            return
        mlt = (beam_mlt + 24.0 * turns) % 24.0
        mlt[1:][np.abs(np.diff(mlt)) > 12] = np.nan
        ax.plot(mlt, e_fine, ":", color="k", lw=1)

    return _map_panels(plt, r, rows, lambda q: q[:, a, :], e_edges, "energy (MeV)",
                       f"Fig. 5: Q vs energy and MLT, alpha_eq = {r.grid['alpha_eq_deg'][a]:.2f} deg, "
                       f"L = {r.L:g} ({r.label})", overlay)


def fig06_one(r: Run, plt, times_h):
    rows = pick_times(r.snap_t, times_h)
    e = r.e_index(5.0)
    a_edges = r.grid["alpha_eq_edges_deg"]
    top = min(len(a_edges) - 1, r.lc + r.n_inj + 4)
    bottom = max(0, r.lc - 3)

    def overlay(ax, t):
        lo, hi = r.injection_deg
        ax.axhline(lo, color="r", lw=0.7, ls="--")
        ax.axhline(hi, color="r", lw=0.7, ls=":")

    fig = _map_panels(plt, r, rows, lambda q: q[:, :, e], a_edges, "equatorial pitch angle (deg)",
                      f"Fig. 6: Q vs pitch angle and MLT, E = {r.grid['energy_MeV'][e]:g} MeV, L = {r.L:g} "
                      f"({r.label}); red: loss-cone edge (--), injection top (:)", overlay)
    fig.axes[0].set_ylim(a_edges[bottom], a_edges[top])
    return fig


def _lines_per_L(plt, use, times_h, xlabel, curve, title):
    fig, axes = plt.subplots(1, len(use), figsize=(4.6 * len(use), 3.8), squeeze=False)
    for ax, r in zip(axes[0], use):
        rows = pick_times(r.snap_t, times_h)
        q = r.snapshots("Q", rows)
        styles = ["-", ":", "--", "-.", (0, (3, 1, 1, 1, 1, 1)), (0, (8, 3))]
        for k, row in enumerate(rows):
            x, y, where = curve(r, q[k], q if row == 0 else None)
            ax.plot(x, np.where(y > 0, y, np.nan), ls=styles[k % len(styles)], marker=".",
                    label=f"{time_label(float(r.snap_t[row]))} ({where})")
        ax.set_yscale("log")
        _clamp_log(ax, 6)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Q / max Q(t=0)")
        ax.set_title(f"L = {r.L:g} ({r.label})", fontsize=9)
        ax.legend(fontsize=6)
        ax.grid(alpha=0.3, which="both")
    fig.suptitle(title)
    return fig


def fig07(runs, plt, times_h):
    use = main_runs(runs)
    cache = {}

    def curve(r, q, _):
        a, e = r.a_mid, r.e_index(5.0)
        if r.path not in cache:
            cache[r.path] = np.max(r.snapshots("Q", [0])[0][:, a, :])
        m = int(np.argmax(q[:, a, e]))
        return r.grid["energy_MeV"], q[m, a, :] / cache[r.path], f"MLT {r.grid['mlt_h'][m]:.1f} h"

    return _lines_per_L(plt, use, times_h, "energy (MeV)", curve,
                        "Fig. 7: energy spectra at the beam peak (central injection pitch angle)")


def fig08(runs, plt, times_h):
    use = main_runs(runs)
    cache = {}

    def curve(r, q, _):
        e = r.e_index(5.0)
        if r.path not in cache:
            cache[r.path] = np.max(r.snapshots("Q", [0])[0][:, :, e])
        m = int(np.argmax(np.max(q[:, :, e], axis=1)))
        return r.grid["alpha_eq_deg"], q[m, :, e] / cache[r.path], f"MLT {r.grid['mlt_h'][m]:.1f} h"

    fig = _lines_per_L(plt, use, times_h, "equatorial pitch angle (deg)", curve,
                       "Fig. 8: pitch-angle distributions at the 5 MeV beam peak")
    for ax, r in zip(fig.axes, use):
        lo, hi = r.injection_deg
        ax.axvspan(lo, hi, color="0.9", zorder=0)
        a_edges = r.grid["alpha_eq_edges_deg"]
        ax.set_xlim(a_edges[max(0, r.lc - 3)], a_edges[min(len(a_edges) - 1, r.lc + r.n_inj + 4)])
    return fig


def _fraction(r: Run):
    t = r.ts["time_s"] / 3600.0
    if "particle_fraction" in r.ts:
        return t, r.ts["particle_fraction"]
    c = r.ts["particle_count"]
    return t, c / c[0]


def fig09(runs, plt):
    day = [r for r in runs if r.planned_end_s <= ONE_DAY_MAX_S and len(r.ts.get("time_s", ())) > 1]
    l2 = [r for r in day if abs(r.L - 2.0) < 1e-6]
    mains = [r for r in main_runs(day) if r.all_processes]
    if not l2 and len(mains) < 1:
        raise Skip("needs runs of at most a day: at L = 2 with different processes (a) or with all "
                   "processes at several L (b)")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    styles = {"drift only": "-", "drift + collisions": ":", "drift + waves": "--", "all processes": "-."}
    for r in l2:
        t, frac = _fraction(r)
        axes[0].plot(t, frac, ls=styles.get(r.label, (0, (1, 1))), label=r.label)
    axes[0].set_title("(a) L = 2, processes" if l2 else "(a) no L = 2 run given", fontsize=10)
    for r, ls in zip(mains, ["-", ":", "--", "-.", (0, (5, 1))]):
        t, frac = _fraction(r)
        axes[1].plot(t, frac, ls=ls, label=f"L = {r.L:g}")
    axes[1].set_title("(b) all processes, by L" if mains else "(b) no all-process run given", fontsize=10)
    for ax in axes:
        ax.set_xlabel("time (h)")
        ax.set_ylabel("N(t) / N(0)")
        ax.set_xlim(0, 24)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
    fig.suptitle("Fig. 9: normalised total number of beam particles")
    return fig


def fig10(runs, plt):
    long = [r for r in runs if r.planned_end_s > ONE_DAY_MAX_S and len(r.ts.get("time_s", ())) > 1]
    if not long:
        raise Skip("needs runs longer than a day (inputs/bounce_L2_collisions_2day.toml, "
                   "bounce_L2_waves_2day.toml)")
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for r, ls in zip(long, [":", "--", "-", "-."]):
        t, frac = _fraction(r)
        ax.plot(t, frac, ls=ls, label=r.name() + ("" if r.complete else " (incomplete)"))
    ax.set_xlabel("time (h)")
    ax.set_ylabel("N(t) / N(0)")
    ax.set_xlim(0, max(48.0, max(r.planned_end_s for r in long) / 3600.0))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Fig. 10: collisions without waves vs waves without collisions")
    return fig


def timescales(r: Run, energy_MeV: float = 5.0, delta_E_MeV: float = 1.0):
    """Eq. (7) at the energy cell nearest ``energy_MeV``, MLT-averaged coefficients, per
    pitch-angle cell centre: dict of arrays in hours (nan where the rate is zero)."""
    e = r.e_index(energy_MeV)
    out = {"alpha_deg": r.grid["alpha_eq_deg"]}
    if "energy_loss_MeV_s" in r.grid:
        rate = np.mean(r.grid["energy_loss_MeV_s"][:, :, e:e + 2], axis=(0, 2))   # centre of cell e
        with np.errstate(divide="ignore"):
            out["tau_E"] = np.where(rate > 0, delta_E_MeV / rate / 3600.0, np.nan)
    mu_edge = np.cos(np.radians(r.grid["alpha_eq_edges_deg"][r.lc]))
    dmu = mu_edge - np.cos(np.radians(r.grid["alpha_eq_deg"]))
    dmu[: r.lc] = np.nan                                     # inside the loss cone

    def centre(d):
        d = np.mean(d[:, :, e], axis=0)
        return 0.5 * (d[1:] + d[:-1])

    Ds = {}
    if "D_collisions_per_s" in r.grid:
        Ds["tau_mu0 collisions"] = centre(r.grid["D_collisions_per_s"])
    waves = [centre(r.grid[f"D_wave_{w}_per_s"]) for w in WAVES if f"D_wave_{w}_per_s" in r.grid]
    if waves:
        Ds["tau_mu0 waves"] = np.sum(waves, axis=0)
    if len(Ds) > 1:
        Ds["tau_mu0 all"] = sum(Ds.values())
    for k, d in Ds.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            out[k] = np.where(d > 0, dmu**2 / d / 3600.0, np.nan)
    return out


def fig11(runs, plt):
    use = coefficient_runs(runs, ["energy_loss_MeV_s", "D_collisions_per_s"] + [f"D_wave_{w}_per_s" for w in WAVES])
    if not use:
        raise Skip("no run stored energy-loss or diffusion coefficients")
    fig, axes = plt.subplots(1, len(use), figsize=(4.6 * len(use), 3.8), squeeze=False)
    styles = {"tau_E": ("-", "tab:red"), "tau_mu0 collisions": (":", "k"), "tau_mu0 waves": ("--", "k"),
              "tau_mu0 all": ("-.", "tab:blue")}
    labels = {"tau_E": r"$\tau_E$ (collisional energy loss, $\Delta E$ = 1 MeV)",
              "tau_mu0 collisions": r"$\tau_{\mu_0}$ collisions", "tau_mu0 waves": r"$\tau_{\mu_0}$ waves",
              "tau_mu0 all": r"$\tau_{\mu_0}$ collisions + waves"}
    for ax, r in zip(axes[0], use):
        ts = timescales(r)
        sel = slice(max(0, r.lc - 1), min(len(ts["alpha_deg"]), r.lc + 2 * r.n_inj))
        x = ts["alpha_deg"][sel]
        for k, (ls, c) in styles.items():
            if k in ts:
                ax.plot(x, ts[k][sel], ls=ls, color=c, marker=".", label=labels[k])
        _shade_injection(ax, r)
        ax.set_yscale("log")
        ax.set_xlabel("equatorial pitch angle (deg)")
        ax.set_ylabel("time scale (h)")
        ax.set_title(f"L = {r.L:g}, E = {r.grid['energy_MeV'][r.e_index(5.0)]:g} MeV (MLT mean)", fontsize=9)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
        first = {k: float(v[r.lc]) for k, v in ts.items() if k != "alpha_deg"}
        print(f"fig11: L = {r.L:g}, first injection cell {ts['alpha_deg'][r.lc]:.3f} deg: "
              + ", ".join(f"{k} = {v:.3g} h" for k, v in first.items()))
    fig.suptitle("Fig. 11: loss time scales of eq. (7) for 5 MeV electrons")
    return fig


def fig12(runs, plt, times_h):
    use = [r for r in main_runs(runs) if len(r.snap_t) and r.path]
    use = [r for r in use if _has_snapshot(r, "count_per_mlt")]
    if not use:
        raise Skip("no run has /snapshots/count_per_mlt")
    fig, axes = plt.subplots(1, len(use), figsize=(4.6 * len(use), 3.8), squeeze=False)
    for ax, r in zip(axes[0], use):
        rows = pick_times(r.snap_t, times_h)
        c = r.snapshots("count_per_mlt")
        ref = np.max(c[0])
        for row, ls in zip(rows, ["-", ":", "--", "-.", (0, (3, 1, 1, 1, 1, 1)), (0, (8, 3))]):
            y = c[row] / ref
            ax.plot(r.grid["mlt_h"], np.where(y > 0, y, np.nan), ls=ls, label=time_label(float(r.snap_t[row])))
        ax.set_yscale("log")
        _clamp_log(ax, 6)
        ax.set_xlim(0, 24)
        ax.set_xticks(np.arange(0, 25, 6))
        ax.set_xlabel("MLT (h)")
        ax.set_ylabel("electrons per MLT cell / peak at t = 0")
        ax.set_title(f"L = {r.L:g} ({r.label})", fontsize=9)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    fig.suptitle("Fig. 12: total particle count versus MLT")
    return fig


def _has_snapshot(r: Run, name: str) -> bool:
    with h5py.File(r.path, "r") as f:
        return "snapshots" in f and name in f["snapshots"]


# ----------------------------------------------------------------------------- driver
def parse_args(argv):
    p = argparse.ArgumentParser(description="Draw Figures 2, 3, 5-12 of the bounce paper from hpcsim output.")
    p.add_argument("runs", nargs="+", help="output.h5 files (or run directories) of bounce runs")
    p.add_argument("-o", "--output-dir", required=True, help="directory for the PNG files")
    p.add_argument("--figures", nargs="+", type=int, default=list(ALL_FIGURES),
                   help=f"figure numbers to draw (default: {' '.join(map(str, ALL_FIGURES))})")
    p.add_argument("--prefix", default="fig", help="file name prefix (default 'fig': fig02.png ...)")
    p.add_argument("--times-h", nargs="+", type=float, default=[0, 1 / 6, 1, 6, 12, 24],
                   help="snapshot times for Figs 5, 6 (nearest snapshots; default 0 10min 1 6 12 24)")
    p.add_argument("--line-times-h", nargs="+", type=float, default=[0, 1, 6, 12, 24],
                   help="snapshot times for Figs 7, 8 (default 0 1 6 12 24)")
    p.add_argument("--mlt-times-h", nargs="+", type=float, default=[0, 1 / 6, 1, 8, 24],
                   help="snapshot times for Fig 12 (default 0 10min 1 8 24)")
    p.add_argument("--dpi", type=int, default=120)
    return p.parse_args(argv)


def draw(runs: list[Run], figures, out_dir: str, prefix: str = "fig", times_h=(0, 1 / 6, 1, 6, 12, 24),
         line_times_h=(0, 1, 6, 12, 24), mlt_times_h=(0, 1 / 6, 1, 8, 24), dpi: int = 120) -> dict:
    """Draw the figures; returns {file name: path written} and prints skipped ones."""
    plt = pyplot()
    os.makedirs(out_dir, exist_ok=True)
    written = {}

    def save(fig, stem):
        save_png(plt, fig, out_dir, f"{prefix}{stem}", dpi, written)

    for n in figures:
        try:
            if n in (5, 6):
                mains = main_runs(runs)
                if not mains:
                    raise Skip("no run given")
                mains = [r for r in mains if len(r.snap_t)]
                if not mains:
                    raise Skip("no snapshots in the runs given")
                for k, r in enumerate(mains):
                    fig = (fig05_one if n == 5 else fig06_one)(r, plt, times_h)
                    save(fig, f"{n:02d}" if k == 0 else f"{n:02d}_L{r.L:g}")
                continue
            if n == 2:
                fig = fig02(runs, plt)
            elif n == 3:
                fig = fig03(runs, plt)
            elif n == 7:
                fig = fig07(runs, plt, line_times_h)
            elif n == 8:
                fig = fig08(runs, plt, line_times_h)
            elif n == 9:
                fig = fig09(runs, plt)
            elif n == 10:
                fig = fig10(runs, plt)
            elif n == 11:
                fig = fig11(runs, plt)
            elif n == 12:
                fig = fig12(runs, plt, mlt_times_h)
            else:
                raise Skip("not drawn by this script (Fig. 1: grid, Fig. 4: tools/bounce_fig4.py)")
            save(fig, f"{n:02d}")
        except Skip as why:
            print(f"skipped figure {n}: {why}")
    return written


def main(argv=None) -> int:
    args = parse_args(argv)
    runs = read_runs(args.runs, read_run)
    if runs is None:
        return 2
    for r in runs:
        state = "complete" if r.complete else "INCOMPLETE"
        print(f"{r.path}: L = {r.L:g}, {r.label}, {r.end_s / 3600:.3g} h, {len(r.snap_t)} snapshots, {state}")
    written = draw(runs, args.figures, args.output_dir, args.prefix, args.times_h, args.line_times_h,
                   args.mlt_times_h, args.dpi)
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
