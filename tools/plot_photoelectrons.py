#!/usr/bin/env python3
"""Photoelectron production spectra q(E) at 150, 200 and 300 km (PNG), for the ``fieldline`` model.

Run::

    python tools/plot_photoelectrons.py -o /tmp/photo
    python tools/plot_photoelectrons.py -o figures/ --f107 150 --lat 66 --lon 0 --ut 12

(with the project's Python, e.g. ``.venv/bin/python``; matplotlib is the ``plot`` extra).

Case (defaults): paper 000_59d2843666811e48.txt section 3, F10.7 = <F10.7> = 150, noon at equinox,
at the ionospheric footpoint of L = 6 (magnetic latitude acos(sqrt(1/6)) = 65.9 deg, taken as
geographic latitude 66 N, longitude 0). Date 2000-03-21 12:00 UT. The solar zenith angle comes
from :func:`hpcsim.physics.atmosphere.cos_solar_zenith` (Cooper 1969 declination, equation of time
neglected): declination ~ 0 on day 81, hour angle 0 at 12 UT on the Greenwich meridian, so
chi = 66.0 deg (with the equation of time, -7.5 min on that date, the hour angle is -1.9 deg and
chi changes by < 0.1 deg). Neutral N2, O2, O and T from NRLMSIS 2.0 (pymsis, Ap = 4 given
explicitly, nothing downloaded) on a 1 km grid from 80 to 1000 km.

It writes ``photoelectron_production.png`` into the output directory (created if needed):
top, q(E) in cm^-3 s^-1 eV^-1 on a 0.5 eV grid (2-250 eV) at the three altitudes; bottom, the
total photoionisation rate against altitude by species. It prints the numbers it plots.
Primary photoelectrons of the 37 EUVAC bins only (no X rays below 50 A, no Auger electrons,
ground ion states only): see hpcsim/data/PHOTO_README.md.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from hpcsim.physics import photoelectrons as pe
from hpcsim.physics.atmosphere import SolarInputs, cos_solar_zenith, neutral_densities

ALTITUDES_KM = (150.0, 200.0, 300.0)


def compute(f107: float, lat_deg: float, lon_deg: float, ut_h: float, date: str, ap: float):
    """Altitude grid, densities, chi, energy edges, q[z, E] and the per-species rates."""
    inputs = SolarInputs(date=date, f107_sfu=f107, f107a_sfu=f107, ap=ap)
    z_km = np.arange(80.0, 1000.1, 1.0)
    nd = neutral_densities(z_km, lat_deg, lon_deg, ut_h, inputs)
    dens = {"N2": nd["n_N2"], "O2": nd["n_O2"], "O": nd["n_O1"]}
    chi_rad = float(np.arccos(np.clip(cos_solar_zenith(lat_deg, lon_deg, ut_h, inputs), -1.0, 1.0)))
    edges = np.arange(0.0, 250.01, 0.5)
    q = pe.photoelectron_production(z_km, dens, edges, f107, f107, chi_rad, temperature_K=nd["T_n_K"])
    rates = pe.ionisation_rates_cm3_s(z_km, dens, f107, f107, chi_rad, temperature_K=nd["T_n_K"])
    return z_km, chi_rad, edges, q, rates


def plot(path: str, z_km, chi_rad, edges, q, rates, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    e_mid = 0.5 * (edges[1:] + edges[:-1])
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7.5, 9.0))
    for alt in ALTITUDES_KM:
        i = int(np.argmin(np.abs(z_km - alt)))
        ax1.step(e_mid, np.where(q[i] > 0, q[i], np.nan), where="mid", lw=1.0, label=f"{alt:.0f} km")
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlim(2.0, 250.0)
    ax1.set_xlabel("photoelectron energy E (eV)")
    ax1.set_ylabel("q (cm$^{-3}$ s$^{-1}$ eV$^{-1}$)")
    ax1.set_title(title, fontsize=9)
    ax1.axvspan(20.0, 30.0, color="0.9", zorder=0, label="20-30 eV (He II 303.8 A: 25.2, 27.2, 28.8 eV)")
    ax1.legend(fontsize=8)
    ax1.grid(True, which="both", alpha=0.3)
    total = np.zeros(z_km.size)
    for s, r in rates.items():
        ax2.plot(r.sum(axis=1), z_km, label=s)
        total += r.sum(axis=1)
    ax2.plot(total, z_km, "k", label="total")
    ax2.set_xscale("log")
    ax2.set_xlim(1.0, 2.0 * total.max())
    ax2.set_ylim(80.0, 600.0)
    ax2.set_xlabel("photoionisation rate (cm$^{-3}$ s$^{-1}$)")
    ax2.set_ylabel("altitude (km)")
    ax2.legend(fontsize=8)
    ax2.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output-dir", default=".")
    ap.add_argument("--f107", type=float, default=150.0, help="F10.7 = <F10.7>, sfu (default 150)")
    ap.add_argument("--lat", type=float, default=66.0, help="geographic latitude, deg (default 66)")
    ap.add_argument("--lon", type=float, default=0.0, help="geographic longitude, deg east (default 0)")
    ap.add_argument("--ut", type=float, default=12.0, help="UT, h (default 12)")
    ap.add_argument("--date", default="2000-03-21")
    ap.add_argument("--ap", type=float, default=4.0, help="daily Ap for NRLMSIS (default 4)")
    args = ap.parse_args(argv)

    z_km, chi_rad, edges, q, rates = compute(args.f107, args.lat, args.lon, args.ut, args.date, args.ap)
    total = sum(r.sum(axis=1) for r in rates.values())
    column = float(np.sum(0.5 * (total[1:] + total[:-1]) * np.diff(z_km)) * 1e5)
    print(f"chi = {np.degrees(chi_rad):.2f} deg; total photoionisation peak {total.max():.3g} cm^-3 s^-1 "
          f"at {z_km[np.argmax(total)]:.0f} km; column rate {column:.3g} cm^-2 s^-1")
    e_mid = 0.5 * (edges[1:] + edges[:-1])
    for alt in ALTITUDES_KM:
        i = int(np.argmin(np.abs(z_km - alt)))
        band = (e_mid >= 20.0) & (e_mid <= 30.0)
        k = np.flatnonzero(band)[np.argmax(q[i, band])]
        print(f"{alt:5.0f} km: int q dE = {np.sum(q[i] * np.diff(edges)):.3g} cm^-3 s^-1; "
              f"max in 20-30 eV at {e_mid[k]:.2f} eV ({q[i, k]:.3g}); "
              f"q(60 eV)/q(27 eV) = {q[i, np.searchsorted(e_mid, 60.0)] / q[i, np.searchsorted(e_mid, 27.2)]:.3g}")
    os.makedirs(args.output_dir, exist_ok=True)
    path = os.path.join(args.output_dir, "photoelectron_production.png")
    title = (f"EUVAC primary photoelectrons, F10.7 = <F10.7> = {args.f107:g}, {args.date} {args.ut:g} UT, "
             f"{args.lat:g} N {args.lon:g} E, chi = {np.degrees(chi_rad):.1f} deg")
    plot(path, z_km, chi_rad, edges, q, rates, title)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
