"""Benchmark the fieldline groundwork: the steady cascade of the paper's Figure 2 Maxwellian case.

    python tools/bench_fieldline.py                    # one rank
    mpirun -n 2 python tools/bench_fieldline.py        # two ranks (field-line segments)
    python tools/bench_fieldline.py --e0-keV 0.4 --flux-erg 2

L = 6, midnight, equinox, F10.7 = 150; the default grid of hpcsim.models.fieldline.grid.build
(195 nodes, 10 318 unknowns per level) and levels 1 eV - 10 keV (0.5 eV below 10 eV, then 5 %);
Maxwellian primaries (1 keV, 1 erg cm-2 s-1) at 800 km in both hemispheres. Reports from rank 0:
set-up and solve wall times, seconds per level, the KSP (MUMPS LU) of the last level, the energy
budget residual and the Figure 7 escape fractions.

The physics is incomplete (no excitation cross sections yet, docs/physics/fieldline.md), so the
fractions are not a validation; the timings are what docs/performance.md records.
"""

from __future__ import annotations

import argparse
import time

import hpcsim  # noqa: F401  (first: sets OMP_NUM_THREADS=1 before numpy loads OpenBLAS)
import numpy as np
from hpcsim.parallel import world


def main() -> None:
    from hpcsim.models.fieldline import background, cascade, diagnostics, grid, sources
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--e0-keV", type=float, default=1.0)
    p.add_argument("--flux-erg", type=float, default=1.0)
    p.add_argument("--ratio", type=float, default=1.05, help="energy level growth above 10 eV")
    args = p.parse_args()
    comm = world()
    t0 = time.perf_counter()
    g = grid.build(6.0)
    bg = background.build(g, 0.0)
    dens = {"n_e": bg.n_e, "N2": bg.n_N2, "O2": bg.n_O2, "O": bg.n_O}
    cs = cascade.CascadeSolver(g, dens, cascade.energy_edges_eV(1.0, 1.0e4, 0.5, args.ratio), comm)
    e0 = args.e0_keV * 1e3
    c = sources.normalisation("maxwellian", e0, energy_flux_erg_cm2_s=args.flux_erg)
    surface = {}
    for hemi, down in (("south", -1), ("north", 1)):
        node = diagnostics.node_at_altitude(cs, 800.0, hemi)
        d = cs.dirs[node][1]
        surface[node] = (lambda dd, dn: (lambda E: np.where(
            dd == dn, c * sources.spectrum_shape("maxwellian", E, e0) * (E >= 600.0), 0.0)))(d, down)
    comm.Barrier()
    t1 = time.perf_counter()
    phi, budget = cs.solve(surface)
    comm.Barrier()
    t2 = time.perf_counter()
    if comm.rank == 0:
        f = diagnostics.escape_fractions(cs, phi, "north")
        print(f"{comm.size} rank(s): {g.ns} nodes, {cs.idx.n} unknowns per level, {cs.nE} levels; "
              f"set-up {t1 - t0:.1f} s, solve {t2 - t1:.1f} s ({(t2 - t1) / cs.nE * 1e3:.0f} ms per level); "
              f"KSP preonly + LU (MUMPS), {cs.solver.last_iterations} iteration(s) per level")
        print(f"energy budget residual {budget.residual():.2e}; escape energy fraction "
              f"{f['escape_energy_fraction']:.3f}, particle fraction {f['escape_particle_fraction']:.3f} "
              "(incomplete physics: not a validation)")


if __name__ == "__main__":
    main()
