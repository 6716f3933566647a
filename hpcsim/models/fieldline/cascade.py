"""Superthermal-electron flux on the whole line, energy level by energy level (paper 000, eq. 1).

Energy is only ever lost, so the steady kinetic equation (and each backward-Euler step of the
time-dependent one) is solved from the top energy level down: each level is a
transport-scattering problem in (s, mu0) (:mod:`.transport`) whose sources are the electrons
that earlier (higher) levels sent down by collisions. What each
process does at level k (energy E_k, width dE_k), per node:

* **Coulomb energy loss** on thermal electrons (eq. 2, reconstructed in docs/physics/fieldline.md):
  dE/ds = -A n_e / E, A = 2.6e-12 eV^2 cm^2. Discretised as a flux in energy to the next
  lower level (first-order upwind in E): extinction A n_e / (E_k dE_k), the electrons keep their
  direction; the energy E_k - E_{k-1} per electron heats the thermal electrons.
* **Coulomb pitch-angle diffusion** (eq. 2): (A n_e / (2 E^2)) d/dmu (1 - mu^2) dPhi/dmu
  (electrons and ions, n_e = n_i), a conservative finite-volume operator on the node's local
  directions.
* **Ionisation** of N2, O2, O (eqs. 4-5): extinction n sigma_ion(E); the secondary is born
  isotropic in the level of its energy E2 (distribution of
  :func:`hpcsim.physics.electron_impact.secondary_distribution`, binned), the primary keeps
  its direction and continues at E - I - E2, split between the two levels around it so that
  its energy is kept exactly (I: the channel-weighted threshold of the species at E).
* **Excitation** of N2, O2, O (eq. 4): extinction n sigma_j(E) per state; the electron keeps its
  direction and continues at E - W_j, split between the two levels around it like the degraded
  primaries; W_j per event goes to the excitation budget.
* **Elastic scattering** on N2, O2, O (eq. 3): the total cross section of the Solomon et al.
  (1988) compilation with a screened-Rutherford phase function (Moliere screening),
  azimuthally averaged on the node's directions. Like the
  Coulomb angular diffusion it enters as a net operator (in minus out) on the node values, not
  through the extinction: extinction and re-emission then balance exactly in the bookkeeping
  (with out-scattering in the extinction the exponential step would remove electrons at the
  cell-mean flux and put them back at the smaller node value in optically thick cells).

Weights: each direction (mu0 line) at a node has a solid-angle weight W (for J), a flux
weight F = int mu dmu over its mu0 cell (F x flux-tube area is the same all along the line) and,
per row, a residence weight Wc = F / mu_bar over its upwind cell, which weighs collisions,
angular operators, isotropic emission and the bookkeeping (:mod:`.grid`, docs/physics/fieldline.md).

Electrons that fall below the lowest level are thermalised (their energy heats the thermal
electrons). The bookkeeping (:class:`Budget`) records, in eV cm^-2 s^-1 per unit area at the
foot of the line (flux-tube area ~ 1/B), what enters (surface injection, volume sources) and
where it goes (Coulomb heating, ionisation thresholds, excitation, thermalisation, escape
through the two 90-km ends, absorbing cuts, energy not followed, change of the stored energy);
it closes to round-off because every transfer above is exactly conservative.

Cross sections: :mod:`hpcsim.physics.electron_impact` (the paper's Solomon et al. 1988 set by
default; hpcsim/data/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hpcsim.models.fieldline.grid import FieldLineGrid
from hpcsim.models.fieldline.transport import LevelSolver
from hpcsim.physics import electron_impact as ei

#: A = 2 pi e^4 ln(Lambda) of the paper's eq. (2), eV^2 cm^2
COULOMB_A_EV2_CM2 = 2.6e-12
#: electron speed per sqrt(energy): v = 5.931e7 cm/s sqrt(E / eV) (non-relativistic)
ELECTRON_SPEED_CM_S_PER_SQRT_EV = 5.931e7
#: neutral species, in the order of the rate arrays
SPECIES = ("N2", "O2", "O")


def energy_edges_eV(e_min: float = 1.0, e_max: float = 1.0e4, step_low_eV: float = 0.5, ratio: float = 1.05,
                    switch_eV: float = 10.0) -> np.ndarray:
    """Level edges: uniform ``step_low_eV`` up to ``switch_eV``, then geometric with ``ratio``."""
    low = np.arange(e_min, switch_eV, step_low_eV)
    n_high = int(np.ceil(np.log(e_max / switch_eV) / np.log(ratio)))
    high = switch_eV * ratio ** np.arange(n_high + 1)
    high[-1] = e_max
    return np.concatenate((low, high))


@dataclass
class Budget:
    """Energy flows, eV cm^-2 s^-1 per unit area at the line's foot (flux-tube normalised)."""

    injected: float = 0.0
    coulomb_heating: float = 0.0
    ionisation_thresholds: float = 0.0
    excitation: float = 0.0
    thermalised: float = 0.0
    absorbed_at_cuts: float = 0.0
    not_followed: float = 0.0
    stored_change: float = 0.0
    escaped_south: float = 0.0
    escaped_north: float = 0.0

    def residual(self) -> float:
        out = (self.coulomb_heating + self.ionisation_thresholds + self.excitation + self.thermalised
               + self.escaped_south + self.escaped_north + self.absorbed_at_cuts + self.not_followed
               + self.stored_change)
        return (self.injected - out) / self.injected if self.injected else 0.0


@dataclass
class CascadeState:
    """What a top-down solve carries from level to level (checkpointable).

    q_fwd: direction-keeping sources per unknown and level (flux-equation units);
    q_iso: isotropic sources per cell and level, cm^-3 s^-1 sr^-1 eV^-1; budget: energy flows;
    ionisation_rate, excitation_rate: events per cell (between nodes i and i + 1) summed over the
    levels solved so far, cm^-3 s^-1, one row per species of :data:`SPECIES` (excitation: all
    states of the species); level_mean: the cell-mean flux of each row of the level solved last
    (what a time step keeps for the next one).
    """

    q_fwd: np.ndarray
    q_iso: np.ndarray
    budget: Budget
    ionisation_rate: np.ndarray
    excitation_rate: np.ndarray
    level_mean: np.ndarray | None = None
    volume: np.ndarray | None = None     # isotropic volume source per level and cell, sr^-1


@dataclass
class _LevelGeometry:
    """What the weights of one level's grid are (one object for all levels without a potential).

    dirs: (j, d, signed mu) per node; W, F: solid-angle and flux weights per node (per local
    direction); len: length of each row's upwind cell per node (0: none); owner: the cell each
    row owns (-1: none); Wc: residence weights F / mu_bar per node; row_weight: 2 pi Wc x area
    per row; cell_volume: phase volume of each cell; row_measure: len x row_weight per row.
    """

    grid: FieldLineGrid
    cuts: dict
    kinetic: np.ndarray | None
    dirs: list
    W: list
    F: list
    len: list
    owner: np.ndarray
    Wc: list
    row_weight: np.ndarray
    cell_volume: np.ndarray
    row_measure: np.ndarray

    @classmethod
    def build(cls, cs, grid, cuts, kinetic):
        """From the solver's rows for ``grid`` (``cs.solver`` must hold that grid)."""
        idx, ns = cs.idx, grid.ns
        W, F, dirs = _direction_weights(idx, grid)
        m = _row_weights(cs, grid, cs.solver.upwind_node(), cs.solver.row_mu_bar(), np.concatenate(F))
        lengths = [m["row_len"][idx.offset[i]:idx.offset[i + 1]] for i in range(ns)]
        Wc = [m["wc"][idx.offset[i]:idx.offset[i + 1]] for i in range(ns)]
        return cls(grid=grid, cuts=dict(cuts), kinetic=kinetic, dirs=dirs, W=W, F=F, len=lengths, owner=m["owner"],
                   Wc=Wc, row_weight=m["row_weight"], cell_volume=m["cell_volume"], row_measure=m["row_measure"])


def _direction_weights(idx, grid):
    """Per node and local direction of ``grid``: W, the solid-angle weight (local |mu| width of the
    line's mu0 cell), F, the flux weight (int |mu| d|mu| over it; F x area is constant along a
    line, grid.flux_weights), and the directions (j, d, signed local mu)."""
    W = [np.repeat(grid.local_cell_widths(i), 2) for i in range(grid.ns)]
    F = _flux_weights(grid)
    dirs = []
    for i in range(grid.ns):
        j, d = idx.topology(i)
        dirs.append((j, d, np.repeat(grid.local_mu(i), 2) * d))
    return W, F, dirs


def _flux_weights(grid):
    """Flux weight F of each local direction (both signs of a line share it), per node of ``grid``."""
    return [np.repeat(grid.flux_weights(i), 2) for i in range(grid.ns)]


def _row_weights(cs, grid, up_node, mu_bar, f_rows) -> dict:
    """Cell ownership and weights of the rows of ``grid``: ``up_node`` (-1: no upwind cell) and
    ``mu_bar`` per row from the transport rows, ``f_rows`` the flux weight of each row."""
    ds = np.diff(grid.s_km) * 1e5
    # the cell each row owns (the one upwind of it): index of the cell's lower node, or -1
    owner = np.where(up_node >= 0, np.minimum(cs.node_of_row, up_node), -1)
    row_len = np.where(owner >= 0, ds[np.maximum(owner, 0)], 0.0)
    # residence weight of each row over its upwind cell: F / mu_bar (the time a line's particles
    # spend per unit length goes as 1/mu), so that mu_bar x Wc x area is constant along a line
    # and transport, collisions and the bookkeeping conserve exactly; 0 on rows without a cell
    wc = np.where((owner >= 0) & (mu_bar > 0), f_rows / np.where(mu_bar > 0, mu_bar, 1.0), 0.0)
    row_weight = 2.0 * np.pi * wc * cs.area[cs.node_of_row]   # sr x area per row
    # phase volume of each cell: sum over the rows that own it of length x 2 pi Wc x area
    cell_volume = np.bincount(owner[owner >= 0], weights=(row_len * row_weight)[owner >= 0],
                              minlength=grid.ns - 1)
    return {"owner": owner, "row_len": row_len, "wc": wc, "row_weight": row_weight, "cell_volume": cell_volume,
            "row_measure": row_len * row_weight}


class CascadeSolver:
    """All energy levels on one grid and background; ``solve`` returns Phi[level, unknown].

    Parameters
    ----------
    grid : FieldLineGrid
    densities : dict
        Node arrays, cm^-3: ``n_e`` and any of ``N2``, ``O2``, ``O``.
    edges_eV : ndarray
        Energy level edges, eV (ascending).
    comm : MPI communicator
    processes : tuple of str
        Any of "coulomb_energy", "coulomb_angle", "ionisation", "excitation", "elastic".
    ionisation_model : str, optional
        "jackman" (the paper's set, default of the data files) or "beb"
        (:mod:`hpcsim.physics.electron_impact`).
    elastic_screening_factor : float
        Factor on the Moliere screening parameter of the elastic phase function (1: as is).
    cuts : dict, optional
        node -> "reflecting" or "absorbing": a boundary between that node and its equator-side
        neighbour (:class:`~hpcsim.models.fieldline.transport.LevelSolver`); what an absorbing
        cut takes is the budget's ``absorbed_at_cuts``.
    secondaries : bool
        False: ionisation makes no secondary electrons (their energy is ``not_followed``; the
        paper's Fig. 5 blue case).
    cascading : bool
        False: electrons that excite or ionise are not followed to lower energies, and neither
        are their secondaries (``not_followed``; the paper's Fig. 8 black case). Coulomb energy
        loss, a continuous drag, is kept.
    elastic_treatment : str
        "integral": the paper's eq. (3) with the phase function; "diffusion": pitch-angle
        diffusion with coefficient sum n sigma_el / 2 added to the Coulomb one, as the STET code
        of the paper's lineage does (nasa/PWOM srcSTET, ModSeState.f90).
    potential_eV : ndarray (ns,), optional
        Potential energy U(s) of an electron in a parallel electric field (eV; 0 at and below
        s1, symmetric; :mod:`.potential`). The levels are then total energies W = E + U: each
        level has its own grid (:meth:`FieldLineGrid.with_kinetic_energy`: local pitch angles,
        weights, turning-point cuts), transport carries Phi / E along the orbits, the Coulomb
        terms use the local kinetic energy E = W - U, and transfers between levels convert
        between the two levels' row measures. Collisions with neutrals above s1 (densities
        below ~1e6 cm^-3 there) are left out, so that every collision that changes the energy
        happens where U = 0 or is Coulomb. Electrons moved to a level on a row that level
        cannot reach (beyond its turning point) are counted as thermalised.
    """

    def __init__(self, grid: FieldLineGrid, densities: dict, edges_eV, comm,
                 processes=("coulomb_energy", "coulomb_angle", "ionisation", "excitation", "elastic"),
                 ionisation_model: str | None = None, elastic_screening_factor: float = 1.0,
                 cuts: dict | None = None, secondaries: bool = True, cascading: bool = True,
                 elastic_treatment: str = "integral", potential_eV=None):
        self.grid, self.comm = grid, comm
        if elastic_treatment not in ("integral", "diffusion"):
            raise ValueError(f"elastic_treatment must be 'integral' or 'diffusion', got {elastic_treatment!r}")
        self.elastic_treatment = elastic_treatment
        self.secondaries, self.cascading = bool(secondaries), bool(cascading)
        self.ionisation_model = ionisation_model
        self.screening_factor = float(elastic_screening_factor)
        self.dens = densities
        self.edges = np.asarray(edges_eV, dtype=float)
        self.E = 0.5 * (self.edges[1:] + self.edges[:-1])
        self.dE = np.diff(self.edges)
        self.nE = self.E.size
        self.processes = tuple(processes)
        if "coulomb_energy" not in self.processes:
            raise ValueError("coulomb_energy is required: without a loss the closed trapped mu0 lines of the "
                             "plasmasphere make the level problem singular")
        self.solver = LevelSolver(grid, comm, cuts=cuts)
        self.idx = self.solver.idx
        self.base_grid = grid
        self.config_cuts = dict(cuts or {})
        ns = grid.ns
        ds = np.diff(grid.s_km) * 1e5
        self.node_len_cm = 0.5 * (np.concatenate(([0.0], ds)) + np.concatenate((ds, [0.0])))
        self.area = grid.b_ratio[grid.i_s1_south] / grid.b_ratio  # flux-tube area relative to the ionosphere (1 / B)
        self.species = [s for s in SPECIES if s in densities]
        self.node_of_row = np.repeat(np.arange(ns), np.diff(self.idx.offset))
        self.U = None if potential_eV is None else np.asarray(potential_eV, dtype=float)
        # nodes whose angular geometry is the same at every level (all without a potential;
        # with one, those strictly below s1, where U = 0 and B is homogeneous)
        self._fixed_geometry = np.ones(ns, dtype=bool)
        if self.U is not None:
            if self.U.shape != (ns,) or np.any(self.U < 0):
                raise ValueError("potential_eV must be one value >= 0 per node")
            self._fixed_geometry = grid.altitude_km < grid.s1_km - 1e-6
            above = self.U > 0
            self.dens = {key: (np.where(above, 0.0, v) if key in SPECIES else v) for key, v in densities.items()}
        self._geo_cache: dict = {}
        self._measure_cache: dict = {}
        self._weights_cache = (None, None)
        self._grid_cache: dict = {}
        self._rows_cache: dict = {}
        self._current = None
        self._level = None
        self._coulomb_cache = {}
        self._use_geometry(self._geometry(None))
        self._tables = {}   # per level: ionisation, excitation and elastic tables (they depend on k only)
        self._cos_cache = {}

    # -- geometry of a level --------------------------------------------------------------
    def kinetic_energy(self, k: int):
        """Kinetic energy of level k's electrons: E_k (no potential) or E_k - U(s) per node, eV."""
        return self.E[k] if self.U is None else self.E[k] - self.U

    def _geometry(self, k):
        """Row geometry and weights of level k (``None``: the base grid, used by every level
        without a potential); the last few levels are kept."""
        key = None if self.U is None or k is None else k
        geo = self._geo_cache.get(key)
        if geo is not None:
            return geo
        grid, cuts, kin = self._level_grid(key)
        rows = self._rows_cache.pop(key, None)
        self.solver.set_grid(grid, cuts, kin, rows)
        geo = _LevelGeometry.build(self, grid, cuts, kin)
        if key is not None:
            self._measure_cache.setdefault(key, (geo.row_measure, geo.cell_volume))
        if len(self._geo_cache) >= 4:
            self._geo_cache.pop(next(iter(self._geo_cache)))
        self._geo_cache[key] = geo
        self._level = key
        return geo

    def _level_grid(self, k):
        """(grid, cuts, kinetic energy per node or None) of level k (``None``: the base grid)."""
        if k is None:
            return self.base_grid, dict(self.config_cuts), None
        cached = self._grid_cache.get(k)
        if cached is None:
            kin = self.kinetic_energy(k)
            grid, turning = self.base_grid.with_kinetic_energy(kin)
            cached = self._grid_cache[k] = (grid, {**{i: "reflecting" for i in turning}, **self.config_cuts}, kin)
        return cached

    def level_weights(self, k: int):
        """(W, F, dirs) of level k per node (solid-angle weights, flux weights, (j, d, signed mu)),
        from the level's grid alone (the solver is not touched)."""
        if self.U is None or k == self._current:
            return self.W, self.F, self.dirs
        if self._weights_cache[0] == k:
            return self._weights_cache[1]
        weights = _direction_weights(self.idx, self._level_grid(k)[0])
        self._weights_cache = (k, weights)
        return weights

    def level_grid(self, k: int) -> FieldLineGrid:
        """The grid of level k (the base grid without a potential)."""
        return self.base_grid if self.U is None else self._level_grid(k)[0]

    def _measures(self, k: int):
        """(row measure, cell volume) of level k, kept for every level (what transfers into a
        level need; computed without switching the solver)."""
        m = self._measure_cache.get(k)
        if m is None:
            grid, cuts, _ = self._level_grid(k)
            rows = self.solver.row_geometry(grid, cuts)
            self._rows_cache[k] = rows         # kept until the level is solved (then its geometry is built)
            node, up_row, mu_bar, _, _, _ = rows
            up_node = np.where(up_row >= 0, node[np.maximum(up_row, 0)], -1)
            f_rows = np.concatenate(_flux_weights(grid))
            w = _row_weights(self, grid, up_node, mu_bar, f_rows)
            m = self._measure_cache[k] = (w["row_measure"], w["cell_volume"])
        return m

    def _use_geometry(self, geo: "_LevelGeometry") -> None:
        self.geo = geo
        self.grid = geo.grid
        self.dirs, self.W, self.F, self.len, self.Wc = geo.dirs, geo.W, geo.F, geo.len, geo.Wc
        self.owner, self.row_weight, self.cell_volume = geo.owner, geo.row_weight, geo.cell_volume

    def use_level(self, k: int) -> None:
        """Make level k's geometry current (solver, weights, directions)."""
        key = None if self.U is None else k
        self._current = key
        geo = self._geometry(key)
        if self._level != key:
            self.solver.set_grid(geo.grid, geo.cuts, geo.kinetic)
            self._level = key
        self._use_geometry(geo)

    # -- helpers -----------------------------------------------------------------------
    def omni(self, phi, i):
        """int Phi dOmega at node i (cm^-2 s^-1 eV^-1) from the level vector ``phi``."""
        a, b = self.idx.offset[i], self.idx.offset[i + 1]
        return 2.0 * np.pi * float(np.dot(self.W[i], phi[a:b]))

    def flux_through(self, phi, i, direction):
        """Number flux (per eV) through node i in ``direction`` (+1 north, -1 south), per cm^2 there."""
        a, b = self.idx.offset[i], self.idx.offset[i + 1]
        j, d, mu = self.dirs[i]
        sel = d == direction
        return 2.0 * np.pi * float(np.sum(self.F[i][sel] * phi[a:b][sel]))

    def _level_of(self, energy):
        """Split an energy between the two level centres around it: (k_lo, k_hi, w_hi); k_lo = -1 below."""
        k_hi = int(np.searchsorted(self.E, energy))
        if k_hi == 0:
            return -1, 0, energy / self.E[0]
        if k_hi >= self.nE:
            return self.nE - 1, self.nE - 1, 1.0
        w_hi = (energy - self.E[k_hi - 1]) / (self.E[k_hi] - self.E[k_hi - 1])
        return k_hi - 1, k_hi, w_hi

    def _absorbed_at_cut(self, phi, i_c):
        """Number flux (per eV, per unit area at the foot) that reaches an absorbing cut at node i_c
        from both sides: from i_m (the equator-side neighbour) only along the lines that continue
        to i_c (a line mirroring at i_m reflects there)."""
        i_m = self.solver.cut_neighbour(i_c)
        toward_m, toward_c = (1 if i_m > i_c else -1), (1 if i_c > i_m else -1)
        j, d, _ = self.dirs[i_m]
        a = self.idx.offset[i_m]
        go = (d == toward_c) & (j >= self.grid.first_mu0[i_c])
        from_m = 2.0 * np.pi * float(np.sum(self.F[i_m][go] * phi[a:a + j.size][go]))
        return self.flux_through(phi, i_c, toward_m) * self.area[i_c] + from_m * self.area[i_m]

    # -- per-level operators -------------------------------------------------------------
    def _coulomb_angle(self, i, energy):
        """Pitch-angle diffusion (A n_e / 2E^2) d/dmu (1 - mu^2) dPhi/dmu on node i's directions
        (``energy``: the kinetic energy there).

        Finite volumes in signed mu; the volume of direction r is Wc_r l_r (residence weight times
        the length of its upwind cell), and the flux between neighbours a, b is weighted by
        (l_a + l_b)/2, so that sum_r Wc_r l_r (S Phi)_r = 0 exactly. The geometric part is built
        once per node (:meth:`_coulomb_angle_unit`); the energy enters only through the factor.
        """
        return (COULOMB_A_EV2_CM2 * self.dens["n_e"][i] / (2.0 * energy**2)) * self._coulomb_angle_unit(i)

    def _coulomb_angle_unit(self, i):
        """d/dmu (1 - mu^2) d/dmu on node i's directions (the factor A n_e / 2E^2 left out); cached."""
        cached = self._coulomb_cache.get(i) if self._fixed_geometry[i] else None
        if cached is not None:
            return cached
        _, _, mu = self.dirs[i]
        K = mu.size
        S = np.zeros((K, K))
        vol = self.Wc[i] * self.len[i]
        # neighbours in signed mu among the rows that hold electrons (rows without a cell - the
        # reflection row of a line at its mirror node, the incoming rows at the 90-km ends - are
        # left out, so the chain runs through the mirroring line's mu = 0 instead of stopping there)
        live = np.flatnonzero(vol > 0)
        order = live[np.argsort(mu[live], kind="stable")]
        a, b = order[:-1], order[1:]
        gap = mu[b] - mu[a]
        ok = gap > 1e-12
        a, b, gap = a[ok], b[ok], gap[ok]
        me = 0.5 * (mu[a] + mu[b])
        g = (1.0 - me * me) / gap * 0.5 * (self.len[i][a] + self.len[i][b])
        np.add.at(S, (a, b), g / vol[a])
        np.add.at(S, (a, a), -g / vol[a])
        np.add.at(S, (b, a), g / vol[b])
        np.add.at(S, (b, b), -g / vol[b])
        if self._fixed_geometry[i]:
            self._coulomb_cache[i] = S
        return S

    def _elastic_level(self, energy):
        """[(species, total elastic cross section cm^2, screening parameter eta)] at ``energy``."""
        out = []
        for sp in self.species:
            sigma = float(ei.elastic_cross_section_cm2(sp, energy))
            if np.isfinite(sigma) and sigma > 0:
                eta = self.screening_factor * float(
                    ei.screening_parameter(energy, ei.load_species(sp)["target"]["atomic_number"]))
                out.append((sp, sigma, eta))
        return out

    def _cos_scatter(self, i):
        """cos(scattering angle) between node i's directions, over 32 azimuths (K, K, 32); cached."""
        cached = self._cos_cache.get(i)
        if cached is None:
            mu = self.dirs[i][2]
            sin = np.sqrt(np.clip(1.0 - mu**2, 0.0, 1.0))
            phi_az = np.linspace(0.0, 2.0 * np.pi, 33)[:-1]
            cached = mu[:, None, None] * mu[None, :, None] + (sin[:, None] * sin[None, :])[:, :, None] * np.cos(phi_az)
            self._cos_cache[i] = cached
        return cached

    def _elastic(self, i, level):
        """In-scatter matrix of elastic collisions on node i's directions, per cm.

        ``level``: :meth:`_elastic_level` of the energy. Phase function: azimuthal average of the
        screened-Rutherford shape 1/(1 - cos(theta) + 2 eta)^2 (the normalisation of the
        differential cross section drops out); column q is normalised so that
        sum_r Wc_r l_r K_rq = Wc_q l_q: what direction q loses over its cell, n sigma Phi_q Wc_q l_q,
        is what the other directions gain (exact conservation). Rows without a cell (incoming
        directions at the 90-km ends) receive nothing: below 90 km is absorbing.
        """
        W, ell = self.Wc[i], self.len[i]
        K = W.size
        total = np.zeros((K, K))
        shapes = {}
        for sp, sigma, eta in level:
            n = self.dens[sp][i]
            if not n > 0:
                continue
            kern = shapes.get(eta)
            if kern is None:
                p = (1.0 / (1.0 - self._cos_scatter(i) + 2.0 * eta) ** 2).mean(axis=2)
                p[ell <= 0, :] = 0.0
                norm = ((W * ell)[:, None] * p).sum(axis=0)
                kern = np.where(norm > 0, p * (W * ell)[None, :] / np.where(norm > 0, norm, 1.0), 0.0)
                shapes[eta] = kern
            total += n * sigma * kern
        return total

    def _level_tables(self, k):
        """(ionisation tables, excitation tables by species, elastic table) of level k; computed
        once per level and kept (a scan of cases or time steps solves each level many times)."""
        tables = self._tables.get(k)
        if tables is None:
            tables = self._tables[k] = ({sp: self._ionisation_table(sp, k) for sp in self.species},
                                        {sp: self._excitation_table(sp, k) for sp in self.species},
                                        self._elastic_level(self.E[k]))
        return tables

    def _excitation_table(self, sp, k):
        """[(threshold W, sigma)] of the excitation states of ``sp`` at level k (sigma > 0 only)."""
        thr = ei.thresholds_eV(sp)
        return [(thr[name], float(s)) for name, s in ei.excitation_cross_sections_cm2(sp, self.E[k]).items()
                if float(s) > 0]

    def _ionisation_table(self, sp, k):
        """(sigma_ion, threshold I, secondary fractions per level, thermalised fraction) at level k."""
        energy = self.E[k]
        chans = ei.ionisation_cross_sections_by_channel_cm2(sp, energy, model=self.ionisation_model)
        thr = ei.thresholds_eV(sp, model=self.ionisation_model)
        sig = sum(float(v) for v in chans.values())
        if not sig > 0:
            return 0.0, 0.0, None, 0.0
        threshold = sum(float(v) * thr[name] for name, v in chans.items()) / sig
        tmax = 0.5 * (energy - threshold)
        if tmax <= 0:
            return 0.0, 0.0, None, 0.0
        ks = np.flatnonzero(self.E < tmax)
        frac = np.zeros(self.nE)
        if ks.size:
            s = np.asarray(ei.secondary_distribution(sp, energy, self.E[ks], model=self.ionisation_model))
            frac[ks] = s * self.dE[ks]
        e_fine = np.linspace(0.0, min(self.edges[0], tmax), 64)
        below = float(np.trapz(np.asarray(ei.secondary_distribution(sp, energy, e_fine, model=self.ionisation_model)),
                               e_fine))
        total = frac.sum() + below
        if total <= 0:
            return 0.0, 0.0, None, 0.0
        return sig, threshold, frac / total, below / total

    # -- the solve -----------------------------------------------------------------------
    def start(self, volume_source=None) -> CascadeState:
        """Empty pending sources and budget for a solve from the top level down.

        ``volume_source`` (optional, shape (nE, ns - 1)): isotropic production per cell
        (between nodes i and i + 1), cm^-3 s^-1 eV^-1 (e.g. photoelectrons); each level's part
        enters, and its energy is counted as injected, when that level is solved.
        """
        ns, nE = self.grid.ns, self.nE
        state = CascadeState(q_fwd=np.zeros((nE, self.idx.n)), q_iso=np.zeros((nE, ns - 1)), budget=Budget(),
                             ionisation_rate=np.zeros((len(SPECIES), ns - 1)),
                             excitation_rate=np.zeros((len(SPECIES), ns - 1)))
        if volume_source is not None:
            # by total energy; each level injects its part when it is solved, with its cell volumes
            prod = np.asarray(volume_source, dtype=float)
            state.volume = (prod if self.U is None else self._to_total_energy(prod)) / (4.0 * np.pi)
        return state

    def _to_total_energy(self, prod) -> np.ndarray:
        """A volume source given by kinetic energy, per cell (nE, ns - 1), moved to the levels of
        the total energy E + U_cell (U_cell the mean of the cell's two nodes), each level's
        electrons split between the two levels around their new energy so that number and
        energy are kept (above the top level: to the top level, energy not kept there)."""
        u_cell = 0.5 * (self.U[1:] + self.U[:-1])
        out = np.where(u_cell[None, :] > 0, 0.0, prod)
        for c in np.flatnonzero(u_cell > 0):
            number = prod[:, c] * self.dE
            for j in np.flatnonzero(number):
                k_lo, k_hi, w_hi = self._level_of(self.E[j] + u_cell[c])
                out[k_hi, c] += w_hi * number[j] / self.dE[k_hi]
                if k_lo >= 0 and w_hi < 1.0:
                    out[k_lo, c] += (1.0 - w_hi) * number[j] / self.dE[k_lo]
        return out

    def _send(self, q_fwd, budget, k_from: int, k_to: int, rows) -> None:
        """Add a direction-keeping source (flux units of level ``k_from``'s rows, per eV of level
        ``k_to``) to level ``k_to``. With a potential the two levels' rows weigh differently:
        the number of electrons (row measure x source) is kept, and electrons on rows level
        ``k_to`` cannot reach are thermalised with their energy."""
        if self.U is None:
            q_fwd[k_to] += rows
            return
        w_from = self.geo.row_measure
        w_to = self._measures(k_to)[0]
        ok = w_to > 0
        q_fwd[k_to][ok] += rows[ok] * w_from[ok] / w_to[ok]
        budget.thermalised += float(np.sum(rows[~ok] * w_from[~ok])) * self.dE[k_to] * self.E[k_to]

    def _emit(self, q_iso, budget, ks: int, per_cell) -> None:
        """Add isotropic emission (electrons per unit foot area per s and per cell) to level ks,
        spread over the cell's phase volume at that level; cells level ks cannot reach (beyond
        its turning point) thermalise them."""
        vol = self.cell_volume if self.U is None else self._measures(ks)[1]
        ok = vol > 0
        q_iso[ks][ok] += per_cell[ok] / (vol[ok] * self.dE[ks])
        budget.thermalised += float(np.sum(per_cell[~ok])) * self.E[ks]

    def solve(self, surface_eV: dict | None = None, volume_source=None):
        """Solve all levels from the top down (:meth:`start`, then :meth:`solve_level` per level).

        Returns (phi[nE, n_unknowns], Budget).
        """
        state = self.start(volume_source)
        phi_all = np.zeros((self.nE, self.idx.n))
        for k in range(self.nE - 1, -1, -1):
            phi_all[k] = self.solve_level(k, state, surface_eV)
        return phi_all, state.budget

    def solve_level(self, k: int, state: CascadeState, surface_eV: dict | None = None,
                    dt_s: float | None = None, previous_mean=None) -> np.ndarray:
        """Solve level k with the sources the levels above left in ``state``; pass its losses down.

        Time dependent (``dt_s``): one backward-Euler step of (1/v) dPhi/dt, i.e. an extinction
        1/(v dt) and a source previous_mean/(v dt) per row, ``previous_mean`` being this level's
        cell means at the previous time (:attr:`CascadeState.level_mean` of that step). Energy only
        moves down, so the top-down sweep solves the implicit step exactly. The budget's
        ``stored_change`` is the rate of change of the energy held on the line.

        ``surface_eV`` maps a node index to a function of energy (eV) giving the injected flux
        per local direction at that node, cm^-2 s^-1 sr^-1 eV^-1 (array over the node's local
        directions; 0 for the directions that are not injected).

        Collision rates use the mean flux over each row's upwind cell
        (:meth:`LevelSolver.cell_means`), so that production, losses and transport balance.
        Levels must be solved from the top down. Returns Phi of level k (all unknowns, every rank).
        """
        self.use_level(k)
        ns = self.grid.ns
        node_of_row = self.node_of_row
        weight = self.row_weight
        owner = self.owner
        q_fwd, q_iso, budget = state.q_fwd, state.q_iso, state.budget
        surface_eV = surface_eV or {}
        use = set(self.processes)
        energy, dE = self.E[k], self.dE[k]
        # the kinetic energy at the nodes (= energy everywhere without a potential)
        kin = np.broadcast_to(np.asarray(self.kinetic_energy(k), dtype=float), (ns,))
        reach = kin > 0
        kin_safe = np.where(reach, kin, 1.0)
        nu = {}                          # 1/cm per node, by process
        if "coulomb_energy" in use:
            nu["coulomb"] = np.where(reach, COULOMB_A_EV2_CM2 * self.dens["n_e"] / (kin_safe * dE), 0.0)
        ion_tables, exc_tables, elastic_level = self._level_tables(k)
        ion = {}
        if "ionisation" in use:
            for sp, table in ion_tables.items():
                ion[sp] = table
                if table[0] > 0:
                    nu["ion_" + sp] = self.dens[sp] * table[0]
        exc = []                         # (species, threshold W, nu per node)
        if "excitation" in use:
            for sp, table in exc_tables.items():
                for w_exc, sig in table:
                    exc.append((sp, w_exc, self.dens[sp] * sig))
        scatter = [None] * ns
        kappa = sum(nu.values()) if nu else np.zeros(ns)
        for _, _, rate in exc:
            kappa = kappa + rate
        inv_vdt = inv_row = 0.0
        if dt_s is not None:
            inv_vdt = np.where(reach, 1.0 / (ELECTRON_SPEED_CM_S_PER_SQRT_EV * np.sqrt(kin_safe) * dt_s), 0.0)
            kappa = kappa + inv_vdt
        if "elastic" not in use:
            elastic_level = []
        for i in range(self.solver.node_lo, self.solver.node_hi):  # this rank's segment only
            parts = []
            if "coulomb_angle" in use and self.dens["n_e"][i] > 0 and reach[i]:
                parts.append(self._coulomb_angle(i, float(kin[i])))
            if "elastic" in use and self.elastic_treatment == "diffusion":
                # the STET approximation: elastic scattering as pitch-angle diffusion with
                # coefficient sum n sigma_el / 2 per cm, added to the Coulomb one
                d_el = 0.5 * sum(self.dens[sp][i] * sigma for sp, sigma, _ in elastic_level)
                if d_el > 0:
                    parts.append(d_el * self._coulomb_angle_unit(i))
            elif "elastic" in use and any(self.dens[sp][i] > 0 for sp in self.species):
                el = self._elastic(i, elastic_level)
                if np.any(el):
                    # net operator (in-scatter minus out-scatter) on the node values, not part of
                    # kappa: it conserves exactly with the cell-mean bookkeeping (see module doc)
                    out = sum(self.dens[sp][i] * sigma for sp, sigma, _ in elastic_level)
                    parts.append(el - out * np.eye(el.shape[0]))
            if parts:
                scatter[i] = sum(parts)
        # ionised primaries that stay in this level keep their direction: implicit, off kappa
        pieces = {}
        self_w = np.zeros(ns)
        for sp, (sig, thr, frac, below) in ion.items():
            if sig == 0:
                continue
            lst = [(ks, frac[ks], self.E[ks]) for ks in np.flatnonzero(frac > 0)]
            if below > 0:
                lst.append((-1, below, 0.5 * min(self.edges[0], 0.5 * (energy - thr))))
            # each secondary energy with the two levels its degraded primary is split between
            lst = [(ks, f, e_sec) + self._level_of(energy - thr - e_sec) for ks, f, e_sec in lst]
            pieces[sp] = lst
            for ks, f, e_sec, k_lo, k_hi, w_hi in lst:
                if k_hi == k and self.cascading:
                    self_w += nu["ion_" + sp] * f * w_hi
        # excited electrons keep their direction and continue at E - W (split like the primaries)
        exc_split = []
        for sp, w_exc, rate in exc:
            k_lo, k_hi, w_hi = self._level_of(energy - w_exc)
            if k_hi == k and self.cascading:
                self_w += rate * w_hi
            exc_split.append((sp, w_exc, rate, ((k_hi, w_hi), (k_lo, 1.0 - w_hi))))
        src = q_fwd[k].copy()
        if dt_s is not None and previous_mean is not None:
            inv_row = inv_vdt[node_of_row] if np.ndim(inv_vdt) else inv_vdt
            src += inv_row * np.asarray(previous_mean, dtype=float)
        has_cell = owner >= 0
        src[has_cell] += q_iso[k][owner[has_cell]]
        if state.volume is not None:     # the volume source of this level
            src[has_cell] += state.volume[k][owner[has_cell]]
            budget.injected += float(np.sum(state.volume[k] * self.cell_volume)) * energy * dE
        surface = {i: f(energy) for i, f in surface_eV.items()}
        for i, vals in surface.items():
            inj = 2.0 * np.pi * float(np.sum(self.F[i] * vals)) * dE * self.area[i]
            budget.injected += inj * energy
        phi = self.solver.solve(kappa - self_w, scatter, src, surface or None)
        mean, length = self.solver.cell_means(phi)
        # net escape through the two ends, per ionospheric area (out minus back in)
        budget.escaped_south += (self.flux_through(phi, 0, -1) - self.flux_through(phi, 0, +1)) \
            * dE * energy * self.area[0]
        budget.escaped_north += (self.flux_through(phi, ns - 1, +1) - self.flux_through(phi, ns - 1, -1)) \
            * dE * energy * self.area[ns - 1]
        for i_c, kind in self.solver.cuts.items():
            if kind == "absorbing":
                budget.absorbed_at_cuts += dE * energy * self._absorbed_at_cut(phi, i_c)
        state.level_mean = mean
        events_row = mean * length * weight * dE   # per unit nu: events per ionospheric area per s
        if dt_s is not None:
            old = 0.0 if previous_mean is None else np.asarray(previous_mean, dtype=float)
            budget.stored_change += float((inv_row * (mean - old) * length * weight).sum()) * dE * energy
        nu_row = {name: v[node_of_row] for name, v in nu.items()}
        if "coulomb" in nu:
            ev = nu_row["coulomb"] * events_row
            if k > 0:
                budget.coulomb_heating += float(ev.sum()) * (energy - self.E[k - 1])
                self._send(q_fwd, budget, k, k - 1, nu_row["coulomb"] * mean * dE / self.dE[k - 1])
            elif self.U is None:
                budget.coulomb_heating += float(ev.sum()) * energy
            else:  # thermalised: the kinetic energy heats, the potential energy stays with them
                u_row = self.U[node_of_row]
                budget.coulomb_heating += float((ev * (energy - u_row)).sum())
                budget.thermalised += float((ev * u_row).sum())
        vol = np.where(self.cell_volume > 0, self.cell_volume, 1.0)

        def per_cell(row_rate):  # events of a process in each cell, per unit foot area per s
            return np.bincount(owner[has_cell], weights=(row_rate * events_row)[has_cell], minlength=ns - 1)

        to_level = {}
        for sp, lst in pieces.items():
            sig, thr, frac, below = ion[sp]
            nr = nu_row["ion_" + sp]
            ev = nr * events_row
            n_ev = float(ev.sum())
            budget.ionisation_thresholds += n_ev * thr
            # secondaries born in each cell, emitted isotropically over its phase volume
            prod_cell = per_cell(nr)
            state.ionisation_rate[SPECIES.index(sp)] += prod_cell * 4.0 * np.pi / vol
            for ks, f, e_sec, k_lo, k_hi, w_hi in lst:
                if not (self.secondaries and self.cascading):
                    budget.not_followed += f * n_ev * e_sec
                elif ks >= 0:
                    self._emit(q_iso, budget, ks, f * prod_cell)
                else:
                    budget.thermalised += f * n_ev * e_sec
                if not self.cascading:
                    budget.not_followed += f * n_ev * (energy - thr - e_sec)
                    continue
                for kk, w in ((k_hi, w_hi), (k_lo, 1.0 - w_hi)):
                    if w <= 0 or kk < 0 or kk == k:
                        continue  # below the lowest centre the split carries no energy; kk == k: implicit
                    to_level[kk] = to_level.get(kk, 0.0) + f * w
            # the degraded primaries of this species, one vector update per target level
            nr_mean = nr * mean * dE
            for kk, coef in to_level.items():
                self._send(q_fwd, budget, k, kk, nr_mean * (coef / self.dE[kk]))
            to_level.clear()
        for sp, w_exc, rate, targets in exc_split:
            nr = rate[node_of_row]
            n_ev = float((nr * events_row).sum())
            budget.excitation += n_ev * w_exc
            state.excitation_rate[SPECIES.index(sp)] += per_cell(nr) * 4.0 * np.pi / vol
            if not self.cascading:
                budget.not_followed += n_ev * (energy - w_exc)
                continue
            for kk, w in targets:
                if w > 0 and 0 <= kk != k:
                    self._send(q_fwd, budget, k, kk, nr * w * mean * dE / self.dE[kk])
        return phi
