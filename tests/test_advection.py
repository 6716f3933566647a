"""Flux-limited advection: conservation, positivity, exactness limits, convergence order."""

from __future__ import annotations

import numpy as np
import pytest

from hpcsim.numerics.advection import HALO_WIDTH, LIMITERS, advect, limiter


def periodic_steps(u, courant, n_steps, name):
    w = HALO_WIDTH
    padded = np.zeros((u.shape[0] + 2 * w,) + u.shape[1:])
    padded[w:-w] = u
    for _ in range(n_steps):
        padded[:w] = padded[-2 * w:-w]
        padded[-w:] = padded[w:2 * w]
        padded[w:-w] = advect(padded, courant, name)
    return padded[w:-w].copy()


def square_and_gaussian(n):
    x = (np.arange(n) + 0.5) / n
    return np.where(abs(x - 0.3) < 0.1, 1.0, 0.0) + np.exp(-0.5 * ((x - 0.7) / 0.05) ** 2)


@pytest.mark.parametrize("name", LIMITERS)
@pytest.mark.parametrize("courant", [0.9, -0.6, 0.37])
def test_conservation_and_positivity(name, courant):
    u0 = square_and_gaussian(100)
    u = periodic_steps(u0, courant, 500, name)
    assert abs(u.sum() - u0.sum()) <= 1e-12 * u0.sum()
    if name != "lax_wendroff":  # TVD limiters: no new extrema
        assert u.min() >= -1e-14 and u.max() <= u0.max() + 1e-14


@pytest.mark.parametrize("name", LIMITERS)
def test_courant_one_is_exact_shift(name):
    u0 = square_and_gaussian(50)
    assert np.allclose(periodic_steps(u0, 1.0, 7, name), np.roll(u0, 7), atol=1e-14)
    assert np.allclose(periodic_steps(u0, -1.0, 7, name), np.roll(u0, -7), atol=1e-14)


def test_per_line_courant_numbers():
    """Different velocities along the trailing axis advance independently."""
    u0 = np.stack([square_and_gaussian(40)] * 3, axis=1)
    courant = np.array([1.0, -1.0, 0.0])
    u = periodic_steps(u0, courant, 5, "superbee")
    assert np.allclose(u[:, 0], np.roll(u0[:, 0], 5))
    assert np.allclose(u[:, 1], np.roll(u0[:, 1], -5))
    assert np.array_equal(u[:, 2], u0[:, 2])


def smooth_error(n, name, courant=0.5):
    x = (np.arange(n) + 0.5) / n
    u0 = np.sin(2 * np.pi * x) + 2.0
    # cell averages of the exact solution after one period: the initial averages
    avg = 2.0 + (np.cos(2 * np.pi * (x - 0.5 / n)) - np.cos(2 * np.pi * (x + 0.5 / n))) / (2 * np.pi / n)
    steps = int(round(n / courant))
    u = periodic_steps(avg, courant, steps, name)
    return np.sqrt(np.mean((u - avg) ** 2)), u0


def test_lax_wendroff_second_order():
    errors = [smooth_error(n, "lax_wendroff")[0] for n in (32, 64, 128)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(orders > 1.9), orders


def test_upwind_first_order_and_superbee_better():
    up = [smooth_error(n, "upwind")[0] for n in (64, 128)]
    assert 0.9 < np.log2(up[0] / up[1]) < 1.1
    sb = [smooth_error(n, "superbee")[0] for n in (64, 128)]
    assert sb[1] < up[1] / 5 and np.log2(sb[0] / sb[1]) > 1.2


def test_limiter_values():
    theta = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 5.0])
    assert np.allclose(limiter(theta, "superbee"), [0, 0, 1, 1, 2, 2])
    assert np.allclose(limiter(theta, "minmod"), [0, 0, 0.5, 1, 1, 1])
    with pytest.raises(ValueError, match="unknown limiter"):
        limiter(theta, "nope")


@pytest.mark.parametrize("name", LIMITERS)
def test_compiled_kernel_matches_numpy_reference(name):
    from hpcsim.numerics.advection import interface_fluxes
    rng = np.random.default_rng(1)
    padded = rng.random((20, 3, 4))
    padded[5:8] = padded[4]  # flat stretch: zero jumps
    courant = rng.uniform(-1, 1, (3, 4))
    flux = interface_fluxes(padded, courant, name)
    reference = padded[2:-2] - (flux[1:] - flux[:-1])
    assert np.allclose(advect(padded, courant, name), reference, rtol=1e-14, atol=1e-15)
