"""Figure 4 of the bounce paper: accuracy of the drift advection after 1 and 2 drift periods.

    python tools/bounce_fig4.py                    # L = 2, dt = 1.5 s, 240 MLT cells
    python tools/bounce_fig4.py --L 4 --dt 0.75 -o figures/fig4_L4.png

Drift only (paper 001_bb23716bc5c9e956.txt, section 4): a Gaussian in MLT of 15 min
standard deviation is advected with the superbee flux-limited scheme; for the energies and
pitch angles of Tables 3-4 (injection cells 1, 3, 5; 4, 5 and 6 MeV) the MLT profile after
one and two drift periods is compared with the exact solution (the initial Gaussian moved
by <dphi/dt> t). Prints, per column, the relative L1 error, the peak ratio and the shift
of the centroid in MLT cells, and draws the paper's Figure 4 (initial, 1 and 2 periods).
Runs on one rank in a few seconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import hpcsim  # noqa: F401
from hpcsim.config import load
from hpcsim.models.bounce import grid as grids
from hpcsim.models.bounce.model import Model, initial_condition
from hpcsim.parallel import world

REPO = Path(__file__).resolve().parents[1]


def drift_accuracy(L: float = 2.0, dt_s: float = 1.5, mlt_cells: int = 240, limiter: str = "superbee"):
    """Run the drift-only test; return a list of per-column results (dicts)."""
    cfg = load(REPO / "inputs" / "quickstart.toml",
               [f"bounce.L={L}", f"run.dt_s={dt_s}", f"bounce.mlt_cells={mlt_cells}",
                f'bounce.limiter="{limiter}"', "bounce.beam_mlt_width_h=0.25",
                "bounce.energy_loss=false", "bounce.collisional_scattering=false",
                "bounce.wave_scattering=false", "bounce.atmospheric_loss=false",
                "run.end_time_s=" + repr(dt_s * 10), "run.output_every_s=" + repr(dt_s),
                "run.snapshot_every_s=" + repr(dt_s), "run.checkpoint_every_s=" + repr(dt_s)])
    model = Model(cfg, world().Split(world().rank, 0) if world().size > 1 else world())
    g = model.grid
    inj = grids.injection_cells(cfg.model)
    columns = [(a, e) for e in (0, g.shape[2] // 2, g.shape[2] - 1)
               for a in (inj.start, inj.start + 2, inj.stop - 1)]
    rate = model.drift_rate
    targets = {}
    for a, e in columns:
        period = 2 * np.pi / rate[a, e]
        for k in (1, 2):
            targets.setdefault(int(round(k * period / dt_s)), []).append((a, e, k))
    q0 = model.Q.copy()
    profiles = {}
    for step in range(1, max(targets) + 1):
        model.step(dt_s)
        for a, e, k in targets.get(step, []):
            shift_h = rate[a, e] * step * dt_s * 24.0 / (2 * np.pi)
            shifted = initial_condition(cfg.model, g, (g.mlt_h - shift_h) % 24.0)[:, a, e] * model.norm
            profiles[(a, e, k)] = (model.Q[:, a, e].copy(), shifted)
    results = []
    for a, e in columns:
        row = {"energy_MeV": float(g.energy_MeV[e]), "alpha_eq_deg": float(g.alpha_deg[a]),
               "drift_period_s": float(2 * np.pi / rate[a, e]), "initial": q0[:, a, e]}
        for k in (1, 2):
            q, exact = profiles[(a, e, k)]
            centroid = lambda p: np.angle(np.sum(p * np.exp(2j * np.pi * g.mlt_h / 24))) * 24 / (2 * np.pi)
            shift_cells = ((centroid(q) - centroid(exact) + 12) % 24 - 12) / (24.0 / mlt_cells)
            row[f"period{k}"] = q
            row[f"l1_error_{k}"] = float(np.sum(np.abs(q - exact)) / np.sum(exact))
            row[f"peak_ratio_{k}"] = float(q.max() / exact.max())
            row[f"centroid_shift_cells_{k}"] = float(shift_cells)
            row[f"count_change_{k}"] = float(q.sum() / exact.sum() - 1.0)
        results.append(row)
    return g, results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--L", type=float, default=2.0)
    p.add_argument("--dt", type=float, default=None, help="time step, s (default: paper's 1.5/1/0.75)")
    p.add_argument("--mlt-cells", type=int, default=240)
    p.add_argument("--limiter", default="superbee")
    p.add_argument("-o", "--output", default=None, help="PNG file (default: no figure)")
    args = p.parse_args(argv)
    dt = args.dt or {2.0: 1.5, 3.0: 1.0, 4.0: 0.75}.get(args.L, 0.5)
    g, results = drift_accuracy(args.L, dt, args.mlt_cells, args.limiter)
    print(f"L = {args.L:g}, dt = {dt:g} s, {args.mlt_cells} MLT cells, limiter {args.limiter}")
    print(" E(MeV) alpha(deg)  T_d(s)   L1 err 1T  L1 err 2T  peak 1T  peak 2T  shift 1T  shift 2T (cells)")
    for r in results:
        print(f"  {r['energy_MeV']:4.2f}   {r['alpha_eq_deg']:6.3f}  {r['drift_period_s']:7.1f}"
              f"   {r['l1_error_1']:8.4f}   {r['l1_error_2']:8.4f}   {r['peak_ratio_1']:6.3f}  "
              f"{r['peak_ratio_2']:6.3f}  {r['centroid_shift_cells_1']:+7.3f}  {r['centroid_shift_cells_2']:+7.3f}")
    if args.output:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(3, 3, figsize=(10, 8), sharex=True)
        for ax, r in zip(axes.T.ravel(), results):
            peak = np.argmax(r["initial"])
            order = np.roll(np.arange(len(g.mlt_h)), len(g.mlt_h) // 2 - peak)
            x = np.arange(len(g.mlt_h)) - len(g.mlt_h) // 2
            for key, style, label in (("initial", "-", "t = 0"), ("period1", ":", "1 drift period"),
                                      ("period2", "--", "2 drift periods")):
                ax.plot(x * 24.0 / len(g.mlt_h), r[key][order] / r["initial"].max(), style, label=label)
            ax.set_title(f"{r['energy_MeV']:.2f} MeV, {r['alpha_eq_deg']:.2f} deg", fontsize=9)
            ax.set_xlim(-1.5, 1.5)
        for ax in axes[-1]:
            ax.set_xlabel("MLT from peak (h)")
        for ax in axes[:, 0]:
            ax.set_ylabel("Q / max Q(t=0)")
        axes[0, 0].legend(fontsize=7)
        fig.suptitle(f"Drift-only accuracy test, L = {args.L:g} (paper Figure 4)")
        fig.tight_layout()
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.output, dpi=110)
        print(f"figure: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
