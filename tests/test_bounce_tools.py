"""tools/bounce_figures.py and tools/bounce_table.py on a tiny in-process bounce run."""

from __future__ import annotations


import pytest

from hpcsim import cli

from conftest import COLLISIONS, PNG, load_tool, small_bounce_toml


@pytest.fixture
def tiny_run(shared_tmp):
    out = shared_tmp / "tiny"
    path = shared_tmp / "tiny.toml"
    path.write_text(small_bounce_toml(str(out), end_time_s=300.0, processes=COLLISIONS))
    assert cli.main(["run", str(path)]) == 0
    return out / "output.h5"


def test_figures_and_table(tiny_run, shared_tmp, capsys):
    from mpi4py import MPI
    if MPI.COMM_WORLD.rank != 0:       # the tools are serial readers
        return
    figures = load_tool("bounce_figures")
    out = shared_tmp / "figs"
    assert figures.main([str(tiny_run), "-o", str(out), "--dpi", "40"]) == 0
    text = capsys.readouterr().out
    # collisions only, one L, 300 s: everything but the 2-day comparison can be drawn
    expected = {"fig02.png", "fig03.png", "fig05.png", "fig06.png", "fig07.png", "fig08.png",
                "fig09.png", "fig11.png", "fig12.png"}
    names = {p.name for p in out.glob("*.png")}
    assert names == expected
    for name in names:
        assert (out / name).read_bytes()[:8] == PNG
    assert "skipped figure 10" in text
    assert "drift + collisions" in text
    assert "fig11: L = 2" in text

    # a chosen subset, with a prefix, from the run directory
    assert figures.main([str(tiny_run.parent), "-o", str(out), "--figures", "9", "10",
                         "--prefix", "bounce_fig", "--dpi", "40"]) == 0
    assert (out / "bounce_fig09.png").exists() and not (out / "bounce_fig10.png").exists()
    # the label comes from the switches of the effective input
    assert figures.process_label({"drift": True, "energy_loss": False, "collisional_scattering": False,
                                  "wave_scattering": False, "atmospheric_loss": True}) == "drift only"
    assert figures.process_label({"drift": True, "energy_loss": True, "collisional_scattering": True,
                                  "wave_scattering": True, "atmospheric_loss": True}) == "all processes"
    # not an output file
    assert figures.main([str(shared_tmp / "tiny.toml"), "-o", str(out)]) == 2
    capsys.readouterr()

    table = load_tool("bounce_table")
    assert table.main([str(tiny_run)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split()
    for column in ("run", "L", "processes", "t_ref_h", "fraction", "paper", "ratio", "rate_1h_%/h",
                   "rate_tref_%/h", "lost_precip", "lost_energy"):
        assert column in header
    row = lines[1]
    assert row.startswith("tiny") and "drift + collisions" in row
    fraction = float(row.split("drift + collisions")[1].split()[1])
    assert 0.0 < fraction <= 1.0

    assert table.main([str(tiny_run), "--markdown"]) == 0
    md = capsys.readouterr().out.splitlines()
    assert md[0].startswith("| run | L | processes |") and md[1].startswith("|---|")
    assert md[2].startswith("| tiny |")

    rows = table.run_row(str(tiny_run), table.read_reference())
    assert rows["L"] == 2.0 and rows["t_ref_h"] == pytest.approx(300.0 / 3600.0)
    assert rows["lost_precip"] >= 0.0 and rows["lost_energy"] >= 0.0
    assert rows["fraction"] + rows["lost_precip"] + rows["lost_energy"] == pytest.approx(1.0, abs=1e-6)


def test_reference_values():
    table = load_tool("bounce_table")
    ref = table.read_reference()
    if not ref:
        pytest.skip("reference CSV not available")
    assert ref[(2.0, "all", "particle_fraction", 24.0)] == pytest.approx(0.73)
    assert ref[(4.0, "all", "loss_rate", 1.0)] == pytest.approx(7.9)
