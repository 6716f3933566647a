#!/usr/bin/env python3
"""Figures (PNG) of the electron-impact cross sections in ``hpcsim/data/cross_sections/``.

Run::

    python tools/plot_cross_sections.py -o figures/
    python tools/plot_cross_sections.py -o /tmp/xs --emin 1 --emax 1e4

(with the project's Python, e.g. ``.venv/bin/python``; matplotlib is the ``plot`` extra).

It writes, into the output directory (created if needed):

* ``cross_sections.png``: one log-log panel per species (N2, O2, O) with every process that has
  a parameter set (total and per-channel ionisation, elastic in its validity range solid and
  extrapolated dashed, excitation states if any), the stopping cross section divided by 20 eV
  for scale, and the thresholds of the missing states as ticks along the bottom;
* ``secondary_spectra.png``: the secondary-electron distribution I+(E, E2) for several primary
  energies, per species.

Exit status 0 when both files are written.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from hpcsim.physics import electron_impact as ei


def _plot_species(ax, species, energy):
    total = ei.ionisation_cross_section_cm2(species, energy)
    ax.loglog(energy, total, color="k", lw=2, label="ionisation (BEB)")
    for name, value in ei.ionisation_cross_sections_by_channel_cm2(species, energy).items():
        ax.loglog(energy, np.where(value > 0, value, np.nan), lw=0.8, label=name)
    for name, value in ei.excitation_cross_sections_cm2(species, energy).items():
        ax.loglog(energy, np.where(value > 0, value, np.nan), lw=1, label=name)
    elastic = ei.elastic_cross_section_cm2(species, energy)
    extrap = ei.elastic_cross_section_cm2(species, energy, allow_extrapolation=True)
    ax.loglog(energy, extrap, color="tab:blue", ls="--", lw=1, label="elastic, extrapolated (< 1 keV)")
    ax.loglog(energy, elastic, color="tab:blue", lw=2, label="elastic (screened Rutherford)")
    loss = ei.energy_loss_function_eV_cm2(species, energy)
    ax.loglog(energy, np.where(loss > 0, loss / 20.0, np.nan), color="tab:red", ls=":", lw=1.5,
              label="stopping cross section / 20 eV")
    for item in ei.missing_processes(species):
        if item.get("threshold_eV"):
            ax.axvline(item["threshold_eV"], ymax=0.04, color="0.4", lw=0.8)
    ax.set_title(f"{species}  (ticks at bottom: thresholds of missing states)", fontsize=9)
    ax.set_xlabel("electron energy (eV)")
    ax.set_ylabel("cross section (cm$^2$)")
    ax.set_ylim(1e-19, 1e-14)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=6, loc="upper right")


def _plot_secondaries(ax, species):
    secondary = np.geomspace(0.1, 5.0e3, 400)
    for primary in (30.0, 100.0, 300.0, 1000.0, 3000.0, 1.0e4):
        value = ei.secondary_distribution(species, primary, secondary)
        ax.loglog(secondary, np.where(value > 0, value, np.nan), label=f"E = {primary:g} eV")
    form = ei.load_species(species)["secondary"]["form"]
    ax.set_title(f"{species}: secondary distribution ({form})", fontsize=9)
    ax.set_xlabel("secondary energy E2 (eV)")
    ax.set_ylabel("I+(E, E2) (cm$^2$ eV$^{-1}$)")
    ax.set_ylim(1e-22, 1e-16)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="figures", help="output directory")
    parser.add_argument("--emin", type=float, default=1.0, help="lowest energy, eV")
    parser.add_argument("--emax", type=float, default=1.0e4, help="highest energy, eV")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(args.output, exist_ok=True)
    energy = np.geomspace(args.emin, args.emax, 600)

    fig, axes = plt.subplots(1, len(ei.SPECIES), figsize=(6 * len(ei.SPECIES), 5.5))
    for ax, species in zip(axes, ei.SPECIES):
        _plot_species(ax, species, energy)
    fig.tight_layout()
    path = os.path.join(args.output, "cross_sections.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(path)

    fig, axes = plt.subplots(1, len(ei.SPECIES), figsize=(6 * len(ei.SPECIES), 4.5))
    for ax, species in zip(axes, ei.SPECIES):
        _plot_secondaries(ax, species)
    fig.tight_layout()
    path = os.path.join(args.output, "secondary_spectra.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
