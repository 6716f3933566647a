"""Primary precipitating electron spectra at 800 km and their normalisation (paper 000, eqs. 13-14, Table 1).

Khazanov, Glocer and Himwich (2014): magnetospheric electrons enter at 800 km, isotropic over
the earthward hemisphere, with the differential number flux per unit solid angle

    Gaussian   (eq. 13):  Phi(E) = C exp(-(E - E0)^2 / (2 sigma^2)),  sigma = 0.1 E0 (Banks et al. 1974)
    Maxwellian (eq. 14):  Phi(E) = C E exp(-E / E0)                   (Rees 1989)

Units: E and E0 in eV, Phi in cm^-2 s^-1 sr^-1 eV^-1, so C is in cm^-2 s^-1 sr^-1 eV^-1 (Gaussian)
and cm^-2 s^-1 sr^-1 eV^-2 (Maxwellian). The precipitating energy flux of an isotropic
earthward flux is F = pi int E Phi(E) dE (the hemisphere integral of cos(theta) dOmega is pi).

Table 1 of the paper (C for F = 1 erg cm^-2 s^-1) is reproduced when the energy integral starts
at E_min = 600 eV, the lower end of the precipitating spectrum in the paper's section 3 ("the
precipitated magnetospheric electron fluxes with the energies E > 600 eV"), with no upper cutoff:
that lower limit is what makes the 0.4-keV Gaussian constant 1.1e13 (its peak lies 5 sigma below
600 eV). See docs/physics/fieldline.md and tests/test_fieldline_sources.py.
"""

from __future__ import annotations

import math

import numpy as np

#: 1 erg in eV
ERG_IN_EV = 1.0 / 1.602_176_634e-12
#: lower end of the primary spectrum at 800 km, eV (paper 000, section 3)
PRIMARY_MIN_ENERGY_EV = 600.0
#: Gaussian width as a fraction of E0 (Banks et al. 1974)
GAUSSIAN_WIDTH_FRACTION = 0.1

SPECTRA = ("gaussian", "maxwellian")


def spectrum_shape(kind: str, energy_eV, e0_eV: float):
    """Phi(E) / C of eq. (13) or (14)."""
    e = np.asarray(energy_eV, dtype=float)
    if kind == "gaussian":
        sigma = GAUSSIAN_WIDTH_FRACTION * e0_eV
        return np.exp(-((e - e0_eV) ** 2) / (2.0 * sigma**2))
    if kind == "maxwellian":
        return e * np.exp(-e / e0_eV)
    raise ValueError(f"spectrum must be one of {SPECTRA}, got {kind!r}")


def energy_moment(kind: str, e0_eV: float, e_min_eV: float = PRIMARY_MIN_ENERGY_EV,
                  e_max_eV: float = math.inf) -> float:
    """int_{e_min}^{e_max} E Phi(E)/C dE in closed form, eV^2 (Gaussian) or eV^3 (Maxwellian)."""
    if kind == "gaussian":
        s = GAUSSIAN_WIDTH_FRACTION * e0_eV

        def prim(e):  # antiderivative of E exp(-(E-E0)^2/(2 s^2))
            if math.isinf(e):
                return e0_eV * s * math.sqrt(math.pi / 2.0) * 1.0
            z = (e - e0_eV) / (math.sqrt(2.0) * s)
            return -s * s * math.exp(-z * z) + e0_eV * s * math.sqrt(math.pi / 2.0) * math.erf(z)

        return prim(e_max_eV) - prim(e_min_eV)
    if kind == "maxwellian":

        def upper_tail(e):  # int_e^inf E^2 exp(-E/E0) dE
            if math.isinf(e):
                return 0.0
            x = e / e0_eV
            return e0_eV**3 * math.exp(-x) * (x * x + 2.0 * x + 2.0)

        return upper_tail(e_min_eV) - upper_tail(e_max_eV)
    raise ValueError(f"spectrum must be one of {SPECTRA}, got {kind!r}")


def normalisation(kind: str, e0_eV: float, energy_flux_erg_cm2_s: float = 1.0,
                  e_min_eV: float = PRIMARY_MIN_ENERGY_EV, e_max_eV: float = math.inf) -> float:
    """C of eq. (13)/(14) such that pi int E Phi dE over [e_min, e_max] is the given energy flux.

    Returns C in cm^-2 s^-1 sr^-1 eV^-1 (Gaussian) or cm^-2 s^-1 sr^-1 eV^-2 (Maxwellian):
    the paper's Table 1 for ``energy_flux_erg_cm2_s = 1``.
    """
    return energy_flux_erg_cm2_s * ERG_IN_EV / (math.pi * energy_moment(kind, e0_eV, e_min_eV, e_max_eV))


def number_flux(kind: str, e0_eV: float, c: float, e_min_eV: float = PRIMARY_MIN_ENERGY_EV,
                e_max_eV: float = math.inf, n_nodes: int = 4000) -> float:
    """Precipitating number flux pi int Phi dE, cm^-2 s^-1 (trapezoid on a fine grid)."""
    hi = e_max_eV if math.isfinite(e_max_eV) else e0_eV * (60.0 if kind == "maxwellian" else 3.0) + e_min_eV
    e = np.linspace(e_min_eV, hi, n_nodes)
    return float(math.pi * c * np.trapz(spectrum_shape(kind, e, e0_eV), e))
