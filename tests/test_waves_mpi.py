"""Parallel wave-diffusion tables equal the serial ones; the shared cache works across ranks."""

from __future__ import annotations

import numpy as np
import pytest

import hpcsim  # noqa: F401
from hpcsim.physics import wave_cache as C
from hpcsim.physics import wave_models as M
from hpcsim.physics import waves as W

COARSE = W.WaveNumerics(n_harmonics=4, n_x=12, n_omega=24, n_bounce=12, n_x_narrow=32, n_omega_narrow=8)


@pytest.mark.mpi(min_size=2)
def test_parallel_table_equals_serial(shared_tmp):
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    spectra = M.paper_spectra(2.0)
    alpha = np.array([15.0, 30.0, 50.0, 70.0, 85.0])  # 5 x 3 = 15 points: uneven split
    energy = np.array([1.0, 3.0, 5.0])

    def ne(lat):
        return 1810.0 + 0.0 * lat

    par = C.compute_table(2.0, spectra, alpha, energy, ne, profile_id="mpi", numerics=COARSE, comm=comm,
                          cache_dir=shared_tmp)
    ser = C.compute_table(2.0, spectra, alpha, energy, ne, profile_id="mpi", numerics=COARSE, comm=None)
    assert not par.from_cache and par.key == ser.key
    for k in spectra:
        np.testing.assert_array_equal(par.D_per_s[k], ser.D_per_s[k])
    assert np.any(par.D_per_s["hiss"] > 0)
    comm.Barrier()
    again = C.compute_table(2.0, spectra, alpha, energy, ne, profile_id="mpi", numerics=COARSE, comm=comm,
                            cache_dir=shared_tmp)
    assert again.from_cache
    for k in spectra:
        np.testing.assert_array_equal(again.D_per_s[k], ser.D_per_s[k])
    assert len(list(shared_tmp.glob("wave_D_*.h5"))) == 1
    assert not list(shared_tmp.glob("*.tmp"))
