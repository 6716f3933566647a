"""The ``[fieldline]`` input table (paper 000_59d2843666811e48.txt, Khazanov, Glocer and Himwich 2014).

Defaults are the paper's section-4 case: L = 6, centred dipole, midnight, spring equinox,
F10.7 = <F10.7> = 150, n_e ~ B^2 above 1000 km, Maxwellian primaries of 2 erg cm^-2 s^-1
isotropic over the earthward hemisphere at 800 km in both hemispheres, all processes.

A list of characteristic energies (``e0_keV_values``) makes one input run the cases of the
paper's Figures 7 and 8 one after another; every other key is shared. The run takes one
step per energy level per case (levels are solved from the top down), so a stopped run
resumes at the next level.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hpcsim.config import Problem, _show, param, step_counted_run_problems

PROCESSES = ("coulomb_energy", "coulomb_angle", "ionisation", "excitation", "elastic")


@dataclass(frozen=True)
class Config:
    """The `fieldline` model: steady superthermal electron fluxes along a closed field line."""

    mode: str = param("steady", choices=("steady", "time_dependent"),
                      doc="\"steady\": one runner step per energy level per case, no [run] times; "
                      "\"time_dependent\": backward-Euler steps of [run] dt_s up to end_time_s from an empty "
                      "line, sources switched on at t = 0 (one case).")

    # --- line and background
    L: float = param(6.0, ge=1.5, le=12.0, doc="L shell of the field line (centred dipole), Earth radii.")
    mlt_h: float = param(0.0, ge=0.0, lt=24.0, doc="Magnetic local time of the line, h (0 = midnight).")
    date: str = param("2000-03-21", doc="UT day YYYY-MM-DD for NRLMSIS, IRI and the solar declination "
                      "(the paper: spring equinox; its year is not given).")
    f107_sfu: float = param(150.0, gt=0.0, le=400.0, doc="Daily F10.7, sfu (paper: 150).")
    f107a_sfu: float = param(150.0, gt=0.0, le=400.0, doc="81-day mean F10.7, sfu (paper: 150).")
    ap: float = param(10.0, ge=0.0, le=400.0, doc="Daily Ap for NRLMSIS (our choice; the paper gives none).")
    symmetric_background: bool = param(True, doc="Use the northern background (NRLMSIS, IRI) in both hemispheres: "
                                       "the paper chose conditions with symmetric hemispheres; false = each "
                                       "hemisphere at its own geographic position (centred aligned dipole).")
    ne_field_power: float = param(2.0, ge=0.0, le=4.0, doc="p of n_e ~ B^p above 1000 km (paper: 2; its "
                                  "Fig. 9 alternative: 1).")
    electric_field: str = param("none", choices=("none", "thermal_pressure"), doc="Parallel electric field "
                                "above s1: \"thermal_pressure\" = e n_e E = -d(n_e k T_e)/ds (the paper's [16]), "
                                "which turns back electrons below a few eV; levels are then total energies "
                                "(docs/physics/fieldline.md). Needs symmetric_background.")
    electron_temperature_K: float = param(3000.0, gt=0.0, le=20000.0, doc="Thermal electron temperature above "
                                          "s1 for the pressure electric field, K (isothermal; PyIRI gives no T_e; "
                                          "plasmaspheric values are 2000-5000 K).")
    # --- grid (paper section 3)
    bottom_km: float = param(90.0, ge=60.0, le=200.0, doc="Lower end of the line in both hemispheres, km.")
    s1_km: float = param(800.0, ge=300.0, le=3000.0, doc="Top of the homogeneous-B ionosphere, km "
                         "(also where primaries are injected and Fig. 7 fluxes are counted).")
    step_bottom_km: float = param(2.0, gt=0.0, le=50.0, doc="Altitude step at the bottom, km (geometric growth).")
    step_s1_km: float = param(40.0, gt=0.0, le=500.0, doc="Altitude step at s1, km. The ionospheric steps set the "
                              "largest discretisation error: with 2/40 km the Fig. 2 case's escape energy fraction is "
                              "about 10 % low, with 1/10 km 3-4 % (at twice the cost; "
                              "docs/validation/fieldline_convergence.md).")
    magnetosphere_cells: int = param(60, ge=4, le=2000, doc="Cells per hemisphere between s1 and the equator "
                                     "(uniform in latitude); each adds a trapped mu0 value.")
    loss_cone_points: int = param(8, ge=2, le=200, doc="mu0 values per direction in the loss cone.")
    e_min_eV: float = param(1.0, gt=0.0, doc="Lowest energy level edge, eV.")
    e_max_eV: float = param(1.0e4, gt=0.0, le=5.0e4, doc="Highest energy level edge, eV.")
    step_low_eV: float = param(0.5, gt=0.0, doc="Level width below switch_eV, eV.")
    switch_eV: float = param(10.0, gt=0.0, doc="Energy above which levels grow geometrically, eV.")
    level_ratio: float = param(1.05, gt=1.0, le=1.5, doc="Growth factor of the level width above switch_eV.")
    # --- sources
    primary_spectrum: str = param("maxwellian", choices=("maxwellian", "gaussian", "none"),
                                  doc="Primary precipitation at s1 (eqs. 13-14): C E exp(-E/E0) or "
                                  "C exp(-(E-E0)^2/(2 (0.1 E0)^2)); none = no primaries.")
    e0_keV: float = param(1.0, gt=0.0, le=20.0, doc="Characteristic energy E0 of the primaries, keV.")
    e0_keV_values: tuple[float, ...] = param((), doc="Several E0 (keV), one case each (Figs. 7-8); "
                                             "empty = e0_keV alone.")
    energy_flux_erg_cm2_s: float = param(2.0, gt=0.0, doc="Primary energy flux per hemisphere at s1, "
                                         "erg cm^-2 s^-1 (paper: 2).")
    primary_min_eV: float = param(600.0, ge=0.0, doc="Lower end of the primary spectrum, eV (paper: 600; "
                                  "Table 1 is normalised with it).")
    primary_max_eV: float = param(1.0e4, gt=0.0, doc="Upper end of the primary spectrum, eV (paper section 4: "
                                  "600 eV to 10 keV); the energy flux is normalised over this range.")
    precipitation: str = param("both", choices=("both", "north", "south"),
                               doc="Hemispheres with primary precipitation (one = the alpha/beta runs).")
    conjugate_ionosphere: str = param("full", choices=("full", "removed"),
                                      doc="\"removed\": no collisions (and no sources) in the southern ionosphere "
                                      "below s1, which then absorbs what arrives: the paper's dashed-bar and "
                                      "green cases (Figs. 5-7) and the alpha, beta of eqs. (15)-(17).")
    s1_boundary_north: str = param("open", choices=("open", "reflecting", "absorbing"),
                                   doc="What lies above s1 in the north: the field line (open), a potential barrier "
                                   "that reflects all upward flux (the paper's Fig. 5 yellow case) or an absorbing "
                                   "top (the one-hemisphere mode of altitude-only auroral codes).")
    s1_boundary_south: str = param("open", choices=("open", "reflecting", "absorbing"),
                                   doc="As s1_boundary_north, for the south.")
    photoelectrons: bool = param(False, doc="Photoelectron production (EUVAC, Chapman optical depth) where "
                                 "the Sun is above the horizon.")
    photo_xrays: str = param("hfg", choices=("none", "hfg", "euvac"), doc="Solar X rays below 5 nm in the "
                             "photoelectron source, with K-shell photoelectrons and Auger electrons (Solomon and "
                             "Qian 2005 bins with the Hinteregger et al. 1981 scaling the paper used, 'hfg', or "
                             "their EUVAC-style scaling); 'none': EUVAC's 5-105 nm only.")
    # --- physics switches and cross sections
    processes: tuple[str, ...] = param(PROCESSES, choices=PROCESSES, min_items=1,
                                       doc="Collision processes (coulomb_energy is required).")
    secondaries: bool = param(True, doc="Secondary electrons from ionisation (false: the paper's Fig. 5 blue case).")
    cascading: bool = param(True, doc="Follow electrons that excite or ionise, and their secondaries, to lower "
                            "energies (false: the paper's Fig. 8 black case; Coulomb drag is kept).")
    ionisation_model: str = param("jackman", choices=("jackman", "beb"),
                                  doc="Ionisation cross sections: Jackman et al. (1977) as in Solomon et al. "
                                  "(1988), the paper's; or BEB (Kim and Rudd 1994).")
    elastic_treatment: str = param("integral", choices=("integral", "diffusion"),
                                   doc="Elastic scattering as the integral operator of eq. (3) with the phase "
                                   "function, or as pitch-angle diffusion with coefficient n sigma_el / 2 (the "
                                   "treatment of the STET code of the paper's lineage).")
    elastic_screening_factor: float = param(1.0, gt=0.0, le=1000.0,
                                            doc="Factor on the screening parameter eta of the elastic phase "
                                            "function (1 = Moliere's Born value; larger = less forward-peaked). "
                                            "A sensitivity knob: the paper does not give its phase function.")
    # --- parallelism
    case_groups: int = param(1, ge=1, doc="Rank groups that solve different cases at once (steady mode): the ranks "
                             "are split into this many equal groups, each solving every case_groups-th case on "
                             "its own field-line segments. Must divide the number of ranks.")
    # --- output
    directional_altitudes_km: tuple[float, ...] = param((800.0,), doc="Altitudes (km, both hemispheres) "
                                                        "where the full directional flux is written.")

    @property
    def plans_own_steps(self) -> bool:
        """Steady runs take one step per energy level per case (no [run] times)."""
        return self.mode == "steady"

    def cases(self) -> list["Config"]:
        """One Config per E0 (``e0_keV`` set, ``e0_keV_values`` emptied)."""
        values = self.e0_keV_values or (self.e0_keV,)
        return [replace(self, e0_keV=float(v), e0_keV_values=()) for v in values]

    def case_labels(self) -> list[str]:
        return [f"E0={_show(c.e0_keV)} keV" for c in self.cases()]

    def check(self, run) -> list[Problem]:
        problems = []
        if "coulomb_energy" not in self.processes:
            problems.append(Problem("fieldline", "processes", list(self.processes),
                                    "must include coulomb_energy: without a loss the trapped mu0 lines make "
                                    "the level problem singular"))
        if self.e_max_eV <= 2 * self.switch_eV or self.switch_eV <= self.e_min_eV + self.step_low_eV:
            problems.append(Problem("fieldline", "switch_eV", self.switch_eV,
                                    f"must lie between e_min_eV + step_low_eV = {_show(self.e_min_eV + self.step_low_eV)}"
                                    f" and e_max_eV / 2 = {_show(self.e_max_eV / 2)}"))
        for v in self.e0_keV_values:
            if not 0 < v <= 20:
                problems.append(Problem("fieldline", "e0_keV_values", v, "each E0 must be in (0, 20] keV"))
        if self.primary_spectrum != "none" and self.primary_max_eV > self.e_max_eV:
            problems.append(Problem("fieldline", "primary_max_eV", self.primary_max_eV,
                                    f"must not exceed the top level edge e_max_eV = {_show(self.e_max_eV)}"))
        if self.primary_spectrum != "none" and self.primary_min_eV >= self.primary_max_eV:
            problems.append(Problem("fieldline", "primary_min_eV", self.primary_min_eV,
                                    f"must be below primary_max_eV = {_show(self.primary_max_eV)}"))
        if self.conjugate_ionosphere == "removed" and self.precipitation != "north":
            problems.append(Problem("fieldline", "precipitation", self.precipitation,
                                    "must be \"north\" when conjugate_ionosphere = \"removed\""))
        if self.electric_field != "none" and not self.symmetric_background:
            problems.append(Problem("fieldline", "electric_field", self.electric_field,
                                    "needs symmetric_background = true (the potential is built from s1 up in "
                                    "each half and must meet at the equator)"))
        if self.primary_spectrum == "none" and not self.photoelectrons:
            problems.append(Problem("fieldline", "primary_spectrum", "none",
                                    "no source: set a primary spectrum or photoelectrons = true"))
        for h in self.directional_altitudes_km:
            if not self.bottom_km <= h <= self.s1_km:
                problems.append(Problem("fieldline", "directional_altitudes_km", h,
                                        f"must lie in the ionosphere, {_show(self.bottom_km)} to {_show(self.s1_km)} km"))
        try:
            import datetime
            datetime.date.fromisoformat(self.date)
        except ValueError:
            problems.append(Problem("fieldline", "date", self.date, "must be an ISO date YYYY-MM-DD"))
        if self.case_groups > len(self.cases()):
            problems.append(Problem("fieldline", "case_groups", self.case_groups,
                                    f"must not exceed the number of cases ({len(self.cases())})"))
        if self.mode == "steady":
            problems += step_counted_run_problems(run, "fieldline", "energy level per case")
        else:
            if self.e0_keV_values:
                problems.append(Problem("fieldline", "e0_keV_values", list(self.e0_keV_values),
                                        "a time-dependent run has one case: use e0_keV"))
            if run.steady_state:
                problems.append(Problem("run", "steady_state", True, "not used by the fieldline model: "
                                        "set [fieldline] mode = \"steady\" instead"))
        return problems
