"""Solar EUV photoionisation and the photoelectron production rate q(E, z) in the thermosphere.

This module holds pure numpy functions for the photoelectron source of the ``fieldline`` model
(paper ``000_59d2843666811e48.txt``, Khazanov, Glocer and Himwich 2014, section 3 [26]-[27]):

* :func:`solar_flux_photons_cm2_s`: the EUVAC solar EUV flux in 37 bins, 50-1050 A
  (Richards, Fennelly and Torr 1994), the usual F10.7-driven stand-in for the Hinteregger et al.
  (1981) model used by the paper (its reference spectrum is the Hinteregger F74113 spectrum);
* :func:`cross_sections`: photoabsorption and photoionisation cross sections of N2, O2, O;
* :func:`chapman_function`: the Chapman grazing-incidence function Ch(x, chi), own quadrature;
* :func:`vertical_column_cm2`, :func:`optical_depth`: columns above z and the slant optical depth;
* :func:`ionisation_rates_cm3_s`: photoionisation rate per species and wavelength bin;
* :func:`photoelectron_production`: q[z, E] on the caller's energy grid, each photoelectron placed
  at E = h nu - threshold of its ion state, conserving the number of photoelectrons per bin.

Equations (z altitude, s species, b wavelength bin, c ion state):

    F_b^inf      = F74113_b (1 + A_b (P - 80)),   P = (F10.7 + <F10.7>) / 2          [EUVAC]
    N_s(z)       = int_z^inf n_s dz'  (trapezoid + isothermal tail n_s(top) H_s(top))
    tau_b(z)     = sum_s sigma^abs_{s,b} N_s(z) Ch(x_s(z), chi),  x_s = (R_E + z) / H_s(z)
    P_{s,b}(z)   = n_s(z) sigma^ion_{s,b} F_b^inf exp(-tau_b(z))                 [cm^-3 s^-1]
    q(E, z)      = sum_{s,b,c} P_{s,b}(z) beta_{s,c,b} W_{s,c,b}(E)              [cm^-3 s^-1 eV^-1]

with W the distribution of E = h nu - I_c over the bin (a delta for a line, uniform in photon
energy for a continuum band), normalised to 1, so that int q dE = sum P (number conservation).

Data files (each with a header citing paper and table): ``hpcsim/data/solar/euvac_richards1994.csv``,
``hpcsim/data/photo/euvac_absorption_cross_sections.csv``,
``hpcsim/data/photo/ionisation_channels.toml``; ``hpcsim/data/PHOTO_README.md`` says what they
hold and what is missing.

Solar X rays below 50 A and the K-shell Auger electrons they make are in
:mod:`hpcsim.physics.xray_photoionisation` and are added by ``photoelectron_production(...,
xray_model=...)``. It does not hold: partial photoionisation cross sections (Conway 1988; Bell and Stafford 1992):
all ionisation goes to the ground ion state until they are transcribed; secondary ionisation by
photoelectrons; the neutral atmosphere (the caller passes profiles, e.g. from pymsis).

Units: altitude km, densities cm^-3, cross sections cm^2 (files in Mb), fluxes photons cm^-2 s^-1
per bin, energies eV, wavelengths Angstrom, angles rad where the name says ``_rad``.

References
----------
Richards, P. G., J. A. Fennelly and D. G. Torr (1994), EUVAC: A solar EUV flux model for aeronomic
calculations, J. Geophys. Res., 99(A5), 8981-8992.
Fennelly, J. A. and D. G. Torr (1992), Photoionization and photoabsorption cross sections of O, N2,
O2, and N for aeronomic calculations, At. Data Nucl. Data Tables, 51, 321-363.
Hinteregger, H. E., K. Fukui and B. R. Gilson (1981), Observational, reference and model data on
solar EUV, from measurements on AE-E, Geophys. Res. Lett., 8, 1147-1150.
Chapman, S. (1931), The absorption and dissociative or ionizing effect of monochromatic radiation
in an atmosphere on a rotating earth, Proc. Phys. Soc., 43, 483-501 (part II: grazing incidence).
Huestis, D. L. (2001), Accurate evaluation of the Chapman function for atmospheric attenuation,
J. Quant. Spectrosc. Radiat. Transfer, 69, 709-721 (the integral form used here).

Example
-------
>>> import numpy as np
>>> from hpcsim.physics.photoelectrons import solar_flux_photons_cm2_s
>>> bins_A, flux = solar_flux_photons_cm2_s(150.0, 150.0)
>>> bins_A.shape, flux.shape
((37, 2), (37,))
"""

from __future__ import annotations

import csv
import tomllib
from functools import lru_cache
from pathlib import Path

import numpy as np

from hpcsim.physics import xray_photoionisation as xr
from hpcsim.physics.binning import interval_fractions
from hpcsim.physics.constants import HC_EV_A

__all__ = [
    "SPECIES",
    "HC_EV_A",
    "solar_flux_photons_cm2_s",
    "photon_energy_range_eV",
    "cross_sections",
    "ionisation_channels",
    "chapman_function",
    "scale_height_km",
    "vertical_column_cm2",
    "optical_depth",
    "ionisation_rates_cm3_s",
    "energy_distribution_matrix",
    "xray_absorption_rates_cm3_s",
    "photoelectron_production",
]

#: Species handled, in the order used by the data files.
SPECIES = ("N2", "O2", "O")


#: 1 Mb in cm^2.
MB_TO_CM2 = 1e-18

#: Earth radius used for x = (R + z)/H and g(z), km (as hpcsim.geometry.dipole's default).
EARTH_RADIUS_KM = 6371.0

#: Surface gravity, m s^-2 (standard gravity).
G0_M_S2 = 9.80665

#: Boltzmann constant, J/K; atomic mass unit, kg (CODATA 2018).
K_B_J_K = 1.380649e-23
AMU_KG = 1.66053906660e-27

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_EUVAC_FILE = _DATA_DIR / "solar" / "euvac_richards1994.csv"
_XS_FILE = _DATA_DIR / "photo" / "euvac_absorption_cross_sections.csv"
_CHANNEL_FILE = _DATA_DIR / "photo" / "ionisation_channels.toml"

#: Gauss-Legendre nodes for the Chapman integral.
_N_CHAPMAN_NODES = 96


def _read_commented_csv(path: Path) -> dict:
    """Columns of a CSV whose leading ``#`` lines are comments; numeric columns as float arrays."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    out = {}
    for key in rows[0]:
        values = [r[key] for r in rows]
        try:
            out[key] = np.array([float(v) for v in values])
        except ValueError:
            out[key] = np.array(values)
    return out


@lru_cache(maxsize=None)
def _euvac_table() -> dict:
    return _read_commented_csv(_EUVAC_FILE)


@lru_cache(maxsize=None)
def _absorption_table() -> dict:
    return _read_commented_csv(_XS_FILE)


@lru_cache(maxsize=None)
def _channel_table() -> dict:
    with open(_CHANNEL_FILE, "rb") as fh:
        return tomllib.load(fh)


def _wavelength_bins_A() -> np.ndarray:
    t = _euvac_table()
    return np.column_stack([t["lambda_min_A"], t["lambda_max_A"]])


def solar_flux_photons_cm2_s(f107, f107a, min_scale_factor: float = 0.8):
    """EUVAC solar photon flux at the top of the atmosphere (1 AU) in 37 bins, 50-1050 A.

    F_b = F74113_b * max(1 + A_b (P - 80), min_scale_factor),  P = (F10.7 + <F10.7>)/2
    (Richards et al. 1994, Table 1 and their scaling equation). At P = 80 the reference fluxes are
    returned. The floor ``min_scale_factor`` = 0.8 is the lower limit of the EUVAC scaling factor as
    the model is used (recalled from Richards et al. 1994; the printed text could not be checked
    here); it matters only for P < 80 (low activity), never at F10.7 = 150. Pass 0.0 to remove it
    (the 284.15 A factor then turns negative below P ~ 72.7 and is clipped at zero).

    Parameters
    ----------
    f107 : float
        Daily F10.7 index, sfu.
    f107a : float
        81-day mean F10.7, sfu.
    min_scale_factor : float
        Lower limit of (1 + A_b (P - 80)).

    Returns
    -------
    wavelength_bins_A : ndarray, shape (37, 2)
        [short edge, long edge] in Angstrom; the two are equal for a line.
    flux : ndarray, shape (37,)
        Photon flux per bin, photons cm^-2 s^-1.
    """
    t = _euvac_table()
    p = 0.5 * (float(f107) + float(f107a))
    factor = np.maximum(1.0 + t["a_i"] * (p - 80.0), max(min_scale_factor, 0.0))
    return _wavelength_bins_A(), t["f74113_1e9"] * 1e9 * factor


def photon_energy_range_eV(wavelength_bins_A=None) -> np.ndarray:
    """[lowest, highest] photon energy of each bin, eV: E = h c / lambda (long edge gives lowest)."""
    bins = _wavelength_bins_A() if wavelength_bins_A is None else np.asarray(wavelength_bins_A, dtype=float)
    return np.column_stack([HC_EV_A / bins[:, 1], HC_EV_A / bins[:, 0]])


def ionisation_channels(species: str) -> list[dict]:
    """Ion-state channels of ``species``: dicts with ``name``, ``threshold_eV``, ``branching`` (37,).

    Read from ``hpcsim/data/photo/ionisation_channels.toml`` (see its header: only ground-state
    branching is given until the Conway 1988 / Bell and Stafford 1992 ratios are transcribed).
    Branching in each bin is renormalised over the channels open in that bin (threshold below the
    bin's highest photon energy); bins where no channel is open get zero.
    """
    _check_species(species)
    e_hi = photon_energy_range_eV()[:, 1]
    chans = _channel_table()[species]["channels"]
    thresholds = np.array([c["threshold_eV"] for c in chans], dtype=float)
    beta = np.array([np.broadcast_to(np.asarray(c["branching"], dtype=float), e_hi.shape) for c in chans])
    beta = np.where(thresholds[:, None] < e_hi[None, :], beta, 0.0)
    total = beta.sum(axis=0)
    beta = np.divide(beta, total, out=np.zeros_like(beta), where=total > 0)
    return [{"name": c["name"], "threshold_eV": float(th), "branching": b}
            for c, th, b in zip(chans, thresholds, beta)]


def _check_species(species: str) -> None:
    if species not in SPECIES:
        raise ValueError(f"species must be one of {SPECIES}, got {species!r}")


def _ionisation_yield(species: str) -> np.ndarray:
    """Fraction of absorption that ionises, per bin (see ionisation_channels.toml, ``ionisation_yield``).

    ``unit_above_threshold``: 1 for bins wholly above the first threshold I, (E_hi - I)/(E_hi - E_lo)
    for the band that straddles it (flux taken as uniform in photon energy inside the band), 0 below.
    ``equal_to_absorption``: 1 in every bin.
    """
    rule = _channel_table()[species]["ionisation_yield"]
    if rule == "equal_to_absorption":
        return np.ones(len(_euvac_table()["bin"]))
    if rule != "unit_above_threshold":
        raise ValueError(f"unknown ionisation_yield {rule!r} for {species}")
    threshold = min(c["threshold_eV"] for c in _channel_table()[species]["channels"])
    e_lo, e_hi = photon_energy_range_eV().T
    width = e_hi - e_lo
    frac = np.divide(e_hi - threshold, width, out=np.zeros_like(width), where=width > 0)
    line = width == 0
    frac[line] = (e_hi[line] >= threshold).astype(float)
    return np.clip(frac, 0.0, 1.0)


def cross_sections(species: str) -> dict:
    """Photoabsorption and photoionisation cross sections of ``species`` in the 37 EUVAC bins.

    Absorption: Richards et al. (1994) cross-section table (from Fennelly and Torr 1992).
    Ionisation: the paper's ionisation columns could not be read here, so
    sigma_ion = yield * sigma_abs with the yield of :func:`_ionisation_yield`: exact for O in these
    bins, an UPPER BOUND for N2 and O2 between their thresholds and ~650 A, where part of the
    absorption goes to neutral dissociation or fluorescence instead of ionisation.

    Parameters
    ----------
    species : {"N2", "O2", "O"}

    Returns
    -------
    dict
        ``wavelength_bins_A`` (37, 2); ``absorption_cm2`` (37,); ``ionisation_cm2`` (37,).
    """
    _check_species(species)
    sigma_abs = _absorption_table()[f"sigma_abs_{species}_Mb"] * MB_TO_CM2
    return {
        "wavelength_bins_A": _wavelength_bins_A(),
        "absorption_cm2": sigma_abs,
        "ionisation_cm2": sigma_abs * _ionisation_yield(species),
    }


def chapman_function(x, chi_rad):
    """Chapman grazing-incidence function Ch(x, chi) for a spherically stratified exponential atmosphere.

    Ch is the ratio of the slant column towards the Sun to the vertical column above the point,
    for an atmosphere of constant scale height H, with x = (R + z)/H. Evaluated from the exact
    integral (Chapman 1931; form of Huestis 2001, eq. 4), for chi <= 90 deg:

        Ch(x, chi) = 1 + x sin(chi) int_0^chi exp(x (1 - sin(chi)/sin(l))) / (1 + cos l) dl,

    by 96-node Gauss-Legendre quadrature after the substitution l = chi (1 - u^2), u in [0, 1],
    which clusters the nodes near l = chi where the integrand peaks (agrees with a direct
    numerical integration along the slant ray to ~1e-13 for x = 10-600, chi = 0-100 deg). For
    chi > 90 deg (Sun below the local horizontal, the ray grazes a lower tangent point):

        Ch(x, chi) = 2 exp(x (1 - sin chi)) Ch(x sin chi, 90 deg) - Ch(x, 180 deg - chi).

    Limits: Ch(x, 0) = 1 exactly; Ch -> sec(chi) for x -> inf at chi < ~75 deg;
    Ch(x, 90 deg) ~ sqrt(pi x / 2) (1 + 3/(8x)).

    Parameters
    ----------
    x : array_like
        (R + z)/H, dimensionless (~100-1000 in the thermosphere).
    chi_rad : array_like
        Solar zenith angle, rad, in [0, pi]. Broadcasts with ``x``.

    Returns
    -------
    ndarray
        Ch(x, chi). Far beyond the terminator it overflows to inf, which gives exp(-tau) = 0; the
        solid Earth itself is not modelled as an obstacle.
    """
    x, chi = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(chi_rad, dtype=float))
    day = chi <= 0.5 * np.pi
    out = np.empty(x.shape)
    out[day] = _chapman_le_90(x[day], chi[day])
    night = ~day
    if np.any(night):
        xn, cn = x[night], chi[night]
        s = np.sin(cn)
        with np.errstate(over="ignore"):
            grazing = 2.0 * np.exp(xn * (1.0 - s)) * _chapman_le_90(xn * s, np.full(xn.shape, 0.5 * np.pi))
        out[night] = grazing - _chapman_le_90(xn, np.pi - cn)
    return out


def _chapman_le_90(x: np.ndarray, chi: np.ndarray) -> np.ndarray:
    """Ch(x, chi) for chi in [0, pi/2] by the quadrature described in :func:`chapman_function`."""
    u, w = np.polynomial.legendre.leggauss(_N_CHAPMAN_NODES)
    u = 0.5 * (u + 1.0)            # nodes on [0, 1]
    w = 0.5 * w
    xs, cs = x[..., None], chi[..., None]
    lam = cs * (1.0 - u * u)        # l from chi (u=0) to 0 (u=1); dl = 2 chi u du
    sin_l = np.sin(lam)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        expo = xs * (1.0 - np.sin(cs) / sin_l)
        integrand = np.where(sin_l > 0, np.exp(expo) / (1.0 + np.cos(lam)), 0.0) * 2.0 * cs * u
    integral = np.sum(integrand * w, axis=-1)
    return 1.0 + x * np.sin(chi) * integral


def scale_height_km(z_km, temperature_K, mass_amu):
    """Pressure scale height H = k T / (m g(z)), km, with g(z) = g0 (R_E / (R_E + z))^2."""
    z = np.asarray(z_km, dtype=float)
    g = G0_M_S2 * (EARTH_RADIUS_KM / (EARTH_RADIUS_KM + z)) ** 2
    return K_B_J_K * np.asarray(temperature_K, dtype=float) / (mass_amu * AMU_KG * g) * 1e-3


def vertical_column_cm2(z_km, density_cm3, top_scale_height_km):
    """Vertical column above each altitude, cm^-2: N(z) = int_z^inf n dz'.

    Trapezoid rule on the given grid (z increasing), plus an isothermal tail above the top point,
    n(top) H(top).

    Parameters
    ----------
    z_km : ndarray, shape (nz,)
        Altitudes, km, strictly increasing.
    density_cm3 : ndarray, shape (nz,)
        Number density, cm^-3.
    top_scale_height_km : float
        Scale height at the top of the grid, km.
    """
    z = np.asarray(z_km, dtype=float)
    n = np.asarray(density_cm3, dtype=float)
    if np.any(np.diff(z) <= 0):
        raise ValueError("z_km must be strictly increasing")
    seg = 0.5 * (n[1:] + n[:-1]) * np.diff(z) * 1e5
    above = np.concatenate([np.cumsum(seg[::-1])[::-1], [0.0]])
    return above + n[-1] * top_scale_height_km * 1e5


def _scale_heights(z_km, species_list, temperature_K, scale_heights_km) -> dict:
    if scale_heights_km is not None:
        return {s: np.broadcast_to(np.asarray(scale_heights_km[s], dtype=float), np.shape(z_km)) for s in species_list}
    if temperature_K is None:
        raise ValueError("give temperature_K or scale_heights_km")
    table = _channel_table()
    return {s: scale_height_km(z_km, temperature_K, table[s]["mass_amu"]) for s in species_list}


def _slant_columns_cm2(z_km, densities_cm3, chi_rad, temperature_K, scale_heights_km) -> dict:
    species_list = [s for s in SPECIES if s in densities_cm3]
    heights = _scale_heights(z_km, species_list, temperature_K, scale_heights_km)
    z = np.asarray(z_km, dtype=float)
    out = {}
    for s in species_list:
        h = heights[s]
        column = vertical_column_cm2(z, densities_cm3[s], h[-1])
        out[s] = column * chapman_function((EARTH_RADIUS_KM + z) / h, chi_rad)
    return out


def optical_depth(z_km, densities_cm3: dict, temperature_K=None, chi_rad=0.0, scale_heights_km=None):
    """Slant optical depth tau[z, b] of the 37 EUVAC bins, summed over N2, O2, O.

    tau_b(z) = sum_s sigma^abs_{s,b} N_s(z) Ch(x_s(z), chi), x_s = (R_E + z)/H_s(z), with the
    vertical columns N_s of :func:`vertical_column_cm2` and the Chapman function of
    :func:`chapman_function` evaluated with the local scale height of each species (the usual
    approximation for a non-isothermal atmosphere; for chi < 75 deg it is within ~1 % of
    sec(chi) N_s).

    Parameters
    ----------
    z_km : ndarray, shape (nz,)
        Altitudes, km, strictly increasing; the grid should reach down to where tau >> 1
        (~100 km) and up to where the columns are negligible or the isothermal tail holds.
    densities_cm3 : dict
        ``{"N2": n, "O2": n, "O": n}`` number densities, cm^-3, each shape (nz,). Missing species
        are ignored.
    temperature_K : ndarray, shape (nz,), optional
        Neutral temperature, K, for the scale heights H_s = k T/(m_s g).
    chi_rad : float
        Solar zenith angle, rad.
    scale_heights_km : dict, optional
        ``{species: H (km), scalar or (nz,)}`` instead of ``temperature_K``.

    Returns
    -------
    ndarray, shape (nz, 37)
    """
    slant = _slant_columns_cm2(z_km, densities_cm3, chi_rad, temperature_K, scale_heights_km)
    tau = np.zeros((np.size(z_km), len(_euvac_table()["bin"])))
    for s, column in slant.items():
        tau += column[:, None] * cross_sections(s)["absorption_cm2"][None, :]
    return tau


def ionisation_rates_cm3_s(z_km, densities_cm3: dict, f107, f107a, chi_rad, temperature_K=None,
                           scale_heights_km=None) -> dict:
    """Photoionisation rate per species and bin, cm^-3 s^-1.

    P_{s,b}(z) = n_s(z) sigma^ion_{s,b} F_b exp(-tau_b(z)), with F_b from
    :func:`solar_flux_photons_cm2_s` and tau from :func:`optical_depth`.

    Parameters
    ----------
    z_km, densities_cm3, chi_rad, temperature_K, scale_heights_km
        As in :func:`optical_depth`.
    f107, f107a : float
        Daily and 81-day mean F10.7, sfu.

    Returns
    -------
    dict
        ``{species: ndarray (nz, 37)}`` for each species present in ``densities_cm3``.
    """
    _, flux = solar_flux_photons_cm2_s(f107, f107a)
    tau = optical_depth(z_km, densities_cm3, temperature_K, chi_rad, scale_heights_km)
    attenuated = flux[None, :] * np.exp(-tau)
    rates = {}
    for s in SPECIES:
        if s in densities_cm3:
            n = np.asarray(densities_cm3[s], dtype=float)
            rates[s] = n[:, None] * cross_sections(s)["ionisation_cm2"][None, :] * attenuated
    return rates


def energy_distribution_matrix(species: str, energy_grid_edges_eV) -> np.ndarray:
    """Matrix M[b, k]: fraction of the photoelectrons from bin b of ``species`` in energy cell k.

    M = sum_c beta_{c,b} W_{c,b,k}: for channel c with threshold I_c, E = h nu - I_c over the open
    part of the bin, h nu uniform on [max(E_lo, I_c), E_hi] for a band, h nu = E for a line. Rows
    sum to 1 for every ionising bin whose photoelectron energies lie inside the grid; photoelectrons
    outside the grid are not counted.

    Parameters
    ----------
    species : {"N2", "O2", "O"}
    energy_grid_edges_eV : ndarray, shape (nE + 1,)
        Cell edges, eV, strictly increasing.

    Returns
    -------
    ndarray, shape (37, nE)
    """
    edges = np.asarray(energy_grid_edges_eV, dtype=float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("energy_grid_edges_eV must be a strictly increasing 1-D array of >= 2 edges")
    e_lo, e_hi = photon_energy_range_eV().T
    m = np.zeros((e_lo.size, edges.size - 1))
    for chan in ionisation_channels(species):
        threshold = chan["threshold_eV"]
        lo = np.maximum(e_lo, threshold) - threshold
        hi = np.maximum(e_hi - threshold, lo)
        m += chan["branching"][:, None] * interval_fractions(lo, hi, edges)
    return m


def xray_absorption_rates_cm3_s(z_km, densities_cm3: dict, f107, f107a, chi_rad, temperature_K=None,
                                scale_heights_km=None, xray_model: str = "hfg", sub_bands: int = 8):
    """Photoabsorption (= photoionisation) rate by solar X rays below 50 A per species and band.

    P_{s,b}(z) = n_s sigma_{s,b} F_b exp(-tau_b(z)) over the bands of
    :func:`hpcsim.physics.xray_photoionisation.xray_bands`, with tau_b from the same slant columns as
    the EUV bins.

    Returns
    -------
    bands : XrayBands
        Photon-energy band edges (eV) and top-of-atmosphere fluxes.
    rates : dict
        ``{species: ndarray (nz, nb)}``, cm^-3 s^-1.
    """
    bands = xr.xray_bands(f107, f107a, xray_model, sub_bands)
    slant = _slant_columns_cm2(z_km, densities_cm3, chi_rad, temperature_K, scale_heights_km)
    sigma = {s: xr.absorption_cm2(s, bands.edges_eV) for s in slant}
    tau = sum(column[:, None] * sigma[s][None, :] for s, column in slant.items())
    attenuated = bands.flux[None, :] * np.exp(-tau)
    return bands, {s: np.asarray(densities_cm3[s], dtype=float)[:, None] * sigma[s][None, :] * attenuated
                   for s in slant}


def photoelectron_production(z_km, densities_cm3: dict, energy_grid_edges_eV, f107, f107a, chi_rad,
                             temperature_K=None, scale_heights_km=None, xray_model: str | None = None):
    """Photoelectron production rate q[z, E], cm^-3 s^-1 eV^-1, on the caller's energy grid.

    q(E_k, z) = sum_{s,b} P_{s,b}(z) M_{s}[b, k] / dE_k with P from :func:`ionisation_rates_cm3_s`
    and M from :func:`energy_distribution_matrix`, so that sum_k q dE_k = sum_{s,b} P_{s,b} for a
    grid that covers 0 to 250 eV (the 50 A edge gives h nu = 248 eV). Primary photoelectrons only
    (no secondaries). With ``xray_model`` ("hfg" or "euvac") the solar X rays below 50 A are added
    (:func:`xray_absorption_rates_cm3_s`): valence and K-shell photoelectrons and KLL Auger
    electrons, placed by :func:`hpcsim.physics.xray_photoionisation.electron_yield_matrix`.

    Parameters
    ----------
    z_km, densities_cm3, chi_rad, temperature_K, scale_heights_km
        As in :func:`optical_depth`.
    energy_grid_edges_eV : ndarray, shape (nE + 1,)
        Energy cell edges, eV, strictly increasing.
    f107, f107a : float
        Daily and 81-day mean F10.7, sfu.

    Returns
    -------
    ndarray, shape (nz, nE)
    """
    edges = np.asarray(energy_grid_edges_eV, dtype=float)
    rates = ionisation_rates_cm3_s(z_km, densities_cm3, f107, f107a, chi_rad, temperature_K, scale_heights_km)
    q = np.zeros((np.size(z_km), edges.size - 1))
    for s, rate in rates.items():
        q += rate @ energy_distribution_matrix(s, edges)
    if xray_model is not None:
        bands, x_rates = xray_absorption_rates_cm3_s(z_km, densities_cm3, f107, f107a, chi_rad, temperature_K,
                                                     scale_heights_km, xray_model)
        for s, rate in x_rates.items():
            threshold = min(c["threshold_eV"] for c in _channel_table()[s]["channels"])
            q += rate @ xr.electron_yield_matrix(s, bands.edges_eV, edges, threshold)
    return q / np.diff(edges)[None, :]
