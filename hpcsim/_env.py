"""Process environment that must be in place before mpi4py, h5py or petsc4py are imported.

Two things differ between a cluster (modules) and a Debian workstation, and users should
not have to know either:

* Debian's h5py ships a serial and an MPI build and picks the MPI one only when it sees
  ``OMPI_COMM_WORLD_SIZE`` (set by mpirun) or ``H5PY_ALWAYS_USE_MPI``. hpcsim always wants
  the MPI build, so a one-rank run without mpirun writes the same files through the same
  (``mpio``) code path. We set ``H5PY_ALWAYS_USE_MPI`` here, before any import of h5py.
* Debian's petsc4py is found through a ``.pth`` file that reads ``PETSC_DIR`` at interpreter
  start-up and falls back to ``/usr/lib/petsc``, which only exists when the PETSc
  development package is installed. When petsc4py is not importable we look for a PETSc
  installation ourselves (``PETSC_DIR``, ``/usr/lib/petsc``, ``/usr/lib/petscdir/*/*-real``)
  and put its Python directory on ``sys.path``.

A third is an HPC habit: each MPI rank owns a core, so threaded libraries under PETSc (MUMPS,
OpenBLAS) are kept to one thread unless the user sets ``OMP_NUM_THREADS`` (with two ranks on two
cores their default threads oversubscribed the machine: the fieldline benchmark spent half its
time in the kernel before this).

This module has no dependencies and is imported first by :mod:`hpcsim`.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import sys

os.environ.setdefault("H5PY_ALWAYS_USE_MPI", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def _petsc_candidates() -> list[str]:
    found = []
    if os.environ.get("PETSC_DIR"):
        found.append(os.environ["PETSC_DIR"])
    found.append("/usr/lib/petsc")
    # Newest version first; the real (not complex) scalar build is what hpcsim needs.
    found.extend(sorted(glob.glob("/usr/lib/petscdir/petsc*/*-real"), reverse=True))
    return found


def locate_petsc4py() -> str | None:
    """Make petsc4py importable if a PETSc installation can be found.

    Returns the PETSc directory in use (``None`` when petsc4py cannot be found). Sets
    ``PETSC_DIR`` when it was not set, because petsc4py reads it to find its configuration.
    """
    if importlib.util.find_spec("petsc4py") is not None:
        return os.environ.get("PETSC_DIR") or _dir_of_importable_petsc4py()
    for petsc_dir in _petsc_candidates():
        pydir = os.path.join(petsc_dir, "lib", "python3", "dist-packages")
        if os.path.isdir(os.path.join(pydir, "petsc4py")):
            if pydir not in sys.path:
                sys.path.append(pydir)
            os.environ.setdefault("PETSC_DIR", petsc_dir)
            importlib.invalidate_caches()
            return petsc_dir
    return None


def _dir_of_importable_petsc4py() -> str | None:
    spec = importlib.util.find_spec("petsc4py")
    if spec is None or spec.origin is None:
        return None
    # .../<petsc_dir>/lib/python3/dist-packages/petsc4py/__init__.py on Debian
    parts = os.path.dirname(os.path.dirname(spec.origin))
    return os.path.dirname(os.path.dirname(os.path.dirname(parts))) or None


PETSC_DIR = locate_petsc4py()
