"""One energy level of the steady transport-scattering problem on the (s, mu0) grid, with petsc4py.

Numerics only: the caller supplies, per node, the extinction kappa (1/cm: everything that
removes electrons from this energy level), an angular scattering matrix acting on the
node's local directions, and a source; this module discretises

    mu dPhi/ds |_{mu0} = -kappa Phi + sum_k S[j, k] Phi_k + q          (along each mu0 line)

and solves it. Phi is unknown at every node for both directions (d = +1 toward increasing s,
i.e. northward; d = -1 southward) of every allowed mu0 (grid.FieldLineGrid).

Discretisation in s: exponential upwinding along each mu0 line (exact for constant
coefficients without scattering, unconditionally positive, and accurate in the optically thick
ionospheric cells where plain upwinding is not). Between the upwind node up = i - d and node i,
with the optical depth tau = kappa_i ds / mu_bar (kappa at node i: with it c S_rr <= 1 for a
conservative scattering matrix, so the scheme stays positive where kappa changes by large factors
between nodes; mu_bar the mean of the two nodes, exact for the square-root behaviour of mu next
to a mirror point),

    Phi_i - e^-tau Phi_up - c sum_k S_i[j,k] Phi_i,k = c q_i,j,    c = (1 - e^-tau) / kappa_i

(c = ds / mu_bar when kappa_i = 0). Rows that close the lines:

* mirror points of trapped mu0 (mu = 0 at node m): Phi(+) = Phi(-) (reflection);
* the two 90-km ends, incoming direction: local equilibrium, the same row without the streaming
  term (the paper's d/ds = 0);
* a surface injection F (e.g. precipitating primaries at 800 km) is added to the flux arriving
  at its node: Phi_i - e^-tau Phi_up - ... = F + ... (the flux leaving the node gains F).

Local direction ordering at node i: for j = first_mu0[i] .. nm-1 (ascending mu0) the pair
(d = +1, d = -1); global index offset[i] + 2 (j - first_mu0[i]) + (0 or 1). Rows are
distributed over ranks in contiguous blocks of nodes (field-line segments).

Solver: PETSc KSP; default a direct LU with pivoting (MUMPS, also on one rank); any
KSP/PC can be selected with PETSc options (``-fl_ksp_type gmres -fl_pc_type bjacobi``).
"""

from __future__ import annotations

import numpy as np
from petsc4py import PETSc

from hpcsim.models.fieldline.grid import FieldLineGrid


class DirectionIndex:
    """Index maps between (node, mu0, direction) and the unknown vector."""

    def __init__(self, grid: FieldLineGrid):
        self.grid = grid
        counts = 2 * (grid.nm - grid.first_mu0)
        self.offset = np.concatenate(([0], np.cumsum(counts)))
        self.n = int(self.offset[-1])

    def count(self, i: int) -> int:
        return int(self.offset[i + 1] - self.offset[i])

    def index(self, i: int, j, d):
        """Global index of node i, mu0 index j (array ok), direction d (+1/-1)."""
        return self.offset[i] + 2 * (np.asarray(j) - self.grid.first_mu0[i]) + np.where(np.asarray(d) > 0, 0, 1)

    def local_directions(self, i: int):
        """(j, d, signed local mu) of node i in local order."""
        g = self.grid
        j = np.repeat(np.arange(g.first_mu0[i], g.nm), 2)
        d = np.tile([1, -1], g.nm - g.first_mu0[i])
        mu = g.local_mu(i)
        return j, d, np.repeat(mu, 2) * d


def node_ownership(n_nodes: int, comm) -> tuple[int, int]:
    """Contiguous block of nodes owned by this rank (PETSc-style split)."""
    size, rank = comm.Get_size(), comm.Get_rank()
    base, extra = divmod(n_nodes, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


class LevelSolver:
    """Assembles and solves one energy level; reusable for many levels of the same grid."""

    def __init__(self, grid: FieldLineGrid, comm, ksp_prefix: str = "fl_"):
        self.grid = grid
        self.comm = comm
        self.idx = DirectionIndex(grid)
        self.node_lo, self.node_hi = node_ownership(grid.ns, comm)
        self.row_lo, self.row_hi = int(self.idx.offset[self.node_lo]), int(self.idx.offset[self.node_hi])
        self.ds_cm = np.diff(grid.s_km) * 1e5
        self.mu = [grid.local_mu(i) for i in range(grid.ns)]
        self.prefix = ksp_prefix
        self._ksp = None
        self.last_iterations = 0

    # -- assembly -------------------------------------------------------------------
    def _streaming(self, i, j, d, kappa_per_cm=None):
        """(attenuation e^-tau, coefficient c, upwind node) of the row (i, j, d), or None for
        the rows that close a line (mirror point, end of the line)."""
        g = self.grid
        up = i - d
        if up < 0 or up >= g.ns:
            return None
        if j < g.first_mu0[up]:
            return None  # mirror point: the line starts here
        mu_bar = 0.5 * (self.mu[i][j - g.first_mu0[i]] + self.mu[up][j - g.first_mu0[up]])
        ds = self.ds_cm[min(i, up)]
        if kappa_per_cm is None:
            return 1.0, ds / mu_bar, up
        k_bar = kappa_per_cm[i]  # node value: keeps c S_rr <= 1 (positivity) where kappa varies steeply
        tau = k_bar * ds / mu_bar
        if tau < 1e-8:
            return 1.0 - tau, ds / mu_bar, up
        return np.exp(-tau), -np.expm1(-tau) / k_bar, up

    def assemble(self, kappa_per_cm, scatter, surface=None):
        """The matrix of this level (collective). ``scatter[i]`` is a dense or scipy sparse matrix
        on node i's local directions (or None); ``surface`` maps node -> (n_local,) injected flux."""
        g, idx = self.grid, self.idx
        n_loc = self.row_hi - self.row_lo
        A = PETSc.Mat().createAIJ(((n_loc, idx.n), (n_loc, idx.n)), comm=self.comm)
        nnz = np.zeros(n_loc, dtype=PETSc.IntType)
        for i in range(self.node_lo, self.node_hi):
            s = scatter[i]
            k = idx.count(i)
            per_row = (k if (s is not None) else 1) + 2
            a, b = idx.offset[i] - self.row_lo, idx.offset[i + 1] - self.row_lo
            nnz[a:b] = min(per_row, idx.n)
        A.setPreallocationNNZ((nnz, nnz))
        A.setOption(PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, False)
        rhs_surface = np.zeros(n_loc)
        self._row_scale = np.zeros(n_loc)  # q enters row r as c_r q (0 on reflection rows)
        self._cell = np.zeros((n_loc, 5))  # per row: att, c, upwind row (-1: none), cell length, mu_bar
        self._cell[:, 2] = -1
        self._scatter_local = {}
        for i in range(self.node_lo, self.node_hi):
            js, ds_, _ = idx.local_directions(i)
            base = int(idx.offset[i])
            s = scatter[i]
            dense = None
            if s is not None:
                dense = s.toarray() if hasattr(s, "toarray") else np.asarray(s)
            inj = None if surface is None else surface.get(i)
            if dense is not None:
                self._scatter_local[i] = dense
            for r, (j, d) in enumerate(zip(js, ds_)):
                row = base + r
                st = self._streaming(i, int(j), int(d), kappa_per_cm)
                if st is None and self._is_reflection_row(i, int(j), int(d)):
                    A.setValues([row], [row, int(idx.index(i, j, -d))], [1.0, -1.0], addv=PETSc.InsertMode.ADD_VALUES)
                    continue
                # local equilibrium (ends): kappa Phi - S Phi = q, divided by kappa (a well-scaled pivot;
                # no collisions at all: the incoming flux is 0); streaming rows: scaled by c
                if st is None:
                    kap = kappa_per_cm[i]
                    att, c, up = (0.0, 1.0 / kap, None) if kap > 0 else (0.0, 0.0, None)
                else:
                    att, c, up = st
                cols = [row]
                vals = [1.0]
                if dense is not None:
                    for col in np.flatnonzero(dense[r]):
                        if col == r:
                            vals[0] -= c * dense[r, r]
                        else:
                            cols.append(base + int(col))
                            vals.append(-c * dense[r, col])
                if up is not None:
                    cols.append(int(idx.index(up, j, d)))
                    vals.append(-att)
                    ds_cell = self.ds_cm[min(i, up)]
                    mu_bar = 0.5 * (self.mu[i][j - g.first_mu0[i]] + self.mu[up][j - g.first_mu0[up]])
                    self._cell[row - self.row_lo] = (att, c, cols[-1], ds_cell, mu_bar)
                    if inj is not None:
                        rhs_surface[row - self.row_lo] += inj[r]
                self._row_scale[row - self.row_lo] = c
                A.setValues([row], cols, vals, addv=PETSc.InsertMode.ADD_VALUES)
        A.assemble()
        return A, rhs_surface

    def _is_reflection_row(self, i, j, d) -> bool:
        g = self.grid
        m = g.mirror_node[j]
        return self._streaming(i, j, d) is None and m >= 0 and (i == m or i == g.ns - 1 - m)

    def solve(self, kappa_per_cm, scatter, source, surface=None):
        """Phi of this level, as the full vector on every rank (collective).

        ``source`` is the full-length vector q (only the owned rows are read); reflection rows
        get 0 whatever it holds.
        """
        A, rhs_surface = self.assemble(kappa_per_cm, scatter, surface)
        self._kappa = np.asarray(kappa_per_cm, dtype=float)
        self._source = np.asarray(source, dtype=float)
        b = A.createVecLeft()
        q = self._row_scale * np.asarray(source[self.row_lo:self.row_hi], dtype=float) + rhs_surface
        b.setArray(q)
        x = A.createVecRight()
        ksp = PETSc.KSP().create(comm=self.comm)
        ksp.setOptionsPrefix(self.prefix)
        ksp.setOperators(A)
        ksp.setType("preonly")
        pc = ksp.getPC()
        pc.setType("lu")
        pc.setFactorSolverType("mumps")  # pivoting LU (PETSc's own LU does not pivot)
        ksp.setFromOptions()
        ksp.solve(b, x)
        self.last_iterations = ksp.getIterationNumber()
        reason = ksp.getConvergedReason()
        if reason < 0:
            raise RuntimeError(f"fieldline level solve failed: KSP reason {reason}")
        local = x.getArray().copy()
        counts = self.comm.allgather(local.size)
        full = np.empty(self.idx.n)
        self.comm.Allgatherv(local, [full, counts])
        for obj in (ksp, A, b, x):
            obj.destroy()
        return full

    def cell_means(self, phi):
        """Mean flux over the upwind cell of every row (0 on rows without a cell), and the cell lengths (cm).

        For the exponential step with constant extinction kappa and source s = (S Phi)_i + q_i in
        the cell, int kappa Phi dx = mu_bar Phi_up (1 - e^-tau) + s (ds - c mu_bar); the mean flux
        is that over kappa ds (kappa > 0), else the mean of the two end values. Collision rates
        computed from these means balance the transport exactly: the flux lost along a line in a
        cell equals what the collisions in that cell remove minus what they put back.
        Collective (the result is the full vector on every rank).
        """
        idx = self.idx
        n_loc = self.row_hi - self.row_lo
        mean = np.zeros(n_loc)
        length = np.zeros(n_loc)
        for i in range(self.node_lo, self.node_hi):
            a, b = int(idx.offset[i]), int(idx.offset[i + 1])
            s = self._source[a:b].copy()
            if i in self._scatter_local:
                s += self._scatter_local[i] @ phi[a:b]
            kap = self._kappa[i]
            for r in range(b - a):
                att, c, up, ds, mu_bar = self._cell[a + r - self.row_lo]
                if up < 0:
                    continue
                phi_up = phi[int(up)]
                if kap > 0:
                    mean[a + r - self.row_lo] = (mu_bar * phi_up * (1.0 - att) + s[r] * (ds - c * mu_bar)) / (kap * ds)
                else:
                    mean[a + r - self.row_lo] = 0.5 * (phi_up + phi[a + r])
                length[a + r - self.row_lo] = ds
        counts = self.comm.allgather(n_loc)
        full_mean = np.empty(idx.n)
        full_len = np.empty(idx.n)
        self.comm.Allgatherv(mean, [full_mean, counts])
        self.comm.Allgatherv(length, [full_len, counts])
        return full_mean, full_len
