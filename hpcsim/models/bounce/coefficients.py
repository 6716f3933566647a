"""Coefficients of eq. (3) for the `bounce` model on its grid, computed in parallel.

* ``energy_loss_MeV_s``: bounce-averaged collisional |dE/dt| (eqs. 2 and 4) at the energy
  cell edges, for every local MLT cell and pitch-angle cell: shape (mlt, alpha, E + 1).
* ``D_collisions_per_s``: bounce-averaged collisional <D_cc> in mu0 (eq. 4) at the
  pitch-angle cell edges: shape (mlt, alpha + 1, E).
* ``D_waves_per_s``: bounce-averaged wave <D_mumu> in mu0 (eq. 4), one array per wave type,
  occurrence included, at the pitch-angle cell edges: shape (mlt, alpha + 1, E).
* ``tau_atm_s``: atmospheric loss time of eq. (3) at cell centres, inf outside the loss
  cone: shape (alpha, E).

The background (NRLMSIS neutrals, PyIRI ionosphere, plasmasphere; :mod:`hpcsim.physics.background`)
depends on MLT. Coefficients are computed at ``coefficient_mlt_points`` sample MLTs
(0, 24/n, ...) and wave coefficients at ``wave_mlt_points`` MLTs, and both are
interpolated linearly (periodic) to the MLT cells. The samples are
split over the ranks and gathered, so every rank holds all samples; wave tables are split
over ranks by (alpha, E) points and cached in HDF5 (:mod:`hpcsim.physics.wave_cache`).
A user table (``wave_table_file``) replaces the computed wave coefficients.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from hpcsim.geometry import dipole
from hpcsim.parallel import block_range

log = logging.getLogger("hpcsim.bounce")


@dataclass
class Coefficients:
    sample_mlt_h: np.ndarray
    energy_loss_MeV_s: np.ndarray      # (n_mlt_local, n_alpha, n_E + 1)
    D_collisions_per_s: np.ndarray     # (n_mlt_local, n_alpha + 1, n_E)
    D_waves_per_s: dict                # name -> (n_mlt_local, n_alpha + 1, n_E)
    tau_atm_s: np.ndarray              # (n_alpha, n_E)
    ne_eq_cm3: np.ndarray              # equatorial density at the samples


def sample_mlts(n: int) -> np.ndarray:
    return 24.0 * np.arange(n) / n


def interpolate_mlt(sample_mlt_h: np.ndarray, values: np.ndarray, mlt_h: np.ndarray) -> np.ndarray:
    """Periodic linear interpolation along axis 0 from sample MLTs to ``mlt_h``."""
    n = len(sample_mlt_h)
    if n == 1:
        return np.repeat(values[:1], len(mlt_h), axis=0)
    step = 24.0 / n
    pos = (np.asarray(mlt_h) % 24.0) / step
    lo = np.floor(pos).astype(int) % n
    hi = (lo + 1) % n
    frac = (pos - np.floor(pos)).reshape((-1,) + (1,) * (values.ndim - 1))
    return (1.0 - frac) * values[lo] + frac * values[hi]


def _backgrounds(cfg, mlts):
    from hpcsim.physics import atmosphere, background
    inputs = atmosphere.SolarInputs(date=cfg.date, f107_sfu=cfg.f107_sfu, f107a_sfu=cfg.f107a_sfu, ap=cfg.ap)
    ne_eq = cfg.ne_eq_cm3 if cfg.ne_eq_cm3 > 0 else None
    return background.build_backgrounds(cfg.L, list(mlts), inputs, ne_eq_cm3=ne_eq)


def _pad_end_faces(interior: np.ndarray) -> np.ndarray:
    """Add zero rows for the two end faces of the pitch-angle axis (zero-flux boundaries:
    the diffusion operator ignores D there, and alpha = 90 deg has no finite <D>)."""
    return np.pad(interior, ((1, 1), (0, 0)))


class ScaledProfile:
    """A background profile with its neutral and plasma densities multiplied by factors."""

    NEUTRALS = ("n_O", "n_N", "n_H")
    PLASMA = ("n_e", "n_Oplus", "n_Hplus")

    def __init__(self, profile, neutral_scale: float, plasma_scale: float):
        self.profile, self.neutral_scale, self.plasma_scale = profile, neutral_scale, plasma_scale
        if hasattr(profile, "min_altitude_km"):
            self.min_altitude_km = profile.min_altitude_km

    def __call__(self, latitude_rad):
        values = dict(self.profile(latitude_rad))
        for key in self.NEUTRALS:
            values[key] = values[key] * self.neutral_scale
        for key in self.PLASMA:
            values[key] = values[key] * self.plasma_scale
        return values


def build(cfg, grid, mlt_local_h: np.ndarray, comm) -> Coefficients:
    """All coefficients for the local MLT cells (collective over ``comm``)."""
    from hpcsim.physics import collisions, wave_cache, wave_models

    n_alpha, n_energy = grid.shape[1], grid.shape[2]
    samples = sample_mlts(cfg.coefficient_mlt_points)
    need_background = cfg.energy_loss or cfg.collisional_scattering or (
        cfg.wave_scattering and not cfg.wave_table_file)
    e_loss = np.zeros((len(samples), n_alpha, n_energy + 1))
    d_coll = np.zeros((len(samples), n_alpha + 1, n_energy))
    d_wave = {}
    ne_eq = np.full(len(samples), np.nan)
    if need_background:
        start, stop = block_range(len(samples), comm.Get_size(), comm.Get_rank())
        mine = {}
        if stop > start:
            bgs = _backgrounds(cfg, samples[start:stop])
            for k, bg in zip(range(start, stop), bgs):
                entry = {"ne_eq": float(bg.ne_eq_cm3)}
                bg = ScaledProfile(bg, cfg.collision_neutral_scale, cfg.collision_plasma_scale)
                if cfg.energy_loss:
                    entry["e_loss"] = collisions.bounce_averaged_energy_loss_rate_MeV_s(
                        cfg.L, grid.alpha_deg, grid.energy_edges_MeV, bg, n_points=cfg.bounce_nodes,
                        normalisation=cfg.collision_energy_normalisation)
                if cfg.collisional_scattering:
                    entry["d_coll"] = _pad_end_faces(collisions.bounce_averaged_D_cc_s(
                        cfg.L, grid.alpha_edges_deg[1:-1], grid.energy_MeV, bg, n_points=cfg.bounce_nodes))
                mine[k] = (entry, bg)
        gathered = {}
        for part in comm.allgather({k: v[0] for k, v in mine.items()}):
            gathered.update(part)
        for k, entry in gathered.items():
            ne_eq[k] = entry["ne_eq"]
            if "e_loss" in entry:
                e_loss[k] = entry["e_loss"]
            if "d_coll" in entry:
                d_coll[k] = entry["d_coll"]
        # wave tables need the density profile of every sample on every rank (the table
        # computation itself is split over ranks by (alpha, E) points)
    wave_samples = sample_mlts(cfg.wave_mlt_points)
    if cfg.wave_scattering and not cfg.wave_table_file:
        backgrounds = _backgrounds(cfg, wave_samples)
    if cfg.wave_scattering:
        spectra = {name: replace(spec, max_latitude_deg=cfg.wave_max_latitude_deg)
                   for name, spec in wave_models.paper_spectra(cfg.L).items() if name in cfg.waves}
        per_sample = []
        for k in range(len(wave_samples)):
            if cfg.wave_table_file:
                table = wave_cache.read_table(cfg.wave_table_file, grid.alpha_edges_deg[1:-1], grid.energy_MeV)
            else:
                bg = backgrounds[k]
                table = wave_cache.compute_table(
                    cfg.L, spectra, grid.alpha_edges_deg[1:-1], grid.energy_MeV,
                    lambda lat, bg=bg: bg.profile(lat)["n_e"], profile_id=f"mlt={wave_samples[k]:.4f}",
                    comm=comm, cache_dir=cfg.coefficient_cache_dir or None)
            per_sample.append({name: _pad_end_faces(np.nan_to_num(d)) for name, d in table.D_per_s.items()})
            if cfg.wave_table_file:
                break
        names = sorted(per_sample[0])
        for name in names:
            stack = np.stack([d[name] for d in per_sample])
            d_wave[name] = interpolate_mlt(wave_samples if len(stack) > 1 else wave_samples[:1], stack, mlt_local_h)
    energy_grid, alpha_grid = np.meshgrid(grid.energy_MeV, grid.alpha_deg)
    tau = dipole.atmospheric_loss_time_s(cfg.L, energy_grid, alpha_grid, cfg.loss_cone_altitude_km)
    # Cells whose centre is in the loss cone but whose upper edge is on the loss-cone
    # boundary are in the loss cone by construction of the grid.
    return Coefficients(
        sample_mlt_h=samples,
        energy_loss_MeV_s=interpolate_mlt(samples, e_loss, mlt_local_h),
        D_collisions_per_s=interpolate_mlt(samples, d_coll, mlt_local_h),
        D_waves_per_s=d_wave,
        tau_atm_s=np.asarray(tau, dtype=float),
        ne_eq_cm3=ne_eq,
    )
