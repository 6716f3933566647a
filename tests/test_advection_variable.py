"""Advection with face velocities varying along the axis, open ends (energy-loss operator)."""

from __future__ import annotations

import numpy as np
import pytest

from hpcsim.numerics.advection import LIMITERS, advect_variable, effective_courant


def bump(n):
    x = (np.arange(n) + 0.5) / n
    return np.where(abs(x - 0.3) < 0.1, 1.0, 0.0) + np.exp(-0.5 * ((x - 0.7) / 0.05) ** 2)


@pytest.mark.parametrize("name", LIMITERS)
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_numba_kernel_equals_numpy_reference(name, axis):
    rng = np.random.default_rng(axis)
    u = np.moveaxis(rng.uniform(0.0, 1.0, (3, 30, 4)), 1, axis)
    nu = np.moveaxis(rng.uniform(-0.9, 0.9, (3, 31, 4)), 1, axis)
    g = np.moveaxis(rng.uniform(0.5, 2.0, (1, 30, 1)), 1, axis)
    for weights, inflow in ((None, 0.0), (g, 0.3)):
        a, out_a = advect_variable(u, nu, axis=axis, name=name, weights=weights, inflow=inflow)
        b, out_b = advect_variable(u, nu, axis=axis, name=name, weights=weights, inflow=inflow,
                                   reference=True)
        assert np.allclose(a, b, rtol=1e-14, atol=1e-15)
        assert np.allclose(out_a, out_b, rtol=1e-14, atol=1e-15)
        assert out_a.shape == (2,) + tuple(np.delete(u.shape, axis))


@pytest.mark.parametrize("name", LIMITERS)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_conservation_up_to_outflow(name, sign):
    rng = np.random.default_rng(7)
    n = 50
    u = np.stack([bump(n)] * 3, axis=1)
    nu = sign * rng.uniform(0.1, 0.9, (n + 1, 3))
    g = rng.uniform(0.5, 2.0, (n, 1))
    total0 = (g * u).sum(axis=0)
    gone = np.zeros((2, 3))
    for _ in range(80):
        u, out = advect_variable(u, nu, axis=0, name=name, weights=g)
        gone += out
    assert np.allclose((g * u).sum(axis=0) + gone.sum(axis=0), total0, rtol=1e-13, atol=0)
    # nothing enters: the upstream end has zero flux, the downstream end only outflow
    up, down = (0, 1) if sign > 0 else (1, 0)
    assert np.all(gone[up] == 0.0) and np.all(gone[down] > 0.0)


def test_everything_leaves_through_the_low_end():
    n = 40
    u = bump(n)
    nu = -np.linspace(0.3, 0.8, n + 1)
    gone = np.zeros(2)
    for _ in range(400):
        u, out = advect_variable(u, nu, name="superbee")
        gone += out
    assert np.abs(u).max() < 1e-12
    assert gone[1] == 0.0 and np.isclose(gone[0], bump(n).sum(), rtol=1e-13)


@pytest.mark.parametrize("name", LIMITERS)
@pytest.mark.parametrize("courant", [1.0, -1.0])
def test_courant_one_is_exact_shift(name, courant):
    n, k = 50, 7
    u0 = bump(n)
    u = u0.copy()
    gone = np.zeros(2)
    for _ in range(k):
        u, out = advect_variable(u, np.full(n + 1, courant), name=name)
        gone += out
    if courant > 0:
        expected, left = np.r_[np.zeros(k), u0[:-k]], u0[-k:]
        assert np.isclose(gone[1], left.sum()) and gone[0] == 0.0
    else:
        expected, left = np.r_[u0[k:], np.zeros(k)], u0[:k]
        assert np.isclose(gone[0], left.sum()) and gone[1] == 0.0
    assert np.allclose(u, expected, atol=1e-14)


# linear velocity a(x) = A0 + A1 x < 0 on [0, 1]: characteristics are explicit and
# q(x, t) = q0(X0) exp(-A1 t) with (A0 + A1 X0) = (A0 + A1 x) exp(-A1 t)
A0, A1, T_END = -1.0, -0.8, 0.3


def exact_cell_averages(edges, t):
    g, wq = np.polynomial.legendre.leggauss(6)
    xl, xr = edges[:-1, None], edges[1:, None]
    x = 0.5 * (xl + xr) + 0.5 * (xr - xl) * g
    x0 = ((A0 + A1 * x) * np.exp(-A1 * t) - A0) / A1
    q = np.exp(-(((x0 - 0.5) / 0.1) ** 2)) * np.exp(-A1 * t)
    return 0.5 * (q * wq).sum(axis=1)


def variable_velocity_errors(name, cells=(50, 100, 200, 400)):
    errors = []
    for n in cells:
        edges = np.linspace(0.0, 1.0, n + 1)
        dx = 1.0 / n
        steps = int(np.ceil(T_END / (0.5 * dx / (abs(A0) + abs(A1)))))
        dt = T_END / steps
        nu = (A0 + A1 * edges) * dt / dx
        q = exact_cell_averages(edges, 0.0)
        for _ in range(steps):
            q, _ = advect_variable(q, nu, name=name)
        errors.append(np.abs(q - exact_cell_averages(edges, T_END)).sum() * dx)
    return np.array(errors)


def test_lax_wendroff_second_order_with_variable_velocity():
    e = variable_velocity_errors("lax_wendroff")
    orders = np.log2(e[:-1] / e[1:])
    assert np.all(orders > 1.9), orders


def test_superbee_converges_and_beats_upwind():
    sb = variable_velocity_errors("superbee", (100, 200, 400))
    up = variable_velocity_errors("upwind", (100, 200, 400))
    assert np.log2(sb[0] / sb[-1]) / 2 > 1.4
    assert np.all(sb < up / 5)


def test_effective_courant():
    nu = np.full((6, 2), -0.4)
    assert np.array_equal(effective_courant(nu), nu)      # constant velocity: unchanged
    lin = np.linspace(-0.2, -0.8, 7)                        # nu_x = -0.1 per cell
    assert np.allclose(effective_courant(lin), lin * (1 + 0.05))


@pytest.mark.parametrize("courant", [0.9, -0.6, 0.37, 1.0])
def test_superbee_tvd_and_positive_constant_velocity(courant):
    n = 100
    u = bump(n)
    top = u.max()
    tv0 = np.abs(np.diff(np.r_[0.0, u, 0.0])).sum()
    for _ in range(60):
        u, _ = advect_variable(u, np.full(n + 1, courant), name="superbee")
        tv = np.abs(np.diff(np.r_[0.0, u, 0.0])).sum()
        assert tv <= tv0 + 1e-13
        tv0 = tv
        assert u.min() >= 0.0 and u.max() <= top + 1e-14


@pytest.mark.parametrize("cmax", [0.5, 0.9])
def test_superbee_positive_with_rough_one_signed_velocity(cmax):
    """Energy-loss case: velocity of one sign, varying randomly from face to face."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        u = np.where(rng.uniform(size=(40, 8)) < 0.5, 0.0, rng.uniform(0.0, 1.0, (40, 8)))
        nu = -cmax * rng.uniform(0.0, 1.0, (41, 8))
        for _ in range(30):
            u, _ = advect_variable(u, nu, name="superbee")
        assert u.min() >= 0.0
