"""Placing electrons born with energies spread over an interval onto an energy grid.

Used by the photoelectron sources (:mod:`hpcsim.physics.photoelectrons`,
:mod:`hpcsim.physics.xray_photoionisation`): a photon band flat in photon energy gives
photoelectrons uniform on [h nu_lo - I, h nu_hi - I]; a line or an Auger electron a single energy.
"""

from __future__ import annotations

import numpy as np


def interval_fractions(lo: np.ndarray, hi: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Fraction of a distribution uniform on [lo, hi] (a delta where lo == hi) in each grid cell.

    Returns shape (len(lo), len(edges) - 1); rows sum to 1 when [lo, hi] lies inside the grid.
    """
    lo_c, hi_c = lo[:, None], hi[:, None]
    overlap = np.clip(np.minimum(hi_c, edges[None, 1:]) - np.maximum(lo_c, edges[None, :-1]), 0.0, None)
    width = hi - lo
    frac = np.divide(overlap, width[:, None], out=np.zeros_like(overlap), where=width[:, None] > 0)
    delta = width <= 0
    if np.any(delta):
        k = np.searchsorted(edges, lo[delta], side="right") - 1
        inside = (k >= 0) & (k < len(edges) - 1)
        rows = np.flatnonzero(delta)[inside]
        frac[rows] = 0.0
        frac[rows, k[inside]] = 1.0
    return frac
