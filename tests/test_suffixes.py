"""What tells the columns of one input apart: the suffix after their shared
prefix (README "Columns"). Expected suffixes are worked by hand from that rule."""

from __future__ import annotations

import pytest

from losscli.io.suffixes import suffixes


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("prob_cat", "prob_cow"), ("cat", "cow")),  # cut back to the separator, not to 'prob_c'
        (("prob_10", "prob_11", "prob_1"), ("10", "11", "1")),
        (("class0", "class1", "class10"), ("0", "1", "10")),  # numbered without a separator
        (("p10", "p11"), ("10", "11")),
        (("0", "1", "2"), ("0", "1", "2")),  # scikit-learn's predict_proba columns
        (("scores.cat", "scores.dog"), ("cat", "dog")),  # fields of a struct
        (("cat", "dog"), ("cat", "dog")),
        (("prob", "prob_1"), ("prob", "prob_1")),  # no separator in what they share: the whole names
        (("p_", "p_1"), None),  # one name is all prefix
        (("prob_1",), None),
    ],
)
def test_suffixes_follow_the_shared_prefix_up_to_a_separator(names, expected):
    assert suffixes(names) == expected
