"""The `bounce` model (paper 001_bb23716bc5c9e956.txt): Q(t, MLT, mu0, E) on one L shell.

State: the bounce-averaged distribution Q of eq. (3) on the (MLT, alpha_eq, E) grid of
:mod:`hpcsim.models.bounce.grid`, MLT block-decomposed across ranks.

Processes of eq. (3), each switchable, combined by fractional steps (section 4): one step
of ``dt`` is

    energy loss(dt/2), pitch-angle diffusion + atmospheric loss(dt/2), drift(dt),
    pitch-angle diffusion + atmospheric loss(dt/2), energy loss(dt/2)

(the paper's "solved once, then again in reverse order"; Strang splitting, second order).
The drift, the fastest process, takes the whole step in the middle, at the Courant number
of "nearly one grid cell per time step" the paper describes (section 4); the flux-limited
scheme is least diffusive there.

* drift: d(<dphi/dt> Q)/dphi, superbee flux-limited advection on the periodic MLT axis,
  MLT sectors across ranks with a two-cell halo;
* energy loss: (1/G) d(G <|dE/dt|> Q)/dE with G = gamma sqrt(gamma^2 - 1), the weight of eq.
  (5), so the count is conserved except for what leaves the lowest energy cell (counted
  as "lost by energy loss"); superbee advection with face velocities;
* pitch-angle diffusion: (1/(h mu0)) d/dmu0 (<D> h mu0 dQ/dmu0) with <D> = <D_cc> + sum of
  wave <D_mumu>, zero flux at both ends, and the atmospheric sink -Q/tau_atm in the loss
  cone, together in one Crank-Nicolson step on a petsc4py block-diagonal matrix
  (assembled once: the coefficients do not change in time); the sink uses the exponential
  form (exact for a pure sink) because dt >> tau_atm ~ a quarter bounce period. What the
  sink removes is counted as "lost by precipitation".
"""

from __future__ import annotations

import numpy as np

from hpcsim.models.base import Field, Model as BaseModel, Scalar
from hpcsim.models.bounce import coefficients as coeffs
from hpcsim.models.bounce import grid as grids
from hpcsim.numerics import advection
from hpcsim.numerics.diffusion import CrankNicolsonDiffusion
from hpcsim.physics.constants import MEV_TO_J
from hpcsim.parallel import BlockDecomposition, HaloExchange, allreduce_max, allreduce_sum

Q_UNIT = "s^3 kg^-3 m^-4"


def initial_condition(cfg, grid: grids.Grid, mlt_h: np.ndarray) -> np.ndarray:
    """Unnormalised beam (section 3): Gaussian in MLT and energy, uniform over the injection
    pitch-angle cells, zero elsewhere; shape (len(mlt_h), alpha, E)."""
    d_mlt = (mlt_h - cfg.beam_mlt_h + 12.0) % 24.0 - 12.0  # periodic distance, h
    in_mlt = np.exp(-0.5 * (d_mlt / cfg.beam_mlt_width_h) ** 2)
    in_energy = np.exp(-0.5 * ((grid.energy_MeV - cfg.beam_energy_MeV) / cfg.beam_energy_width_MeV) ** 2)
    in_alpha = np.zeros(grid.shape[1])
    in_alpha[grids.injection_cells(cfg)] = 1.0
    return in_mlt[:, None, None] * in_alpha[None, :, None] * in_energy[None, None, :]


class Model(BaseModel):
    name = "bounce"

    def __init__(self, config, comm):
        super().__init__(config, comm)
        cfg = self.cfg = config.model
        self.grid = grids.build(cfg)
        n_mlt, n_alpha, n_energy = self.grid.shape
        self.decomposition = BlockDecomposition(n_mlt, comm)
        self.halo = HaloExchange(self.decomposition, advection.HALO_WIDTH, periodic=True)
        self.alpha_factor, self.energy_factor, self.prefactor = grids.count_weight_factors(cfg, self.grid)
        self.weights = grids.count_weights(self.alpha_factor, self.energy_factor, self.prefactor)
        self.drift_rate = grids.drift_rate_rad_s(cfg, self.grid)
        w = advection.HALO_WIDTH
        self._padded = np.zeros((self.decomposition.n_local + 2 * w, n_alpha, n_energy))
        shape_all = initial_condition(cfg, self.grid, self.grid.mlt_h)
        self.initial_count = float(np.sum(shape_all * self.weights[None]))
        self.norm = cfg.beam_electrons / self.initial_count
        self.Q[...] = self.norm * shape_all[self.decomposition.local_slice]
        n_local = self.decomposition.n_local
        self.lost_precipitation = np.zeros(n_local)   # electrons, per local MLT cell
        self.lost_energy = np.zeros(n_local)
        self._setup_collisional_operators(comm)

    def _setup_collisional_operators(self, comm) -> None:
        """Coefficients, the energy-advection Courant numbers and the diffusion operator."""
        cfg, g = self.cfg, self.grid
        self.energy_G = grids.energy_weight(g)
        needs = cfg.energy_loss or cfg.collisional_scattering or cfg.wave_scattering or cfg.atmospheric_loss
        self.coefficients = coeffs.build(cfg, g, g.mlt_h[self.decomposition.local_slice], comm) if needs else None
        self.diffusion = None
        if cfg.collisional_scattering or cfg.wave_scattering or cfg.atmospheric_loss:
            c = self.coefficients
            D = np.zeros((self.decomposition.n_local, g.shape[1] + 1, g.shape[2]))
            if cfg.collisional_scattering:
                D += c.D_collisions_per_s
            for d in c.D_waves_per_s.values():
                D += d
            tau = c.tau_atm_s if cfg.atmospheric_loss else np.full(c.tau_atm_s.shape, np.inf)
            # mu0 decreases with alpha: the operator runs on the reversed pitch-angle axis
            mu0_edges = np.cos(np.radians(g.alpha_edges_deg))[::-1]
            self.diffusion = CrankNicolsonDiffusion(
                comm, mu0_edges, grids.h_mu0_weight(g.alpha_deg)[::-1], (self.decomposition.n_local, g.shape[2]),
                face_weights=grids.h_mu0_weight(g.alpha_edges_deg)[::-1], sink="exponential")
            self.diffusion.update_coefficients(D[:, ::-1, :], tau[None, ::-1, :], 0.5 * self.config.run.dt_s)
        self.energy_courant = None
        if cfg.energy_loss:
            de = cfg.energy_cell_width_MeV
            # particles lose energy: velocity toward lower E; half steps of dt/2
            self.energy_courant = -self.coefficients.energy_loss_MeV_s * (0.5 * self.config.run.dt_s) / de
            self.energy_advection = advection.OpenAdvection(self.Q.shape, self.energy_courant, axis=2,
                                                            name=cfg.limiter, weights=self.energy_G)
            worst = allreduce_max(comm, float(np.max(np.abs(self.energy_courant), initial=0.0)))
            if worst > advection.max_stable_courant():
                from hpcsim.config import ConfigError, Problem
                raise ConfigError(self.config.source, [Problem(
                    "run", "dt_s", self.config.run.dt_s,
                    f"energy-loss Courant number {worst:.3g} > 1 (known only once the collision "
                    f"coefficients are computed); use dt_s <= {self.config.run.dt_s / worst:.4g}")])

    @property
    def Q(self) -> np.ndarray:
        """This rank's MLT slab of Q (a view into the padded work array)."""
        w = advection.HALO_WIDTH
        return self._padded[w:w + self.decomposition.n_local]

    # -- contract ------------------------------------------------------------------------
    def state_fields(self) -> list[Field]:
        dec = self.decomposition
        n_mlt = self.grid.shape[0]
        return [Field("Q", self.Q, self.grid.shape, dec.start, Q_UNIT,
                      "bounce-averaged distribution function Q(MLT, alpha_eq, E), eq. (3) and (5)",
                      ("mlt", "alpha_eq", "energy")),
                Field("lost_precipitation_per_mlt", self.lost_precipitation, (n_mlt,), dec.start, "electrons",
                      "electrons removed by the atmospheric loss term so far, per MLT cell", ("mlt",)),
                Field("lost_energy_per_mlt", self.lost_energy, (n_mlt,), dec.start, "electrons",
                      "electrons that left the lowest energy cell by collisional energy loss so far, "
                      "per MLT cell", ("mlt",))]

    def set_state(self, arrays):
        self.Q[...] = arrays["Q"]
        self.lost_precipitation[...] = arrays["lost_precipitation_per_mlt"]
        self.lost_energy[...] = arrays["lost_energy_per_mlt"]

    def state_fingerprint(self):
        from hpcsim.config import as_dict
        return {f"bounce.{k}": v for k, v in as_dict(self.cfg).items()}

    def step(self, dt_s: float) -> None:
        """One fractional step of eq. (3) (see the module docstring for the order)."""
        if self.energy_courant is not None:
            self.energy_step()
        if self.diffusion is not None:
            self.diffusion_step()
        if self.cfg.drift:
            self.drift_step(dt_s)
        if self.diffusion is not None:
            self.diffusion_step()
        if self.energy_courant is not None:
            self.energy_step()

    def drift_step(self, dt_s: float) -> None:
        """Advance d Q/dt + d(<dphi/dt> Q)/dphi = 0 by dt_s (periodic in MLT)."""
        self.halo.exchange(self._padded)
        courant = self.drift_rate * dt_s / self.grid.dphi_rad
        self.Q[...] = advection.advect(self._padded, courant, self.cfg.limiter)

    def energy_step(self) -> None:
        """Advance dQ/dt = (1/G) d(G |dE/dt| Q)/dE by dt/2; count what leaves the grid."""
        new, outflow = self.energy_advection.step(self.Q)
        self.Q[...] = new
        # outflow[0]: what left through the low-energy end, in units of G Q of one cell
        dE_J = self.cfg.energy_cell_width_MeV * MEV_TO_J
        self.lost_energy += self.prefactor * dE_J * (outflow[0] @ self.alpha_factor)

    def diffusion_step(self) -> None:
        """Crank-Nicolson pitch-angle diffusion with the atmospheric sink, by dt/2."""
        removed = self.diffusion.step(self.Q[:, ::-1, :])   # (mlt, E): sum over mu0 of h mu0 dmu0 Q
        self.lost_precipitation += self.prefactor * removed @ self.energy_factor

    def count_per_mlt(self) -> np.ndarray:
        """Electrons in each local MLT cell (eq. 5)."""
        return np.einsum("mae,ae->m", self.Q, self.weights)

    def diagnostics(self):
        local = np.array([np.sum(self.count_per_mlt()), np.sum(self.lost_precipitation), np.sum(self.lost_energy)])
        total, lost_p, lost_e = allreduce_sum(self.comm, local)
        n0 = self.cfg.beam_electrons
        return {
            "particle_count": Scalar(total, "electrons", "beam electrons on the L shell, eq. (5)"),
            "particle_fraction": Scalar(total / n0, "1", "particle count over the initial count"),
            "lost_precipitation_fraction": Scalar(lost_p / n0, "1", "fraction of the initial count removed "
                                                  "by the atmospheric loss term (precipitated)"),
            "lost_energy_fraction": Scalar(lost_e / n0, "1", "fraction of the initial count that left "
                                           "the energy grid downward by collisional energy loss"),
            "count_balance_error": Scalar((total + lost_p + lost_e) / n0 - 1.0, "1",
                                          "(count + removed) / initial - 1: bookkeeping check, round-off"),
        }

    def output_fields(self):
        dec = self.decomposition
        return self.state_fields() + [
            Field("count_per_mlt", self.count_per_mlt(), (self.grid.shape[0],), dec.start,
                  "electrons", "electrons per MLT cell, eq. (5)", ("mlt",))]

    def static_fields(self):
        g = self.grid
        rep = Field.replicated
        return [
            rep("mlt_h", g.mlt_h, "h", "MLT cell centres", ("mlt",)),
            rep("mlt_edges_h", g.mlt_edges_h, "h", "MLT cell edges"),
            rep("alpha_eq_deg", g.alpha_deg, "deg", "equatorial pitch-angle cell centres", ("alpha_eq",)),
            rep("alpha_eq_edges_deg", g.alpha_edges_deg, "deg", "equatorial pitch-angle cell edges"),
            rep("energy_MeV", g.energy_MeV, "MeV", "kinetic energy cell centres", ("energy",)),
            rep("energy_edges_MeV", g.energy_edges_MeV, "MeV", "kinetic energy cell edges"),
            rep("drift_rate_rad_s", self.drift_rate, "rad/s",
                "bounce-averaged drift angular velocity <dphi/dt>, eq. (3); > 0 eastward",
                ("alpha_eq", "energy")),
            rep("count_weight", self.weights, "electrons / (s^3 kg^-3 m^-4)",
                "electrons per unit Q in one cell, eq. (5)", ("alpha_eq", "energy")),
        ] + self._coefficient_fields()

    def _coefficient_fields(self) -> list[Field]:
        """The coefficients used (eqs. 2-4), for plots of the paper's Figures 2 and 3."""
        c = self.coefficients
        if c is None:
            return []
        dec, (n_mlt, n_alpha, n_energy) = self.decomposition, self.grid.shape
        fields = [Field.replicated("tau_atm_s", np.where(np.isfinite(c.tau_atm_s), c.tau_atm_s, 0.0), "s",
                                   "atmospheric loss time tau_atm of eq. (3) (0: outside the loss cone)",
                                   ("alpha_eq", "energy")),
                  Field.replicated("coefficient_sample_mlt_h", c.sample_mlt_h, "h",
                                   "MLTs at which the background and collision coefficients were computed"),
                  Field.replicated("ne_eq_cm3", c.ne_eq_cm3, "cm^-3", "equatorial electron density at those MLTs")]
        if self.cfg.energy_loss:
            fields.append(Field("energy_loss_MeV_s", c.energy_loss_MeV_s, (n_mlt, n_alpha, n_energy + 1), dec.start,
                                "MeV/s", "bounce-averaged collisional |dE/dt| at the energy cell edges, eqs. (2), (4)",
                                ("mlt", "alpha_eq", "energy_edge")))
        if self.cfg.collisional_scattering:
            fields.append(Field("D_collisions_per_s", c.D_collisions_per_s, (n_mlt, n_alpha + 1, n_energy), dec.start,
                                "1/s", "bounce-averaged collisional <D_cc> in mu0 at the pitch-angle cell edges, eq. (4)",
                                ("mlt", "alpha_eq_edge", "energy")))
        for name, d in c.D_waves_per_s.items():
            fields.append(Field(f"D_wave_{name}_per_s", d, (n_mlt, n_alpha + 1, n_energy), dec.start, "1/s",
                                f"bounce-averaged <D_mumu> in mu0 of {name} (occurrence included) at the "
                                "pitch-angle cell edges, eq. (4)", ("mlt", "alpha_eq_edge", "energy")))
        return fields

    @classmethod
    def summary(cls, h5file):
        ts = h5file["timeseries"]
        count = ts["particle_count"][...]
        time_s = ts["time_s"][...]
        out = {
            "particle_fraction_final": float(count[-1] / count[0]),
            "particle_count_initial": float(count[0]),
            "particle_count_final": float(count[-1]),
            "particle_count_max_relative_change": float(np.max(np.abs(count / count[0] - 1.0))),
            "time_final_s": float(time_s[-1]),
        }
        if len(time_s) >= 3:
            if time_s[-1] >= 3600.0:
                out["loss_rate_percent_per_h_1h"] = loss_rate_percent_per_h(time_s, count, 3600.0)
            out["loss_rate_percent_per_h_final"] = loss_rate_percent_per_h(time_s, count, time_s[-1])
        for name in ("lost_precipitation_fraction", "lost_energy_fraction", "count_balance_error"):
            if name in ts:
                out[f"{name}_final"] = float(ts[name][-1])
        return out


def loss_rate_percent_per_h(time_s: np.ndarray, count: np.ndarray, at_s: float) -> float:
    """-d ln N/dt at ``at_s`` in percent of the remaining particles per hour (the paper's
    definition, section 5.2), from the count time series by second-order differences."""
    rate = -np.gradient(np.log(np.maximum(count, 1e-300)), time_s)
    return float(100.0 * 3600.0 * np.interp(at_s, time_s, rate)) + 0.0  # + 0.0: no "-0" when nothing is lost
