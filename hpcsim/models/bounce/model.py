"""The `bounce` model (paper 001_bb23716bc5c9e956.txt): Q(t, MLT, mu0, E) on one L shell.

State: the bounce-averaged distribution Q of eq. (3) on the (MLT, alpha_eq, E) grid of
:mod:`hpcsim.models.bounce.grid`, MLT block-decomposed across ranks.

Implemented processes: the azimuthal drift term d(<dphi/dt> Q)/dphi of eq. (3), solved
with the superbee flux-limited Lax-Wendroff/upwind scheme of section 4 on a periodic MLT
axis with a two-cell halo exchanged between neighbouring MLT sectors. Collisions, wave
scattering and the atmospheric loss term are issue #3.
"""

from __future__ import annotations

import numpy as np

from hpcsim.models.base import Field, Model as BaseModel, Scalar
from hpcsim.models.bounce import grid as grids
from hpcsim.numerics import advection
from hpcsim.parallel import BlockDecomposition, HaloExchange, allreduce_sum

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
        self.weights = grids.count_weights(cfg, self.grid)
        self.drift_rate = grids.drift_rate_rad_s(cfg, self.grid)
        w = advection.HALO_WIDTH
        self._padded = np.zeros((self.decomposition.n_local + 2 * w, n_alpha, n_energy))
        shape_all = initial_condition(cfg, self.grid, self.grid.mlt_h)
        self.initial_count = float(np.sum(shape_all * self.weights[None]))
        self.norm = cfg.beam_electrons / self.initial_count
        self.Q[...] = self.norm * shape_all[self.decomposition.local_slice]

    @property
    def Q(self) -> np.ndarray:
        """This rank's MLT slab of Q (a view into the padded work array)."""
        w = advection.HALO_WIDTH
        return self._padded[w:w + self.decomposition.n_local]

    # -- contract ------------------------------------------------------------------------
    def state_fields(self) -> list[Field]:
        return [Field("Q", self.Q, self.grid.shape, self.decomposition.start, Q_UNIT,
                      "bounce-averaged distribution function Q(MLT, alpha_eq, E), eq. (3) and (5)",
                      ("mlt", "alpha_eq", "energy"))]

    def set_state(self, arrays):
        self.Q[...] = arrays["Q"]

    def state_fingerprint(self):
        from hpcsim.config import as_dict
        return {f"bounce.{k}": v for k, v in as_dict(self.cfg).items()}

    def step(self, dt_s: float) -> None:
        if self.cfg.drift:
            self.drift_step(dt_s)

    def drift_step(self, dt_s: float) -> None:
        """Advance d Q/dt + d(<dphi/dt> Q)/dphi = 0 by dt_s (periodic in MLT)."""
        self.halo.exchange(self._padded)
        courant = self.drift_rate * dt_s / self.grid.dphi_rad
        self.Q[...] = advection.advect(self._padded, courant, self.cfg.limiter)

    def count_per_mlt(self) -> np.ndarray:
        """Electrons in each local MLT cell (eq. 5)."""
        return np.einsum("mae,ae->m", self.Q, self.weights)

    def diagnostics(self):
        total = allreduce_sum(self.comm, float(np.sum(self.count_per_mlt())))
        return {
            "particle_count": Scalar(total, "electrons", "beam electrons on the L shell, eq. (5)"),
            "particle_fraction": Scalar(total / self.cfg.beam_electrons, "1",
                                        "particle count over the initial count"),
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
        ]

    @classmethod
    def summary(cls, h5file):
        ts = h5file["timeseries"]
        count = ts["particle_count"][...]
        time_s = ts["time_s"][...]
        return {
            "particle_fraction_final": float(count[-1] / count[0]),
            "particle_count_initial": float(count[0]),
            "particle_count_final": float(count[-1]),
            "particle_count_max_relative_change": float(np.max(np.abs(count / count[0] - 1.0))),
            "time_final_s": float(time_s[-1]),
        }
