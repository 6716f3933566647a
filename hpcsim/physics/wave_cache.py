"""Tables of bounce-averaged wave diffusion <D>(alpha_eq, E): parallel compute, HDF5 cache, user tables.

:func:`compute_table` evaluates :func:`hpcsim.physics.waves.bounce_averaged_diffusion` for
several wave bands on an (alpha_eq, E) grid, splitting the grid points over the ranks of an
mpi4py communicator with a balanced block split (``hpcsim.parallel.block_range``) and
gathering the result on every rank. With ``cache_dir`` the table is stored in an HDF5 file
named by a SHA-256 hash of every input (L, profile id, samples of the density profile, wave
parameters, grid, numerics, dipole constants, format version); rank 0 writes it to a temporary
file in the same directory and renames it (atomic on POSIX), so a reader never sees a partial
file. :func:`read_table` reads a cache file or a user-supplied table (same format, documented
in ``docs/physics/bounce_waves.md``) and interpolates it to a model grid.

Stored quantity: <D_mu0mu0> of eq. (4), s^-1, occurrence applied (``D_per_s/<wave>``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

import hpcsim  # noqa: F401  (environment before h5py)
from hpcsim.geometry import dipole
from hpcsim.parallel import block_range
from hpcsim.physics.waves import (DEFAULT_NUMERICS, WaveNumerics, WaveSpectrum, bounce_averaged_diffusion,
                                  d_alpha0_from_d_mu0, d_mu0_from_d_alpha0)

import h5py  # noqa: E402

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "QUANTITIES",
    "WaveTable",
    "table_key",
    "cache_path",
    "compute_table",
    "write_table",
    "read_table",
]

FORMAT_NAME = "hpcsim-wave-diffusion-table"
FORMAT_VERSION = 1
#: Quantities a table may hold: eq. (4)'s <D_mu0mu0> or <D_alpha0alpha0>/p^2, both s^-1.
QUANTITIES = ("D_mu0mu0", "D_alpha0alpha0")
#: Latitudes (deg) at which the density profile is sampled for the cache key.
_KEY_LATITUDES_DEG = np.linspace(-60.0, 60.0, 25)
_CODE_VERSION = "waves-1"  # bump when the physics or numerics change results


@dataclass
class WaveTable:
    """<D_mu0mu0>(alpha_eq, E) per wave, s^-1, occurrence applied.

    Attributes
    ----------
    alpha_eq_deg : ndarray (n_alpha,)
    energy_MeV : ndarray (n_E,)
    D_per_s : dict name -> ndarray (n_alpha, n_E)
        <D_mu0mu0> (eq. 4), s^-1.
    key : str
        Hash of the inputs ("" for user tables).
    from_cache : bool
    attrs : dict
        Metadata (L, source, ...).
    """

    alpha_eq_deg: np.ndarray
    energy_MeV: np.ndarray
    D_per_s: dict
    key: str = ""
    from_cache: bool = False
    attrs: dict = field(default_factory=dict)

    def total(self) -> np.ndarray:
        """Sum over waves, s^-1."""
        return sum(self.D_per_s.values())

    def D_alpha0alpha0(self, name: str) -> np.ndarray:
        """<D_alpha0alpha0> = <D_mu0mu0>/sin^2(alpha_eq) of one wave, s^-1."""
        return d_alpha0_from_d_mu0(self.D_per_s[name], self.alpha_eq_deg[:, None])


def _canonical(obj):
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in sorted(obj.items())}
    if isinstance(obj, np.ndarray):
        return [_canonical(v) for v in obj.tolist()]
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(repr(float(obj))) if np.isfinite(obj) else str(obj)
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    return obj


def table_key(L: float, spectra: Mapping[str, WaveSpectrum], alpha_eq_deg, energy_MeV,
              ne_cm3: Callable, profile_id: str = "", numerics: WaveNumerics = DEFAULT_NUMERICS,
              const: dipole.DipoleConstants = dipole.DEFAULT) -> str:
    """SHA-256 hex digest of everything a table depends on.

    The density callable cannot be hashed itself; its values at 25 latitudes from -60 to
    60 deg (``_KEY_LATITUDES_DEG``) enter the key together with ``profile_id`` (e.g.
    "L3-MLT00-rasmussen1993"), so a changed profile misses the cache even under the same id.
    """
    ne = np.asarray(ne_cm3(np.radians(_KEY_LATITUDES_DEG)), dtype=float)
    payload = {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "code": _CODE_VERSION,
        "L": float(L), "profile_id": str(profile_id),
        "ne_samples": np.broadcast_to(ne, _KEY_LATITUDES_DEG.shape).tolist(),
        "spectra": {k: v.as_dict() for k, v in spectra.items()},
        "alpha_eq_deg": np.asarray(alpha_eq_deg, dtype=float).tolist(),
        "energy_MeV": np.asarray(energy_MeV, dtype=float).tolist(),
        "numerics": numerics.as_dict(), "dipole": const.as_dict(),
    }
    text = json.dumps(_canonical(payload), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def cache_path(cache_dir, key: str) -> Path:
    """File of a cached table: ``cache_dir/wave_D_<first 24 hex digits of key>.h5``."""
    return Path(cache_dir) / f"wave_D_{key[:24]}.h5"


def write_table(path, table: WaveTable, quantity: str = "D_mu0mu0") -> None:
    """Write a table in the documented HDF5 format, atomically (temporary file + rename).

    Serial (call it on one rank). ``table.D_per_s`` must hold ``quantity``.
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {QUANTITIES}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = FORMAT_NAME
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["quantity"] = quantity
            f.attrs["key"] = table.key
            for k, v in table.attrs.items():
                f.attrs[k] = v
            d = f.create_dataset("alpha_eq_deg", data=np.asarray(table.alpha_eq_deg, dtype=float))
            d.attrs["units"] = "deg"
            d = f.create_dataset("energy_MeV", data=np.asarray(table.energy_MeV, dtype=float))
            d.attrs["units"] = "MeV"
            g = f.create_group("D_per_s")
            g.attrs["units"] = "s^-1"
            g.attrs["quantity"] = quantity
            for name, arr in table.D_per_s.items():
                d = g.create_dataset(name, data=np.asarray(arr, dtype=float))
                d.attrs["units"] = "s^-1"
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _interp_table(a_src, e_src, d_src, a_dst, e_dst):
    """Bilinear in (alpha, ln E), values clamped to the edges of the source grid."""
    a_src = np.asarray(a_src, float)
    le_src = np.log(np.asarray(e_src, float))
    le_dst = np.log(np.asarray(e_dst, float))
    tmp = np.empty((a_src.size, le_dst.size))
    for i in range(a_src.size):
        tmp[i] = np.interp(le_dst, le_src, d_src[i]) if le_src.size > 1 else d_src[i, 0]
    out = np.empty((np.asarray(a_dst).size, le_dst.size))
    for j in range(le_dst.size):
        out[:, j] = np.interp(a_dst, a_src, tmp[:, j]) if a_src.size > 1 else tmp[0, j]
    return out


def read_table(path, alpha_eq_deg=None, energy_MeV=None, quantity: str = "D_mu0mu0") -> WaveTable:
    """Read a cache or user table; optionally interpolate to a model grid; convert the quantity.

    Parameters
    ----------
    path : path-like
        HDF5 file in the format of ``docs/physics/bounce_waves.md``.
    alpha_eq_deg, energy_MeV : array_like, optional
        Model grid (deg, MeV). Interpolation is bilinear in (alpha_eq, ln E), with values
        clamped to the table's edges outside its range (a warning-free extrapolation by the
        nearest value; check the ranges). None keeps the table's grid.
    quantity : {"D_mu0mu0", "D_alpha0alpha0"}
        Quantity returned; the file's ``quantity`` attribute says what it holds and the
        conversion D_mu0mu0 = sin^2(alpha_eq) D_alpha0alpha0 is applied on the file's grid.
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {QUANTITIES}")
    with h5py.File(path, "r") as f:
        stored = f.attrs.get("quantity", None)
        stored = stored.decode() if isinstance(stored, bytes) else stored
        if stored is None:
            stored = f["D_per_s"].attrs.get("quantity", "D_mu0mu0")
        if stored not in QUANTITIES:
            raise ValueError(f"{path}: unknown quantity {stored!r}")
        a = f["alpha_eq_deg"][...].astype(float)
        e = f["energy_MeV"][...].astype(float)
        units_ok = (str(f["alpha_eq_deg"].attrs.get("units", "deg")) == "deg"
                    and str(f["energy_MeV"].attrs.get("units", "MeV")) == "MeV")
        if not units_ok:
            raise ValueError(f"{path}: alpha_eq_deg must be in deg and energy_MeV in MeV")
        data = {}
        for name, ds in f["D_per_s"].items():
            if str(ds.attrs.get("units", "s^-1")) not in ("s^-1", "1/s"):
                raise ValueError(f"{path}: D_per_s/{name} must be in s^-1")
            arr = ds[...].astype(float)
            if arr.shape != (a.size, e.size):
                raise ValueError(f"{path}: D_per_s/{name} has shape {arr.shape}, expected {(a.size, e.size)}")
            data[name] = arr
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    order = np.argsort(a)
    a = a[order]
    eorder = np.argsort(e)
    e = e[eorder]
    for name in data:
        d = data[name][order][:, eorder]
        if stored != quantity:
            d = (d_mu0_from_d_alpha0(d, a[:, None]) if quantity == "D_mu0mu0"
                 else d_alpha0_from_d_mu0(d, a[:, None]))
        data[name] = d
    if alpha_eq_deg is not None or energy_MeV is not None:
        a_dst = a if alpha_eq_deg is None else np.asarray(alpha_eq_deg, float)
        e_dst = e if energy_MeV is None else np.asarray(energy_MeV, float)
        data = {k: _interp_table(a, e, v, a_dst, e_dst) for k, v in data.items()}
        a, e = a_dst, e_dst
    return WaveTable(a, e, data, key=str(attrs.get("key", "")), attrs=attrs)


def compute_table(L: float, spectra: Mapping[str, WaveSpectrum], alpha_eq_deg, energy_MeV,
                  ne_cm3: Callable[[np.ndarray], np.ndarray], *, profile_id: str = "",
                  numerics: WaveNumerics = DEFAULT_NUMERICS, comm=None, cache_dir=None,
                  const: dipole.DipoleConstants = dipole.DEFAULT) -> WaveTable:
    """<D_mu0mu0>(alpha_eq, E) per wave at one L (and one density profile), cached.

    Parameters
    ----------
    L : float
    spectra : mapping name -> WaveSpectrum
        e.g. ``wave_models.paper_spectra(L)``; each D is multiplied by its ``occurrence``.
    alpha_eq_deg : array_like (n_alpha,)
        Equatorial pitch angles, deg, in (0, 90).
    energy_MeV : array_like (n_E,)
        Kinetic energies, MeV.
    ne_cm3 : callable
        Electron density along the line, ne_cm3(latitude_rad) -> cm^-3.
    profile_id : str
        Label of the density profile (e.g. MLT), part of the cache key.
    numerics : WaveNumerics
    comm : mpi4py communicator or None
        Points (alpha, E) are split with a balanced block split over its ranks and
        all-gathered; every rank returns the full table. None: serial.
    cache_dir : path-like or None
        Directory shared by all ranks. If the file for this key exists it is read (by rank 0,
        then broadcast); otherwise the table is computed and rank 0 writes it atomically.

    Returns
    -------
    WaveTable
    """
    a = np.asarray(alpha_eq_deg, dtype=float).ravel()
    e = np.asarray(energy_MeV, dtype=float).ravel()
    rank, size = (0, 1) if comm is None else (comm.rank, comm.size)
    key = table_key(L, spectra, a, e, ne_cm3, profile_id, numerics, const)
    path = cache_path(cache_dir, key) if cache_dir is not None else None

    cached = None
    if path is not None:
        if rank == 0 and path.exists():
            try:
                t = read_table(path)
                if t.key == key and np.array_equal(t.alpha_eq_deg, a) and np.array_equal(t.energy_MeV, e) \
                        and set(t.D_per_s) == set(spectra):
                    cached = t
            except (OSError, KeyError, ValueError):
                cached = None
        if comm is not None:
            cached = comm.bcast(cached, root=0)
        if cached is not None:
            cached.from_cache = True
            return cached

    aa, ee = np.meshgrid(a, e, indexing="ij")
    aa, ee = aa.ravel(), ee.ravel()
    start, stop = block_range(aa.size, size, rank)
    local = {}
    for name, spec in spectra.items():
        if stop > start and spec.B_w_pT > 0.0 and spec.occurrence > 0.0:
            res = bounce_averaged_diffusion(L, aa[start:stop], ee[start:stop], spec, ne_cm3, numerics, const)
            local[name] = spec.occurrence * np.asarray(res.D_mu0mu0, dtype=float)
        else:
            local[name] = np.zeros(stop - start)
    if comm is not None:
        pieces = comm.allgather(local)
        full = {name: np.concatenate([p[name] for p in pieces]) for name in spectra}
    else:
        full = local
    table = WaveTable(a, e, {k: v.reshape(a.size, e.size) for k, v in full.items()}, key=key,
                      attrs={"L": float(L), "profile_id": str(profile_id), "source": "hpcsim.physics.waves",
                             "occurrence_applied": 1})
    if path is not None:
        if rank == 0:
            write_table(path, table)
        if comm is not None:
            comm.Barrier()
    return table
