"""Thermal plasma along a dipole field line: ionosphere, ion composition, temperatures, plasmasphere.

This module holds pure functions for the charged background of the ``bounce`` model (paper
``001_bb23716bc5c9e956.txt``, Khazanov, Liemohn et al., section 3: IRI-90 below, an equatorial
plasmasphere density from Rasmussen et al. (1993) above, "no O+ beyond 1000 km altitude (only
e- and H+)"):

* ionospheric electron density: PyIRI (:func:`pyiri_electron_density`, the IRI F2/F1/E
  Epstein-layer profile with CCIR coefficients shipped inside the PyIRI package, so it runs
  offline) or a documented Chapman-layer fallback (:func:`chapman_electron_density`);
* ion composition (:func:`ion_composition`): molecular ions (NO+, O2+) below ~190 km, O+ in the
  F region, H+ above the O+/H+ transition height, with a hard O+ ceiling (paper: 1000 km);
* equatorial plasmasphere density (:func:`equatorial_density_cm3`: Carpenter and Anderson
  1992, or Sheeley et al. 2001) and its field-aligned dependence n = n_eq (B/B_eq)^p
  (:func:`plasmasphere_density_cm3`), joined to the ionosphere by a soft maximum
  (:func:`join_ionosphere_plasmasphere`);
* electron and ion temperatures from a documented day/night anchor model
  (:func:`electron_temperature_K`, :func:`ion_temperature_K`);
* :data:`PAPER_TABLE5_NE_EQ_CM3`, the paper's equatorial electron densities (Table 5), for
  the ``ne_eq_cm3`` override of :class:`hpcsim.physics.background.FieldLineBackground`.

It does not hold: the neutral atmosphere (:mod:`hpcsim.physics.atmosphere`), the assembly
along a field line and column densities (:mod:`hpcsim.physics.background`), He+ or other minor
ions (they are counted in neither O+ nor H+; molecular ions are returned separately), a
plasmapause, storm-time erosion or refilling dynamics, or IRI temperatures/composition.

Units: densities in cm^-3, temperatures in K (``background`` converts to eV), altitudes in km
above a sphere of ``dipole.DEFAULT.earth_radius_km``, latitudes in degrees or radians as named.

References
----------
Bilitza, D. (1990), International Reference Ionosphere 1990, NSSDC 90-22 (IRI-90).
Forsythe, V. V., et al. (2023), PyIRI: Whole-globe approach to the International Reference
Ionosphere modeling implemented in Python, Space Weather, 21, e2023SW003739.
Rishbeth, H. and O. K. Garriott (1969), Introduction to Ionospheric Physics, Academic Press
(Chapman layer, O+/H+ diffusive equilibrium).
Carpenter, D. L. and R. R. Anderson (1992), An ISEE/whistler model of equatorial electron
density in the magnetosphere, J. Geophys. Res., 97, 1097.
Sheeley, B. W., M. B. Moldwin, H. K. Rassoul and R. R. Anderson (2001), An empirical
plasmasphere and trough density model: CRRES observations, J. Geophys. Res., 106, 25631.
Denton, R. E., et al. (2006), Distribution of density along magnetospheric field lines,
J. Geophys. Res., 111, A04213 (power-law field-aligned dependence).
Kutiev, I., P. Marinov and S. Watanabe (2006), Model of topside ionosphere scale height based
on topside sounder data, Adv. Space Res., 37, 943 (O+/H+ transition heights).
Titheridge, J. E. (1998), Temperatures in the upper ionosphere and plasmasphere, J. Geophys.
Res., 103, 2261 (electron and ion temperature ranges).
Rasmussen, C. E., S. M. Guiter and S. G. Thomas (1993), A two-dimensional model of the
plasmasphere: refilling time constants, Planet. Space Sci., 41, 35 (the paper's model; not
implemented here).
"""

from __future__ import annotations

import numpy as np

from hpcsim.geometry import dipole
from hpcsim.physics.constants import BOLTZMANN_EV_PER_K

__all__ = [
    "PAPER_TABLE5_NE_EQ_CM3",
    "IONOSPHERE_MODELS",
    "EQUATORIAL_MODELS",
    "SUNSPOT_R12_1991",
    "day_weight",
    "pyiri_electron_density",
    "chapman_electron_density",
    "o_plus_fraction",
    "ion_composition",
    "equatorial_density_cm3",
    "plasmasphere_density_cm3",
    "join_ionosphere_plasmasphere",
    "electron_temperature_K",
    "ion_temperature_K",
    "kelvin_to_eV",
    "TEMPERATURE_ANCHORS_K",
]

#: Equatorial electron densities of the paper's Table 5, cm^-3, keyed by (L, MLT hour); these
#: came from a quiet-time run of the Rasmussen et al. (1993) plasmasphere model.
PAPER_TABLE5_NE_EQ_CM3 = {
    (2, 0): 1.81e3, (2, 12): 2.16e3,
    (3, 0): 9.02e2, (3, 12): 7.62e2,
    (4, 0): 1.80e2, (4, 12): 1.80e2,
}

IONOSPHERE_MODELS = ("pyiri", "chapman")
EQUATORIAL_MODELS = ("carpenter_anderson1992", "sheeley2001")

#: 13-month smoothed sunspot number around March 1991 (cycle 22 maximum, ~145-150); the
#: solar-cycle term of Carpenter and Anderson (1992).
SUNSPOT_R12_1991 = 145.0


def day_weight(cos_chi, width: float = 0.15):
    """Smooth day/night weight 0.5 (1 + tanh(cos chi / width)): 1 by day, 0 by night.

    Parameters
    ----------
    cos_chi : array_like
        Cosine of the solar zenith angle (:func:`hpcsim.physics.atmosphere.cos_solar_zenith`).
    width : float
        Width of the terminator transition in cos chi (0.15 ~ 9 deg of zenith angle).

    Returns
    -------
    ndarray
        Weight in [0, 1].
    """
    return 0.5 * (1.0 + np.tanh(np.asarray(cos_chi, dtype=float) / width))


# ----------------------------------------------------------------------- ionosphere


def pyiri_electron_density(altitude_km, lat_deg, lon_deg, ut_h, inputs, ccir_or_ursi: int = 0):
    """IRI electron density profiles from PyIRI (monthly-mean CCIR/URSI maps, F10.7-scaled).

    Calls ``PyIRI.main_library.IRI_density_1day`` once for all positions, times and
    altitudes, with the coefficient directory shipped inside the PyIRI package (no download).
    PyIRI builds the profile from F2, F1 and E Epstein layers; its topside is an Epstein
    layer too (no IRI-2016 topside corrections), so above ~1500 km it should be joined to a
    plasmasphere model (see :func:`join_ionosphere_plasmasphere`).

    Parameters
    ----------
    altitude_km : array_like, shape (n_alt,)
        Altitudes, km.
    lat_deg, lon_deg : array_like, shape (n_pos,)
        Geographic latitudes and longitudes of the profiles, deg.
    ut_h : array_like, shape (n_t,)
        Universal times, h, on ``inputs.date``.
    inputs : hpcsim.physics.atmosphere.SolarInputs
        Date and F10.7 (PyIRI's only driver; ``f107_sfu`` is used).
    ccir_or_ursi : {0, 1}
        F2 peak coefficients: 0 = CCIR (default, as IRI-90 over land), 1 = URSI.

    Returns
    -------
    ndarray, shape (n_t, n_alt, n_pos)
        Electron density, cm^-3 (floored at 1e-3).
    """
    import PyIRI
    import PyIRI.main_library as ml

    alt = np.atleast_1d(np.asarray(altitude_km, dtype=float))
    lat = np.atleast_1d(np.asarray(lat_deg, dtype=float))
    lon = np.atleast_1d(np.asarray(lon_deg, dtype=float))
    ut = np.atleast_1d(np.asarray(ut_h, dtype=float))
    *_, edp = ml.IRI_density_1day(inputs.year, inputs.month, inputs.day, ut, lon, lat, alt,
                                   float(inputs.f107_sfu), PyIRI.coeff_dir, ccir_or_ursi)
    edp = np.asarray(edp, dtype=float).reshape(ut.size, alt.size, lat.size) * 1e-6
    return np.maximum(np.where(np.isfinite(edp), edp, 0.0), 1e-3)


def chapman_electron_density(altitude_km, cos_chi, f107_sfu: float = 230.0, night_fraction: float = 0.25,
                             h_peak_km: float = 300.0, scale_height_km: float = 60.0):
    """Fallback ionosphere: an alpha-Chapman layer with a solar-flux and day/night scaled peak.

    n = N_m exp(0.5 (1 - z - exp(-z))), z = (h - h_m)/H (Rishbeth and Garriott 1969). The
    peak N_m = 1e6 cm^-3 (F10.7/150)^0.5 (0.2 + 0.8 max(cos chi, 0))^0.5 by day falls to
    ``night_fraction`` of its noon value at night (blended with :func:`day_weight`); the
    layer is not production-driven, so h_m and H are fixed inputs. A rough stand-in for
    when PyIRI cannot run; not tuned to IRI.

    Parameters
    ----------
    altitude_km : array_like
        Altitude, km.
    cos_chi : array_like
        Cosine of the solar zenith angle.
    f107_sfu : float
        F10.7, sfu.
    night_fraction : float
        Night peak as a fraction of the overhead-sun peak.
    h_peak_km, scale_height_km : float
        Peak height and neutral scale height of the layer, km.

    Returns
    -------
    ndarray
        Electron density, cm^-3.
    """
    h = np.asarray(altitude_km, dtype=float)
    cc = np.asarray(cos_chi, dtype=float)
    nm_day = 1e6 * np.sqrt(f107_sfu / 150.0) * np.sqrt(0.2 + 0.8 * np.clip(cc, 0.0, 1.0))
    nm_night = 1e6 * np.sqrt(f107_sfu / 150.0) * night_fraction
    w = day_weight(cc)
    nm = w * nm_day + (1.0 - w) * nm_night
    z = (h - h_peak_km) / scale_height_km
    return nm * np.exp(0.5 * (1.0 - z - np.exp(-np.minimum(z, 50.0))))


def _logistic(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def o_plus_fraction(altitude_km, day_w, transition_day_km: float = 1000.0, transition_night_km: float = 750.0,
                    transition_scale_km: float = 150.0):
    """O+ share of the atomic ions, f_O = 1 / (1 + exp((h - h_T)/H_T)), no ceiling applied.

    h_T = day_w h_T,day + (1 - day_w) h_T,night. See :func:`ion_composition`; the plasmasphere
    is switched on above the transition with the complement 1 - f_O.

    Parameters
    ----------
    altitude_km, day_w : array_like
        Altitude, km, and day weight (:func:`day_weight`).
    transition_day_km, transition_night_km, transition_scale_km : float
        h_T by day and night and H_T, km.

    Returns
    -------
    ndarray
        f_O in [0, 1].
    """
    w = np.asarray(day_w, dtype=float)
    h_t = w * transition_day_km + (1.0 - w) * transition_night_km
    return _logistic(-(np.asarray(altitude_km, dtype=float) - h_t) / transition_scale_km)


def ion_composition(altitude_km, n_e, day_w, transition_day_km: float = 1000.0,
                    transition_night_km: float = 750.0, transition_scale_km: float = 150.0,
                    molecular_height_km: float = 190.0, molecular_scale_km: float = 12.0,
                    o_plus_ceiling_km: float | None = 1000.0, o_plus_taper_km: float = 50.0):
    """Split an electron density into O+, H+ and molecular ions (NO+, O2+) by altitude.

    Fractions (charge neutrality n_e = n(O+) + n(H+) + n(mol)):

    * molecular ions: f_mol = 1 / (1 + exp((h - h_mol)/w_mol)), h_mol ~ 190 km, w_mol ~ 12 km
      (the O+/NO+ crossover of the mid-latitude F1 region at solar maximum);
    * of the atomic ions, O+ has the fraction f_O = 1 / (1 + exp((h - h_T)/H_T)), the form of
      two ions in diffusive equilibrium whose density ratio has the scale height
      H_T = k (T_e + T_i) / ((m_O - m_H) g) (~150 km for T_e + T_i ~ 3000 K at 1000 km;
      Rishbeth and Garriott 1969); h_T is the O+/H+ transition height, blended between day
      and night values with ``day_w`` (mid-latitude solar maximum: ~1000 km day, ~750 km
      night; Kutiev et al. 2006);
    * O+ ceiling (the paper: no O+ above 1000 km): O+ is multiplied by a cosine taper from 1
      at ``o_plus_ceiling_km - o_plus_taper_km`` to 0 at the ceiling, and what is removed is
      given to H+, so n_e is unchanged and smooth.

    Parameters
    ----------
    altitude_km, n_e, day_w : array_like
        Altitude (km), electron density (cm^-3) and day weight (:func:`day_weight`), broadcast.
    transition_day_km, transition_night_km, transition_scale_km : float
        h_T by day and night and H_T, km.
    molecular_height_km, molecular_scale_km : float
        h_mol and w_mol, km.
    o_plus_ceiling_km : float or None
        Altitude above which n(O+) = 0, km; None for no ceiling.
    o_plus_taper_km : float
        Width of the taper below the ceiling, km (0 for a hard cut).

    Returns
    -------
    (n_Oplus, n_Hplus, n_mol) : tuple of ndarray
        cm^-3, summing to n_e.
    """
    h = np.asarray(altitude_km, dtype=float)
    ne = np.asarray(n_e, dtype=float)
    w = np.asarray(day_w, dtype=float)
    f_mol = _logistic(-(h - molecular_height_km) / molecular_scale_km)
    f_o = o_plus_fraction(h, w, transition_day_km, transition_night_km, transition_scale_km)
    if o_plus_ceiling_km is not None:
        if o_plus_taper_km > 0.0:
            x = np.clip((o_plus_ceiling_km - h) / o_plus_taper_km, 0.0, 1.0)
            f_o = f_o * 0.5 * (1.0 - np.cos(np.pi * x))
        else:
            f_o = np.where(h > o_plus_ceiling_km, 0.0, f_o)
    n_mol = ne * f_mol
    n_atomic = ne - n_mol
    n_o = n_atomic * f_o
    return n_o, n_atomic - n_o, n_mol


# ---------------------------------------------------------------------- plasmasphere


def equatorial_density_cm3(L, model: str = "carpenter_anderson1992", day_of_year: int = 80,
                           r12: float = SUNSPOT_R12_1991):
    """Saturated (quiet-time) plasmasphere electron density at the magnetic equator.

    * ``"carpenter_anderson1992"``: log10 n_eq = -0.3145 L + 3.9043 + [0.15 (cos(2 pi (d + 9)/365)
      - 0.5 cos(4 pi (d + 9)/365)) + 0.00127 R12 - 0.0635] exp(-(L - 2)/1.5), d the day of
      year and R12 the 13-month smoothed sunspot number (Carpenter and Anderson 1992,
      eq. 5; fitted for 2.25 <= L <= 8, used here down to L = 2);
    * ``"sheeley2001"``: n_eq = 1390 (3/L)^4.83 (Sheeley et al. 2001, plasmasphere mean,
      3 <= L <= 7, no season or solar-cycle terms).

    Parameters
    ----------
    L : array_like
        McIlwain L.
    model : {"carpenter_anderson1992", "sheeley2001"}
    day_of_year : int
        Day of year (Carpenter-Anderson seasonal term; 80 = 21 March).
    r12 : float
        13-month smoothed sunspot number (Carpenter-Anderson solar-cycle term).

    Returns
    -------
    float or ndarray
        n_eq, cm^-3.
    """
    L = np.asarray(L, dtype=float)
    if model == "carpenter_anderson1992":
        d = float(day_of_year)
        season = 0.15 * (np.cos(2.0 * np.pi * (d + 9.0) / 365.0) - 0.5 * np.cos(4.0 * np.pi * (d + 9.0) / 365.0))
        log_n = -0.3145 * L + 3.9043 + (season + 0.00127 * r12 - 0.0635) * np.exp(-(L - 2.0) / 1.5)
        out = 10.0**log_n
    elif model == "sheeley2001":
        out = 1390.0 * (3.0 / L) ** 4.83
    else:
        raise ValueError(f"model must be one of {EQUATORIAL_MODELS}, got {model!r}")
    return float(out) if np.ndim(out) == 0 else out


def plasmasphere_density_cm3(L, latitude_rad, ne_eq_cm3, field_power: float = 0.5,
                             const: dipole.DipoleConstants = dipole.DEFAULT):
    """Field-aligned plasmasphere density n = n_eq (B/B_eq)^p along a dipole line.

    A power law in B (equivalently ~ (L/r)^(3p) away from the feet) is the usual empirical
    form of the field-aligned distribution (Denton et al. 2006 find n ~ (L R_E/r)^alpha with
    alpha ~ 0.5-2 inside the plasmasphere; p = 0.5 corresponds to alpha ~ 1.5). Diffusive
    equilibrium of an H+ plasma gives a flatter profile at these L (p ~ 0.1-0.3); the default
    p = 0.5 is steeper, standing in for the O+ - H+ topside below 3000 km.

    Parameters
    ----------
    L : float
        McIlwain L.
    latitude_rad : array_like
        Magnetic latitude, rad.
    ne_eq_cm3 : float
        Equatorial electron density, cm^-3.
    field_power : float
        p, dimensionless (0 gives a flux tube of uniform density).
    const : DipoleConstants

    Returns
    -------
    ndarray
        Electron (= H+) density, cm^-3.
    """
    ratio = np.asarray(dipole.field_ratio_to_equator(latitude_rad), dtype=float)
    return ne_eq_cm3 * ratio**field_power


def join_ionosphere_plasmasphere(n_iono, n_ps, sharpness: float = 4.0):
    """Smooth join of the ionospheric and plasmaspheric electron densities: a soft maximum.

    n = (n_iono^k + n_ps^k)^(1/k): the larger of the two wherever they differ by more than a
    factor ~2 (the ionosphere below ~1000-2000 km, the plasmasphere above), at most 2^(1/k)
    times the larger where they cross, and smooth (C-infinity) everywhere.

    Parameters
    ----------
    n_iono, n_ps : array_like
        Densities, cm^-3 (>= 0).
    sharpness : float
        k (default 4; large k tends to max(n_iono, n_ps)).

    Returns
    -------
    ndarray
        cm^-3.
    """
    a = np.log(np.maximum(np.asarray(n_iono, dtype=float), 1e-30))
    b = np.log(np.maximum(np.asarray(n_ps, dtype=float), 1e-30))
    return np.exp(np.logaddexp(sharpness * a, sharpness * b) / sharpness)


# ---------------------------------------------------------------------- temperatures

#: Anchor temperatures (K) of :func:`electron_temperature_K` and :func:`ion_temperature_K`:
#: mid-latitude solar-maximum values from IRI and incoherent-scatter climatology (Titheridge
#: 1998; Bilitza 1990): (day, night) at 300 km and 1000 km, and the equatorial plasmasphere.
TEMPERATURE_ANCHORS_K = {
    "Te_300": (2600.0, 1200.0),
    "Te_1000": (3200.0, 2200.0),
    "Te_eq": (6000.0, 5000.0),
    "Ti_1000": (2200.0, 1600.0),
    "Ti_eq": (5000.0, 4000.0),
}


def _interp_log_alt(h, anchors_h, anchors_t):
    """Piecewise-linear interpolation in log(altitude) through anchors, held flat outside."""
    lh = np.log(np.maximum(h, 1.0))
    out = np.empty_like(lh)
    xs = [np.log(a) for a in anchors_h]
    # anchors_t may be arrays broadcast with h (altitude-dependent T_n at the bottom anchor)
    out[...] = anchors_t[0]
    for i in range(len(xs) - 1):
        x0, x1 = xs[i], xs[i + 1]
        t = np.clip((lh - x0) / (x1 - x0), 0.0, 1.0)
        seg = (lh > x0)
        out = np.where(seg, anchors_t[i] + t * (anchors_t[i + 1] - anchors_t[i]), out)
    return out


def _blend(day_w, anchors: dict, key: str):
    """Day/night blend of the anchor temperature ``anchors[key] = (day, night)``, K."""
    day, night = anchors[key]
    return day_w * day + (1.0 - day_w) * night


def electron_temperature_K(altitude_km, T_n_K, day_w, equator_altitude_km,
                           anchors: dict = TEMPERATURE_ANCHORS_K):
    """Electron temperature: T_n below 120 km, then day/night anchors, interpolated in log h.

    T_e = T_n at h <= 120 km; linear in ln h through T_e(300 km), T_e(1000 km) and the
    equatorial plasmasphere value at the top of the line (``equator_altitude_km``); day and
    night anchors are blended with ``day_w``; never below T_n. A climatological stand-in for
    the IRI electron temperature (it matters to the collision coefficients only through the
    Coulomb logarithm and the thermal-electron energy-loss correction).

    Parameters
    ----------
    altitude_km, T_n_K, day_w : array_like
        Altitude (km), neutral temperature (K), day weight, broadcast together.
    equator_altitude_km : float
        Altitude of the equatorial crossing, (L - 1) R_E, km.
    anchors : dict
        See :data:`TEMPERATURE_ANCHORS_K`.

    Returns
    -------
    ndarray
        T_e, K.
    """
    h, tn, w = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (altitude_km, T_n_K, day_w)))

    top = max(float(equator_altitude_km), 1001.0)
    te = _interp_log_alt(h, [120.0, 300.0, 1000.0, top], [tn, _blend(w, anchors, "Te_300"), _blend(w, anchors, "Te_1000"), _blend(w, anchors, "Te_eq")])
    return np.maximum(te, tn)


def ion_temperature_K(altitude_km, T_n_K, day_w, equator_altitude_km, anchors: dict = TEMPERATURE_ANCHORS_K):
    """Ion temperature: T_n up to 300 km (ions thermalised by the neutrals), then anchors.

    T_i = T_n at h <= 300 km; linear in ln h to T_i(1000 km) and the equatorial value; day
    and night blended with ``day_w``; never below T_n.

    Parameters
    ----------
    altitude_km, T_n_K, day_w : array_like
        Altitude (km), neutral temperature (K), day weight.
    equator_altitude_km : float
        Altitude of the equatorial crossing, km.
    anchors : dict
        See :data:`TEMPERATURE_ANCHORS_K`.

    Returns
    -------
    ndarray
        T_i, K.
    """
    h, tn, w = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (altitude_km, T_n_K, day_w)))

    top = max(float(equator_altitude_km), 1001.0)
    ti = _interp_log_alt(h, [300.0, 1000.0, top], [tn, _blend(w, anchors, "Ti_1000"), _blend(w, anchors, "Ti_eq")])
    return np.maximum(ti, tn)


def kelvin_to_eV(T_K):
    """k_B T in eV for a temperature in K."""
    return np.asarray(T_K, dtype=float) * BOLTZMANN_EV_PER_K
