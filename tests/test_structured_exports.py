"""Files as segmentation, metric-learning and CTC training code saves them:
np.argwhere pixel rows, 0/255 PNG masks, padded torch batches."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import assert_usage_error, write_csv

# Two images of 2 x 3 pixels, saved as np.argwhere rows: image_id, y, x, mask, prob.
# y only takes 0 and 1, so read as labels it would pass for a 0/1 mask.
MASK = [1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0]
PROB = [0.9, 0.2, 0.1, 0.7, 0.6, 0.3, 0.1, 0.2, 0.8, 0.4, 0.1, 0.3]
IMAGE = ["a"] * 6 + ["b"] * 6
Y = [0, 0, 0, 1, 1, 1] * 2
X = [0, 1, 2] * 4


def _monai_dice(mask, prob, image, smooth=1e-5):
    # MONAI DiceLoss(smooth_nr=smooth_dr=1e-5, batch=False): per image
    # 1 - (2 sum(p t) + s) / (sum p + sum t + s), averaged over images.
    mask, prob, image = np.asarray(mask, float), np.asarray(prob), np.asarray(image)
    losses = []
    for name in dict.fromkeys(image):
        t, p = mask[image == name], prob[image == name]
        losses.append(1 - (2 * (p * t).sum() + smooth) / (p.sum() + t.sum() + smooth))
    return float(np.mean(losses))


def _value(result, index=0):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["results"][index]["value"]


def _pixels(tmp_path, mask=MASK):
    return write_csv(tmp_path / "pixels.csv", {"image_id": IMAGE, "y": Y, "x": X, "mask": mask, "prob": PROB})


def test_pixel_row_coordinate_is_not_read_as_the_mask(cli, tmp_path):
    # Before, 'y' (0/1 here) was read as the mask and dice came out silently wrong.
    path = _pixels(tmp_path)
    line = assert_usage_error(cli("compute", path, "--loss", "dice", "--sample-col", "image_id"), "'y' beside 'x'", "--label-col mask")
    assert "pixels.csv" in line
    named = cli("compute", path, "--loss", "dice", "--sample-col", "image_id", "--label-col", "mask", "--format", "json")
    assert _value(named) == pytest.approx(_monai_dice(MASK, PROB, IMAGE), rel=1e-9)


def test_one_hot_label_columns_beside_pixel_coordinates(cli, tmp_path):
    # MONAI-style one-hot channels label_0, label_1 beside y, x: the channels are the
    # labels, not 'y'. Expected: MONAI DiceLoss per image, both channels (formula in _monai_dice).
    prob = np.asarray(PROB)
    path = write_csv(
        tmp_path / "onehot.csv",
        {"image_id": IMAGE, "y": Y, "x": X, "prob_0": list(1 - prob), "prob_1": PROB,
         "label_0": [1 - m for m in MASK], "label_1": MASK},
    )
    expected = (_monai_dice([1 - m for m in MASK], 1 - prob, IMAGE) + _monai_dice(MASK, PROB, IMAGE)) / 2
    assert _value(cli("compute", path, "--loss", "dice", "--sample-col", "image_id", "--format", "json")) == pytest.approx(expected, rel=1e-9)


def test_recommend_does_not_read_pixel_rows_as_regression_targets(cli, tmp_path):
    # Before, recommend scored 'prob' against the pixel rows 'y' with mse.
    assert_usage_error(cli("recommend", "--data", _pixels(tmp_path)), "'y' beside 'x'", "--label-col mask")


def test_a_float_x_and_y_are_still_a_regression_file(cli, tmp_path):
    # x, y as a toy regression's feature and target stay readable: y is the target.
    path = write_csv(tmp_path / "xy.csv", {"x": [0.5, 1.5, 2.5], "y": [1.0, 2.0, 3.0], "y_pred": [1.5, 2.0, 2.0]})
    # mse by hand: (0.25 + 0 + 1) / 3
    assert _value(cli("compute", path, "--loss", "mse", "--format", "json")) == pytest.approx(1.25 / 3)


@pytest.mark.parametrize("loss", ["dice", "iou", "tversky:alpha=0.3,beta=0.7"])
def test_a_0_255_mask_reads_with_positive_255(cli, tmp_path, loss):
    # A PNG mask saved as 0/255: --positive 255, which the 'binary label outside [0, 1]'
    # error names, gives the value of the same mask as 0/1 (refused before).
    coded = _pixels(tmp_path)
    png = write_csv(tmp_path / "png.csv", {"image_id": IMAGE, "y": Y, "x": X, "mask": [255 * m for m in MASK], "prob": PROB})
    common = ("--loss", loss, "--sample-col", "image_id", "--label-col", "mask", "--format", "json")
    assert _value(cli("compute", png, *common, "--positive", "255")) == pytest.approx(_value(cli("compute", coded, *common)), rel=1e-12)


def test_recommend_passes_positive_255_for_a_png_mask_and_its_commands_run(cli, tmp_path):
    png = write_csv(tmp_path / "png.csv", {"image_id": IMAGE, "y": Y, "x": X, "mask": [255 * m for m in MASK], "prob": PROB})
    result = cli("recommend", "--data", png, "--label-col", "mask", "--format", "json")
    assert result.exit_code == 0, result.stderr
    commands = [r["command"] for r in json.loads(result.stdout)["recommendations"] if r["loss"] == "dice"]
    assert commands and "--positive 255" in commands[0] and "--sample-col image_id" in commands[0]
    args = commands[0].split()[1:]  # after "losscli"
    assert _value(cli(*args, "--format", "json")) == pytest.approx(_monai_dice(MASK, PROB, IMAGE), rel=1e-9)


# --------------------------------------------------------------------------- CTC from torch batches

LOG_PROBS = [
    [[-0.2, -1.9, -3.0], [-1.5, -0.4, -2.2], [-0.3, -2.1, -1.8]],
    [[-1.2, -0.5, -2.0], [-0.1, -3.0, -2.6]],
]
TARGETS = [[1], [2]]


def test_padded_log_prob_frames_are_refused(cli, tmp_path):
    # A (T_max, N, C) batch saved whole pads the shorter sequence with frames of 0,
    # which read as log-probabilities gave a silently wrong loss.
    padded = [LOG_PROBS[0], LOG_PROBS[1] + [[0.0, 0.0, 0.0]]]
    path = tmp_path / "batch.parquet"
    pq.write_table(pa.table({"log_probs": padded, "targets": TARGETS, "input_lengths": [3, 2]}), path)
    assert_usage_error(cli("compute", path, "--loss", "ctc"), "batch.parquet", "'log_probs'", "row 2", "frame 3", "input_lengths")


def test_target_lengths_is_not_taken_for_the_targets(cli, tmp_path):
    # torch's ctc_loss(log_probs, targets, input_lengths, target_lengths) saved column by
    # column: 'target_lengths' matched the prefix 'target_' and crashed (internal error).
    path = tmp_path / "ctc.parquet"
    pq.write_table(pa.table({"log_probs": LOG_PROBS, "targets": TARGETS, "target_lengths": [1, 1]}), path)
    result = cli("compute", path, "--loss", "ctc", "--reduction", "sum", "--format", "json")
    # The value is checked against torch.nn.functional.ctc_loss in the test below.
    assert result.exit_code == 0, result.stderr
    named = cli("compute", path, "--loss", "ctc", "--label-col", "target_lengths")
    assert_usage_error(named, "'target_lengths'", "one int64 per row", "--label-col")


@pytest.mark.torch
def test_target_lengths_value_matches_torch(cli, tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "ctc.parquet"
    pq.write_table(pa.table({"log_probs": LOG_PROBS, "targets": TARGETS, "target_lengths": [1, 1]}), path)
    padded = torch.zeros(3, 2, 3, dtype=torch.float64)
    for i, frames in enumerate(LOG_PROBS):
        padded[: len(frames), i] = torch.tensor(frames, dtype=torch.float64)
    # torch.nn.functional.ctc_loss(..., blank=0, reduction="sum")
    expected = torch.nn.functional.ctc_loss(padded, torch.tensor([1, 2]), torch.tensor([3, 2]), torch.tensor([1, 1]), reduction="sum").item()
    value = _value(cli("compute", path, "--loss", "ctc", "--reduction", "sum", "--format", "json"))
    assert value == pytest.approx(expected, rel=1e-9)


def test_integer_x_and_y_without_a_mask_are_still_a_regression_file(cli, tmp_path):
    # A toy regression of whole numbers: no mask column beside, so y is the target.
    path = write_csv(tmp_path / "xy.csv", {"x": [1, 2, 3], "y": [2, 4, 6], "y_pred": [2.5, 4.0, 5.0]})
    # mse by hand: (0.25 + 0 + 1) / 3
    assert _value(cli("compute", path, "--loss", "mse", "--format", "json")) == pytest.approx(1.25 / 3)
