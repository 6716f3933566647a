"""The ``[wpi]`` input table (paper 002_9a0838dcf9220858.txt, Inan, Bell and Chang 1982).

Defaults are the paper's Figure 3 case: L = 4, diffusive equilibrium with n_eq = 400 el/cc,
Lambda = f / f_Heq = 0.5, a 400-ms pulse of 5 pT at the equator injected at 1000 km in the
southern hemisphere, f(v, alpha) = A v^-6 (isotropic, sharp loss cone), Phi_E = 1e8
el cm^-2 s^-1 sr^-1 keV^-1 at 1 keV, front positions -20 ... +48 deg.

A scan (Figures 5-20) is one input: ``scan_parameter`` / ``scan_values`` (and optionally a
second axis ``scan2_parameter`` / ``scan2_values``, all combinations) list the cases; every
other key is shared. The run takes one step per wave-front position per case, so a run
stopped mid-scan resumes at the next front position of the case it was in.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, replace

from hpcsim.config import Problem, _bounds, _show, param, step_counted_run_problems

#: keys a scan can vary
SCAN_KEYS = ("frequency_ratio", "frequency_Hz", "pulse_length_s", "bw_pT", "spectral_index", "n_eq_cm3", "L",
             "loss_cone_ramp_deg")


@dataclass(frozen=True)
class Config:
    """The `wpi` model: electron precipitation by a short ducted whistler-mode pulse (test particles)."""

    #: one runner step per wave-front position per case; no [run] times
    plans_own_steps = True

    # --- medium
    L: float = param(4.0, ge=1.2, le=10.0, doc="L shell of the duct (centred dipole), Earth radii.")
    surface_field_G: float = param(0.312, gt=0.0, le=1.0,
                                   doc="Dipole field on the magnetic equator at the Earth's surface, G. The "
                                   "paper's f = 6.83 kHz = f_Heq / 2 at L = 4 (Fig. 3) implies 0.312 G "
                                   "(the bounce model's dipole has 0.32 G).")
    n_eq_cm3: float = param(400.0, gt=0.0, doc="Equatorial cold electron density, cm^-3 (el/cc). "
                            "Ignored when n_eq_model = \"fig16\".")
    n_eq_model: str = param("input", choices=("input", "fig16"),
                            doc="\"input\": n_eq_cm3; \"fig16\": the paper's Figure 16 profile n_eq(L) "
                            "(docs/physics/wpi_model.md).")
    density_model: str = param("diffusive", choices=("diffusive", "collisionless"),
                               doc="Cold plasma along the line: diffusive equilibrium (Angerami and Thomas "
                               "1964) or the collisionless r^-4 law (the paper's n_eq = 10 el/cc case).")
    plasma_temperature_K: float = param(1600.0, gt=0.0, doc="Diffusive-equilibrium temperature, K (assumed).")
    dispersion: str = param("full", choices=("full", "eq2"),
                            doc="Whistler dispersion: full cold-plasma R mode or the paper's eq. (2).")
    # --- wave
    frequency_ratio: float = param(0.5, gt=0.0, le=50.0, doc="Lambda = f / f_Heq (used unless frequency_Hz > 0); "
                                   "above 0.5 the duct ends where f = f_H/2, before the equator.")
    frequency_Hz: float = param(0.0, ge=0.0, doc="Wave frequency, Hz; 0 = use frequency_ratio.")
    pulse_length_s: float = param(0.4, gt=0.0, le=10.0, doc="Pulse length PL, s.")
    bw_pT: float = param(5.0, gt=0.0, doc="Wave amplitude, pT, at the reference point of amplitude_reference.")
    amplitude_reference: str = param(
        "equator", choices=("equator", "equal_power"),
        doc="\"equator\": bw_pT at the equator (at the f = f_H/2 point when the wave cannot reach the "
        "equator, the paper's Fig. 11); \"equal_power\": the power density at 1000 km of a wave of "
        "power_reference_ratio with bw_pT at the equator, the same for every frequency (eq. 3, Figs. 7-9).")
    power_reference_ratio: float = param(0.5, gt=0.0, lt=1.0,
                                         doc="Lambda of the reference wave of amplitude_reference = \"equal_power\".")
    injection_altitude_km: float = param(1000.0, gt=0.0, le=5000.0,
                                         doc="Injection altitude of the wave and where the flux is counted, km.")
    wave_grid_points: int = param(4001, ge=101, doc="Latitude nodes of the wave tables.")
    # --- energetic electrons (eqs. 4-5)
    spectral_index: float = param(6.0, ge=0.0, le=20.0, doc="n of f = A v^-n (eq. 4).")
    flux_ref: float = param(1e8, gt=0.0, doc="Phi_E at energy_ref_keV and 90 deg, el cm^-2 s^-1 sr^-1 keV^-1 (eq. 5).")
    energy_ref_keV: float = param(1.0, gt=0.0, doc="Reference energy of flux_ref, keV (paper: 1, or 0.372 for Fig. 10).")
    loss_cone_altitude_km: float = param(100.0, ge=0.0, le=3000.0,
                                         doc="Mirror altitude that defines the loss cone, km.")
    loss_cone_ramp_deg: float = param(0.0, ge=0.0, doc="alpha_m - alpha_lc of the linear g(alpha) above the "
                                      "loss cone (Fig. 15); 0 = sharp edge (g = 1).")
    relativistic: bool = param(False, doc="Relativistic equations of motion (the paper's results are "
                               "non-relativistic).")
    # --- wave-front positions (impulse responses, eqs. 8-9)
    front_lat_start_deg: float = param(-20.0, ge=-80.0, le=80.0, doc="First wave-front latitude, deg "
                                       "(negative = injection hemisphere).")
    front_lat_end_deg: float = param(48.0, ge=-80.0, le=80.0, doc="Last wave-front latitude, deg.")
    front_step_deg: float = param(2.0, gt=0.0, le=20.0, doc="Spacing of the front positions, deg (paper: 4).")
    # --- test-particle mesh per front position
    speed_cells: int = param(30, ge=2, doc="Speed cells across the resonant range.")
    speed_margin: float = param(0.1, ge=0.0, lt=0.9, doc="Relative widening of the resonant speed range.")
    energy_cap_keV: float = param(1000.0, gt=0.0, doc="Highest test-particle energy, keV (caps the resonant "
                                  "speed band near the ends of the line).")
    alpha_cells: int = param(8, ge=1, doc="Equatorial pitch-angle cells above the loss cone.")
    alpha_span_deg: float = param(4.0, gt=0.0, le=45.0, doc="Pitch-angle range above the loss cone that "
                                  "is meshed, deg; must exceed the largest scattering.")
    phases: int = param(12, ge=1, doc="Test particles per cell, spread in Larmor phase.")
    min_scattering_deg: float = param(0.0, ge=0.0, doc="Leave out the (speed, pitch-angle) cells in which no "
                                      "test particle's equatorial pitch angle changes by more than this, deg "
                                      "(the paper's selection of the shaded area of Fig. 1, 'Delta alpha > "
                                      "0.1 deg for 5 pT'); 0 = keep every cell.")
    # --- integration
    phase_rate_cutoff_rad_s: float = param(4000.0, gt=0.0, doc="Half-width of the resonance zone in phase "
                                           "rate, rad/s: inside it the full equations are stepped.")
    phase_step_rad: float = param(0.2, gt=0.0, le=1.0, doc="Phase advance per fine step at the zone edge, "
                                  "rad (dt = phase_step_rad / phase_rate_cutoff_rad_s).")
    coarse_step_s: float = param(2e-4, gt=0.0, doc="Step outside the resonance zone (adiabatic motion), s.")
    # --- output bins
    time_bin_s: float = param(0.01, gt=0.0, doc="Arrival-time bin width at the foot, s.")
    time_max_s: float = param(8.0, gt=0.0, doc="End of the arrival-time axis, s after injection.")
    energy_bins: int = param(48, ge=2, doc="Logarithmic energy bins of the energy-arrival histogram.")
    energy_min_keV: float = param(0.1, gt=0.0, doc="Lower edge of the energy bins, keV.")
    energy_max_keV: float = param(1000.0, gt=0.0, doc="Upper edge of the energy bins, keV.")
    # --- scans
    scan_parameter: str = param("", choices=("",) + SCAN_KEYS, doc="Key varied across cases (empty: one case).")
    scan_values: tuple[float, ...] = param((), doc="Values of scan_parameter, one case each.")
    scan2_parameter: str = param("", choices=("",) + SCAN_KEYS, doc="Second scanned key (all combinations).")
    scan2_values: tuple[float, ...] = param((), doc="Values of scan2_parameter.")

    def _scan_axes(self) -> list[tuple[str, tuple[float, ...]]]:
        """(scanned key, values) for each scan axis in use."""
        return [(k, v) for k, v in ((self.scan_parameter, self.scan_values),
                                    (self.scan2_parameter, self.scan2_values)) if k]

    def cases(self) -> list["Config"]:
        """One Config per case of the scan (scan keys set, scan lists emptied)."""
        axes = self._scan_axes()
        base = replace(self, scan_parameter="", scan_values=(), scan2_parameter="", scan2_values=())
        if not axes:
            return [base]
        return [replace(base, **{key: float(value) for (key, _), value in zip(axes, combo)})
                for combo in itertools.product(*[vals for _, vals in axes])]

    def case_labels(self) -> list[str]:
        axes = self._scan_axes()
        if not axes:
            return ["case"]
        return [", ".join(f"{k}={_show(v)}" for (k, _), v in zip(axes, combo))
                for combo in itertools.product(*[vals for _, vals in axes])]

    def dipole_constants(self):
        """The dipole of this input: :data:`hpcsim.geometry.dipole.DEFAULT` with ``surface_field_G``."""
        from hpcsim.geometry import dipole
        return replace(dipole.DEFAULT, B_surface_equator_G=self.surface_field_G)

    def _check_propagation(self) -> list[Problem]:
        """Each case's wave must propagate at the injection point (f < f_H / 2 there)."""
        from hpcsim.geometry import dipole
        from hpcsim.models.wpi import medium
        problems = []
        for case, label in zip(self.cases(), self.case_labels()):
            const = case.dipole_constants()
            lat = dipole.latitude_at_altitude_rad(case.L, case.injection_altitude_km, const)
            f_h_foot = float(medium.gyrofrequency_rad_s(case.L, lat, const)) / (2 * 3.141592653589793)
            f_h_eq = float(medium.gyrofrequency_rad_s(case.L, 0.0, const)) / (2 * 3.141592653589793)
            f = case.frequency_Hz if case.frequency_Hz > 0 else case.frequency_ratio * f_h_eq
            if not f < 0.5 * f_h_foot:
                key = "frequency_Hz" if case.frequency_Hz > 0 else "frequency_ratio"
                value = case.frequency_Hz if case.frequency_Hz > 0 else case.frequency_ratio
                where = "" if label == "case" else f" (case {label})"
                problems.append(Problem("wpi", key, value, f"{f:.4g} Hz is above half the gyrofrequency at "
                                        f"{case.injection_altitude_km:g} km ({0.5 * f_h_foot:.4g} Hz): the ducted "
                                        f"wave cannot be injected{where}"))
        return problems

    def check(self, run) -> list[Problem]:
        problems = []
        for key, values in (("scan_parameter", self.scan_values), ("scan2_parameter", self.scan2_values)):
            name = getattr(self, key)
            vkey = key.replace("parameter", "values")
            if name and not values:
                problems.append(Problem("wpi", vkey, list(values), f"needs at least one value for {key} = {name!r}"))
            if values and not name:
                problems.append(Problem("wpi", key, name, f"must name the scanned key when {vkey} is given"))
        if self.scan_parameter and self.scan_parameter == self.scan2_parameter:
            problems.append(Problem("wpi", "scan2_parameter", self.scan2_parameter, "must differ from scan_parameter"))
        if self.front_lat_end_deg <= self.front_lat_start_deg:
            problems.append(Problem("wpi", "front_lat_end_deg", self.front_lat_end_deg,
                                    f"must exceed front_lat_start_deg = {_show(self.front_lat_start_deg)}"))
        if self.energy_max_keV <= self.energy_min_keV:
            problems.append(Problem("wpi", "energy_max_keV", self.energy_max_keV,
                                    f"must exceed energy_min_keV = {_show(self.energy_min_keV)}"))
        if self.time_max_s < 10 * self.time_bin_s:
            problems.append(Problem("wpi", "time_max_s", self.time_max_s, "must hold at least 10 time bins"))
        # each scanned value must satisfy the bounds of the key it stands for; zero is also refused
        # for frequency_Hz (0 means "use frequency_ratio") and spectral_index in a scan
        meta = {f.name: f.metadata for f in dataclasses.fields(self)}
        for key, values in (("scan_values", self.scan_values), ("scan2_values", self.scan2_values)):
            name = self.scan_parameter if key == "scan_values" else self.scan2_parameter
            for v in values:
                message = _bounds(v, meta[name]) if name else None
                if message is None and name in ("frequency_Hz", "spectral_index") and not v > 0:
                    message = "must be > 0"
                if message:
                    problems.append(Problem("wpi", key, v, f"out of range for {name}: {message}"))
        if not problems:
            problems += self._check_propagation()
        problems += step_counted_run_problems(run, "wpi", "wave-front position per case")
        return problems
