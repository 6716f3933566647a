#!/usr/bin/env python3
"""The arrival-time fold behind the peak of r(t), and the peak flux it predicts for each pulse length.

Run (with the project's Python, e.g. ``.venv/bin/python``)::

    python tools/wpi_arrival_fold.py runs/wpi_fig5_pulse_length                 # table
    python tools/wpi_arrival_fold.py runs/wpi_fig5_pulse_length --source-case 2 -o figures

For each case of a `wpi` output (one case or a scan; made for the pulse-length scan of paper
002 Fig. 5, ``inputs/wpi_fig5_pulse_length.toml``):

1. the case's wave is rebuilt from the run's effective input and the arrival map T0(lambda)
   of :func:`hpcsim.models.wpi.kinematics.resonant_arrival` is computed for electrons at the
   centre of the first pitch-angle cell above the loss cone; its maximum T* at lambda* is the
   arrival-time convergence of the paper;
2. the source S(lambda), the precipitated energy per degree and per second of wave presence
   (erg cm^-2 deg^-1 s^-1), is measured from the run: from ``energy_by_resonance_latitude``
   (E_T split by where each electron resonated) divided by the bin width and PL; for outputs
   written before that field existed, from the impulse responses attributed to the front
   latitude, S(lambda_f) = (int h(t, tau) dt) (dtau / dlambda_f) / PL;
3. r(t) of every case is predicted from the S of one case (``--source-case``, default the
   middle one) with :func:`hpcsim.models.wpi.kinematics.window_flux`: what the peak flux would
   be if the pulse length changed nothing but the kinematic window [t - PL, t].

The markdown table on stdout gives per case: PL, lambda* and T*, the latitude band whose
electrons arrive within PL of T*, the simulated F_p and t_p, the predicted F_p, and each
F_p's ratio to the previous case. ``-o DIR`` also writes ``DIR/arrival_fold.png``: T0(lambda)
with the bands, and S(lambda) of every case. ``--scattering`` adds, per case, how much single
electrons are scattered: the test particles of the front position nearest the equator are
integrated again (a few seconds per case) and the rms change of the equatorial pitch angle over
the pitch-angle cells and phases of each speed cell is given for the largest speed cell (it
stops growing once the pulse outlasts the interaction time). Exit status 2 when a file cannot
be read.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from hpcsim import config as hconfig
from hpcsim.models.wpi.kinematics import resonant_arrival, window_flux
from hpcsim.models.wpi.model import Case
from hpcsim.models.wpi.precipitation import equatorial_pitch_angle_deg, pulse_measures

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the sibling figure_files
from figure_files import attr_text, model_output, pyplot, save_png  # noqa: E402


def read_fold(path: str) -> dict:
    """Everything the table and the figure need from one output file."""
    with model_output(path, "wpi", snapshot="impulse_response") as (f, _, _):
        text = attr_text(f.attrs["effective_input"])
        t = f["grid/time_s"][...]
        fronts = f["grid/fronts"][...]
        h = f["snapshots/impulse_response"][-1]
        r = f["snapshots/energy_flux"][-1]
        by_res = f["snapshots/energy_by_resonance_latitude"][-1] if "energy_by_resonance_latitude" in f["snapshots"] \
            else None  # written since 2026-11-22
        edges = f["grid/resonance_latitude_edges_deg"][...] if by_res is not None else None
    cfg = hconfig.loads(text, source=path).model
    cases = []
    dt = float(t[1] - t[0])
    for c, case_cfg in enumerate(cfg.cases()):
        case = Case(case_cfg)
        alpha = case.loss_cone_deg + 0.5 * case_cfg.alpha_span_deg / case_cfg.alpha_cells
        lat_front = fronts[c, :, 0]
        on = np.isfinite(lat_front)
        energy = h[c][on].sum(axis=1) * dt  # erg cm-2 per s of front time
        dtau_dlat = np.gradient(fronts[c, on, 2], lat_front[on])
        front_source = energy * dtau_dlat / case_cfg.pulse_length_s
        if by_res is not None:  # S by resonance latitude: E_T per degree, per second of wave presence
            source_deg, source = 0.5 * (edges[1:] + edges[:-1]), by_res[c] / np.diff(edges) / case_cfg.pulse_length_s
            lat_range = (edges[0], edges[-1])
        else:                   # older outputs: attributed to the front latitude
            source_deg, source = lat_front[on], front_source
            lat_range = (np.nanmin(lat_front), np.nanmax(lat_front))
        amap = resonant_arrival(case.wave, case_cfg.L, alpha, -case.lat_foot, *lat_range, case.const)
        cases.append(dict(case=case, pulse_length_s=case_cfg.pulse_length_s, map=amap, front_deg=lat_front[on],
                          front_source=front_source, source_deg=source_deg, source=source,
                          measures=pulse_measures(t, r[c])))
    return dict(path=path, t=t, cases=cases, source_kind="resonance" if by_res is not None else "front")


def equatorial_scattering_deg(run: dict) -> list[float]:
    """Per case: the largest over speed cells of the rms pitch-angle change (deg) of the test
    particles meeting the front nearest the equator (rms over that cell's pitch-angle cells and
    phases). Integrates those particles again on this process."""
    out = []
    for case in run["cases"]:
        c = case["case"]
        j = int(np.nanargmin(np.abs(c.schedule.front_latitude_deg)))
        mesh = c.particle_mesh(j)
        res = c.interact(j, mesh, np.arange(len(mesh)))
        aeq = equatorial_pitch_angle_deg(res.lat_rad, res.u_par_m_s, res.u_perp_m_s)
        change = (aeq - mesh.alpha_eq_deg).reshape(c.cfg.speed_cells, -1)
        out.append(float(np.sqrt((change ** 2).mean(axis=1)).max()))
    return out


def predicted_peaks(run: dict, source_case: int) -> list[tuple[float, float]]:
    """(F_p, t_p) of window_flux for every case's PL with the S of ``source_case``."""
    src = run["cases"][source_case]
    amap = src["map"]
    s = np.interp(amap.latitude_deg, src["source_deg"], src["source"], left=0.0, right=0.0)
    out = []
    for case in run["cases"]:
        r = window_flux(amap.latitude_deg, s, amap.arrival_s, case["pulse_length_s"], run["t"])
        out.append((float(r.max()), float(run["t"][int(np.argmax(r))])))
    return out


def table(run: dict, source_case: int, scattering=None) -> str:
    pred = predicted_peaks(run, source_case)
    extra = " rms scattering at the equator front (deg) |" if scattering else ""
    rows = ["| PL (s) | fold lambda* (deg) | T* (s) | band T0 >= T* - PL (deg) | F_p simulated | ratio | "
            "t_p (s) | F_p kinematic | ratio |" + extra, "|" + " --- |" * (9 + bool(scattering))]
    prev_sim = prev_pred = None
    for k, (case, (fp_pred, _)) in enumerate(zip(run["cases"], pred)):
        lam_star, t_star = case["map"].fold()
        lo, hi = case["map"].band(case["pulse_length_s"])
        fp = case["measures"]["peak_energy_flux_erg_cm2_s"]
        ratio = "" if prev_sim is None else f"{fp / prev_sim:.2f}"
        ratio_pred = "" if prev_pred is None else f"{fp_pred / prev_pred:.2f}"
        rows.append(f"| {case['pulse_length_s']:g} | {lam_star:.1f} | {t_star:.2f} | {lo:.1f} .. {hi:.1f} | "
                    f"{fp:.3g} | {ratio} | {case['measures']['peak_time_s']:.2f} | {fp_pred:.3g} | {ratio_pred} |"
                    + (f" {scattering[k]:.2f} |" if scattering else ""))
        prev_sim, prev_pred = fp, fp_pred
    return "\n".join(rows)


def figure(run: dict, plt):
    fig, (ax_t, ax_s) = plt.subplots(1, 2, figsize=(11, 4.2))
    amap = run["cases"][0]["map"]
    lam_star, t_star = amap.fold()
    ax_t.plot(amap.latitude_deg, amap.arrival_s, "k-", lw=1.2, label="T0: resonant as the front passes")
    colours = plt.cm.viridis(np.linspace(0.0, 0.9, len(run["cases"])))
    for case, col in zip(run["cases"], colours):
        lo, hi = case["map"].band(case["pulse_length_s"])
        ax_t.hlines(t_star - case["pulse_length_s"], lo, hi, colors=[col], lw=2.5,
                    label=f"PL = {case['pulse_length_s']:g} s: {lo:.0f} .. {hi:.0f} deg")
        ax_s.plot(case["source_deg"], case["source"], "-", color=col, label=f"PL = {case['pulse_length_s']:g} s")
    ax_t.axvline(lam_star, color="0.6", lw=0.8)
    ax_t.set_xlabel("resonance latitude (deg)")
    ax_t.set_ylabel("arrival time at 1000 km (s)")
    ax_t.set_title(f"arrival-time fold: T* = {t_star:.2f} s at {lam_star:.1f} deg", fontsize=9)
    ax_t.legend(fontsize=7)
    ax_t.grid(alpha=0.3)
    ax_s.set_xlabel(f"{run['source_kind']} latitude (deg)")
    ax_s.set_ylabel("S (erg cm$^{-2}$ deg$^{-1}$ s$^{-1}$)")
    ax_s.set_title("precipitated energy per degree and per second of wave presence", fontsize=9)
    ax_s.legend(fontsize=7)
    ax_s.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run", help="output.h5 of a wpi run, or its run directory")
    p.add_argument("--source-case", type=int, default=None, help="case whose S(lambda) predicts all (default: middle)")
    p.add_argument("-o", "--output-dir", default=None, help="write arrival_fold.png here")
    p.add_argument("--dpi", type=int, default=120)
    p.add_argument("--scattering", action="store_true",
                   help="also integrate the equator front's test particles again: rms scattering per case")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        run = read_fold(args.run)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: cannot read {args.run}: {exc}", file=sys.stderr)
        return 2
    n = len(run["cases"])
    source = n // 2 if args.source_case is None else args.source_case
    if not 0 <= source < n:
        print(f"error: --source-case {source}: the run has cases 0..{n - 1}", file=sys.stderr)
        return 2
    print(f"{args.run}: kinematic prediction with S(lambda) of case {source} "
          f"(PL = {run['cases'][source]['pulse_length_s']:g} s; S by {run['source_kind']} latitude)\n")
    print(table(run, source, equatorial_scattering_deg(run) if args.scattering else None))
    if args.output_dir:
        plt = pyplot()
        os.makedirs(args.output_dir, exist_ok=True)
        save_png(plt, figure(run, plt), args.output_dir, "arrival_fold", args.dpi, {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
