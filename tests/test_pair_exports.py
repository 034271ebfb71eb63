"""Pair files as users export them: a margin-ranking file (two scores and a
-1/1 target) given to cosine_embedding, and embedding list columns under
names of their own (``sentence1``, ``sentence2``) given to contrastive.

Expected values name their source beside them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import losscli
from losscli import LossCliError

from conftest import assert_usage_error


def _margin_ranking_file(tmp_path):
    path = tmp_path / "ranking.csv"
    path.write_text("x1,x2,y\n0.9,0.2,1\n0.1,0.7,-1\n-0.3,0.4,1\n2.0,-1.5,-1\n")
    return path


def test_cosine_embedding_refuses_one_number_per_row(tmp_path, cli) -> None:
    # The cosine of one-number vectors is sign(x1 * x2): these rows give 1 - 1, 1 - 1, 1 - (-1)
    # and max(0, -1) = 0, mean 0.5 whatever the scores (hand-worked), so the file is refused.
    line = assert_usage_error(
        cli("compute", _margin_ranking_file(tmp_path), "--loss", "cosine_embedding"),
        "ranking.csv", "'x1' and 'x2'", "one number per row", "--loss hinge --pred-col d",
    )
    assert "0.5" not in line


def test_cosine_embedding_one_number_arrays_refused() -> None:
    with pytest.raises(LossCliError, match="one number per row"):
        losscli.compute("cosine_embedding", [1, -1], x1=[0.9, 0.1], x2=[0.2, 0.7])


def test_recommend_does_not_suggest_cosine_embedding_on_one_number_columns(tmp_path, cli) -> None:
    result = cli("recommend", "--data", _margin_ranking_file(tmp_path))
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "cosine_embedding" in line and "does not run" in line)
    assert "one number per row" in row


@pytest.mark.torch
def test_hint_for_margin_ranking_is_torch_margin_ranking_loss(tmp_path, cli) -> None:
    # The hint's fix, checked against PyTorch: MarginRankingLoss(margin=1)(x1, x2, y)
    # equals hinge on d = x1 - x2 with the same -1/1 labels.
    torch = pytest.importorskip("torch")
    x1, x2, y = [0.9, 0.1, -0.3, 2.0], [0.2, 0.7, 0.4, -1.5], [1.0, -1.0, 1.0, -1.0]
    t = lambda v: torch.tensor(v, dtype=torch.float64)
    expected = torch.nn.MarginRankingLoss(margin=1.0)(t(x1), t(x2), t(y)).item()
    path = tmp_path / "d.csv"
    path.write_text("d,y\n" + "".join(f"{a - b},{t}\n" for a, b, t in zip(x1, x2, y)))
    result = cli("compute", path, "--loss", "hinge", "--pred-col", "d", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert _json_value(result.stdout) == pytest.approx(expected, rel=1e-12)


def _json_value(text: str) -> float:
    import json

    document = json.loads(text)
    return document["results"][0]["value"]


def _sentence_pairs(tmp_path, labels):
    e1 = [[1.0, 0.0, 2.0], [0.5, 0.5, 0.5], [3.0, 1.0, 0.0]]
    e2 = [[1.0, 1.0, 2.0], [0.5, 0.5, 0.5], [0.0, 1.0, 0.0]]
    path = tmp_path / "pairs.parquet"
    pq.write_table(pa.table({"sentence1": e1, "sentence2": e2, "label": labels}), path)
    return path, np.array(e1), np.array(e2)


def test_contrastive_hint_names_the_two_list_columns(tmp_path, cli) -> None:
    path, e1, e2 = _sentence_pairs(tmp_path, [1, 0, 0])
    line = assert_usage_error(cli("compute", path, "--loss", "contrastive"), "pairs.parquet", "--col x1=sentence1 --col x2=sentence2")
    assert "x1_*" not in line
    # The suggested command runs: d = [1, 0, sqrt(10)]; similar row 1^2 = 1; dissimilar rows
    # with margin 1: (1 - 0)^2 = 1 and max(0, 1 - 3.16)^2 = 0; mean 2 / 3 (hand-worked).
    result = cli("compute", path, "--loss", "contrastive", "--col", "x1=sentence1", "--col", "x2=sentence2", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert _json_value(result.stdout) == pytest.approx(2 / 3, rel=1e-12)


def test_cosine_embedding_hint_names_the_two_list_columns(tmp_path, cli) -> None:
    path, _, _ = _sentence_pairs(tmp_path, [1, -1, -1])
    assert_usage_error(cli("compute", path, "--loss", "cosine_embedding"), "--col x1=sentence1 --col x2=sentence2")


def test_contrastive_hint_lists_the_columns_without_a_pair(tmp_path, cli) -> None:
    path = tmp_path / "other.csv"
    path.write_text("u,v,label\n1,2,1\n")
    line = assert_usage_error(cli("compute", path, "--loss", "contrastive"), "columns: u, v, label")
    assert "x1_*" not in line
