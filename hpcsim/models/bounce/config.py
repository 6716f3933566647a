"""The ``[bounce]`` input table (paper 001_bb23716bc5c9e956.txt, sections 3-4).

Defaults are the paper's L = 2 set-up: 9 energy cells of 0.25 MeV centred 4-6 MeV, five
pitch-angle cells spanning the injection range exactly (edges at the equatorial pitch
angles that mirror at 200 km and at 700 km, Table 1), 240 MLT cells (0.1 h), and a beam
Gaussian in energy (5 MeV, 0.5 MeV) and in MLT (noon, 0.25 h), uniform in pitch angle over
the injection range.
"""

from __future__ import annotations

from dataclasses import dataclass

from hpcsim.config import Problem, param
from hpcsim.numerics.advection import LIMITERS, max_stable_courant


@dataclass(frozen=True)
class Config:
    """The `bounce` model: bounce-averaged relativistic electron beam on an L shell."""

    L: float = param(2.0, ge=1.0, le=12.0, doc="L shell of the beam (dipole), Earth radii.")
    # --- grid
    mlt_cells: int = param(240, ge=4, doc="Number of MLT cells around the Earth (paper: 240, 0.1 h).")
    energy_cells: int = param(9, ge=1, doc="Number of energy cells (paper: 9).")
    energy_first_centre_MeV: float = param(4.0, gt=0.0, le=100.0,
                                           doc="Centre of the lowest energy cell, MeV (paper: 4).")
    energy_cell_width_MeV: float = param(0.25, gt=0.0, doc="Width of the energy cells, MeV (paper: 0.25).")
    alpha_eq_min_deg: float = param(1.0, gt=0.0, lt=90.0,
                                    doc="Lower edge of the equatorial pitch-angle grid, deg (inside the loss cone).")
    alpha_eq_max_deg: float = param(90.0, gt=0.0, le=90.0, doc="Upper edge of the equatorial pitch-angle grid, deg.")
    pitch_cells_loss_cone: int = param(8, ge=1, doc="Uniform cells from alpha_eq_min_deg to the edge "
                                       "of the injection range (the loss-cone edge).")
    pitch_cells_injection: int = param(5, ge=1, doc="Uniform cells exactly spanning the injection "
                                       "range (paper: 5).")
    pitch_cells_trapped: int = param(24, ge=1, doc="Uniform cells from the upper injection edge to alpha_eq_max_deg.")
    loss_cone_altitude_km: float = param(200.0, ge=0.0, le=2000.0, doc="Mirror altitude that defines the loss "
                                         "cone and the lower edge of the injection range, km (paper: 200).")
    injection_altitude_km: float = param(700.0, ge=0.0, le=5000.0, doc="Beam injection altitude; its "
                                         "mirror angle is the upper edge of the injection range, km (paper: 700).")
    # --- beam (initial condition)
    beam_energy_MeV: float = param(5.0, gt=0.0, doc="Centre of the Gaussian energy spectrum, MeV (paper: 5).")
    beam_energy_width_MeV: float = param(0.5, gt=0.0, doc="Standard deviation of the Gaussian energy "
                                         "spectrum, MeV (paper: 0.5).")
    beam_mlt_h: float = param(12.0, ge=0.0, lt=24.0, doc="MLT of the beam centre, h (paper: noon).")
    beam_mlt_width_h: float = param(0.25, gt=0.0, doc="Standard deviation of the Gaussian in MLT, h (paper: 0.25).")
    beam_electrons: float = param(1.0e20, gt=0.0, doc="Number of beam electrons in the initial "
                                  "condition (after the first bounce), electrons.")
    # --- processes (eq. 3); each can be switched off for the paper's process studies
    drift: bool = param(True, doc="Azimuthal gradient-curvature drift (eq. 3, Hamlin et al. 1961).")
    energy_loss: bool = param(True, doc="Collisional energy loss <(dE/dt)_cc> (eqs. 2, 4).")
    collisional_scattering: bool = param(True, doc="Collisional pitch-angle diffusion <D_cc> (eqs. 2, 4).")
    wave_scattering: bool = param(True, doc="Wave pitch-angle diffusion <D_mumu> (eq. 4, Table 6).")
    atmospheric_loss: bool = param(True, doc="Loss -Q/tau_atm of particles mirroring below "
                                   "loss_cone_altitude_km (eq. 3).")
    waves: tuple[str, ...] = param(("hiss", "lightning", "vlf1", "vlf2"),
                                   choices=("hiss", "lightning", "vlf1", "vlf2"),
                                   doc="Wave types of Table 6 included in <D_mumu>.")
    wave_max_latitude_deg: float = param(45.0, gt=0.0, le=90.0, doc="Waves of every type are present for "
                                         "|magnetic latitude| <= this, deg. The paper does not give the extent; "
                                         "45 is our choice (docs/physics/bounce_waves.md: the coefficients next to "
                                         "the loss cone depend strongly on it).")
    wave_table_file: str = param("", doc="HDF5 file of bounce-averaged <D_mu0mu0>(alpha_eq, E) per wave "
                                 "(docs/physics/bounce_waves.md) used instead of computing them; "
                                 "empty: compute.")
    coefficient_cache_dir: str = param(".hpcsim-cache", doc="Directory for cached wave-coefficient "
                                       "tables (shared by all ranks); empty: no cache.")
    # --- background (section 3: spring equinox 1991, solar maximum)
    date: str = param("1991-03-21", doc="UT date of the background models (NRLMSIS, PyIRI), YYYY-MM-DD.")
    f107_sfu: float = param(230.0, ge=0.0, le=500.0, doc="Daily F10.7, sfu.")
    f107a_sfu: float = param(230.0, ge=0.0, le=500.0, doc="81-day mean F10.7, sfu.")
    ap: float = param(15.0, ge=0.0, le=400.0, doc="Daily Ap index.")
    ne_eq_cm3: float = param(0.0, ge=0.0, doc="Equatorial electron density, cm^-3 (0: the plasmasphere "
                             "model's value; the paper's Table 5: 1.81e3/9.02e2/1.80e2 at L = 2/3/4 midnight).")
    collision_energy_normalisation: str = param("paper", choices=("paper", "bethe"), doc="Normalisation "
                                                "of the neutral energy loss: 'paper' takes eqs. (3)-(4) as "
                                                "printed; 'bethe' halves the neutral part, which then matches "
                                                "the Bethe/ESTAR stopping power (docs/physics/bounce_collisions.md).")
    collision_neutral_scale: float = param(1.0, gt=0.0, doc="Factor on the neutral densities (O, N, H) "
                                           "used in the collision coefficients; for sensitivity studies and for "
                                           "matching the paper's Table 5 columns (docs/validation/bounce.md).")
    collision_plasma_scale: float = param(1.0, gt=0.0, doc="Factor on the thermal plasma densities (e, O+, "
                                          "H+) used in the collision coefficients (waves use the unscaled n_e).")
    coefficient_mlt_points: int = param(8, ge=1, le=240, doc="MLTs at which the background and the "
                                        "coefficients are computed (0, 24/n, ... h), interpolated "
                                        "linearly between.")
    wave_mlt_points: int = param(2, ge=1, le=240, doc="MLTs at which wave coefficients are computed "
                                 "(0, 24/n, ... h; the paper shows midnight and noon), interpolated "
                                 "linearly between. Each costs a wave table (tens of seconds, cached).")
    bounce_nodes: int = param(128, ge=16, le=4096, doc="Quadrature nodes of the collisional bounce "
                              "averages (converged to round-off at 128 for 30-50 km scale heights).")
    # --- numerics
    limiter: str = param("superbee", choices=LIMITERS, doc="Flux limiter of the drift advection "
                         "(paper: superbee).")

    def check(self, run) -> list[Problem]:
        """Cross-key checks: grid consistency, dates and the drift Courant condition."""
        import numpy as np

        from hpcsim.models.bounce import grid

        problems = []
        try:
            np.datetime64(self.date, "D")
        except ValueError:
            problems.append(Problem("bounce", "date", self.date, "expected a date YYYY-MM-DD"))
        if self.wave_scattering and self.wave_table_file:
            import os
            if not os.path.isfile(self.wave_table_file):
                problems.append(Problem("bounce", "wave_table_file", self.wave_table_file, "no such file"))
        if self.alpha_eq_max_deg <= self.alpha_eq_min_deg:
            problems.append(Problem("bounce", "alpha_eq_max_deg", self.alpha_eq_max_deg,
                                    f"must exceed alpha_eq_min_deg = {self.alpha_eq_min_deg}"))
        if self.injection_altitude_km <= self.loss_cone_altitude_km:
            problems.append(Problem("bounce", "injection_altitude_km", self.injection_altitude_km,
                                    f"must be above loss_cone_altitude_km = {self.loss_cone_altitude_km}"))
        e_low = self.energy_first_centre_MeV - 0.5 * self.energy_cell_width_MeV
        if e_low <= 0.0:
            problems.append(Problem("bounce", "energy_first_centre_MeV", self.energy_first_centre_MeV,
                                    f"lowest cell edge {e_low:g} MeV must be > 0 (cell width "
                                    f"{self.energy_cell_width_MeV:g} MeV)"))
        if problems:
            return problems
        lo, hi = grid.injection_range_deg(self)
        if self.alpha_eq_min_deg >= lo:
            problems.append(Problem("bounce", "alpha_eq_min_deg", self.alpha_eq_min_deg,
                                    f"must be below the loss-cone edge {lo:.4f} deg at L = {self.L:g}"))
        if self.alpha_eq_max_deg <= hi:
            problems.append(Problem("bounce", "alpha_eq_max_deg", self.alpha_eq_max_deg,
                                    f"must be above the injection edge {hi:.4f} deg at L = {self.L:g}"))
        if problems or run.dt_s is None or not self.drift:
            return problems
        courant = grid.drift_courant_max(self, run.dt_s)
        if courant > max_stable_courant():
            dt_max = run.dt_s * max_stable_courant() / courant
            problems.append(Problem("run", "dt_s", run.dt_s,
                                    f"drift Courant number {courant:.3f} > {max_stable_courant():g} "
                                    f"at L = {self.L:g} with {self.mlt_cells} MLT cells; use dt_s <= "
                                    f"{dt_max:.4g}"))
        return problems
