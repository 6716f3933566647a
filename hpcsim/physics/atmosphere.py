"""Neutral atmosphere (NRLMSIS via pymsis) and the geographic placement of a dipole field line.

This module holds pure functions for the neutral background of the ``bounce`` model
(paper ``001_bb23716bc5c9e956.txt``, Khazanov, Liemohn et al., section 3, which used MSIS-90):

* :class:`SolarInputs` and :data:`SPRING_EQUINOX_1991`: the date and the solar and geomagnetic
  indices (F10.7 daily, F10.7 81-day mean, daily Ap) passed explicitly to pymsis and PyIRI,
  so that neither ever looks for (or downloads) an index file;
* :func:`geographic_position`: where a point of given magnetic latitude and magnetic local
  time (MLT) is on the geographic globe, under the simplification documented there;
* :func:`cos_solar_zenith`: the cosine of the solar zenith angle (day/night weighting);
* :func:`neutral_densities`: NRLMSIS 2.0 (default; 2.1 and 00 selectable) number densities,
  returned as the paper counts them: oxygen atoms n(O) + 2 n(O2), nitrogen atoms
  n(N) + 2 n(N2), hydrogen atoms n(H), in cm^-3, and the neutral temperature in K.

It does not hold: the ionosphere, plasmasphere or temperatures of charged particles
(:mod:`hpcsim.physics.plasma`), the field-line assembly and column densities
(:mod:`hpcsim.physics.background`), cross sections or collision coefficients, or any real
(tilted, eccentric, IGRF) magnetic geometry.

Units: altitudes in km above a sphere of ``dipole.DEFAULT.earth_radius_km`` (6371 km; pymsis
uses geodetic altitude, the ~20 km oblateness difference is ignored), densities in cm^-3,
temperatures in K, angles in degrees unless the name says ``_rad``.

References
----------
Emmert, J. T., et al. (2021), NRLMSIS 2.0: A whole-atmosphere empirical model of temperature
and neutral species densities, Earth Space Sci., 8, e2020EA001321.
Picone, J. M., A. E. Hedin, D. P. Drob and A. C. Aikin (2002), NRLMSISE-00 empirical model of
the atmosphere, J. Geophys. Res., 107(A12), 1468.
Hedin, A. E. (1991), Extension of the MSIS thermospheric model into the middle and lower
atmosphere, J. Geophys. Res., 96, 1159 (MSIS-90, used by the paper).
Cooper, P. I. (1969), The absorption of radiation in solar stills, Solar Energy, 12, 333
(solar declination formula).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "SolarInputs",
    "SPRING_EQUINOX_1991",
    "DEFAULT_LONGITUDE_DEG",
    "MSIS_VERSIONS",
    "day_of_year",
    "geographic_position",
    "cos_solar_zenith",
    "neutral_densities",
]

#: pymsis model versions accepted by :func:`neutral_densities` (2.0 = NRLMSIS 2.0, 0 = NRLMSISE-00).
MSIS_VERSIONS = (2.0, 2.1, 0)

#: Geographic longitude (deg east) at which the field line is placed by default. At ~17 deg E
#: (and 163 deg W) the geomagnetic latitude of the IGRF centred dipole (north pole near
#: 80 N, 72 W in 1990) equals the geographic latitude to first order in the 11 deg tilt, so
#: the axis-aligned dipole of :func:`geographic_position` is least wrong there (Europe/Africa).
DEFAULT_LONGITUDE_DEG = 17.0


@dataclass(frozen=True)
class SolarInputs:
    """Date and solar/geomagnetic indices for the empirical models.

    Attributes
    ----------
    date : str
        UT day, ISO ``YYYY-MM-DD``. The hour is set by the MLT (see :func:`geographic_position`).
    f107_sfu : float
        Daily F10.7 solar radio flux of the previous day, sfu (1e-22 W m^-2 Hz^-1). Used by
        pymsis (``f107s``) and PyIRI (its only solar index; it converts to IG12/R12 itself).
    f107a_sfu : float
        81-day centred mean F10.7, sfu (pymsis ``f107as``).
    ap : float
        Daily Ap index (pymsis daily-Ap mode; the 3-hour history is set equal to it).
    """

    date: str = "1991-03-21"
    f107_sfu: float = 230.0
    f107a_sfu: float = 230.0
    ap: float = 15.0

    def __post_init__(self) -> None:
        np.datetime64(self.date, "D")  # raises on a malformed date
        for name in ("f107_sfu", "f107a_sfu", "ap"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0.0):
                raise ValueError(f"SolarInputs.{name} must be finite and >= 0, got {value!r}")

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def month(self) -> int:
        return int(self.date[5:7])

    @property
    def day(self) -> int:
        return int(self.date[8:10])


#: Spring equinox 1991 (solar maximum of cycle 22), the paper's epoch. March 1991 monthly
#: mean observed F10.7 was about 230 sfu and the 81-day mean around the equinox 220-240 sfu
#: (cycle 22 peaked at ~200-250 sfu through 1989-1991); 21 March 1991 itself was
#: geomagnetically moderate (the great storm began on 24 March), daily Ap ~ 10-20. Values
#: from the NOAA/NGDC index records as remembered, not read from a file here (the machine is
#: offline); docs/validation/bounce_background.md gives the sensitivity to them.
SPRING_EQUINOX_1991 = SolarInputs(date="1991-03-21", f107_sfu=230.0, f107a_sfu=230.0, ap=15.0)


def day_of_year(inputs: SolarInputs) -> int:
    """Day of year (1-366) of ``inputs.date``."""
    d = np.datetime64(inputs.date, "D")
    return int((d - d.astype("datetime64[Y]").astype("datetime64[D]")).astype(int)) + 1


def geographic_position(magnetic_latitude_rad, mlt_h, longitude_deg=DEFAULT_LONGITUDE_DEG):
    """Geographic latitude, longitude and UT of a point given its magnetic latitude and MLT.

    Simplification: the centred dipole of :mod:`hpcsim.geometry.dipole` is taken aligned with
    the rotation axis, so geographic latitude = magnetic latitude (both hemispheres), the
    field line lies in the meridian ``longitude_deg``, and magnetic local time equals local
    solar (mean) time, LT = UT + longitude/15. MLT therefore fixes the UT:
    UT = MLT - longitude/15 (mod 24). Dipole tilt, declination and the equation of time
    are neglected; at equinox this makes the two hemispheres nearly symmetric.

    Parameters
    ----------
    magnetic_latitude_rad : array_like
        Magnetic latitude, rad (positive north).
    mlt_h : array_like
        Magnetic local time, h.
    longitude_deg : float, optional
        Geographic longitude of the field line, deg east (default
        :data:`DEFAULT_LONGITUDE_DEG`).

    Returns
    -------
    (lat_deg, lon_deg, ut_h) : tuple of ndarray
        Geographic latitude (deg), longitude (deg east, in [-180, 180)) and UT (h, [0, 24)),
        broadcast together.
    """
    lat = np.degrees(np.asarray(magnetic_latitude_rad, dtype=float))
    mlt = np.asarray(mlt_h, dtype=float)
    lon = (float(longitude_deg) + 180.0) % 360.0 - 180.0
    ut = np.mod(mlt - lon / 15.0, 24.0)
    lat, ut = np.broadcast_arrays(lat, ut)
    return lat.copy(), np.full(lat.shape, lon), ut.copy()


def cos_solar_zenith(lat_deg, lon_deg, ut_h, inputs: SolarInputs = SPRING_EQUINOX_1991):
    """Cosine of the solar zenith angle from the declination and the local hour angle.

    cos chi = sin(lat) sin(delta) + cos(lat) cos(delta) cos(h), h = 15 deg (LT - 12),
    LT = UT + lon/15, delta = 23.44 deg sin(360 deg (284 + doy)/365) (Cooper 1969). The
    equation of time (< 17 min) is neglected.

    Parameters
    ----------
    lat_deg, lon_deg, ut_h : array_like
        Geographic latitude and longitude, deg; universal time, h.
    inputs : SolarInputs
        Supplies the day of year.

    Returns
    -------
    ndarray
        cos chi, in [-1, 1].
    """
    doy = day_of_year(inputs)
    delta = np.radians(23.44) * np.sin(2.0 * np.pi * (284 + doy) / 365.0)
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    hour_angle = np.radians(15.0 * (np.asarray(ut_h, dtype=float) + np.asarray(lon_deg, dtype=float) / 15.0 - 12.0))
    return np.sin(lat) * np.sin(delta) + np.cos(lat) * np.cos(delta) * np.cos(hour_angle)


def neutral_densities(altitude_km, lat_deg, lon_deg, ut_h, inputs: SolarInputs = SPRING_EQUINOX_1991,
                      version: float = 2.0) -> dict:
    """NRLMSIS neutral densities at points, as atom counts per cm^3, and the neutral temperature.

    Runs pymsis in its point-by-point mode with the indices of ``inputs`` given explicitly
    (daily-Ap mode: all seven ap entries equal ``inputs.ap``), so no index file is needed.
    pymsis accepts any altitude; above ~1000 km NRLMSIS continues its diffusive-equilibrium
    profiles at the exospheric temperature (no exospheric (Chamberlain) correction for H).

    Parameters
    ----------
    altitude_km : array_like
        Altitude, km (>= 0; the model is meant for the thermosphere here, >= 80 km).
    lat_deg, lon_deg, ut_h : array_like
        Geographic latitude and longitude, deg, and UT, h, on ``inputs.date``. All four
        inputs broadcast together.
    inputs : SolarInputs
        Date, F10.7, F10.7a, Ap.
    version : {2.0, 2.1, 0}
        pymsis model: NRLMSIS 2.0 (default), 2.1, or NRLMSISE-00.

    Returns
    -------
    dict of ndarray, broadcast shape
        ``n_O`` = n(O) + 2 n(O2), ``n_N`` = n(N) + 2 n(N2), ``n_H`` = n(H) (atoms cm^-3);
        ``n_O1``, ``n_O2``, ``n_N1``, ``n_N2``, ``n_He`` (species cm^-3); ``T_n_K`` (K).
    """
    from pymsis import msis  # imported here: pymsis loads Fortran extensions

    if version not in MSIS_VERSIONS:
        raise ValueError(f"version must be one of {MSIS_VERSIONS}, got {version!r}")
    alt, lat, lon, ut = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (altitude_km, lat_deg, lon_deg, ut_h)))
    shape = alt.shape
    n = alt.size
    day = np.datetime64(inputs.date, "D")
    dates = day + np.round(ut.ravel() * 3.6e6).astype("timedelta64[ms]")
    if n == 0:
        empty = np.zeros(shape)
        return {k: empty.copy() for k in ("n_O", "n_N", "n_H", "n_O1", "n_O2", "n_N1", "n_N2", "n_He", "T_n_K")}
    lon_wrapped = np.mod(lon.ravel(), 360.0)
    out = msis.run(dates, lon_wrapped, lat.ravel(), alt.ravel(),
                   f107s=np.full(n, inputs.f107_sfu), f107as=np.full(n, inputs.f107a_sfu),
                   aps=np.full((n, 7), inputs.ap), version=version)
    out = np.asarray(out, dtype=float).reshape(n, -1)
    out = np.where(np.isfinite(out), out, 0.0)  # pymsis returns NaN for species it does not model
    m3_to_cm3 = 1e-6
    v = msis.Variable
    n_o1 = out[:, v.O] * m3_to_cm3
    n_o2 = out[:, v.O2] * m3_to_cm3
    n_n1 = out[:, v.N] * m3_to_cm3
    n_n2 = out[:, v.N2] * m3_to_cm3
    res = {
        "n_O": n_o1 + 2.0 * n_o2,
        "n_N": n_n1 + 2.0 * n_n2,
        "n_H": out[:, v.H] * m3_to_cm3,
        "n_O1": n_o1,
        "n_O2": n_o2,
        "n_N1": n_n1,
        "n_N2": n_n2,
        "n_He": out[:, v.HE] * m3_to_cm3,
        "T_n_K": out[:, v.TEMPERATURE],
    }
    return {k: val.reshape(shape) for k, val in res.items()}
