"""Arrow <-> numpy without pandas: same values as pyarrow's own conversions."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from losscli.io import arrow_numpy


@pytest.mark.parametrize(
    "values, kind",
    [
        ([1.5, None, -2.0, 4.0], pa.float64()),
        ([1.5, 2.5, None], pa.float32()),
        ([1, 2, None, 4], pa.int64()),
        ([3, 1, 2], pa.int32()),
        ([True, None, False, True], pa.bool_()),
        ([7, 8, 9], pa.uint8()),
    ],
)
def test_floats_match_pyarrow(values, kind):
    array = pa.array(values, type=kind)
    expected = np.array([np.nan if v is None else float(v) for v in values])
    np.testing.assert_array_equal(arrow_numpy.floats(array), expected)
    # sliced arrays keep their offset
    np.testing.assert_array_equal(arrow_numpy.floats(array.slice(1)), expected[1:])


def test_chunked_arrays_are_combined():
    chunked = pa.chunked_array([pa.array([1.0, 2.0]), pa.array([None, 4.0])])
    np.testing.assert_array_equal(arrow_numpy.floats(chunked), [1.0, 2.0, np.nan, 4.0])


def test_booleans_validity_and_first_true():
    array = pa.array([False, None, True, True])
    np.testing.assert_array_equal(arrow_numpy.booleans(array), [False, False, True, True])
    np.testing.assert_array_equal(arrow_numpy.validity(array), [True, False, True, True])
    assert arrow_numpy.first_true(array) == 2
    assert arrow_numpy.first_true(pa.array([False, False])) == -1
    assert arrow_numpy.first_true(pa.array([False, True, False]).slice(1)) == 0


def test_from_numpy_round_trips():
    values = np.array([1.0, -2.5, 3.25])
    assert arrow_numpy.from_numpy(values).to_pylist() == values.tolist()
    assert arrow_numpy.from_numpy(np.arange(3)).type == pa.int64()


def test_no_pandas_is_imported():
    code = (
        "import sys, numpy as np, pyarrow as pa, pyarrow.csv as c\n"
        "from losscli.io import arrow_numpy as an\n"
        "t = c.read_csv('sample_data/regression.csv')\n"
        "an.floats(t.column('y_true')); an.from_numpy(np.arange(3.0))\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
