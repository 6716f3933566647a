"""What software hpcsim runs on: versions of the stack, parallel capabilities, ranks."""

from __future__ import annotations

import platform
import sys

from hpcsim import __version__, _env


def stack_info() -> dict[str, object]:
    """Versions of Python, numpy, numba, mpi4py/MPI, petsc4py/PETSc, h5py/HDF5; rank count."""
    import numpy
    info: dict[str, object] = {"hpcsim": __version__, "python": platform.python_version(),
                               "python_executable": sys.executable, "numpy": numpy.__version__}
    try:
        import scipy
        info["scipy"] = scipy.__version__
    except ImportError:
        info["scipy"] = "not found"
    try:
        import numba
        info["numba"] = numba.__version__
    except ImportError:
        info["numba"] = "not found"
    from mpi4py import MPI
    import mpi4py
    info["mpi4py"] = mpi4py.__version__
    info["mpi_library"] = MPI.Get_library_version().strip().splitlines()[0]
    info["mpi_standard"] = "%d.%d" % MPI.Get_version()
    info["ranks"] = MPI.COMM_WORLD.Get_size()
    try:
        import petsc4py
        petsc4py.init(sys.argv[:1])
        from petsc4py import PETSc
        info["petsc4py"] = petsc4py.__version__
        info["petsc"] = "%d.%d.%d" % PETSc.Sys.getVersion()
        info["petsc_dir"] = _env.PETSC_DIR or "(petsc4py default)"
        info["petsc_scalar"] = str(PETSc.ScalarType.__name__)
    except ImportError as exc:
        info["petsc4py"] = f"not found ({exc})"
    import h5py
    info["h5py"] = h5py.version.version
    info["hdf5"] = h5py.version.hdf5_version
    info["hdf5_parallel"] = bool(h5py.get_config().mpi)
    return info
