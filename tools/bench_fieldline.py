"""Benchmark the fieldline model on the paper's Figure 2 Maxwellian case (one case, all levels).

    python tools/bench_fieldline.py                         # one rank
    mpirun -n 2 python tools/bench_fieldline.py             # two ranks (field-line segments)
    python tools/bench_fieldline.py --input inputs/fieldline_fig7_E5.0keV.toml --set fieldline.level_ratio=1.1

Builds the model from ``--input`` (default inputs/fieldline_fig2_maxwellian.toml: Maxwellian
E0 = 1 keV, 1 erg cm-2 s-1 in both hemispheres, L = 6, midnight, default grid) without the
runner, so no output file is written, and steps through every energy level. Reports from rank 0:
set-up (grid, NRLMSIS, IRI, operators) and solve wall times, time per level and its parts
(matrix assembly, KSP solve, the rest: collision operators and bookkeeping), the KSP and
factorisation used with its statistics, the energy budget residual and the headline numbers.
docs/performance.md records the results.
"""

from __future__ import annotations

import argparse
import time

import hpcsim  # noqa: F401  (first: sets OMP_NUM_THREADS=1 before numpy loads OpenBLAS)
import numpy as np
from hpcsim.parallel import world


def main() -> None:
    from hpcsim.config import load
    from hpcsim.models.fieldline import transport
    from hpcsim.models.fieldline.model import Model, case_summary
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--input", default="inputs/fieldline_fig2_maxwellian.toml")
    p.add_argument("--set", action="append", default=[], metavar="TABLE.KEY=VALUE", help="input override")
    args = p.parse_args()
    comm = world()
    cfg = load(args.input, args.set)
    t0 = time.perf_counter()
    model = Model(cfg, comm)
    cs = model.cs
    # time the assembly and the KSP solve inside the level solver
    spent = {"assemble": 0.0, "ksp": 0.0}
    real_assemble, real_solve = transport.LevelSolver.assemble, transport.LevelSolver.solve

    def timed_assemble(self, *a, **k):
        s = time.perf_counter()
        out = real_assemble(self, *a, **k)
        spent["assemble"] += time.perf_counter() - s
        return out

    def timed_solve(self, *a, **k):
        s = time.perf_counter()
        out = real_solve(self, *a, **k)
        spent["ksp"] += time.perf_counter() - s
        return out

    transport.LevelSolver.assemble, transport.LevelSolver.solve = timed_assemble, timed_solve
    comm.Barrier()
    t1 = time.perf_counter()
    for _ in range(model.planned_steps()):
        model.step(1.0)
    comm.Barrier()
    t2 = time.perf_counter()
    transport.LevelSolver.assemble, transport.LevelSolver.solve = real_assemble, real_solve
    spent["ksp"] -= spent["assemble"]  # solve() calls assemble()
    if comm.rank == 0:
        n_lev = cs.nE * len(model.case_cfgs)
        s = case_summary(model.measures[0], model.budget[0])
        rest = (t2 - t1) - spent["assemble"] - spent["ksp"]
        print(f"{comm.size} rank(s): {cs.grid.ns} nodes, {cs.idx.n} unknowns per level, {n_lev} levels; "
              f"set-up {t1 - t0:.1f} s, solve {t2 - t1:.1f} s ({(t2 - t1) / n_lev * 1e3:.0f} ms per level: "
              f"assembly {spent['assemble'] / n_lev * 1e3:.0f}, KSP {spent['ksp'] / n_lev * 1e3:.0f}, "
              f"operators and bookkeeping {rest / n_lev * 1e3:.0f} ms)")
        st = cs.solver.stats
        print(f"KSP {st['ksp_type']} + PC {st['pc_type']} ({st['factor_solver']}), {st['iterations']} iteration(s) "
              f"per level, relative residual of the last level {st['relative_residual']:.1e}, "
              f"matrix nonzeros {st['nonzeros']}, {cs.solver.new_patterns} new nonzero pattern(s) in {n_lev} levels")
        print(f"energy budget residual {s['energy_balance_residual']:.1e}; escape energy fraction "
              f"{s.get('escape_energy_fraction', np.nan):.3f}, particle fraction "
              f"{s.get('escape_particle_fraction', np.nan):.3f}, returned thermal flux "
              f"{s['returned_thermal_flux_eV_cm2_s']:.3g} eV cm-2 s-1")


if __name__ == "__main__":
    main()
