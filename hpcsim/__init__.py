"""hpcsim: MPI-parallel simulation of electrons in the inner magnetosphere and ionosphere.

Three published models behind one runner, one input format and one output format:
``fieldline`` (Khazanov, Glocer and Himwich 2014), ``bounce`` (Khazanov, Liemohn et al.)
and ``wpi`` (Inan, Bell and Chang 1982). See ``docs/`` and ``hpcsim --help``.
"""

from hpcsim import _env  # noqa: F401  (must run before mpi4py/h5py/petsc4py imports)

__version__ = "0.1.0"
