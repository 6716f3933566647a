"""Benchmark a whole bounce run: the paper's 24-hour L = 2 case by default.

    python tools/bench_bounce.py                         # one rank
    mpirun -n 2 python tools/bench_bounce.py             # two ranks
    mpirun -n 2 python tools/bench_bounce.py --input inputs/bounce_L4.toml --hours 6

Runs the input through the normal runner (outputs and checkpoints included) into a
scratch directory and reports, from rank 0: the set-up time (background, coefficients;
wave tables come from the cache after the first run), the stepping wall time, steps per
second and cell updates per second per rank (cells x steps / stepping time / ranks). The
numbers in docs/performance.md come from this script.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import hpcsim  # noqa: F401
from hpcsim.config import load
from hpcsim.models.bounce import model as bounce_model
from hpcsim.parallel import world
from hpcsim.runner import Runner

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--input", default=str(REPO / "inputs" / "bounce_L2.toml"))
    p.add_argument("--hours", type=float, default=None, help="simulated hours (default: the input's)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    comm = world()
    scratch = comm.bcast(tempfile.mkdtemp(prefix="hpcsim-bench-") if comm.rank == 0 else None)
    overrides = [f"run.output_dir={scratch}", "run.progress_every_wall_s=1e9", 'run.log_level="warning"']
    if args.hours:
        overrides.append(f"run.end_time_s={args.hours * 3600.0}")
    cfg = load(args.input, overrides)
    t_setup = {"s": 0.0}
    real_init = bounce_model.Model.__init__

    def timed_init(self, *a, **kw):
        t0 = time.perf_counter()
        real_init(self, *a, **kw)
        t_setup["s"] = time.perf_counter() - t0

    bounce_model.Model.__init__ = timed_init
    comm.Barrier()
    t0 = time.perf_counter()
    result = Runner(cfg, comm).run()
    wall = time.perf_counter() - t0
    bounce_model.Model.__init__ = real_init
    stepping = wall - t_setup["s"]
    m = cfg.model
    cells = m.mlt_cells * (m.pitch_cells_loss_cone + m.pitch_cells_injection + m.pitch_cells_trapped) * m.energy_cells
    report = {"input": args.input, "ranks": comm.size, "steps": result.step, "simulated_h": result.time_s / 3600,
              "wall_s": wall, "setup_s": t_setup["s"], "stepping_s": stepping,
              "steps_per_s": result.step / stepping,
              "cell_updates_per_s_per_rank": cells * result.step / stepping / comm.size}
    if comm.rank == 0:
        if args.json:
            print(json.dumps(report))
        else:
            print(f"{Path(args.input).name}: {comm.size} rank(s), {result.step} steps ({report['simulated_h']:g} h), "
                  f"wall {wall:.1f} s (set-up {t_setup['s']:.1f} s, stepping {stepping:.1f} s), "
                  f"{report['steps_per_s']:.0f} steps/s, "
                  f"{report['cell_updates_per_s_per_rank'] / 1e6:.1f} M cell updates/s/rank")
        import shutil
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
