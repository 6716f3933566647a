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
