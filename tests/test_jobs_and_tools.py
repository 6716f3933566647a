"""Batch job scripts (jobs/) and the bounce plotting tool (tools/plot_bounce_snapshots.py).

The job scripts run here outside any batch system: `srun`, `sbatch` and `qsub` are small
fakes put first on PATH, and `hpcsim` is the real one (one rank, no mpirun).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hpcsim import cli

from conftest import REPO, load_tool, small_bounce_toml

JOBS = REPO / "jobs"
SCRIPTS = sorted(JOBS.glob("*.sh"))
BIN = str(Path(sys.executable).parent)  # the Python (and hpcsim) running the tests
BASH = shutil.which("bash")

pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")


def _env(fake_bin: Path | None = None, **extra) -> dict:
    env = dict(os.environ)
    for name in list(env):  # nothing from a real batch job or from the caller's chain
        if name.startswith(("SLURM_", "PBS_", "HPCSIM_")) or name == "INPUT":
            del env[name]
    path = [BIN, env.get("PATH", "/usr/bin:/bin")]
    if fake_bin is not None:
        path.insert(0, str(fake_bin))
    env.update(PATH=os.pathsep.join(path), HPCSIM_VENV="none", HPCSIM_SHOW_INFO="0")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _write_exe(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text).lstrip())
    path.chmod(0o755)


# ------------------------------------------------------------------ syntax


def test_all_job_scripts_are_there():
    names = {p.name for p in SCRIPTS}
    assert {"slurm_run.sh", "slurm_chain.sh", "pbs_run.sh", "pbs_chain.sh", "common.sh"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_job_script_syntax(script):
    result = subprocess.run([BASH, "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["slurm_run.sh", "slurm_chain.sh"])
def test_slurm_header_signals_the_job_step(name):
    text = (JOBS / name).read_text()
    assert "#SBATCH --signal=USR1@" in text  # to the hpcsim tasks, not only the batch shell
    assert "--restart latest" in (JOBS / "common.sh").read_text()


# ------------------------------------------------------------------ the chain's decision


@pytest.fixture
def fake_status(tmp_path):
    """A fake `hpcsim` whose `status` exits with $FAKE_STATUS."""
    fake = tmp_path / "fakebin"
    fake.mkdir()
    _write_exe(fake / "hpcsim", """
        #!/bin/sh
        echo "fake hpcsim $*"
        exit "${FAKE_STATUS:-0}"
        """)
    return fake


def _decide(fake_bin, run_rc, status_rc, link=1, max_links=5, terminated=0):
    script = 'source "$1/common.sh"; shift; d=$(hpcsim_chain_decide "$@"); ' \
             'echo "$d $(hpcsim_chain_exit_status "$1" "$d")"'
    result = subprocess.run(
        [BASH, "-c", script, "bash", str(JOBS), str(run_rc), "runs/x", str(link), str(max_links),
         str(terminated)],
        capture_output=True, text=True, env=_env(fake_bin, FAKE_STATUS=status_rc))
    assert result.returncode == 0, result.stderr
    word, status = result.stdout.split()
    return word, int(status), result.stderr


@pytest.mark.parametrize("run_rc, status_rc, link, terminated, expected", [
    (0, 0, 1, 0, ("complete", 0)),     # finished: the chain ends
    (0, 0, 1, 1, ("complete", 0)),
    (0, 3, 1, 0, ("resubmit", 0)),     # stopped by the time-limit signal: next job
    (0, 3, 4, 0, ("resubmit", 0)),
    (0, 3, 5, 0, ("stop", 3)),         # chain limit reached
    (0, 3, 1, 1, ("stop", 3)),         # job script got SIGTERM: cancelled (scancel, qdel)
    (0, 2, 1, 0, ("stop", 3)),         # no readable output
    (1, 3, 1, 0, ("stop", 1)),         # crash: never loop
    (2, 3, 1, 0, ("stop", 2)),         # bad input or unusable checkpoint: never loop
    (137, 3, 1, 0, ("stop", 137)),     # killed (SIGKILL) or launcher failure
])
def test_chain_decision(fake_status, run_rc, status_rc, link, terminated, expected):
    word, status, messages = _decide(fake_status, run_rc, status_rc, link, terminated=terminated)
    assert (word, status) == expected
    assert "hpcsim-job:" in messages


def test_chain_decision_asks_status_only_after_a_clean_exit(fake_status):
    _, _, messages = _decide(fake_status, 0, 3)
    assert "fake hpcsim status runs/x" in messages
    _, _, messages = _decide(fake_status, 1, 0)
    assert "fake hpcsim" not in messages


def test_helpers_parse_arguments_and_walltime(tmp_path):
    script = textwrap.dedent("""
        source "$1/common.sh"; shift
        hpcsim_parse_args "$@"; hpcsim_set_args
        printf '<%s>' "$HPCSIM_INPUT" "${HPCSIM_SET_ARGS[@]}"; echo
        for w in 04:00:00 90:00 45 1:02:03 x; do printf '%s ' "$(hpcsim_hms_to_s "$w")"; done; echo
        """)
    result = subprocess.run(
        [BASH, "-c", script, "bash", str(JOBS), "in.toml", "--set", "run.output_dir=a b",
         "--set=bounce.L=3"], capture_output=True, text=True,
        env=_env(HPCSIM_SET="run.dt_s=0.5 run.end_time_s=60"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("<in.toml><--set><run.dt_s=0.5><--set><run.end_time_s=60>"
                        "<--set><run.output_dir=a b><--set><bounce.L=3>")
    assert lines[1].split() == ["14400", "5400", "45", "3723"]


# ------------------------------------------------------------------ the scripts end to end


def _fakes(tmp_path: Path) -> Path:
    """srun: runs the command; in chain job 1 it sends SIGUSR1 (as Slurm does before the time
    limit) once the first checkpoint exists. sbatch/qsub: log the call, then run the job."""
    fake = tmp_path / "fakebin"
    fake.mkdir(exist_ok=True)
    _write_exe(fake / "srun", """
        #!/bin/bash
        echo "srun $*" >> "$FAKE_LOG"
        if [[ ${HPCSIM_CHAIN_LINK:-1} == 1 && -n ${FAKE_INTERRUPT:-} ]]; then
            "$@" &
            pid=$!
            until compgen -G "$FAKE_INTERRUPT/checkpoints/checkpoint_*.h5" > /dev/null; do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.02
            done
            kill -USR1 "$pid" 2>/dev/null
            wait "$pid"
        else
            exec "$@"
        fi
        """)
    _write_exe(fake / "sbatch", """
        #!/bin/bash
        echo "sbatch $*" >> "$FAKE_LOG"
        while [[ $1 == --* ]]; do shift; done
        echo "Submitted batch job 4243"
        bash "$@" >> "$FAKE_LOG.next" 2>&1 || true
        """)
    _write_exe(fake / "qsub", """
        #!/bin/bash
        echo "qsub $*" >> "$FAKE_LOG"
        echo "4243.server"
        """)
    return fake


def test_slurm_chain_restarts_until_complete(tmp_path):
    out = tmp_path / "runs" / "chain"
    (tmp_path / "in.toml").write_text(small_bounce_toml("runs/chain", end_time_s=750.0))
    log = tmp_path / "calls.log"
    env = _env(_fakes(tmp_path), FAKE_LOG=log, FAKE_INTERRUPT=out, SLURM_JOB_ID=4242,
               HPCSIM_CHAIN_MAX=4)
    result = subprocess.run([BASH, str(JOBS / "slurm_chain.sh"), "in.toml",
                             "--set", "run.output_every_s=30.0"],
                            cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "submitting the next job" in result.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == f"srun {BIN}/hpcsim run in.toml --set run.output_every_s=30.0"
    assert calls[1] == ("sbatch --dependency=afterany:4242 "
                        f"{JOBS}/slurm_chain.sh in.toml --set run.output_every_s=30.0")
    assert calls[2].endswith("run in.toml --set run.output_every_s=30.0 --restart latest")
    assert len(calls) == 3  # the second job completed the run and submitted nothing
    second = Path(f"{log}.next").read_text()
    assert "chain job 2 of at most 4" in second and "chain ends: the run is complete" in second
    status = subprocess.run([f"{BIN}/hpcsim", "status", str(out)], capture_output=True)
    assert status.returncode == 0
    import h5py
    with h5py.File(out / "output.h5", "r") as f:
        assert f.attrs["restarts"] == 1
        assert f["timeseries/time_s"][-1] == 750.0 and len(f["timeseries/time_s"]) == 26
    # submitted again, the chain finds the run complete and starts nothing
    again = subprocess.run([BASH, str(JOBS / "slurm_chain.sh"), "in.toml",
                            "--set", "run.output_every_s=30.0"],
                           cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "already complete; nothing to do" in again.stderr
    assert len(log.read_text().splitlines()) == 3


def test_bad_input_fails_fast_and_never_submits(tmp_path):
    (tmp_path / "in.toml").write_text(small_bounce_toml("runs/bad"))
    log = tmp_path / "calls.log"
    env = _env(_fakes(tmp_path), FAKE_LOG=log, HPCSIM_INPUT="in.toml",
               HPCSIM_SET="bounce.L=0.5", HPCSIM_LAUNCHER="srun")
    result = subprocess.run([BASH, str(JOBS / "pbs_chain.sh")], cwd=tmp_path, capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert "[bounce] L = 0.5" in result.stderr and "nothing was run" in result.stderr
    assert not log.exists()  # neither srun nor sbatch/qsub was called


# ------------------------------------------------------------------ plotting


def test_plot_bounce_snapshots(shared_tmp, capsys):
    out = shared_tmp / "plot_run"
    path = shared_tmp / "plot.toml"
    path.write_text(small_bounce_toml(str(out)))
    assert cli.main(["run", str(path)]) == 0
    figures = shared_tmp / "figures"
    result = subprocess.run([sys.executable, str(REPO / "tools" / "plot_bounce_snapshots.py"),
                             str(out / "output.h5"), "-o", str(figures), "--dpi", "50"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in figures.glob("*.png"))
    assert names == ["bounce_particle_fraction.png", "bounce_t00000000.0s.png",
                     "bounce_t00000150.0s.png", "bounce_t00000300.0s.png"]
    for name in names:
        assert (figures / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.stdout.split() == [str(figures / n) for n in names[1:] + names[:1]]
    # chosen times and one pitch-angle cell; a file that is not a bounce output is refused
    tool = load_tool("plot_bounce_snapshots")
    assert tool.main([str(out), "-o", str(shared_tmp / "two"), "--times", "140", "300",
                      "--alpha-eq-deg", "30", "--dpi", "50"]) == 0
    assert "using t = 150 s" in capsys.readouterr().err
    assert len(list((shared_tmp / "two").glob("bounce_t*.png"))) == 2
    assert tool.main([str(path)]) == 2
    assert "cannot open" in capsys.readouterr().err
