"""Shared fixtures: small inputs, a directory shared by all ranks, the reference data."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

import hpcsim  # noqa: F401  (environment for h5py/petsc4py before anything else)

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference"


def load_tool(name: str):
    """Import the script ``tools/<name>.py`` as module ``name`` (with tools/ on sys.path for its
    sibling imports, and registered in sys.modules: dataclasses look their module up there)."""
    tools = str(REPO / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


PNG = b"\x89PNG\r\n\x1a\n"


def png_names(directory) -> set:
    """Names of the PNG files in ``directory``, each checked to be a real PNG (signature, > 1 kB)."""
    names = {p.name for p in Path(directory).glob("*.png")}
    for name in names:
        data = (Path(directory) / name).read_bytes()
        assert data[:8] == PNG and len(data) > 1000, name
    return names


DRIFT_ONLY = "energy_loss = false\ncollisional_scattering = false\nwave_scattering = false\natmospheric_loss = false"
COLLISIONS = ('energy_loss = true\ncollisional_scattering = true\nwave_scattering = false\n'
              'atmospheric_loss = true\ncoefficient_mlt_points = 2\nbounce_nodes = 64')


def small_bounce_toml(output_dir, end_time_s=300.0, dt_s=1.5, extra_run="", extra_model="",
                      processes=DRIFT_ONLY) -> str:
    """A bounce input small enough for tests (48 MLT x 11 alpha x 3 E cells), drift only
    unless ``processes`` says otherwise (e.g. ``COLLISIONS``)."""
    return f"""
[run]
model = "bounce"
output_dir = "{output_dir}"
end_time_s = {end_time_s}
dt_s = {dt_s}
output_every_s = 15.0
snapshot_every_s = 150.0
checkpoint_every_s = 75.0
checkpoints_keep = 2
progress_every_wall_s = 1000.0
log_level = "warning"
{extra_run}

[bounce]
L = 2.0
mlt_cells = 48
energy_cells = 3
energy_first_centre_MeV = 4.5
energy_cell_width_MeV = 0.5
pitch_cells_loss_cone = 2
pitch_cells_injection = 5
pitch_cells_trapped = 4
beam_mlt_width_h = 1.0
{processes}
{extra_model}
"""


@pytest.fixture
def shared_tmp():
    """A temporary directory with the same path on every rank (rank 0 creates and removes it)."""
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    path = tempfile.mkdtemp(prefix="hpcsim-test-") if comm.rank == 0 else None
    path = comm.bcast(path, root=0)
    yield Path(path)
    comm.Barrier()
    if comm.rank == 0:
        shutil.rmtree(path, ignore_errors=True)
