"""Figure 4 of the bounce paper: the drift advection after one and two drift periods.

The paper reports that the 15-min Gaussian first reshapes into a flatter, broader
maximum and then changes little, and that the count is kept to six digits. We assert
those behaviours with the numbers measured by tools/bounce_fig4.py (L = 2, dt = 1.5 s,
240 MLT cells): centroids within 0.1 cell of the exact drift, peak ratios 0.73-0.82,
L1 errors 0.18-0.26 growing by less than 0.06 from the first to the second period.
"""

from __future__ import annotations

import sys

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
from bounce_fig4 import drift_accuracy  # noqa: E402


@pytest.fixture(scope="module")
def fig4():
    return drift_accuracy(L=2.0, dt_s=1.5)[1]


def test_nine_columns_of_tables_3_and_4(fig4):
    assert len(fig4) == 9
    periods = sorted(round(r["drift_period_s"], 1) for r in fig4)
    assert periods[0] == pytest.approx(500.6, abs=0.3) and periods[-1] == pytest.approx(735.9, abs=0.3)


def test_beam_moves_at_the_drift_rate(fig4):
    for r in fig4:
        assert abs(r["centroid_shift_cells_1"]) < 0.1 and abs(r["centroid_shift_cells_2"]) < 0.1


def test_shape_settles_after_first_reshaping(fig4):
    for r in fig4:
        assert 0.70 < r["peak_ratio_2"] < r["peak_ratio_1"] < 0.85
        assert r["l1_error_1"] < 0.25 and r["l1_error_2"] - r["l1_error_1"] < 0.06


def test_count_conserved(fig4):
    for r in fig4:
        assert abs(r["count_change_1"]) < 1e-12 and abs(r["count_change_2"]) < 1e-12
