"""The runner end to end on one rank: output layout, conservation, restart, signals, checkpoints."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
from mpi4py import MPI

from hpcsim import cli
from hpcsim.config import loads
from hpcsim.io import checkpoint
from hpcsim.runner import Runner

from conftest import REPO, small_bounce_toml


def run_input(tmp, name, restart=None, comm=MPI.COMM_SELF, **kw):
    out = tmp / name
    text = small_bounce_toml(str(out), **kw)
    path = tmp / f"{name}.toml"
    path.write_text(text)
    cfg = loads(text, source=str(path))
    return Runner(cfg, comm, restart=restart).run(), out


def final_Q(out):
    with h5py.File(out / "output.h5", "r") as f:
        return f["snapshots/Q"][-1], f["snapshots/time_s"][...], f["timeseries/particle_count"][...]


def test_output_layout_and_attributes(shared_tmp):
    result, out = run_input(shared_tmp, "a")
    assert result.complete and result.step == 200
    with h5py.File(out / "output.h5", "r") as f:
        assert f.attrs["complete"] and f.attrs["n_ranks"] == 1
        assert f.attrs["hpcsim_version"] and "[bounce]" in f.attrs["input_text"]
        assert "limiter" in f.attrs["effective_input"]
        ts = f["timeseries"]
        assert np.allclose(ts["time_s"][...], np.arange(0, 301, 15.0))
        assert ts["particle_count"].attrs["unit"] == "electrons"
        assert list(f["snapshots/time_s"][...]) == [0.0, 150.0, 300.0]
        assert f["snapshots/Q"].shape == (3, 48, 11, 3)
        assert f["snapshots/Q"].attrs["unit"] and list(f["snapshots/Q"].attrs["axes"]) == ["mlt", "alpha_eq", "energy"]
        assert f["grid/drift_rate_rad_s"].shape == (11, 3)
    # final checkpoint present, older ones pruned to checkpoints_keep = 2
    names = [os.path.basename(p) for p in checkpoint.list_checkpoints(str(out))]
    assert names == ["checkpoint_0000000150.h5", "checkpoint_0000000200.h5"]
    assert not [p for p in os.listdir(out / "checkpoints") if p.endswith(".tmp")]


def test_drift_conserves_particle_count(shared_tmp):
    _, out = run_input(shared_tmp, "c", end_time_s=1500.0)
    Q, _, count = final_Q(out)
    assert np.max(np.abs(count / count[0] - 1.0)) < 1e-12
    assert Q.min() >= 0.0  # TVD limiter keeps Q non-negative


def test_drift_moves_beam_east_at_drift_rate(shared_tmp):
    """The centre of each (alpha, E) column moves east by <dphi/dt> t."""
    _, out = run_input(shared_tmp, "d", end_time_s=300.0)
    with h5py.File(out / "output.h5", "r") as f:
        q0, q1 = f["snapshots/Q"][0], f["snapshots/Q"][-1]
        rate = f["grid/drift_rate_rad_s"][...]
        mlt = f["grid/mlt_h"][...]
    a, e = 6, 1  # an injection cell, middle energy
    shift_h = rate[a, e] * 300.0 / (2 * np.pi) * 24.0
    centre = lambda q: np.angle(np.sum(q[:, a, e] * np.exp(2j * np.pi * mlt / 24))) * 24 / (2 * np.pi) % 24
    assert rate[a, e] > 0
    assert abs((centre(q1) - centre(q0) - shift_h + 12) % 24 - 12) < 0.05


def test_restart_equals_uninterrupted(shared_tmp):
    full, out_full = run_input(shared_tmp, "full")
    # same run stopped at 150 s (a shorter end time), then extended to 300 s by restarting
    run_input(shared_tmp, "split", end_time_s=150.0)
    result, out_split = run_input(shared_tmp, "split", restart="latest")
    assert result.complete
    q_full, t_full, c_full = final_Q(out_full)
    q_split, t_split, c_split = final_Q(out_split)
    assert np.array_equal(q_full, q_split)  # same rank count: bit for bit
    assert np.array_equal(t_full, t_split) and np.array_equal(c_full, c_split)
    with h5py.File(out_split / "output.h5", "r") as f:
        assert f.attrs["restarts"] == 1 and f.attrs["complete"]
        assert np.array_equal(f["timeseries/time_s"][...], np.arange(0, 301, 15.0))


def test_restart_from_older_checkpoint_drops_later_rows(shared_tmp):
    _, out = run_input(shared_tmp, "older")
    older = checkpoint.list_checkpoints(str(out))[0]  # step 150
    result, _ = run_input(shared_tmp, "older", restart=older)
    assert result.complete
    _, times, counts = final_Q(out)
    assert list(times) == [0.0, 150.0, 300.0] and len(counts) == 21


def _truncate(path, fraction=0.5):
    size = os.path.getsize(path)
    with open(path, "r+b") as fh:
        fh.truncate(int(size * fraction))


def test_truncated_checkpoint_refused(shared_tmp, capsys):
    _, out = run_input(shared_tmp, "t")
    newest = checkpoint.list_checkpoints(str(out))[-1]
    _truncate(newest)
    text = small_bounce_toml(str(out))
    path = shared_tmp / "t.toml"
    path.write_text(text)
    assert cli.main(["run", str(path), "--restart", newest]) == 2
    err = capsys.readouterr().err
    assert newest in err and "cannot be opened" in err
    # `latest` skips the damaged newest file and takes the previous one
    result = Runner(loads(text, source=str(path)), MPI.COMM_SELF, restart="latest").run()
    assert result.complete


def test_corrupted_checkpoint_data_refused(shared_tmp):
    _, out = run_input(shared_tmp, "crc")
    newest = checkpoint.list_checkpoints(str(out))[-1]
    with h5py.File(newest, "r+") as f:
        f["state/Q"][3, 4, 1] *= 1.0000001
    with pytest.raises(checkpoint.CheckpointError, match="row 3 fails its checksum"):
        run_input(shared_tmp, "crc", restart=newest)


def test_mismatched_checkpoint_refused(shared_tmp):
    _, out = run_input(shared_tmp, "m")
    newest = checkpoint.list_checkpoints(str(out))[-1]
    with pytest.raises(checkpoint.CheckpointError, match="bounce.alpha_eq_max_deg: checkpoint 90.0, input 80.0"):
        run_input(shared_tmp, "m", restart=newest, extra_model="alpha_eq_max_deg = 80.0")
    with pytest.raises(checkpoint.CheckpointError, match="dt_s"):
        run_input(shared_tmp, "m", restart=newest, dt_s=0.75)
    with pytest.raises(checkpoint.CheckpointError, match="no such checkpoint"):
        run_input(shared_tmp, "m", restart=str(shared_tmp / "nope.h5"))
    with pytest.raises(checkpoint.CheckpointError, match="no usable checkpoint"):
        run_input(shared_tmp, "fresh", restart="latest")


def test_interrupted_checkpoint_write_leaves_no_final_file(shared_tmp, monkeypatch):
    """A failure while writing leaves only a .tmp file, which restart ignores."""
    _, out = run_input(shared_tmp, "k", end_time_s=75.0)
    before = checkpoint.list_checkpoints(str(out))
    real_write_field = checkpoint.h5.write_field
    calls = {"n": 0}

    def dying_write_field(group, fld, comm):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed mid-write")
        return real_write_field(group, fld, comm)

    monkeypatch.setattr(checkpoint.h5, "write_field", dying_write_field)
    with pytest.raises(KeyboardInterrupt):
        run_input(shared_tmp, "k", restart="latest", end_time_s=150.0)
    monkeypatch.undo()
    assert checkpoint.list_checkpoints(str(out)) == before
    assert any(p.endswith(".h5.tmp") for p in os.listdir(out / "checkpoints"))
    result, _ = run_input(shared_tmp, "k", restart="latest", end_time_s=150.0)
    assert result.complete


def test_sigterm_writes_checkpoint_and_resumes(shared_tmp):
    """A real SIGTERM to a running `hpcsim run` process: exit 0, checkpoint, resume, same result."""
    out = shared_tmp / "sig"
    text = small_bounce_toml(str(out), end_time_s=30000.0).replace(
        "progress_every_wall_s = 1000.0", "progress_every_wall_s = 0.2").replace(
        'log_level = "warning"', 'log_level = "info"')
    path = shared_tmp / "sig.toml"
    path.write_text(text)
    hpcsim = [sys.executable, "-m", "hpcsim.cli"]
    proc = subprocess.Popen(hpcsim + ["run", str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=REPO)
    lines = []
    for line in proc.stdout:  # wait for a few progress lines, then stop it like a batch system
        lines.append(line)
        if sum("steps/s" in ln for ln in lines) >= 2:
            proc.send_signal(signal.SIGTERM)
            break
    rest, _ = proc.communicate(timeout=60)
    log = "".join(lines) + rest
    assert proc.returncode == 0, log
    assert "stop requested (SIGTERM)" in log and "ETA" in log
    stopped = checkpoint.list_checkpoints(str(out))[-1]
    with h5py.File(stopped, "r") as f:
        step = int(f.attrs["step"])
    assert 0 < step < 20000
    with h5py.File(out / "output.h5", "r") as f:
        assert not f.attrs["complete"]
    assert subprocess.run(hpcsim + ["status", str(out)], capture_output=True).returncode == 3
    # resume, ending soon after the stop, and compare with an uninterrupted run to that time
    end = (step + 40) * 1.5
    done = subprocess.run(hpcsim + ["run", str(path), "--restart", "latest", "--set", f"run.end_time_s={end}"],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert subprocess.run(hpcsim + ["status", str(out)], capture_output=True).returncode == 0
    _, ref = run_input(shared_tmp, "sigref", end_time_s=end)
    assert np.array_equal(final_Q(out)[0], final_Q(ref)[0])


def test_summary_cli(shared_tmp, capsys):
    _, out = run_input(shared_tmp, "s")
    assert cli.main(["summary", str(out / "output.h5"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["complete"] and report["n_ranks"] == 1 and report["model"] == "bounce"
    assert abs(report["scalars"]["particle_fraction_final"] - 1.0) < 1e-12
    assert "[bounce]" in report["input"]
    assert cli.main(["summary", str(out)]) == 0
    assert "particle_fraction_final" in capsys.readouterr().out
    assert cli.main(["summary", str(shared_tmp / "missing.h5")]) == 2


def test_damaged_output_file_is_set_aside_on_restart(shared_tmp):
    _, out = run_input(shared_tmp, "dmg", end_time_s=150.0)
    _truncate(out / "output.h5", 0.3)
    result, _ = run_input(shared_tmp, "dmg", restart="latest")
    assert result.complete
    assert any(name.startswith("output.h5.damaged-") for name in os.listdir(out))
    with h5py.File(out / "output.h5", "r") as f:
        assert np.array_equal(f["timeseries/time_s"][...], np.arange(0, 301, 15.0))


def test_wall_clock_checkpoints(shared_tmp):
    """checkpoint_every_wall_s triggers checkpoints without any simulated-time cadence."""
    out = shared_tmp / "wall"
    text = small_bounce_toml(str(out), end_time_s=30.0).replace("checkpoint_every_s = 75.0", "").replace(
        "output_every_s = 15.0", "output_every_s = 15.0\ncheckpoint_every_wall_s = 1e-9")
    cfg = loads(text, source="wall.toml")
    assert cfg.run.checkpoint_every_s is None
    Runner(cfg, MPI.COMM_SELF).run()
    names = [os.path.basename(p) for p in checkpoint.list_checkpoints(str(out))]
    assert names == ["checkpoint_0000000019.h5", "checkpoint_0000000020.h5"]


def test_restart_beyond_end_time_refused(shared_tmp):
    run_input(shared_tmp, "beyond")
    with pytest.raises(checkpoint.CheckpointError, match="beyond this input's end_time_s = 150"):
        run_input(shared_tmp, "beyond", restart="latest", end_time_s=150.0)


def test_signal_before_the_loop_is_honoured(shared_tmp, monkeypatch):
    """A stop signal during start-up stops the run after its first step, with a checkpoint."""
    from hpcsim.models.bounce.model import Model
    real_init = Model.__init__

    def init_then_signal(self, *a, **kw):
        real_init(self, *a, **kw)
        os.kill(os.getpid(), signal.SIGUSR1)

    monkeypatch.setattr(Model, "__init__", init_then_signal)
    result, _ = run_input(shared_tmp, "early")
    assert not result.complete and result.step == 1 and result.checkpoint_path


def test_collisions_restart_equals_uninterrupted_and_books_balance(shared_tmp):
    """With energy loss, collisional scattering and atmospheric loss (PETSc Crank-Nicolson,
    open energy advection, loss counters in the checkpoint) a restart is still exact."""
    from conftest import COLLISIONS
    run_input(shared_tmp, "cfull", processes=COLLISIONS)
    run_input(shared_tmp, "csplit", end_time_s=150.0, processes=COLLISIONS)
    result, out = run_input(shared_tmp, "csplit", restart="latest", processes=COLLISIONS)
    assert result.complete
    assert np.array_equal(final_Q(out)[0], final_Q(shared_tmp / "cfull")[0])
    with h5py.File(out / "output.h5", "r") as f, h5py.File(shared_tmp / "cfull" / "output.h5", "r") as g:
        for name in ("particle_count", "lost_precipitation_fraction", "lost_energy_fraction"):
            assert np.array_equal(f[f"timeseries/{name}"][...], g[f"timeseries/{name}"][...]), name
        ts = f["timeseries"]
        assert ts["lost_precipitation_fraction"][-1] > 0 and ts["lost_energy_fraction"][-1] > 0
        assert ts["particle_fraction"][-1] < 1.0
        assert np.max(np.abs(ts["count_balance_error"][...])) < 1e-12
        assert f["snapshots/Q"][...].min() >= -1e-12 * f["snapshots/Q"][...].max()


def test_user_wave_table_drives_the_model(shared_tmp):
    """A user-supplied <D_mu0mu0>(alpha_eq, E) table (PADIE/PIRAN-style) replaces the computed
    wave coefficients: it reaches the output and scatters particles into the loss cone."""
    from hpcsim.physics.wave_cache import WaveTable, write_table
    alpha, energy = np.linspace(0.5, 89.5, 90), np.array([3.0, 5.0, 7.0])
    path = shared_tmp / "user_waves.h5"
    write_table(path, WaveTable(alpha, energy, {"hiss": np.full((90, 3), 2e-6)}, attrs={"source": "test"}))
    waves = ("energy_loss = false\ncollisional_scattering = false\nwave_scattering = true\n"
             f'atmospheric_loss = true\nwave_table_file = "{path}"')
    _, out = run_input(shared_tmp, "userwaves", processes=waves)
    with h5py.File(out / "output.h5", "r") as f:
        d = f["grid/D_wave_hiss_per_s"][...]
        assert np.allclose(d[:, 1:-1, :], 2e-6) and np.all(d[:, [0, -1], :] == 0)
        ts = f["timeseries"]
        assert ts["lost_precipitation_fraction"][-1] > 1e-3
        assert abs(ts["count_balance_error"][-1]) < 1e-12


def test_wave_latitude_extent_reaches_the_wave_tables(shared_tmp, monkeypatch):
    """``wave_max_latitude_deg`` sets the extent of every computed wave type (the paper gives
    none); it enters the spectra, hence the cache key of the wave tables."""
    from hpcsim.physics import wave_cache
    seen = []

    def fake_compute_table(L, spectra, alpha, energy, ne, **kw):
        seen.append({name: s.max_latitude_deg for name, s in spectra.items()})
        return wave_cache.WaveTable(np.asarray(alpha), np.asarray(energy),
                                    {name: np.full((len(alpha), len(energy)), 1e-9) for name in spectra})
    monkeypatch.setattr(wave_cache, "compute_table", fake_compute_table)
    waves = ("energy_loss = false\ncollisional_scattering = false\nwave_scattering = true\n"
             "wave_max_latitude_deg = 25.0\nwave_mlt_points = 1")
    result, _ = run_input(shared_tmp, "lat25", processes=waves)
    assert result.complete and seen and all(v == 25.0 for d in seen for v in d.values())
