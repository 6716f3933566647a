"""The `fieldline` model: superthermal electron fluxes on a closed field line (paper 000).

Khazanov, Glocer and Himwich (2014): primary precipitation at 800 km in one or both
hemispheres and/or photoelectrons; electrons are transported along the whole line between
the two 90-km ends in (s, mu0) and degraded by Coulomb collisions, excitation, ionisation
(with secondaries) and elastic scattering (:mod:`.cascade`, :mod:`.transport`; equations
rebuilt in docs/physics/fieldline.md).

One runner step = one energy level of one case, from the top level down; a case is one
characteristic energy E0 (``e0_keV_values``). The level problem is one distributed PETSc
matrix whose rows are split by field-line segments; the flux of a solved level is known on
every rank, so the per-level diagnostics and the sources passed to the lower levels are
replicated. The state (pending sources of the case in progress, results of finished levels)
is checkpointed after any step; a restart resumes at the next level.

``mode = "time_dependent"``: one runner step = one backward-Euler step of all levels (one
case), the state being the cell-mean flux of every level (:meth:`Model._time_step`).
"""

from __future__ import annotations

import logging
import time

import numpy as np
from mpi4py import MPI

from hpcsim.models.base import Field, Model as BaseModel, Scalar
from hpcsim.models.fieldline import background, cascade, diagnostics, grid as fl_grid, potential, sources
from hpcsim.physics import atmosphere, photoelectrons

log = logging.getLogger("hpcsim.fieldline")

#: columns of the per-case budget (eV cm^-2 s^-1 per unit area at the line's foot)
BUDGET = ("injected", "coulomb_heating", "ionisation_thresholds", "excitation", "thermalised",
          "escaped_south", "escaped_north", "absorbed_at_cuts", "not_followed", "stored_change")
#: columns of the per-case, per-hemisphere flux measures at s1 (Figs. 7-8)
MEASURES = ("primary_energy_eV_cm2_s", "primary_particles_cm2_s", "escaping_energy_eV_cm2_s",
            "escaping_particles_cm2_s", "escaping_se_energy_eV_cm2_s", "escaping_se_particles_cm2_s",
            "downward_energy_eV_cm2_s", "downward_particles_cm2_s", "returned_thermal_eV_cm2_s")
SE_MAX_EV = 600.0
HEMISPHERES = ("south", "north")


def solar_zenith_rad(latitude_deg, local_time_h, date: str) -> float:
    """Solar zenith angle, rad, from latitude, local solar time and the day (declination only).

    cos chi = sin(lat) sin(dec) + cos(lat) cos(dec) cos(15 deg (LT - 12)), with the
    declination dec = -23.44 deg cos(2 pi (doy + 10) / 365) (Cooper 1969 form); the equation of
    time is neglected, as in :func:`hpcsim.physics.atmosphere.geographic_position`.
    """
    import datetime
    doy = datetime.date.fromisoformat(date).timetuple().tm_yday
    dec = np.radians(-23.44) * np.cos(2.0 * np.pi * (doy + 10) / 365.0)
    lat = np.radians(latitude_deg)
    hour = np.radians(15.0 * (np.asarray(local_time_h) - 12.0))
    cos_chi = np.sin(lat) * np.sin(dec) + np.cos(lat) * np.cos(dec) * np.cos(hour)
    return np.arccos(np.clip(cos_chi, -1.0, 1.0))


class Model(BaseModel):
    name = "fieldline"

    def __init__(self, config, comm):
        super().__init__(config, comm)
        self.cfg = cfg = config.model
        self.rank = comm.Get_rank()
        self.case_cfgs = cfg.cases()
        # case groups: the ranks split into equal groups, group g solves cases g, g + G, ...
        size, self.n_groups = comm.Get_size(), cfg.case_groups
        if size % self.n_groups:  # all ranks see the same sizes, so all raise together (before any work)
            from hpcsim.config import ConfigError, Problem
            raise ConfigError(config.source, [Problem("fieldline", "case_groups", self.n_groups,
                                                      f"must divide the number of ranks ({size})")])
        self.group = self.rank * self.n_groups // size
        self.sub = comm.Split(self.group, self.rank) if self.n_groups > 1 else comm
        self.leader = self.sub.Get_rank() == 0
        self.labels = cfg.case_labels()
        self.grid = g = fl_grid.build(cfg.L, cfg.bottom_km, cfg.s1_km, cfg.step_bottom_km, cfg.step_s1_km,
                                      cfg.magnetosphere_cells, cfg.loss_cone_points)
        self.inputs = atmosphere.SolarInputs(date=cfg.date, f107_sfu=cfg.f107_sfu, f107a_sfu=cfg.f107a_sfu, ap=cfg.ap)
        self.bg = background.build(g, cfg.mlt_h, self.inputs, cfg.ne_field_power)
        if cfg.symmetric_background:
            self.bg = background.mirrored(self.bg, "north")
        self.potential = None
        if cfg.electric_field == "thermal_pressure":
            self.potential = potential.pressure_potential_eV(self.bg.n_e, cfg.electron_temperature_K, g.i_s1_south)
        if cfg.conjugate_ionosphere == "removed":
            self.bg = background.without_southern_ionosphere(self.bg, g, cfg.s1_km)
        dens = {"n_e": self.bg.n_e, **self.bg.neutrals()}
        edges = cascade.energy_edges_eV(cfg.e_min_eV, cfg.e_max_eV, cfg.step_low_eV, cfg.level_ratio, cfg.switch_eV)
        s1_nodes = {h: diagnostics.node_at_altitude(g, cfg.s1_km, h) for h in HEMISPHERES}
        cuts = {s1_nodes[h]: kind for h, kind in (("north", cfg.s1_boundary_north), ("south", cfg.s1_boundary_south))
                if kind != "open"}
        self.cs = cs = cascade.CascadeSolver(g, dens, edges, self.sub, cfg.processes, cfg.ionisation_model,
                                             cfg.elastic_screening_factor, cuts, cfg.secondaries, cfg.cascading,
                                             cfg.elastic_treatment, self.potential)
        self.s1_nodes = s1_nodes
        self.volume_source = self._photoelectron_source() if cfg.photoelectrons else None
        # nodes with the full directional flux in the output: the chosen altitudes and the equator
        nodes = [diagnostics.node_at_altitude(cs, h, hemi) for h in cfg.directional_altitudes_km for hemi in HEMISPHERES]
        self.dir_nodes = np.array(sorted(set(nodes + [g.ns // 2])))
        k_max = max(cs.idx.offset[i + 1] - cs.idx.offset[i] for i in self.dir_nodes)
        nc, nE, ns = len(self.case_cfgs), cs.nE, g.ns
        self.omni = np.zeros((nc, nE, ns))
        self.hemi = np.zeros((nc, nE, ns, 2))
        self.directional = np.full((nc, nE, self.dir_nodes.size, k_max), np.nan)
        self.heating = np.zeros((nc, ns))
        self.primary = np.zeros((nc, nE, 2))
        self.ion_rate = np.zeros((nc, len(cascade.SPECIES), ns - 1))
        self.exc_rate = np.zeros((nc, len(cascade.SPECIES), ns - 1))
        self.budget = np.zeros((nc, len(BUDGET)))
        self.measures = np.zeros((nc, 2, len(MEASURES)))
        self.steps_done = np.zeros(1, dtype=np.int64)
        self._pending = cs.start(self.volume_source)
        self.time_dependent = cfg.mode == "time_dependent"
        # time-dependent mode: the cell-mean flux of every level at the current time (empty line at t = 0)
        self.level_means = np.zeros((nE, cs.idx.n)) if self.time_dependent else None
        self.wall_s = 0.0

    # -- sources ------------------------------------------------------------------------
    def _photoelectron_source(self) -> np.ndarray:
        """Photoelectron production per cell and level, cm^-3 s^-1 eV^-1 (0 above 1000 km / in the dark)."""
        cfg, g, cs = self.cfg, self.grid, self.cs
        mid_alt = 0.5 * (g.altitude_km[1:] + g.altitude_km[:-1])
        mid_lat = 0.5 * (g.latitude_rad[1:] + g.latitude_rad[:-1])
        out = np.zeros((cs.nE, g.ns - 1))
        neutrals = self.bg.neutrals()
        for hemi_cells in (np.flatnonzero((mid_lat < 0) & (mid_alt < 1000.0)),
                           np.flatnonzero((mid_lat > 0) & (mid_alt < 1000.0))):
            order = hemi_cells[np.argsort(mid_alt[hemi_cells])]
            glat, _, _ = atmosphere.geographic_position(mid_lat[order], cfg.mlt_h)
            chi = float(solar_zenith_rad(float(np.median(glat)), cfg.mlt_h, cfg.date))
            # cell c lies between nodes c and c + 1: cell values are the means of the two
            dens = {sp: 0.5 * (neutrals[sp][order] + neutrals[sp][order + 1]) for sp in neutrals}
            temp = 0.5 * (self.bg.T_n_K[order] + self.bg.T_n_K[order + 1])
            q = photoelectrons.photoelectron_production(
                mid_alt[order], dens, cs.edges, cfg.f107_sfu, cfg.f107a_sfu, chi, temperature_K=temp,
                xray_model=None if cfg.photo_xrays == "none" else cfg.photo_xrays)
            out[:, order] = np.nan_to_num(q).T
        return out

    def _surface(self, case_cfg) -> dict:
        """Primary injection at s1 per node: E -> flux on the node's local directions (down only)."""
        cfg, cs = self.cfg, self.cs
        if cfg.primary_spectrum == "none":
            return {}
        e0 = case_cfg.e0_keV * 1e3
        c = sources.normalisation(cfg.primary_spectrum, e0, case_cfg.energy_flux_erg_cm2_s, cfg.primary_min_eV,
                                  cfg.primary_max_eV)
        out = {}
        for hemi, down in (("south", -1), ("north", 1)):
            if cfg.precipitation not in ("both", hemi):
                continue
            node = self.s1_nodes[hemi]
            d = cs.dirs[node][1]

            def flux(energy, d=d, down=down):
                inside = (energy >= cfg.primary_min_eV) & (energy <= cfg.primary_max_eV)
                value = c * sources.spectrum_shape(cfg.primary_spectrum, energy, e0) * inside
                return np.where(d == down, value, 0.0)
            out[node] = flux
        return out

    # -- contract -----------------------------------------------------------------------
    def planned_steps(self) -> int | None:
        if self.time_dependent:
            return None
        return -(-len(self.case_cfgs) // self.n_groups) * self.cs.nE   # rounds of case_groups cases

    def checkpoint_due(self) -> bool:
        """After the last level of each round of cases (steady mode)."""
        return not self.time_dependent and int(self.steps_done[0]) % self.cs.nE == 0

    def state_fingerprint(self):
        from hpcsim.config import as_dict
        return {f"fieldline.{k}": v for k, v in as_dict(self.cfg).items() if k != "directional_altitudes_km"}

    def _result_fields(self):
        return [
            Field.replicated("omnidirectional_flux", self.omni, "cm-2 s-1 eV-1",
                             "J(E, s) = int Phi dOmega per case, level and node", ("case", "level", "node")),
            Field.replicated("hemispherical_flux", self.hemi, "cm-2 s-1 eV-1",
                             "2 pi int_0^1 mu Phi(+-mu) dmu, away from the Earth (0) and toward it (1)",
                             ("case", "level", "node", "up_down")),
            Field.replicated("directional_flux", self.directional, "cm-2 s-1 sr-1 eV-1",
                             "Phi on the local directions of the nodes in directional_nodes (NaN padding)",
                             ("case", "level", "dir_node", "direction")),
            Field.replicated("primary_flux", self.primary, "cm-2 s-1 eV-1",
                             "hemispherical flux of the injected primaries at s1, per case, level and hemisphere "
                             "(south, north); the rest of the downward flux there is secondaries and what "
                             "comes from the conjugate side", ("case", "level", "hemisphere")),
            Field.replicated("ionisation_rate", self.ion_rate, "cm-3 s-1",
                             "electron-impact ionisations per cell (between nodes i and i + 1), by species "
                             "(N2, O2, O), summed over the levels solved", ("case", "species", "cell")),
            Field.replicated("excitation_rate", self.exc_rate, "cm-3 s-1",
                             "electron-impact excitations (all states) per cell, by species (N2, O2, O)",
                             ("case", "species", "cell")),
            Field.replicated("heating_rate", self.heating, "eV cm-3 s-1",
                             "thermal-electron heating by Coulomb collisions Q(s) (eq. 18, rebuilt)", ("case", "node")),
            Field.replicated("energy_budget", self.budget, "eV cm-2 s-1",
                             "per case, per unit area at the foot: " + ", ".join(BUDGET), ("case", "column")),
            Field.replicated("flux_measures", self.measures, "eV cm-2 s-1 or cm-2 s-1",
                             "per case and hemisphere (south, north) at s1: " + ", ".join(MEASURES),
                             ("case", "hemisphere", "column")),
            Field.replicated("steps_done", self.steps_done, "1", "energy levels finished (all cases)"),
        ]

    def state_fields(self):
        if self.time_dependent:
            return self._result_fields() + [
                Field.replicated("level_means", self.level_means, "cm-2 s-1 sr-1 eV-1",
                                 "cell-mean flux of every row and level at the current time (backward-Euler "
                                 "state)", ("level", "row"))]
        q_fwd, q_iso, budget, ion, exc = self._gather_pending()
        return self._result_fields() + [
            Field.replicated("pending_forward_source", q_fwd, "cm-2 s-1 sr-1 eV-1 per cm",
                             "per case group: direction-keeping sources passed down to the levels not yet solved"),
            Field.replicated("pending_isotropic_source", q_iso, "cm-3 s-1 sr-1 eV-1",
                             "per case group: isotropic sources per cell passed down to the levels not yet solved"),
            Field.replicated("pending_budget", budget, "eV cm-2 s-1",
                             "per case group: energy budget of the case in progress: " + ", ".join(BUDGET)),
            Field.replicated("pending_ionisation_rate", ion, "cm-3 s-1",
                             "per case group: ionisation rate of the case in progress"),
            Field.replicated("pending_excitation_rate", exc, "cm-3 s-1",
                             "per case group: excitation rate of the case in progress"),
        ]

    def _gather_pending(self):
        """The pending state of every case group, stacked (collective: every rank gets it all)."""
        p = self._pending
        mine = (p.q_fwd, p.q_iso, np.array([getattr(p.budget, k) for k in BUDGET]), p.ionisation_rate,
                p.excitation_rate)
        if self.n_groups == 1:
            return tuple(a[None] for a in mine)
        size = self.comm.Get_size()
        every = self.comm.allgather(mine if self.leader else None)
        leaders = [every[g * size // self.n_groups] for g in range(self.n_groups)]
        return tuple(np.stack([lead[j] for lead in leaders]) for j in range(len(mine)))

    def output_fields(self):
        return self._result_fields()

    def set_state(self, arrays):
        if self.time_dependent:
            self.level_means[...] = arrays["level_means"]
        self.omni[...] = arrays["omnidirectional_flux"]
        self.hemi[...] = arrays["hemispherical_flux"]
        self.directional[...] = arrays["directional_flux"]
        self.heating[...] = arrays["heating_rate"]
        self.primary[...] = arrays["primary_flux"]
        self.budget[...] = arrays["energy_budget"]
        self.measures[...] = arrays["flux_measures"]
        self.steps_done[...] = arrays["steps_done"]
        if self.time_dependent:
            return
        p, g = self._pending, self.group
        p.q_fwd[...] = arrays["pending_forward_source"][g]
        p.q_iso[...] = arrays["pending_isotropic_source"][g]
        for name, value in zip(BUDGET, arrays["pending_budget"][g]):
            setattr(p.budget, name, float(value))
        p.ionisation_rate[...] = arrays["pending_ionisation_rate"][g]
        p.excitation_rate[...] = arrays["pending_excitation_rate"][g]
        self.ion_rate[...] = arrays["ionisation_rate"]
        self.exc_rate[...] = arrays["excitation_rate"]

    def static_fields(self):
        g, cs = self.grid, self.cs
        k_max = self.directional.shape[-1]
        mu = np.full((self.dir_nodes.size, k_max), np.nan)
        for n, i in enumerate(self.dir_nodes):
            m = cs.dirs[i][2]  # signed local mu
            mu[n, :m.size] = m
        bg = self.bg
        extra = []
        if self.potential is not None:
            mu_level = np.full((cs.nE,) + mu.shape, np.nan)
            mu0_level = np.zeros((cs.nE, g.nm))
            for k in range(cs.nE):
                dirs = cs.level_weights(k)[2]
                for n, i in enumerate(self.dir_nodes):
                    mu_level[k, n, :dirs[i][2].size] = dirs[i][2]
                mu0_level[k] = cs.level_grid(k).mu0
            extra = [
                Field.replicated("potential_eV", self.potential, "eV", "potential energy U(s) of an electron in the "
                                 "thermal-pressure electric field (0 up to s1)", ("node",)),
                Field.replicated("directional_mu_level", mu_level, "1", "signed local mu of the directional_flux "
                                 "columns for each level (total energy) in the electric field",
                                 ("level", "dir_node", "direction")),
                Field.replicated("mu0_level", mu0_level, "1", "equatorial-reference pitch-angle cosines of each "
                                 "level's lines in the electric field (eq. 6 with B / E for B)", ("level", "line"))]
        return extra + [
            Field.replicated("energy_eV", cs.E, "eV", "energy level centres (total energy with an electric field)",
                             ("level",)),
            Field.replicated("energy_edges_eV", cs.edges, "eV", "energy level edges"),
            Field.replicated("s_km", g.s_km, "km", "distance along the line from the southern end", ("node",)),
            Field.replicated("altitude_km", g.altitude_km, "km", "altitude of the nodes", ("node",)),
            Field.replicated("latitude_deg", np.degrees(g.latitude_rad), "deg", "magnetic latitude", ("node",)),
            Field.replicated("b_ratio", g.b_ratio, "1", "B(s) / B(equator) used by the grid", ("node",)),
            Field.replicated("mu0", g.mu0, "1", "equatorial pitch-angle cosines of the grid (eq. 6)"),
            Field.replicated("directional_nodes", self.dir_nodes, "1", "node index of each directional_flux row"),
            Field.replicated("directional_mu", mu, "1", "signed local mu (+ = toward the north) of "
                             "directional_flux columns", ("dir_node", "direction")),
            Field.replicated("densities_cm3", np.stack([bg.n_e, bg.n_N2, bg.n_O2, bg.n_O]), "cm-3",
                             "n_e, N2, O2, O on the nodes", ("species", "node")),
            Field.replicated("neutral_temperature_K", bg.T_n_K, "K", "NRLMSIS T_n on the nodes", ("node",)),
            Field.replicated("e0_keV", np.array([c.e0_keV for c in self.case_cfgs]), "keV",
                             "characteristic energy of each case: " + " | ".join(self.labels), ("case",)),
        ]

    # -- one step = one energy level ----------------------------------------------------
    def step(self, dt_s: float) -> None:
        if self.time_dependent:
            self._time_step(dt_s)
            return
        t0 = time.perf_counter()
        cs = self.cs
        done = int(self.steps_done[0])
        r, k = done // cs.nE, cs.nE - 1 - done % cs.nE
        c = r * self.n_groups + self.group          # this group's case in round r (none past the last)
        if c < len(self.case_cfgs):
            surface = self._surface(self.case_cfgs[c])
            phi = cs.solve_level(k, self._pending, surface)
            self._record_level(c, k, phi, surface)
            self.ion_rate[c] = self._pending.ionisation_rate
            self.exc_rate[c] = self._pending.excitation_rate
            if k == 0:
                self._finish_case(c)
        if self.n_groups > 1:
            self._share_round(r, k)
        self.steps_done[0] += 1
        if k == 0:
            self._log_round(r)
            self._pending = cs.start(self.volume_source)
        self.wall_s += time.perf_counter() - t0

    def _round_cases(self, r):
        return [c for c in range(r * self.n_groups, (r + 1) * self.n_groups) if c < len(self.case_cfgs)]

    def _share_round(self, r, k):
        """Give every rank the results the other case groups computed for level k of round r
        (one sum over all ranks; each group's leader contributes its case's slices, NaN
        padding travels as a count)."""
        mine = r * self.n_groups + self.group
        views, own = [], []
        for c in self._round_cases(r):
            views += [a[c, k] for a in (self.omni, self.hemi, self.directional, self.primary)]
            views += [a[c] for a in (self.heating, self.measures, self.ion_rate, self.exc_rate, self.budget)]
            own += [c == mine and self.leader] * 9
        buf = np.concatenate([v.ravel() for v in views])
        mask = np.repeat(own, [v.size for v in views])
        nan = np.isnan(buf)
        both = np.concatenate([np.where(mask & ~nan, buf, 0.0), (mask & nan).astype(float)])
        self.comm.Allreduce(MPI.IN_PLACE, both, op=MPI.SUM)
        summed = np.where(both[buf.size:] > 0, np.nan, both[:buf.size])
        pos = 0
        for v in views:  # basic-index views: writing into them writes into the result arrays
            v[...] = summed[pos:pos + v.size].reshape(v.shape)
            pos += v.size

    def _log_round(self, r):
        if self.rank != 0:
            return
        for c in self._round_cases(r):
            f, s = self.measures[c, 1], case_summary(self.measures[c], self.budget[c])
            log.info("case %d of %d (%s) done: budget residual %.2e; north escape energy %.3f, particles %.3f of "
                     "the primaries", c + 1, len(self.case_cfgs), self.labels[c], s["energy_balance_residual"],
                     f[2] / f[0] if f[0] > 0 else np.nan, f[3] / f[1] if f[1] > 0 else np.nan)

    def _record_level(self, c, k, phi, surface):
        cs, g = self.cs, self.grid
        one = phi[None, :]
        for i in range(g.ns):
            self.omni[c, k, i] = diagnostics.omnidirectional(cs, one, i, k)[0]
            self.hemi[c, k, i, 0] = diagnostics.hemispherical(cs, one, i, "up", k)[0]
            self.hemi[c, k, i, 1] = diagnostics.hemispherical(cs, one, i, "down", k)[0]
        for n, i in enumerate(self.dir_nodes):
            a, b = cs.idx.offset[i], cs.idx.offset[i + 1]
            self.directional[c, k, n, :b - a] = phi[a:b]
        self.heating[c] += diagnostics.level_heating(cs, self.omni[c, k], k)
        energy = cs.E[k]
        for h, hemi in enumerate(HEMISPHERES):
            node = self.s1_nodes[hemi]
            if node in surface:
                self.primary[c, k, h] = 2.0 * np.pi * float(np.sum(cs.F[node] * surface[node](energy)))

    def _fill_measures(self, c):
        """The Figure 7 measures of case c at s1 (:data:`MEASURES`), from its stored injected,
        up and down fluxes and heating rate."""
        cs, integrated = self.cs, diagnostics.integrated
        for h, hemi in enumerate(HEMISPHERES):
            node = self.s1_nodes[hemi]
            primary, up, down = self.primary[c, :, h], self.hemi[c, :, node, 0], self.hemi[c, :, node, 1]
            self.measures[c, h] = [
                integrated(cs, primary), integrated(cs, primary, energy=False),
                integrated(cs, up), integrated(cs, up, energy=False),
                integrated(cs, up, SE_MAX_EV), integrated(cs, up, SE_MAX_EV, energy=False),
                integrated(cs, down), integrated(cs, down, energy=False),
                diagnostics.returned_thermal_flux_from_heating(cs, self.heating[c], hemi)]

    def _finish_case(self, c):
        b = self._pending.budget
        self.budget[c] = [getattr(b, name) for name in BUDGET]
        self._fill_measures(c)

    def _time_step(self, dt_s: float) -> None:
        """One backward-Euler step of all levels, top down (``mode = "time_dependent"``)."""
        t0 = time.perf_counter()
        cs = self.cs
        for arr in (self.omni, self.hemi, self.directional, self.heating, self.primary):
            arr[0] = np.nan if arr is self.directional else 0.0
        state = cs.start(self.volume_source)
        surface = self._surface(self.case_cfgs[0])
        new_means = np.empty_like(self.level_means)
        for k in range(cs.nE - 1, -1, -1):
            phi = cs.solve_level(k, state, surface, dt_s=dt_s, previous_mean=self.level_means[k])
            new_means[k] = state.level_mean
            self._record_level(0, k, phi, surface)
        self.level_means[...] = new_means
        self.ion_rate[0] = state.ionisation_rate
        self.exc_rate[0] = state.excitation_rate
        self._pending = state
        self.budget[0] = [getattr(state.budget, name) for name in BUDGET]
        self._fill_measures(0)
        self.steps_done[0] += 1
        self.wall_s += time.perf_counter() - t0

    # -- diagnostics --------------------------------------------------------------------
    def diagnostics(self):
        if self.time_dependent:
            b = dict(zip(BUDGET, self.budget[0]))
            s = case_summary(self.measures[0], self.budget[0])
            return {
                "injected_energy": Scalar(b["injected"], "eV cm-2 s-1", "energy injected per unit area at the foot"),
                "stored_energy_rate": Scalar(b["stored_change"], "eV cm-2 s-1",
                                             "rate of change of the energy held on the line (0 in steady state)"),
                "escape_energy_fraction": Scalar(s.get("escape_energy_fraction", np.nan), "1",
                                                 "escaping over primary energy flux at s1, north"),
                "energy_balance_residual": Scalar(s["energy_balance_residual"], "1",
                                                  "(injected - spent - stored change) / injected"),
            }
        done = int(self.steps_done[0])
        nE = self.cs.nE
        r = min(done // nE, self.planned_steps() // nE - 1)
        k = nE - 1 - done % nE if done < self.planned_steps() else 0
        injected = self.comm.allreduce(float(self._pending.budget.injected) if self.leader else 0.0)
        return {
            "levels_done": Scalar(done, "1", "runner steps finished (energy levels of each round of cases)"),
            "case": Scalar(r * self.n_groups, "1", "index of the (first) case in progress, or the last"),
            "energy_eV": Scalar(float(self.cs.E[k]), "eV", "energy of the next (or last) level"),
            "injected_energy_case": Scalar(injected, "eV cm-2 s-1",
                                           "energy injected so far in the case(s) in progress"),
        }

    @classmethod
    def summary(cls, h5file):
        snaps = h5file["snapshots"]
        m = snaps["flux_measures"][-1]
        budget = snaps["energy_budget"][-1]
        e0 = h5file["grid"]["e0_keV"][...]
        out = {}
        n = m.shape[0]
        for c in range(n):
            suffix = "" if n == 1 else f"[{c}]"
            out.update(case_summary(m[c], budget[c], suffix))
            out["e0_keV" + suffix] = float(e0[c])
        return out


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else float("nan")


def case_summary(measures, budget, suffix: str = "") -> dict:
    """Headline numbers of one case from its flux measures (hemisphere, column) and budget.

    Unsuffixed keys are the paper's (northern hemisphere, Fig. 7): ``escape_energy_fraction``,
    ``escape_particle_fraction`` (escaping over precipitating primaries at s1, all energies),
    ``escaping_se_particle_share`` (E < 600 eV), ``returned_thermal_flux_eV_cm2_s`` (eq. 19),
    ``returned_thermal_over_escaping_se_energy``; ``_south`` keys repeat them for the south;
    ``energy_balance_residual`` = (injected - deposited - escaped - absorbed) / injected.
    """
    out = {}
    for h, hemi in enumerate(HEMISPHERES):
        f = dict(zip(MEASURES, measures[h]))
        tag = "" if hemi == "north" else "_south"
        if f["primary_energy_eV_cm2_s"] > 0:
            out[f"escape_energy_fraction{tag}{suffix}"] = (f["escaping_energy_eV_cm2_s"]
                                                          / f["primary_energy_eV_cm2_s"])
            out[f"escape_particle_fraction{tag}{suffix}"] = (f["escaping_particles_cm2_s"]
                                                            / f["primary_particles_cm2_s"])
        out[f"escaping_se_particle_share{tag}{suffix}"] = _ratio(f["escaping_se_particles_cm2_s"],
                                                                 f["escaping_particles_cm2_s"])
        out[f"escaping_energy_eV_cm2_s{tag}{suffix}"] = f["escaping_energy_eV_cm2_s"]
        out[f"returned_thermal_flux_eV_cm2_s{tag}{suffix}"] = f["returned_thermal_eV_cm2_s"]
        out[f"returned_thermal_over_escaping_se_energy{tag}{suffix}"] = _ratio(f["returned_thermal_eV_cm2_s"],
                                                                               f["escaping_se_energy_eV_cm2_s"])
    b = dict(zip(BUDGET, budget))
    spent = sum(v for k, v in b.items() if k != "injected")
    out["energy_balance_residual" + suffix] = (b["injected"] - spent) / b["injected"] if b["injected"] else 0.0
    return out
