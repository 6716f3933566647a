"""Numbers of docs/validation/fieldline.md from the fieldline validation runs (paper 000).

    python tools/fieldline_validation.py                 # reads runs/fieldline_*/output.h5
    python tools/fieldline_validation.py --runs DIR      # runs elsewhere
    python tools/fieldline_validation.py --plots docs/validation/figures   # and the comparison figures

Run the inputs first (each 20 s - 4 min on 2 ranks)::

    for f in inputs/fieldline_fig*.toml; do mpirun -n 2 hpcsim run $f; done

Prints markdown: the Figure 7 fractions and returned thermal flux beside the paper's (solid bars:
both ionospheres; dashed bars: conjugate ionosphere removed), the N2 vibrational trough depth
versus altitude (Fig. 2), the albedo at 800 km (Fig. 8, with and without cascading), alpha and
beta of eqs. (15)-(17), the Figure 5 cases at 550 km, the equatorial anisotropy (Fig. 9) and the
photoelectron spectrum features (Fig. 10). A run that is missing is reported as such.

``--plots DIR`` also draws the figures that compare runs (the single-run figures come from
tools/fieldline_figures.py): ``fieldline_fig05_cases.png`` (the four Fig. 5 cases at 550 km),
``fieldline_fig06_cases.png`` (up and down at 800 km in the north, down in the south, with both
ionospheres and with the conjugate one removed; alpha and beta), ``fieldline_fig09_cases.png``
(equatorial pitch-angle distributions for n_e ~ B^2, ~ B and the conjugate removed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import hpcsim  # noqa: F401
import h5py
import numpy as np

from hpcsim.models.fieldline.model import case_summary

PAPER_FIG7 = {0.4: (0.40, 0.85, 0.55, 3e9), 5.0: (0.15, 0.35, 0.20, 7e7)}


class Run:
    """The final snapshot and grid of one output file."""

    def __init__(self, path: Path):
        with h5py.File(path, "r") as f:
            self.grid = {k: f["grid"][k][...] for k in f["grid"]}
            self.snap = {k: f["snapshots"][k][-1] for k in f["snapshots"] if k != "time_s"}
        self.e = self.grid["energy_eV"]
        self.alt = self.grid["altitude_km"]
        self.ns = self.alt.size

    def node(self, altitude_km: float, hemisphere: str = "north") -> int:
        half = np.arange(self.ns // 2, self.ns) if hemisphere == "north" else np.arange(self.ns // 2 + 1)
        return int(half[np.argmin(np.abs(self.alt[half] - altitude_km))])

    def summary(self, c: int = 0) -> dict:
        return case_summary(self.snap["flux_measures"][c], self.snap["energy_budget"][c])

    def omni(self, c: int, altitude_km: float, hemisphere: str = "north") -> np.ndarray:
        return self.snap["omnidirectional_flux"][c][:, self.node(altitude_km, hemisphere)]

    def hemi(self, c: int, altitude_km: float, hemisphere: str = "north") -> np.ndarray:
        return self.snap["hemispherical_flux"][c][:, self.node(altitude_km, hemisphere)]

    def mu_at(self, k: int, row: int) -> np.ndarray:
        """Signed local mu of the directional-flux columns of dir-node ``row`` at level k (each level
        has its own in an electric field)."""
        if "directional_mu_level" in self.grid:
            return self.grid["directional_mu_level"][k, row]
        return self.grid["directional_mu"][row]

    def at(self, values: np.ndarray, energy_eV: float) -> float:
        return float(np.exp(np.interp(np.log(energy_eV), np.log(self.e), np.log(np.maximum(values, 1e-300)))))


def load(runs: Path, name: str) -> Run | None:
    path = runs / name / "output.h5"
    if not path.exists():
        print(f"\n(missing: {path})")
        return None
    return Run(path)


def fig7(runs: Path) -> None:
    print("\n### Figure 7: fluxes at 800 km in the north, over the primaries\n")
    print("| E0 (keV) | case | escaping energy | escaping particles | SE share of escaping particles | "
          "returned thermal flux (eV cm-2 s-1) | returned thermal / escaping SE energy |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    both, removed = load(runs, "fieldline_fig7"), load(runs, "fieldline_fig7_conjugate_removed")
    whole = load(runs, "fieldline_fig7_whole_maxwellian")
    efield = load(runs, "fieldline_fig7_efield")
    for run, label in ((both, "both ionospheres"), (removed, "conjugate removed"),
                       (whole, "both, whole Maxwellian (to 50 keV)"), (efield, "both, pressure E field (3000 K)")):
        if run is None:
            continue
        for c, e0 in enumerate(run.grid["e0_keV"]):
            s = run.summary(c)
            print(f"| {e0:g} | {label} | {s['escape_energy_fraction']:.3f} | {s['escape_particle_fraction']:.3f} | "
                  f"{s['escaping_se_particle_share']:.3f} | {s['returned_thermal_flux_eV_cm2_s']:.2e} | "
                  f"{s['returned_thermal_over_escaping_se_energy']:.3f} |")
    for e0, (en, pa, se, th) in PAPER_FIG7.items():
        print(f"| {e0:g} | **paper** (both) | {en:.2f} | {pa:.2f} | {se:.2f} | {th:.0e} | 0.07-0.12 |")


def trough(runs: Path) -> None:
    run = load(runs, "fieldline_fig2_maxwellian")
    if run is None:
        return
    print("\n### N2 vibrational trough (Fig. 2 Maxwellian case): J(2.5 eV) over the log-log line through "
          "J(1.5 eV) and J(4.5 eV) (< 1: a trough)\n")
    print("| altitude (km) | J(1.5 eV) | J(2.5 eV) | J(4.5 eV) | depth |")
    print("| --- | --- | --- | --- | --- |")
    w = np.log(2.5 / 1.5) / np.log(4.5 / 1.5)
    for h in (120, 150, 200, 240, 280, 300, 400, 550):
        j = run.omni(0, h)
        a, b, c = run.at(j, 1.5), run.at(j, 2.5), run.at(j, 4.5)
        print(f"| {run.alt[run.node(h)]:.0f} | {a:.2e} | {b:.2e} | {c:.2e} | {b / (a ** (1 - w) * c ** w):.2f} |")


def albedo(runs: Path) -> None:
    print("\n### Albedo F_up / F_down at 800 km north (Fig. 8)\n")
    energies = (700, 800, 1000, 2000, 5000, 9000)
    print("| case | " + " | ".join(f"{e} eV" for e in energies) + " |")
    print("| --- " * (len(energies) + 1) + "|")
    for name in ("fieldline_fig8", "fieldline_fig8_no_cascading"):
        run = load(runs, name)
        if run is None:
            continue
        for c, e0 in enumerate(run.grid["e0_keV"]):
            h = run.hemi(c, 800.0)
            a = h[:, 0] / np.where(h[:, 1] > 0, h[:, 1], np.nan)
            tag = "no cascading, " if "no_cascading" in name else ""
            print(f"| {tag}E0 = {e0:g} keV | " + " | ".join(f"{np.interp(e, run.e, a):.3f}" for e in energies) + " |")


def alpha_beta(runs: Path) -> None:
    run = load(runs, "fieldline_fig6_conjugate_removed")
    if run is None:
        return
    print("\n### alpha and beta of eqs. (15)-(17) (Fig. 6 case, conjugate ionosphere removed)\n")
    h_n, h_s = run.hemi(0, 800.0), run.hemi(0, 800.0, "south")
    prim = run.snap["primary_flux"][0][:, 1]
    up = h_n[:, 0]
    alpha = h_s[:, 1] / up
    beta = (h_n[:, 1] - prim) / up
    print("| E (eV) | alpha | beta | alpha / beta |")
    print("| --- | --- | --- | --- |")
    for e in (2, 5, 10, 20, 50, 100, 300, 1000):
        a, b = np.interp(e, run.e, alpha), np.interp(e, run.e, beta)
        print(f"| {e} | {a:.3f} | {b:.4f} | {a / b:.1f} |")


def fig5(runs: Path) -> None:
    print("\n### Figure 5 cases: J at 550 km north, relative to all processes\n")
    ref = load(runs, "fieldline_fig5_all")
    if ref is None:
        return
    energies = (3, 10, 30, 100, 300)
    print("| case | " + " | ".join(f"{e} eV" for e in energies) + " | Coulomb heating of the northern ionosphere |")
    print("| --- " * (len(energies) + 2) + "|")
    j0 = ref.omni(0, 550.0)

    def north_heating(run):  # int Q ds over the northern ionosphere (below 800 km), eV cm-2 s-1
        north = np.arange(run.ns // 2, run.ns)
        iono = north[run.alt[north] <= 800.0 + 1e-6]
        s_cm = run.grid["s_km"] * 1e5
        q = run.snap["heating_rate"][0]
        return float(np.trapz(q[iono], s_cm[iono]))
    q0 = north_heating(ref)
    for name in ("fieldline_fig5_all", "fieldline_fig5_no_secondaries", "fieldline_fig5_conjugate_removed",
                 "fieldline_fig5_barrier"):
        run = load(runs, name)
        if run is None:
            continue
        j = run.omni(0, 550.0)
        q = north_heating(run)
        print(f"| {name.replace('fieldline_fig5_', '')} | " + " | ".join(
            f"{run.at(j, e) / ref.at(j0, e):.2f}" for e in energies) + f" | {q / q0:.2f} |")


def fig9(runs: Path) -> None:
    print("\n### Figure 9: equatorial flux, 89 deg over the loss cone (ratio) at 5, 10, 20 eV\n")
    print("| case | 5 eV | 10 eV | 20 eV |")
    print("| --- | --- | --- | --- |")
    for name in ("fieldline_fig9_ne_B2", "fieldline_fig9_ne_B1", "fieldline_fig9_conjugate_removed",
                 "fieldline_fig9_efield"):
        run = load(runs, name)
        if run is None:
            continue
        row = list(run.grid["directional_nodes"]).index(run.ns // 2)
        out = []
        for e in (5, 10, 20):
            k = int(np.argmin(np.abs(run.e - e)))
            mu = run.mu_at(k, row)
            ok = np.isfinite(mu)
            pitch = np.degrees(np.arccos(np.abs(mu[ok])))
            phi = run.snap["directional_flux"][0][k, row][ok]
            order = np.argsort(pitch)
            lc = phi[order][0]
            out.append(f"{np.interp(89.0, pitch[order], phi[order]) / lc:.3f}")
        print(f"| {name.replace('fieldline_fig9_', '')} | " + " | ".join(out) + " |")


def fig10(runs: Path) -> None:
    run = load(runs, "fieldline_fig10_photoelectrons")
    if run is None:
        return
    print("\n### Figure 10: photoelectron spectra (no secondaries), J in cm-2 s-1 eV-1\n")
    energies = (2.5, 5, 10, 22, 27, 40, 55, 70, 100, 200)
    print("| altitude | " + " | ".join(f"{e} eV" for e in energies) + " |")
    print("| --- " * (len(energies) + 1) + "|")
    for h in (150, 240, 800):
        j = run.omni(0, h)
        print(f"| {run.alt[run.node(h)]:.0f} km | " + " | ".join(f"{run.at(j, e):.2e}" for e in energies) + " |")
    b = run.snap["energy_budget"][0]
    print(f"\nphotoelectron energy injected {b[0]:.3e} eV cm-2 s-1 (both feet, per unit area at the foot)")
    print("\nAuger rise (paper: 'sharp rise in flux near the energies of 350 eV and 500 eV'): J just below "
          "over J just above the KLL energies (360 eV N, 500 eV O)\n")
    print("| altitude | J(340) / J(380) | J(480) / J(520) |")
    print("| --- | --- | --- |")
    for h in (150, 240, 800):
        j = run.omni(0, h)
        print(f"| {run.alt[run.node(h)]:.0f} km | {run.at(j, 340) / run.at(j, 380):.2f} | "
              f"{run.at(j, 480) / run.at(j, 520):.2f} |")


def plots(runs: Path, out: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out.mkdir(parents=True, exist_ok=True)
    # Fig. 5: four process cases at 550 km
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for name, label, color in (("all", "all processes, both ionospheres", "tab:red"),
                               ("no_secondaries", "no secondary production", "tab:blue"),
                               ("conjugate_removed", "conjugate ionosphere removed", "tab:green"),
                               ("barrier", "potential barrier above 800 km (north)", "gold")):
        run = load(runs, f"fieldline_fig5_{name}")
        if run is not None:
            ax.loglog(run.e, run.omni(0, 550.0), color=color, label=label)
    ax.set(xlabel="energy (eV)", ylabel="J at 550 km N (cm$^{-2}$ s$^{-1}$ eV$^{-1}$)", xlim=(1, 1e4),
           title="Fig. 5 cases: Maxwellian 1 keV, 3 erg cm$^{-2}$ s$^{-1}$")
    ax.set_ylim(bottom=1e2)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "fieldline_fig05_cases.png", dpi=120)
    plt.close(fig)
    # Fig. 6: directional fluxes at 800 km and alpha, beta
    both, removed = load(runs, "fieldline_fig6_all"), load(runs, "fieldline_fig6_conjugate_removed")
    if both is not None and removed is not None:
        fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
        se = both.e < 600
        for run, color, label in ((both, "tab:red", "both ionospheres"), (removed, "tab:green", "conjugate removed")):
            h_n, h_s = run.hemi(0, 800.0), run.hemi(0, 800.0, "south")
            axes[0].loglog(run.e[se], h_n[se, 1], color=color, label=f"down, {label}")
            axes[0].loglog(run.e[se], h_n[se, 0], color=color, ls="--", label=f"up, {label}")
            axes[1].loglog(run.e[se], h_n[se, 1], color=color, label=f"north, {label}")
            axes[1].loglog(run.e[se], h_s[se, 1], color=color, ls=":", label=f"south, {label}")
        h_n, h_s = removed.hemi(0, 800.0), removed.hemi(0, 800.0, "south")
        up = h_n[:, 0]
        axes[2].loglog(removed.e[se], (h_s[:, 1] / up)[se], label="alpha = F2+ / F1+")
        axes[2].loglog(removed.e[se], ((h_n[:, 1] - removed.snap["primary_flux"][0][:, 1]) / up)[se],
                       label="beta = F1- / F1+")
        titles = ("(a) hemispherical flux at 800 km N", "(b) downward flux at 800 km", "(c) eqs. (15)-(17)")
        for a, title in zip(axes, titles):
            a.set(xlabel="energy (eV)", title=title)
            a.grid(True, which="both", alpha=0.3)
            a.legend(fontsize=7)
        axes[0].set_ylabel("cm$^{-2}$ s$^{-1}$ eV$^{-1}$")
        fig.suptitle("Fig. 6: Maxwellian 1 keV, 1 erg cm$^{-2}$ s$^{-1}$")
        fig.tight_layout()
        fig.savefig(out / "fieldline_fig06_cases.png", dpi=120)
        plt.close(fig)
    # Fig. 9: equatorial pitch-angle distributions
    fig, ax = plt.subplots(figsize=(7, 4.6))
    for name, ls in (("ne_B2", "-"), ("ne_B1", "--"), ("conjugate_removed", ":"), ("efield", "-.")):
        run = load(runs, f"fieldline_fig9_{name}")
        if run is None:
            continue
        row = list(run.grid["directional_nodes"]).index(run.ns // 2)
        for e, color in ((5, "tab:red"), (10, "tab:blue"), (20, "tab:green")):
            if name in ("conjugate_removed", "efield") and e != 5:
                continue
            k = int(np.argmin(np.abs(run.e - e)))
            mu = run.mu_at(k, row)
            ok = np.isfinite(mu)
            pitch = np.degrees(np.arccos(mu[ok]))       # 0-90: moving north (left the south)... as signed mu
            order = np.argsort(pitch)
            phi = run.snap["directional_flux"][0][k, row][ok]
            label = {"ne_B2": "n_e ~ B^2", "ne_B1": "n_e ~ B", "efield": "n_e ~ B^2, E field (total energy)"}.get(name, name)
            ax.semilogy(pitch[order], phi[order], color={"conjugate_removed": "k", "efield": "tab:purple"}.get(name, color),
                        ls=ls, label=f"{e} eV, {label}")
    ax.set(xlabel="equatorial pitch angle (deg; 0-90 moving north)", ylabel="Phi (cm$^{-2}$ s$^{-1}$ sr$^{-1}$ eV$^{-1}$)",
           xlim=(0, 180), title="Fig. 9: equatorial distribution, Maxwellian 0.8 keV, 1 erg cm$^{-2}$ s$^{-1}$")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(out / "fieldline_fig09_cases.png", dpi=120)
    plt.close(fig)
    print(f"\nfigures written to {out}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=Path, default=Path("runs"))
    p.add_argument("--plots", type=Path, default=None, metavar="DIR", help="also draw the comparison figures")
    args = p.parse_args()
    for part in (fig7, trough, albedo, alpha_beta, fig5, fig9, fig10):
        part(args.runs)
    if args.plots is not None:
        plots(args.runs, args.plots)


if __name__ == "__main__":
    main()
