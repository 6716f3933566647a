"""Quasi-linear pitch-angle diffusion of relativistic electrons by oblique whistler-mode waves.

Local coefficient D_alpha_alpha (normalised by p^2, s^-1) for a wave band that is Gaussian in
frequency and in x = tan(theta) (theta the wave-normal angle), summed over cyclotron
harmonics n = -N..N including the Landau resonance n = 0, in a cold electron-proton plasma;
and its bounce average <D_mu0mu0> of eq. (4) of Khazanov, Liemohn et al. (paper
``001_bb23716bc5c9e956.txt``) along a dipole field line.

Formalism: the relativistic form (Albert 1999; Glauert and Horne 2005, hereafter GH05) of the
oblique-wave quasi-linear coefficient of Lyons (1974), with GH05's polarisation factor
Phi_n^2 (their eq. A13) and wave-normal normalisation N(omega) (their eq. 15), written with
the constants fixed so that the field-aligned limit is exactly the parallel-wave result of
Summers (2005), which is implemented independently here as :func:`summers2005_parallel_daa`
(used by the tests). ``docs/physics/bounce_waves.md`` gives every formula, the derivation of
the constant, the validity conditions (6) and the numerical choices.

Conventions: SI inside; the electron gyrofrequency is signed (Omega_e < 0) so that the
resonance condition reads omega - k_par v_par = n Omega_e / gamma; n = -1 is the normal
first-order cyclotron resonance with field-aligned whistlers. Pitch angles in degrees at the
interface, energies in MeV, fields in tesla (local functions) or from the dipole (bounce
averages), densities in cm^-3, wave amplitudes in pT, frequencies in Hz.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Callable, NamedTuple

import numba as nb
import numpy as np
from scipy.optimize import brentq
from scipy.special import erf

from hpcsim.geometry import dipole
from hpcsim.physics import constants as _c

__all__ = [
    "PROTON_MASS_KG",
    "EPSILON0_F_M",
    "WaveSpectrum",
    "WaveNumerics",
    "DEFAULT_NUMERICS",
    "whistler_refractive_index_squared",
    "resonant_roots",
    "local_daa",
    "summers2005_parallel_daa",
    "BounceAveraged",
    "bounce_averaged_diffusion",
    "d_alpha0_from_d_mu0",
    "d_mu0_from_d_alpha0",
]

PROTON_MASS_KG = 1.672_621_923_69e-27   #: CODATA 2018, kg
EPSILON0_F_M = 8.854_187_8128e-12        #: CODATA 2018, F/m
_QE = _c.ELEMENTARY_CHARGE_C
_ME = _c.ELECTRON_MASS_KG
_CL = _c.C_M_S
_MASS_RATIO = _ME / PROTON_MASS_KG


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class WaveSpectrum:
    """One whistler-mode wave band at one L: Gaussian in f and x = tan(theta), with cutoffs.

    The frequency spectrum B^2(f) ~ exp(-((f - f_mean)/f_width)^2) on [f_lower, f_upper] is
    normalised so that its integral is ``B_w_pT``^2; the wave-normal distribution
    g(x) = exp(-((x - x_mean)/x_width)^2) on [x_lower, x_upper] is normalised through N(omega)
    (GH05 eq. 15). The same spectrum is present for propagation parallel and antiparallel to
    B (as in Summers 2005), at all latitudes |lat| <= ``max_latitude_deg``, with the same
    amplitude, and absent elsewhere.

    Attributes
    ----------
    name : str
    f_mean_Hz, f_width_Hz, f_lower_Hz, f_upper_Hz : float
        Frequency centre, Gaussian width and cutoffs, Hz.
    x_mean, x_width, x_lower, x_upper : float
        Centre, width and cutoffs of the distribution in x = tan(theta), dimensionless.
    B_w_pT : float
        Wave magnetic amplitude (rms over the band), pT.
    occurrence : float
        Fraction of time the wave is present (0..1); applied by the tables of
        :mod:`hpcsim.physics.wave_cache`, NOT by the functions of this module.
    max_latitude_deg : float
        Waves are present for |magnetic latitude| <= this, deg.
    """

    name: str
    f_mean_Hz: float
    f_width_Hz: float
    f_lower_Hz: float
    f_upper_Hz: float
    x_mean: float
    x_width: float
    x_lower: float
    x_upper: float
    B_w_pT: float
    occurrence: float = 1.0
    max_latitude_deg: float = 45.0

    def __post_init__(self) -> None:
        if not (0.0 < self.f_lower_Hz < self.f_upper_Hz and self.f_width_Hz > 0.0):
            raise ValueError(f"bad frequency band in {self!r}")
        if not (0.0 <= self.x_lower < self.x_upper and self.x_width > 0.0):
            raise ValueError(f"bad x = tan(theta) band in {self!r}")
        if self.B_w_pT < 0.0 or not (0.0 <= self.occurrence <= 1.0):
            raise ValueError(f"bad amplitude or occurrence in {self!r}")

    def as_dict(self) -> dict:
        return {k: (float(v) if not isinstance(v, str) else v) for k, v in asdict(self).items()}

    def with_amplitude(self, B_w_pT: float) -> "WaveSpectrum":
        from dataclasses import replace
        return replace(self, B_w_pT=float(B_w_pT))


@dataclass(frozen=True)
class WaveNumerics:
    """Resolution and the plasma constants of the validity conditions (6).

    Attributes
    ----------
    n_harmonics : int
        Harmonics n = -N..N are summed (N = n_harmonics; n = 0 is Landau).
    n_x : int
        Gauss-Legendre nodes in x over [x_lower, x_upper] (for D and for N(omega)).
    n_omega : int
        Uniform nodes over the frequency band on which resonances are bracketed and N(omega)
        is tabulated (linearly interpolated between nodes).
    n_bounce : int
        Gauss-Chebyshev nodes of the bounce average (``dipole.bounce_average``).
    T_e_eV : float
        Temperature of the cold core electrons in v_Te = sqrt(T_e/m_e) of condition (6).
    much_greater : float
        ">>" in omega_pe^2/Omega_e^2 >> omega/Omega_e is taken as "> much_greater times".
    thermal_factor : float
        The 10 of |omega - Omega_e| > 10 |k_par| v_Te.
    apply_validity : bool
        Apply conditions (6) (wave absent where any fails). False only for tests.
    narrow_band : float
        A band with (f_upper - f_lower)/f_mean below this is "narrow" (the VLF transmitter
        bands, 0.9 %): its resonances occupy a thin slice of x, so it is integrated with
        ``n_x_narrow`` nodes in x and ``n_omega_narrow`` nodes in frequency.
    n_x_narrow, n_omega_narrow : int
        Resolution for narrow bands.
    """

    n_harmonics: int = 20
    n_x: int = 32
    n_omega: int = 48
    n_bounce: int = 64
    T_e_eV: float = 1.0
    much_greater: float = 10.0
    thermal_factor: float = 10.0
    apply_validity: bool = True
    narrow_band: float = 0.1
    n_x_narrow: int = 192
    n_omega_narrow: int = 16

    def resolution(self, spectrum: "WaveSpectrum") -> tuple[int, int]:
        """(n_x, n_omega) used for this band."""
        rel = (spectrum.f_upper_Hz - spectrum.f_lower_Hz) / spectrum.f_mean_Hz
        if rel < self.narrow_band:
            return max(self.n_x, self.n_x_narrow), self.n_omega_narrow
        return self.n_x, self.n_omega

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_NUMERICS = WaveNumerics()


# ------------------------------------------------------------------ numba kernels


@nb.njit(cache=True)
def _stix(w, wce, wpe2, wcp, wpp2):
    """Stix R, L, P, S of a cold e-p plasma; wce, wcp are |Omega|, rad/s."""
    R = 1.0 - wpe2 / (w * (w - wce)) - wpp2 / (w * (w + wcp))
    Lm = 1.0 - wpe2 / (w * (w + wce)) - wpp2 / (w * (w - wcp))
    P = 1.0 - (wpe2 + wpp2) / (w * w)
    return R, Lm, P, 0.5 * (R + Lm)


@nb.njit(cache=True)
def _mu2(w, c2, wce, wpe2, wcp, wpp2):
    """Whistler-branch refractive index squared (the root that is R at theta = 0); NaN if none."""
    R, Lm, P, S = _stix(w, wce, wpe2, wcp, wpp2)
    s2 = 1.0 - c2
    A = S * s2 + P * c2
    B = R * Lm * s2 + P * S * (1.0 + c2)
    C = P * R * Lm
    disc = B * B - 4.0 * A * C
    if disc < 0.0 or A == 0.0:
        return np.nan
    m2 = (B - math.sqrt(disc)) / (2.0 * A)
    if not (m2 > 0.0):
        return np.nan
    return m2


@nb.njit(cache=True)
def _k(w, c2, wce, wpe2, wcp, wpp2):
    m2 = _mu2(w, c2, wce, wpe2, wcp, wpp2)
    return w * math.sqrt(m2) / 2.99792458e8


@nb.njit(cache=True)
def _dk_dw(w, c2, wce, wpe2, wcp, wpp2):
    """(dk/domega) at fixed theta by a central difference, s/m."""
    h = 1e-6 * w
    return (_k(w + h, c2, wce, wpe2, wcp, wpp2) - _k(w - h, c2, wce, wpe2, wcp, wpp2)) / (2.0 * h)


@nb.njit(cache=True)
def _besselj(n, z):
    """J_n(z), integer n of either sign, by the (spectrally exact) trapezoid rule on
    J_n(z) = (1/2pi) int_0^2pi cos(n t - z sin t) dt."""
    m = int(1.5 * abs(z)) + abs(n) + 40
    s = 0.0
    for j in range(m):
        t = 2.0 * math.pi * j / m
        s += math.cos(n * t - z * math.sin(t))
    return s / m


@nb.njit(cache=True)
def _phi2(n, z, mu2, R, Lm, P, S, sin_psi, cos_psi, cot_alpha):
    """GH05 eq. (A13): Phi_{n,k}^2, dimensionless (1/2 for n = -1 at theta = 0)."""
    jm = _besselj(n - 1, z)
    j0 = _besselj(n, z)
    jp = _besselj(n + 1, z)
    t1 = ((mu2 - Lm) / (mu2 - S)) * jp + ((mu2 - R) / (mu2 - S)) * jm
    t2 = (mu2 * sin_psi * sin_psi - P) / (2.0 * mu2)
    t3 = cot_alpha * sin_psi * cos_psi * j0
    a = (R - Lm) / (2.0 * (mu2 - S))
    b = (P - mu2 * sin_psi * sin_psi) / mu2
    c = P * cos_psi / mu2
    return (t1 * t2 + t3) ** 2 / (a * a * b * b + c * c)


@nb.njit(cache=True)
def _resonance(w, n, s, cpsi0, c2, vpar, om_signed_over_gamma, wce, wpe2, wcp, wpp2):
    """omega - k_par v_par - n Omega_e/gamma with k_par = s k cos(psi0)."""
    return w - s * _k(w, c2, wce, wpe2, wcp, wpp2) * cpsi0 * vpar - n * om_signed_over_gamma


@nb.njit(cache=True)
def _valid(w, kpar, x, wce, wpe2, wcp, vte, much, thermal):
    """Conditions (6) of the paper at (omega, k_par, x); True when the wave may exist."""
    if not (w < wce):
        return False
    if not (wpe2 / (wce * wce) > much * w / wce):
        return False
    if not (abs(w - wce) > thermal * abs(kpar) * vte):
        return False
    s2 = x * x / (1.0 + x * x)
    c2 = 1.0 - s2
    q = 1.0 - w * w / (wcp * wce) - 0.5 * s2 + math.sqrt(
        0.25 * s2 * s2 + (w * w) / (wcp * wcp) * (1.0 - 0.000544617021) ** 2 * c2)
    return q > 0.0


@nb.njit(cache=True)
def _local_daa_one(sin_a, cos_a, gamma, wce, wpe2, wcp, wpp2,
                   w_lo, w_hi, w_m, dw, b2norm, xm, xw, xn, xwt, nmax, nw,
                   vte, much, thermal, validity, root_out, nroot_max):
    """D_alpha_alpha / p^2 (s^-1) at one point; optionally records roots (omega, x, n, s)."""
    c = 2.99792458e8
    beta = math.sqrt(1.0 - 1.0 / (gamma * gamma))
    v = beta * c
    vpar = v * cos_a
    p = gamma * 9.1093837015e-31 * v
    q2 = 1.602176634e-19 ** 2
    om_g = -wce / gamma  # signed Omega_e / gamma
    nx = xn.shape[0]
    # tables of k and dk/domega on (omega, x), and N(omega) (2 pi int g x (1+x^2)^-3/2 k^2 dk/dw dx)
    wgrid = np.empty(nw)
    ktab = np.empty((nw, nx))
    ntab = np.zeros(nw)
    gx = np.empty(nx)
    for i in range(nx):
        gx[i] = math.exp(-((xn[i] - xm) / xw) ** 2)
    for j in range(nw):
        w = w_lo + (w_hi - w_lo) * j / (nw - 1)
        wgrid[j] = w
        acc = 0.0
        for i in range(nx):
            c2 = 1.0 / (1.0 + xn[i] * xn[i])
            kk = _k(w, c2, wce, wpe2, wcp, wpp2)
            ktab[j, i] = kk
            if kk == kk:
                dk = _dk_dw(w, c2, wce, wpe2, wcp, wpp2)
                if dk == dk:
                    acc += xwt[i] * gx[i] * xn[i] * c2 ** 1.5 * kk * kk * abs(dk)
        ntab[j] = 2.0 * math.pi * acc
    total = 0.0
    nroot = 0
    for i in range(nx):
        x = xn[i]
        c2 = 1.0 / (1.0 + x * x)
        cpsi0 = math.sqrt(c2)
        spsi = x * cpsi0
        for si in range(2):
            s = 1.0 if si == 0 else -1.0
            for n in range(-nmax, nmax + 1):
                fprev = np.nan
                for j in range(nw):
                    kk = ktab[j, i]
                    f = wgrid[j] - s * kk * cpsi0 * vpar - n * om_g
                    if j > 0 and f == f and fprev == fprev and (f == 0.0 or (f > 0.0) != (fprev > 0.0)):
                        # bisection on [w_{j-1}, w_j]
                        a = wgrid[j - 1]
                        b = wgrid[j]
                        fa = fprev
                        for _ in range(48):
                            mid = 0.5 * (a + b)
                            fm = _resonance(mid, n, s, cpsi0, c2, vpar, om_g, wce, wpe2, wcp, wpp2)
                            if fm != fm:
                                break
                            if (fm > 0.0) == (fa > 0.0):
                                a = mid
                                fa = fm
                            else:
                                b = mid
                        wr = 0.5 * (a + b)
                        m2 = _mu2(wr, c2, wce, wpe2, wcp, wpp2)
                        if m2 == m2:
                            kr = wr * math.sqrt(m2) / c
                            kpar = s * kr * cpsi0
                            kperp = kr * spsi
                            if (not validity) or _valid(wr, kpar, x, wce, wpe2, wcp, vte, much, thermal):
                                dk = _dk_dw(wr, c2, wce, wpe2, wcp, wpp2)
                                cos_psi = s * cpsi0
                                vg_par = 1.0 / (dk * cos_psi)
                                den = abs(vpar - vg_par)
                                # N(omega) by linear interpolation on the band table
                                t = (wr - w_lo) / (w_hi - w_lo) * (nw - 1)
                                jj = min(max(int(t), 0), nw - 2)
                                fr = t - jj
                                nn = (1.0 - fr) * ntab[jj] + fr * ntab[jj + 1]
                                if den > 0.0 and nn > 0.0:
                                    R, Lm, P, S = _stix(wr, wce, wpe2, wcp, wpp2)
                                    z = -kperp * gamma * v * sin_a / wce  # k_perp p_perp/(m Omega_e), Omega_e < 0
                                    ph = _phi2(n, z, m2, R, Lm, P, S, spsi, cos_psi, cos_a / sin_a)
                                    b2 = b2norm * math.exp(-((wr - w_m) / dw) ** 2)
                                    br = (n * om_g / wr - sin_a * sin_a) / cos_a
                                    term = (2.0 * math.pi ** 2 * q2 / (p * p) * wr * wr * b2 * gx[i] * ph * x
                                            * br * br / ((1.0 + x * x) * nn * den))
                                    total += xwt[i] * term
                                    if nroot < nroot_max:
                                        root_out[nroot, 0] = wr
                                        root_out[nroot, 1] = x
                                        root_out[nroot, 2] = n
                                        root_out[nroot, 3] = s
                                        root_out[nroot, 4] = kpar
                                        root_out[nroot, 5] = term
                                    nroot += 1
                    fprev = f
    return total, nroot


@nb.njit(cache=True)
def _local_daa_batch(sin_a, cos_a, gamma, wce, wpe2, wcp, wpp2, active,
                     w_lo, w_hi, w_m, dw, b2norm, xm, xw, xn, xwt, nmax, nw,
                     vte, much, thermal, validity):
    out = np.zeros(sin_a.shape[0])
    dummy = np.empty((0, 6))
    for i in range(sin_a.shape[0]):
        if active[i]:
            out[i], _ = _local_daa_one(sin_a[i], cos_a[i], gamma[i], wce[i], wpe2[i], wcp[i], wpp2[i],
                                       w_lo, w_hi, w_m, dw, b2norm, xm, xw, xn, xwt, nmax, nw,
                                       vte, much, thermal, validity, dummy, 0)
    return out


# ------------------------------------------------------------------ python layer


def _spectrum_args(spec: WaveSpectrum, numerics: WaveNumerics):
    w_lo = 2 * np.pi * spec.f_lower_Hz
    w_hi = 2 * np.pi * spec.f_upper_Hz
    w_m = 2 * np.pi * spec.f_mean_Hz
    dw = 2 * np.pi * spec.f_width_Hz
    # B^2(omega) = b2norm exp(-((omega-omega_m)/d omega)^2): int over [w_lo, w_hi] = B_w^2 (T^2)
    nu = 0.5 * np.sqrt(np.pi) * (erf((w_m - w_lo) / dw) + erf((w_hi - w_m) / dw))
    b2norm = (spec.B_w_pT * 1e-12) ** 2 / (dw * nu)
    n_x, n_omega = numerics.resolution(spec)
    xn, xwt = np.polynomial.legendre.leggauss(n_x)
    xn = 0.5 * (spec.x_upper - spec.x_lower) * xn + 0.5 * (spec.x_upper + spec.x_lower)
    xwt = 0.5 * (spec.x_upper - spec.x_lower) * xwt
    return (w_lo, w_hi, w_m, dw, b2norm, spec.x_mean, spec.x_width, xn, xwt,
            int(numerics.n_harmonics), int(n_omega))


def _validity_args(numerics: WaveNumerics):
    vte = np.sqrt(numerics.T_e_eV * _c.EV_TO_J / _ME)
    return vte, float(numerics.much_greater), float(numerics.thermal_factor), bool(numerics.apply_validity)


def _plasma(B_T, ne_cm3):
    B_T = np.asarray(B_T, dtype=float)
    ne = np.asarray(ne_cm3, dtype=float) * 1e6
    wce = _QE * B_T / _ME
    wcp = _QE * B_T / PROTON_MASS_KG
    wpe2 = ne * _QE**2 / (EPSILON0_F_M * _ME)
    wpp2 = wpe2 * _MASS_RATIO
    return wce, wpe2, wcp, wpp2


def whistler_refractive_index_squared(f_Hz, theta_deg, B_T, ne_cm3):
    """Cold e-p plasma whistler-mode mu^2 = (c k / omega)^2 (NaN where it does not propagate).

    Parameters
    ----------
    f_Hz : float
        Wave frequency, Hz.
    theta_deg : float
        Wave-normal angle to B, deg.
    B_T : float
        Magnetic field, T.
    ne_cm3 : float
        Electron (= proton) density, cm^-3.
    """
    wce, wpe2, wcp, wpp2 = _plasma(B_T, ne_cm3)
    c2 = np.cos(np.radians(theta_deg)) ** 2
    return float(_mu2(2 * np.pi * float(f_Hz), float(c2), float(wce), float(wpe2), float(wcp), float(wpp2)))


def resonant_roots(alpha_deg, energy_MeV, B_T, ne_cm3, spectrum: WaveSpectrum,
                   numerics: WaveNumerics = DEFAULT_NUMERICS, max_roots: int = 4096):
    """Resonant (omega, x, n, direction) roots found by :func:`local_daa` at one point (for checks).

    Returns
    -------
    (D, roots) : float, ndarray (n_roots, 6)
        D_alpha_alpha/p^2 in s^-1 and the roots: columns omega (rad/s), x = tan(theta), n,
        s (+1: k_par > 0), k_par (rad/m, signed), contribution to D before the x-quadrature
        weight (s^-1).
    """
    wce, wpe2, wcp, wpp2 = _plasma(B_T, ne_cm3)
    a = np.radians(float(alpha_deg))
    gamma = 1.0 + float(energy_MeV) / _c.ELECTRON_REST_ENERGY_MEV
    out = np.zeros((max_roots, 6))
    d, n = _local_daa_one(np.sin(a), np.cos(a), gamma, float(wce), float(wpe2), float(wcp), float(wpp2),
                          *_spectrum_args(spectrum, numerics), *_validity_args(numerics), out, max_roots)
    return float(d), out[:min(n, max_roots)]


def local_daa(alpha_deg, energy_MeV, B_T, ne_cm3, spectrum: WaveSpectrum,
              numerics: WaveNumerics = DEFAULT_NUMERICS):
    """Local D_alpha_alpha / p^2, s^-1 (rad^2/s), of one wave band (occurrence not applied).

    Parameters
    ----------
    alpha_deg : array_like
        Local pitch angle, deg, in (0, 90).
    energy_MeV : array_like
        Kinetic energy, MeV.
    B_T : array_like
        Local magnetic field, T.
    ne_cm3 : array_like
        Local electron density, cm^-3 (protons the same).
    spectrum : WaveSpectrum
    numerics : WaveNumerics

    Returns
    -------
    float or ndarray
        Shape broadcast of the inputs. The paper's D_mumu of eq. (1) is gamma^2 times this.
    """
    a, e, b, n = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (alpha_deg, energy_MeV, B_T, ne_cm3)))
    shape = a.shape
    a, e, b, n = (np.ascontiguousarray(v.ravel()) for v in (a, e, b, n))
    wce, wpe2, wcp, wpp2 = _plasma(b, n)
    ar = np.radians(a)
    gamma = 1.0 + e / _c.ELECTRON_REST_ENERGY_MEV
    active = np.isfinite(ar) & (ar > 0.0) & (ar < 0.5 * np.pi) & (spectrum.B_w_pT > 0.0)
    out = _local_daa_batch(np.sin(ar), np.cos(ar), gamma, wce, wpe2, wcp, wpp2, active,
                           *_spectrum_args(spectrum, numerics), *_validity_args(numerics))
    out = out.reshape(shape)
    return float(out) if out.ndim == 0 else out


# ------------------------------------------------------------ Summers (2005) check


def summers2005_parallel_daa(alpha_deg, energy_MeV, B_T, ne_cm3, spectrum: WaveSpectrum,
                             n_scan: int = 4000):
    """Local D_alpha_alpha/p^2 (s^-1) for field-aligned R-mode waves, Summers (2005) eqs. (33)-(36).

    An independent implementation (numpy/scipy, parallel dispersion only, first-order
    cyclotron resonance) used to check :func:`local_daa` in the limit of a narrow x spectrum
    at x = 0. With x = omega/|Omega_e|, y = c k_par/|Omega_e| (signed), F = dx/dy:

        D = pi/(2 nu) |Omega_e| / gamma^2 sum_j R (1 - x_j cos a/(y_j beta))^2 |F_j|
            / (dx |beta cos a - F_j|) exp(-((x_j - x_m)/dx)^2),

    R = (B_w/B)^2, nu = (sqrt(pi)/2) [erf((x_m - x_1)/dx) + erf((x_2 - x_m)/dx)], the roots
    solving x - y beta cos a = 1/gamma and y^2 = x^2 R_stix(x) within [x_1, x_2].
    Validity conditions (6) are not applied.
    """
    wce, wpe2, wcp, wpp2 = (float(v) for v in _plasma(B_T, ne_cm3))
    a = np.radians(float(alpha_deg))
    gamma = 1.0 + float(energy_MeV) / _c.ELECTRON_REST_ENERGY_MEV
    beta = np.sqrt(1.0 - 1.0 / gamma**2)
    bc = beta * np.cos(a)
    x1, x2 = 2 * np.pi * spectrum.f_lower_Hz / wce, 2 * np.pi * spectrum.f_upper_Hz / wce
    xm, dx = 2 * np.pi * spectrum.f_mean_Hz / wce, 2 * np.pi * spectrum.f_width_Hz / wce
    ape, app, eps = wpe2 / wce**2, wpp2 / wce**2, wcp / wce

    def mu_par(x):  # R-mode refractive index, x in units of |Omega_e|
        return np.sqrt(1.0 - ape / (x * (x - 1.0)) - app / (x * (x + eps)))

    def res(x):  # y from resonance minus y from dispersion, for each sign of y
        y_res = (x - 1.0 / gamma) / bc
        return y_res**2 - (x * mu_par(x)) ** 2

    xs = np.linspace(x1, x2, n_scan)
    with np.errstate(invalid="ignore"):
        fs = res(xs)
    nu = 0.5 * np.sqrt(np.pi) * (erf((xm - x1) / dx) + erf((x2 - xm) / dx))
    Rw = (spectrum.B_w_pT * 1e-12 / float(B_T)) ** 2
    total = 0.0
    ok = np.isfinite(fs[:-1]) & np.isfinite(fs[1:])
    for j in np.nonzero(ok & (np.sign(fs[:-1]) != np.sign(fs[1:])))[0]:
        xr = brentq(res, xs[j], xs[j + 1], xtol=1e-15, rtol=1e-13)
        yr = (xr - 1.0 / gamma) / bc
        h = 1e-6 * xr
        dydx = ((xr + h) * mu_par(xr + h) - (xr - h) * mu_par(xr - h)) / (2 * h)
        F = np.sign(yr) / dydx
        total += (Rw * (1.0 - xr * np.cos(a) / (yr * beta)) ** 2 * abs(F) / (dx * abs(bc - F))
                  * np.exp(-((xr - xm) / dx) ** 2))
    return float(np.pi / (2 * nu) * wce / gamma**2 * total)


# --------------------------------------------------------------- bounce averaging


class BounceAveraged(NamedTuple):
    """Bounce-averaged coefficients, s^-1, shape broadcast(alpha_eq, energy).

    D_mu0mu0 is eq. (4)'s <D_mumu>: the coefficient of (1/(h mu0)) d/dmu0 [<D> h mu0 dQ/dmu0]
    in eq. (3). D_alpha0alpha0 = D_mu0mu0 / sin^2(alpha_eq) is the usual <D_alpha0alpha0>/p^2.
    """

    D_mu0mu0: np.ndarray
    D_alpha0alpha0: np.ndarray


def d_alpha0_from_d_mu0(D_mu0mu0, alpha_eq_deg):
    """<D_alpha0alpha0> = <D_mu0mu0> / sin^2(alpha_eq)."""
    return np.asarray(D_mu0mu0) / np.sin(np.radians(alpha_eq_deg)) ** 2


def d_mu0_from_d_alpha0(D_alpha0alpha0, alpha_eq_deg):
    """<D_mu0mu0> = sin^2(alpha_eq) <D_alpha0alpha0>."""
    return np.asarray(D_alpha0alpha0) * np.sin(np.radians(alpha_eq_deg)) ** 2


def bounce_averaged_diffusion(L: float, alpha_eq_deg, energy_MeV, spectrum: WaveSpectrum,
                              ne_cm3: Callable[[np.ndarray], np.ndarray],
                              numerics: WaveNumerics = DEFAULT_NUMERICS,
                              const: dipole.DipoleConstants = dipole.DEFAULT) -> BounceAveraged:
    """Bounce-averaged pitch-angle diffusion of eq. (4) for one wave band (occurrence not applied).

    <D_mu0mu0> = (1 - mu0^2)/mu0^2 < mu^2 (B0/B) D_aa >, with D_aa = D_alpha_alpha/p^2 from
    :func:`local_daa` (= the paper's D_mumu / gamma^2) and <.> the bounce average of eq. (3)
    (``dipole.bounce_average``, Gauss-Chebyshev in lat/lat_m with ``numerics.n_bounce`` nodes).
    D_aa = 0 where |lat| > ``spectrum.max_latitude_deg``.

    Parameters
    ----------
    L : float
        McIlwain L.
    alpha_eq_deg : array_like
        Equatorial pitch angle(s), deg, in (0, 90).
    energy_MeV : array_like
        Kinetic energies, MeV; broadcast against ``alpha_eq_deg``.
    spectrum : WaveSpectrum
    ne_cm3 : callable
        ne_cm3(latitude_rad: ndarray) -> ndarray of electron density, cm^-3, along the line.
    numerics : WaveNumerics
    const : DipoleConstants
        Field strength B = B_E/L^3 sqrt(1+3 sin^2)/cos^6 (``dipole.field_G``).

    Returns
    -------
    BounceAveraged
        D_mu0mu0 and D_alpha0alpha0, s^-1.
    """
    a_eq, e = np.broadcast_arrays(np.asarray(alpha_eq_deg, dtype=float), np.asarray(energy_MeV, dtype=float))
    shape = a_eq.shape
    a_flat = np.ascontiguousarray(a_eq.ravel())
    e_flat = np.ascontiguousarray(e.ravel())
    lat_max = np.radians(spectrum.max_latitude_deg)

    def chi(lat):  # lat shape (P, n_bounce)
        a_loc = np.asarray(dipole.local_pitch_angle_deg(L, a_flat[:, None], lat))
        ratio = np.asarray(dipole.field_ratio_to_equator(lat))
        b_t = np.asarray(dipole.field_G(L, lat, const)) * 1e-4
        ne = np.broadcast_to(np.asarray(ne_cm3(lat), dtype=float), lat.shape)
        ee = np.broadcast_to(e_flat[:, None], lat.shape)
        inside = (np.abs(lat) <= lat_max) & np.isfinite(a_loc) & (a_loc < 90.0)
        d = np.zeros(lat.shape)
        if inside.any():
            d[inside] = local_daa(a_loc[inside], ee[inside], b_t[inside], ne[inside], spectrum, numerics)
        cos2 = np.cos(np.radians(np.where(np.isfinite(a_loc), a_loc, 90.0))) ** 2
        return cos2 / ratio * d

    avg = np.asarray(dipole.bounce_average(L, a_flat, chi, n_points=numerics.n_bounce, const=const))
    mu0 = np.cos(np.radians(a_flat))
    d_a0 = avg / mu0**2
    d_mu0 = (1.0 - mu0**2) * d_a0
    return BounceAveraged(d_mu0.reshape(shape), d_a0.reshape(shape))
