"""Benchmark the wpi model: particle-steps per second per core, and a whole run (the Figure 3 case).

    python tools/bench_wpi.py                        # one rank
    mpirun -n 2 python tools/bench_wpi.py            # two ranks
    python tools/bench_wpi.py --kernel-only          # only the integrator kernel

Kernel: the test particles of the Figure 3 case that meet the wave front at the equator (the
costliest front position) integrated by the resonance-zone integrator
(``motion.interact``) on one core; reported as RK4 particle-steps per second (each step is
four right-hand-side evaluations), after a warm-up call that compiles the kernel.

Run: the input (default inputs/wpi_fig3.toml) through the normal runner (outputs and
checkpoints included) into a scratch directory; reports from rank 0 the wall time, front
positions, test particles, RK4 steps and particle-steps per second per rank. The numbers in
docs/performance.md come from this script.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

import hpcsim  # noqa: F401
from hpcsim.config import load
from hpcsim.parallel import world
from hpcsim.runner import Runner

REPO = Path(__file__).resolve().parents[1]


def kernel_rate(cfg) -> dict:
    """Particle-steps per second of the zone integrator on the equator entry of ``cfg``'s first case."""
    from hpcsim.models.wpi.model import Case
    case = Case(cfg.cases()[0])
    j = int(np.nanargmin(np.abs(case.schedule.front_latitude_deg)))
    mesh = case.particle_mesh(j)
    case.interact(j, mesh, slice(0, 2))  # compile
    t0 = time.perf_counter()
    res = case.interact(j, mesh, slice(None))
    wall = time.perf_counter() - t0
    steps = int(res.n_steps.sum())
    return {"particles": len(mesh), "rk4_steps": steps, "wall_s": wall, "particle_steps_per_s": steps / wall}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--input", default=str(REPO / "inputs" / "wpi_fig3.toml"))
    p.add_argument("--kernel-only", action="store_true")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    comm = world()
    scratch = comm.bcast(tempfile.mkdtemp(prefix="hpcsim-bench-") if comm.rank == 0 else None)
    cfg = load(args.input, [f"run.output_dir={scratch}", "run.progress_every_wall_s=1e9", 'run.log_level="warning"'])
    report = {"input": args.input, "ranks": comm.size}
    if comm.rank == 0:
        report["kernel"] = kernel_rate(cfg.model)
    if not args.kernel_only:
        comm.Barrier()
        t0 = time.perf_counter()
        result = Runner(cfg, comm).run()
        wall = time.perf_counter() - t0
        import h5py
        with h5py.File(Path(scratch) / "output.h5", "r") as f:
            counters = f["snapshots/counters"][-1]
        report["run"] = {"wall_s": wall, "front_positions": result.step, "test_particles": int(counters[:, 0].sum()),
                         "rk4_steps": int(counters[:, 1].sum()),
                         "particle_steps_per_s_per_rank": float(counters[:, 1].sum() / wall / comm.size)}
    if comm.rank == 0:
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            k = report["kernel"]
            print(f"kernel: {k['particles']} particles, {k['rk4_steps']:.3g} RK4 steps in {k['wall_s']:.2f} s = "
                  f"{k['particle_steps_per_s'] / 1e6:.2f} M particle-steps/s on one core")
            if "run" in report:
                r = report["run"]
                print(f"run {args.input} on {comm.size} rank(s): {r['wall_s']:.1f} s wall, {r['front_positions']} "
                      f"front positions, {r['test_particles']} test particles, {r['rk4_steps']:.3g} RK4 steps, "
                      f"{r['particle_steps_per_s_per_rank'] / 1e6:.2f} M particle-steps/s per rank")


if __name__ == "__main__":
    main()
