"""The four whistler-mode wave types of Table 6 of the paper (after Abel and Thorne 1998).

Table 6 of Khazanov, Liemohn et al. (paper ``001_bb23716bc5c9e956.txt``; also
``shared/reference/beam_waves.csv``) gives, for plasmaspheric hiss, lightning-generated
whistlers and two VLF transmitter bands, Gaussian spectra in frequency (f_m, f_w) and in
wave-normal angle (theta_m = 45 deg, theta_w = 22.5 deg), amplitudes B_w and occurrence
rates. The distributions are cut off at zeta_LC = zeta_m - zeta_w and zeta_UC = zeta_m +
2 zeta_w for zeta = f and for x = tan(theta). We take x_m = tan(theta_m) = 1 and
x_w = tan(theta_w) = 0.414 (our reading: the paper gives the widths as angles), so
x in [0.586, 1.828], theta in [30.4, 61.3] deg.

L dependence (``docs/physics/bounce_waves.md``, section "Wave models"):

* hiss occurrence 10 % at L <= 2, 50 % at L >= 3, linear in between (paper: 10 % at L = 2,
  50 % at L = 3 and 4; the interpolation is our choice);
* lightning whistlers 3 %, VLF bands 2.4 %, independent of L;
* VLF amplitude B_w(L) = B_max * a(L), a(L) piecewise linear through the nodes of
  :data:`VLF_AMPLITUDE_NODES` (our parameterisation after the description in the paper of
  Abel and Thorne 1998: peak at L = 1.8, lesser peak near L = 3, zero below L = 1.3 and
  above L = 3); B_max = 18 pT (VLF1) and 19 pT (VLF2), the upper ends of Table 6's ranges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hpcsim.physics.waves import WaveSpectrum

__all__ = [
    "VLF_AMPLITUDE_NODES",
    "HISS_OCCURRENCE_NODES",
    "WaveType",
    "HISS",
    "LIGHTNING_WHISTLERS",
    "VLF1",
    "VLF2",
    "PAPER_WAVES",
    "paper_spectra",
]

#: (L, B_w / B_max) nodes of the VLF amplitude profile (linear in between, 0 outside).
VLF_AMPLITUDE_NODES = ((1.3, 0.0), (1.8, 1.0), (2.4, 0.25), (2.9, 0.5), (3.0, 0.0))
#: (L, occurrence) nodes of hiss (constant beyond the end nodes).
HISS_OCCURRENCE_NODES = ((2.0, 0.10), (3.0, 0.50))


def _piecewise(nodes, L, outside_zero: bool) -> float:
    xs = np.array([n[0] for n in nodes])
    ys = np.array([n[1] for n in nodes])
    if outside_zero and (L < xs[0] or L > xs[-1]):
        return 0.0
    return float(np.interp(L, xs, ys))


@dataclass(frozen=True)
class WaveType:
    """One wave type of Table 6 as data.

    Attributes
    ----------
    name : str
        Short name used as the key in tables ("hiss", "lightning", "vlf1", "vlf2").
    f_mean_Hz, f_width_Hz : float
        f_m and f_w, Hz.
    theta_mean_deg, theta_width_deg : float
        theta_m and theta_w, deg.
    B_w_pT : float
        Amplitude, pT (for the VLF bands the maximum, scaled by ``amplitude_nodes``).
    occurrence : float
        Occurrence fraction (for hiss replaced by ``occurrence_nodes``).
    amplitude_nodes : tuple or None
        (L, factor) nodes of B_w(L)/B_w, zero outside; None for constant.
    occurrence_nodes : tuple or None
        (L, occurrence) nodes, constant beyond the ends; None for constant.
    max_latitude_deg : float
        Waves present for |lat| <= this (our choice, 45 deg for all; see the docs).
    """

    name: str
    f_mean_Hz: float
    f_width_Hz: float
    theta_mean_deg: float
    theta_width_deg: float
    B_w_pT: float
    occurrence: float
    amplitude_nodes: tuple | None = None
    occurrence_nodes: tuple | None = None
    max_latitude_deg: float = 45.0

    @property
    def f_lower_Hz(self) -> float:
        return self.f_mean_Hz - self.f_width_Hz

    @property
    def f_upper_Hz(self) -> float:
        return self.f_mean_Hz + 2.0 * self.f_width_Hz

    @property
    def x_mean(self) -> float:
        return math.tan(math.radians(self.theta_mean_deg))

    @property
    def x_width(self) -> float:
        return math.tan(math.radians(self.theta_width_deg))

    @property
    def x_lower(self) -> float:
        return max(0.0, self.x_mean - self.x_width)

    @property
    def x_upper(self) -> float:
        return self.x_mean + 2.0 * self.x_width

    def amplitude_pT(self, L: float) -> float:
        """B_w at L, pT."""
        if self.amplitude_nodes is None:
            return self.B_w_pT
        return self.B_w_pT * _piecewise(self.amplitude_nodes, float(L), outside_zero=True)

    def occurrence_at(self, L: float) -> float:
        """Occurrence fraction at L."""
        if self.occurrence_nodes is None:
            return self.occurrence
        return _piecewise(self.occurrence_nodes, float(L), outside_zero=False)

    def spectrum_at(self, L: float) -> WaveSpectrum:
        """The :class:`~hpcsim.physics.waves.WaveSpectrum` of this wave at L."""
        return WaveSpectrum(
            name=self.name, f_mean_Hz=self.f_mean_Hz, f_width_Hz=self.f_width_Hz,
            f_lower_Hz=self.f_lower_Hz, f_upper_Hz=self.f_upper_Hz,
            x_mean=self.x_mean, x_width=self.x_width, x_lower=self.x_lower, x_upper=self.x_upper,
            B_w_pT=self.amplitude_pT(L), occurrence=self.occurrence_at(L),
            max_latitude_deg=self.max_latitude_deg)


HISS = WaveType("hiss", 550.0, 300.0, 45.0, 22.5, 10.0, 0.10, occurrence_nodes=HISS_OCCURRENCE_NODES)
LIGHTNING_WHISTLERS = WaveType("lightning", 4500.0, 2000.0, 45.0, 22.5, 10.0, 0.03)
VLF1 = WaveType("vlf1", 17100.0, 50.0, 45.0, 22.5, 18.0, 0.024, amplitude_nodes=VLF_AMPLITUDE_NODES)
VLF2 = WaveType("vlf2", 22300.0, 50.0, 45.0, 22.5, 19.0, 0.024, amplitude_nodes=VLF_AMPLITUDE_NODES)

#: Table 6 in column order.
PAPER_WAVES = (HISS, LIGHTNING_WHISTLERS, VLF1, VLF2)


def paper_spectra(L: float, waves=PAPER_WAVES) -> dict:
    """{name: WaveSpectrum} of the Table 6 waves at L (VLF amplitude and hiss occurrence set)."""
    return {w.name: w.spectrum_at(L) for w in waves}
