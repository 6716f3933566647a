#!/usr/bin/env python3
"""Figures 2-11 of Khazanov, Glocer and Himwich (2014) (paper 000_59d2843666811e48.txt) from `fieldline` output.

Run (with the project's Python, e.g. ``.venv/bin/python``; matplotlib is needed)::

    python tools/fieldline_figures.py runs/fieldline_fig7/output.h5 -o figures/fieldline_fig7 --table
    python tools/fieldline_figures.py runs/fieldline_fig10_photoelectrons -o figs --figures 10 11
    python tools/fieldline_figures.py runs/fieldline_fig2_gaussian/output.h5 -o figs --figures 2 3 budget
    python tools/fieldline_figures.py runs/fieldline_*/output.h5 --table     # the table only

Arguments are output files of `fieldline` runs (or their run directories). A file holds one
case per characteristic energy E0 (``[fieldline] e0_keV_values``); each file is drawn on its
own, with one panel or one curve per case. Files go to ``<DIR>/<stem>.png``; when several
files are given, each name starts with the run's directory name (``<DIR>/<run>_<stem>.png``).
A figure that does not apply to a file is skipped with a message saying why. ``--figures``
takes paper figure numbers (2-11) and/or the names ``budget``, ``heating``, ``rates``, ``potential`` and ``timeseries``;
``--dpi`` sets the resolution.

"North" is the northern half of the line (nodes past the equator node ns//2); an altitude in a
hemisphere means the node of that half nearest to it (the title says which altitude it is).
All fluxes are the final state (last snapshot row). "up" is away from the Earth, "down"
toward it. Energies are the level centres.

Files and the paper figure each corresponds to:

* ``fig02_omnidirectional_altitudes.png`` -- Fig. 2a/2b: omnidirectional flux J(E) at 150, 240
  and 550 km in the north and, black, the injected primaries at 800 km north (hemispherical
  flux, ``snapshots/primary_flux``; in files without it the downward hemispherical flux F_down
  at 800 km for E >= primary_min_eV), 1 eV to the top level, one panel per case (the
  Gaussian/Maxwellian panels of the paper are two runs; Fig. 2c, their ratio, is not drawn).
  Needs primary precipitation.
* ``fig03_plasmasphere.png`` -- Fig. 3: per case, log10 J(E, s) for 1-500 eV versus distance
  along the line from the northern 800-km node to the equator (colour map, left) and J(E) at
  800 km, at magnetic latitudes near 55, 40 and 20 deg north and at the equator (right).
* ``fig04_hemispherical_flux.png`` -- Fig. 4c style: F_down (solid) and F_up (dashed) versus
  energy at 240, 550 and 800 km north, one colour per case.
* ``fig05_omnidirectional_550km.png`` -- Fig. 5 (the all-processes curve; the paper's other
  curves are other runs) and Figs. 4a-b: J(E) at 550 km (left) and 240 km (right) north, one
  curve per case.
* ``fig06_directional_800km.png`` -- Fig. 6: per case, the directional flux Phi at 800 km north
  versus the local pitch angle measured from the downward field direction (0-90 deg going
  down, 90-180 going up) at a few energies below 600 eV (left), and F_down / F_up at 800 km
  north and F_down at 800 km south versus energy below 600 eV (right, Figs. 6a-b). Needs
  800 km in ``directional_altitudes_km``.
* ``fig07_escape_fractions.png`` -- Fig. 7: per case (E0 on x), at 800 km north, (a) energy
  fluxes: precipitating primaries, escaping, escaping SE (< 600 eV), returned SE (F_down
  below 600 eV, from the hemispherical flux) and returned thermal flux (eq. 19); (b) the
  particle fluxes; (c) escaping/primary energy and particle fractions and the SE share of
  the escaping particles, with the paper's values (0.4 and 5 keV) as black marks. Needs
  primary precipitation in the north.
* ``fig08_albedo.png`` -- Fig. 8: albedo A(E) = F_up / F_down at 800 km north, one curve per
  case.
* ``fig09_equatorial_pitch_angle.png`` -- Fig. 9: directional flux at the equator node versus
  the equatorial pitch angle alpha = arccos(-mu) (0-90 deg: moving south, i.e. leaving the
  northern ionosphere; 90-180: leaving the southern one) at 5, 10, 20 and 50 eV, one panel per
  case; dotted lines at the loss-cone edge of the 800-km nodes.
* ``fig10_photoelectron_spectra.png`` -- Fig. 10: J(E) at 150, 240, 300 and 800 km north and at
  the equator, one panel per case. Photoelectron runs only (``photoelectrons = true``, or no
  primary energy in the flux measures).
* ``fig11_dayside_spectra.png`` -- Figs. 11a-b: J(E) below 600 eV at 800 km and 240 km north and
  at the equator, one curve per case. Photoelectron runs only; Fig. 11c (photoelectron over
  primary-SE ratio) needs two runs and is not drawn.
* ``budget_fractions.png`` -- (not a paper figure) the energy budget per case as a stacked bar
  of fractions of the injected energy: Coulomb heating, ionisation thresholds, excitation,
  thermalised, escaped through the south / north 90-km ends; the residual is written above.
* ``heating_rate.png`` -- (not a paper figure; eq. 18) the thermal-electron heating rate Q(s)
  versus altitude in the northern half, one curve per case; dotted line at 800 km.
* ``rates_altitude.png`` -- (not a paper figure) electron-impact ionisation and excitation rates
  per species (N2 solid, O2 dashed, O dotted) and the heating rate versus altitude in the northern
  ionosphere, one colour per case: what altitude-only auroral codes report.
* ``potential.png`` -- (runs with ``electric_field = "thermal_pressure"``) the potential energy
  U(s) along the northern half and J at the equator against total and kinetic energy.
* ``timeseries.png`` -- (time-dependent runs, ``mode = "time_dependent"``) the escaping energy
  fraction at 800 km north and the power still being stored on the line (over the injected)
  versus time.

``--table`` prints a markdown table with one row per case (per file and case for several
files): E0, at 800 km north the escaping/primary energy and particle fractions, the share of
SE (< 600 eV) in the escaping particles, the returned thermal flux (eq. 19), its ratio to the
escaping SE energy flux, and the budget residual (from
``hpcsim.models.fieldline.model.case_summary``; '-' where a case has no primaries). The first
row holds the paper's values where known (0.4 keV / 5 keV).

Output-format notes: ``grid/directional_mu`` as written by the model so far holds |mu| (the
sign was applied twice); when every value is >= 0 the sign is rebuilt from the column order
of the model (pairs northward, southward per mu0) and a note is printed. The columns of
``energy_budget`` and ``flux_measures`` are taken from their ``description`` attributes, so
files written before or after a column was added are read alike. Cases not finished yet
(``steps_done``) are left out of the figures and the table.

Files are opened read-only and serially with h5py. Exit status 0 when at least one figure (or
the table) was written, 2 when an input cannot be read, 1 otherwise.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass, field

import hpcsim  # noqa: F401  (sets the h5py environment before h5py is imported)
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the sibling figure_files
from figure_files import attr_text, draw_figures, model_output, read_runs, Skip  # noqa: E402

from hpcsim.models.fieldline.model import BUDGET, MEASURES, SE_MAX_EV, case_summary

#: altitudes of the Fig. 2 omnidirectional curves (km) and their paper colours
FIG2_ALTITUDES = ((150.0, "tab:red"), (240.0, "tab:purple"), (550.0, "tab:blue"))
#: altitudes of the Fig. 4 hemispherical panels, km
FIG4_ALTITUDES = (240.0, 550.0, 800.0)
#: Fig. 3 latitudes (deg north) for the line plots besides 800 km and the equator
FIG3_LATITUDES = (55.0, 40.0, 20.0)
#: energies of the Fig. 6 pitch-angle distributions, eV
FIG6_ENERGIES = (5.0, 10.0, 20.0, 50.0, 100.0, 300.0)
#: energies of the Fig. 9 equatorial distributions, eV (paper: 5, 10, 20)
FIG9_ENERGIES = (5.0, 10.0, 20.0, 50.0)
#: altitudes of the Fig. 10 photoelectron spectra (paper 150, 240, 800; 300 km added)
FIG10_ALTITUDES = ((150.0, "tab:red"), (240.0, "tab:purple"), (300.0, "tab:orange"), (800.0, "tab:blue"))
#: upper energy of the Fig. 3 map, eV (paper: 1-500 eV)
FIG3_E_MAX = 500.0
#: decades shown below the largest value on log flux axes
DECADES = 8
#: paper values (Fig. 7 text, section 4): {E0 keV: {column: value}}
PAPER = {0.4: {"energy": 0.40, "particles": 0.85, "se_share": 0.55, "thermal": 3e9},
         5.0: {"energy": 0.15, "particles": 0.35, "se_share": 0.20, "thermal": 7e7}}
PAPER_RETURNED_OVER_SE = (0.07, 0.12)
FLUX_UNIT = r"cm$^{-2}$ s$^{-1}$ eV$^{-1}$"
DIR_UNIT = r"cm$^{-2}$ s$^{-1}$ sr$^{-1}$ eV$^{-1}$"
NAMED_FIGURES = ("budget", "heating", "rates", "potential", "timeseries")


# ----------------------------------------------------------------------------- reading
def signed_mu(mu: np.ndarray) -> tuple[np.ndarray, bool]:
    """(signed local mu, True when the signs had to be rebuilt) of ``grid/directional_mu``.

    The model lays out the directions of a node as pairs (northward, southward) per mu0; a
    file whose values are all >= 0 lost the sign, which is then taken from that order."""
    mu = np.array(mu, dtype=float)
    finite = np.isfinite(mu)
    if np.any(mu[finite] < 0):
        return mu, False
    sign = np.where(np.arange(mu.shape[-1]) % 2 == 0, 1.0, -1.0)
    return mu * sign, True


@dataclass
class FieldlineRun:
    """Everything the figures need from one fieldline output file (last snapshot row)."""

    path: str
    name: str
    fieldline: dict
    complete: bool
    labels: list
    e0_keV: np.ndarray            # (nc,)
    energy: np.ndarray            # (nE,) level centres, eV
    edges: np.ndarray             # (nE+1,)
    s_km: np.ndarray              # (ns,)
    altitude: np.ndarray          # (ns,)
    latitude: np.ndarray          # (ns,)
    b_ratio: np.ndarray           # (ns,)
    dir_nodes: np.ndarray         # (nd,)
    dir_mu: np.ndarray            # (nd, K) signed (+ = toward the north)
    omni: np.ndarray              # (nc, nE, ns)
    hemi: np.ndarray              # (nc, nE, ns, 2): up, down
    directional: np.ndarray       # (nc, nE, nd, K)
    heating: np.ndarray           # (nc, ns)
    budget: np.ndarray            # (nc, n budget columns)
    measures: np.ndarray          # (nc, 2, 9)
    n_done: int                   # cases finished
    primary: np.ndarray | None = None     # (nc, nE, 2) injected primaries at s1 (south, north), if written
    dir_mu_level: np.ndarray | None = None  # (nE, nd, K) per-level signed mu (runs with an electric field)
    potential: np.ndarray | None = None     # (ns,) U(s), eV (runs with an electric field)
    budget_names: tuple = BUDGET
    measure_names: tuple = MEASURES
    mu_rebuilt: bool = False
    summaries: list = field(default_factory=list)
    timeseries: dict = field(default_factory=dict)  # /timeseries columns (time-dependent runs)
    rates: dict = field(default_factory=dict)       # ionisation_rate, excitation_rate (nc, species, cell)

    @property
    def n_cases(self) -> int:
        """Number of finished cases (the ones drawn)."""
        return self.n_done

    @property
    def ns(self) -> int:
        return self.altitude.size

    @property
    def equator(self) -> int:
        """Index of the equator node."""
        return self.ns // 2

    @property
    def dE(self) -> np.ndarray:
        """Widths of the energy levels, eV."""
        return np.diff(self.edges)

    @property
    def s1_km(self) -> float:
        return float(self.fieldline.get("s1_km", 800.0))

    @property
    def primary_min_eV(self) -> float:
        return float(self.fieldline.get("primary_min_eV", 600.0))

    @property
    def photoelectrons(self) -> bool:
        """True for runs with the photoelectron source (or, without the input, no primaries)."""
        if "photoelectrons" in self.fieldline:
            return bool(self.fieldline["photoelectrons"])
        return not self.has_primaries()

    def measure(self, case: int, hemisphere: int, name: str) -> float:
        """One flux measure (column ``name`` of flux_measures) of a case at s1 (0 south, 1 north)."""
        return float(self.measures[case, hemisphere, self.measure_names.index(name)])

    def has_primaries(self, hemisphere: int | None = None) -> bool:
        """True when some finished case injects primaries (in ``hemisphere`` 0 south, 1 north)."""
        m = self.measures[:self.n_done, :, self.measure_names.index("primary_energy_eV_cm2_s")]
        return bool(np.any((m if hemisphere is None else m[:, hemisphere]) > 0))

    def node(self, altitude_km: float, hemisphere: str = "north") -> int:
        """Node of the given half of the line nearest ``altitude_km``."""
        half = np.arange(self.equator, self.ns) if hemisphere == "north" else np.arange(self.equator + 1)
        return int(half[np.argmin(np.abs(self.altitude[half] - altitude_km))])

    def node_at_latitude(self, latitude_deg: float) -> int:
        """Node nearest the magnetic latitude ``latitude_deg`` (deg, north positive)."""
        return int(np.argmin(np.abs(self.latitude - latitude_deg)))

    def dir_row(self, node: int) -> int | None:
        """Row of ``node`` in the directional output (None when it has none)."""
        rows = np.flatnonzero(self.dir_nodes == node)
        return int(rows[0]) if rows.size else None

    def where(self, node: int) -> str:
        """'550 km N' style description of a node."""
        if node == self.equator:
            return "equator"
        side = "N" if node > self.equator else "S"
        return f"{self.altitude[node]:.0f} km {side}"

    def label(self, case: int) -> str:
        """Case label for legends and titles."""
        return self.labels[case]


def column_names(dataset, default: tuple) -> tuple:
    """Column names listed after the ':' of a dataset's description ('...: a, b, c'), else ``default``."""
    text = attr_text(dataset.attrs.get("description", ""))
    names = tuple(n.strip() for n in text.rsplit(":", 1)[1].split(",")) if ":" in text else ()
    return names if len(names) == dataset.shape[-1] else tuple(default[:dataset.shape[-1]])


def read_run(path: str) -> FieldlineRun:
    """Read a fieldline output file (or run directory); ValueError when it is not one."""
    with model_output(path, "fieldline", "omnidirectional_flux") as (f, path, effective):
        fieldline = effective.get("fieldline", {})
        g, s = f["grid"], f["snapshots"]
        energy = g["energy_eV"][...]
        description = attr_text(g["e0_keV"].attrs.get("description", ""))
        labels = [x.strip() for x in description.split(":", 1)[1].split("|")] if ":" in description else []
        mu, rebuilt = signed_mu(g["directional_mu"][...])
        mu_level = g["directional_mu_level"][...] if "directional_mu_level" in g else None
        potential = g["potential_eV"][...] if "potential_eV" in g else None
        steps = int(np.ravel(s["steps_done"][-1])[0])
        e0 = g["e0_keV"][...]
        run = FieldlineRun(
            path=path, name=os.path.basename(os.path.dirname(os.path.abspath(path))), fieldline=fieldline,
            complete=bool(f.attrs.get("complete", False)), labels=labels, e0_keV=e0, energy=energy,
            edges=g["energy_edges_eV"][...], s_km=g["s_km"][...], altitude=g["altitude_km"][...],
            latitude=g["latitude_deg"][...], b_ratio=g["b_ratio"][...], dir_nodes=g["directional_nodes"][...],
            dir_mu=mu, dir_mu_level=mu_level, potential=potential, omni=s["omnidirectional_flux"][-1],
            hemi=s["hemispherical_flux"][-1],
            directional=s["directional_flux"][-1], heating=s["heating_rate"][-1], budget=s["energy_budget"][-1],
            measures=s["flux_measures"][-1], mu_rebuilt=rebuilt,
            n_done=(min(steps, 1) if fieldline.get("mode") == "time_dependent"     # rounds of case_groups cases
                    else min(steps // max(energy.size, 1) * int(fieldline.get("case_groups", 1)), e0.size)),
            timeseries={k: f["timeseries"][k][...] for k in f["timeseries"]} if "timeseries" in f else {},
            rates={k: s[k][-1] for k in ("ionisation_rate", "excitation_rate") if k in s},
            primary=s["primary_flux"][-1] if "primary_flux" in s else None,
            budget_names=column_names(s["energy_budget"], BUDGET),
            measure_names=column_names(s["flux_measures"], MEASURES))
    if run.n_done == 0:
        raise ValueError("no case finished yet")
    if len(run.labels) != e0.size:
        run.labels = [f"E0={v:g} keV" for v in e0]
    if fieldline.get("primary_spectrum") == "none":
        run.labels = ["photoelectrons" + (f" ({lab})" if e0.size > 1 else "") for lab in run.labels]
    elif fieldline.get("photoelectrons"):
        run.labels = [f"{lab} + photoelectrons" for lab in run.labels]
    if run.measure_names[:len(MEASURES)] != MEASURES[:len(run.measure_names)]:
        raise ValueError(f"flux_measures columns {run.measure_names} differ from the model's {MEASURES}")
    run.summaries = [case_summary(run.measures[c], run.budget[c]) for c in range(run.n_done)]
    return run


# ----------------------------------------------------------------------------- helpers
def positive(y) -> np.ndarray:
    """``y`` with values <= 0 (and non-finite ones) replaced by NaN (for log axes)."""
    y = np.asarray(y, dtype=float)
    return np.where(np.isfinite(y) & (y > 0), y, np.nan)


def log_axes(ax, curves, decades: int = DECADES, x_log: bool = True) -> None:
    """Log axes with the y range cut ``decades`` below the largest value of ``curves``."""
    values = np.concatenate([positive(c).ravel() for c in curves]) if curves else np.array([])
    values = values[np.isfinite(values)]
    if x_log:
        ax.set_xscale("log")
    if values.size:
        ax.set_yscale("log")
        top = float(values.max())
        ax.set_ylim(max(float(values.min()) / 2.0, top * 10.0 ** -decades), top * 3.0)
    light_minor_ticks(ax)
    ax.grid(alpha=0.3, which="both")


def light_minor_ticks(ax) -> None:
    """Minor ticks of the log axes at 2 and 5 only, unlabelled (fewer ticks to lay out)."""
    from matplotlib.ticker import LogLocator, NullFormatter
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "log":
            axis.set_minor_locator(LogLocator(base=10.0, subs=(2.0, 5.0), numticks=12))
            axis.set_minor_formatter(NullFormatter())


def case_colours(plt, n: int) -> list:
    """One colour per case, red (low E0) to yellow-ish (high E0) as in the paper."""
    if n == 1:
        return ["tab:red"]
    return list(plt.get_cmap("plasma")(np.linspace(0.05, 0.85, n)))


def nearest_levels(run: FieldlineRun, targets) -> list[int]:
    """Distinct level indices nearest the ``targets`` energies (eV), within the grid."""
    out = []
    for e in targets:
        if e < run.edges[0] or e > run.edges[-1]:
            continue
        k = int(np.argmin(np.abs(np.log(run.energy) - math.log(e))))
        if k not in out:
            out.append(k)
    return out


def energy_axis(ax, run: FieldlineRun, e_max: float | None = None) -> None:
    """Energy axis from 1 eV (or the lowest edge) to ``e_max`` (default: the top edge)."""
    ax.set_xlim(max(1.0, float(run.edges[0])), float(e_max if e_max is not None else run.edges[-1]))
    ax.set_xlabel("energy (eV)")


def panels(plt, n: int, width: float = 5.0, height: float = 4.0, ncols_max: int = 3):
    """A figure with ``n`` panels (up to ``ncols_max`` per row); (fig, flat list of axes)."""
    ncols = min(n, ncols_max)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False,
                             layout="constrained")
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def run_title(run: FieldlineRun) -> str:
    """Conditions of the run for a figure title."""
    fl = run.fieldline
    parts = [f"L = {fl.get('L', 6.0):g}", f"MLT {fl.get('mlt_h', 0.0):g} h"]
    spectrum = fl.get("primary_spectrum", "maxwellian")
    if spectrum != "none":
        parts.append(f"{spectrum} primaries {fl.get('energy_flux_erg_cm2_s', 1.0):g} erg cm$^{{-2}}$ s$^{{-1}}$ "
                     f"({fl.get('precipitation', 'both')})")
    if fl.get("photoelectrons"):
        parts.append("photoelectrons")
    for key, default in (("conjugate_ionosphere", "full"), ("s1_boundary_north", "open"), ("s1_boundary_south", "open"),
                         ("ne_field_power", 2.0), ("elastic_screening_factor", 1.0)):
        if key in fl and fl[key] != default:
            parts.append(f"{key} = {fl[key]}")
    if not run.complete:
        parts.append(f"INCOMPLETE ({run.n_done} of {run.e0_keV.size} cases)")
    return f"{run.name}: " + ", ".join(parts)


def returned_se(run: FieldlineRun, case: int, node: int) -> tuple[float, float]:
    """(energy, particle) flux of the downward electrons below 600 eV at ``node``."""
    sel = run.energy < SE_MAX_EV
    down = run.hemi[case, :, node, 1] * run.dE
    return float(np.sum((down * run.energy)[sel])), float(np.sum(down[sel]))


def pitch_from_down(run: FieldlineRun, row: int) -> np.ndarray:
    """Local pitch angle (deg) from the downward field direction of the directions of ``row``."""
    node = int(run.dir_nodes[row])
    toward_earth = 1.0 if node > run.equator else -1.0     # + mu is northward
    return np.degrees(np.arccos(np.clip(toward_earth * run.dir_mu[row], -1.0, 1.0)))


def sorted_directions(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) without the NaN padding, sorted by x."""
    keep = np.isfinite(x)
    order = np.argsort(x[keep])
    return x[keep][order], y[keep][order]


# ----------------------------------------------------------------------------- figures
def fig02(run: FieldlineRun, plt) -> dict:
    """Fig. 2: J(E) at 150, 240, 550 km north and the primaries at 800 km, one panel per case."""
    if not run.has_primaries(1):
        raise Skip("no primary precipitation in the north (photoelectron run: see fig10)")
    fig, axes = panels(plt, run.n_cases)
    top = run.node(run.s1_km)
    prim = run.energy >= run.primary_min_eV
    for c, ax in enumerate(axes):
        curves = []
        for altitude, colour in FIG2_ALTITUDES:
            i = run.node(altitude)
            y = positive(run.omni[c, :, i])
            ax.plot(run.energy, y, color=colour, lw=1.2, label=f"J at {run.where(i)}")
            curves.append(y)
        if run.primary is not None:       # the injected primaries themselves
            y = positive(run.primary[c, :, 1])
            label = f"injected primaries at {run.where(top)} (hemispherical)"
        else:                             # older files: all downward flux in the primary range
            y = positive(np.where(prim, run.hemi[c, :, top, 1], np.nan))
            label = f"$F_{{down}}$ at {run.where(top)} (E ≥ {run.primary_min_eV:g} eV)"
        ax.plot(run.energy, y, color="k", lw=1.5, label=label)
        curves.append(y)
        log_axes(ax, curves)
        energy_axis(ax, run)
        ax.axvline(SE_MAX_EV, color="0.5", ls=":", lw=0.8)
        ax.set_ylabel(f"flux ({FLUX_UNIT})")
        ax.set_title(run.label(c), fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle("Fig. 2: omnidirectional fluxes in the northern ionosphere and the precipitating primaries\n"
                 + run_title(run), fontsize=9)
    return {"fig02_omnidirectional_altitudes": fig}


def fig03(run: FieldlineRun, plt) -> dict:
    """Fig. 3: J(E, s) in the plasmasphere (800 km north to the equator), one row per case."""
    from matplotlib.colors import LogNorm
    top = run.node(run.s1_km)
    nodes = np.arange(run.equator, top + 1)                 # equator ... 800 km N
    distance = run.s_km[top] - run.s_km[nodes]              # along the line from 800 km N
    sel = run.energy <= FIG3_E_MAX
    if nodes.size < 2 or not sel.any():
        raise Skip("no magnetospheric nodes above 800 km or no level below 500 eV")
    fig, axes = plt.subplots(run.n_cases, 2, figsize=(11, 4.0 * run.n_cases), squeeze=False, layout="constrained")
    lines = [top] + [run.node_at_latitude(lat) for lat in FIG3_LATITUDES] + [run.equator]
    lines = list(dict.fromkeys(i for i in lines if run.equator <= i <= top))
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, len(lines)))
    for c in range(run.n_cases):
        left, right = axes[c]
        data = positive(run.omni[c][np.ix_(sel, nodes)])
        if np.isfinite(data).any():
            vmax = float(np.nanmax(data))
            norm = LogNorm(vmin=max(float(np.nanmin(data)), vmax * 10.0 ** -DECADES), vmax=vmax)
            e_edges = run.edges[:int(np.count_nonzero(sel)) + 1]
            order = np.argsort(distance)
            d_sorted = distance[order]
            d_edges = np.concatenate(([d_sorted[0]], 0.5 * (d_sorted[1:] + d_sorted[:-1]), [d_sorted[-1]]))
            mesh = left.pcolormesh(e_edges, d_edges, data[:, order].T, norm=norm, cmap="turbo", shading="flat")
            fig.colorbar(mesh, ax=left, label=f"J ({FLUX_UNIT})")
        left.set_xscale("log")
        left.set_xlim(max(1.0, float(run.edges[0])), float(e_edges[-1]) if np.isfinite(data).any() else FIG3_E_MAX)
        left.set_xlabel("energy (eV)")
        left.set_ylabel(f"distance along the line from {run.where(top)} (km)")
        left.set_title(f"{run.label(c)}: J(E, s), northern half above 800 km", fontsize=9)
        curves = []
        for i, colour in zip(lines, colours):
            y = positive(run.omni[c, :, i])
            where = run.where(i) if i in (top, run.equator) else \
                f"λ = {run.latitude[i]:.1f}°, {run.altitude[i]:.0f} km"
            right.plot(run.energy, y, color=colour, lw=1.2, label=where)
            curves.append(y[sel])
        log_axes(right, curves)
        energy_axis(right, run, FIG3_E_MAX)
        right.set_ylabel(f"J ({FLUX_UNIT})")
        right.set_title(f"{run.label(c)}: J(E) along the line", fontsize=9)
        right.legend(fontsize=7)
    fig.suptitle("Fig. 3: omnidirectional flux in the plasmasphere (1-500 eV), from 800 km north to the equator\n"
                 + run_title(run), fontsize=9)
    return {"fig03_plasmasphere": fig}


def fig04(run: FieldlineRun, plt) -> dict:
    """Fig. 4c style: F_down (solid) and F_up (dashed) at 240, 550 and 800 km north."""
    fig, axes = panels(plt, len(FIG4_ALTITUDES))
    colours = case_colours(plt, run.n_cases)
    for ax, altitude in zip(axes, FIG4_ALTITUDES):
        i = run.node(altitude)
        curves = []
        for c, colour in enumerate(colours):
            down, up = positive(run.hemi[c, :, i, 1]), positive(run.hemi[c, :, i, 0])
            ax.plot(run.energy, down, color=colour, lw=1.2, label=f"{run.label(c)} down")
            ax.plot(run.energy, up, color=colour, lw=1.2, ls="--", label=f"{run.label(c)} up")
            curves += [down, up]
        log_axes(ax, curves)
        energy_axis(ax, run)
        ax.axvline(SE_MAX_EV, color="0.5", ls=":", lw=0.8)
        ax.set_ylabel(f"hemispherical flux ({FLUX_UNIT})")
        ax.set_title(f"{run.where(i)} (nearest {altitude:g} km)", fontsize=10)
        ax.legend(fontsize=6, loc="lower left", ncol=1 if run.n_cases < 4 else 2)
    fig.suptitle("Fig. 4: hemispherical fluxes toward (down, solid) and away from (up, dashed) the Earth in the north\n"
                 + run_title(run), fontsize=9)
    return {"fig04_hemispherical_flux": fig}


def fig05(run: FieldlineRun, plt) -> dict:
    """Fig. 5 / Figs. 4a-b: J(E) at 550 km and 240 km north, one curve per case."""
    fig, axes = panels(plt, 2, width=5.5)
    colours = case_colours(plt, run.n_cases)
    for ax, altitude, tag in zip(axes, (550.0, 240.0), ("Fig. 5 / 4b", "Fig. 4a")):
        i = run.node(altitude)
        curves = []
        for c, colour in enumerate(colours):
            y = positive(run.omni[c, :, i])
            ax.plot(run.energy, y, color=colour, lw=1.2, label=run.label(c))
            curves.append(y)
        log_axes(ax, curves)
        energy_axis(ax, run)
        ax.axvline(SE_MAX_EV, color="0.5", ls=":", lw=0.8)
        ax.set_ylabel(f"J ({FLUX_UNIT})")
        ax.set_title(f"{tag}: {run.where(i)} (nearest {altitude:g} km)", fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle("Fig. 5: omnidirectional fluxes in the northern ionosphere, all processes\n" + run_title(run),
                 fontsize=9)
    return {"fig05_omnidirectional_550km": fig}


def fig06(run: FieldlineRun, plt) -> dict:
    """Fig. 6: Phi at 800 km north versus local pitch angle, and the up/down spectra below 600 eV."""
    north, south = run.node(run.s1_km, "north"), run.node(run.s1_km, "south")
    row = run.dir_row(north)
    if row is None:
        raise Skip(f"no directional flux at {run.where(north)} (add {run.s1_km:g} to directional_altitudes_km)")
    levels = [k for k in nearest_levels(run, FIG6_ENERGIES) if run.energy[k] < SE_MAX_EV]
    if not levels:
        raise Skip("no energy level below 600 eV")
    alpha = pitch_from_down(run, row)
    sel = run.energy < SE_MAX_EV
    fig, axes = plt.subplots(run.n_cases, 2, figsize=(11, 4.0 * run.n_cases), squeeze=False, layout="constrained")
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, len(levels)))
    for c in range(run.n_cases):
        left, right = axes[c]
        curves = []
        for k, colour in zip(levels, colours):
            a_k = alpha if run.dir_mu_level is None else \
                np.degrees(np.arccos(np.clip(-run.dir_mu_level[k, row], -1.0, 1.0)))   # own grid per level
            x, y = sorted_directions(a_k, run.directional[c, k, row])
            y = positive(y)
            left.plot(x, y, "o-", ms=3, color=colour, lw=1.0, label=f"{run.energy[k]:.3g} eV")
            curves.append(y)
        log_axes(left, curves, x_log=False)
        left.axvline(90.0, color="0.5", ls=":", lw=0.8)
        left.set_xlim(0.0, 180.0)
        left.set_xticks(np.arange(0, 181, 30))
        left.set_xlabel("local pitch angle from the downward direction (deg; < 90 down, > 90 up)")
        left.set_ylabel(f"Φ ({DIR_UNIT})")
        left.set_title(f"{run.label(c)}: directional flux at {run.where(north)}", fontsize=9)
        left.legend(fontsize=7)
        spectra = ((run.hemi[c, :, north, 1], "k", "-", f"down, {run.where(north)}"),
                   (run.hemi[c, :, north, 0], "k", "--", f"up, {run.where(north)}"),
                   (run.hemi[c, :, south, 1], "tab:green", ":", f"down, {run.where(south)}"))
        curves = []
        for y, colour, style, label in spectra:
            y = positive(np.where(sel, y, np.nan))
            right.plot(run.energy, y, color=colour, ls=style, lw=1.3, label=label)
            curves.append(y)
        log_axes(right, curves)
        energy_axis(right, run, SE_MAX_EV)
        right.set_ylabel(f"hemispherical flux ({FLUX_UNIT})")
        right.set_title(f"{run.label(c)}: secondaries below 600 eV at 800 km (Figs. 6a-b)", fontsize=9)
        right.legend(fontsize=7)
    fig.suptitle("Fig. 6: directional secondary fluxes at the boundary of the northern ionosphere\n"
                 + run_title(run), fontsize=9)
    return {"fig06_directional_800km": fig}


def fig07(run: FieldlineRun, plt) -> dict:
    """Fig. 7: integrated energy and particle fluxes at 800 km north and the escape fractions per case."""
    if not run.has_primaries(1):
        raise Skip("no primary precipitation in the north: the fractions are relative to the primaries")
    node = run.node(run.s1_km)
    cases = [c for c in range(run.n_cases) if run.measure(c, 1, "primary_energy_eV_cm2_s") > 0]
    x = np.arange(len(cases))
    names = [f"{run.e0_keV[c]:g}" for c in cases]
    m = {name: np.array([run.measure(c, 1, name) for c in cases]) for name in run.measure_names}
    ret = np.array([returned_se(run, c, node) for c in cases])
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), layout="constrained")
    energy_bars = (("primaries (down)", m["primary_energy_eV_cm2_s"], "tab:red"),
                   ("escaping", m["escaping_energy_eV_cm2_s"], "tab:blue"),
                   ("escaping SE (< 600 eV)", m["escaping_se_energy_eV_cm2_s"], "gold"),
                   ("returned SE (down, < 600 eV)", ret[:, 0], "tab:green"),
                   ("returned thermals (eq. 19)", m["returned_thermal_eV_cm2_s"], "tab:purple"))
    particle_bars = (("primaries (down)", m["primary_particles_cm2_s"], "tab:red"),
                     ("escaping", m["escaping_particles_cm2_s"], "tab:blue"),
                     ("escaping SE (< 600 eV)", m["escaping_se_particles_cm2_s"], "gold"),
                     ("returned SE (down, < 600 eV)", ret[:, 1], "tab:green"))
    for ax, bars, unit in ((axes[0], energy_bars, r"eV cm$^{-2}$ s$^{-1}$"),
                           (axes[1], particle_bars, r"cm$^{-2}$ s$^{-1}$")):
        width = 0.8 / len(bars)
        for j, (label, values, colour) in enumerate(bars):
            ax.bar(x + (j - (len(bars) - 1) / 2) * width, positive(values), width, color=colour, label=label)
        tops = [float(np.max(v)) for _, v, _ in bars if np.any(v > 0)]
        lows = [float(np.min(v[v > 0])) for _, v, _ in bars if np.any(v > 0)]
        if tops:                          # room above the bars for the legend
            ax.set_yscale("log")
            ax.set_ylim(min(lows) / 3.0, max(tops) * 60.0)
        ax.set_xticks(x, names)
        ax.set_xlabel(r"$E_0$ (keV)")
        ax.set_ylabel(f"flux at {run.where(node)} ({unit})")
        ax.grid(alpha=0.3, axis="y", which="both")
        ax.legend(fontsize=7, ncol=2, loc="upper right")
    axes[0].set_title("(a) energy fluxes", fontsize=10)
    axes[1].set_title("(b) particle fluxes", fontsize=10)
    ax = axes[2]
    fractions = (("escaping / primary energy", "escape_energy_fraction", "energy", "tab:blue"),
                 ("escaping / primary particles", "escape_particle_fraction", "particles", "tab:cyan"),
                 ("SE share of escaping particles", "escaping_se_particle_share", "se_share", "gold"))
    width = 0.8 / len(fractions)
    marked = False
    for j, (label, key, paper_key, colour) in enumerate(fractions):
        xs = x + (j - (len(fractions) - 1) / 2) * width
        ax.bar(xs, [run.summaries[c].get(key, np.nan) for c in cases], width, color=colour, label=label)
        for xi, c in zip(xs, cases):
            paper = next((v for e0, v in PAPER.items() if math.isclose(run.e0_keV[c], e0)), None)
            if paper is not None:
                ax.plot([xi - width / 2, xi + width / 2], [paper[paper_key]] * 2, color="k", lw=2.0,
                        label=None if marked else "paper (0.4 and 5 keV)")
                marked = True
    ax.set_ylim(0.0, 1.35)
    ax.set_xticks(x, names)
    ax.set_xlabel(r"$E_0$ (keV)")
    ax.set_ylabel("fraction")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=7, ncol=2, loc="upper right")
    ax.set_title(f"(c) fractions at {run.where(node)}", fontsize=10)
    fig.suptitle("Fig. 7: integrated fluxes at the boundary of the northern ionosphere\n" + run_title(run), fontsize=9)
    return {"fig07_escape_fractions": fig}


def fig08(run: FieldlineRun, plt) -> dict:
    """Fig. 8: albedo F_up / F_down at 800 km north versus energy, one curve per case."""
    node = run.node(run.s1_km)
    fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
    colours = case_colours(plt, run.n_cases)
    curves = []
    for c, colour in enumerate(colours):
        up, down = run.hemi[c, :, node, 0], run.hemi[c, :, node, 1]
        a = positive(np.where(down > 0, up / np.where(down > 0, down, 1.0), np.nan))
        ax.plot(run.energy, a, color=colour, lw=1.3, label=run.label(c))
        curves.append(a)
    log_axes(ax, curves, decades=6)
    energy_axis(ax, run)
    ax.axvline(SE_MAX_EV, color="0.5", ls=":", lw=0.8)
    ax.set_ylabel(r"albedo $A = F_{up} / F_{down}$")
    ax.legend(fontsize=7)
    ax.set_title(f"Fig. 8: albedo at {run.where(node)}\n" + run_title(run), fontsize=8)
    return {"fig08_albedo": fig}


def fig09(run: FieldlineRun, plt) -> dict:
    """Fig. 9: equatorial directional flux versus equatorial pitch angle at a few energies."""
    row = run.dir_row(run.equator)
    if row is None:
        raise Skip("no directional flux at the equator node")
    levels = nearest_levels(run, FIG9_ENERGIES)
    alpha = np.degrees(np.arccos(np.clip(-run.dir_mu[row], -1.0, 1.0)))   # 0-90: moving south
    top = run.node(run.s1_km)
    alpha_lc = math.degrees(math.asin(min(1.0, math.sqrt(1.0 / run.b_ratio[top]))))
    fig, axes = panels(plt, run.n_cases, width=5.5)
    colours = ["tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple"]
    for c, ax in enumerate(axes):
        curves = []
        for k, colour in zip(levels, colours):
            a_k = alpha if run.dir_mu_level is None else \
                np.degrees(np.arccos(np.clip(-run.dir_mu_level[k, row], -1.0, 1.0)))   # own grid per level
            x, y = sorted_directions(a_k, run.directional[c, k, row])
            y = positive(y)
            ax.plot(x, y, "o-", ms=2.5, lw=1.1, color=colour, label=f"{run.energy[k]:.3g} eV")
            curves.append(y)
        log_axes(ax, curves, x_log=False)
        for a in (alpha_lc, 180.0 - alpha_lc):
            ax.axvline(a, color="0.4", ls=":", lw=0.8)
        ax.set_xlim(0.0, 180.0)
        ax.set_xticks(np.arange(0, 181, 30))
        ax.set_xlabel("equatorial pitch angle (deg; < 90 leaving the north, > 90 leaving the south)")
        ax.set_ylabel(f"Φ ({DIR_UNIT})")
        ax.set_title(f"{run.label(c)} (loss cone {alpha_lc:.2f}°)", fontsize=9)
        ax.legend(fontsize=7)
    power = run.fieldline.get("ne_field_power", 2.0)
    fig.suptitle(f"Fig. 9: equatorial pitch-angle distributions, $n_e \\propto B^{{{power:g}}}$\n"
                 + run_title(run), fontsize=9)
    return {"fig09_equatorial_pitch_angle": fig}


def need_photoelectrons(run: FieldlineRun) -> None:
    """Skip unless the run has the photoelectron source."""
    if not run.photoelectrons:
        raise Skip("not a photoelectron run (photoelectrons = false)")


def fig10(run: FieldlineRun, plt) -> dict:
    """Fig. 10: photoelectron spectra at 150, 240, 300 and 800 km north and at the equator."""
    need_photoelectrons(run)
    fig, axes = panels(plt, run.n_cases, width=5.5)
    e_max = min(SE_MAX_EV, float(run.edges[-1]))
    sel = run.energy <= e_max
    for c, ax in enumerate(axes):
        curves = []
        for altitude, colour in FIG10_ALTITUDES:
            i = run.node(altitude)
            y = positive(run.omni[c, :, i])
            ax.plot(run.energy, y, color=colour, lw=1.2, label=f"{run.where(i)}")
            curves.append(y[sel])
        y = positive(run.omni[c, :, run.equator])
        ax.plot(run.energy, y, color="k", lw=1.2, ls="--", label="equator (plasmasphere)")
        curves.append(y[sel])
        log_axes(ax, curves)
        energy_axis(ax, run, e_max)
        ax.set_ylabel(f"J ({FLUX_UNIT})")
        ax.set_title(run.label(c), fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle("Fig. 10: photoelectron omnidirectional fluxes in the northern ionosphere and the plasmasphere\n"
                 + run_title(run), fontsize=9)
    return {"fig10_photoelectron_spectra": fig}


def fig11(run: FieldlineRun, plt) -> dict:
    """Figs. 11a-b: dayside J(E) below 600 eV at 800 km, 240 km north and the equator, per case."""
    need_photoelectrons(run)
    fig, axes = panels(plt, 3)
    colours = case_colours(plt, run.n_cases)
    e_max = min(SE_MAX_EV, float(run.edges[-1]))
    sel = run.energy <= e_max
    where = ((run.node(800.0), "(a)"), (run.node(240.0), "(b)"), (run.equator, "plasmasphere:"))
    for ax, (i, tag) in zip(axes, where):
        curves = []
        for c, colour in enumerate(colours):
            y = positive(run.omni[c, :, i])
            ax.plot(run.energy, y, color=colour, lw=1.2, label=run.label(c))
            curves.append(y[sel])
        log_axes(ax, curves)
        energy_axis(ax, run, e_max)
        ax.set_ylabel(f"J ({FLUX_UNIT})")
        ax.set_title(f"{tag} {run.where(i)}", fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle("Fig. 11: dayside omnidirectional fluxes below 600 eV\n" + run_title(run), fontsize=9)
    return {"fig11_dayside_spectra": fig}


def fig_budget(run: FieldlineRun, plt) -> dict:
    """Energy budget per case: stacked fractions of the injected energy."""
    injected = run.budget[:run.n_cases, 0]
    if not np.any(injected > 0):
        raise Skip("nothing injected")
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 * run.n_cases + 3.0), 4.8), layout="constrained")
    x = np.arange(run.n_cases)
    names = {"coulomb_heating": "Coulomb heating", "ionisation_thresholds": "ionisation thresholds",
             "excitation": "excitation", "thermalised": "thermalised (below the lowest level)",
             "escaped_south": "escaped, south 90-km end", "escaped_north": "escaped, north 90-km end",
             "absorbed_at_cuts": "absorbed at an absorbing s1 boundary",
             "not_followed": "not followed (secondaries or cascading switched off)",
             "stored_change": "stored on the line (time-dependent runs)"}
    colours = plt.get_cmap("tab10").colors
    bottom = np.zeros(run.n_cases)
    safe = np.where(injected > 0, injected, 1.0)
    for j, key in enumerate(run.budget_names[1:], start=1):
        frac = run.budget[:run.n_cases, j] / safe
        colour = colours[(j - 1) % len(colours)]
        ax.bar(x, frac, 0.6, bottom=bottom, color=colour, label=names.get(key, key))
        bottom += frac
    for c in range(run.n_cases):
        residual = run.summaries[c]["energy_balance_residual"]
        ax.text(x[c], bottom[c] + 0.02, f"residual\n{residual:.2e}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, [run.label(c) for c in range(run.n_cases)], rotation=20 if run.n_cases > 3 else 0)
    ax.set_ylim(0.0, 1.15)
    ax.set_ylabel("fraction of the injected energy")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    ax.set_title("Energy budget per case (injected = "
                 + ", ".join(f"{v:.3g}" for v in injected) + r" eV cm$^{-2}$ s$^{-1}$ at the foot)" + "\n"
                 + run_title(run), fontsize=8)
    return {"budget_fractions": fig}


def fig_heating(run: FieldlineRun, plt) -> dict:
    """Heating rate of the thermal electrons versus altitude in the northern half."""
    nodes = np.arange(run.equator, run.ns)
    fig, ax = plt.subplots(figsize=(6.0, 5.0), layout="constrained")
    colours = case_colours(plt, run.n_cases)
    curves = []
    for c, colour in enumerate(colours):
        q = positive(run.heating[c, nodes])
        ax.plot(q, run.altitude[nodes], color=colour, lw=1.3, label=run.label(c))
        curves.append(q)
    values = np.concatenate(curves)
    values = values[np.isfinite(values)]
    if values.size:
        ax.set_xscale("log")
        ax.set_xlim(max(float(values.min()) / 2.0, float(values.max()) * 1e-10), float(values.max()) * 3.0)
    ax.set_yscale("log")
    light_minor_ticks(ax)
    ax.axhline(run.s1_km, color="0.5", ls=":", lw=0.8)
    ax.set_xlabel(r"heating rate Q (eV cm$^{-3}$ s$^{-1}$)")
    ax.set_ylabel("altitude (km), northern half")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    ax.set_title("Thermal-electron heating rate (eq. 18)\n" + run_title(run), fontsize=8)
    return {"heating_rate": fig}


def fig_rates(run: FieldlineRun, plt) -> dict:
    """Ionisation and excitation rates per species and the heating rate versus altitude (north)."""
    if len(run.rates) < 2:
        raise Skip("no ionisation/excitation rates in this file")
    cells = np.arange(run.equator, run.ns - 1)
    mid_alt = 0.5 * (run.altitude[cells] + run.altitude[cells + 1])
    keep = mid_alt <= run.s1_km
    fig, axes = plt.subplots(1, 3, figsize=(13.0, 4.6), layout="constrained", sharey=True)
    styles = {"N2": "-", "O2": "--", "O": ":"}
    colours = case_colours(plt, run.n_cases)
    for c, colour in enumerate(colours):
        for ax, key in ((axes[0], "ionisation_rate"), (axes[1], "excitation_rate")):
            for j, species in enumerate(("N2", "O2", "O")):
                ax.plot(positive(run.rates[key][c, j, cells][keep]), mid_alt[keep], color=colour,
                        ls=styles[species], label=f"{species}, {run.label(c)}")
        nodes = np.arange(run.equator, run.ns)
        sel = run.altitude[nodes] <= run.s1_km
        axes[2].plot(positive(run.heating[c, nodes][sel]), run.altitude[nodes][sel], color=colour, label=run.label(c))
    titles = (r"electron-impact ionisation (cm$^{-3}$ s$^{-1}$)", r"excitation, all states (cm$^{-3}$ s$^{-1}$)",
              r"thermal-electron heating (eV cm$^{-3}$ s$^{-1}$)")
    for ax, title in zip(axes, titles):
        ax.set_xscale("log")
        ax.set_xlabel(title)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=6)
    axes[0].set_ylabel("altitude (km), northern ionosphere")
    fig.suptitle("Rates versus altitude\n" + run_title(run), fontsize=8)
    return {"rates_altitude": fig}


def fig_potential(run: FieldlineRun, plt) -> dict:
    """Potential energy U(s) of the thermal-pressure electric field along the northern half, and the
    omnidirectional flux at the equator against total and kinetic energy (E = W - U(equator))."""
    if run.potential is None:
        raise Skip("no electric field in this run (electric_field = \"none\")")
    nodes = np.arange(run.equator, run.ns)
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.4), layout="constrained")
    ax = axes[0]
    ax.plot(run.potential[nodes], run.altitude[nodes], color="tab:purple", lw=1.4)
    ax.set_yscale("log")
    light_minor_ticks(ax)
    ax.axhline(run.s1_km, color="0.5", ls=":", lw=0.8)
    ax.set_xlabel("U (eV)")
    ax.set_ylabel("altitude (km), northern half")
    ax.grid(alpha=0.3, which="both")
    ax.set_title(f"potential energy, U(equator) = {run.potential[run.equator]:.2f} eV", fontsize=9)
    ax = axes[1]
    u_eq = float(run.potential[run.equator])
    curves = []
    for c, colour in enumerate(case_colours(plt, run.n_cases)):
        j = positive(run.omni[c, :, run.equator])
        ax.plot(run.energy, j, color=colour, lw=1.2, label=f"{run.label(c)}, total energy W")
        ax.plot(run.energy - u_eq, j, color=colour, lw=1.0, ls="--", label="kinetic energy W - U(eq)")
        curves.append(j)
    log_axes(ax, curves)
    ax.axvline(u_eq, color="0.5", ls=":", lw=0.8)
    ax.set_xlabel("energy (eV)")
    ax.set_ylabel(f"J at the equator ({FLUX_UNIT})")
    ax.legend(fontsize=7)
    fig.suptitle("Thermal-pressure electric field\n" + run_title(run), fontsize=9)
    return {"potential": fig}


def fig_timeseries(run: FieldlineRun, plt) -> dict:
    """Time-dependent runs: escape at 800 km north and the energy still being stored, versus time."""
    ts = run.timeseries
    if run.fieldline.get("mode") != "time_dependent" or "time_s" not in ts or ts["time_s"].size < 3:
        raise Skip("not a time-dependent run with a time series")
    t, inj = ts["time_s"][1:], ts["injected_energy"][1:]
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.0), layout="constrained")
    axes[0].plot(t, ts["escape_energy_fraction"][1:], "o-", ms=3)
    axes[0].set_ylabel("escaping / primary energy at 800 km N")
    axes[1].plot(t, ts["stored_energy_rate"][1:] / np.where(inj > 0, inj, np.nan), "o-", ms=3)
    axes[1].set_yscale("log")
    axes[1].set_ylabel("energy being stored / injected")
    for ax in axes:
        ax.set_xlabel("time since the sources were switched on (s)")
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("Time-dependent run: approach to the steady state\n" + run_title(run), fontsize=8)
    return {"timeseries": fig}


#: (figure key, drawing function) in drawing order; keys are paper numbers or names
FIGURES = ((2, fig02), (3, fig03), (4, fig04), (5, fig05), (6, fig06), (7, fig07), (8, fig08), (9, fig09),
           (10, fig10), (11, fig11), ("budget", fig_budget), ("heating", fig_heating), ("rates", fig_rates),
           ("potential", fig_potential), ("timeseries", fig_timeseries))
ALL_FIGURES = [key for key, _ in FIGURES]


def figure_key(text: str):
    """A --figures value: a paper figure number or one of NAMED_FIGURES."""
    if text.isdigit() and int(text) in ALL_FIGURES:
        return int(text)
    if text in NAMED_FIGURES:
        return text
    raise argparse.ArgumentTypeError(f"unknown figure {text!r}: give one of {' '.join(map(str, ALL_FIGURES))}")


# ----------------------------------------------------------------------------- table
def _fmt(value, spec: str) -> str:
    return "-" if value is None or not np.isfinite(value) else format(value, spec)


def table(runs: list[FieldlineRun]) -> str:
    """Markdown table of the headline numbers at 800 km north, one row per case (first row: the paper)."""
    many = len(runs) > 1
    head = (["run"] if many else []) + ["case", "E0 (keV)", "escaping/primary energy", "escaping/primary particles",
                                        "SE share of escaping particles", "returned thermal (eV cm-2 s-1)",
                                        "returned thermal / escaping SE energy", "budget residual"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lo, hi = PAPER[0.4], PAPER[5.0]
    paper = (["paper"] if many else []) + [
        "**paper (0.4 / 5 keV)**", "0.4 / 5", f"{lo['energy']:.2f} / {hi['energy']:.2f}",
        f"{lo['particles']:.2f} / {hi['particles']:.2f}", f"{lo['se_share']:.2f} / {hi['se_share']:.2f}",
        f"{lo['thermal']:.0e} / {hi['thermal']:.0e}".replace("e+0", "e"),
        f"{PAPER_RETURNED_OVER_SE[0]:.2f}-{PAPER_RETURNED_OVER_SE[1]:.2f}", "-"]
    lines.append("| " + " | ".join(paper) + " |")
    for run in runs:
        for c in range(run.n_cases):
            s = run.summaries[c]
            m = dict(zip(run.measure_names, run.measures[c, 1]))
            thermal = s.get("returned_thermal_flux_eV_cm2_s", m["returned_thermal_eV_cm2_s"])
            se = m["escaping_se_energy_eV_cm2_s"]
            ratio = s.get("returned_thermal_over_escaping_se_energy", thermal / se if se > 0 else math.nan)
            primaries = run.fieldline.get("primary_spectrum", "maxwellian") != "none"
            cells = ([run.name] if many else []) + [
                run.label(c), f"{run.e0_keV[c]:g}" if primaries else "-",
                _fmt(s.get("escape_energy_fraction"), ".3f"),
                _fmt(s.get("escape_particle_fraction"), ".3f"),
                _fmt(s.get("escaping_se_particle_share"), ".3f"),
                _fmt(thermal, ".3g"), _fmt(ratio, ".3f"), _fmt(s.get("energy_balance_residual"), ".2e")]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- driver
def parse_args(argv):
    """Command-line arguments (see the module docstring)."""
    p = argparse.ArgumentParser(description="Draw Figures 2-11 of Khazanov, Glocer and Himwich (2014) "
                                            "from fieldline output.")
    p.add_argument("runs", nargs="+", help="output.h5 files (or run directories) of fieldline runs")
    p.add_argument("-o", "--output-dir", help="directory for the PNG files (omit to print the table only)")
    p.add_argument("--table", action="store_true", help="print a markdown table of the escape fractions, "
                   "returned thermal flux and budget residual per case")
    p.add_argument("--figures", nargs="+", type=figure_key, default=ALL_FIGURES,
                   help=f"figures to draw: paper numbers and/or names (default: {' '.join(map(str, ALL_FIGURES))})")
    p.add_argument("--dpi", type=int, default=120)
    args = p.parse_args(argv)
    if not args.output_dir and not args.table:
        p.error("give -o DIR for figures and/or --table")
    return args


def draw(run: FieldlineRun, out_dir: str, prefix: str = "", figures=ALL_FIGURES, dpi: int = 120) -> dict:
    """Draw the figures of one run; returns {file name: path written} and prints skipped ones."""
    wanted = set(figures)
    return draw_figures([function for key, function in FIGURES if key in wanted],
                        lambda function, plt: function(run, plt), out_dir, prefix, dpi)


def main(argv=None) -> int:
    """Read the files, draw their figures, print the table; the exit status."""
    args = parse_args(argv)
    runs = read_runs(args.runs, read_run)
    if runs is None:
        return 2
    written = {}
    for run in runs:
        state = "complete" if run.complete else f"INCOMPLETE ({run.n_done} of {run.e0_keV.size} cases finished)"
        kind = "photoelectrons" if run.photoelectrons else "primaries"
        print(f"{run.path}: {run.n_cases} case(s) ({', '.join(run.labels[:run.n_cases])}), {kind}, {state}")
        if run.mu_rebuilt:
            print("  note: grid/directional_mu holds |mu|; signs rebuilt from the column order (northward, southward)")
        if args.output_dir:
            prefix = f"{run.name}_" if len(runs) > 1 else ""
            written.update(draw(run, args.output_dir, prefix, args.figures, args.dpi))
    if args.table:
        print(table(runs))
    return 0 if written or args.table else 1


if __name__ == "__main__":
    sys.exit(main())
