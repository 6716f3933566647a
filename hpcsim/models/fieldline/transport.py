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
  at its node: Phi_i - e^-tau Phi_up - ... = F + ... (the flux leaving the node gains F);
* a cut between node i_c and its equator-side neighbour (``cuts``): the rows on either side that
  would take their upwind value across the cut instead reflect (Phi = Phi of the opposite
  direction at the same node: a potential barrier) or are held at zero (an absorbing boundary),
  plus any surface injection.

Local direction ordering at node i: for j = first_mu0[i] .. nm-1 (ascending mu0) the pair
(d = +1, d = -1); global index offset[i] + 2 (j - first_mu0[i]) + (0 or 1). Rows are
distributed over ranks in contiguous blocks of nodes (field-line segments).

Solver: PETSc KSP; default a direct LU with pivoting (MUMPS, also on one rank); any
KSP/PC can be selected with PETSc options (``-fl_ksp_type gmres -fl_pc_type bjacobi``).
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

from hpcsim.models.fieldline.grid import FieldLineGrid
from hpcsim.parallel import block_range


class DirectionIndex:
    """Index maps between (node, mu0, direction) and the unknown vector."""

    def __init__(self, grid: FieldLineGrid):
        self.grid = grid
        counts = 2 * (grid.nm - grid.first_mu0)
        self.offset = np.concatenate(([0], np.cumsum(counts)))
        self.n = int(self.offset[-1])
        self._topology: dict = {}   # the lines at each node do not change with the grid's angles

    def index(self, i: int, j, d):
        """Global index of node i, mu0 index j (array ok), direction d (+1/-1)."""
        return self.offset[i] + 2 * (np.asarray(j) - self.grid.first_mu0[i]) + np.where(np.asarray(d) > 0, 0, 1)

    def local_directions(self, i: int):
        """(j, d, signed local mu) of node i in local order."""
        j, d = self.topology(i)
        return j, d, np.repeat(self.grid.local_mu(i), 2) * d

    def topology(self, i: int):
        """(j, d) of node i in local order: mu0 index and direction of each local unknown."""
        cached = self._topology.get(i)
        if cached is None:
            g = self.grid
            cached = self._topology[i] = (np.repeat(np.arange(g.first_mu0[i], g.nm), 2),
                                          np.tile([1, -1], g.nm - g.first_mu0[i]))
        return cached


class LevelSolver:
    """Assembles and solves one energy level; reusable for many levels of the same grid."""

    def __init__(self, grid: FieldLineGrid, comm, ksp_prefix: str = "fl_", cuts: dict | None = None):
        self.comm = comm
        self.idx = DirectionIndex(grid)
        self.node_lo, self.node_hi = block_range(grid.ns, comm.Get_size(), comm.Get_rank())
        self.row_lo, self.row_hi = int(self.idx.offset[self.node_lo]), int(self.idx.offset[self.node_hi])
        self.ds_cm = np.diff(grid.s_km) * 1e5
        self.prefix = ksp_prefix
        self.last_iterations = 0
        self.stats: dict = {}
        self._A = self._ksp = None
        self.new_patterns = 0  # matrices built from scratch (a new nonzero pattern); the others reuse it
        self._indptr = self._cols = None
        self.set_grid(grid, cuts)

    def set_grid(self, grid: FieldLineGrid, cuts: dict | None = None, kinetic_eV=None, rows=None) -> None:
        """Use the geometry of ``grid`` (same lines as the constructor's, e.g. one level's grid in
        a parallel electric field), its ``cuts`` and, if given, the kinetic energy of the level's
        electrons at each node (eV): Phi / E is then what is constant along an unperturbed orbit
        (Liouville), so the upwind value enters scaled by E_i / E_up. Nodes the grid marks as not
        accessible are held at zero. ``rows``: :meth:`row_geometry` of this grid and cuts if the
        caller has it already."""
        if grid.ns != self.idx.grid.ns or not np.array_equal(grid.first_mu0, self.idx.grid.first_mu0):
            raise ValueError("set_grid: the grid must have the same nodes and lines")
        self.grid = grid
        self.idx.grid = grid
        self.cuts = dict(cuts or {})
        for i, kind in self.cuts.items():
            if kind not in ("reflecting", "absorbing"):
                raise ValueError(f"cut at node {i}: kind must be 'reflecting' or 'absorbing', got {kind!r}")
            if not 0 < i < grid.ns - 1 or i == grid.ns // 2:
                raise ValueError(f"cut at node {i}: must be an inner node off the equator")
        self.mu = [grid.local_mu(i) for i in range(grid.ns)]
        *self._geom, self._fixed = self.row_geometry(grid, self.cuts) if rows is None else rows
        node, up = self._geom[0], self._geom[1]
        # E_i / E_up per row: 1 without a kinetic energy (and on rows without an upwind cell)
        self._energy_ratio = np.ones(node.size)
        if kinetic_eV is not None:
            kin = np.asarray(kinetic_eV, dtype=float)
            has_up = up >= 0
            self._energy_ratio[has_up] = kin[node[has_up]] / kin[node[up[has_up]]]

    # -- geometry of the rows (fixed for a grid) ---------------------------------------
    def row_geometry(self, g: FieldLineGrid, cuts: dict):
        """Per global row of grid ``g`` with ``cuts``: node, upwind row (-1: none), mu_bar and
        length of the upwind cell, the reflection partner (the other direction at a mirror
        point; -1: none) and whether the row is held at zero. Does not change the solver."""
        idx = self.idx
        mu_nodes = [g.local_mu(i) for i in range(g.ns)]
        n = idx.n
        node = np.repeat(np.arange(g.ns), np.diff(idx.offset))
        up_row = np.full(n, -1)
        mu_bar = np.zeros(n)
        ds = np.zeros(n)
        partner = np.full(n, -1)
        for i in range(g.ns):
            j, d = idx.topology(i)
            rows = idx.offset[i] + np.arange(j.size)
            up = i - d
            inside = (up >= 0) & (up < g.ns)
            allowed = np.zeros(j.size, dtype=bool)
            allowed[inside] = j[inside] >= g.first_mu0[up[inside]]
            for u in (i - 1, i + 1):  # the upwind node of the rows heading away from u
                sel = np.flatnonzero(allowed & (up == u))
                if sel.size:
                    up_row[rows[sel]] = idx.offset[u] + 2 * (j[sel] - g.first_mu0[u]) + np.where(d[sel] > 0, 0, 1)
                    mu_bar[rows[sel]] = 0.5 * (mu_nodes[i][j[sel] - g.first_mu0[i]]
                                               + mu_nodes[u][j[sel] - g.first_mu0[u]])
                    ds[rows[sel]] = self.ds_cm[min(i, u)]
            m = g.mirror_node[j]
            mirror = ~allowed & (m >= 0) & ((i == m) | (i == g.ns - 1 - m))
            partner[rows[mirror]] = rows[mirror] + np.where(d[mirror] > 0, 1, -1)
        fixed = np.zeros(n, dtype=bool)  # rows held at 0 (plus any surface injection)
        if g.accessible is not None:
            gone = ~g.accessible[node]
            up_row[gone], mu_bar[gone], ds[gone], partner[gone] = -1, 0.0, 0.0, -1
            fixed[gone] = True
        for i_c, kind in cuts.items():
            i_m = self.cut_neighbour(i_c)
            for i, other in ((i_c, i_m), (i_m, i_c)):
                rows = idx.offset[i] + np.arange(idx.offset[i + 1] - idx.offset[i])
                sel = rows[(up_row[rows] >= 0) & (node[np.maximum(up_row[rows], 0)] == other)]
                up_row[sel], mu_bar[sel], ds[sel] = -1, 0.0, 0.0
                if kind == "reflecting":
                    d = idx.topology(i)[1][sel - idx.offset[i]]
                    partner[sel] = sel + np.where(d > 0, 1, -1)
                else:
                    fixed[sel] = True
        # a line that reaches a reflecting cut only at its own mirror node has two reflection rows
        # and nothing else there (Phi+ = Phi- twice): it carries nothing, hold it at zero
        rows = np.arange(n)
        mate = np.maximum(partner, 0)
        lone = (partner >= 0) & (up_row < 0) & (partner[mate] == rows) & (up_row[mate] < 0)
        partner[lone], fixed[lone] = -1, True
        return node, up_row, mu_bar, ds, partner, fixed

    def cut_neighbour(self, i_c: int) -> int:
        """The node on the equator side of a cut at node ``i_c``."""
        return i_c - 1 if i_c > self.grid.ns // 2 else i_c + 1

    def row_mu_bar(self) -> np.ndarray:
        """Mean local |mu| of each row over its upwind cell (0: the row has none)."""
        return self._geom[2].copy()

    def upwind_node(self) -> np.ndarray:
        """Node of each row's upwind neighbour (-1: the row has no upwind cell)."""
        node, up, _, _, _ = self._geom
        return np.where(up >= 0, node[np.maximum(up, 0)], -1)

    # -- assembly -------------------------------------------------------------------
    def _coefficients(self, kappa_per_cm):
        """att = e^-tau and c of every owned row (see the module docstring)."""
        lo, hi = self.row_lo, self.row_hi
        node, up, mub, ds, partner = (a[lo:hi] for a in self._geom)
        kap = np.asarray(kappa_per_cm, dtype=float)[node]
        has_up = up >= 0
        safe_mu = np.where(mub > 0, mub, 1.0)
        tau = np.where(has_up, kap * ds / safe_mu, 0.0)
        att = np.where(has_up, np.exp(-tau), 0.0)
        safe_kap = np.where(kap > 0, kap, 1.0)
        c_stream = np.where(tau < 1e-8, ds / safe_mu * (1.0 - 0.5 * tau), -np.expm1(-tau) / safe_kap)
        c_end = np.where((kap > 0) & ~self._fixed[lo:hi], 1.0 / safe_kap, 0.0)
        c = np.where(has_up, c_stream, np.where(partner >= 0, 0.0, c_end))
        return att, c

    def assemble(self, kappa_per_cm, scatter, surface=None):
        """The matrix of this level (collective), built as local CSR. ``scatter[i]`` is a dense or
        scipy sparse matrix on node i's local directions (or None); ``surface`` maps node ->
        (n_local,) injected flux."""
        idx = self.idx
        lo, hi = self.row_lo, self.row_hi
        n_loc = hi - lo
        _, up, _, _, partner = (a[lo:hi] for a in self._geom)
        att, c = self._coefficients(kappa_per_cm)
        self._att, self._row_scale = att, c
        up_coef = att * self._energy_ratio[lo:hi]    # the upwind value enters at node i's energy
        self._scatter_local = {}
        rhs_surface = np.zeros(n_loc)
        all_r, all_c, all_v = [], [], []
        for i in range(self.node_lo, self.node_hi):
            a, b = int(idx.offset[i]) - lo, int(idx.offset[i + 1]) - lo
            k = b - a
            s = scatter[i]
            block = np.eye(k)
            if s is not None:
                dense = s.toarray() if hasattr(s, "toarray") else np.asarray(s, dtype=float)
                self._scatter_local[i] = dense
                block = block - c[a:b, None] * dense
            refl = np.flatnonzero(partner[a:b] >= 0)
            if refl.size:
                block[refl, :] = 0.0
                block[refl, refl] = 1.0
                block[refl, partner[a:b][refl] - lo - a] = -1.0
            rr, cc = np.nonzero(block)
            all_r.append(rr + a)
            all_c.append(cc + a + lo)
            all_v.append(block[rr, cc])
            has_up = np.flatnonzero(up[a:b] >= 0)
            all_r.append(has_up + a)
            all_c.append(up[a:b][has_up])
            all_v.append(-up_coef[a:b][has_up])
            inj = None if surface is None else surface.get(i)
            if inj is not None:  # added to the flux leaving the node in the injected directions
                rhs_surface[a:b] += np.asarray(inj, dtype=float)
        rows = np.concatenate(all_r) if all_r else np.zeros(0, dtype=int)
        cols = np.concatenate(all_c) if all_c else np.zeros(0, dtype=int)
        vals = np.concatenate(all_v) if all_v else np.zeros(0)
        order = np.lexsort((cols, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n_loc)))).astype(PETSc.IntType)
        cols = cols.astype(PETSc.IntType)
        same = (self._A is not None and np.array_equal(indptr, self._indptr) and np.array_equal(cols, self._cols))
        if self.comm.allreduce(int(same), op=MPI.MIN):
            self._A.setValuesCSR(indptr, cols, vals)
            self._A.assemble()
        else:
            self._release()
            self._A = PETSc.Mat().createAIJ(((n_loc, idx.n), (n_loc, idx.n)), csr=(indptr, cols, vals),
                                            comm=self.comm)
            self._A.assemble()
            self._indptr, self._cols = indptr, cols
            self.new_patterns += 1
        return self._A, rhs_surface

    def _release(self):
        """Drop the kept matrix and solver (a new nonzero pattern)."""
        for name in ("_ksp", "_A"):
            obj = getattr(self, name)
            if obj is not None:
                obj.destroy()
            setattr(self, name, None)

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
        if self._ksp is None:
            ksp = self._ksp = PETSc.KSP().create(comm=self.comm)
            ksp.setOptionsPrefix(self.prefix)
            ksp.setType("preonly")
            pc = ksp.getPC()
            pc.setType("lu")
            pc.setFactorSolverType("mumps")  # pivoting LU (PETSc's own LU does not pivot)
            ksp.setFromOptions()
        ksp = self._ksp
        pc = ksp.getPC()
        ksp.setOperators(A)  # same pattern: PETSc redoes the numeric factorisation only
        ksp.solve(b, x)
        self.last_iterations = ksp.getIterationNumber()
        reason = ksp.getConvergedReason()
        if reason < 0:
            raise RuntimeError(f"fieldline level solve failed: KSP reason {reason}")
        r = b.duplicate()
        A.mult(x, r)
        r.axpy(-1.0, b)
        b_norm = b.norm()
        self.stats = {"ksp_type": ksp.getType(), "pc_type": pc.getType(),
                      "factor_solver": pc.getFactorSolverType(), "iterations": self.last_iterations,
                      "relative_residual": r.norm() / b_norm if b_norm > 0 else 0.0,
                      "nonzeros": int(A.getInfo(PETSc.Mat.InfoType.GLOBAL_SUM)["nz_used"])}
        r.destroy()
        full = self._gather_rows(x.getArray())
        for obj in (b, x):
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
        lo, hi = self.row_lo, self.row_hi
        node, up, mub, ds, _ = (a[lo:hi] for a in self._geom)
        s = self._source[lo:hi].copy()
        for i, dense in self._scatter_local.items():
            a, b = int(idx.offset[i]), int(idx.offset[i + 1])
            s[a - lo:b - lo] += dense @ phi[a:b]
        has_up = up >= 0
        kap = self._kappa[node]
        phi_up = np.where(has_up, phi[np.maximum(up, 0)], 0.0)
        phi_up = phi_up * self._energy_ratio[lo:hi]   # the upwind value seen at node i's energy
        safe = np.where((kap > 0) & has_up, kap * ds, 1.0)
        mean = np.where(kap > 0, (mub * phi_up * (1.0 - self._att) + s * (ds - self._row_scale * mub)) / safe,
                        0.5 * (phi_up + phi[lo:hi]))
        mean = np.where(has_up, mean, 0.0)
        length = np.where(has_up, ds, 0.0)
        return self._gather_rows(mean), self._gather_rows(length)

    def _gather_rows(self, local) -> np.ndarray:
        """The full row vector on every rank from each rank's owned rows (collective)."""
        local = np.ascontiguousarray(local, dtype=float)
        counts = self.comm.allgather(local.size)
        full = np.empty(self.idx.n)
        self.comm.Allgatherv(local, [full, counts])
        return full
