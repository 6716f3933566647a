"""The (MLT, equatorial pitch angle, energy) grid of the `bounce` model and its weights.

Paper 001_bb23716bc5c9e956.txt, section 4: energy cells of equal width, an L-dependent
pitch-angle grid whose injection cells end exactly at the equatorial angles mirroring at
200 km and 700 km (Table 1), uniform MLT cells. The particle-count weights come from eq.
(5),

    dn / (R0 dphi) = 8 pi c m^2 h(mu0) gamma sqrt(gamma^2 - 1) Q mu0 dE dmu0,

evaluated at cell centres (midpoint rule) and multiplied by the cell widths: the number of
electrons in a cell is ``weight * Q`` with Q in s^3 kg^-3 m^-4 (SI form of eq. 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hpcsim.geometry import dipole
from hpcsim.physics import constants as const


@dataclass(frozen=True)
class Grid:
    """Cell centres and edges; MLT in hours, angles in degrees, energies in MeV."""

    mlt_edges_h: np.ndarray
    alpha_edges_deg: np.ndarray
    energy_edges_MeV: np.ndarray

    @property
    def mlt_h(self) -> np.ndarray:
        return 0.5 * (self.mlt_edges_h[1:] + self.mlt_edges_h[:-1])

    @property
    def alpha_deg(self) -> np.ndarray:
        return 0.5 * (self.alpha_edges_deg[1:] + self.alpha_edges_deg[:-1])

    @property
    def energy_MeV(self) -> np.ndarray:
        return 0.5 * (self.energy_edges_MeV[1:] + self.energy_edges_MeV[:-1])

    @property
    def dphi_rad(self) -> float:
        return 2.0 * np.pi / (len(self.mlt_edges_h) - 1)

    @property
    def shape(self) -> tuple[int, int, int]:
        return (len(self.mlt_edges_h) - 1, len(self.alpha_edges_deg) - 1, len(self.energy_edges_MeV) - 1)


def injection_range_deg(cfg) -> tuple[float, float]:
    """Equatorial pitch angles mirroring at the loss-cone and injection altitudes (Table 1)."""
    lo = float(dipole.equatorial_loss_cone_deg(cfg.L, cfg.loss_cone_altitude_km))
    hi = float(dipole.equatorial_loss_cone_deg(cfg.L, cfg.injection_altitude_km))
    return lo, hi


def build(cfg) -> Grid:
    lo, hi = injection_range_deg(cfg)
    alpha = np.concatenate([
        np.linspace(cfg.alpha_eq_min_deg, lo, cfg.pitch_cells_loss_cone + 1)[:-1],
        np.linspace(lo, hi, cfg.pitch_cells_injection + 1)[:-1],
        np.linspace(hi, cfg.alpha_eq_max_deg, cfg.pitch_cells_trapped + 1)])
    e0 = cfg.energy_first_centre_MeV - 0.5 * cfg.energy_cell_width_MeV
    energy = e0 + cfg.energy_cell_width_MeV * np.arange(cfg.energy_cells + 1)
    mlt = np.linspace(0.0, 24.0, cfg.mlt_cells + 1)
    return Grid(mlt, alpha, energy)


def injection_cells(cfg) -> slice:
    """Pitch-angle cells of the injection range."""
    return slice(cfg.pitch_cells_loss_cone, cfg.pitch_cells_loss_cone + cfg.pitch_cells_injection)


def drift_rate_rad_s(cfg, grid: Grid) -> np.ndarray:
    """Bounce-averaged drift angular velocity <dphi/dt> at cell centres, shape (alpha, E).

    Positive is eastward (increasing MLT), the direction electrons drift.
    """
    a, e = np.meshgrid(grid.alpha_deg, grid.energy_MeV, indexing="ij")
    return np.asarray(dipole.drift_angular_velocity_rad_s(cfg.L, e, a), dtype=float)


def drift_courant_max(cfg, dt_s: float) -> float:
    grid = build(cfg)
    return float(np.max(np.abs(drift_rate_rad_s(cfg, grid))) * dt_s / grid.dphi_rad)


def energy_weight(grid: Grid) -> np.ndarray:
    """G(E) = gamma sqrt(gamma^2 - 1) at the energy cell centres: the energy weight of eq. (5)."""
    gamma = 1.0 + grid.energy_MeV / const.ELECTRON_REST_ENERGY_MEV
    return gamma * np.sqrt(gamma**2 - 1.0)


def h_mu0_weight(alpha_eq_deg) -> np.ndarray:
    """h(mu0) mu0, the pitch-angle weight of eqs. (3) and (5) (dimensionless)."""
    alpha_eq_deg = np.asarray(alpha_eq_deg, dtype=float)
    return np.asarray(dipole.h_mu0(alpha_eq_deg), dtype=float) * np.cos(np.radians(alpha_eq_deg))


def count_weight_factors(cfg, grid: Grid) -> tuple[np.ndarray, np.ndarray, float]:
    """Factors of the eq. (5) cell weight: ``prefactor * alpha_factor[a] * energy_factor[e]``.

    alpha_factor = h(mu0) mu0 dmu0 (dimensionless), energy_factor = G(E) dE (J),
    prefactor = 8 pi c m^2 R0 dphi (SI).
    """
    dmu0 = np.abs(np.diff(np.cos(np.radians(grid.alpha_edges_deg))))
    energy_factor = energy_weight(grid) * np.diff(grid.energy_edges_MeV) * const.MEV_TO_J
    r0_m = cfg.L * dipole.DEFAULT.earth_radius_km * 1e3
    prefactor = 8.0 * np.pi * const.C_M_S * const.ELECTRON_MASS_KG**2 * r0_m * grid.dphi_rad
    return h_mu0_weight(grid.alpha_deg) * dmu0, energy_factor, float(prefactor)


def count_weights(alpha_factor: np.ndarray, energy_factor: np.ndarray, prefactor: float) -> np.ndarray:
    """Electrons per unit Q in one cell of each (alpha, E) column, eq. (5); shape (alpha, E),
    from the factors of :func:`count_weight_factors`."""
    return prefactor * alpha_factor[:, None] * energy_factor[None, :]
