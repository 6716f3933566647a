"""Neutral and thermal-plasma background along one dipole field line, and its column densities.

This module holds :class:`FieldLineBackground`, the background of the ``bounce`` model (paper
``001_bb23716bc5c9e956.txt``, Khazanov, Liemohn et al., section 3 and Table 5) for one field
line (L) at one magnetic local time: neutral atom densities from NRLMSIS
(:mod:`hpcsim.physics.atmosphere`), electron, O+ and H+ densities and electron and ion
temperatures from the ionosphere-plasmasphere model of :mod:`hpcsim.physics.plasma`. A
background is built once (pymsis and PyIRI are run on an altitude table for each
hemisphere) and then evaluated cheaply at any magnetic latitudes by interpolation in
log(density) and log(altitude + 300 km), so that it can be bounce-averaged with
:func:`hpcsim.geometry.dipole.bounce_average` for every MLT cell and pitch angle. It also holds
:func:`column_density_cm2`, the column densities of the paper's Table 5.

It does not hold: collision cross sections or coefficients, wave properties, time
dependence (storms, refilling), or geometry beyond the centred dipole of
:mod:`hpcsim.geometry.dipole` (the placement on the globe is
:func:`hpcsim.physics.atmosphere.geographic_position`).

Profile keys (arrays shaped like the latitudes):
``n_O``, ``n_N``, ``n_H`` (atoms cm^-3: O + 2 O2, N + 2 N2, H), ``n_e``, ``n_Oplus``,
``n_Hplus`` (cm^-3) and ``T_e_eV``, ``T_i_eV`` (eV). n_e also counts the molecular ions
NO+ and O2+ below ~250 km, so n_e >= n_Oplus + n_Hplus.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hpcsim.geometry import dipole
from hpcsim.physics import atmosphere, plasma

__all__ = [
    "PROFILE_KEYS",
    "BackgroundOptions",
    "FieldLineBackground",
    "build_backgrounds",
    "column_density_cm2",
    "column_densities_cm2",
]

#: Keys of the dict returned by :meth:`FieldLineBackground.profile`, in table order.
PROFILE_KEYS = ("n_O", "n_N", "n_H", "n_e", "n_Oplus", "n_Hplus", "T_e_eV", "T_i_eV")

_LOG_FLOOR = 1e-30      # densities below this are stored as this (log of zero otherwise)
_ALT_OFFSET_KM = 300.0  # table coordinate u = ln(h + 300 km): ~2.5 km steps at 100 km, ~120 km at the L = 4 top
_ALIASES = {"O": "n_O", "N": "n_N", "H": "n_H", "e": "n_e", "e-": "n_e", "O+": "n_Oplus", "Oplus": "n_Oplus",
            "H+": "n_Hplus", "Hplus": "n_Hplus"}


@dataclass(frozen=True)
class BackgroundOptions:
    """Model choices for :class:`FieldLineBackground` (defaults are the documented baseline).

    Attributes
    ----------
    msis_version : float
        pymsis model: 2.0 (NRLMSIS 2.0, default), 2.1 or 0 (NRLMSISE-00).
    ionosphere : {"pyiri", "chapman"}
        Ionospheric electron density model (:mod:`hpcsim.physics.plasma`).
    equatorial_model : {"carpenter_anderson1992", "sheeley2001"}
        Equatorial plasmasphere density when no ``ne_eq_cm3`` is given.
    sunspot_r12 : float
        13-month smoothed sunspot number for Carpenter and Anderson (1992).
    field_power : float
        p of the plasmasphere n = n_eq (B/B_eq)^p.
    join_sharpness : float
        k of the ionosphere-plasmasphere soft maximum.
    transition_day_km, transition_night_km, transition_scale_km : float
        O+/H+ transition height (day, night) and its scale, km.
    o_plus_ceiling_km : float or None
        No O+ above this altitude (paper: 1000 km); None disables.
    iri_top_km : float
        The ionospheric model is tapered to zero (cosine) from half this altitude to it, so
        that the plasmasphere alone sets the density higher up (n_e = n_eq exactly at the
        equator); PyIRI's Epstein topside is an extrapolation there.
    longitude_deg : float
        Geographic longitude of the field line (atmosphere.geographic_position).
    min_altitude_km : float
        Bottom of the tables, km (>= 80 recommended; latitudes below it are clamped to it).
    table_points : int
        Points of the altitude table per hemisphere.
    """

    msis_version: float = 2.0
    ionosphere: str = "pyiri"
    equatorial_model: str = "carpenter_anderson1992"
    sunspot_r12: float = plasma.SUNSPOT_R12_1991
    field_power: float = 0.5
    join_sharpness: float = 4.0
    transition_day_km: float = 1000.0
    transition_night_km: float = 750.0
    transition_scale_km: float = 150.0
    o_plus_ceiling_km: float | None = 1000.0
    iri_top_km: float = 4000.0
    longitude_deg: float = atmosphere.DEFAULT_LONGITUDE_DEG
    min_altitude_km: float = 80.0
    table_points: int = 1024

    def __post_init__(self) -> None:
        if self.ionosphere not in plasma.IONOSPHERE_MODELS:
            raise ValueError(f"ionosphere must be one of {plasma.IONOSPHERE_MODELS}, got {self.ionosphere!r}")
        if self.equatorial_model not in plasma.EQUATORIAL_MODELS:
            raise ValueError(f"equatorial_model must be one of {plasma.EQUATORIAL_MODELS}")
        if self.table_points < 16:
            raise ValueError("table_points must be >= 16")


@dataclass(frozen=True, eq=False)
class FieldLineBackground:
    """Background densities and temperatures along one dipole line at one MLT.

    Build with :meth:`build` (or :func:`build_backgrounds` for many MLTs at once); evaluate
    with :meth:`profile` (also the instance's ``__call__``), a plain callable of magnetic
    latitude that :func:`hpcsim.geometry.dipole.bounce_average` can use, e.g.
    ``dipole.bounce_average(L, alpha, lambda lat: bg.profile(lat)["n_O"])``.

    Attributes
    ----------
    L, mlt_h : float
        McIlwain L and magnetic local time (h).
    inputs : atmosphere.SolarInputs
    options : BackgroundOptions
    ne_eq_cm3 : float
        Equatorial electron density used (the override, or the ``equatorial_model`` value).
    ne_eq_model_cm3 : float
        What ``options.equatorial_model`` gives at this L (for reporting).
    const : dipole.DipoleConstants
    log_table : ndarray, shape (2, len(PROFILE_KEYS), table_points)
        ln of each profile quantity on the altitude table, [north, south].
    u0, du : float
        Table coordinate u = ln(h + 300 km) of the first node and its step.
    """

    L: float
    mlt_h: float
    inputs: atmosphere.SolarInputs
    options: BackgroundOptions
    ne_eq_cm3: float
    ne_eq_model_cm3: float
    const: dipole.DipoleConstants
    log_table: np.ndarray = field(repr=False)
    u0: float = field(repr=False)
    du: float = field(repr=False)

    # ------------------------------------------------------------------ build

    @classmethod
    def build(cls, L: float, mlt_h: float, inputs: atmosphere.SolarInputs = atmosphere.SPRING_EQUINOX_1991,
              *, ne_eq_cm3: float | None = None, options: BackgroundOptions = BackgroundOptions(),
              const: dipole.DipoleConstants = dipole.DEFAULT) -> "FieldLineBackground":
        """Run the models for one line and MLT and tabulate the profile.

        Parameters
        ----------
        L : float
            McIlwain L (> 1 + min_altitude / R_E).
        mlt_h : float
            Magnetic local time, h.
        inputs : atmosphere.SolarInputs
            Date and indices (default: spring equinox 1991, :data:`atmosphere.SPRING_EQUINOX_1991`).
        ne_eq_cm3 : float, optional
            Equatorial electron density, cm^-3; overrides ``options.equatorial_model`` (use
            ``plasma.PAPER_TABLE5_NE_EQ_CM3[(L, mlt)]`` for the paper's values).
        options : BackgroundOptions
        const : dipole.DipoleConstants

        Returns
        -------
        FieldLineBackground
        """
        return build_backgrounds(L, [mlt_h], inputs, ne_eq_cm3=ne_eq_cm3, options=options, const=const)[0]

    # --------------------------------------------------------------- evaluate

    @property
    def top_altitude_km(self) -> float:
        """Altitude of the equatorial crossing, (L - 1) R_E, km."""
        return (self.L - 1.0) * self.const.earth_radius_km

    def altitude_km(self, latitude_rad):
        """Altitude of the line at magnetic latitude, (L cos^2 lat - 1) R_E, km."""
        c = np.cos(np.asarray(latitude_rad, dtype=float))
        return (self.L * c * c - 1.0) * self.const.earth_radius_km

    def profile(self, latitude_rad) -> dict:
        """Densities and temperatures at magnetic latitudes on the line.

        Parameters
        ----------
        latitude_rad : array_like
            Magnetic latitudes, rad, either hemisphere (negative = south). Points below
            ``options.min_altitude_km`` are given the values at that altitude.

        Returns
        -------
        dict of ndarray
            Keys :data:`PROFILE_KEYS`: ``n_O``, ``n_N``, ``n_H`` (atoms cm^-3), ``n_e``,
            ``n_Oplus``, ``n_Hplus`` (cm^-3), ``T_e_eV``, ``T_i_eV`` (eV); each shaped like
            ``latitude_rad``. n_Oplus is exactly 0 above ``options.o_plus_ceiling_km``.
        """
        lat = np.asarray(latitude_rad, dtype=float)
        h = self.altitude_km(lat)
        n = self.log_table.shape[-1]
        x = (np.log(np.maximum(h, self.options.min_altitude_km) + _ALT_OFFSET_KM) - self.u0) / self.du
        x = np.clip(x, 0.0, n - 1.000001)
        i = x.astype(np.intp)
        f = x - i
        k = i + n * (lat < 0.0)  # row in the (hemisphere, node) flattening
        out = {}
        flat = self.log_table.reshape(2, len(PROFILE_KEYS), n).transpose(1, 0, 2).reshape(len(PROFILE_KEYS), 2 * n)
        for j, key in enumerate(PROFILE_KEYS):
            tab = flat[j]
            a = tab[k]
            out[key] = np.exp(a + f * (tab[k + 1] - a))
        if self.options.o_plus_ceiling_km is not None:
            # the table cell straddling the ceiling interpolates a trace of O+; give it to H+
            above = h > self.options.o_plus_ceiling_km
            out["n_Hplus"] = np.where(above, out["n_Hplus"] + out["n_Oplus"], out["n_Hplus"])
            out["n_Oplus"] = np.where(above, 0.0, out["n_Oplus"])
        for key in ("n_O", "n_N", "n_H", "n_e", "n_Oplus", "n_Hplus"):
            out[key] = np.where(out[key] <= 2.0 * _LOG_FLOOR, 0.0, out[key])
        return out

    __call__ = profile


def _table_altitudes(L, options, const):
    h_top = (L - 1.0) * const.earth_radius_km
    if h_top <= options.min_altitude_km:
        raise ValueError(f"L = {L} does not reach above {options.min_altitude_km} km")
    u0 = np.log(options.min_altitude_km + _ALT_OFFSET_KM)
    u1 = np.log(h_top + _ALT_OFFSET_KM)
    u = np.linspace(u0, u1, options.table_points)
    h = np.exp(u) - _ALT_OFFSET_KM
    h[-1] = h_top
    return h, float(u0), float((u1 - u0) / (options.table_points - 1))


def build_backgrounds(L: float, mlt_h, inputs: atmosphere.SolarInputs = atmosphere.SPRING_EQUINOX_1991, *,
                      ne_eq_cm3: float | None = None, options: BackgroundOptions = BackgroundOptions(),
                      const: dipole.DipoleConstants = dipole.DEFAULT) -> list:
    """Build :class:`FieldLineBackground` for one L and several MLTs with one PyIRI call.

    Steps, on an altitude table h_j (``options.table_points`` nodes uniform in ln(h + 300 km)
    from ``min_altitude_km`` to the equator) for each hemisphere and MLT:

    1. place the node at magnetic latitude +-lat(h_j) on the globe
       (:func:`atmosphere.geographic_position`);
    2. NRLMSIS neutral densities and T_n there (:func:`atmosphere.neutral_densities`);
    3. ionospheric n_e: PyIRI profiles on a 1-deg latitude ladder and every 4th table
       altitude, interpolated (in log n) to the latitude of each node and to all table
       altitudes, or the Chapman fallback;
    4. taper the ionosphere to zero between ``iri_top_km / 2`` and ``iri_top_km``;
    5. plasmasphere H+: n_eq (B/B_eq)^p switched on above the O+/H+ transition (times
       1 - f_O of :func:`plasma.ion_composition`, without the ceiling), joined to the
       ionosphere by the soft maximum :func:`plasma.join_ionosphere_plasmasphere`;
    6. split n_e into O+, H+ and molecular ions (:func:`plasma.ion_composition`), the part of
       n_e added by the plasmasphere being H+;
    7. T_e and T_i (:func:`plasma.electron_temperature_K`, :func:`plasma.ion_temperature_K`).

    Parameters
    ----------
    L : float
    mlt_h : sequence of float
        Magnetic local times, h.
    inputs, ne_eq_cm3, options, const
        As :meth:`FieldLineBackground.build`; ``ne_eq_cm3`` applies to every MLT.

    Returns
    -------
    list of FieldLineBackground
        One per MLT, in order.
    """
    L = float(L)
    mlts = np.atleast_1d(np.asarray(mlt_h, dtype=float))
    h, u0, du = _table_altitudes(L, options, const)
    lat_rad = np.asarray(dipole.latitude_at_altitude_rad(L, h, const))
    lat_rad[-1] = 0.0
    hemi_lat = np.stack([lat_rad, -lat_rad])  # (2, n)
    n = h.size
    nt = mlts.size
    glat, glon, ut = atmosphere.geographic_position(hemi_lat[None, :, :], mlts[:, None, None], options.longitude_deg)
    alt3 = np.broadcast_to(h, glat.shape)
    neut = atmosphere.neutral_densities(alt3, glat, glon, ut, inputs, options.msis_version)
    cos_chi = atmosphere.cos_solar_zenith(glat, glon, ut, inputs)
    day_w = plasma.day_weight(cos_chi)

    # ionosphere
    if options.ionosphere == "pyiri":
        # PyIRI on every 4th table altitude and a 1-deg latitude ladder (it evaluates the full
        # altitude x position grid), then interpolated in log n to each node's own latitude
        # and to every table altitude (linear in u = ln(h + 300 km)).
        sub = np.unique(np.r_[np.arange(0, n, 4), n - 1])
        step = 1.0
        ladder = np.arange(0.0, np.degrees(lat_rad[0]) + step, step)
        nl = ladder.size
        ladder_pos = np.concatenate([ladder, -ladder])
        ut_unique = ut[:, 0, 0]
        edp = plasma.pyiri_electron_density(h[sub], ladder_pos, np.full(ladder_pos.size, glon.flat[0]),
                                            ut_unique, inputs)  # (nt, nsub, 2 * nl)
        logedp = np.log(edp).reshape(nt, sub.size, 2, nl)
        pos = np.degrees(lat_rad[sub]) / step
        i0 = np.clip(pos.astype(int), 0, nl - 2)
        f = np.clip(pos - i0, 0.0, 1.0)
        rows = np.arange(sub.size)
        u_tab = np.log(h + _ALT_OFFSET_KM)
        n_iono = np.empty((nt, 2, n))
        for hemi in (0, 1):
            a = logedp[:, rows, hemi, i0]
            b = logedp[:, rows, hemi, i0 + 1]
            log_sub = a + f * (b - a)  # (nt, nsub)
            for it in range(nt):
                n_iono[it, hemi, :] = np.exp(np.interp(u_tab, u_tab[sub], log_sub[it]))
    else:
        n_iono = plasma.chapman_electron_density(alt3, cos_chi, inputs.f107_sfu)
    x = np.clip((options.iri_top_km - alt3) / (0.5 * options.iri_top_km), 0.0, 1.0)
    n_iono = np.maximum(n_iono * 0.5 * (1.0 - np.cos(np.pi * x)), _LOG_FLOOR)

    # plasmasphere
    ne_eq_model = plasma.equatorial_density_cm3(L, options.equatorial_model, atmosphere.day_of_year(inputs),
                                                options.sunspot_r12)
    ne_eq = float(ne_eq_model if ne_eq_cm3 is None else ne_eq_cm3)
    if not (np.isfinite(ne_eq) and ne_eq > 0.0):
        raise ValueError(f"ne_eq_cm3 must be positive, got {ne_eq_cm3!r}")
    comp_kw = dict(transition_day_km=options.transition_day_km, transition_night_km=options.transition_night_km,
                   transition_scale_km=options.transition_scale_km)
    o_frac_no_ceiling = plasma.o_plus_fraction(alt3, day_w, **comp_kw)
    n_ps = plasma.plasmasphere_density_cm3(L, hemi_lat, ne_eq, options.field_power, const) * (1.0 - o_frac_no_ceiling)
    n_e = plasma.join_ionosphere_plasmasphere(n_iono, n_ps, options.join_sharpness)
    # ions: the ionospheric part is split by altitude; the surplus the plasmasphere adds is H+
    n_o, n_hp, n_mol = plasma.ion_composition(alt3, np.minimum(n_iono, n_e), day_w,
                                              o_plus_ceiling_km=options.o_plus_ceiling_km, **comp_kw)
    n_hp = n_hp + np.maximum(n_e - n_iono, 0.0)

    top = (L - 1.0) * const.earth_radius_km
    t_e = plasma.electron_temperature_K(alt3, neut["T_n_K"], day_w, top)
    t_i = plasma.ion_temperature_K(alt3, neut["T_n_K"], day_w, top)

    values = {"n_O": neut["n_O"], "n_N": neut["n_N"], "n_H": neut["n_H"], "n_e": n_e, "n_Oplus": n_o,
              "n_Hplus": n_hp, "T_e_eV": plasma.kelvin_to_eV(t_e), "T_i_eV": plasma.kelvin_to_eV(t_i)}
    stacked = np.stack([np.log(np.maximum(np.broadcast_to(values[k], glat.shape), _LOG_FLOOR))
                        for k in PROFILE_KEYS], axis=2)  # (nt, 2, nkeys, n)
    out = []
    for it, mlt in enumerate(mlts):
        out.append(FieldLineBackground(L=L, mlt_h=float(mlt), inputs=inputs, options=options, ne_eq_cm3=ne_eq,
                                       ne_eq_model_cm3=float(ne_eq_model), const=const,
                                       log_table=np.ascontiguousarray(stacked[it]), u0=u0, du=du))
    return out


# -------------------------------------------------------------------- column densities


def _species_key(species: str) -> str:
    key = _ALIASES.get(species, species)
    if key not in PROFILE_KEYS[:6]:
        raise ValueError(f"species must be one of {PROFILE_KEYS[:6]} or {tuple(_ALIASES)}, got {species!r}")
    return key


def _column_nodes(L, from_altitude_km, to, n_nodes, const):
    """Latitudes and weights w_i such that sum w_i n(lat_i) = int n B(lat_200)/B ds, cm^2 * cm^-3."""
    lat200 = float(dipole.latitude_at_altitude_rad(L, from_altitude_km, const))
    if not np.isfinite(lat200):
        raise ValueError(f"L = {L} does not reach {from_altitude_km} km")
    lat_end = 0.0
    if not isinstance(to, str):
        lat_end = float(dipole.latitude_at_altitude_rad(L, float(to), const))
        if not (np.isfinite(lat_end) and lat_end < lat200):
            raise ValueError(f"to = {to!r} km is not between {from_altitude_km} km and the top of the line")
    tau = np.linspace(0.0, 1.0, n_nodes)
    lat = lat200 - (lat200 - lat_end) * tau * tau  # dense near the foot, where the densities vary fastest
    if to == "conjugate":
        lat = np.concatenate([lat, -lat[-2::-1]])
    elif isinstance(to, str) and to != "equator":
        raise ValueError(f"to must be 'equator', 'conjugate' or an altitude in km, got {to!r}")
    s_cm = np.asarray(dipole.arc_length_m(L, lat, const)) * 100.0
    g = float(dipole.field_G(L, lat200, const)) / np.asarray(dipole.field_G(L, lat, const))
    # trapezoid weights in s
    ds = np.abs(np.diff(s_cm))
    w = np.zeros_like(s_cm)
    w[:-1] += 0.5 * ds
    w[1:] += 0.5 * ds
    return lat, w * g


def column_density_cm2(background, L, species, from_altitude_km: float = 200.0, to: str = "equator",
                       n_nodes: int = 4001):
    """Column density of Table 5: N = int_{s_200}^{s_top} n(s) B(s_200) / B(s) ds.

    The integral starts where the line crosses ``from_altitude_km`` in the northern
    hemisphere and runs along the line to ``to``: "equator" (default: s_top read as the top
    of the line, one hemisphere) or "conjugate" (through the equator to the southern
    ``from_altitude_km`` point). The weight B(s_200)/B(s) makes N the content of a flux tube
    of unit cross-section at 200 km. Trapezoid rule on ``n_nodes`` nodes per hemisphere in
    lat = lat_200 (1 - tau^2), tau uniform (node spacing ~1 km or finer in the lowest 100 km
    at L <= 4; converged to < 0.1 % at the default).

    Parameters
    ----------
    background : callable
        latitude_rad -> dict (a :class:`FieldLineBackground` or its ``profile``).
    L : float
        McIlwain L of the line (must equal ``background.L`` when it has one).
    species : str
        A density key of :data:`PROFILE_KEYS` (``"n_O"``, ...) or an alias ``"O"``, ``"N"``,
        ``"H"``, ``"e"``, ``"O+"``, ``"H+"``.
    from_altitude_km : float
        Altitude of s_200, km.
    to : {"equator", "conjugate"}
    n_nodes : int
        Quadrature nodes per hemisphere.

    Returns
    -------
    float
        N, cm^-2.
    """
    bg_L = getattr(background, "L", None)
    if bg_L is not None and not np.isclose(bg_L, L):
        raise ValueError(f"background is for L = {bg_L}, not {L}")
    key = _species_key(species)
    lat, w = _column_nodes(float(L), from_altitude_km, to, n_nodes, getattr(background, "const", dipole.DEFAULT))
    return float(np.sum(w * background(lat)[key]))


def column_densities_cm2(background, L, from_altitude_km: float = 200.0, to: str = "equator",
                         n_nodes: int = 4001) -> dict:
    """All six Table 5 column densities at once (one profile evaluation), cm^-2.

    Parameters
    ----------
    background, L, from_altitude_km, to, n_nodes
        As :func:`column_density_cm2`.

    Returns
    -------
    dict
        ``n_O``, ``n_N``, ``n_H``, ``n_e``, ``n_Oplus``, ``n_Hplus`` -> N in cm^-2.
    """
    bg_L = getattr(background, "L", None)
    if bg_L is not None and not np.isclose(bg_L, L):
        raise ValueError(f"background is for L = {bg_L}, not {L}")
    lat, w = _column_nodes(float(L), from_altitude_km, to, n_nodes, getattr(background, "const", dipole.DEFAULT))
    prof = background(lat)
    return {k: float(np.sum(w * prof[k])) for k in PROFILE_KEYS[:6]}

