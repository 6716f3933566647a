"""``hpcsim`` command line: run, validate, info, summary, dipole, status.

Exit status: 0 success (also a run stopped cleanly by a signal, with its checkpoint
written); 1 a failure during the run; 2 bad input, bad arguments or a checkpoint that
cannot be used (nothing was computed); 3 (``status`` only) a run that is not complete.

Errors in the input are reported by rank 0 alone, with the file, the key and the value,
and no traceback. An unexpected exception on any rank of a parallel run aborts all ranks
(``MPI_Abort``) so that a job never hangs with one rank dead.
"""

from __future__ import annotations

import argparse
import json
import sys

from hpcsim import __version__


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hpcsim", description="MPI-parallel simulation of electrons in "
                                "the inner magnetosphere and ionosphere (models: bounce).")
    p.add_argument("--version", action="version", version=f"hpcsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_input(sp):
        sp.add_argument("input", help="input file (TOML)")
        sp.add_argument("--set", dest="overrides", action="append", default=[], metavar="TABLE.KEY=VALUE",
                        help="override an input key (repeatable), e.g. --set run.end_time_s=600")

    sp = sub.add_parser("run", help="run a simulation (use under mpirun for several ranks)")
    add_input(sp)
    sp.add_argument("--restart", metavar="latest|PATH",
                    help="resume from the newest checkpoint in <output_dir>/checkpoints or from PATH")
    sp = sub.add_parser("validate", help="check an input file and exit (0 valid, 2 invalid)")
    add_input(sp)
    sp = sub.add_parser("info", help="versions of the software stack and the number of ranks")
    sp.add_argument("--json", action="store_true")
    sp = sub.add_parser("summary", help="headline numbers of a run from its output file")
    sp.add_argument("output", help="output.h5 of a run (or its output directory)")
    sp.add_argument("--json", action="store_true")
    sp = sub.add_parser("status", help="exit 0 if the run in OUTPUT_DIR is complete, 3 if not")
    sp.add_argument("output_dir")
    sp = sub.add_parser("dipole", help="dipole field-line quantities (paper 001 Tables 1-4)")
    sp.add_argument("--L", type=float, required=True, help="L shell, Earth radii")
    sp.add_argument("--energy-MeV", type=float, required=True, help="kinetic energy, MeV")
    sp.add_argument("--alpha-eq-deg", type=float, required=True, help="equatorial pitch angle, deg")
    sp.add_argument("--altitudes-km", type=float, nargs="+", default=[200.0, 700.0],
                    help="altitudes for B and the loss cone, km")
    sp.add_argument("--method", default="exact", choices=("exact", "ejiri1978", "schulz_lanzerotti1974"),
                    help="how h(mu0) and I(mu0) of eq. 3 are evaluated: exact quadrature (default) or the "
                    "Ejiri (1978) fits the paper's Tables 3-4 were computed with")
    sp.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = {"run": _run, "validate": _validate, "info": _info, "summary": _summary,
               "status": _status, "dipole": _dipole}[args.command]
    return handler(args)


def _err(message: str) -> None:
    print(f"hpcsim: error: {message}", file=sys.stderr, flush=True)


def _load(args, rank: int = 0):
    from hpcsim.config import ConfigError, load
    try:
        return load(args.input, args.overrides)
    except ConfigError as exc:
        if rank == 0:
            _err(f"invalid input\n{exc}")
        return None


def _validate(args) -> int:
    config = _load(args)
    if config is None:
        return 2
    print(f"{args.input}: valid ({config.model_name} model)")
    return 0


def _run(args) -> int:
    from hpcsim.parallel import world
    comm = world()
    rank = comm.Get_rank()
    config = _load(args, rank)
    if config is None:
        return 2
    from hpcsim import log
    from hpcsim.config import ConfigError
    from hpcsim.io.checkpoint import CheckpointError
    from hpcsim.runner import Runner
    logger = log.setup(comm, config.run.log_level)
    if rank == 0:
        logger.info("hpcsim %s: %s model, %d rank(s), input %s%s", __version__, config.model_name,
                    comm.Get_size(), args.input,
                    "".join(f" --set {o}" for o in config.overrides))
    try:
        Runner(config, comm, restart=args.restart).run()
    except CheckpointError as exc:
        if rank == 0:
            _err(str(exc))
        return 2
    except ConfigError as exc:  # input problems found only while setting up the model
        if rank == 0:
            _err(f"invalid input\n{exc}")
        return 2
    except Exception:
        logger.exception("run failed on rank %d", rank)
        if comm.Get_size() > 1:
            comm.Abort(1)
        return 1
    return 0


def _info(args) -> int:
    from hpcsim.info import stack_info
    info = stack_info()
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        width = max(map(len, info))
        for key, value in info.items():
            print(f"{key:<{width}}  {value}")
    return 0


def _output_path(path: str) -> str:
    import os
    return os.path.join(path, "output.h5") if os.path.isdir(path) else path


def _summary(args) -> int:
    from hpcsim.io.h5 import attr_str, h5py
    from hpcsim.models import model_class, model_names
    path = _output_path(args.output)
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        _err(f"cannot open {path}: {exc}")
        return 2
    with f:
        model = attr_str(f, "model")
        if model not in model_names():
            _err(f"{path} is not an hpcsim output file (model {model!r})")
            return 2
        report = {
            "model": model,
            "complete": bool(f.attrs.get("complete", False)),
            "n_ranks": int(f.attrs.get("n_ranks", 0)),
            "wall_time_s": float(f.attrs.get("wall_time_s", 0.0)),
            "restarts": int(f.attrs.get("restarts", 0)),
            "hpcsim_version": attr_str(f, "hpcsim_version"),
            "scalars": model_class(model).summary(f),
            "input": attr_str(f, "effective_input"),
        }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{path}: {model} model, {'complete' if report['complete'] else 'INCOMPLETE'}, "
          f"{report['n_ranks']} rank(s), wall time {report['wall_time_s']:.1f} s, "
          f"{report['restarts']} restart(s)")
    width = max(map(len, report["scalars"]), default=0)
    for key, value in report["scalars"].items():
        print(f"  {key:<{width}}  {value:.10g}")
    print("input (effective):")
    for line in report["input"].splitlines():
        print(f"  {line}")
    return 0


def _status(args) -> int:
    from hpcsim.io.h5 import h5py
    path = _output_path(args.output_dir)
    try:
        with h5py.File(path, "r") as f:
            complete = bool(f.attrs.get("complete", False))
    except OSError:
        print(f"{path}: no readable output")
        return 2
    print(f"{path}: {'complete' if complete else 'incomplete'}")
    return 0 if complete else 3


def _dipole(args) -> int:
    from hpcsim.geometry import dipole
    if args.L < 1.0:
        _err(f"--L {args.L}: must be >= 1")
        return 2
    if args.energy_MeV <= 0 or not 0 < args.alpha_eq_deg <= 90:
        _err("--energy-MeV must be > 0 and --alpha-eq-deg in (0, 90]")
        return 2
    report = dipole.dipole_report(args.L, args.energy_MeV, args.alpha_eq_deg, list(args.altitudes_km),
                                  method=args.method)
    if args.json:
        print(json.dumps(report, indent=2, default=float))
    else:
        for key, value in report.items():
            print(f"{key:<24} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
