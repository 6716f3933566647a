"""tools/wpi_figures.py end to end on two tiny in-process wpi runs (one case, a 2-case scan)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hpcsim import cli

from conftest import load_tool, png_names

TINY = """
[run]
model = "wpi"
output_dir = "{out}"
log_level = "warning"
[wpi]
front_step_deg = 8.0
speed_cells = 6
alpha_cells = 2
phases = 4
{extra}
"""
# Lambda = 0.75 does not reach the equator: the end-of-duct entries and open markers are drawn too
SCAN = 'scan_parameter = "frequency_ratio"\nscan_values = [0.25, 0.75]'
ONE_CASE = {"fig02_impulse_responses.png", "fig03_flux_energy.png", "fig04_front_tail_arrival.png",
            "fig22_peak_spectrum.png"}
SCAN_FIGS = {"fig07_flux_energy_vs_frequency_ratio.png", "fig11_ET_Fp_vs_frequency_ratio.png",
             "fig08_wave_amplitude.png", "fig21_lowest_energy.png", "fig22_peak_spectrum.png"}


def _run(tmp, name, extra=""):
    path = tmp / f"{name}.toml"
    path.write_text(TINY.format(out=tmp / name, extra=extra))
    assert cli.main(["run", str(path)]) == 0
    return tmp / name / "output.h5"


@pytest.fixture
def tiny_outputs(shared_tmp):
    return _run(shared_tmp, "one"), _run(shared_tmp, "scan", SCAN)


def _table_rows(text):
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    return rows[1:]                        # without the header (the separator starts with '|-')


def test_figures_and_table(tiny_outputs, shared_tmp, capsys):
    from mpi4py import MPI
    if MPI.COMM_WORLD.rank != 0:           # the tool is a serial reader
        return
    one, scan = tiny_outputs
    figures = load_tool("wpi_figures")

    out = shared_tmp / "figs_one"
    assert figures.main([str(one), "-o", str(out), "--table", "--dpi", "40"]) == 0
    text = capsys.readouterr().out
    assert png_names(out) == ONE_CASE
    rows = _table_rows(text)
    assert len(rows) == 1 and rows[0].startswith("| case | 4 | 400 |")
    f_p = float(rows[0].split("|")[6])
    assert f_p > 0.0

    out = shared_tmp / "figs_scan"
    assert figures.main([str(scan), "-o", str(out), "--table", "--dpi", "40"]) == 0
    text = capsys.readouterr().out
    assert png_names(out) == SCAN_FIGS
    assert "skipped fig02: scan of 2 cases" in text
    rows = _table_rows(text)
    assert len(rows) == 2
    assert rows[0].startswith("| frequency_ratio=0.25 |") and rows[1].startswith("| frequency_ratio=0.75 |")
    assert rows[1].split("|")[5].strip() == "-"        # no equatorial amplitude above Lambda = 0.5

    # one case of the scan for Figs. 2-4, both files at once (names start with the run)
    out = shared_tmp / "figs_both"
    assert figures.main([str(one.parent), str(scan), "-o", str(out), "--case", "1", "--figures", "2", "4",
                         "--dpi", "30"]) == 0
    names = png_names(out)
    assert names == {"scan_fig02_impulse_responses.png", "scan_fig04_front_tail_arrival.png"}
    # (--case 1 is not a case of the single-case file: nothing drawn for it)
    capsys.readouterr()

    # the table alone, and inputs that are not wpi output
    assert figures.main([str(one), str(scan), "--table"]) == 0
    assert len(_table_rows(capsys.readouterr().out)) == 3
    assert figures.main([str(shared_tmp / "one.toml"), "-o", str(out)]) == 2
    capsys.readouterr()


def test_helpers(shared_tmp):
    from mpi4py import MPI
    scan = _run(shared_tmp, "scan", SCAN)
    if MPI.COMM_WORLD.rank != 0:
        return
    figures = load_tool("wpi_figures")
    run = figures.read_run(str(scan))
    assert figures.scan_axes(run) == ("frequency_ratio", "")
    assert figures.summary_number(run, "frequency_ratio", "") == "11"
    assert [run.reaches_equator(c) for c in range(2)] == [True, False]
    assert figures.segments(run, "frequency_ratio", [0, 1]) == [[0], [1]]
    e_low = figures.lowest_energy_keV(run, 0)
    assert run.energy_edges[0] <= e_low < run.energy_edges[-1]
    # the peak spectrum integrates back to the energy in the peak bin
    i = figures.peak_bin(run, 0)
    spectrum = figures.peak_spectrum(run, 0)
    assert np.sum(spectrum * np.diff(run.energy_edges)) * run.dt == pytest.approx(run.energy_time[0, i].sum())

    # Fig. 20 interpolation: F_p = Lambda^-1 is exact in (log Lambda, log F_p); f_Heq = 10 kHz
    lam = np.array([0.1, 0.25, 0.5, 0.75, 1.0])
    run.scan_table = np.column_stack([lam, np.full(lam.size, np.nan)])
    run.params = np.zeros((lam.size, 8))
    run.params[:, 2] = 1e4 * lam
    run.measures = [{"peak_energy_flux_erg_cm2_s": 1.0 / x} for x in lam]
    cases = list(range(lam.size))
    value, crosses = figures.transmitter_flux(run, cases, 2000.0)     # Lambda = 0.2
    assert value == pytest.approx(5.0) and not crosses
    value, crosses = figures.transmitter_flux(run, cases, 6000.0)     # between 0.5 and 0.75
    assert value == pytest.approx(1.0 / 0.6) and crosses
    assert math.isnan(figures.transmitter_flux(run, cases, 500.0)[0])  # below the scanned Lambda


def test_arrival_fold_tool(shared_tmp, capsys):
    """tools/wpi_arrival_fold.py on a tiny pulse-length scan: the table has one row per case with
    the fold of the Figure 3 case, the band widens with PL, and the figure is written."""
    from mpi4py import MPI
    out = _run(shared_tmp, "pl", 'scan_parameter = "pulse_length_s"\nscan_values = [0.1, 0.4]')
    if MPI.COMM_WORLD.rank != 0:
        return
    fold = load_tool("wpi_arrival_fold")
    run = fold.read_fold(str(out))
    bands = [case["map"].band(case["pulse_length_s"]) for case in run["cases"]]
    assert bands[1][0] < bands[0][0] and bands[1][1] > bands[0][1]
    assert all(case["source"].max() > 0 for case in run["cases"])
    figs = shared_tmp / "fold_figs"
    capsys.readouterr()
    assert fold.main([str(out), "-o", str(figs), "--dpi", "40"]) == 0
    rows = _table_rows(capsys.readouterr().out)
    assert len(rows) == 3                  # separator + 2 cases
    cells = [c.strip() for c in rows[2].strip("|").split("|")]
    assert cells[0] == "0.4" and 0 < float(cells[1]) < 10 and 3.3 < float(cells[2]) < 3.9  # fold, T*
    assert png_names(figs) == {"arrival_fold.png"}
    scattering = fold.equatorial_scattering_deg(run)
    assert len(scattering) == 2 and all(0.05 < x < 10.0 for x in scattering)  # 5 pT: about 1-2 deg
    assert fold.main([str(out), "--source-case", "5"]) == 2
