"""Electron-impact cross sections of N2, O2 and O for superthermal-electron transport (1 eV - 10 keV).

Pure numpy functions for the collision terms of the ``fieldline`` model (Khazanov, Glocer and
Himwich 2014, section 3: elastic scattering eq. (3), inelastic energy loss and ionisation with the
secondary distribution of eqs. (4)-(5), where <sigma+>(E) = int_0^{(E-I)/2} I+(E, E2) dE2).

The parameters live in one human-readable TOML file per species in
``hpcsim/data/cross_sections/`` (see ``hpcsim/data/README.md`` for every source, the forms and
what is missing).  Each block there has ``status = "ok"`` or ``"missing"``; a missing process
returns nothing (it is listed by :func:`missing_processes`), it is never replaced by guessed
numbers.

Units: energies in eV, cross sections in cm^2 per target molecule (atom for O), differential
cross sections in cm^2/eV (secondary energy) or cm^2/sr (scattering angle).

Forms implemented
-----------------
* Green-Stolarski / Jackman analytic excitation (Green and Stolarski 1972, JATP 34, 1703;
  Jackman, Garvey and Green 1977, JGR 82, 5081)::

      sigma(E) = q0 F / W^2 (1 - (W/E)^alpha)^beta (W/E)^Omega,   q0 = 4 pi a0^2 R^2

  (:func:`green_stolarski_cm2`) with the revised parameters of the Solomon, Hays and Abreu
  (1988) set, the set the paper used; log-log interpolated tables (:func:`table_loglog_cm2`).
* Ionisation, two models selected by ``model``:

  - ``"jackman"`` (default, the paper's set): Jackman, Garvey and Green (1977) per ion state,
    S(E, E2) = A Gamma^2 / ((E2 - T0)^2 + Gamma^2), A = 1e-16 K ln(E/J)/E,
    T0 = Ts - Ta/(E + Tb), Gamma = Gamma_s E/(E + Gamma_b), 0 <= E2 <= (E - I)/2
    (:func:`jackman_sdcs_cm2_per_eV`, :func:`jackman_cm2`);
  - ``"beb"``: binary-encounter-Bethe per orbital (Kim and Rudd 1994, Phys. Rev. A 50, 3954,
    eq. (57); :func:`beb_cm2`, :func:`beb_sdcs_cm2_per_eV`), with the Green-Sawada (1972,
    JATP 34, 1719) high-energy-limit Lorentzian or the BEB secondary spectrum.

* Elastic scattering, selected by ``form``: ``"table"`` (default): the total cross section of
  the Solomon et al. (1988) compilation with a screened-Rutherford angular shape whose
  screening parameter is Moliere's (1948) Born value; ``"born"``: the screened Rutherford
  total itself (fast electrons only).  :func:`elastic_cross_section_cm2`,
  :func:`elastic_differential_cm2_sr`, :func:`elastic_backscatter_probability`.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

import numpy as np

__all__ = [
    "SPECIES",
    "Q0_EV2_CM2",
    "load_species",
    "thresholds_eV",
    "missing_processes",
    "excitation_cross_sections_cm2",
    "ionisation_cross_section_cm2",
    "ionisation_cross_sections_by_channel_cm2",
    "secondary_distribution",
    "mean_secondary_energy_eV",
    "elastic_cross_section_cm2",
    "elastic_differential_cm2_sr",
    "elastic_backscatter_probability",
    "elastic_momentum_transfer_cm2",
    "energy_loss_function_eV_cm2",
    "ion_pair_energy_eV",
    "green_stolarski_cm2",
    "table_loglog_cm2",
    "beb_cm2",
    "beb_sdcs_cm2_per_eV",
    "jackman_cm2",
    "jackman_sdcs_cm2_per_eV",
    "jackman_mean_secondary_eV",
    "beb_mean_secondary_eV",
    "green_sawada_norm_per_eV",
    "green_sawada_mean_eV",
    "screening_parameter",
]

SPECIES = ("N2", "O2", "O")

# CODATA 2018
BOHR_RADIUS_CM = 0.529_177_210_903e-8
RYDBERG_EV = 13.605_693_122_994
CLASSICAL_ELECTRON_RADIUS_CM = 2.817_940_3262e-13
ELECTRON_REST_ENERGY_EV = 510_998.950_00
HBAR_C_EV_CM = 1.973_269_804e-5
#: q0 = 4 pi a0^2 R^2 of the Green-Stolarski form, eV^2 cm^2 (= 6.513e-14)
Q0_EV2_CM2 = 4.0 * np.pi * BOHR_RADIUS_CM**2 * RYDBERG_EV**2

_DATA_PACKAGE = ("data", "cross_sections")


# ---------------------------------------------------------------------------------------------
# data loading
# ---------------------------------------------------------------------------------------------
def _canonical(species: str) -> str:
    for name in SPECIES:
        if species.strip().upper() == name.upper():
            return name
    raise KeyError(f"unknown species {species!r}; known: {', '.join(SPECIES)}")


def load_species(species: str) -> dict:
    """Parsed TOML data of one species (``hpcsim/data/cross_sections/<species>.toml``).

    The file is located with :mod:`importlib.resources` relative to the ``hpcsim`` package.
    Checks that every block marked ``status = "ok"`` names its source.  Cached; treat as
    read-only.  ``species`` is case-insensitive.
    """
    return _load_canonical(_canonical(species))


@functools.lru_cache(maxsize=None)
def _load_canonical(name: str) -> dict:
    path = resources.files("hpcsim").joinpath(*_DATA_PACKAGE, f"{name}.toml")
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    if data.get("species") != name:
        raise ValueError(f"{path}: species field {data.get('species')!r} != {name!r}")
    for block in ("ionisation", "ionisation_jackman", "secondary", "elastic", "elastic_born"):
        entry = data.get(block, {})
        if entry.get("status") == "ok" and not entry.get("source"):
            raise ValueError(f"{path}: [{block}] has status ok but no source")
    for entry in data.get("excitation", []):
        if entry.get("status") == "ok" and not entry.get("source"):
            raise ValueError(f"{path}: excitation {entry.get('name')!r} has no source")
    return data


IONISATION_MODELS = ("jackman", "beb")


def _ionisation_model(species: str, model: str | None) -> str:
    name = model if model is not None else load_species(species).get("default_ionisation", "beb")
    if name not in IONISATION_MODELS:
        raise ValueError(f"unknown ionisation model {name!r}; known: {', '.join(IONISATION_MODELS)}")
    return name


def _channels(species: str, model: str | None = None) -> list[dict]:
    """Ionisation channels of the chosen model, each with a ``threshold_eV`` key."""
    kind = _ionisation_model(species, model)
    block = load_species(species).get("ionisation_jackman" if kind == "jackman" else "ionisation", {})
    if block.get("status") != "ok":
        return []
    out = []
    for channel in block.get("channel", []):
        entry = dict(channel)
        entry.setdefault("threshold_eV", entry.get("binding_energy_eV"))
        out.append(entry)
    return out


def thresholds_eV(species: str, include_missing: bool = False, model: str | None = None) -> dict[str, float]:
    """Threshold energies (eV) of the excitation states and ionisation channels of ``species``.

    With ``include_missing`` states marked missing in the data file are listed too (reference
    thresholds only).  Ionisation channels of ``model`` (default: the file's
    ``default_ionisation``) are listed by ion-state name: the ion-state threshold for
    ``"jackman"``, the orbital binding energy B for ``"beb"``.
    """
    data = load_species(species)
    out: dict[str, float] = {}
    for entry in data.get("excitation", []):
        if entry.get("status") == "ok" or include_missing:
            out[entry["name"]] = float(entry["threshold_eV"])
    for channel in _channels(species, model):
        out[channel["name"]] = float(channel["threshold_eV"])
    return out


def missing_processes(species: str) -> list[dict]:
    """Processes of ``species`` for which no published parameter set was available.

    Each item: ``name``, ``kind``, ``threshold_eV`` (reference, may be None) and
    ``wanted_source``.
    """
    data = load_species(species)
    out = []
    for entry in list(data.get("excitation", [])) + list(data.get("missing", [])):
        if entry.get("status") != "ok":
            out.append({key: entry.get(key) for key in ("name", "kind", "threshold_eV", "wanted_source")})
    if data.get("elastic", {}).get("status") != "ok":
        out.append({"name": "elastic", "kind": "elastic", "threshold_eV": None, "wanted_source": None})
    return out


# ---------------------------------------------------------------------------------------------
# generic analytic forms
# ---------------------------------------------------------------------------------------------
def green_stolarski_cm2(energy_eV, threshold_eV, F, alpha, beta, Omega):
    """Green-Stolarski analytic excitation cross section, cm^2.

    sigma(E) = q0 F / W^2 (1 - (W/E)^alpha)^beta (W/E)^Omega for E > W, 0 otherwise
    (Green and Stolarski 1972, JATP 34, 1703; Jackman, Garvey and Green 1977, JGR 82, 5081),
    q0 = 4 pi a0^2 R^2 = 6.513e-14 eV^2 cm^2, W = threshold_eV, F dimensionless strength.
    """
    energy = np.asarray(energy_eV, dtype=float)
    ratio = threshold_eV / np.where(energy > threshold_eV, energy, np.inf)
    shape = (1.0 - ratio**alpha) ** beta * ratio**Omega
    return np.where(energy > threshold_eV, Q0_EV2_CM2 * F / threshold_eV**2 * shape, 0.0)


def table_loglog_cm2(energy_eV, energies_eV, cross_sections_cm2):
    """Published tabulated cross section, log-log interpolation, cm^2 (0 outside the table)."""
    energy = np.asarray(energy_eV, dtype=float)
    e_tab = np.asarray(energies_eV, dtype=float)
    s_tab = np.asarray(cross_sections_cm2, dtype=float)
    positive = s_tab > 0
    inside = (energy >= e_tab[0]) & (energy <= e_tab[-1])
    log_e = np.log(np.clip(energy, e_tab[0], e_tab[-1]))
    value = np.exp(np.interp(log_e, np.log(e_tab[positive]), np.log(s_tab[positive])))
    return np.where(inside, value, 0.0)


def _beb_prefactor_cm2(binding_eV, occupation):
    """S = 4 pi a0^2 N (R/B)^2 of the BEB model, cm^2."""
    return 4.0 * np.pi * BOHR_RADIUS_CM**2 * occupation * (RYDBERG_EV / binding_eV) ** 2


def beb_cm2(energy_eV, binding_eV, kinetic_eV, occupation):
    """BEB ionisation cross section of one orbital, cm^2 (Kim and Rudd 1994, eq. (57)).

    sigma = S/(t+u+1) [ln t/2 (1 - 1/t^2) + 1 - 1/t - ln t/(t+1)], t = T/B, u = U/B,
    S = 4 pi a0^2 N (R/B)^2; zero for T <= B.  T = incident kinetic energy (eV).
    """
    energy = np.asarray(energy_eV, dtype=float)
    t = np.where(energy > binding_eV, energy / binding_eV, 2.0)
    u = kinetic_eV / binding_eV
    log_t = np.log(t)
    value = (_beb_prefactor_cm2(binding_eV, occupation) / (t + u + 1.0)
             * (0.5 * log_t * (1.0 - 1.0 / t**2) + 1.0 - 1.0 / t - log_t / (t + 1.0)))
    return np.where(energy > binding_eV, value, 0.0)


def beb_sdcs_cm2_per_eV(primary_eV, secondary_eV, binding_eV, kinetic_eV, occupation):
    """BEB singly differential cross section d sigma / d W, cm^2/eV (Kim and Rudd 1994).

    With w = W/B (W = secondary energy), t = T/B, u = U/B:
    dsigma/dW = S/(B (t+u+1)) { -[1/(w+1) + 1/(t-w)]/(t+1) + [1/(w+1)^2 + 1/(t-w)^2]
                                 + ln t [1/(w+1)^3 + 1/(t-w)^3] },  0 <= W <= (T-B)/2,
    whose integral over W is exactly :func:`beb_cm2` (the Q = 1 form behind their eq. (57)).
    """
    primary = np.asarray(primary_eV, dtype=float)
    secondary = np.asarray(secondary_eV, dtype=float)
    inside = (primary > binding_eV) & (secondary >= 0.0) & (secondary <= 0.5 * (primary - binding_eV))
    t = np.where(inside, primary / binding_eV, 3.0)
    w = np.where(inside, secondary / binding_eV, 0.5)
    u = kinetic_eV / binding_eV
    bracket = (-(1.0 / (w + 1.0) + 1.0 / (t - w)) / (t + 1.0)
               + 1.0 / (w + 1.0) ** 2 + 1.0 / (t - w) ** 2
               + np.log(t) * (1.0 / (w + 1.0) ** 3 + 1.0 / (t - w) ** 3))
    value = _beb_prefactor_cm2(binding_eV, occupation) / (binding_eV * (t + u + 1.0)) * bracket
    return np.where(inside, value, 0.0)


def beb_mean_secondary_eV(primary_eV, binding_eV):
    """Mean secondary energy (eV) of the BEB singly differential cross section, analytic.

    First moment over the zeroth moment of the bracket of :func:`beb_sdcs_cm2_per_eV` on
    0 <= w <= (t-1)/2 (independent of U and N); NaN at or below threshold.
    """
    primary = np.asarray(primary_eV, dtype=float)
    above = primary > binding_eV
    t = np.where(above, primary / binding_eV, 3.0)
    wm = 0.5 * (t - 1.0)
    log_t = np.log(t)
    zeroth = 0.5 * log_t * (1.0 - 1.0 / t**2) + 1.0 - 1.0 / t - log_t / (t + 1.0)
    i1 = (wm - np.log(wm + 1.0)) + (-wm - t * np.log((t - wm) / t))
    i2 = (np.log(wm + 1.0) + 1.0 / (wm + 1.0) - 1.0) + (t / (t - wm) - 1.0 + np.log((t - wm) / t))
    i3 = ((-1.0 / (wm + 1.0) + 0.5 / (wm + 1.0) ** 2 + 0.5)
          + (0.5 * t / (t - wm) ** 2 - 1.0 / (t - wm) + 0.5 / t))
    first = -i1 / (t + 1.0) + i2 + log_t * i3
    return np.where(above, binding_eV * first / zeroth, np.nan)


def _jackman_shape(primary, threshold_eV, K, J_eV, Ts_eV, Ta_eV, Tb_eV, Gamma_s_eV, Gamma_b_eV):
    """(A, T0, Gamma, Tm) of the Jackman et al. (1977) form; A in cm^2/eV, energies eV."""
    a = np.maximum(1e-16 * K * np.log(primary / J_eV) / primary, 0.0)
    t0 = Ts_eV - Ta_eV / (primary + Tb_eV)
    gamma = Gamma_s_eV * primary / (primary + Gamma_b_eV)
    return a, t0, gamma, 0.5 * (primary - threshold_eV)


def jackman_sdcs_cm2_per_eV(primary_eV, secondary_eV, threshold_eV, K, J_eV, Ts_eV, Ta_eV, Tb_eV,
                            Gamma_s_eV, Gamma_b_eV):
    """Jackman, Garvey and Green (1977) differential ionisation cross section, cm^2/eV.

    S(E, E2) = A(E) Gamma(E)^2 / ((E2 - T0(E))^2 + Gamma(E)^2) on 0 <= E2 <= (E - I)/2, with
    A = 1e-16 K ln(E/J)/E, T0 = Ts - Ta/(E + Tb), Gamma = Gamma_s E/(E + Gamma_b); zero elsewhere.
    """
    primary, secondary = np.broadcast_arrays(np.asarray(primary_eV, dtype=float),
                                             np.asarray(secondary_eV, dtype=float))
    above = primary > threshold_eV
    e = np.where(above, primary, threshold_eV + 1.0)
    a, t0, gamma, tm = _jackman_shape(e, threshold_eV, K, J_eV, Ts_eV, Ta_eV, Tb_eV, Gamma_s_eV, Gamma_b_eV)
    inside = above & (secondary >= 0.0) & (secondary <= tm)
    return np.where(inside, a * gamma**2 / ((secondary - t0) ** 2 + gamma**2), 0.0)


def _jackman_moments(primary_eV, channel):
    """(sigma, mean secondary energy) of one Jackman channel, analytic; NaN mean at/below threshold."""
    primary = np.asarray(primary_eV, dtype=float)
    thr = channel["threshold_eV"]
    above = primary > thr
    e = np.where(above, primary, thr + 1.0)
    a, t0, g, tm = _jackman_shape(e, thr, channel["K"], channel["J_eV"], channel["Ts_eV"], channel["Ta_eV"],
                                  channel["Tb_eV"], channel["Gamma_s_eV"], channel["Gamma_b_eV"])
    span = np.arctan((tm - t0) / g) - np.arctan(-t0 / g)
    sigma = np.where(above, a * g * span, 0.0)
    mean = t0 + 0.5 * g * np.log(((tm - t0) ** 2 + g**2) / (t0**2 + g**2)) / span
    return sigma, np.where(above, mean, np.nan)


def jackman_cm2(primary_eV, threshold_eV, K, J_eV, Ts_eV, Ta_eV, Tb_eV, Gamma_s_eV, Gamma_b_eV):
    """Ionisation cross section of one ion state, cm^2: the integral of
    :func:`jackman_sdcs_cm2_per_eV` over 0 <= E2 <= (E - I)/2 (analytic, arctan)."""
    channel = dict(threshold_eV=threshold_eV, K=K, J_eV=J_eV, Ts_eV=Ts_eV, Ta_eV=Ta_eV, Tb_eV=Tb_eV,
                   Gamma_s_eV=Gamma_s_eV, Gamma_b_eV=Gamma_b_eV)
    return _jackman_moments(primary_eV, channel)[0]


def jackman_mean_secondary_eV(primary_eV, threshold_eV, K, J_eV, Ts_eV, Ta_eV, Tb_eV, Gamma_s_eV, Gamma_b_eV):
    """Mean secondary energy (eV) of one Jackman ion state, analytic; NaN at or below threshold."""
    channel = dict(threshold_eV=threshold_eV, K=K, J_eV=J_eV, Ts_eV=Ts_eV, Ta_eV=Ta_eV, Tb_eV=Tb_eV,
                   Gamma_s_eV=Gamma_s_eV, Gamma_b_eV=Gamma_b_eV)
    return _jackman_moments(primary_eV, channel)[1]


def green_sawada_norm_per_eV(max_secondary_eV, Ts_eV, Gamma_eV):
    """int_0^Tm dE2 / ((E2 - Ts)^2 + Gamma^2), 1/eV (Green and Sawada 1972 Lorentzian)."""
    tm = np.asarray(max_secondary_eV, dtype=float)
    return (np.arctan((tm - Ts_eV) / Gamma_eV) + np.arctan(Ts_eV / Gamma_eV)) / Gamma_eV


def green_sawada_mean_eV(max_secondary_eV, Ts_eV, Gamma_eV):
    """Mean secondary energy (eV) of the Green-Sawada Lorentzian on 0..Tm, analytic."""
    tm = np.asarray(max_secondary_eV, dtype=float)
    norm = green_sawada_norm_per_eV(tm, Ts_eV, Gamma_eV)
    first = 0.5 * np.log(((tm - Ts_eV) ** 2 + Gamma_eV**2) / (Ts_eV**2 + Gamma_eV**2)) + Ts_eV * norm
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tm > 0, first / norm, np.nan)


def screening_parameter(energy_eV, atomic_number):
    """Screening parameter eta of the screened Rutherford cross section (dimensionless).

    eta = 1.13 chi_0^2 / 4, chi_0 = hbar/(p a_TF), a_TF = 0.885 a0 Z^(-1/3): Moliere's (1948)
    screening angle in the first-Born limit.  chi_0^2/4 = 1.70e-5 Z^(2/3) / (tau (tau + 2)),
    tau = E / m c^2 (the form of Ivanov and Sergienko 1992, eq. (2.11)).
    """
    energy = np.asarray(energy_eV, dtype=float)
    pc2_eV2 = energy * (energy + 2.0 * ELECTRON_REST_ENERGY_EV)
    a_tf_cm = 0.885 * BOHR_RADIUS_CM * atomic_number ** (-1.0 / 3.0)
    return 1.13 * 0.25 * HBAR_C_EV_CM**2 / (pc2_eV2 * a_tf_cm**2)


def _rutherford_A_cm2(energy_eV, atomic_number):
    """Z(Z+1) r_e^2 (m c^2)^2 / (p^2 c^2 beta^2): dsigma/dOmega = A / (1 - cos + 2 eta)^2."""
    energy = np.asarray(energy_eV, dtype=float)
    pc2 = energy * (energy + 2.0 * ELECTRON_REST_ENERGY_EV)
    beta2 = pc2 / (energy + ELECTRON_REST_ENERGY_EV) ** 2
    z = atomic_number
    return z * (z + 1.0) * (CLASSICAL_ELECTRON_RADIUS_CM * ELECTRON_REST_ENERGY_EV) ** 2 / (pc2 * beta2)


# ---------------------------------------------------------------------------------------------
# species API: excitation and ionisation
# ---------------------------------------------------------------------------------------------
def _excitation_one(entry, energy):
    form = entry["form"]
    if form == "green_stolarski":
        return green_stolarski_cm2(energy, entry["threshold_eV"], entry["F"], entry["alpha"],
                                   entry["beta"], entry["Omega"])
    if form == "table":
        return table_loglog_cm2(energy, entry["energies_eV"], entry["cross_sections_cm2"])
    raise ValueError(f"unknown excitation form {form!r} for {entry.get('name')!r}")


def excitation_cross_sections_cm2(species: str, energy_eV) -> dict[str, np.ndarray]:
    """Excitation cross sections (cm^2) of ``species`` by state name, shape of ``energy_eV``.

    Only states with a published parameter set (status ok) are returned; see
    :func:`missing_processes` for any others.
    """
    energy = np.asarray(energy_eV, dtype=float)
    return {entry["name"]: _excitation_one(entry, energy)
            for entry in load_species(species).get("excitation", []) if entry.get("status") == "ok"}


def _channel_sigma_mean(species, channel, primary, model, form):
    """(sigma, mean secondary energy) of one channel of ``model``; the mean uses ``form`` for BEB."""
    if model == "jackman":
        return _jackman_moments(primary, channel)
    sigma = beb_cm2(primary, channel["binding_energy_eV"], channel["kinetic_energy_eV"], channel["occupation"])
    b = channel["binding_energy_eV"]
    if _secondary_form(species, form) == "beb":
        return sigma, beb_mean_secondary_eV(primary, b)
    pars = load_species(species)["secondary"]
    return sigma, green_sawada_mean_eV(0.5 * (primary - b), pars["Ts_eV"], pars["Gamma_s_eV"])


def ionisation_cross_sections_by_channel_cm2(species: str, energy_eV, model: str | None = None) -> dict[str, np.ndarray]:
    """Partial ionisation cross sections (cm^2) by ion-state channel.

    ``model``: ``"jackman"`` (ion states, the paper's set) or ``"beb"`` (one per orbital);
    default from the data file (``default_ionisation``).
    """
    energy = np.asarray(energy_eV, dtype=float)
    kind = _ionisation_model(species, model)
    return {c["name"]: _channel_sigma_mean(species, c, energy, kind, None)[0] for c in _channels(species, kind)}


def ionisation_cross_section_cm2(species: str, energy_eV, model: str | None = None) -> np.ndarray:
    """Total (counting) ionisation cross section <sigma+>(E), cm^2: sum over the channels."""
    energy = np.asarray(energy_eV, dtype=float)
    total = np.zeros(energy.shape)
    for value in ionisation_cross_sections_by_channel_cm2(species, energy, model).values():
        total = total + value
    return total


def _secondary_form(species: str, form: str | None) -> str:
    return form if form is not None else load_species(species)["secondary"]["form"]


def secondary_distribution(species: str, primary_eV, secondary_eV, form: str | None = None,
                           model: str | None = None) -> np.ndarray:
    """Differential ionisation cross section I+(E, E2) in cm^2/eV (paper eqs. (4)-(5)).

    Sum over the ionisation channels j (threshold I_j) of S_j(E, E2) on 0 <= E2 <= (E - I_j)/2,
    so that int_0^{(E-I)/2} I+ dE2 = <sigma+>(E) of :func:`ionisation_cross_section_cm2`.

    * ``model="jackman"`` (default of the data files): the Jackman et al. (1977) S_j;
    * ``model="beb"`` with ``form`` (default from the data file): ``"green_sawada"``,
      S_j = sigma_j(E) L(E2) / int_0^{(E-B_j)/2} L, L = 1/((E2 - Ts)^2 + Gs^2) (Green and Sawada
      1972, high-energy limit), or ``"beb"``, the BEB singly differential cross section.

    ``primary_eV`` and ``secondary_eV`` broadcast against each other.
    """
    primary, secondary = np.broadcast_arrays(np.asarray(primary_eV, dtype=float),
                                             np.asarray(secondary_eV, dtype=float))
    model = _ionisation_model(species, model)
    kind = _secondary_form(species, form)
    total = np.zeros(primary.shape)
    for c in _channels(species, model):
        total = total + _channel_sdcs(species, c, model, kind, primary, secondary)
    return total


def _channel_sdcs(species, c, model, kind, primary, secondary):
    """S_c(E, E2) of one ionisation channel, cm^2/eV: Jackman et al. (1977) for ``model="jackman"``;
    for ``"beb"`` the BEB singly differential form (``kind="beb"``) or the Green-Sawada Lorentzian
    normalised to the BEB channel cross section (``kind="green_sawada"``)."""
    if model == "jackman":
        return jackman_sdcs_cm2_per_eV(primary, secondary, c["threshold_eV"], c["K"], c["J_eV"], c["Ts_eV"],
                                       c["Ta_eV"], c["Tb_eV"], c["Gamma_s_eV"], c["Gamma_b_eV"])
    b, u, n = c["binding_energy_eV"], c["kinetic_energy_eV"], c["occupation"]
    if kind == "beb":
        return beb_sdcs_cm2_per_eV(primary, secondary, b, u, n)
    if kind != "green_sawada":
        raise ValueError(f"unknown secondary form {kind!r}")
    pars = load_species(species)["secondary"]
    ts, gs = pars["Ts_eV"], pars["Gamma_s_eV"]
    tmax = 0.5 * (primary - b)
    inside = (tmax > 0) & (secondary >= 0) & (secondary <= tmax)
    norm = green_sawada_norm_per_eV(np.where(tmax > 0, tmax, 1.0), ts, gs)
    shape = 1.0 / ((secondary - ts) ** 2 + gs**2)
    return np.where(inside, beb_cm2(primary, b, u, n) * shape / norm, 0.0)


def mean_secondary_energy_eV(species: str, primary_eV, form: str | None = None,
                             model: str | None = None) -> np.ndarray:
    """Mean secondary energy (eV) weighted over the channels, int E2 I+ dE2 / <sigma+>.

    NaN below the first ionisation threshold.
    """
    primary = np.asarray(primary_eV, dtype=float)
    model = _ionisation_model(species, model)
    first = np.zeros(primary.shape)
    zeroth = np.zeros(primary.shape)
    for c in _channels(species, model):
        sigma, mean = _channel_sigma_mean(species, c, primary, model, form)
        first = first + np.where(sigma > 0, sigma * np.nan_to_num(mean), 0.0)
        zeroth = zeroth + sigma
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(zeroth > 0, first / zeroth, np.nan)


# ---------------------------------------------------------------------------------------------
# species API: elastic scattering
# ---------------------------------------------------------------------------------------------
ELASTIC_FORMS = ("table", "born")


def _elastic_pars(species, form):
    form = form or "table"
    if form not in ELASTIC_FORMS:
        raise ValueError(f"unknown elastic form {form!r}; known: {', '.join(ELASTIC_FORMS)}")
    data = load_species(species)
    block = data.get("elastic" if form == "table" else "elastic_born", {})
    if block.get("status") != "ok":
        raise ValueError(f"no {form} elastic cross section available for {species}")
    return form, block, data["target"]


def _elastic_valid(form, block, energy, allow_extrapolation):
    if allow_extrapolation and form == "born":
        return np.ones(energy.shape, dtype=bool)
    if form == "table":
        return (energy >= block["energies_eV"][0]) & (energy <= block["energies_eV"][-1])
    return (energy >= block["valid_min_eV"]) & (energy <= block["valid_max_eV"])


def _elastic_total_and_eta(species, energy, form, allow_extrapolation):
    form, block, target = _elastic_pars(species, form)
    z = target["atomic_number"]
    eta = screening_parameter(energy, z)
    if form == "table":
        total = table_loglog_cm2(energy, block["energies_eV"], block["cross_sections_cm2"])
    else:
        total = target["atoms_per_molecule"] * np.pi * _rutherford_A_cm2(energy, z) / (eta * (1.0 + eta))
    valid = _elastic_valid(form, block, energy, allow_extrapolation)
    return np.where(valid, total, np.nan), eta


def elastic_cross_section_cm2(species: str, energy_eV, allow_extrapolation: bool = False,
                              form: str | None = None) -> np.ndarray:
    """Total elastic cross section per molecule (atom for O), cm^2.

    ``form="table"`` (default): the Solomon et al. (1988) compiled totals, log-log interpolated,
    NaN outside the table (1 eV - 50 keV).  ``form="born"``: screened Rutherford in the first
    Born approximation, independent atoms, sigma = n_atoms pi A / (eta (1 + eta)),
    A = Z(Z+1) r_e^2 (m c^2)^2 / (p^2 c^2 beta^2), eta from :func:`screening_parameter`; NaN
    below 1 keV unless ``allow_extrapolation``.
    """
    energy = np.asarray(energy_eV, dtype=float)
    return _elastic_total_and_eta(species, energy, form, allow_extrapolation)[0]


def elastic_differential_cm2_sr(species: str, energy_eV, angle_rad, allow_extrapolation: bool = False,
                                form: str | None = None) -> np.ndarray:
    """Elastic differential cross section per molecule, cm^2/sr, normalised to the total.

    Screened-Rutherford shape with Moliere's Born screening parameter eta for both forms:
    dsigma/dOmega = sigma eta (1 + eta) / (pi (1 - cos(theta) + 2 eta)^2), whose integral over
    the sphere is :func:`elastic_cross_section_cm2`.  ``energy_eV`` and ``angle_rad`` broadcast.
    """
    energy, angle = np.broadcast_arrays(np.asarray(energy_eV, dtype=float),
                                        np.asarray(angle_rad, dtype=float))
    total, eta = _elastic_total_and_eta(species, energy, form, allow_extrapolation)
    return total * eta * (1.0 + eta) / (np.pi * (1.0 - np.cos(angle) + 2.0 * eta) ** 2)


def elastic_backscatter_probability(species: str, energy_eV, allow_extrapolation: bool = False,
                                    form: str | None = None) -> np.ndarray:
    """Probability that an elastic collision scatters into the backward hemisphere (theta > 90 deg).

    For the screened Rutherford shape: p_b = eta / (1 + 2 eta).
    """
    energy = np.asarray(energy_eV, dtype=float)
    total, eta = _elastic_total_and_eta(species, energy, form, allow_extrapolation)
    return np.where(np.isfinite(total), eta / (1.0 + 2.0 * eta), np.nan)


def elastic_momentum_transfer_cm2(species: str, energy_eV, allow_extrapolation: bool = False,
                                  form: str | None = None) -> np.ndarray:
    """Elastic momentum-transfer cross section int (1 - cos) dsigma, cm^2.

    sigma_m = sigma 2 eta (1 + eta) [ln(1 + 1/eta) - 1/(1 + eta)] for the screened Rutherford shape.
    """
    energy = np.asarray(energy_eV, dtype=float)
    total, eta = _elastic_total_and_eta(species, energy, form, allow_extrapolation)
    return total * 2.0 * eta * (1.0 + eta) * (np.log1p(1.0 / eta) - 1.0 / (1.0 + eta))


# ---------------------------------------------------------------------------------------------
# stopping cross section
# ---------------------------------------------------------------------------------------------
def energy_loss_function_eV_cm2(species: str, energy_eV, form: str | None = None,
                                model: str | None = None) -> np.ndarray:
    """Stopping cross section L(E) = sum_j W_j sigma_j(E) + sum_c sigma_c(E) (I_c + <E2>_c), eV cm^2.

    Excitation states contribute W_j sigma_j; each ionisation channel c of ``model`` contributes
    its threshold plus the mean energy of its secondary.  dE/ds = -n L.
    """
    energy = np.asarray(energy_eV, dtype=float)
    data = load_species(species)
    loss = np.zeros(energy.shape)
    for entry in data.get("excitation", []):
        if entry.get("status") == "ok":
            loss = loss + entry["threshold_eV"] * _excitation_one(entry, energy)
    model = _ionisation_model(species, model)
    for c in _channels(species, model):
        sigma, mean = _channel_sigma_mean(species, c, energy, model, form)
        loss = loss + sigma * (c["threshold_eV"] + np.nan_to_num(mean))
    return loss


def ion_pair_energy_eV(species: str, energy_eV: float, step_eV: float = 0.25,
                       model: str | None = None, points: int = 96) -> float:
    """Mean energy per ion pair W(E0) of an electron of energy E0 stopping in pure ``species``, eV.

    A zero-dimensional degradation (Spencer-Fano-type yield recursion) with this module's
    excitation and ionisation cross sections, no Coulomb losses and no transport: the expected
    number of ionisations N(E) of an electron of energy E and all its descendants is

        N(E) sigma_in(E) = sum_j sigma_j N(E - W_j)
                           + sum_c int_0^{(E-I_c)/2} S_c(E, E2) [1 + N(E2) + N(E - I_c - E2)] dE2,

    sigma_in the total inelastic cross section, solved upward on a grid of ``step_eV`` with linear
    interpolation; W = E0 / N(E0).  A standard check of a cross-section set against measured W
    values (N2 about 35 eV, O2 about 31 eV at keV energies; ICRU Report 31, 1979). With
    ``model="beb"`` the secondaries follow the BEB singly differential form.
    """
    model = _ionisation_model(species, model)
    grid = np.arange(step_eV, energy_eV + 0.5 * step_eV, step_eV)
    yields = np.zeros(grid.size)
    states = [entry for entry in load_species(species).get("excitation", []) if entry.get("status") == "ok"]
    exc = [(float(e["threshold_eV"]), _excitation_one(e, grid)) for e in states]
    chans = _channels(species, model)
    nodes, weights = np.polynomial.legendre.leggauss(points)

    def at(x):
        return np.interp(x, grid, yields, left=0.0)

    for i, energy in enumerate(grid):
        total = acc = 0.0
        for w, sig in exc:
            if sig[i] > 0:
                total += sig[i]
                acc += sig[i] * at(energy - w)
        for c in chans:
            top = 0.5 * (energy - c["threshold_eV"])
            if top <= 0:
                continue
            x = 0.5 * top * (nodes + 1.0)
            wq = 0.5 * top * weights
            s = _channel_sdcs(species, c, model, "beb", energy, x)
            sig = float(np.dot(wq, s))
            if sig <= 0:
                continue
            total += sig
            acc += sig + float(np.dot(wq, s * (at(x) + at(energy - c["threshold_eV"] - x))))
        yields[i] = acc / total if total > 0 else 0.0
    return float(energy_eV / yields[-1]) if yields[-1] > 0 else float("inf")
