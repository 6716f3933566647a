#!/usr/bin/env python3
"""Figures 2-22 of Inan, Bell and Chang (1982) (paper 002_9a0838dcf9220858.txt) from `wpi` output.

Run (with the project's Python, e.g. ``.venv/bin/python``; matplotlib is needed)::

    python tools/wpi_figures.py runs/wpi_fig3/output.h5 -o figures/wpi_fig3 --table
    python tools/wpi_figures.py runs/wpi_fig11_frequency_n/output.h5 -o figures/wpi_fig11_frequency_n
    python tools/wpi_figures.py runs/wpi_fig17_frequency_L/output.h5 -o figs --figures 17 20 21
    python tools/wpi_figures.py runs/wpi_fig5_pulse_length/output.h5 -o figs --case 3
    python tools/wpi_figures.py runs/wpi_*/output.h5 --table      # the table only

Arguments are output files of `wpi` runs (or their run directories). One file holds one case
or a scan of cases (``[wpi] scan_parameter`` and optionally ``scan2_parameter``); each file is
drawn on its own. Files go to ``<DIR>/figNN_<what>.png``; when several files are given, each
name starts with the run's directory name (``<DIR>/<run>_figNN_<what>.png``). A figure that does
not apply to a file's scan is skipped with a message saying why. ``--table`` prints a markdown
table of the headline numbers (F_p, t_p, duration, E_T from
``hpcsim.models.wpi.precipitation.pulse_measures``) with one row per case. ``--figures N ...``
draws only the figures of those paper numbers, ``--dpi`` sets the resolution.

Scans are drawn against one *x* key, chosen in the order frequency_ratio, L, n_eq_cm3, bw_pT,
pulse_length_s, loss_cone_ramp_deg, spectral_index, frequency_Hz; the other scanned key (if
any) gives one curve per value. Open markers: cases whose wave does not reach the equator
(f > f_H/2 there, B_w at the equator stored as 0).

Files and the paper figure each corresponds to:

* ``fig02_impulse_responses.png`` -- Fig. 2: h(t, tau) for the front positions nearest
  -12, 0 and +12 deg (one case).
* ``fig03_flux_energy.png`` -- Fig. 3: r(t) (top) and the energy of the precipitating
  electrons versus arrival time (bottom), one segment per front position (one case).
* ``fig04_front_tail_arrival.png`` -- Fig. 4: latitude of the wave front (tau) and tail
  (tau + PL) versus time, and per front position the earliest and latest arrival time at
  1000 km of its precipitating electrons (one case).
  Figs. 2-4 are drawn for a single-case file, or for case K of a scan with ``--case K``.
* ``fig05_flux_energy_vs_pulse_length_s.png``, ``fig07_flux_energy_vs_frequency_ratio.png``,
  ``fig10_flux_energy_vs_spectral_index.png`` -- Figs. 5, 7, 10: one row per case, r(t) left
  and the energy segments right (other scanned keys: ``fig03_flux_energy_vs_<key>.png``, the
  Fig. 3 format per case). Two-key scans: one file per value of the curve key
  (``..._<key>=<value>.png``).
* ``figNN_ET_Fp_vs_<key>.png`` -- E_T and F_p versus the scanned key (plus t_p when the key is
  n_eq_cm3 or L): Fig. 6 (pulse length), Fig. 9 (Lambda at equal input power), Fig. 11
  (Lambda, curves per n; Lambda <= 0.5 and > 0.5 as separate segments, as for every Lambda
  axis), Fig. 12 (n_eq), Fig. 13 (L at fixed n_eq),
  ``fig14a`` (B_w, with F_p/B_w normalised to the smallest B_w), ``fig15b`` (alpha_m -
  alpha_lc), Fig. 17 (Lambda, curves per L), Fig. 18 (a single Lambda scan with the
  collisionless density model; the paper's n_eq = 200 comparison curves come from another
  file and are not overlaid), Fig. 19 (L with the Fig. 16 densities, curves per n),
  Fig. 20 (L, curves per frequency_Hz); ``fig10`` for a spectral-index scan and ``scan`` for
  a frequency_Hz-only scan (not paper figures).
* ``fig08_wave_amplitude.png`` -- Fig. 8: B_w at 1000 km and at the equator versus Lambda
  (frequency_ratio scans).
* ``fig20_peak_flux_vs_L_from_fig17.png`` -- Fig. 20 from a scan of L and Lambda (the Fig. 17
  input): F_p versus L at f = 5, 10.2, 17.8 kHz, F_p interpolated linearly in (log Lambda,
  log F_p) between the scanned Lambda of each L, with f_Heq = f / Lambda of that L's cases; no
  extrapolation, and open markers where the interpolation crosses Lambda = 0.5.
* ``fig21_lowest_energy.png`` -- Fig. 21: the lowest energy in the peak time bin (lower edge
  of the lowest energy bin holding > 1 % of that bin's precipitated energy) versus the
  scanned key (scans).
* ``fig22_peak_spectrum.png`` -- Fig. 22: the differential energy flux (erg cm^-2 s^-1
  keV^-1) in the peak time bin versus energy, one curve per case (one panel per value of the
  curve key in two-key scans).

Files are opened read-only and serially with h5py; the last snapshot row is used, so a run still
being written shows the front positions finished so far. Exit status 0 when at least one
figure (or the table) was written, 2 when an input cannot be read, 1 otherwise.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass, field

import numpy as np

import hpcsim  # noqa: F401  (sets the h5py environment before h5py is imported)
import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the sibling figure_files
from figure_files import attr_text, draw_figures, model_output, read_runs, Skip  # noqa: E402

from hpcsim.models.wpi.precipitation import pulse_measures

#: order in which a scanned key becomes the x axis of the scan figures
X_PRIORITY = ("frequency_ratio", "L", "n_eq_cm3", "bw_pT", "pulse_length_s", "loss_cone_ramp_deg",
              "spectral_index", "frequency_Hz")
#: axis labels of the scanned keys
AXIS_LABEL = {"frequency_ratio": r"normalised frequency $\Lambda = f/f_{Heq}$", "L": "L",
              "n_eq_cm3": r"$n_{eq}$ (el/cc)", "bw_pT": r"$B_w$ (pT)", "pulse_length_s": "pulse length PL (s)",
              "loss_cone_ramp_deg": r"$\alpha_m - \alpha_{lc}$ (deg)", "spectral_index": "spectral index n",
              "frequency_Hz": "f (kHz)"}
#: short symbols of the scanned keys, for legends
SYMBOL = {"frequency_ratio": r"$\Lambda$", "L": "L", "n_eq_cm3": r"$n_{eq}$", "bw_pT": r"$B_w$",
          "pulse_length_s": "PL", "loss_cone_ramp_deg": r"$\alpha_m-\alpha_{lc}$", "spectral_index": "n",
          "frequency_Hz": "f"}
UNIT = {"n_eq_cm3": " el/cc", "bw_pT": " pT", "pulse_length_s": " s", "loss_cone_ramp_deg": " deg",
        "frequency_Hz": " kHz"}
#: paper figure of the stacked r(t) / energy panels, per x key
STACK_FIGURE = {"pulse_length_s": 5, "frequency_ratio": 7, "spectral_index": 10}
#: Fig. 20 transmitter frequencies, Hz
TRANSMITTERS = ((5000.0, "5 kHz (Siple)"), (10200.0, "10.2 kHz (Omega ND)"), (17800.0, "17.8 kHz (NAA)"))
#: decades shown below the highest value of the Fig. 22 spectra
SPECTRUM_DECADES = 5
FLUX_UNIT = r"erg cm$^{-2}$ s$^{-1}$"
ENERGY_UNIT = r"erg cm$^{-2}$"


# ----------------------------------------------------------------------------- reading
@dataclass
class WpiRun:
    """Everything the figures need from one wpi output file (last snapshot row)."""

    path: str
    name: str
    wpi: dict
    complete: bool
    labels: list
    time_s: np.ndarray
    energy_edges: np.ndarray
    fronts: np.ndarray            # (nc, nf, 4): front lat, entry lat, tau, weight
    params: np.ndarray            # (nc, 8): L, n_eq, f, PL, B_w eq, B_w 1000 km, n, loss cone
    scan_table: np.ndarray        # (nc, 2)
    flux: np.ndarray              # (nc, nt)
    impulse: np.ndarray           # (nc, nf, nt)
    energy_time: np.ndarray       # (nc, nt, ne)
    energy_range: np.ndarray      # (nc, nf, nt, 2)
    measures: list = field(default_factory=list)

    @property
    def n_cases(self) -> int:
        """Number of cases in the file."""
        return self.flux.shape[0]

    @property
    def dt(self) -> float:
        """Width of the arrival-time bins, s."""
        return float(self.time_s[1] - self.time_s[0]) if self.time_s.size > 1 else 1.0

    @property
    def scan_keys(self) -> list[str]:
        """The scanned keys, first axis first (empty for a single case)."""
        return [k for k in (self.wpi.get("scan_parameter", ""), self.wpi.get("scan2_parameter", "")) if k]

    def value(self, case: int, key: str) -> float:
        """Value of scanned ``key`` in ``case`` (from /grid/scan_values)."""
        column = 0 if key == self.wpi.get("scan_parameter") else 1
        return float(self.scan_table[case, column])

    def reaches_equator(self, case: int) -> bool:
        """False when the wave of ``case`` stops at f = f_H/2 before the equator (B_w eq stored as 0)."""
        return bool(self.params[case, 4] > 0.0)


def read_run(path: str) -> WpiRun:
    """Read a wpi output file (or run directory); ValueError when it is not one."""
    with model_output(path, "wpi", "energy_flux") as (f, path, effective):
        wpi = effective.get("wpi", {})
        g, s = f["grid"], f["snapshots"]
        description = attr_text(g["case_parameters"].attrs.get("description", ""))
        labels = description.split("cases:", 1)[1].split("|") if "cases:" in description else []
        run = WpiRun(path=path, name=os.path.basename(os.path.dirname(os.path.abspath(path))), wpi=wpi,
                     complete=bool(f.attrs.get("complete", False)), labels=[x.strip() for x in labels],
                     time_s=g["time_s"][...], energy_edges=g["energy_edges_keV"][...], fronts=g["fronts"][...],
                     params=g["case_parameters"][...], scan_table=g["scan_values"][...],
                     flux=s["energy_flux"][-1], impulse=s["impulse_response"][-1], energy_time=s["energy_time"][-1],
                     energy_range=s["energy_range_keV"][-1])
    if not wpi:                    # no effective input: the scanned names from /grid/scan_values
        names = description_names(run)
        run.wpi = {"scan_parameter": names[0], "scan2_parameter": names[1]}
    if len(run.labels) != run.n_cases:
        run.labels = [f"case {c}" for c in range(run.n_cases)]
    run.measures = [pulse_measures(run.time_s, run.flux[c]) for c in range(run.n_cases)]
    return run


def description_names(run: WpiRun) -> list[str]:
    """Scanned key names from the description '... (NAME1, NAME2)' of /grid/scan_values."""
    with h5py.File(run.path, "r") as f:
        text = attr_text(f["grid"]["scan_values"].attrs.get("description", ""))
    inside = text[text.rfind("(") + 1:text.rfind(")")] if "(" in text else "-, -"
    names = [n.strip() for n in inside.split(",")] + ["-", "-"]
    return ["" if n == "-" else n for n in names[:2]]


# ----------------------------------------------------------------------------- helpers
def scan_axes(run: WpiRun) -> tuple[str, str]:
    """(x key, curve key) of a scan; ('', '') for a single case."""
    keys = run.scan_keys
    if not keys:
        return "", ""
    x = min(keys, key=lambda k: X_PRIORITY.index(k) if k in X_PRIORITY else len(X_PRIORITY))
    other = [k for k in keys if k != x]
    return x, (other[0] if other else "")


def shown(key: str, value: float) -> float:
    """A scanned value in plotting units (frequency in kHz)."""
    return value / 1000.0 if key == "frequency_Hz" else value


def value_label(key: str, value: float) -> str:
    """Legend text such as 'n = 6' or 'f = 5 kHz'."""
    return f"{SYMBOL.get(key, key)} = {shown(key, value):g}{UNIT.get(key, '')}"


def groups(run: WpiRun, x_key: str, curve_key: str) -> list[tuple[float, list[int]]]:
    """Cases grouped by the curve key's value (one group of all cases without one), each
    sorted by the x key's value."""
    values = sorted({run.value(c, curve_key) for c in range(run.n_cases)}) if curve_key else [math.nan]
    out = []
    for v in values:
        cases = [c for c in range(run.n_cases) if not curve_key or run.value(c, curve_key) == v]
        out.append((v, sorted(cases, key=lambda c: run.value(c, x_key) if x_key else c)))
    return out


def segments(run: WpiRun, x_key: str, cases: list[int]) -> list[list[int]]:
    """Cases split where a curve must not be joined: Lambda <= 0.5 and > 0.5 (paper Fig. 11)."""
    if x_key != "frequency_ratio":
        return [cases]
    low = [c for c in cases if run.value(c, x_key) <= 0.5 + 1e-12]
    high = [c for c in cases if run.value(c, x_key) > 0.5 + 1e-12]
    return [s for s in (low, high) if s]


def wide(values, ratio: float = 20.0) -> bool:
    """True when positive ``values`` span more than ``ratio`` (worth a log axis)."""
    v = np.asarray([x for x in values if np.isfinite(x) and x > 0], dtype=float)
    return v.size > 1 and v.max() / v.min() > ratio


def time_axis_end(run: WpiRun, cases) -> float:
    """End of the time axis: 6 s as in the paper, or the last bin with flux (above 1e-3 of the
    case's peak; rounded up to 0.5 s) when the pulses end after 6 s or before 3 s."""
    last = 0.0
    for c in cases:
        nz = np.flatnonzero(run.flux[c] > 1e-3 * run.flux[c].max())
        if nz.size:
            last = max(last, float(run.time_s[nz[-1]]))
    if 3.0 <= last <= 6.0 or last == 0.0:
        return min(6.0, float(run.time_s[-1] + 0.5 * run.dt))
    return min(math.ceil(2.0 * (last + 0.2)) / 2.0, float(run.time_s[-1] + 0.5 * run.dt))


def case_title(run: WpiRun, case: int) -> str:
    """Parameters of one case, for a panel title."""
    L, n_eq, f, pl, bw_eq, bw_foot, n, _ = run.params[case]
    lam = f"Λ = {run.value(case, 'frequency_ratio'):g}, " if "frequency_ratio" in run.scan_keys else ""
    bw = f"{bw_eq:.3g} pT at eq." if bw_eq > 0 else f"{bw_foot:.3g} pT at 1000 km"
    return f"L = {L:g}, n_eq = {n_eq:.4g} el/cc, {lam}f = {f / 1000:.4g} kHz, PL = {pl:g} s, {bw}, n = {n:g}"


def front_latitudes(run: WpiRun, case: int) -> tuple[np.ndarray, np.ndarray]:
    """(front latitude, flag 'inside the duct') per front row of ``case``; rows past the end
    of the duct get their entry latitude, rows beyond the case's fronts are dropped."""
    fr = run.fronts[case]
    valid = np.isfinite(fr[:, 2])
    inside = np.isfinite(fr[:, 0])
    lat = np.where(inside, fr[:, 0], fr[:, 1])
    return lat[valid], inside[valid]


def peak_bin(run: WpiRun, case: int) -> int:
    """Index of the time bin of the peak flux of ``case`` (-1 without flux)."""
    r = run.flux[case]
    return int(np.argmax(r)) if np.any(r > 0) else -1


def lowest_energy_keV(run: WpiRun, case: int, fraction: float = 0.01) -> float:
    """Lower edge of the lowest energy bin holding more than ``fraction`` of the energy in the
    peak time bin (paper Fig. 21); NaN without flux."""
    i = peak_bin(run, case)
    if i < 0:
        return math.nan
    e = run.energy_time[case, i]
    total = e.sum()
    above = np.flatnonzero(e > fraction * total) if total > 0 else []
    return float(run.energy_edges[above[0]]) if len(above) else math.nan


def peak_spectrum(run: WpiRun, case: int) -> np.ndarray:
    """Differential energy flux in the peak time bin, erg cm^-2 s^-1 keV^-1, per energy bin."""
    i = peak_bin(run, case)
    if i < 0:
        return np.zeros(run.energy_edges.size - 1)
    return run.energy_time[case, i] / (run.dt * np.diff(run.energy_edges))


def _positive(y) -> np.ndarray:
    """``y`` with values <= 0 replaced by NaN (for log axes)."""
    y = np.asarray(y, dtype=float)
    return np.where(y > 0, y, np.nan)


# ----------------------------------------------------------------------------- panels
def draw_flux(ax, run: WpiRun, case: int, t_end: float, annotate: bool = True) -> None:
    """r(t) of one case, with F_p, t_p and E_T written in the corner."""
    ax.plot(run.time_s, run.flux[case], color="k", lw=1.0, drawstyle="steps-mid")
    ax.set_xlim(0.0, t_end)
    ax.set_ylim(bottom=0.0)
    ax.set_ylabel(f"energy flux ({FLUX_UNIT})")
    ax.grid(alpha=0.3)
    if annotate:                     # as a legend without handles: placed where the curve is not
        m = run.measures[case]
        text = (f"$F_p$ = {m['peak_energy_flux_erg_cm2_s']:.3g} {FLUX_UNIT}\n$t_p$ = {m['peak_time_s']:.3g} s\n"
                f"$E_T$ = {m['total_energy_erg_cm2']:.3g} {ENERGY_UNIT}")
        ax.legend([ax.plot([], [], lw=0)[0]], [text], loc="best", fontsize=7, handlelength=0, handletextpad=0)


def draw_energy_segments(ax, run: WpiRun, case: int, t_end: float, plt, norm):
    """Energy range of the precipitating electrons versus arrival time, one band per front
    position (joined across arrival-time bins without electrons), coloured by front latitude
    (grey: entries at the end of the duct). Returns the colour mapper (for a colour bar)."""
    from matplotlib.cm import ScalarMappable
    mapper = ScalarMappable(norm=norm, cmap=plt.get_cmap("turbo"))
    lats, inside = front_latitudes(run, case)
    er = run.energy_range[case]
    n_end = int(np.count_nonzero(~inside))
    end_rank = np.cumsum(~inside) - 1                         # order of the end-of-duct entries
    for j, (lat, ok) in enumerate(zip(lats, inside)):
        lo, hi = er[j, :, 0], er[j, :, 1]
        have = np.isfinite(lo) & np.isfinite(hi)
        if not have.any():
            continue
        colour = mapper.to_rgba(lat) if ok else str(0.15 + 0.6 * end_rank[j] / max(n_end - 1, 1))
        t, lo, hi = run.time_s[have], lo[have], hi[have]     # joined across empty bins
        ax.fill_between(t, lo, hi, color=colour, alpha=0.45, lw=0)
        ax.plot(t, lo, color=colour, lw=0.7)
        ax.plot(t, hi, color=colour, lw=0.7)
    if n_end:
        ax.plot([], [], color="0.4", lw=2, label="entries at the end of the duct ($f = f_H/2$), grey by τ")
        ax.legend(fontsize=6, loc="upper right")
    ax.set_yscale("log")
    ax.set_xlim(0.0, t_end)
    ax.set_ylabel("energy (keV)")
    ax.grid(alpha=0.3, which="both")
    return mapper


def front_norm(run: WpiRun, cases):
    """Colour scale of the front latitudes of ``cases``."""
    from matplotlib.colors import Normalize
    lats = np.concatenate([front_latitudes(run, c)[0] for c in cases])
    lo, hi = (float(np.min(lats)), float(np.max(lats))) if lats.size else (-20.0, 48.0)
    return Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1.0)


def energy_limits(run: WpiRun, cases) -> tuple[float, float]:
    """Whole decades around the precipitating energies of ``cases``, keV."""
    er = run.energy_range[list(cases)]
    if not np.any(np.isfinite(er)):
        return float(run.energy_edges[0]), float(run.energy_edges[-1])
    return 10.0 ** math.floor(math.log10(np.nanmin(er))), 10.0 ** math.ceil(math.log10(np.nanmax(er)))


def mark_cases(ax, run: WpiRun, cases, x, y, colour) -> None:
    """Markers at (x, y): filled where the wave reaches the equator, open where it does not."""
    for c, xi, yi in zip(cases, x, y):
        face = colour if run.reaches_equator(c) else "white"
        ax.plot([xi], [yi], ls="none", marker="o", ms=5, mfc=face, mec=colour)


# ----------------------------------------------------------------------------- one case
def single_case(run: WpiRun, case) -> int:
    """The case of Figs. 2-4: the only one, or ``case`` (--case) of a scan."""
    if case is None:
        if run.n_cases == 1:
            return 0
        raise Skip(f"scan of {run.n_cases} cases: one-case figure (give --case K to draw it for case K)")
    if not 0 <= case < run.n_cases:
        raise Skip(f"--case {case} is not a case of this file (0 .. {run.n_cases - 1})")
    return case


def fig02(run: WpiRun, plt, case) -> dict:
    """Fig. 2: impulse responses at the front positions nearest -12, 0 and +12 deg."""
    c = single_case(run, case)
    lats, inside = front_latitudes(run, c)
    if not inside.any():
        raise Skip("no front position inside the duct")
    taus = run.fronts[c, :lats.size, 2]
    t_end = time_axis_end(run, [c])
    fig, axes = plt.subplots(3, 1, figsize=(7, 7), sharex=True, layout="constrained")
    for ax, target in zip(axes, (-12.0, 0.0, 12.0)):
        j = int(np.nanargmin(np.where(inside, np.abs(lats - target), np.nan)))
        ax.plot(run.time_s, run.impulse[c, j], color="k", lw=1.0, drawstyle="steps-mid")
        ax.set_title(fr"front at $\lambda_f$ = {lats[j]:.3g}$^\circ$ (nearest {target:+g}$^\circ$), "
                     fr"$\tau$ = {taus[j]:.3g} s", fontsize=9)
        ax.set_ylabel("h(t, τ)\n" + f"({FLUX_UNIT} per s of τ)", fontsize=8)
        ax.set_ylim(bottom=0.0)
        ax.grid(alpha=0.3)
    axes[-1].set_xlim(0.0, t_end)
    axes[-1].set_xlabel("time after injection at 1000 km, t (s)")
    fig.suptitle("Fig. 2: impulse responses h(t, τ) for three wave-front positions\n" + case_title(run, c),
                 fontsize=9)
    return {"fig02_impulse_responses": fig}


def fig03(run: WpiRun, plt, case) -> dict:
    """Fig. 3: r(t) and the energy segments of one case."""
    c = single_case(run, case)
    t_end = time_axis_end(run, [c])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True, layout="constrained")
    draw_flux(top, run, c, t_end)
    mapper = draw_energy_segments(bottom, run, c, t_end, plt, front_norm(run, [c]))
    bottom.set_ylim(*energy_limits(run, [c]))
    bottom.set_xlabel("time after injection, t (s)")
    fig.colorbar(mapper, ax=bottom, label=r"front latitude $\lambda_f$ (deg)")
    fig.suptitle("Fig. 3: precipitated energy flux (top) and energy of the precipitating electrons "
                 "(bottom, one band per front position)\n" + case_title(run, c), fontsize=9)
    return {"fig03_flux_energy": fig}


def fig04(run: WpiRun, plt, case) -> dict:
    """Fig. 4: front and tail latitude versus time and the arrival-time span per front."""
    c = single_case(run, case)
    lats, inside = front_latitudes(run, c)
    if not lats.size:
        raise Skip("no front positions")
    tau = run.fronts[c, :lats.size, 2]
    pl = float(run.params[c, 3])
    fig, ax = plt.subplots(figsize=(7.5, 5), layout="constrained")
    ax.plot(tau[inside], lats[inside], "-", color="tab:blue", lw=1.5, label=r"wave front $t_f$ (τ)")
    ax.plot(tau[inside] + pl, lats[inside], "-", color="tab:orange", lw=1.5,
            label=f"wave tail $t_t$ (τ + PL, PL = {pl:g} s)")
    if (~inside).any():
        ax.axhline(lats[~inside][0], color="0.5", ls="--", lw=1, label=r"end of the duct ($f = f_H/2$)")
    labelled = set()
    end_taus = tau[~inside]
    for j in range(lats.size):
        arrived = np.flatnonzero(run.impulse[c, j] > 0)
        if arrived.size:
            t0, t1 = run.time_s[arrived[0]] - 0.5 * run.dt, run.time_s[arrived[-1]] + 0.5 * run.dt
            if inside[j]:
                style, label = dict(color="k", lw=2.5), "arrival at 1000 km, $t_e$ (min-max)"
            else:
                style = dict(color="0.45", lw=1.5)
                label = (f"arrival, entries at the end of the duct (τ = {end_taus.min():.3g}-"
                         f"{end_taus.max():.3g} s)")
            ax.plot([t0, t1], [lats[j], lats[j]], solid_capstyle="butt",
                    label=None if label in labelled else label, **style)
            labelled.add(label)
    ax.set_xlim(0.0, max(time_axis_end(run, [c]), float(np.nanmax(tau)) + pl + 0.2))
    ax.set_xlabel("time after injection (s)")
    ax.set_ylabel("geomagnetic latitude (deg)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Fig. 4: latitude of the wave front and tail, and arrival times of the electrons\n"
                 "that meet the front at each latitude; " + case_title(run, c), fontsize=9)
    return {"fig04_front_tail_arrival": fig}


# ----------------------------------------------------------------------------- scans
def need_scan(run: WpiRun) -> tuple[str, str]:
    """scan_axes of a scan; Skip for a single case."""
    x, curve = scan_axes(run)
    if not x:
        raise Skip("single case, not a scan")
    return x, curve


def fig_stack(run: WpiRun, plt, _case) -> dict:
    """Figs. 5, 7, 10: one row per case, r(t) and the energy segments."""
    x, curve = need_scan(run)
    number = STACK_FIGURE.get(x, 3)
    out = {}
    for value, cases in groups(run, x, curve):
        t_end = time_axis_end(run, cases)
        norm = front_norm(run, cases)
        ylim = energy_limits(run, cases)
        fig, axes = plt.subplots(len(cases), 2, figsize=(11, 0.6 + 1.9 * len(cases)), squeeze=False,
                                 sharex=True, layout="constrained")
        mapper = None
        for row, c in zip(axes, cases):
            draw_flux(row[0], run, c, t_end)
            row[0].set_ylabel(f"r(t)\n({FLUX_UNIT})", fontsize=8)
            row[0].set_title(value_label(x, run.value(c, x)) + ("" if run.reaches_equator(c)
                             else " (wave does not reach the equator)"), fontsize=9, loc="left")
            mapper = draw_energy_segments(row[1], run, c, t_end, plt, norm)
            row[1].set_ylim(*ylim)
        for ax in axes[-1]:
            ax.set_xlabel("time after injection, t (s)")
        fig.colorbar(mapper, ax=axes[:, 1], label=r"front latitude $\lambda_f$ (deg)", shrink=0.6)
        what = "Fig. 3 format per case" if number == 3 else f"Fig. {number}"
        extra = f", {value_label(curve, value)}" if curve else ""
        fig.suptitle(f"{what}: precipitated energy flux (left) and energy versus arrival time (right) "
                     f"for different {SYMBOL.get(x, x)}{extra}\n" + common_title(run, cases), fontsize=9)
        suffix = f"_{curve}={shown(curve, value):g}" if curve else ""
        out[f"fig{number:02d}_flux_energy_vs_{x}{suffix}"] = fig
    return out


def common_title(run: WpiRun, cases) -> str:
    """The parameters shared by ``cases`` (those that differ are left out)."""
    names = ("L", "n_eq", "f", "PL", "B_w eq.", "B_w 1000 km", "n")
    fmt = ("{:g}", "{:.4g} el/cc", "{:.4g} kHz", "{:g} s", "{:.3g} pT", "{:.3g} pT", "{:g}")
    parts = []
    for k, (name, form) in enumerate(zip(names, fmt)):
        col = run.params[list(cases), k] / (1000.0 if name == "f" else 1.0)
        if np.allclose(col, col[0], rtol=1e-6):
            parts.append(f"{name} = " + form.format(col[0]))
    return ", ".join(parts)


def summary_number(run: WpiRun, x: str, curve: str) -> str:
    """Paper figure number (with panel letter) of the E_T / F_p versus x figure; 'scan' if none."""
    if x == "frequency_ratio":
        if run.wpi.get("amplitude_reference") == "equal_power":
            return "09"
        if curve == "L":
            return "17"
        if run.wpi.get("density_model") == "collisionless":
            return "18"
        return "11"
    if x == "L":
        if curve == "frequency_Hz":
            return "20"
        if curve == "spectral_index" or run.wpi.get("n_eq_model") == "fig16":
            return "19"
        return "13"
    return {"n_eq_cm3": "12", "bw_pT": "14a", "loss_cone_ramp_deg": "15b", "pulse_length_s": "06",
            "spectral_index": "10"}.get(x, "scan")


def curve_series(run: WpiRun, x: str, curve: str, y_of) -> list:
    """[(label, [(cases, xs, ys) per segment])] per curve value, y from ``y_of(case)``."""
    out = []
    for value, cases in groups(run, x, curve):
        parts = []
        for seg in segments(run, x, cases):
            parts.append((seg, np.array([shown(x, run.value(c, x)) for c in seg]), np.array([y_of(c) for c in seg])))
        out.append((value_label(curve, value) if curve else None, parts))
    return out


def draw_series(ax, run: WpiRun, series, plt, log_y: bool | None = None) -> bool:
    """Lines and markers of ``curve_series`` output on ``ax`` (log y when wide); False when
    there is no finite value to show (the caller then leaves the axes linear)."""
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    ys = []
    for k, (label, parts) in enumerate(series):
        colour = colours[k % len(colours)]
        for i, (cases, xs, yv) in enumerate(parts):
            ax.plot(xs, yv, "-", color=colour, lw=1.2, label=label if i == 0 else None)
            mark_cases(ax, run, cases, xs, yv, colour)
            ys.extend(yv.tolist())
    if log_y is None:
        log_y = wide(ys, 30.0)
    if log_y and any(np.isfinite(y) and y > 0 for y in ys):
        ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    if any(label for label, _ in series):
        ax.legend(fontsize=7)
    return any(np.isfinite(y) for y in ys)


@dataclass
class Panel:
    """One panel of the scan summary: its symbol, y label, y of a case and y scale."""

    symbol: str
    ylabel: str
    y_of: object
    log_y: bool | None = None         # None: log when the values span a wide range


def summary_panels(run: WpiRun, x: str) -> list[Panel]:
    """E_T and F_p, plus t_p for n_eq and L scans (Figs. 12, 13) and the normalised F_p / B_w
    for amplitude scans (Fig. 14a linearity)."""
    m = run.measures
    panels = [Panel("$E_T$", f"total deposited energy $E_T$ ({ENERGY_UNIT})", lambda c: m[c]["total_energy_erg_cm2"]),
              Panel("$F_p$", f"peak energy flux $F_p$ ({FLUX_UNIT})", lambda c: m[c]["peak_energy_flux_erg_cm2_s"])]
    if x in ("n_eq_cm3", "L"):
        panels.append(Panel("$t_p$", "time of the peak flux $t_p$ (s)", lambda c: m[c]["peak_time_s"], False))
    if x == "bw_pT":
        ref = min(range(run.n_cases), key=lambda c: run.value(c, x))
        per_pT = m[ref]["peak_energy_flux_erg_cm2_s"] / run.value(ref, x)
        panels.append(Panel("$F_p/B_w$", r"$(F_p/B_w)$ / $(F_p/B_w)$ at the smallest $B_w$ (1 = linear)",
                            lambda c: m[c]["peak_energy_flux_erg_cm2_s"] / run.value(c, x) / per_pT
                            if per_pT > 0 else math.nan, False))
    return panels


def fig_summary(run: WpiRun, plt, _case) -> dict:
    """E_T and F_p (and t_p, F_p/B_w) versus the scanned key (Figs. 6, 9, 11-15, 17-20)."""
    x, curve = need_scan(run)
    number = summary_number(run, x, curve)
    panels = summary_panels(run, x)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.0), squeeze=False, layout="constrained")
    xs_all = [shown(x, run.value(c, x)) for c in range(run.n_cases)]
    for ax, panel in zip(axes[0], panels):
        shown_any = draw_series(ax, run, curve_series(run, x, curve, panel.y_of), plt, log_y=panel.log_y)
        if panel.symbol == "$F_p/B_w$":
            ax.axhline(1.0, color="0.5", ls=":", lw=1)
        ax.set_ylabel(panel.ylabel, fontsize=8)
        ax.set_xlabel(AXIS_LABEL.get(x, x))
        if wide(xs_all) and shown_any:
            ax.set_xscale("log")
        if x == "frequency_ratio":
            ax.axvline(0.5, color="0.6", ls=":", lw=1)
    cases = list(range(run.n_cases))
    name = {"scan": "scan", "10": "the cases of Fig. 10"}.get(number, f"Fig. {number.lstrip('0')}")
    note = "; open markers: wave does not reach the equator" if not all(run.reaches_equator(c) for c in cases) else ""
    symbols = [p.symbol for p in panels]
    quantities = ", ".join(symbols[:-1]) + " and " + symbols[-1]
    fig.suptitle(f"{name}: {quantities} versus {AXIS_LABEL.get(x, x)}\n{common_title(run, cases)}{note}", fontsize=9)
    stem = f"fig{number}_ET_Fp_vs_{x}" if number != "scan" else f"scan_ET_Fp_vs_{x}"
    return {stem: fig}


def fig08(run: WpiRun, plt, _case) -> dict:
    """Fig. 8: B_w at 1000 km and at the equator versus Lambda."""
    x, curve = need_scan(run)
    if "frequency_ratio" not in run.scan_keys:
        raise Skip("frequency_ratio not scanned")
    if x != "frequency_ratio":
        x, curve = "frequency_ratio", x
    fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (value, cases) in enumerate(groups(run, x, curve)):
        lam = np.array([run.value(c, x) for c in cases])
        extra = f", {value_label(curve, value)}" if curve else ""
        colour = colours[k % len(colours)]
        ax.plot(lam, run.params[cases, 5], "o-", color=colour, label="at 1000 km" + extra)
        ax.plot(lam, _positive(run.params[cases, 4]), "s--", color=colour, label="at the equator" + extra)
    ax.set_xlabel(AXIS_LABEL["frequency_ratio"])
    ax.set_ylabel(r"wave amplitude $B_w$ (pT)")
    if wide(run.params[:, 5].tolist() + run.params[:, 4].tolist(), 10.0):
        ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    ax.set_title(f"Fig. 8: wave amplitude at 1000 km and at the equator "
                 f"(amplitude_reference = {run.wpi.get('amplitude_reference', '?')})\n"
                 "equatorial values not shown where the wave does not reach the equator", fontsize=9)
    return {"fig08_wave_amplitude": fig}


def transmitter_flux(run: WpiRun, L_cases: list[int], f_Hz: float) -> tuple[float, bool]:
    """F_p at frequency ``f_Hz`` from the Lambda cases of one L: linear in (log Lambda, log F_p)
    between the scanned Lambda; (NaN, False) outside them; the flag says the interpolation
    crosses Lambda = 0.5."""
    lam = np.array([run.value(c, "frequency_ratio") for c in L_cases])
    fp = np.array([run.measures[c]["peak_energy_flux_erg_cm2_s"] for c in L_cases])
    order = np.argsort(lam)
    lam, fp = lam[order], fp[order]
    f_heq = float(np.median(run.params[L_cases, 2] / np.array([run.value(c, "frequency_ratio") for c in L_cases])))
    target = f_Hz / f_heq
    if not lam[0] <= target <= lam[-1] or np.any(fp <= 0):
        return math.nan, False
    value = float(np.exp(np.interp(np.log(target), np.log(lam), np.log(fp))))
    k = int(np.searchsorted(lam, target))
    crosses = 0 < k < lam.size and lam[k - 1] <= 0.5 < lam[k] and not np.isclose(target, lam[k])
    return value, bool(crosses)


def fig20_from_fig17(run: WpiRun, plt, _case) -> dict:
    """Fig. 20 from the Fig. 17 input (L x Lambda): F_p versus L at three transmitter frequencies."""
    if set(run.scan_keys) != {"L", "frequency_ratio"}:
        raise Skip("needs a scan of L and frequency_ratio (the Fig. 17 input)")
    fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    by_L = groups(run, "frequency_ratio", "L")
    for k, (f_Hz, label) in enumerate(TRANSMITTERS):
        Ls, fps, crossed = [], [], []
        for L, cases in by_L:
            value, cross = transmitter_flux(run, cases, f_Hz)
            Ls.append(L)
            fps.append(value)
            crossed.append(cross)
        colour = colours[k % len(colours)]
        ax.plot(Ls, fps, "-", color=colour, label=label)
        for L, fp, cross in zip(Ls, fps, crossed):
            ax.plot([L], [fp], "o", ms=5, mec=colour, mfc="white" if cross else colour)
        print(f"  fig20 (from fig17) {label}: " + ", ".join(f"L={L:g}: {fp:.3g}" for L, fp in zip(Ls, fps)))
    if any(np.isfinite(line.get_ydata()).any() for line in ax.lines):
        ax.set_yscale("log")
    ax.set_xlabel("L")
    ax.set_ylabel(f"peak energy flux $F_p$ ({FLUX_UNIT})")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    ax.set_title("Fig. 20: F_p versus L at the transmitter frequencies, interpolated in log Λ\n"
                 "from the Fig. 17 cases (gaps: outside the scanned Λ; open: across Λ = 0.5); "
                 + common_title(run, range(run.n_cases)), fontsize=8)
    return {"fig20_peak_flux_vs_L_from_fig17": fig}


def fig21(run: WpiRun, plt, _case) -> dict:
    """Fig. 21: lowest energy in the peak time bin versus the scanned key."""
    x, curve = need_scan(run)
    fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
    shown_any = draw_series(ax, run, curve_series(run, x, curve, lambda c: lowest_energy_keV(run, c)), plt)
    ax.set_xlabel(AXIS_LABEL.get(x, x))
    ax.set_ylabel("lowest energy at the peak (keV)")
    if wide([shown(x, run.value(c, x)) for c in range(run.n_cases)]) and shown_any:
        ax.set_xscale("log")
    ax.set_title("Fig. 21: lowest energy of the electrons in the peak time bin (lower edge of the\n"
                 "lowest energy bin with > 1 % of the bin's energy)\n" + common_title(run, range(run.n_cases)),
                 fontsize=8)
    return {"fig21_lowest_energy": fig}


def fig22(run: WpiRun, plt, _case) -> dict:
    """Fig. 22: energy spectrum in the peak time bin, one curve per case (SPECTRUM_DECADES shown)."""
    x, curve = scan_axes(run)
    panels = groups(run, x, curve)
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.3), squeeze=False,
                             layout="constrained")
    for ax, (value, cases) in zip(axes[0], panels):
        colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, max(len(cases), 1)))
        for c, colour in zip(cases, colours):
            label = value_label(x, run.value(c, x)) if x else "case"
            t_p = run.measures[c]["peak_time_s"]
            ax.stairs(_positive(peak_spectrum(run, c)), run.energy_edges, baseline=None, color=colour, lw=1.3,
                      label=f"{label} ($t_p$ = {t_p:.3g} s)")
        top = max((float(np.max(peak_spectrum(run, c))) for c in cases), default=0.0)
        if top > 0:                    # else nothing to show on log axes
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_ylim(top * 10.0 ** -SPECTRUM_DECADES, 2.0 * top)
        ax.set_xlabel("energy (keV)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
        if curve:
            ax.set_title(value_label(curve, value), fontsize=9)
    axes[0][0].set_ylabel(f"energy flux in the peak bin ({FLUX_UNIT} keV$^{{-1}}$)")
    fig.suptitle("Fig. 22: energy spectra of the electrons that make up the peak flux\n"
                 + common_title(run, range(run.n_cases)), fontsize=9)
    return {"fig22_peak_spectrum": fig}


#: (paper figure numbers, drawing function) in drawing order
FIGURES = (((2,), fig02), ((3,), fig03), ((4,), fig04), ((3, 5, 7, 10), fig_stack),
           ((6, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20), fig_summary), ((8,), fig08),
           ((20,), fig20_from_fig17), ((21,), fig21), ((22,), fig22))
ALL_FIGURES = sorted({n for numbers, _ in FIGURES for n in numbers})


def figure_number(stem: str) -> int | None:
    """Paper figure number of a file stem 'figNN...' (None for 'scan_...')."""
    digits = stem[3:5]
    return int(digits) if stem.startswith("fig") and digits.isdigit() else None


# ----------------------------------------------------------------------------- table
def table(runs: list[WpiRun]) -> str:
    """Markdown table of the headline numbers, one row per case (a run column for several files)."""
    many = len(runs) > 1
    head = (["run"] if many else []) + ["case", "L", "n_eq (el/cc)", "f (Hz)", "B_w eq (pT)",
                                         "F_p (erg cm-2 s-1)", "t_p (s)", "duration (s)", "E_T (erg cm-2)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for run in runs:
        for c in range(run.n_cases):
            L, n_eq, f, _, bw_eq = run.params[c, :5]
            m = run.measures[c]
            cells = ([run.name] if many else []) + [
                run.labels[c], f"{L:g}", f"{n_eq:.4g}", f"{f:.5g}", f"{bw_eq:.3g}" if bw_eq > 0 else "-",
                f"{m['peak_energy_flux_erg_cm2_s']:.4g}", f"{m['peak_time_s']:.3g}",
                f"{m['pulse_duration_s']:.3g}", f"{m['total_energy_erg_cm2']:.4g}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- driver
def parse_args(argv):
    """Command-line arguments (see the module docstring)."""
    p = argparse.ArgumentParser(description="Draw Figures 2-22 of Inan, Bell and Chang (1982) from wpi output.")
    p.add_argument("runs", nargs="+", help="output.h5 files (or run directories) of wpi runs")
    p.add_argument("-o", "--output-dir", help="directory for the PNG files (omit to print the table only)")
    p.add_argument("--table", action="store_true", help="print a markdown table of F_p, t_p, duration, E_T per case")
    p.add_argument("--figures", nargs="+", type=int, default=ALL_FIGURES,
                   help=f"paper figure numbers to draw (default: {' '.join(map(str, ALL_FIGURES))})")
    p.add_argument("--case", type=int, default=None, help="case index of a scan for Figs. 2-4 (default: "
                   "single-case files only)")
    p.add_argument("--dpi", type=int, default=120)
    args = p.parse_args(argv)
    if not args.output_dir and not args.table:
        p.error("give -o DIR for figures and/or --table")
    return args


def draw(run: WpiRun, out_dir: str, prefix: str = "", figures=ALL_FIGURES, case=None, dpi: int = 120) -> dict:
    """Draw the figures of one run; returns {file name: path written} and prints skipped ones."""
    wanted = set(figures)

    def keep(stem):  # a function may draw several paper figures: only the wanted ones are written
        number = figure_number(stem)
        return number is None or number in wanted
    return draw_figures([function for numbers, function in FIGURES if wanted & set(numbers)],
                        lambda function, plt: function(run, plt, case), out_dir, prefix, dpi, keep)


def main(argv=None) -> int:
    """Read the files, draw their figures, print the table; the exit status."""
    args = parse_args(argv)
    runs = read_runs(args.runs, read_run)
    if runs is None:
        return 2
    written = {}
    for run in runs:
        x, curve = scan_axes(run)
        scan = f"scan of {x}" + (f" x {curve}" if curve else "") if x else "single case"
        state = "complete" if run.complete else "INCOMPLETE"
        print(f"{run.path}: {run.n_cases} case(s), {scan}, {state}")
        if args.output_dir:
            prefix = f"{run.name}_" if len(runs) > 1 else ""
            written.update(draw(run, args.output_dir, prefix, args.figures, args.case, args.dpi))
    if args.table:
        print(table(runs))
    return 0 if written or args.table else 1


if __name__ == "__main__":
    sys.exit(main())
