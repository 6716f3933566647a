"""Flux-limited advection for ``du/dt + d(a u)/dx = 0`` on a uniform 1-D grid.

High-resolution finite-volume scheme (LeVeque 1992, *Numerical Methods for Conservation
Laws*, ch. 16; LeVeque 2002, ch. 6): the first-order upwind flux plus a limited
Lax-Wendroff correction,

    F_{i+1/2} = a+ u_i + a- u_{i+1} + 1/2 |a| (1 - |nu|) phi(theta_{i+1/2}) (u_{i+1} - u_i),

with Courant number ``nu = a dt / dx``, ``theta`` the ratio of the upwind-side jump to the
local jump, and ``phi`` the limiter (superbee by default; ``lax_wendroff`` is phi = 1,
``upwind`` phi = 0). The update ``u_i -= (F_{i+1/2} - F_{i-1/2}) dt/dx`` is in flux form, so
the sum of ``u`` over a periodic axis is conserved to round-off, and with a TVD limiter and
``|nu| <= 1`` no new extrema (in particular no negative values) appear.

The advected axis is axis 0 of a *padded* array with :data:`HALO_WIDTH` ghost cells on
each side (filled by the caller: periodic copy or :class:`hpcsim.parallel.HaloExchange`);
the velocity is constant along axis 0 and may vary over the other axes (one Courant number
per line). :func:`advect` runs a compiled (numba) kernel over arrays of any trailing
shape; :func:`interface_fluxes` is the same flux in numpy, kept as the readable reference
the tests compare the kernel with.

:func:`advect_variable` is the open-boundary variant for velocities varying along the
advected axis (given at the faces), along any axis, with optional cell weights ``g``
(``u_t + (1/g) d(g a u)/dx = 0``), zero (or given) inflow and the outflow through each end
returned; see the comment block above it and ``docs/numerics.md``.
"""

from __future__ import annotations

import numba
import numpy as np

#: ghost cells needed on each side of the advected axis
HALO_WIDTH = 2

LIMITERS = ("superbee", "van_leer", "mc", "minmod", "lax_wendroff", "upwind")


def limiter(theta: np.ndarray, name: str) -> np.ndarray:
    """Flux-limiter function phi(theta) (LeVeque 1992, eq. 16.51-16.54)."""
    if name == "superbee":
        return np.maximum(0.0, np.maximum(np.minimum(2.0 * theta, 1.0), np.minimum(theta, 2.0)))
    if name == "van_leer":
        return (theta + np.abs(theta)) / (1.0 + np.abs(theta))
    if name == "mc":
        return np.maximum(0.0, np.minimum(np.minimum((1.0 + theta) / 2.0, 2.0), 2.0 * theta))
    if name == "minmod":
        return np.maximum(0.0, np.minimum(1.0, theta))
    if name == "lax_wendroff":
        return np.ones_like(theta)
    if name == "upwind":
        return np.zeros_like(theta)
    raise ValueError(f"unknown limiter {name!r}; choose one of {', '.join(LIMITERS)}")


def interface_fluxes(padded: np.ndarray, courant: np.ndarray, name: str = "superbee") -> np.ndarray:
    """Fluxes ``F dt/dx`` through the ``n + 1`` interfaces of the ``n`` interior cells.

    ``padded`` has shape ``(n + 2*HALO_WIDTH, ...)``; ``courant`` broadcasts against
    ``padded.shape[1:]``. Entry ``k`` is the flux through the left face of interior cell
    ``k`` (entry ``n`` is the right face of the last cell).
    """
    w = HALO_WIDTH
    n = padded.shape[0] - 2 * w
    nu = np.broadcast_to(courant, padded.shape[1:])
    # Interface k sits between padded cells j = w-1+k and j+1.
    u_m1 = padded[w - 2:w - 1 + n]      # j-1
    u_0 = padded[w - 1:w + n]           # j
    u_p1 = padded[w:w + n + 1]          # j+1
    u_p2 = padded[w + 1:w + n + 2]      # j+2
    jump = u_p1 - u_0
    upwind_jump = np.where(nu >= 0.0, u_0 - u_m1, u_p2 - u_p1)
    safe = np.where(jump != 0.0, jump, 1.0)
    theta = np.where(jump != 0.0, upwind_jump / safe, 0.0)
    abs_nu = np.abs(nu)
    first_order = np.where(nu >= 0.0, nu * u_0, nu * u_p1)
    return first_order + 0.5 * abs_nu * (1.0 - abs_nu) * limiter(theta, name) * jump


def advect(padded: np.ndarray, courant: np.ndarray, name: str = "superbee") -> np.ndarray:
    """One step: returns the new interior values (shape ``(n, ...)``); ghosts must be filled."""
    if name not in LIMITERS:
        raise ValueError(f"unknown limiter {name!r}; choose one of {', '.join(LIMITERS)}")
    w = HALO_WIDTH
    lines = int(np.prod(padded.shape[1:], dtype=np.int64))
    flat = np.ascontiguousarray(padded, dtype=np.float64).reshape(padded.shape[0], lines)
    nu = np.ascontiguousarray(np.broadcast_to(courant, padded.shape[1:]), dtype=np.float64).reshape(lines)
    out = np.empty((padded.shape[0] - 2 * w, lines))
    _advect_kernel(flat, nu, LIMITERS.index(name), out)
    return out.reshape((padded.shape[0] - 2 * w,) + padded.shape[1:])


@numba.njit(cache=True, inline="always")
def _phi(theta: float, code: int) -> float:
    """Limiter number ``code`` (index into LIMITERS) at ``theta``; see :func:`limiter`."""
    if code == 0:  # superbee
        return max(0.0, max(min(2.0 * theta, 1.0), min(theta, 2.0)))
    if code == 1:  # van Leer
        return (theta + abs(theta)) / (1.0 + abs(theta))
    if code == 2:  # MC
        return max(0.0, min(min((1.0 + theta) / 2.0, 2.0), 2.0 * theta))
    if code == 3:  # minmod
        return max(0.0, min(1.0, theta))
    if code == 4:  # Lax-Wendroff
        return 1.0
    return 0.0     # upwind


@numba.njit(cache=True)
def _flux(um1: float, u0: float, up1: float, up2: float, nu: float, code: int) -> float:
    jump = up1 - u0
    if nu >= 0.0:
        first, upwind_jump = nu * u0, u0 - um1
    else:
        first, upwind_jump = nu * up1, up2 - up1
    if jump == 0.0:
        return first
    a = abs(nu)
    return first + 0.5 * a * (1.0 - a) * _phi(upwind_jump / jump, code) * jump


@numba.njit(cache=True)
def _advect_kernel(padded, nu, code, out):
    """padded: (n + 4, lines); nu: (lines,); out: (n, lines). Same flux as interface_fluxes.

    Rows are visited in order and lines innermost, so memory is read contiguously; the
    flux through a cell's right face is kept as the next cell's left-face flux.
    """
    n, lines = out.shape
    left = np.empty(lines)
    for j in range(lines):
        left[j] = _flux(padded[0, j], padded[1, j], padded[2, j], padded[3, j], nu[j], code)
    for i in range(n):
        k = i + 2
        for j in range(lines):
            right = _flux(padded[k - 1, j], padded[k, j], padded[k + 1, j], padded[k + 2, j], nu[j], code)
            out[i, j] = padded[k, j] - (right - left[j])
            left[j] = right


def max_stable_courant() -> float:
    """Largest |Courant number| for which the scheme is stable and TVD."""
    return 1.0


# --------------------------------------------------------------------------------------
# Velocity varying along the advected axis, open boundaries
# --------------------------------------------------------------------------------------
#
# ``q_t + (a(x) q)_x = 0`` (or ``u_t + (1/g) (g a u)_x = 0`` with cell weights g, q = g u) on
# a uniform grid with the velocity given at the n + 1 faces as Courant numbers
# ``nu_{i+1/2} = a_{i+1/2} dt / dx``. The flux is the constant-coefficient limited flux
# above evaluated with an *effective* face Courant number
#
#     nu*_{i+1/2} = nu_{i+1/2} (1 - (nu_{i+3/2} - nu_{i-1/2}) / 4),
#
# the length (in cells) of the interval swept through the face in one step along the
# characteristic, to second order (x'' = a a_x). Without this correction the Lax-Wendroff
# flux misses the term -dt/2 a a_x q and the scheme is only first order when a varies.
# Boundary faces use one-sided differences of nu. Where a boundary face velocity points into
# the domain, the face flux is ``nu * inflow`` (inflow value, default 0); where it points
# out, the ghost cells are a zero-gradient extrapolation, so the limited correction vanishes
# and the outgoing flux is the upwind ``nu q_boundary_cell``.


def effective_courant(courant_faces: np.ndarray) -> np.ndarray:
    """``nu*`` at the ``n + 1`` faces (axis 0) from the face Courant numbers (see above)."""
    nu = np.asarray(courant_faces, dtype=np.float64)
    if nu.shape[0] < 2:
        return nu.copy()
    dnu = np.empty_like(nu)
    dnu[1:-1] = 0.5 * (nu[2:] - nu[:-2])
    dnu[0] = nu[1] - nu[0]
    dnu[-1] = nu[-1] - nu[-2]
    return nu * (1.0 - 0.5 * dnu)


def _pad_open(q: np.ndarray) -> np.ndarray:
    """Axis-0 zero-gradient padding with HALO_WIDTH ghost cells each side."""
    w = HALO_WIDTH
    padded = np.empty((q.shape[0] + 2 * w,) + q.shape[1:])
    padded[w:-w] = q
    padded[:w] = q[:1]
    padded[-w:] = q[-1:]
    return padded


def variable_interface_fluxes(q: np.ndarray, courant_faces: np.ndarray, name: str = "superbee",
                              inflow: float = 0.0) -> np.ndarray:
    """Numpy reference: fluxes ``F dt/dx`` through the ``n + 1`` faces, advected axis 0.

    ``q`` has shape ``(n, ...)`` (no ghosts), ``courant_faces`` ``(n + 1, ...)`` or
    broadcastable to it. Boundary faces follow the inflow/outflow rule above.
    """
    q = np.asarray(q, dtype=np.float64)
    nu_f = np.broadcast_to(courant_faces, (q.shape[0] + 1,) + q.shape[1:])
    nu_eff = effective_courant(nu_f)
    w = HALO_WIDTH
    n = q.shape[0]
    padded = _pad_open(q)
    # face k sits between padded cells j = w-1+k and j+1 (as in interface_fluxes)
    u_m1, u_0 = padded[w - 2:w - 1 + n], padded[w - 1:w + n]
    u_p1, u_p2 = padded[w:w + n + 1], padded[w + 1:w + n + 2]
    jump = u_p1 - u_0
    upwind_jump = np.where(nu_eff >= 0.0, u_0 - u_m1, u_p2 - u_p1)
    safe = np.where(jump != 0.0, jump, 1.0)
    theta = np.where(jump != 0.0, upwind_jump / safe, 0.0)
    a = np.abs(nu_eff)
    F = np.where(nu_eff >= 0.0, nu_eff * u_0, nu_eff * u_p1) + 0.5 * a * (1.0 - a) * limiter(theta, name) * jump
    F[0] = np.where(nu_eff[0] > 0.0, nu_eff[0] * inflow, F[0])
    F[-1] = np.where(nu_eff[-1] < 0.0, nu_eff[-1] * inflow, F[-1])
    return F


def advect_variable(u: np.ndarray, courant_faces: np.ndarray, axis: int = 0,
                    name: str = "superbee", weights: np.ndarray | None = None,
                    inflow: float = 0.0, reference: bool = False):
    """One conservative step of ``u_t + (1/g) d(g a u)/dx = 0`` along ``axis``, open ends.

    Parameters
    ----------
    u: array of any shape; ``n = u.shape[axis]`` cells along the advected axis.
    courant_faces: ``a dt/dx`` at the ``n + 1`` faces: shape of ``u`` with ``n + 1`` along
        ``axis`` (other axes may be 1 to broadcast). Any sign; ``|nu| <= 1`` for stability.
    weights: ``g`` at the cells, broadcastable to ``u`` (default 1). The conserved quantity
        is ``sum g u``; the limiter acts on ``q = g u``.
    inflow: value of ``q = g u`` entering through a boundary face whose velocity points
        inward (default 0: nothing enters).
    reference: use the numpy reference instead of the numba kernel.

    Returns ``(u_new, outflow)``: ``u_new`` has the shape of ``u``; ``outflow`` has shape
    ``(2,) + (u's shape without axis)`` and holds the amount of ``sum g u`` that left this
    step through the low (``outflow[0]``) and high (``outflow[1]``) end (negative when it
    entered), so ``sum(g u_new) == sum(g u) - outflow.sum(axis=0)`` to round-off.
    """
    u = np.asarray(u, dtype=np.float64)
    if not reference:
        return OpenAdvection(u.shape, courant_faces, axis, name, weights, inflow).step(u)
    if name not in LIMITERS:
        raise ValueError(f"unknown limiter {name!r}; choose one of {', '.join(LIMITERS)}")
    axis = axis % u.ndim
    n = u.shape[axis]
    q = u if weights is None else u * np.broadcast_to(weights, u.shape)
    q0 = np.moveaxis(q, axis, 0)
    face_shape = list(u.shape)
    face_shape[axis] = n + 1
    nu = np.moveaxis(np.broadcast_to(np.asarray(courant_faces, dtype=np.float64), tuple(face_shape)), axis, 0)
    F = variable_interface_fluxes(q0, nu, name, inflow)
    new = np.moveaxis(q0 - (F[1:] - F[:-1]), 0, axis)
    out = np.stack([-F[0], F[-1]])
    if weights is not None:
        new = new / np.broadcast_to(weights, u.shape)
    return np.ascontiguousarray(new), out


class OpenAdvection:
    """:func:`advect_variable` with fixed Courant numbers and weights, for repeated steps.

    Everything that does not depend on ``u`` (the effective face Courant numbers, the
    weights, the memory layout) is prepared once; :meth:`step` then costs one transpose
    and the compiled kernel. ``step(u)`` returns ``(u_new, outflow)`` exactly as
    :func:`advect_variable` does.
    """

    def __init__(self, shape, courant_faces, axis: int = 0, name: str = "superbee",
                 weights=None, inflow: float = 0.0):
        if name not in LIMITERS:
            raise ValueError(f"unknown limiter {name!r}; choose one of {', '.join(LIMITERS)}")
        self.shape = tuple(shape)
        self.axis = axis % len(self.shape)
        self.code, self.inflow = LIMITERS.index(name), float(inflow)
        n = self.shape[self.axis]
        face_shape = list(self.shape)
        face_shape[self.axis] = n + 1
        nu = np.moveaxis(np.broadcast_to(np.asarray(courant_faces, dtype=np.float64), tuple(face_shape)),
                         self.axis, 0)
        self.line_shape = nu.shape[1:]
        lines = int(np.prod(self.line_shape, dtype=np.int64))
        self.nu_eff = np.ascontiguousarray(effective_courant(nu)).reshape(n + 1, lines)
        self.weights = None if weights is None else np.ascontiguousarray(
            np.broadcast_to(np.asarray(weights, dtype=np.float64), self.shape))

    def step(self, u: np.ndarray):
        n = self.shape[self.axis]
        q = u if self.weights is None else u * self.weights
        flat = np.ascontiguousarray(np.moveaxis(q, self.axis, 0)).reshape(n, -1)
        new = np.empty_like(flat)
        out = np.empty((2, flat.shape[1]))
        _advect_open_kernel(flat, self.nu_eff, self.code, self.inflow, new, out)
        new = np.moveaxis(new.reshape((n,) + self.line_shape), 0, self.axis)
        if self.weights is not None:
            new = new / self.weights
        return np.ascontiguousarray(new), out.reshape((2,) + self.line_shape)


@numba.njit(cache=True)
def _advect_open_kernel(q, nu, code, inflow, out, outflow):
    """q: (n, lines); nu: effective face Courant numbers (n + 1, lines); out: (n, lines);
    outflow: (2, lines). Same fluxes as :func:`variable_interface_fluxes` (zero-gradient
    ghosts, inflow rule at the boundary faces)."""
    n, lines = q.shape
    left = np.empty(lines)
    for j in range(lines):
        # face 0 between ghost (= q[0]) and q[0]
        if nu[0, j] > 0.0:
            f = nu[0, j] * inflow
        else:
            q1 = q[1, j] if n > 1 else q[0, j]
            f = _flux(q[0, j], q[0, j], q[0, j], q1, nu[0, j], code)
        left[j] = f
        outflow[0, j] = -f
    for i in range(n):
        im1 = max(i - 1, 0)
        ip1 = min(i + 1, n - 1)
        ip2 = min(i + 2, n - 1)
        last = i == n - 1
        for j in range(lines):
            if last and nu[n, j] < 0.0:
                right = nu[n, j] * inflow
            else:
                right = _flux(q[im1, j], q[i, j], q[ip1, j], q[ip2, j], nu[i + 1, j], code)
            out[i, j] = q[i, j] - (right - left[j])
            left[j] = right
    for j in range(lines):
        outflow[1, j] = left[j]
