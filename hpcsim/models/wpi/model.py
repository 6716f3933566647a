"""The `wpi` model: precipitation induced by a short whistler-mode pulse (paper 002).

Inan, Bell and Chang (1982): a ducted, monochromatic whistler pulse enters the line at the
southern 1000-km point at t = 0 and travels north at the group velocity (eqs. 1-3, 8).
For each position of its front the electrons that meet it are followed with the
gyroresonance equations of motion (Inan et al. 1978; :mod:`.motion`); those scattered into
the loss cone reach 1000 km after their travel time and give the impulse response
h(t, tau) (:mod:`.precipitation`); r(t) = int h dtau (eq. 9).

One runner step = one front position of one case; a scan is a list of cases run one after
another. Within a step the test particles are split across ranks round-robin and the
binned responses are summed with MPI, so results do not depend on the rank count beyond
round-off in the sums. The state (the responses of the finished front positions) is small
and replicated on every rank; a checkpoint after any step resumes at the next front
position and finished cases are never redone.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from mpi4py import MPI

from hpcsim.geometry import dipole
from hpcsim.models.base import Field, Model as BaseModel, Scalar
from hpcsim.models.wpi import distribution, ensemble, medium, motion, precipitation
from hpcsim.physics import constants as C

log = logging.getLogger("hpcsim.wpi")

#: columns of the per-case counters
COUNTERS = ("test_particles", "rk4_steps", "precipitating_particles", "time_limited_particles",
            "precipitating_from_top_alpha_cell", "energy_from_top_alpha_cell_erg_cm2", "energy_erg_cm2")


class Case:
    """Everything fixed for one case: wave tables, front schedule, loss cone."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.const = const = cfg.dipole_constants()
        L = cfg.L
        self.n_eq = float(medium.fig16_equatorial_density_cm3(L)) if cfg.n_eq_model == "fig16" else cfg.n_eq_cm3
        wh_eq = float(medium.gyrofrequency_rad_s(L, 0.0, const))
        self.frequency_Hz = cfg.frequency_Hz if cfg.frequency_Hz > 0 else cfg.frequency_ratio * wh_eq / (2 * np.pi)
        self.density_kw = dict(model=cfg.density_model, temperature_K=cfg.plasma_temperature_K)
        common = dict(injection_altitude_km=cfg.injection_altitude_km, dispersion=cfg.dispersion, const=const)
        de_kw = dict(temperature_K=cfg.plasma_temperature_K)
        if cfg.amplitude_reference == "equal_power":
            f_ref = cfg.power_reference_ratio * wh_eq / (2 * np.pi)
            bw, ref = motion.injection_amplitude_pT(L, self.frequency_Hz, f_ref, cfg.bw_pT, self.n_eq,
                                                    density_model=cfg.density_model, **common, **de_kw), "injection"
        else:
            bw, ref = cfg.bw_pT, "equator"
        self.wave = motion.ducted_wave(L, self.frequency_Hz, bw, cfg.pulse_length_s, self.n_eq, direction=1,
                                       density_model=cfg.density_model, n_grid=cfg.wave_grid_points,
                                       amplitude_reference=ref, **common, **de_kw)
        self.schedule = ensemble.front_schedule(self.wave, L, self.n_eq, cfg.front_lat_start_deg,
                                                cfg.front_lat_end_deg, cfg.front_step_deg, cfg.dispersion,
                                                de_kw | {"model": cfg.density_model}, const)
        self.weights = precipitation.trapezoid_weights(self.schedule.tau_s)
        self.loss_cone_deg = float(dipole.equatorial_loss_cone_deg(L, cfg.loss_cone_altitude_km, const))
        self.lat_foot = float(dipole.latitude_at_altitude_rad(L, cfg.injection_altitude_km, const))
        self.foot_ratio = float(dipole.field_ratio_to_equator(self.lat_foot))
        i_eq = int(np.argmin(np.abs(self.wave.latitude_rad)))
        self.bw_eq_pT = float(self.wave.bw_T[i_eq] * 1e12)
        self.bw_foot_pT = float(self.wave.bw_T[0] * 1e12)

    def __len__(self):
        return len(self.schedule)

    def entry(self, j: int) -> tuple[float, float, float]:
        """(latitude rad, front time s, entry-surface speed m/s) of front position j."""
        s = self.schedule
        return float(s.latitude_rad[j]), float(s.tau_s[j]), float(s.front_speed_m_s[j])

    def particle_mesh(self, j: int) -> ensemble.ParticleMesh:
        """The test particles that meet the front at position j (all ranks build the same mesh)."""
        cfg = self.cfg
        lat, tau, _ = self.entry(j)
        return ensemble.particle_mesh(self.wave, cfg.L, lat, tau, self.loss_cone_deg, cfg.alpha_span_deg,
                                      cfg.alpha_cells, cfg.speed_cells, cfg.phases, cfg.speed_margin,
                                      cfg.relativistic, cfg.energy_cap_keV, self.const)

    def interact(self, j: int, mesh: ensemble.ParticleMesh, select) -> motion.InteractionResult:
        """Carry the particles ``select`` of ``mesh`` through the pulse from front position j."""
        cfg = self.cfg
        lat, tau, _ = self.entry(j)
        return motion.interact(lat, mesh.u_par_m_s[select], mesh.u_perp_m_s[select], mesh.eta_rad[select], tau,
                               cfg.L, self.wave, cfg.phase_rate_cutoff_rad_s,
                               cfg.phase_step_rad / cfg.phase_rate_cutoff_rad_s, cfg.coarse_step_s,
                               tau + 5.0 * cfg.pulse_length_s + 2.0, -self.lat_foot, cfg.relativistic,
                               const=self.const)


class Model(BaseModel):
    name = "wpi"

    def __init__(self, config, comm):
        super().__init__(config, comm)
        self.cfg = cfg = config.model
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.case_cfgs = cfg.cases()
        self.labels = cfg.case_labels()
        self.cases = [Case(c) for c in self.case_cfgs]  # cheap (wave tables): any problem shows at start-up
        self.n_fronts = np.array([len(c) for c in self.cases])
        self.front_offsets = np.concatenate(([0], np.cumsum(self.n_fronts)))
        nc, nf = len(self.cases), int(self.n_fronts.max())
        self.t_edges = np.arange(0.0, cfg.time_max_s + 0.5 * cfg.time_bin_s, cfg.time_bin_s)
        self.t_mid = 0.5 * (self.t_edges[1:] + self.t_edges[:-1])
        self.e_edges = np.geomspace(cfg.energy_min_keV, cfg.energy_max_keV, cfg.energy_bins + 1)
        nt, ne = self.t_mid.size, cfg.energy_bins
        self.impulse = np.zeros((nc, nf, nt))
        self.flux = np.zeros((nc, nt))
        self.energy_time = np.zeros((nc, nt, ne))
        self.energy_range = np.full((nc, nf, nt, 2), np.nan)
        self.lat_edges = np.arange(-60.0, 60.0 + 0.5, 1.0)  # resonance-latitude bins, deg
        self.by_resonance = np.zeros((nc, self.lat_edges.size - 1))
        self.counters = np.zeros((nc, len(COUNTERS)))
        self.steps_done = np.zeros(1, dtype=np.int64)
        self.wall_s = 0.0

    # -- contract -----------------------------------------------------------------------
    def planned_steps(self) -> int:
        return int(self.front_offsets[-1])

    def checkpoint_due(self) -> bool:
        """After the last front position of each case (same answer on every rank)."""
        done = int(self.steps_done[0])
        return done in set(int(x) for x in self.front_offsets[1:])

    def state_fingerprint(self):
        """Every [wpi] key: all of them shape the responses a checkpoint holds."""
        from hpcsim.config import as_dict
        return {f"wpi.{k}": v for k, v in as_dict(self.cfg).items()}

    def state_fields(self):
        return [
            Field.replicated("impulse_response", self.impulse, "erg cm-2 s-1 per s of front time",
                             "h(t, tau): energy flux at 1000 km from the electrons that meet the front at "
                             "tau, per unit tau (paper section 2.4)", ("case", "front", "time")),
            Field.replicated("energy_flux", self.flux, "erg cm-2 s-1",
                             "precipitated energy flux r(t) at 1000 km after injection (eq. 9), summed "
                             "over the finished front positions", ("case", "time")),
            Field.replicated("energy_time", self.energy_time, "erg cm-2",
                             "precipitated energy by arrival time and energy, integrated over tau",
                             ("case", "time", "energy")),
            Field.replicated("energy_by_resonance_latitude", self.by_resonance, "erg cm-2",
                             "precipitated energy by the latitude where each electron's phase rate was smallest "
                             "(its resonance point), summed over the front positions; sums to E_T",
                             ("case", "resonance_latitude")),
            Field.replicated("energy_range_keV", self.energy_range, "keV",
                             "lowest and highest energy of the precipitating electrons per front position "
                             "and arrival time (paper Fig. 3 lower panel); NaN: none", ("case", "front", "time", "minmax")),
            Field.replicated("counters", self.counters, "1", "per case: " + ", ".join(COUNTERS), ("case", "counter")),
            Field.replicated("steps_done", self.steps_done, "1", "front positions finished (all cases)"),
        ]

    def set_state(self, arrays):
        self.impulse[...] = arrays["impulse_response"]
        self.flux[...] = arrays["energy_flux"]
        self.energy_time[...] = arrays["energy_time"]
        self.energy_range[...] = arrays["energy_range_keV"]
        self.by_resonance[...] = arrays["energy_by_resonance_latitude"]
        self.counters[...] = arrays["counters"]
        self.steps_done[...] = arrays["steps_done"]

    def energy_flux(self) -> np.ndarray:
        """r(t) of eq. (9) per case, erg cm^-2 s^-1 (the finished front positions so far)."""
        return self.flux

    def static_fields(self):
        nc, nf = len(self.cases), int(self.n_fronts.max())
        fronts = np.full((nc, nf, 4), np.nan)
        params = np.zeros((nc, 8))
        for c, case in enumerate(self.cases):
            s = case.schedule
            n = len(case)
            fronts[c, :n] = np.column_stack([s.front_latitude_deg, np.degrees(s.latitude_rad), s.tau_s, case.weights])
            params[c] = [case.cfg.L, case.n_eq, case.frequency_Hz, case.cfg.pulse_length_s, case.bw_eq_pT,
                         case.bw_foot_pT, case.cfg.spectral_index, case.loss_cone_deg]
        return [
            Field.replicated("time_s", self.t_mid, "s", "arrival-time bin centres, after injection", ("time",)),
            Field.replicated("time_edges_s", self.t_edges, "s", "arrival-time bin edges"),
            Field.replicated("energy_edges_keV", self.e_edges, "keV", "energy bin edges"),
            Field.replicated("resonance_latitude_edges_deg", self.lat_edges, "deg",
                             "bin edges of energy_by_resonance_latitude"),
            Field.replicated("fronts", fronts, "deg, deg, s, s",
                             "per case and front: front latitude (NaN: entries at the end of the duct), "
                             "entry latitude, front time tau (eq. 8), trapezoid weight", ("case", "front", "column")),
            Field.replicated("case_parameters", params, "1, cm-3, Hz, s, pT, pT, 1, deg",
                             "per case: L, n_eq, f, PL, B_w at the equator, B_w at 1000 km, n, loss cone; "
                             "cases: " + " | ".join(self.labels), ("case", "column")),
            Field.replicated("scan_values", np.array(self._scan_table()), "1",
                             f"scanned values per case ({self.cfg.scan_parameter or '-'}, "
                             f"{self.cfg.scan2_parameter or '-'})", ("case", "axis")),
        ]

    def _scan_table(self):
        rows = []
        for cc in self.case_cfgs:
            rows.append([float(getattr(cc, k)) if k else np.nan
                         for k in (self.cfg.scan_parameter, self.cfg.scan2_parameter)])
        return rows

    # -- one step = one front position --------------------------------------------------
    def _locate(self, step: int) -> tuple[int, int]:
        c = int(np.searchsorted(self.front_offsets, step, side="right") - 1)
        return c, step - int(self.front_offsets[c])

    def step(self, dt_s: float) -> None:
        t0 = time.perf_counter()
        c, j = self._locate(int(self.steps_done[0]))
        case, cfg = self.cases[c], self.cases[c].cfg
        sched = case.schedule
        _, tau_e, vg_e = case.entry(j)
        mesh = case.particle_mesh(j)
        mine = np.arange(self.rank, len(mesh), self.size)
        res = case.interact(j, mesh, mine)
        aeq = precipitation.equatorial_pitch_angle_deg(res.lat_rad, res.u_par_m_s, res.u_perp_m_s)
        kept = self._scattered_cells(mesh, mine, aeq, cfg.phases, cfg.min_scattering_deg)
        h, r, et, by_res, erange, counts = self._response(case, mesh, mine, res, aeq, kept, tau_e, vg_e,
                                                          case.weights[j])
        # one sum (h, histograms, counters) and one min (lowest energies, minus highest) over the ranks
        nt, nr = h.size, by_res.size
        summed = np.concatenate([h, r, by_res, et.ravel(), counts])
        self.comm.Allreduce(MPI.IN_PLACE, summed, op=MPI.SUM)
        h_all, r_all, res_all = summed[:nt], summed[nt:2 * nt], summed[2 * nt:2 * nt + nr]
        et_all, counts_all = summed[2 * nt + nr:-counts.size].reshape(et.shape), summed[-counts.size:]
        extremes = np.concatenate([np.where(np.isnan(erange[:, 0]), np.inf, erange[:, 0]),
                                   np.where(np.isnan(erange[:, 1]), np.inf, -erange[:, 1])])
        self.comm.Allreduce(MPI.IN_PLACE, extremes, op=MPI.MIN)
        lo_all, hi_all = extremes[:nt], -extremes[nt:]
        self.impulse[c, j] = h_all
        self.flux[c] += r_all
        self.energy_time[c] += et_all
        self.by_resonance[c] += res_all
        self.energy_range[c, j, :, 0] = np.where(np.isfinite(lo_all), lo_all, np.nan)
        self.energy_range[c, j, :, 1] = np.where(np.isfinite(hi_all), hi_all, np.nan)
        self.counters[c] += counts_all
        self.steps_done[0] += 1
        self.wall_s += time.perf_counter() - t0
        if self.rank == 0 and j == len(case) - 1:
            top_share = self.counters[c, 5] / max(self.counters[c, 6], 1e-300)
            if top_share > 0.01:
                log.warning("case %d (%s): %.1f %% of the precipitated energy comes from the top pitch-angle cell; "
                            "raise alpha_span_deg (now %g deg), the flux is underestimated", c, self.labels[c],
                            100 * top_share, cfg.alpha_span_deg)
            log.info("case %d of %d (%s) done", c + 1, len(self.cases), self.labels[c])
        if self.rank == 0:
            log.debug("case %d front %d (%.1f deg, tau %.3f s): %d particles, %d precipitating, %.2f s", c, j,
                      sched.front_latitude_deg[j], tau_e, len(mesh), counts_all[2], time.perf_counter() - t0)

    def _scattered_cells(self, mesh, mine, aeq, phases, min_scattering_deg):
        """Which of this rank's particles belong to a kept mesh cell (all True when the threshold is 0).

        A (speed, pitch-angle) cell is kept when any of its test particles (on any rank) has its
        equatorial pitch angle changed by more than ``min_scattering_deg``: the paper's rule for
        the shaded area of its Figure 1 (section 2.3). The particles of a cell are consecutive
        in the mesh (phase fastest), so the cell of particle i is i // phases.
        """
        if min_scattering_deg <= 0.0:
            return np.ones(mine.size, dtype=bool)
        cell = mine // phases
        largest = np.zeros(len(mesh) // phases)
        np.maximum.at(largest, cell, np.abs(aeq - mesh.alpha_eq_deg[mine]))
        self.comm.Allreduce(MPI.IN_PLACE, largest, op=MPI.MAX)
        return largest[cell] > min_scattering_deg

    def _response(self, case, mesh, mine, res, aeq, kept, tau_entry, front_speed, front_weight):
        """This rank's share of h(t, tau_j), of w_j h(t, tau_j) spread over the front interval
        (its contribution to r(t)), of the energy-time and resonance-latitude histograms, energy
        ranges and counters.
        ``aeq`` is each particle's equatorial pitch angle after the interaction, deg; particles
        not ``kept`` (see :meth:`_scattered_cells`) do not count."""
        cfg = case.cfg
        nt, ne = self.t_mid.size, cfg.energy_bins
        frac = precipitation.loss_cone_fraction(mesh.alpha_eq_deg[mine], aeq, mesh.alpha_cell_width_deg,
                                                mesh.alpha_cell_lower_deg[mine], case.loss_cone_deg) * kept
        top = mesh.alpha_cell_lower_deg[mine] >= case.loss_cone_deg + cfg.alpha_span_deg - 1.5 * mesh.alpha_cell_width_deg
        counts = np.array([mine.size, res.n_steps.sum(), np.count_nonzero(frac > 0),
                           np.count_nonzero(res.status == motion.TIME_LIMIT), np.count_nonzero(top & (frac > 0)),
                           0.0, 0.0], dtype=float)
        sel = np.flatnonzero(frac > 0)
        h = np.zeros(nt)
        r = np.zeros(nt)
        et = np.zeros((nt, ne))
        by_res = np.zeros(self.lat_edges.size - 1)
        erange = np.full((nt, 2), np.nan)
        if sel.size == 0:
            return h, r, et, by_res, erange, counts
        m = mine[sel]
        u0 = mesh.u_m_s[m]
        gamma0 = np.sqrt(1.0 + (u0 / C.C_M_S) ** 2) if cfg.relativistic else 1.0
        f = distribution.phase_space_density(u0, mesh.alpha_eq_deg[m], cfg.spectral_index, cfg.flux_ref,
                                             cfg.energy_ref_keV, case.loss_cone_deg, cfg.loss_cone_ramp_deg,
                                             cfg.relativistic)
        number = distribution.entry_number_per_area(
            f, u0, np.abs(mesh.u_par_m_s[m]) / gamma0, front_speed, mesh.du_m_s[m], mesh.alpha_eq_deg[m],
            mesh.alpha_cell_width_deg, mesh.local_cos[m], case.foot_ratio) / cfg.phases * frac[sel]
        u1p, u1q = res.u_par_m_s[sel], res.u_perp_m_s[sel]
        u1 = np.hypot(u1p, u1q)
        e_keV = motion.kinetic_energy_keV(u1p, u1q, cfg.relativistic)
        speed = u1 / np.sqrt(1.0 + (u1 / C.C_M_S) ** 2) if cfg.relativistic else u1
        travel = precipitation.travel_time_s(cfg.L, res.lat_rad[sel], speed, aeq[sel], -case.lat_foot, case.const)
        arrival = res.t_s[sel] + np.where(np.sign(res.lat_rad[sel] + case.lat_foot) > 0, travel, 0.0)
        e_J = e_keV * 1e3 * C.EV_TO_J
        deposited = e_J * number * front_weight * precipitation.J_PER_M2_IN_ERG_PER_CM2
        counts[5] = deposited[top[sel]].sum()
        counts[6] = deposited.sum()
        by_res, _ = np.histogram(np.degrees(res.resonance_lat_rad[sel]), bins=self.lat_edges, weights=deposited)
        v_par0 = np.abs(mesh.u_par_m_s[m]) / gamma0
        since = arrival - tau_entry  # entry to arrival
        cell = mesh.du_m_s[m] / u0
        spread_v = precipitation.arrival_spread_s(since, cell)
        spread = precipitation.arrival_spread_s(since, cell, front_weight, front_speed, v_par0)
        h = precipitation.bin_energy(arrival, e_J, number, self.t_edges, spread_s=spread_v) / cfg.time_bin_s
        by_time, et = precipitation.bin_energy(arrival, e_J, number * front_weight, self.t_edges, self.e_edges,
                                               spread_s=spread)
        r = by_time / cfg.time_bin_s
        contrib = e_J * number
        keep = contrib > 1e-3 * contrib.max()
        ibin = np.floor(arrival[keep] / cfg.time_bin_s).astype(int)
        ok = (ibin >= 0) & (ibin < nt)
        lo = np.full(nt, np.inf)
        hi = np.full(nt, -np.inf)
        np.minimum.at(lo, ibin[ok], e_keV[keep][ok])
        np.maximum.at(hi, ibin[ok], e_keV[keep][ok])
        erange[:, 0] = np.where(np.isfinite(lo), lo, np.nan)
        erange[:, 1] = np.where(np.isfinite(hi), hi, np.nan)
        return h, r, et, by_res, erange, counts

    # -- diagnostics --------------------------------------------------------------------
    def diagnostics(self):
        r = self.energy_flux()
        total = float(r.sum() * self.cfg.time_bin_s)
        done = int(self.steps_done[0])
        c, j = self._locate(min(done, self.planned_steps() - 1))
        return {
            "fronts_done": Scalar(done, "1", "front positions finished, all cases"),
            "case": Scalar(c, "1", "index of the case of the next (or last) front position"),
            "total_energy_all_cases": Scalar(total, "erg cm-2", "time integral of r(t) summed over the cases"),
            "test_particles": Scalar(float(self.counters[:, 0].sum()), "1", "test particles integrated"),
            "rk4_steps": Scalar(float(self.counters[:, 1].sum()), "1", "RK4 steps taken (all ranks)"),
            "time_limited_particles": Scalar(float(self.counters[:, 3].sum()), "1",
                                             "particles stopped by the time limit (should be 0)"),
            "top_alpha_cell_energy_share": Scalar(
                float(self.counters[:, 5].sum() / max(self.counters[:, 6].sum(), 1e-300)), "1",
                "share of the precipitated energy from test particles that started in the top pitch-angle "
                "cell: above 0.01, alpha_span_deg is too small and the flux is underestimated"),
        }

    @classmethod
    def summary(cls, h5file):
        snaps = h5file["snapshots"]
        r = snaps["energy_flux"][-1]
        t = h5file["grid"]["time_s"][...]
        counters = snaps["counters"][-1]
        out = {}
        n = r.shape[0]
        for c in range(n):
            suffix = "" if n == 1 else f"[{c}]"
            for key, value in precipitation.pulse_measures(t, r[c]).items():
                out[key + suffix] = value
            out["test_particles" + suffix] = float(counters[c, 0])
            out["time_limited_particles" + suffix] = float(counters[c, 3])
            if counters.shape[1] > 6:
                out["top_alpha_cell_energy_share" + suffix] = float(counters[c, 5] / max(counters[c, 6], 1e-300))
        return out
