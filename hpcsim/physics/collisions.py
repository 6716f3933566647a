"""Collisional energy loss and pitch-angle scattering of relativistic electrons, eqs. (1), (2), (4).

Pure functions of numpy arrays implementing the collision terms of section 2 of the paper
(Khazanov, Liemohn, Krivorutsky, Albert, Kozyra and Gilchrist, "Relativistic electron beam
propagation in the Earth's magnetosphere", JGR; paper ``001_bb23716bc5c9e956.txt``):

* the sums S_E (energy loss) and S_mu (momentum exchange) of eq. (2): Coulomb collisions with
  free electrons, O+ and H+, and ionisation / scattering on neutral O, N and H atoms;
* the local rates they imply along the path: |dE/dt| (MeV/s) and the pitch-angle diffusion
  coefficient D in mu = cos(alpha) (1/s), for which df/dt = D d/dmu[(1 - mu^2) df/dmu];
* the bounce averages <(dE/dt)_cc> and <D_cc> of eq. (4) on a grid of equatorial pitch angle and
  energy, for a dipole line of given L and a background profile along it;
* e-folding / eq. (7) time scales for checks.

Background interface
--------------------
``profile(latitude_rad) -> dict`` with the keys of :data:`PROFILE_KEYS`: neutral atoms ``n_O``,
``n_N``, ``n_H`` (cm^-3, molecules counted per atom), ``n_e``, ``n_Oplus``, ``n_Hplus``
(cm^-3), ``T_e_eV``, ``T_i_eV`` (eV). It is called with a 1-D array of signed magnetic
latitudes (rad) and must return arrays of that shape (or scalars). Missing density keys count
as zero. An optional attribute ``profile.min_altitude_km`` raises the path floor (below).

Interpretation (see ``docs/physics/bounce_collisions.md`` for the derivation)
-----------------------------------------------------------------------------
* ``epsilon`` in the logarithms of eq. (2) is the Lorentz factor gamma = 1 + E/(m c^2), so
  sqrt(epsilon^2 - 1) = p/(m c). The neutral energy-loss bracket is then the Bethe-Rossi
  logarithm ln[gamma^3 (m c^2)^2 / I^2] + const with I = 13.9 Z eV (Bloch), the Coulomb
  logarithm is ln(lambda_D p / hbar) (2e13 = sqrt(k/(4 pi e^2)) m c/hbar with T in eV, n in
  cm^-3), and the neutral scattering logarithm is ln(theta_max/theta_min) with the Thomas-Fermi
  screening angle (140 ~ 0.885 * 137 * ... / Z^(1/3)).
* eta = e^4/(4 pi eps0^2) (SI) is 4 pi e^4 in Gaussian units.
* Local energy loss: |dE/dt| = eta S_E / (m v) = 4 pi e^4 S_E / (m v), which is what eqs. (3)
  and (4) give together (the normalisation ``"paper"``). The printed eq. (1) has 2 eta, a
  factor 2 above eqs. (3)-(4); we follow eqs. (3)-(4), which the model of the paper integrates.
  The neutral bracket of eq. (2) is a "double" (I^2) logarithm, for which Bethe's formula has
  2 pi e^4, so ``"paper"`` gives twice the Bethe / ESTAR stopping power on neutral atoms; the
  normalisation ``"bethe"`` halves the neutral part (Coulomb part unchanged, its logarithm is
  the single ln Lambda that goes with 4 pi e^4).
* Local pitch-angle diffusion: D = (eta/2) S_mu / (p^2 v) = 2 pi e^4 S_mu / (p^2 v) = one
  quarter of the rate of growth of the mean square scattering angle (Rossi and Olbert 1970).
  This is eq. (4)'s <D_cc> (with its factor 1/2) unaveraged; the printed eq. (1) has eta,
  again twice it.
* <(dE/dt)_cc> is returned as the physical bounce-averaged |dE/dt| = eta <S_E> / (m v): the
  eq. (4) expression eta gamma^2 <S_E> / sqrt(2 m E) is this quantity times gamma^2 v / v_nr
  (v_nr = sqrt(2E/m)), which eq. (3)'s prefactor sqrt(2)/(c gamma sqrt(m (gamma^2-1)))
  sqrt(E) removes again. :func:`paper_eq4_energy_coefficient_MeV_s` gives the printed form.

References
----------
Rossi, B. and S. Olbert (1970), Introduction to the Physics of Space, McGraw-Hill.
Landau, L. D. and E. M. Lifshitz (1981), Physical Kinetics, Pergamon.
ICRU Report 37 (1984), Stopping Powers for Electrons and Positrons.
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from hpcsim.geometry import dipole
from hpcsim.physics import constants as _codata

__all__ = [
    "PROFILE_KEYS",
    "NEUTRAL_Z",
    "NORMALISATIONS",
    "DEFAULT_N_POINTS",
    "DEFAULT_FLOOR_ALTITUDE_KM",
    "coulomb_logarithm",
    "energy_loss_S_E",
    "momentum_exchange_S_mu",
    "energy_loss_rate_MeV_s",
    "pitch_angle_diffusion_local_s",
    "bounce_averaged_coefficients",
    "bounce_averaged_energy_loss_rate_MeV_s",
    "bounce_averaged_D_cc_s",
    "paper_eq4_energy_coefficient_MeV_s",
    "collision_time_scales_s",
]

#: Keys of the background dict (profile(latitude_rad) -> dict).
PROFILE_KEYS = ("n_O", "n_N", "n_H", "n_e", "n_Oplus", "n_Hplus", "T_e_eV", "T_i_eV")
#: Nuclear charges Z_alpha of the neutral atoms of eq. (2).
NEUTRAL_Z = {"n_O": 8.0, "n_N": 7.0, "n_H": 1.0}
#: "paper": eqs. (3)-(4) as printed (eta = 4 pi e^4 for all energy-loss terms);
#: "bethe": neutral energy loss halved to the Bethe (2 pi e^4, I^2-logarithm) normalisation.
NORMALISATIONS = ("paper", "bethe")
#: Quadrature nodes of the bounce averages (docs/physics/bounce_collisions.md: convergence).
DEFAULT_N_POINTS = 128
#: Lowest altitude of the bounce path for loss-cone pitch angles, km.
DEFAULT_FLOOR_ALTITUDE_KM = 100.0

# ----------------------------------------------------------------- constants (cgs)
_C_CM_S = _codata.C_M_S * 1e2                                  # cm/s
_E_ESU = _codata.ELEMENTARY_CHARGE_C * _codata.C_M_S * 10.0    # statC (4.803e-10)
_MC2_ERG = _codata.ELECTRON_MASS_KG * 1e3 * _C_CM_S**2         # erg
_MC2_MEV = _codata.ELECTRON_REST_ENERGY_MEV                    # MeV
_R_E_CM = _E_ESU**2 / _MC2_ERG                                 # classical electron radius, cm
#: 4 pi e^4 / (m c) expressed as 4 pi r_e^2 (m c^2) c, MeV cm^3 / s: |dE/dt| = K_E S_E / beta.
_K_E = 4.0 * np.pi * _R_E_CM**2 * _MC2_MEV * _C_CM_S
#: 2 pi e^4 / (m^2 c^3) as 2 pi r_e^2 c, cm^3/s: D = K_D S_mu / (beta (gamma^2 - 1)).
_K_D = 2.0 * np.pi * _R_E_CM**2 * _C_CM_S

# constant parts of the logarithms of eq. (2)
_LN_COULOMB = np.log(2e13)
_NEUTRAL_E_CONST = {k: np.log(1.4e10 / z**2) - 2.9 for k, z in NEUTRAL_Z.items()}
_NEUTRAL_MU_CONST = {k: np.log(140.0 / z ** (1.0 / 3.0)) for k, z in NEUTRAL_Z.items()}


def _out(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _energy_functions(energy_MeV):
    """gamma, beta, gamma^2 - 1, ln(gamma), ln(p/(m c)) for kinetic energies in MeV."""
    e = np.asarray(energy_MeV, dtype=float)
    tau = e / _MC2_MEV
    gamma = 1.0 + tau
    gm1 = tau * (tau + 2.0)  # gamma^2 - 1 without cancellation
    beta = np.sqrt(gm1) / gamma
    with np.errstate(divide="ignore"):
        return gamma, beta, gm1, np.log(gamma), 0.5 * np.log(gm1)


def _get(values: Mapping, key: str):
    v = values.get(key, 0.0)
    return np.asarray(v, dtype=float)


def _log_coefficients(values: Mapping) -> dict:
    """Split eq. (2) into S = c0 + c1 ln(gamma) + c2 ln(p/(m c)) for each group of terms.

    Returns a dict of (c0, c1, c2) tuples for "E_coulomb", "E_neutral", "mu_coulomb" and
    "mu_neutral"; each c is an array of the shape of the inputs (densities times constant
    logarithms, cm^-3). Exact: every energy dependence of eq. (2) is one of these two logs.
    """
    n_e = _get(values, "n_e")
    n_op = _get(values, "n_Oplus")
    n_hp = _get(values, "n_Hplus")
    charged = (n_e > 0) | (n_op > 0) | (n_hp > 0)
    if np.any(charged):
        if "T_e_eV" not in values or "T_i_eV" not in values:
            raise KeyError("charged densities need T_e_eV and T_i_eV")
        t_e = np.asarray(values["T_e_eV"], dtype=float)
        t_i = np.asarray(values["T_i_eV"], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            debye_sum = np.where(n_e > 0, n_e / t_e, 0.0) + np.where(n_op + n_hp > 0, (n_op + n_hp) / t_i, 0.0)
            # ln[2e13 / sqrt(sum n/T)]: the energy-independent part of ln(lambda_D p / hbar)
            lam0 = np.where(debye_sum > 0, _LN_COULOMB - 0.5 * np.log(np.where(debye_sum > 0, debye_sum, 1.0)), 0.0)
    else:
        lam0 = np.zeros(np.broadcast(n_e, n_op, n_hp).shape)
    zero = 0.0 * lam0
    w_e = n_e + 7.0 * n_op            # S_E,ee + S_E,eO+ = (n_e + 7 n_O+) ln Lambda
    w_mu = n_e + n_hp + 71.0 * n_op   # S_mu,ee + S_mu,eH+ + S_mu,eO+ = (n_e + n_H+ + 71 n_O+) ln Lambda
    e0 = e1 = m0 = m2 = 0.0
    for key, z in NEUTRAL_Z.items():
        n = _get(values, key)
        e0 = e0 + n * z * _NEUTRAL_E_CONST[key]
        e1 = e1 + 3.0 * n * z
        m0 = m0 + n * z * (z + 1.0) * _NEUTRAL_MU_CONST[key]
        m2 = m2 + n * z * (z + 1.0)
    return {
        "E_coulomb": (w_e * lam0, zero, w_e + zero),
        "E_neutral": (np.asarray(e0) + zero, np.asarray(e1) + zero, zero),
        "mu_coulomb": (w_mu * lam0, zero, w_mu + zero),
        "mu_neutral": (np.asarray(m0) + zero, zero, np.asarray(m2) + zero),
    }


def _combine(coeffs, ln_gamma, ln_p):
    c0, c1, c2 = coeffs
    return c0 + c1 * ln_gamma + c2 * ln_p


def _neutral_weight(normalisation: str) -> float:
    if normalisation == "paper":
        return 1.0
    if normalisation == "bethe":
        return 0.5
    raise ValueError(f"normalisation must be one of {NORMALISATIONS}, got {normalisation!r}")


# ------------------------------------------------------------------ eq. (2)


def coulomb_logarithm(energy_MeV, *, n_e=0.0, n_Oplus=0.0, n_Hplus=0.0, T_e_eV=1.0, T_i_eV=1.0):
    """Coulomb logarithm of eq. (2): ln[2e13 sqrt((gamma^2 - 1) / sum_alpha n_alpha/T_alpha)].

    Equal to ln(lambda_D p / hbar): Debye length (sum over electrons and ions, n in cm^-3,
    T in eV) over the reduced de Broglie wavelength of the fast electron.

    Parameters
    ----------
    energy_MeV : array_like
        Kinetic energy of the fast electron, MeV (epsilon of eq. 2 is gamma).
    n_e, n_Oplus, n_Hplus : array_like
        Electron, O+ and H+ densities, cm^-3.
    T_e_eV, T_i_eV : array_like
        Electron and ion temperatures, eV.

    Returns
    -------
    float or ndarray
        ln Lambda, dimensionless (~27-32 in the plasmasphere for MeV electrons).
    """
    _, _, _, _, ln_p = _energy_functions(energy_MeV)
    debye_sum = (np.asarray(n_e, float) / np.asarray(T_e_eV, float)
                 + (np.asarray(n_Oplus, float) + np.asarray(n_Hplus, float)) / np.asarray(T_i_eV, float))
    return _out(_LN_COULOMB + ln_p - 0.5 * np.log(debye_sum))


def energy_loss_S_E(energy_MeV, *, n_O=0.0, n_N=0.0, n_H=0.0, n_e=0.0, n_Oplus=0.0, n_Hplus=0.0,
                    T_e_eV=1.0, T_i_eV=1.0, components: bool = False):
    """Energy-loss sum S_E of eq. (2), cm^-3 (densities times dimensionless logarithms).

    S_E = S_E,ee + S_E,eO+ + S_E,eN with
    S_E,ee = n_e ln Lambda (:func:`coulomb_logarithm`), S_E,eO+ = 7 (n_O+/n_e) S_E,ee = 7 n_O+ ln Lambda,
    S_E,eN = sum_{O,N,H} n Z [ln(1.4e10 gamma^3 / Z^2) - 2.9].

    Parameters
    ----------
    energy_MeV : array_like
        Kinetic energy, MeV.
    n_O, n_N, n_H : array_like
        Neutral atom densities, cm^-3 (molecules counted per atom).
    n_e, n_Oplus, n_Hplus : array_like
        Electron, O+ and H+ densities, cm^-3.
    T_e_eV, T_i_eV : array_like
        Temperatures, eV (only in the Coulomb logarithm).
    components : bool
        If True return a dict {"coulomb": ..., "neutral": ...} instead of the sum.

    Returns
    -------
    float or ndarray or dict
        S_E, cm^-3, broadcast over all inputs. Local |dE/dt| is eta S_E / (m v)
        (:func:`energy_loss_rate_MeV_s`).
    """
    vals = dict(n_O=n_O, n_N=n_N, n_H=n_H, n_e=n_e, n_Oplus=n_Oplus, n_Hplus=n_Hplus, T_e_eV=T_e_eV, T_i_eV=T_i_eV)
    return _coulomb_plus_neutral("E", energy_MeV, vals, components)


def momentum_exchange_S_mu(energy_MeV, *, n_O=0.0, n_N=0.0, n_H=0.0, n_e=0.0, n_Oplus=0.0, n_Hplus=0.0,
                           T_e_eV=1.0, T_i_eV=1.0, components: bool = False):
    """Momentum-exchange sum S_mu of eq. (2), cm^-3.

    S_mu = S_mu,ee + S_mu,eH+ + S_mu,eO+ + S_mu,eN with S_mu,ee = S_E,ee = n_e ln Lambda,
    S_mu,eH+ = n_H+ ln Lambda, S_mu,eO+ = (71/7) S_E,eO+ = 71 n_O+ ln Lambda (nucleus Z^2 = 64
    plus 7 bound electrons) and S_mu,eN = sum_{O,N,H} n Z (Z + 1) ln(140 sqrt(gamma^2 - 1) / Z^(1/3)).

    Parameters
    ----------
    energy_MeV, n_O, n_N, n_H, n_e, n_Oplus, n_Hplus, T_e_eV, T_i_eV, components
        As :func:`energy_loss_S_E`.

    Returns
    -------
    float or ndarray or dict
        S_mu, cm^-3. Local D = 2 pi e^4 S_mu / (p^2 v) (:func:`pitch_angle_diffusion_local_s`).
    """
    vals = dict(n_O=n_O, n_N=n_N, n_H=n_H, n_e=n_e, n_Oplus=n_Oplus, n_Hplus=n_Hplus, T_e_eV=T_e_eV, T_i_eV=T_i_eV)
    return _coulomb_plus_neutral("mu", energy_MeV, vals, components)


def _coulomb_plus_neutral(kind: str, energy_MeV, vals: dict, components: bool):
    """S_E (kind "E") or S_mu (kind "mu") of eq. (2) from the log-coefficient split."""
    _, _, _, ln_g, ln_p = _energy_functions(energy_MeV)
    c = _log_coefficients(vals)
    coul = _combine(c[f"{kind}_coulomb"], ln_g, ln_p)
    neut = _combine(c[f"{kind}_neutral"], ln_g, ln_p)
    if components:
        return {"coulomb": _out(coul), "neutral": _out(neut)}
    return _out(coul + neut)


# -------------------------------------------------------------- local rates


def energy_loss_rate_MeV_s(energy_MeV, profile_values: Mapping, normalisation: str = "paper"):
    """Local collisional energy-loss rate |dE/dt| = eta S_E / (m v) (eqs. 1-4), MeV/s, positive.

    eta = 4 pi e^4 (Gaussian); with r_e = e^2/(m c^2): |dE/dt| = 4 pi r_e^2 m c^2 c S_E / beta.

    Parameters
    ----------
    energy_MeV : array_like
        Kinetic energy, MeV.
    profile_values : mapping
        Background values at the point(s): keys of :data:`PROFILE_KEYS` (cm^-3, eV).
    normalisation : {"paper", "bethe"}
        "paper": eqs. (3)-(4) as printed; "bethe": the neutral part halved to Bethe's
        stopping power (module docstring).

    Returns
    -------
    float or ndarray
        |dE/dt|, MeV/s (broadcast of energy and the profile values).
    """
    _, beta, _, ln_g, ln_p = _energy_functions(energy_MeV)
    c = _log_coefficients(profile_values)
    s = _combine(c["E_coulomb"], ln_g, ln_p) + _neutral_weight(normalisation) * _combine(c["E_neutral"], ln_g, ln_p)
    return _out(_K_E * s / beta)


def pitch_angle_diffusion_local_s(energy_MeV, profile_values: Mapping):
    """Local collisional pitch-angle diffusion coefficient D = 2 pi e^4 S_mu / (p^2 v), 1/s.

    The local operator is df/dt = D d/dmu[(1 - mu^2) df/dmu] (mu = local pitch-angle cosine),
    i.e. D_mumu = D (1 - mu^2); D is a quarter of d<theta^2>/dt. In terms of r_e:
    D = 2 pi r_e^2 c S_mu / (beta (gamma^2 - 1)). It is the integrand of eq. (4)'s <D_cc>.

    Parameters
    ----------
    energy_MeV : array_like
        Kinetic energy, MeV.
    profile_values : mapping
        Background values (keys of :data:`PROFILE_KEYS`).

    Returns
    -------
    float or ndarray
        D, 1/s.
    """
    _, beta, gm1, ln_g, ln_p = _energy_functions(energy_MeV)
    c = _log_coefficients(profile_values)
    s = _combine(c["mu_coulomb"], ln_g, ln_p) + _combine(c["mu_neutral"], ln_g, ln_p)
    return _out(_K_D * s / (beta * gm1))


# ------------------------------------------------------------ bounce averages


def _evaluate_profile(profile: Callable, lat: np.ndarray) -> dict:
    flat = lat.reshape(-1)
    raw = profile(flat)
    out = {}
    for key in PROFILE_KEYS:
        if key in raw:
            out[key] = np.broadcast_to(np.asarray(raw[key], dtype=float), flat.shape).reshape(lat.shape)
    return out


def _truncated_nodes(alpha_eq_deg, lat_floor, n_points: int):
    """Gauss-Legendre nodes in the bounce phase for a path cut at |lat| = lat_floor.

    With lat = lat_m cos(theta) the weight ds/sqrt(1 - B/B_m) becomes
    L R_E lat_m phi(lat) sin(theta) dtheta / sqrt(1 - B/B_m), smooth in theta (phi =
    cos(lat) sqrt(1 + 3 sin^2 lat) = cos^7(lat) B/B_eq, from the dipole module's field ratio),
    and the path above the floor is theta in [theta_f, pi - theta_f], cos(theta_f) = lat_floor/lat_m.
    Returns lat (n_alpha, n), weight (same, in units of L R_E, arbitrary overall constant).
    """
    alpha = np.atleast_1d(np.asarray(alpha_eq_deg, dtype=float))
    lat_m = np.asarray(dipole.mirror_latitude_rad(1.0, alpha))[:, None]
    theta_f = np.arccos(np.clip(lat_floor / lat_m, -1.0, 1.0))
    xg, wg = np.polynomial.legendre.leggauss(int(n_points))
    half = 0.5 * (np.pi - 2.0 * theta_f)
    theta = 0.5 * np.pi + half * xg[None, :]
    lat = lat_m * np.cos(theta)
    ratio = np.asarray(dipole.field_ratio_to_equator(lat))
    sin2 = np.sin(np.radians(alpha))[:, None] ** 2
    phi = np.cos(lat) ** 7 * ratio
    one_minus = np.maximum(1.0 - sin2 * ratio, 1e-300)
    weight = half * wg[None, :] * lat_m * phi * np.sin(theta) / np.sqrt(one_minus)
    return lat, weight


def _bounce_average_stack(L, alpha_eq_deg, make_stack: Callable, n_points: int, lat_floor: float):
    """Bounce averages of k functions of latitude (make_stack(lat, idx) -> (k,) + lat.shape).

    ``lat`` has shape (len(idx), n_points); ``idx`` indexes ``alpha_eq_deg``.

    Pitch angles mirroring above the floor use :func:`hpcsim.geometry.dipole.bounce_average`
    (Gauss-Chebyshev over the whole path); the others are averaged over the part of the path
    above the floor (:func:`_truncated_nodes`). Returns (averages (k, n_alpha), truncated mask).
    """
    alpha = np.atleast_1d(np.asarray(alpha_eq_deg, dtype=float))
    lat_m = np.atleast_1d(np.asarray(dipole.mirror_latitude_rad(L, alpha), dtype=float))
    truncated = lat_m > lat_floor
    result = None
    full = np.flatnonzero(~truncated)
    if full.size:
        captured = {}

        def capture(lat):
            captured["lat"] = np.asarray(lat, dtype=float)
            return 0.0

        dipole.bounce_average(L, alpha[full], capture, n_points=n_points)
        stack = np.asarray(make_stack(captured["lat"], full))
        avgs = np.stack([np.atleast_1d(dipole.bounce_average(L, alpha[full], lambda _lat, f=f: f, n_points=n_points))
                         for f in stack])
        result = np.zeros((stack.shape[0], alpha.size))
        result[:, full] = avgs
    cut = np.flatnonzero(truncated)
    if cut.size:
        lat, w = _truncated_nodes(alpha[cut], lat_floor, n_points)
        stack = np.asarray(make_stack(lat, cut))
        avgs = (stack * w).sum(axis=-1) / w.sum(axis=-1)
        if result is None:
            result = np.zeros((stack.shape[0], alpha.size))
        result[:, cut] = avgs
    return result, truncated


def _floor_latitude(L, profile, floor_altitude_km):
    floor = float(floor_altitude_km)
    floor = max(floor, float(getattr(profile, "min_altitude_km", -np.inf)))
    lat_f = float(dipole.latitude_at_altitude_rad(L, floor))
    if not np.isfinite(lat_f):
        raise ValueError(f"floor altitude {floor} km is above the top of the L = {L} line")
    return lat_f, floor


def bounce_averaged_coefficients(L, alpha_eq_deg, energy_MeV, profile: Callable,
                                 n_points: int = DEFAULT_N_POINTS,
                                 floor_altitude_km: float = DEFAULT_FLOOR_ALTITUDE_KM,
                                 normalisation: str = "paper") -> dict:
    """Bounce-averaged <(dE/dt)_cc> and <D_cc> of eq. (4) on an (alpha_eq, energy) grid.

    <|dE/dt|> = eta <S_E> / (m v)  (MeV/s; v is constant along the path),
    <D_cc>    = (1 - mu0^2) / (2 mu0^2) * eta / (m^2 c^3) * gamma / (gamma^2 - 1)^1.5
                * <mu^2 S_mu B0 / B(s)>                              (1/s, in mu0),
    with mu the local pitch-angle cosine (mu^2 = 1 - (1 - mu0^2) B/B0), eta = 4 pi e^4, and
    <.> the bounce average of eq. (3). <D_cc> is the coefficient of
    (1/(h mu0)) d/dmu0 [<D> h mu0 dQ/dmu0] in eq. (3).

    Each S is exactly c0(s) + c1(s) ln gamma + c2(s) ln(p/(m c)), so only the c's are
    bounce-averaged (one profile call per path) and the energy dependence is applied after:
    the grid costs O(n_alpha n_points + n_alpha n_E); no numba needed.

    Loss cone: where the mirror point lies below ``floor_altitude_km`` (or below
    ``profile.min_altitude_km`` if larger) the path is cut at the floor and the average is
    over the part of the bounce above it (time-weighted, both integrals cut). This is
    continuous at the pitch angle that mirrors at the floor.

    Parameters
    ----------
    L : float
        McIlwain L, Earth radii.
    alpha_eq_deg : array_like, 1-D
        Equatorial pitch angles, deg, in (0, 90].
    energy_MeV : array_like, 1-D
        Kinetic energies, MeV.
    profile : callable
        profile(latitude_rad) -> dict of :data:`PROFILE_KEYS` (module docstring).
    n_points : int
        Quadrature nodes per bounce path (default :data:`DEFAULT_N_POINTS`).
    floor_altitude_km : float
        Lowest altitude of the path for loss-cone pitch angles, km.
    normalisation : {"paper", "bethe"}
        Energy-loss normalisation (see :func:`energy_loss_rate_MeV_s`).

    Returns
    -------
    dict
        ``dEdt_MeV_s`` and ``D_cc_s``: arrays (n_alpha, n_E); ``truncated``: bool (n_alpha,)
        where the path was cut; ``floor_altitude_km``; ``alpha_eq_deg``, ``energy_MeV``.
    """
    alpha = np.atleast_1d(np.asarray(alpha_eq_deg, dtype=float))
    energy = np.atleast_1d(np.asarray(energy_MeV, dtype=float))
    if alpha.ndim != 1 or energy.ndim != 1:
        raise ValueError("alpha_eq_deg and energy_MeV must be scalars or 1-D")
    if np.any((alpha <= 0.0) | (alpha > 90.0)):
        raise ValueError("alpha_eq_deg must be in (0, 90]")
    wn = _neutral_weight(normalisation)
    lat_floor, floor = _floor_latitude(L, profile, floor_altitude_km)
    sin2_eq = np.sin(np.radians(alpha)) ** 2

    def make_stack(lat, idx):
        vals = _evaluate_profile(profile, lat)
        c = _log_coefficients(vals)
        ratio = np.asarray(dipole.field_ratio_to_equator(lat))
        s2 = sin2_eq[idx][:, None]
        mu2_b = np.maximum(1.0 - s2 * ratio, 0.0) / ratio  # mu^2 B0 / B
        e = [c["E_coulomb"][i] + wn * c["E_neutral"][i] for i in range(3)]
        m = [(c["mu_coulomb"][i] + c["mu_neutral"][i]) * mu2_b for i in range(3)]
        return np.stack([np.broadcast_to(x, lat.shape) for x in e + m])

    avg, truncated = _bounce_average_stack(L, alpha, make_stack, n_points, lat_floor)
    _, beta, gm1, ln_g, ln_p = _energy_functions(energy)
    s_e = avg[0][:, None] + avg[1][:, None] * ln_g[None, :] + avg[2][:, None] * ln_p[None, :]
    s_mu = avg[3][:, None] + avg[4][:, None] * ln_g[None, :] + avg[5][:, None] * ln_p[None, :]
    mu0_sq = np.cos(np.radians(alpha)) ** 2
    geom = (1.0 - mu0_sq) / mu0_sq
    return {
        "dEdt_MeV_s": _K_E * s_e / beta[None, :],
        "D_cc_s": geom[:, None] * _K_D * s_mu / (beta * gm1)[None, :],
        "truncated": truncated,
        "floor_altitude_km": floor,
        "alpha_eq_deg": alpha,
        "energy_MeV": energy,
    }


def bounce_averaged_energy_loss_rate_MeV_s(L, alpha_eq_deg, energy_MeV, profile, **kwargs):
    """<(dE/dt)_cc> of eq. (4) as the physical bounce-averaged |dE/dt|, MeV/s, (n_alpha, n_E).

    Keyword arguments as :func:`bounce_averaged_coefficients`.
    """
    return bounce_averaged_coefficients(L, alpha_eq_deg, energy_MeV, profile, **kwargs)["dEdt_MeV_s"]


def bounce_averaged_D_cc_s(L, alpha_eq_deg, energy_MeV, profile, **kwargs):
    """<D_cc> of eq. (4), 1/s (diffusion in mu0 = cos alpha_eq), shape (n_alpha, n_E).

    Keyword arguments as :func:`bounce_averaged_coefficients`.
    """
    return bounce_averaged_coefficients(L, alpha_eq_deg, energy_MeV, profile, **kwargs)["D_cc_s"]


def paper_eq4_energy_coefficient_MeV_s(energy_MeV, dEdt_MeV_s):
    """The printed eq. (4) form eta gamma^2 <S_E> / sqrt(2 m E) from the physical <|dE/dt|>.

    It equals <|dE/dt|> gamma^2 v / v_nr with v_nr = sqrt(2 E / m); only meaningful together
    with eq. (3)'s prefactor sqrt(2 E / m) / (c gamma sqrt(gamma^2 - 1)), which undoes it.

    Parameters
    ----------
    energy_MeV : array_like
        Kinetic energy, MeV.
    dEdt_MeV_s : array_like
        Physical bounce-averaged |dE/dt|, MeV/s.

    Returns
    -------
    float or ndarray
        The eq. (4) quantity, MeV/s.
    """
    gamma, beta, _, _, _ = _energy_functions(energy_MeV)
    v_nr_over_c = np.sqrt(2.0 * np.asarray(energy_MeV, dtype=float) / _MC2_MEV)
    return _out(np.asarray(dEdt_MeV_s, dtype=float) * gamma**2 * beta / v_nr_over_c)


def collision_time_scales_s(L, alpha_eq_deg, energy_MeV, profile, delta_E_MeV: float = 1.0,
                            loss_cone_altitude_km: float = 200.0, **kwargs) -> dict:
    """Collisional time scales for checks, from the bounce-averaged coefficients.

    Parameters
    ----------
    L, alpha_eq_deg, energy_MeV, profile
        As :func:`bounce_averaged_coefficients`.
    delta_E_MeV : float
        Delta E of eq. (7) (the paper: 1 MeV).
    loss_cone_altitude_km : float
        Altitude defining the loss-cone edge for the scattering time (the paper: 200 km).
    **kwargs
        Passed to :func:`bounce_averaged_coefficients`.

    Returns
    -------
    dict of arrays (n_alpha, n_E), seconds
        ``energy_efold_s`` = E / <|dE/dt|>; ``energy_loss_time_s`` = Delta E / <|dE/dt|>
        (eq. 7); ``diffusion_time_s`` = 1 / <D_cc>; ``scatter_time_s`` =
        (mu0 - mu0_LC)^2 / <D_cc> (eq. 7, Delta mu0 from alpha_eq to the loss-cone edge);
        plus ``coefficients`` (the dict of :func:`bounce_averaged_coefficients`).
    """
    co = bounce_averaged_coefficients(L, alpha_eq_deg, energy_MeV, profile, **kwargs)
    e = co["energy_MeV"][None, :]
    mu0 = np.cos(np.radians(co["alpha_eq_deg"]))
    mu0_lc = np.cos(np.radians(float(dipole.equatorial_loss_cone_deg(L, loss_cone_altitude_km))))
    with np.errstate(divide="ignore"):
        return {
            "energy_efold_s": e / co["dEdt_MeV_s"],
            "energy_loss_time_s": float(delta_E_MeV) / co["dEdt_MeV_s"],
            "diffusion_time_s": 1.0 / co["D_cc_s"],
            "scatter_time_s": ((mu0 - mu0_lc) ** 2)[:, None] / co["D_cc_s"],
            "coefficients": co,
        }
