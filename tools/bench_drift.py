"""Benchmark the bounce model's drift step (halo exchange + flux-limited advection).

    python tools/bench_drift.py                      # one rank
    mpirun -n 2 python tools/bench_drift.py          # two ranks (add --oversubscribe beyond cores)
    python tools/bench_drift.py --mlt-cells 2400 --steps 500 --json

Builds the model from inputs/quickstart.toml (paper grid: 240 MLT x 37 pitch-angle x 9
energy cells unless overridden), warms up the compiled kernel, then times ``--steps`` drift
steps. Reports, as the slowest rank sees them: steps per second, cell updates per second
per rank, and the split between halo exchange and the advection kernel. The numbers in
docs/performance.md come from this script.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import hpcsim  # noqa: F401
from hpcsim.config import load
from hpcsim.models.bounce.model import Model
from hpcsim.numerics import advection
from hpcsim.parallel import world

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--input", default=str(REPO / "inputs" / "quickstart.toml"))
    p.add_argument("--mlt-cells", type=int, default=240)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    comm = world()
    cfg = load(args.input, [f"bounce.mlt_cells={args.mlt_cells}", "run.dt_s=0.1",
                            "run.end_time_s=1.0", "run.output_dir=/tmp/hpcsim-bench",
                            "bounce.energy_loss=false", "bounce.collisional_scattering=false",
                            "bounce.wave_scattering=false", "bounce.atmospheric_loss=false"])
    model = Model(cfg, comm)
    dt = cfg.run.dt_s
    for _ in range(20):  # compile and warm up
        model.step(dt)
    courant = model.drift_rate * dt / model.grid.dphi_rad
    comm.Barrier()
    t_exchange = t_kernel = 0.0
    t0 = time.perf_counter()
    for _ in range(args.steps):
        a = time.perf_counter()
        model.halo.exchange(model._padded)
        b = time.perf_counter()
        model.Q[...] = advection.advect(model._padded, courant, cfg.model.limiter)
        t_exchange += b - a
        t_kernel += time.perf_counter() - b
    elapsed = comm.allreduce(time.perf_counter() - t0, op=__import__("mpi4py").MPI.MAX)
    t_exchange = comm.allreduce(t_exchange, op=__import__("mpi4py").MPI.MAX)
    t_kernel = comm.allreduce(t_kernel, op=__import__("mpi4py").MPI.MAX)
    n_cells = int(np.prod(model.grid.shape))
    result = {
        "ranks": comm.size, "grid": list(model.grid.shape), "steps": args.steps,
        "steps_per_s": args.steps / elapsed,
        "cell_updates_per_s_per_rank": n_cells * args.steps / elapsed / comm.size,
        "exchange_fraction": t_exchange / elapsed, "kernel_fraction": t_kernel / elapsed,
    }
    if comm.rank == 0:
        if args.json:
            print(json.dumps(result))
        else:
            print(f"ranks {result['ranks']}  grid {'x'.join(map(str, result['grid']))}  "
                  f"{result['steps_per_s']:.0f} steps/s  "
                  f"{result['cell_updates_per_s_per_rank'] / 1e6:.1f} M cell updates/s/rank  "
                  f"halo {100 * result['exchange_fraction']:.0f}%  kernel {100 * result['kernel_fraction']:.0f}%")


if __name__ == "__main__":
    main()
