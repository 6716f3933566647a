"""Parallel HDF5 output and checkpoint/restart.

* :mod:`hpcsim.io.h5` opens files through h5py's ``mpio`` driver and writes/reads
  block-decomposed :class:`~hpcsim.models.base.Field` s as global datasets.
* :mod:`hpcsim.io.output` is ``<output_dir>/output.h5``: attributes, grids, growing time
  series and snapshots.
* :mod:`hpcsim.io.checkpoint` writes the full state to a temporary file, verifies and
  renames it, keeps the newest few, and refuses corrupt or mismatched ones on restart.
"""
