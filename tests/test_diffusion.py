"""Crank-Nicolson diffusion with a sink: orders, conservation, sink factor, PETSc vs scipy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.special
from mpi4py import MPI

import hpcsim  # noqa: F401  (petsc4py importable)
from hpcsim.numerics.diffusion import SOLVERS, CrankNicolsonDiffusion

COMM = MPI.COMM_SELF


def semi_discrete_matrix(edges, w, wf, D, rate):
    """Dense ``dQ/dt = L Q`` of the finite-volume scheme, built from the formula (one line)."""
    n = edges.size - 1
    dx = np.diff(edges)
    xc = 0.5 * (edges[1:] + edges[:-1])
    L = np.zeros((n, n))
    for i in range(n - 1):             # interior face i + 1/2
        c = D[i + 1] * wf[i + 1] / (xc[i + 1] - xc[i])
        L[i, i] -= c / (w[i] * dx[i])
        L[i, i + 1] += c / (w[i] * dx[i])
        L[i + 1, i + 1] -= c / (w[i + 1] * dx[i + 1])
        L[i + 1, i] += c / (w[i + 1] * dx[i + 1])
    return L - np.diag(rate)


def run(op, Q, steps):
    removed = np.zeros(op.lines)
    for _ in range(steps):
        removed += op.step(Q)
    return removed


# ---- three problems with exact solutions ---------------------------------------------
# (1) w = 1, D constant, uniform grid on [0, 1]: Q = cos(pi x) exp(-D pi^2 t)
# (2) w = x, D = 1 on [0, 1] (cylindrical operator, w -> 0 at x = 0), stretched grid:
#     Q = J0(k x) exp(-k^2 t) with J1(k) = 0
# (3) change of variable x = g(s), w = 1/g'(s), D = g'(s)^2 turns Q_t = Q_ss into the
#     operator above, so Q = cos(pi s(x)) exp(-pi^2 t); non-uniform grid in x

A = 0.6   # g(s) = (s + A s^2) / (1 + A)


def s_of_x(x):
    return (-1.0 + np.sqrt(1.0 + 4.0 * A * (1.0 + A) * x)) / (2.0 * A)


def gprime(x):
    return (1.0 + 2.0 * A * s_of_x(x)) / (1.0 + A)


def stretched(n, p=0.35):
    """Smoothly non-uniform edges on [0, 1]."""
    s = np.linspace(0.0, 1.0, n + 1)
    return s + p * s * (1.0 - s) * (0.5 - s) * 2.0


def problem(kind, n):
    if kind == "cosine":
        edges = np.linspace(0.0, 1.0, n + 1)
        xc = 0.5 * (edges[1:] + edges[:-1])
        w, wf, D = np.ones(n), np.ones(n + 1), np.full(n + 1, 0.3)
        exact = lambda t: np.cos(np.pi * xc) * np.exp(-0.3 * np.pi ** 2 * t)  # noqa: E731
    elif kind == "bessel":
        edges = stretched(n)
        xc = 0.5 * (edges[1:] + edges[:-1])
        k = scipy.special.jn_zeros(1, 1)[0]
        w, wf, D = xc.copy(), edges.copy(), np.ones(n + 1)
        exact = lambda t: scipy.special.j0(k * xc) * np.exp(-k * k * t)  # noqa: E731
    else:
        edges = stretched(n)
        xc = 0.5 * (edges[1:] + edges[:-1])
        w, wf, D = 1.0 / gprime(xc), 1.0 / gprime(edges), gprime(edges) ** 2
        exact = lambda t: np.cos(np.pi * s_of_x(xc)) * np.exp(-np.pi ** 2 * t)  # noqa: E731
    return edges, w, wf, D, exact


KINDS = ("cosine", "bessel", "mapped")
T_END = 0.05


def time_orders(kind, backend="petsc"):
    """Errors against exp(L t) Q0 of the same grid: the pure time-discretisation error."""
    edges, w, wf, D, exact = problem(kind, 40)
    L = semi_discrete_matrix(edges, w, wf, D, np.zeros(40))
    ref = scipy.linalg.expm(L * T_END) @ exact(0.0)
    errors = []
    for steps in (5, 10, 20, 40):
        op = CrankNicolsonDiffusion(COMM, edges, w, 1, face_weights=wf, backend=backend)
        op.update_coefficients(D[None, :, None], np.inf, T_END / steps)
        Q = exact(0.0)[None, :].copy()
        run(op, Q, steps)
        errors.append(np.max(np.abs(Q[0] - ref)))
    return np.log2(np.array(errors[:-1]) / np.array(errors[1:]))


def space_orders(kind):
    """Errors of the semi-discrete solution exp(L t) Q0 against the exact one."""
    errors = []
    for n in (40, 80, 160, 320):
        edges, w, wf, D, exact = problem(kind, n)
        L = semi_discrete_matrix(edges, w, wf, D, np.zeros(n))
        Q = scipy.linalg.expm(L * T_END) @ exact(0.0)
        errors.append(np.max(np.abs(Q - exact(T_END))))
    return np.log2(np.array(errors[:-1]) / np.array(errors[1:]))


def full_orders(kind, interpolate_face_weights=False):
    """CN with dt proportional to dx against the exact solution."""
    errors = []
    for n in (40, 80, 160, 320):
        edges, w, wf, D, exact = problem(kind, n)
        steps = n // 8
        op = CrankNicolsonDiffusion(COMM, edges, w, 1, face_weights=None if interpolate_face_weights else wf)
        op.update_coefficients(D[None, :, None], np.inf, T_END / steps)
        Q = exact(0.0)[None, :].copy()
        run(op, Q, steps)
        errors.append(np.max(np.abs(Q[0] - exact(T_END))))
    return np.log2(np.array(errors[:-1]) / np.array(errors[1:]))


@pytest.mark.parametrize("kind", KINDS)
def test_second_order_in_time(kind):
    orders = time_orders(kind)
    assert np.all(orders > 1.8), orders


@pytest.mark.parametrize("kind", KINDS)
def test_second_order_in_x(kind):
    orders = space_orders(kind)
    assert np.all(orders > 1.8), orders


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("interp", [False, True])
def test_second_order_space_and_time(kind, interp):
    orders = full_orders(kind, interp)
    assert np.all(orders > 1.8), orders


def test_semi_discrete_matrix_matches_operator():
    """The class and the test's dense matrix describe the same scheme (small dt limit)."""
    rng = np.random.default_rng(3)
    n = 12
    edges = np.cumsum(np.r_[0.0, rng.uniform(0.5, 1.5, n)])
    w = rng.uniform(0.5, 2.0, n)
    wf = rng.uniform(0.5, 2.0, n + 1)
    D = rng.uniform(0.1, 1.0, n + 1)
    tau = rng.uniform(1.0, 3.0, n)
    L = semi_discrete_matrix(edges, w, wf, D, 1.0 / tau)
    dt = 0.1
    op = CrankNicolsonDiffusion(COMM, edges, w, 1, face_weights=wf, backend="scipy")
    op.update_coefficients(D[None, :, None], tau[None, :, None], dt)
    Q = rng.uniform(size=(1, n))
    expected = np.linalg.solve(np.eye(n) - 0.5 * dt * L, (np.eye(n) + 0.5 * dt * L) @ Q[0])
    op.step(Q)
    assert np.allclose(Q[0], expected, rtol=1e-13, atol=1e-15)


def random_setup(seed=0, lines=(6, 4), n=37, sink=True):
    rng = np.random.default_rng(seed)
    edges = 0.05 + np.cumsum(np.r_[0.0, rng.uniform(0.3, 1.7, n)]) / n
    xc = 0.5 * (edges[1:] + edges[:-1])
    w = xc * rng.uniform(0.5, 2.0, n)
    D = rng.uniform(0.0, 2e-3, (lines[0], n + 1, lines[1]))
    tau = rng.uniform(0.5, 20.0, (1, n, lines[1])) if sink else np.inf
    Q = rng.uniform(0.0, 1.0, (lines[0], n, lines[1]))
    return edges, w, D, tau, Q


@pytest.mark.parametrize("backend", ["petsc", "scipy"])
def test_conservation_without_sink(backend):
    edges, w, D, tau, Q = random_setup(sink=False)
    op = CrankNicolsonDiffusion(COMM, edges, w, Q.shape[::2], backend=backend)
    op.update_coefficients(D * 50, tau, dt=2.0)       # dt far above the explicit limit
    before = op.content(Q)
    removed = run(op, Q, 200)
    assert np.all(removed == 0.0)
    assert np.max(np.abs(op.content(Q) / before - 1.0)) < 1e-13
    # and the profile has relaxed towards the constant it conserves
    assert np.ptp(Q, axis=1).max() < np.ptp(random_setup(sink=False)[4], axis=1).min()


@pytest.mark.parametrize("sink", ["crank_nicolson", "exponential"])
def test_sink_only_amplification(sink):
    n, dt = 20, 0.7
    edges = np.linspace(0.0, 1.0, n + 1)
    tau = np.linspace(0.2, 5.0, n)       # dt / tau up to 3.5: CN factor negative there
    op = CrankNicolsonDiffusion(COMM, edges, np.ones(n), (2, 3), sink=sink)
    op.update_coefficients(0.0, tau[None, :, None], dt)
    Q0 = np.random.default_rng(1).uniform(0.5, 1.0, (2, n, 3))
    Q = Q0.copy()
    c0 = op.content(Q)
    removed = run(op, Q, 5)
    r = dt / tau
    factor = (1 - r / 2) / (1 + r / 2) if sink == "crank_nicolson" else np.exp(-r)
    assert np.allclose(Q, Q0 * factor[None, :, None] ** 5, rtol=1e-13, atol=1e-15)
    assert np.allclose(removed, c0 - op.content(Q), rtol=1e-13)
    if sink == "exponential":
        assert Q.min() > 0


@pytest.mark.parametrize("sink", ["crank_nicolson", "exponential"])
def test_removed_equals_content_drop(sink):
    edges, w, D, tau, Q = random_setup(seed=5)
    op = CrankNicolsonDiffusion(COMM, edges, w, Q.shape[::2], sink=sink)
    op.update_coefficients(D, tau, dt=1.5)
    before = op.content(Q)
    removed = run(op, Q, 50)
    assert np.all(removed > 0)
    assert np.max(np.abs(before - op.content(Q) - removed) / before) < 1e-13


@pytest.mark.parametrize("solver", SOLVERS)
def test_petsc_matches_scipy(solver):
    edges, w, D, tau, Q = random_setup(seed=2)
    ops = [CrankNicolsonDiffusion(COMM, edges, w, Q.shape[::2], backend=b, solver=solver)
           for b in ("petsc", "scipy")]
    results = []
    for op in ops:
        q = Q.copy()
        op.update_coefficients(D, tau, dt=1.0)
        removed = run(op, q, 10)
        op.update_coefficients(D[::-1] * 3, tau, dt=0.5)    # re-assembly, same KSP
        removed += run(op, q, 10)
        results.append((q, removed))
    (qp, rp), (qs, rs) = results
    assert np.max(np.abs(qp - qs)) <= 1e-12 * np.max(np.abs(qs))
    assert np.allclose(rp, rs, rtol=1e-12, atol=0)
    ops[0].destroy()


def test_positivity_up_to_bound_and_beyond_for_crank_nicolson():
    edges, w, D, tau, _ = random_setup(seed=4)
    Q0 = np.zeros((6, 37, 4))
    Q0[:, 15:20] = 1.0                                   # sharp block: the hardest case
    op = CrankNicolsonDiffusion(COMM, edges, w, (6, 4))
    op.update_coefficients(D, tau, dt=1.0)
    dt_pos = op.max_positive_dt()
    op.update_coefficients(D, tau, dt=dt_pos)
    Q = Q0.copy()
    run(op, Q, 100)
    assert Q.min() >= 0.0
    # far above the bound CN undershoots (why max_positive_dt exists)
    op.update_coefficients(D * 1e3, tau, dt=dt_pos)
    Q = Q0.copy()
    op.step(Q)
    assert Q.min() < 0.0


def test_line_shapes_and_broadcasting():
    edges, w, D, tau, Q = random_setup(seed=6, lines=(5, 1))
    D1 = D[:1]                                          # broadcast over axis 0
    op = CrankNicolsonDiffusion(COMM, edges, w, 5)
    op.update_coefficients(D1, tau, 1.0)
    q2 = Q[:, :, 0].copy()                              # 2-D (lines, n_x) form
    op.step(q2)
    q3 = Q.copy()
    op.step(q3)
    assert np.array_equal(q2, q3[:, :, 0])
    # a non-contiguous view is updated in place
    big = np.zeros((5, 37, 3))
    big[:, :, 1] = Q[:, :, 0]
    op.step(big[:, :, 1:2])
    assert np.array_equal(big[:, :, 1], q3[:, :, 0])
    with pytest.raises(ValueError):
        op.step(np.zeros((4, 37, 1)))


def test_compiled_right_hand_side_matches_numpy_reference():
    """The numba kernel used by step() equals apply_explicit on a strided (reversed) view."""
    from hpcsim.numerics.diffusion import _explicit_rhs_kernel
    rng = np.random.default_rng(3)
    edges = np.sort(rng.uniform(0.1, 1.0, 13))
    centres = 0.5 * (edges[1:] + edges[:-1])
    op = CrankNicolsonDiffusion(MPI.COMM_SELF, edges, weights=centres, lines=(3, 4), face_weights=edges)
    op.update_coefficients(rng.uniform(0, 1e-2, (3, 13, 4)), rng.uniform(0.5, 5, (3, 12, 4)), dt=0.7)
    Q = rng.random((3, 12, 4))[:, ::-1, :]          # non-contiguous, as the bounce model passes it
    rhs = np.empty(op.n_rows)
    _explicit_rhs_kernel(Q, op.cell_volume, op._diag, op._cond, 0.5 * op.dt, rhs)
    lines = np.ascontiguousarray(Q.transpose(0, 2, 1)).reshape(op.n_lines, op.n_x)
    np.testing.assert_allclose(rhs, op.apply_explicit(lines).ravel(), rtol=1e-14, atol=1e-16)
