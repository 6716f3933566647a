"""Primary spectra of the fieldline model: Table 1 of paper 000 from the normalisation code."""

import csv
import math

import numpy as np
import pytest

from conftest import REFERENCE
from hpcsim.models.fieldline import sources as src


def table1():
    with open(REFERENCE / "aurora_norm.csv") as fh:
        rows = [r for r in csv.reader(line for line in fh if not line.startswith("#"))]
    return [(kind, float(e0), float(c)) for kind, e0, c in rows[1:]]


#: the paper's Maxwellian 3-keV entry, 3.95, is 7 % above the value of its own formula with the same
#: 600-eV lower limit that reproduces the other eleven entries to their three printed digits (3.68);
#: no upper cutoff or other limit reconciles it with the 5-keV entry (0.796 needs none)
INCONSISTENT = {("maxwellian", 3.0)}


@pytest.mark.parametrize("kind,e0,c_paper", table1())
def test_table1_normalisation(kind, e0, c_paper):
    c = src.normalisation(kind, e0 * 1e3)
    if (kind, e0) in INCONSISTENT:
        assert c == pytest.approx(3.683, rel=1e-3) and c_paper / c == pytest.approx(1.0725, rel=1e-3)
        return
    assert c == pytest.approx(c_paper, rel=0.006)  # three printed digits (measured <= 0.5 %)


def test_closed_form_moments_match_quadrature():
    for kind in src.SPECTRA:
        for e0 in (400.0, 2000.0):
            e = np.linspace(600.0, 600.0 + 80 * e0, 400001)
            quad = np.trapz(e * src.spectrum_shape(kind, e, e0), e)
            assert src.energy_moment(kind, e0) == pytest.approx(quad, rel=1e-4)  # trapezoid error 1e-5


def test_energy_flux_round_trip():
    c = src.normalisation("maxwellian", 1000.0, energy_flux_erg_cm2_s=2.0)
    e = np.linspace(600.0, 80000.0, 400001)
    flux_ev = math.pi * np.trapz(e * c * src.spectrum_shape("maxwellian", e, 1000.0), e)
    assert flux_ev / src.ERG_IN_EV == pytest.approx(2.0, rel=1e-6)
    # the paper's precipitating 2 erg cm-2 s-1 = 1.24e12 eV cm-2 s-1 (aurora_results.csv)
    assert 2.0 * src.ERG_IN_EV == pytest.approx(1.24e12, rel=0.01)
