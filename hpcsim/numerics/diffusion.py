"""Crank-Nicolson diffusion with a linear sink on many independent lines (petsc4py).

Equation, on each line, for a coordinate ``x`` in ``[x_0, x_n]`` with a positive weight
``w(x)``:

    dQ/dt = (1/w) d/dx [ D w dQ/dx ] - Q / tau,        D w dQ/dx = 0 at both ends.

Finite-volume discretisation on a non-uniform cell-centred grid (edges ``x_{i-1/2}``,
widths ``dx_i``, centres ``x_i`` at the cell midpoints, ``W_i = w_i dx_i``):

    W_i dQ_i/dt = F_{i+1/2} - F_{i-1/2} - r_i W_i Q_i,
    F_{i+1/2}   = D_{i+1/2} w_{i+1/2} (Q_{i+1} - Q_i) / (x_{i+1} - x_i),   F_{-1/2} = F_{n-1/2} = 0,

with ``r_i = 1/tau_i``. Crank-Nicolson (Anderson, Tannehill and Pletcher 1984) treats the
flux *and* the sink with the trapezoidal rule, so each step solves

    (W + dt/2 (K + R W)) Q^{n+1} = (W - dt/2 (K + R W)) Q^n,

where ``K`` is the symmetric, positive semi-definite tridiagonal flux matrix (zero row
sums) and ``R = diag(r)``. Written this way (rows multiplied by ``W_i``) the matrix is
symmetric positive definite. Properties:

* conservation: the columns of ``K`` sum to zero, so ``sum_i W_i Q_i`` changes only by the
  sink, and the amount removed in the step is exactly
  ``sum_i W_i r_i dt/2 (Q_i^n + Q_i^{n+1})`` (returned per line by :meth:`step`). To keep
  this at round-off level even when ``dt`` is far above the explicit limit (where the
  linear solver's residual, relative to ``W Q``, grows like ``dt max(K_ii/W_i)`` times
  the machine epsilon), ``Q^{n+1}`` is finally recomputed in flux form,
  ``W_i (Q_i^{n+1} - Q_i^n) = dt (F_{i+1/2} - F_{i-1/2} - r_i W_i Qbar_i)`` with the fluxes of
  the solved time-centred ``Qbar = (Q^n + Q^{n+1})/2``; this changes ``Q^{n+1}`` only
  within the solver's residual;
* second order in time and (for smoothly varying grids, by supraconvergence) in x;
* unconditionally stable; non-negative (M-matrix on the left, non-negative matrix on the
  right) if ``dt <= 2 / max_i (K_ii / W_i + r_i)``, see :meth:`max_positive_dt`. For a
  pure sink the CN amplification ``(1 - dt r/2)/(1 + dt r/2)`` is negative when
  ``dt > 2 tau``; ``sink="exponential"`` replaces ``r`` by
  ``r* = (2/dt) tanh(dt r/2)`` so that the sink-only amplification is ``exp(-dt r)``
  (still second order, positive and exact for a pure sink, and the removed amount keeps the
  same formula with ``r*``).

Face weights ``w_{i+1/2}`` default to linear interpolation of the cell weights; pass
``face_weights`` when ``w`` is known at the faces. ``D`` at the two boundary faces is
ignored (zero flux).

Layout: ``Q`` has shape ``(n_a, n_x, n_b)`` and diffuses along axis 1; there are
``n_a * n_b`` lines on this process (a 2-D ``(n_a, n_x)`` array is accepted when
``n_b == 1``). ``D`` has shape ``(n_a or 1, n_x + 1, n_b or 1)``, ``tau`` has shape
``(n_a or 1, n_x, n_b or 1)`` (``np.inf`` for no sink). Unknowns are numbered line by line
(line ``a * n_b + b``, then cell ``i``), so the matrix is block diagonal with tridiagonal
blocks, and each rank owns whole lines: all of its rows and columns are local.

Two back ends share the discretisation: ``backend="petsc"`` (one distributed AIJ matrix on
``comm``, assembled by :meth:`update_coefficients`, KSP reused every step; every rank of
``comm`` must call the collective methods, even with no lines) and ``backend="scipy"``
(``scipy.linalg.solve_banded`` on this process's lines; the reference the tests compare
with). Example (runnable, one or more ranks)::

    import numpy as np
    from mpi4py import MPI
    import hpcsim  # noqa: F401  (makes petsc4py importable)
    from hpcsim.numerics.diffusion import CrankNicolsonDiffusion

    edges = np.linspace(0.1, 1.0, 38)                     # 37 cells
    centres = 0.5 * (edges[1:] + edges[:-1])
    op = CrankNicolsonDiffusion(MPI.COMM_WORLD, edges, weights=centres, lines=(4, 9),
                                face_weights=edges)
    D = np.full((1, 38, 1), 1e-3)                         # broadcast over lines
    tau = np.where(centres < 0.3, 5.0, np.inf)[None, :, None]
    op.update_coefficients(D, tau, dt=1.0)
    Q = np.ones((4, 37, 9))
    removed = op.step(Q)                                  # in place; shape (4, 9)
    assert removed.shape == (4, 9) and np.all(removed > 0)
"""

from __future__ import annotations

import itertools

import numba
import numpy as np
import scipy.linalg

SINKS = ("crank_nicolson", "exponential")
BACKENDS = ("petsc", "scipy")
#: KSP/PC set-ups for the PETSc back end (see docs/numerics.md for the timings)
SOLVERS = ("lu", "cholesky", "gmres_ilu", "cg_jacobi")

_counter = itertools.count()


class CrankNicolsonDiffusion:
    """Crank-Nicolson step of ``dQ/dt = (1/w) d/dx(D w dQ/dx) - Q/tau`` on many lines.

    Parameters
    ----------
    comm: mpi4py communicator (the PETSc objects live on it; unused by ``backend="scipy"``).
    edges: the ``n_x + 1`` increasing cell edges along the diffusion axis.
    weights: ``w`` at the ``n_x`` cells (cell midpoints), shape ``(n_x,)``, positive.
    lines: ``(n_a, n_b)``, the line shape on this process (an int ``n`` means ``(n, 1)``).
    face_weights: ``w`` at the ``n_x + 1`` edges (default: linear interpolation).
    sink: ``"crank_nicolson"`` (default) or ``"exponential"`` (see module docstring).
    backend: ``"petsc"`` or ``"scipy"``.
    solver: PETSc KSP/PC set-up, one of :data:`SOLVERS` (default ``"lu"``: KSPPREONLY with
        block Jacobi, one block per rank, LU of the local tridiagonal blocks in natural
        order, which has no fill-in).
    rtol: relative tolerance for the iterative solvers.
    """

    def __init__(self, comm, edges, weights, lines, face_weights=None, sink="crank_nicolson",
                 backend="petsc", solver="lu", rtol=1e-14):
        if sink not in SINKS:
            raise ValueError(f"unknown sink treatment {sink!r}; choose one of {', '.join(SINKS)}")
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        if solver not in SOLVERS:
            raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
        self.edges = np.asarray(edges, dtype=np.float64)
        if self.edges.ndim != 1 or self.edges.size < 2 or np.any(np.diff(self.edges) <= 0):
            raise ValueError("edges must be a 1-D increasing array with at least 2 entries")
        self.n_x = self.edges.size - 1
        self.dx = np.diff(self.edges)
        self.centres = 0.5 * (self.edges[1:] + self.edges[:-1])
        self.weights = np.asarray(weights, dtype=np.float64).reshape(self.n_x)
        if np.any(self.weights <= 0):
            raise ValueError("cell weights must be positive")
        if face_weights is None:
            face_weights = np.empty(self.n_x + 1)
            face_weights[1:-1] = np.interp(self.edges[1:-1], self.centres, self.weights)
            face_weights[[0, -1]] = self.weights[[0, -1]]
        self.face_weights = np.asarray(face_weights, dtype=np.float64).reshape(self.n_x + 1)
        if isinstance(lines, (int, np.integer)):
            lines = (int(lines), 1)
        self.lines = (int(lines[0]), int(lines[1]))
        self.n_lines = self.lines[0] * self.lines[1]
        self.n_rows = self.n_lines * self.n_x
        self.cell_volume = self.weights * self.dx          # W_i
        self.sink, self.backend, self.solver, self.rtol = sink, backend, solver, rtol
        self.comm = comm
        self.dt = None
        self._petsc = None
        self.last_removed = np.zeros(self.lines)

    # ------------------------------------------------------------------ coefficients
    def update_coefficients(self, D_faces, tau_cells, dt):
        """Set ``D`` (faces), ``tau`` (cells) and ``dt``; (re)assemble and factor. Collective."""
        n_a, n_b = self.lines
        D = np.broadcast_to(np.asarray(D_faces, dtype=np.float64), (n_a, self.n_x + 1, n_b))
        tau = np.broadcast_to(np.asarray(tau_cells, dtype=np.float64), (n_a, self.n_x, n_b))
        if np.any(D < 0) or np.any(tau <= 0):
            raise ValueError("need D >= 0 and tau > 0 (np.inf for no sink)")
        dt = float(dt)
        if not dt > 0:
            raise ValueError("dt must be positive")
        self.dt = dt
        # line-major (line, cell) ordering: arrays of shape (n_lines, n_x)
        D = np.ascontiguousarray(D.transpose(0, 2, 1)).reshape(self.n_lines, self.n_x + 1)
        rate = 1.0 / np.ascontiguousarray(tau.transpose(0, 2, 1)).reshape(self.n_lines, self.n_x)
        if self.sink == "exponential":
            rate = 2.0 / dt * np.tanh(0.5 * dt * rate)
        self._rate = rate
        # face conductances c_{i+1/2} = D w / (x_{i+1} - x_i) at the n_x - 1 interior faces
        cond = D[:, 1:-1] * self.face_weights[1:-1] / np.diff(self.centres)
        self._cond = cond
        W = self.cell_volume
        # A = K + R W (symmetric, tridiagonal per line): diagonal and the off-diagonal -c
        diag = W * rate
        diag[:, :-1] += cond
        diag[:, 1:] += cond
        self._diag = diag
        h = 0.5 * dt
        self._lhs_diag = (W + h * diag).ravel()
        off = np.zeros((self.n_lines, self.n_x))
        off[:, :-1] = -h * cond                      # entry (i, i+1); last cell of a line: 0
        self._lhs_off = off.ravel()[:-1] if self.n_rows else off.ravel()
        if self.backend == "petsc":
            self._assemble_petsc()

    def max_positive_dt(self):
        """Largest ``dt`` for which a step maps non-negative ``Q`` to non-negative ``Q``.

        Uses the current coefficients (the ``dt`` passed to :meth:`update_coefficients`
        matters only for ``sink="exponential"``). Local to this process.
        """
        if self.dt is None:
            raise RuntimeError("call update_coefficients first")
        ratio = self._diag / self.cell_volume
        m = ratio.max() if ratio.size else 0.0
        return np.inf if m == 0 else 2.0 / m

    # ------------------------------------------------------------------ stepping
    def apply_explicit(self, q_lines):
        """``(W - dt/2 A) q`` for ``q`` of shape ``(n_lines, n_x)``: the right-hand side.

        The readable numpy form of what :meth:`step` computes with the compiled
        ``_explicit_rhs_kernel`` (kept as the reference the tests compare it with).
        """
        h = 0.5 * self.dt
        rhs = (self.cell_volume - h * self._diag) * q_lines
        hc = h * self._cond                     # interior faces: -A_{i,i+1} = -A_{i+1,i} = c
        rhs[:, :-1] += hc * q_lines[:, 1:]
        rhs[:, 1:] += hc * q_lines[:, :-1]
        return rhs

    def step(self, Q):
        """Advance ``Q`` (shape ``(n_a, n_x, n_b)``, float64) by ``dt`` in place. Collective.

        Returns the amount removed by the sink on each line, ``sum_i W_i r_i dt/2
        (Q_i^n + Q_i^{n+1})``, shape ``(n_a, n_b)`` (also kept as :attr:`last_removed`).
        With zero-flux ends this equals the drop of ``sum_i W_i Q_i`` to round-off.
        """
        if self.dt is None:
            raise RuntimeError("call update_coefficients first")
        n_a, n_b = self.lines
        Q3 = self._view3(Q)
        rhs = np.empty(self.n_rows)
        _explicit_rhs_kernel(Q3, self.cell_volume, self._diag, self._cond, 0.5 * self.dt, rhs)
        solved = self._solve(rhs).reshape(self.n_lines, self.n_x)
        # Flux-form update from the solved time-centred state: the same Q^{n+1} up to the
        # solver's residual, but the content changes only through the sink to summation
        # round-off (the face fluxes telescope), whatever the conditioning of the system.
        removed = np.empty(self.n_lines)
        _flux_form_update_kernel(Q3, solved, self.cell_volume, self._cond, self._rate, self.dt, removed)
        self.last_removed = removed.reshape(n_a, n_b)
        return self.last_removed

    def content(self, Q):
        """``sum_i W_i Q_i`` per line, shape ``(n_a, n_b)``."""
        return np.einsum("aib,i->ab", self._view3(Q), self.cell_volume)

    def _view3(self, Q):
        n_a, n_b = self.lines
        if Q.ndim == 2 and n_b == 1:
            Q = Q[:, :, None]
        if Q.shape != (n_a, self.n_x, n_b):
            raise ValueError(f"Q has shape {Q.shape}; expected {(n_a, self.n_x, n_b)}")
        return Q

    def _solve(self, rhs):
        if self.n_rows == 0 and self.backend == "scipy":
            return rhs.copy()
        if self.backend == "scipy":
            ab = np.zeros((3, self.n_rows))
            ab[0, 1:] = self._lhs_off
            ab[1] = self._lhs_diag
            ab[2, :-1] = self._lhs_off
            return scipy.linalg.solve_banded((1, 1), ab, rhs, overwrite_ab=True, check_finite=False)
        p = self._petsc
        p["b"].getArray()[:] = rhs
        p["ksp"].solve(p["b"], p["x"])
        reason = p["ksp"].getConvergedReason()
        if reason < 0:
            raise RuntimeError(f"PETSc KSP failed to converge (reason {reason})")
        return p["x"].getArray().copy()

    # ------------------------------------------------------------------ PETSc
    def _assemble_petsc(self):
        from petsc4py import PETSc

        n = self.n_rows
        if self._petsc is None:
            prefix = f"hpcsim_cn{next(_counter)}_"
            A = PETSc.Mat().createAIJ(((n, None), (n, None)), nnz=(3, 0), comm=self.comm)
            A.setOption(PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, True)
            rstart = A.getOwnershipRange()[0]
            # CSR of the tridiagonal blocks, global column indices
            cols = np.arange(n, dtype=PETSc.IntType)
            line_pos = np.arange(n) % self.n_x if n else np.zeros(0, int)
            has_left = line_pos > 0
            has_right = line_pos < self.n_x - 1
            counts = 1 + has_left + has_right
            indptr = np.zeros(n + 1, dtype=PETSc.IntType)
            np.cumsum(counts, out=indptr[1:])
            indices = np.empty(indptr[-1], dtype=PETSc.IntType)
            k = indptr[:-1].copy()
            indices[k[has_left]] = cols[has_left] - 1
            k[has_left] += 1
            indices[k] = cols
            indices[k[has_right] + 1] = cols[has_right] + 1
            self._csr = (indptr, indices + rstart, has_left, has_right, indptr[:-1] + has_left)
            b = A.createVecRight()
            x = A.createVecLeft()
            ksp = PETSc.KSP().create(comm=self.comm)
            ksp.setOptionsPrefix(prefix)
            opts = PETSc.Options()
            if self.solver in ("lu", "cholesky"):
                opts[prefix + "ksp_type"] = "preonly"
                opts[prefix + "pc_type"] = "bjacobi"
                opts[prefix + "sub_ksp_type"] = "preonly"
                opts[prefix + "sub_pc_type"] = self.solver
                opts[prefix + "sub_pc_factor_mat_ordering_type"] = "natural"
            elif self.solver == "gmres_ilu":
                opts[prefix + "ksp_type"] = "gmres"
                opts[prefix + "pc_type"] = "bjacobi"
                opts[prefix + "sub_pc_type"] = "ilu"
                opts[prefix + "sub_pc_factor_mat_ordering_type"] = "natural"
            else:
                opts[prefix + "ksp_type"] = "cg"
                opts[prefix + "pc_type"] = "jacobi"
            ksp.setFromOptions()
            ksp.setTolerances(rtol=self.rtol, atol=0.0, max_it=10000)
            for key in list(opts.getAll()):
                if key.startswith(prefix):
                    opts.delValue(key)
            self._petsc = {"A": A, "b": b, "x": x, "ksp": ksp}
        A = self._petsc["A"]
        indptr, indices, has_left, has_right, diag_pos = self._csr
        values = np.empty(indices.size)
        values[diag_pos] = self._lhs_diag
        off = self._lhs_off
        if n:
            left_vals = np.concatenate(([0.0], off))   # entry (i, i-1) = off[i-1]
            right_vals = np.concatenate((off, [0.0]))  # entry (i, i+1) = off[i]
            values[diag_pos[has_left] - 1] = left_vals[has_left]
            values[diag_pos[has_right] + 1] = right_vals[has_right]
        A.setValuesCSR(indptr, indices, values)
        A.assemble()
        self._petsc["ksp"].setOperators(A)
        self._petsc["ksp"].setUp()

    def destroy(self):
        """Free the PETSc objects (collective)."""
        if self._petsc is not None:
            for obj in self._petsc.values():
                obj.destroy()
            self._petsc = None


@numba.njit(cache=True)
def _explicit_rhs_kernel(Q3, W, diag, cond, h, rhs):
    """``(W - h A) q`` line by line, read straight from ``Q3`` (n_a, n_x, n_b), any strides."""
    n_a, n_x, n_b = Q3.shape
    for a in range(n_a):
        for b in range(n_b):
            line = a * n_b + b
            base = line * n_x
            for i in range(n_x):
                v = (W[i] - h * diag[line, i]) * Q3[a, i, b]
                if i < n_x - 1:
                    v += h * cond[line, i] * Q3[a, i + 1, b]
                if i > 0:
                    v += h * cond[line, i - 1] * Q3[a, i - 1, b]
                rhs[base + i] = v


@numba.njit(cache=True)
def _flux_form_update_kernel(Q3, solved, W, cond, rate, dt, removed):
    """Q^{n+1} from the fluxes of Qbar = (Q^n + solved)/2, written back into ``Q3``;
    ``removed[line]`` = sum_i dt W_i r_i Qbar_i (see :meth:`CrankNicolsonDiffusion.step`)."""
    n_a, n_x, n_b = Q3.shape
    change = np.empty(n_x)
    qbar = np.empty(n_x)
    for a in range(n_a):
        for b in range(n_b):
            line = a * n_b + b
            total = 0.0
            for i in range(n_x):
                qbar[i] = 0.5 * (Q3[a, i, b] + solved[line, i])
                sink = dt * W[i] * rate[line, i] * qbar[i]
                change[i] = -sink
                total += sink
            for i in range(n_x - 1):
                flux = dt * cond[line, i] * (qbar[i + 1] - qbar[i])
                change[i] += flux
                change[i + 1] -= flux
            for i in range(n_x):
                Q3[a, i, b] = Q3[a, i, b] + change[i] / W[i]
            removed[line] = total
