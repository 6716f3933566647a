"""The command line: info, dipole, status, version."""

from __future__ import annotations

import json

import pytest

from hpcsim import cli


def test_info_reports_the_stack(capsys):
    assert cli.main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    for key in ("python", "numpy", "numba", "mpi4py", "mpi_library", "petsc4py", "petsc", "h5py",
                "hdf5", "hdf5_parallel", "ranks"):
        assert key in info, key
    assert info["hdf5_parallel"] is True  # the MPI build of h5py is in use
    assert not str(info["petsc4py"]).startswith("not found")  # found without PETSC_DIR
    assert info["ranks"] == 1


def test_dipole_json(capsys):
    assert cli.main(["dipole", "--L", "2", "--energy-MeV", "5", "--alpha-eq-deg", "18.37",
                     "--altitudes-km", "200", "700", "--method", "ejiri1978", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["B_eq_G"] == pytest.approx(4.00e-2, abs=5e-5)
    assert report["B_G"][0] == pytest.approx(0.457, abs=5e-4)
    assert report["gyroperiod_eq_s"] == pytest.approx(8.93e-6, abs=5e-9)
    assert [round(a, 2) for a in report["alpha_eq_loss_cone_deg"]] == [17.21, 19.54]
    assert report["bounce_period_s"] == pytest.approx(0.1893, abs=5e-5)   # Table 3
    assert report["drift_period_s"] == pytest.approx(596.3, abs=0.05)     # Table 4
    assert cli.main(["dipole", "--L", "2", "--energy-MeV", "5", "--alpha-eq-deg", "18.37", "--json"]) == 0
    exact = json.loads(capsys.readouterr().out)  # exact bounce integrals: within 0.12 % of the table
    assert exact["bounce_period_s"] == pytest.approx(0.1893, rel=1.2e-3)


def test_dipole_bad_arguments(capsys):
    assert cli.main(["dipole", "--L", "0.5", "--energy-MeV", "5", "--alpha-eq-deg", "18"]) == 2
    assert "--L 0.5" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        cli.main(["dipole", "--L", "2"])
    assert info.value.code == 2


def test_status_without_output(tmp_path, capsys):
    assert cli.main(["status", str(tmp_path)]) == 2
