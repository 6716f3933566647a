"""Solar soft X rays below 50 A: photoabsorption by N2, O2 and O, K-shell photoelectrons and Auger electrons.

The EUVAC spectrum of :mod:`hpcsim.physics.photoelectrons` stops at 50 A (248 eV). The fieldline
paper (000_59d2843666811e48.txt, [60]) attributes "the sharp rise in flux near the energies of
350 eV and 500 eV" of its photoelectron spectra (Figure 10) to "Auger ionization by solar
irradiance between 1.5 and 3 nm". This module supplies that part of the source:

* :func:`xray_bands`: the solar photon flux in 0.5-50 A from the first five bins of Solomon and
  Qian (2005, Table A1; ``hpcsim/data/solar/solomon_qian2005_xray.csv``), HFG (Hinteregger et al.
  1981, the paper's model) or EUVAC-style scaling, split into sub-bands uniform in log photon energy
  with the N and O K edges as sub-band edges. Inside a bin the flux is taken flat in photon energy
  (the convention of the EUVAC bands in :mod:`hpcsim.physics.photoelectrons`); only the 32-50 A part
  of bin 5 (32-70 A) is used, because EUVAC covers 50-100 A.
* :func:`atomic_absorption_cm2`: photoabsorption cross section of N and O atoms from the Henke,
  Gullikson and Davis (1993) atomic scattering factors as shipped by the ``periodictable`` package
  (CXRO tables): sigma = 2 r_e lambda f2.
* :func:`absorption_cm2`: per molecule, independent-atom sum (N2 = 2 N, O2 = 2 O), averaged over each
  sub-band (Gauss-Legendre in photon energy). Molecular structure near the edges (the N2 401 eV and
  O2 531 eV pi* resonances) is not resolved by the bands and is not represented.
* :func:`k_shell_fraction`: share of the absorption by the 1s shell above the K edge, 1 - 1/J with J
  the edge jump ratio of the same Henke table (J = 26.7 for N, 19.4 for O).
* :func:`electron_yield_matrix`: electrons released per absorbed photon into each cell of an energy
  grid. Each absorption ejects one photoelectron: from the valence shells with E = h nu - I_v (I_v
  the species' first ionisation threshold, so energies are upper bounds as for the EUV bands), or
  from the 1s shell with E = h nu - E_K. Each 1s vacancy then fills by one KLL Auger electron at
  E_A (main peak: 360 eV for N, 500 eV for O; fluorescence yields are below 1 % for N and O and are
  neglected, so the Auger yield is 1).

Units: photon energies and electron energies in eV, cross sections cm^2, fluxes photons cm^-2 s^-1
per band.

References
----------
Solomon, S. C. and L. Qian (2005), Solar extreme-ultraviolet irradiance for general circulation
models, J. Geophys. Res., 110, A10306.
Hinteregger, H. E., K. Fukui and B. R. Gilson (1981), Observational, reference and model data on
solar EUV, from measurements on AE-E, Geophys. Res. Lett., 8, 1147-1150.
Henke, B. L., E. M. Gullikson and J. C. Davis (1993), X-ray interactions: photoabsorption,
scattering, transmission, and reflection at E = 50-30,000 eV, Z = 1-92, At. Data Nucl. Data
Tables, 54, 181-342.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from hpcsim.physics.binning import interval_fractions
from hpcsim.physics.constants import CLASSICAL_ELECTRON_RADIUS_CM, HC_EV_A

__all__ = ["XRAY_MODELS", "K_SHELLS", "XrayBands", "xray_bands", "atomic_absorption_cm2", "absorption_cm2",
           "k_shell_fraction", "electron_yield_matrix"]

#: Solar X-ray scalings of Solomon and Qian (2005) Table A1.
XRAY_MODELS = ("hfg", "euvac")

#: EUVAC's short-wavelength end, A: the X-ray bands stop here.
EUVAC_SHORT_EDGE_A = 50.0

_DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "solar" / "solomon_qian2005_xray.csv"

#: Atoms per molecule of each species.
SPECIES_ATOMS = {"N2": ("N", 2), "O2": ("O", 2), "O": ("O", 1)}


@dataclass(frozen=True)
class KShell:
    """The 1s shell of an element: Auger energy (eV) of the KLL main peak."""

    auger_eV: float


#: KLL Auger main-peak energies, eV (the paper's Figure 10 features lie near 350 and 500 eV).
K_SHELLS = {"N": KShell(auger_eV=360.0), "O": KShell(auger_eV=500.0)}


@dataclass(frozen=True)
class XrayBands:
    """Contiguous photon-energy bands (eV, ascending) and the photon flux in each, photons cm^-2 s^-1."""

    edges_eV: np.ndarray
    flux: np.ndarray


@lru_cache(maxsize=None)
def _table() -> dict:
    with open(_DATA_FILE, newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    return {key: np.array([float(r[key]) for r in rows]) for key in rows[0]}


def _element(symbol: str):
    import periodictable
    return getattr(periodictable, symbol)


@lru_cache(maxsize=None)
def _k_edge_index(symbol: str) -> int:
    """Index of the first Henke table point above the K edge (the largest jump in f2 in 0.2-1 keV)."""
    energy_keV, _, f2 = _henke_table(symbol)
    idx = np.flatnonzero((energy_keV > 0.2) & (energy_keV < 1.0))
    return int(idx[np.argmax(f2[idx[1:]] / f2[idx[:-1]]) + 1])


def k_edge_eV(symbol: str) -> float:
    """Photon energy of the K edge in the Henke table of ``symbol``, eV."""
    return float(_henke_table(symbol)[0][_k_edge_index(symbol)] * 1e3)


def jump_ratio(symbol: str) -> float:
    """K-edge jump ratio J of the Henke table: f2 just above over just below the edge."""
    f2, k = _henke_table(symbol)[2], _k_edge_index(symbol)
    return float(f2[k] / f2[k - 1])


@lru_cache(maxsize=None)
def _henke_table(symbol: str):
    """(energy keV, f1, f2) arrays of the Henke table as shipped by periodictable."""
    table = _element(symbol).xray.sftable
    return np.asarray(table[0], dtype=float), np.asarray(table[1], dtype=float), np.asarray(table[2], dtype=float)


def atomic_absorption_cm2(symbol: str, photon_eV) -> np.ndarray:
    """Photoabsorption cross section of one atom, cm^2: 2 r_e lambda f2 (Henke et al. 1993).

    f2 is interpolated log-log in the table (as periodictable does), on the side of the K edge
    where ``photon_eV`` lies.
    """
    e = np.atleast_1d(np.asarray(photon_eV, dtype=float))
    energy_keV, _, f2_table = _henke_table(symbol)
    edge, k = k_edge_eV(symbol), _k_edge_index(symbol)
    below, above = slice(0, k), slice(k, None)
    log_e, log_table_e, log_f2 = np.log(e * 1e-3), np.log(energy_keV), np.log(f2_table)
    f2 = np.exp(np.where(e < edge, np.interp(log_e, log_table_e[below], log_f2[below]),
                         np.interp(log_e, log_table_e[above], log_f2[above])))
    return 2.0 * CLASSICAL_ELECTRON_RADIUS_CM * (HC_EV_A / e) * 1e-8 * f2


def k_shell_fraction(symbol: str, photon_eV) -> np.ndarray:
    """Share of the absorption taken by the 1s shell: 1 - 1/J above the K edge, 0 below."""
    e = np.asarray(photon_eV, dtype=float)
    return np.where(e >= k_edge_eV(symbol), 1.0 - 1.0 / jump_ratio(symbol), 0.0)


def _bin_flux(model: str, f107: float, f107a: float) -> np.ndarray:
    t = _table()
    if model == "hfg":
        r1 = 0.0138 * (f107 - 71.5) + 0.005 * (f107 - f107a + 3.9)
        r2 = 0.5943 * (f107 - 71.5) + 0.381 * (f107 - f107a + 3.9)
        flux = t["hfg_F0"] + r1 * t["hfg_F1"] + r2 * t["hfg_F2"]
    elif model == "euvac":
        p = 0.5 * (f107 + f107a)
        flux = t["euvac_F"] * (1.0 + t["euvac_A"] * (p - 80.0))
    else:
        raise ValueError(f"X-ray model must be one of {XRAY_MODELS}, got {model!r}")
    return np.maximum(flux, 0.0)


def xray_bands(f107: float, f107a: float, model: str = "hfg", sub_bands: int = 8) -> XrayBands:
    """Solar photon flux in 0.5-50 A as contiguous bands in photon energy.

    Each Solomon and Qian bin is cut into ``sub_bands`` bands uniform in log photon energy, the
    N and O K edges are added as band edges, and the bin's flux is shared in proportion to the
    photon-energy width (flat spectrum inside a bin). Bin 5 (32-70 A) keeps its 32-50 A share.

    Parameters
    ----------
    f107, f107a : float
        Daily and 81-day mean F10.7, sfu.
    model : {"hfg", "euvac"}
        Scaling of Solomon and Qian (2005) Table A1 (module docstring).
    sub_bands : int
        Bands per bin, >= 1.
    """
    if sub_bands < 1:
        raise ValueError(f"sub_bands must be >= 1, got {sub_bands}")
    t = _table()
    flux_bins = _bin_flux(model, float(f107), float(f107a))
    lo_eV = HC_EV_A / t["lambda_max_A"]                  # bin edges in photon energy
    hi_eV = HC_EV_A / t["lambda_min_A"]
    cut = HC_EV_A / EUVAC_SHORT_EDGE_A
    edges, flux = [], []
    for b in range(len(flux_bins)):
        e_lo, e_hi = max(lo_eV[b], cut), hi_eV[b]
        if e_hi <= e_lo:
            continue
        per_eV = flux_bins[b] / (hi_eV[b] - lo_eV[b])      # flat in photon energy over the whole bin
        sub = np.geomspace(e_lo, e_hi, sub_bands + 1)
        inner = [k_edge_eV(s) for s in K_SHELLS if e_lo < k_edge_eV(s) < e_hi]
        sub = np.unique(np.concatenate([sub, inner]))
        edges.append(sub)
        flux.append(per_eV * np.diff(sub))
    order = np.argsort([e[0] for e in edges])
    all_edges = np.unique(np.concatenate([edges[i] for i in order]))
    return XrayBands(edges_eV=all_edges, flux=np.concatenate([flux[i] for i in order]))


def _band_nodes(edges_eV: np.ndarray, n: int = 6):
    """Gauss-Legendre nodes (nb, n) and weights (summing to 1 per band) inside each band."""
    x, w = np.polynomial.legendre.leggauss(n)
    lo, hi = edges_eV[:-1, None], edges_eV[1:, None]
    return lo + 0.5 * (x[None, :] + 1.0) * (hi - lo), np.broadcast_to(0.5 * w, (len(edges_eV) - 1, n))


def _check_species(species: str) -> tuple[str, int]:
    if species not in SPECIES_ATOMS:
        raise ValueError(f"species must be one of {tuple(SPECIES_ATOMS)}, got {species!r}")
    return SPECIES_ATOMS[species]


def absorption_cm2(species: str, edges_eV) -> np.ndarray:
    """Band-mean photoabsorption cross section of a molecule (sum of its atoms), cm^2, shape (nb,).

    Above ~100 eV every absorption ionises, so this is also the photoionisation cross section.
    """
    symbol, atoms = _check_species(species)
    nodes, weights = _band_nodes(np.asarray(edges_eV, dtype=float))
    return atoms * np.sum(weights * atomic_absorption_cm2(symbol, nodes.ravel()).reshape(nodes.shape), axis=1)


def electron_yield_matrix(species: str, edges_eV, energy_grid_edges_eV, valence_threshold_eV: float) -> np.ndarray:
    """Electrons released per absorbed photon of band b into energy cell k, shape (nb, nE).

    Row b sums to 1 + f_K,b (one photoelectron, plus one Auger electron for the share f_K,b of
    1s absorptions, absorption-weighted over the band) when all energies lie inside the grid;
    electrons outside the grid are not counted. Photoelectron energies are uniform on
    [h nu_lo - I, h nu_hi - I] (flat flux in the band), I = E_K for 1s, ``valence_threshold_eV``
    otherwise; the Auger electron is placed at the element's KLL energy.
    """
    symbol, _ = _check_species(species)
    bands = np.asarray(edges_eV, dtype=float)
    grid = np.asarray(energy_grid_edges_eV, dtype=float)
    lo, hi = bands[:-1], bands[1:]
    nodes, weights = _band_nodes(bands)
    sigma = atomic_absorption_cm2(symbol, nodes.ravel()).reshape(nodes.shape)
    f_k = np.sum(weights * sigma * k_shell_fraction(symbol, nodes), axis=1) / np.sum(weights * sigma, axis=1)
    edge = k_edge_eV(symbol)
    valence = interval_fractions(lo - valence_threshold_eV, hi - valence_threshold_eV, grid)
    k_photo = interval_fractions(np.maximum(lo, edge) - edge, np.maximum(hi, edge) - edge, grid)
    auger = interval_fractions(np.array([K_SHELLS[symbol].auger_eV]), np.array([K_SHELLS[symbol].auger_eV]), grid)[0]
    return (1.0 - f_k)[:, None] * valence + f_k[:, None] * (k_photo + auger[None, :])
