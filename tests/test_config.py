"""Input validation: every bad input exits 2 before any work, naming the key and the value."""

from __future__ import annotations

import os

import pytest

from hpcsim import cli
from hpcsim.config import ConfigError, load, loads, reference_markdown

from conftest import REPO, small_bounce_toml


def write(tmp_path, text, name="input.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


GOOD = small_bounce_toml("OUT")


def test_good_input_validates_and_records_effective_values(tmp_path):
    cfg = loads(GOOD, source="good.toml")
    assert cfg.model_name == "bounce" and cfg.model.L == 2.0 and cfg.run.n_steps == 200
    text = cfg.effective_toml()
    again = loads(text, source="effective.toml")  # the effective input is itself a valid input
    assert again.run == cfg.run and again.model == cfg.model
    assert "limiter = \"superbee\"" in text  # defaults are written out


BAD = [
    # (description, replace this, with this, text that must appear in the message)
    ("unknown key", "L = 2.0", "L = 2.0\nLshell = 3", "[bounce] Lshell = 3: unknown key"),
    ("unit suffix wrong", "dt_s = 1.5", "dt_ms = 1500", "[run] dt_ms = 1500: unknown key; did you mean dt_s"),
    ("unit in the value", "dt_s = 1.5", 'dt_s = "1.5 s"', "[run] dt_s = '1.5 s': expected a number"),
    ("wrong type", "mlt_cells = 48", "mlt_cells = 48.5", "[bounce] mlt_cells = 48.5: expected an integer"),
    ("bool for number", "L = 2.0", "L = true", "[bounce] L = true: expected a number"),
    ("negative dt", "dt_s = 1.5", "dt_s = -1.5", "[run] dt_s = -1.5: must be > 0"),
    ("L below 1", "L = 2.0", "L = 0.5", "[bounce] L = 0.5: must be >= 1"),
    ("negative energy", "energy_first_centre_MeV = 4.5", "energy_first_centre_MeV = -4.0",
     "[bounce] energy_first_centre_MeV = -4.0: must be > 0"),
    ("energy out of range", "energy_first_centre_MeV = 4.5", "energy_first_centre_MeV = 500.0",
     "[bounce] energy_first_centre_MeV = 500.0: must be <= 100"),
    ("lowest energy edge", "energy_first_centre_MeV = 4.5", "energy_first_centre_MeV = 0.2",
     "[bounce] energy_first_centre_MeV = 0.2: lowest cell edge"),
    ("unknown model", 'model = "bounce"', 'model = "ringcurrent"', "[run] model = 'ringcurrent': unknown model"),
    ("bad choice", "L = 2.0", 'L = 2.0\nlimiter = "fancy"', "[bounce] limiter = 'fancy': must be one of"),
    ("dt does not divide", "end_time_s = 300.0", "end_time_s = 301.0",
     "[run] end_time_s = 301.0: must be a whole multiple of dt_s"),
    ("Courant > 1", "dt_s = 1.5", "dt_s = 15.0", "[run] dt_s = 15.0: drift Courant number"),
    ("unknown table", "[bounce]", "[bonce]\n[bounce]", "[bonce]: unknown table"),
    ("missing dt", "dt_s = 1.5", "", "[run] dt_s: required for a time-dependent run"),
    ("grid edge inside injection", "L = 2.0", "L = 2.0\nalpha_eq_min_deg = 30.0",
     "[bounce] alpha_eq_min_deg = 30.0: must be below the loss-cone edge"),
    ("keep zero", "checkpoints_keep = 2", "checkpoints_keep = 0", "[run] checkpoints_keep = 0: must be >= 1"),
]


@pytest.mark.parametrize("what,old,new,expected", BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_naming_key(tmp_path, capsys, what, old, new, expected):
    assert old in GOOD
    out_dir = tmp_path / "out"
    path = write(tmp_path, small_bounce_toml(str(out_dir)).replace(old, new, 1))
    for command in ("validate", "run"):
        assert cli.main([command, path]) == 2
        err = capsys.readouterr().err
        assert expected in err, err
        assert path in err  # the file is named
        assert "Traceback" not in err
    assert not out_dir.exists()  # no work started


def test_all_problems_reported_at_once(tmp_path):
    text = GOOD.replace("L = 2.0", "L = 0.5\nfoo = 1").replace("dt_s = 1.5", "dt_s = -1.0")
    with pytest.raises(ConfigError) as info:
        loads(text, source="x.toml")
    message = str(info.value)
    assert "L = 0.5" in message and "foo = 1" in message and "dt_s = -1.0" in message


def test_override_is_validated_and_applied(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    cfg = load(path, ["bounce.L=3", "run.output_dir=runs/x", "run.end_time_s=600"])
    assert cfg.model.L == 3.0 and cfg.run.output_dir == "runs/x" and cfg.run.end_time_s == 600.0
    assert "L = 3.0" in cfg.effective_toml()
    assert cli.main(["validate", path, "--set", "bounce.L=0.2"]) == 2
    assert "[bounce] L = 0.2: must be >= 1" in capsys.readouterr().err
    assert cli.main(["validate", path, "--set", "bounce.nope=1"]) == 2
    assert "[bounce] nope = 1: unknown key" in capsys.readouterr().err
    assert cli.main(["validate", path, "--set", "Lis3"]) == 2
    assert "expected table.key=value" in capsys.readouterr().err


def test_missing_and_unparsable_files(tmp_path, capsys):
    assert cli.main(["validate", str(tmp_path / "absent.toml")]) == 2
    assert "cannot read input file" in capsys.readouterr().err
    path = write(tmp_path, "[run\nmodel=")
    assert cli.main(["validate", path]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_shipped_inputs_are_valid():
    inputs = sorted((REPO / "inputs").glob("*.toml"))
    assert inputs
    for path in inputs:
        load(path)


def test_input_reference_is_current():
    """docs/input_reference.md is generated from the dataclasses (tools/gen_input_reference.py)."""
    doc = (REPO / "docs" / "input_reference.md").read_text()
    assert doc.strip() == reference_markdown().strip(), "run: make docs"


def test_energy_loss_courant_checked_at_set_up(tmp_path, capsys):
    """A dt too long for the collisional energy loss (known after the coefficients) exits 2."""
    from conftest import COLLISIONS
    out = tmp_path / "out"
    text = small_bounce_toml(str(out), processes=COLLISIONS, extra_model="collision_neutral_scale = 5000.0")
    path = write(tmp_path, text)
    assert cli.main(["run", path]) == 2
    err = capsys.readouterr().err
    assert "[run] dt_s = 1.5: energy-loss Courant number" in err and "Traceback" not in err
    assert not out.exists()  # nothing written
