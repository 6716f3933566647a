"""tools/fieldline_figures.py end to end on a tiny in-process fieldline run (2 cases with
Maxwellian primaries and photoelectrons at noon and the thermal-pressure electric field, so that
every figure applies)."""

from __future__ import annotations


import numpy as np

from hpcsim import cli

from conftest import load_tool, png_names

TINY = """
[run]
model = "fieldline"
output_dir = "{out}"
log_level = "warning"
[fieldline]
e0_keV_values = [0.4, 1.0]
magnetosphere_cells = 8
step_bottom_km = 8.0
step_s1_km = 150.0
loss_cone_points = 4
step_low_eV = 1.0
level_ratio = 1.3
e_max_eV = 10000.0
mlt_h = 12.0
photoelectrons = true
electric_field = "thermal_pressure"
directional_altitudes_km = [800.0]
"""
ALL = {"fig02_omnidirectional_altitudes.png", "fig03_plasmasphere.png", "fig04_hemispherical_flux.png",
       "fig05_omnidirectional_550km.png", "fig06_directional_800km.png", "fig07_escape_fractions.png",
       "fig08_albedo.png", "fig09_equatorial_pitch_angle.png", "fig10_photoelectron_spectra.png",
       "fig11_dayside_spectra.png", "budget_fractions.png", "heating_rate.png", "rates_altitude.png",
       "potential.png"}


def _table_rows(text):
    """Body rows of the markdown table, without the header and the paper row."""
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    return [r for r in rows[1:] if "paper" not in r]


def test_fieldline_figures_and_table(shared_tmp, capsys):
    from mpi4py import MPI
    path = shared_tmp / "tiny.toml"
    path.write_text(TINY.format(out=shared_tmp / "tiny"))
    assert cli.main(["run", str(path)]) == 0
    if MPI.COMM_WORLD.rank != 0:           # the tool is a serial reader
        return
    output = shared_tmp / "tiny" / "output.h5"
    figures = load_tool("fieldline_figures")
    capsys.readouterr()

    out = shared_tmp / "figs"
    assert figures.main([str(output), "-o", str(out), "--table", "--dpi", "30"]) == 0
    text = capsys.readouterr().out
    assert png_names(out) == ALL
    skipped = [line for line in text.splitlines() if line.startswith("skipped")]
    assert skipped == ["skipped fig_timeseries: not a time-dependent run with a time series"]
    assert "| **paper (0.4 / 5 keV)** | 0.4 / 5 | 0.40 / 0.15 | 0.85 / 0.35 |" in text
    rows = _table_rows(text)
    assert len(rows) == 2
    assert [r.split("|")[2].strip() for r in rows] == ["0.4", "1"]
    for row in rows:
        cells = [c.strip() for c in row.split("|")[1:-1]]
        energy_fraction, thermal, residual = float(cells[2]), float(cells[5]), float(cells[7])
        assert 0.0 < energy_fraction < 1.0 and thermal > 0.0 and abs(residual) < 0.05

    # a subset of the figures, the run directory as argument; the table alone; not fieldline output
    out = shared_tmp / "subset"
    assert figures.main([str(output.parent), "-o", str(out), "--figures", "8", "budget", "--dpi", "30"]) == 0
    assert png_names(out) == {"fig08_albedo.png", "budget_fractions.png"}
    capsys.readouterr()
    assert figures.main([str(output), str(output), "--table"]) == 0
    assert len(_table_rows(capsys.readouterr().out)) == 4
    assert figures.main([str(path), "-o", str(out)]) == 2
    capsys.readouterr()

    # directional_mu: signs rebuilt from the (northward, southward) column order when lost
    mu, rebuilt = figures.signed_mu(np.array([[0.5, 0.5, 0.9, 0.9, np.nan, np.nan]]))
    assert rebuilt and np.allclose(mu[0, :4], [0.5, -0.5, 0.9, -0.9])
    mu, rebuilt = figures.signed_mu(np.array([[0.5, -0.5, np.nan]]))
    assert not rebuilt and mu[0, 1] == -0.5


def test_time_dependent_run_draws_its_time_series(tmp_path):
    """A time-dependent output (its steps are time steps, not levels) is read and its time series drawn."""
    from mpi4py import MPI

    from hpcsim.config import loads
    from hpcsim.runner import Runner
    from test_fieldline_model import td_toml
    Runner(loads(td_toml(str(tmp_path / "td"), 0.5, 1.5), source="td.toml"), MPI.COMM_SELF).run()
    ff = load_tool("fieldline_figures")
    written = ff.draw(ff.read_run(str(tmp_path / "td")), str(tmp_path / "figs"), figures=["timeseries", 2])
    assert set(written) == {"timeseries.png", "fig02_omnidirectional_altitudes.png"}
    assert {"timeseries.png", "fig02_omnidirectional_altitudes.png"} <= png_names(tmp_path / "figs")
