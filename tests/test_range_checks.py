"""The fast range checks the kernels run before their row-by-row checks.

``within`` answers [0, high] on float64 from the values' bit patterns in one
pass; the expected answers here come from the plain comparison
``(values >= low) & (values <= high)`` over every value.
"""

from __future__ import annotations

import numpy as np
import pytest

from losscli.errors import LossCliError
from losscli.losses._checks import check_class_index, within

EDGES = np.array(
    [
        0.0,
        -0.0,
        5e-324,  # the smallest subnormal
        -5e-324,
        1.0,
        np.nextafter(1.0, 2.0),
        np.nextafter(1.0, 0.0),
        3.0,
        np.nextafter(3.0, 4.0),
        np.inf,
        -np.inf,
        np.nan,
        -np.nan,  # NaN with its sign bit set
        1e308,
        -1e-300,
    ]
)


def _plain(values: np.ndarray, low: float, high: float) -> bool:
    return bool(np.all((values >= low) & (values <= high)))


@pytest.mark.parametrize("high", [1.0, 3.0, 0.0, np.inf])
def test_within_zero_and_high_agrees_with_comparing_every_value(high):
    rng = np.random.default_rng(7)
    for _ in range(400):
        size = int(rng.integers(1, 6))
        values = np.where(rng.random(size) < 0.5, rng.choice(EDGES, size), rng.uniform(-0.5, 3.5, size))
        assert within(values, 0.0, high) == _plain(values, 0.0, high), (values, high)


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_within_reads_matrices_in_any_layout(layout):
    rng = np.random.default_rng(3)
    matrix = rng.random((50, 4))
    if layout == "F":
        matrix = np.asfortranarray(matrix)
    elif layout == "strided":
        matrix = rng.random((100, 8))[::2, ::2]
    assert within(matrix, 0.0, 1.0)
    matrix[17, 2] = 1.0 + 1e-12
    assert not within(matrix, 0.0, 1.0)
    matrix[17, 2] = -0.0
    assert within(matrix, 0.0, 1.0)  # -0.0 is in [0, 1]


def test_within_other_bounds_and_types_compare_every_value():
    assert within(np.array([0.5, 2.0]), 0.5, 2.0)
    assert not within(np.array([0.49, 2.0]), 0.5, 2.0)
    assert within(np.array([0, 3, 9]), 0, 9)  # integers
    assert not within(np.array([0, 3, 10]), 0, 9)
    assert within(np.array([0.25, 1.0], dtype=np.float32), 0.0, 1.0)
    assert not within(np.array([np.nan], dtype=np.float32), 0.0, 1.0)
    assert within(np.array([]), 0.0, 1.0)


def test_integer_class_labels_are_checked_for_range_only():
    labels = np.array([0, 2, 1], dtype=np.int64)
    assert check_class_index(labels, 3).tolist() == [0, 2, 1]
    with pytest.raises(LossCliError, match=r"class label outside the 3 classes 0\.\.2"):
        check_class_index(np.array([0, 3], dtype=np.int64), 3)
    with pytest.raises(LossCliError, match="class label is not an integer"):
        check_class_index(np.array([0.0, 1.5]), 3)
    assert check_class_index(np.array([2.0, 0.0]), 3).tolist() == [2, 0]
