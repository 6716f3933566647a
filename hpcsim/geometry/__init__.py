"""Magnetic-field geometry: the centred dipole field line (:mod:`hpcsim.geometry.dipole`)."""

from hpcsim.geometry import dipole

__all__ = ["dipole"]
