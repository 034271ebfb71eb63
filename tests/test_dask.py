"""The Dask engine gives the local engine's numbers on partitioned Parquet.

The reference for every value here is the local engine itself
(``losscli.evaluation.evaluate_file``) on the same rows in one file: the two
engines share kernels and accumulators, so they may differ only by the order
floating-point sums are taken in (1e-12 relative). The cluster is real:
two worker processes, so every partial state crosses a process boundary
(pickled) and merges in a tree. The local engine's own values are checked
against their references in the family tests.
"""

from __future__ import annotations

import json
import logging
import math
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from losscli.errors import LossCliError
from losscli.evaluation import evaluate_file
from losscli.io.plan import InputOptions
from losscli.registry import all_specs, bind, get, parse_spec
from losscli.render import json_document

from examples import all_examples, as_arrays, split

REL = 1e-12
GROUPS = 3
FILES_PER_GROUP = 2


# =========================================================================== fixtures and helpers


@pytest.fixture(scope="module")
def cluster():
    """One local cluster for the module: 2 worker processes, 1 thread each."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        # Its health-check HTTP server on any free port, not on 8787 where another cluster may be.
        scheduler_kwargs={"dashboard_address": ":0"},
        silence_logs=logging.ERROR,
    ) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    import distributed

    with distributed.Client(cluster) as connected:
        yield connected


@pytest.fixture
def dask_installed():
    pytest.importorskip("dask")
    pytest.importorskip("distributed")


def evaluate_dask(*args, **kwargs):
    from losscli.distributed import evaluate_dask as run

    return run(*args, **kwargs)


def to_arrow(values: np.ndarray) -> pa.Array:
    """A role's array as a column: numbers, a list column for several columns,
    a list (of lists) column for sequences."""
    if values.dtype == object:
        return pa.array([np.asarray(item).tolist() for item in values])
    if values.ndim == 2:
        return pa.array(values.tolist(), type=pa.list_(pa.float64()))
    return pa.array(values)


def write_parts(table: pa.Table, folder, files: int) -> None:
    """Split ``table`` into ``files`` consecutive Parquet files."""
    folder.mkdir(parents=True, exist_ok=True)
    bounds = np.linspace(0, table.num_rows, files + 1).astype(int)
    for index, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        pq.write_table(table.slice(lo, hi - lo), folder / f"part-{index}.parquet")


def write_hive(table: pa.Table, folder, column: str) -> None:
    """``column=value/`` folders, FILES_PER_GROUP files in each; the column leaves the files."""
    bounds = np.linspace(0, table.num_rows, FILES_PER_GROUP + 1).astype(int)
    for index, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        pq.write_to_dataset(table.slice(lo, hi - lo), folder, partition_cols=[column], basename_template=f"half{index}-{{i}}.parquet")


def assert_same_report(local, distributed) -> None:
    """The same results, keys and counts; values equal to 1e-12 relative."""
    assert local.rows == distributed.rows
    assert len(local.results) == len(distributed.results)
    for a, b in zip(local.results, distributed.results):
        left, right = a.as_dict(), b.as_dict()
        value_a, value_b = left.pop("value"), right.pop("value")
        left.pop("model"), right.pop("model")
        assert left == right
        if value_a is None:
            assert value_b is None, (a.loss.name, a.group, value_b)
        else:
            assert math.isclose(value_a, value_b, rel_tol=REL, abs_tol=1e-15), (a.loss.name, a.group, value_a, value_b)


def example_table(name: str, n: int = 120, seed: int = 3):
    """(table, bound loss, role -> column) for a loss's example, plus a group
    column ``g`` and a weight column ``w``."""
    spec = get(name)
    rng = np.random.default_rng(seed)
    arrays, params, _, _ = split(spec, all_examples()[name](rng, n))
    arrays = as_arrays(spec, arrays)
    columns = {role: to_arrow(values) for role, values in arrays.items()}
    columns["g"] = pa.array(rng.integers(0, GROUPS, size=n))
    columns["w"] = pa.array(rng.uniform(0.5, 2.0, size=n))
    return pa.table(columns), bind(spec, params), {role: role for role in arrays}


STREAMING = sorted(name for name in all_examples() if get(name).streams)


# =========================================================================== the same numbers


def test_mse_and_bce_on_a_partitioned_directory_equal_the_local_engine(tmp_path, cluster):
    """``losscli compute DIR --engine dask --loss mse --loss bce``: the very
    JSON document the local engine gives, values to 1e-12 relative."""
    rng = np.random.default_rng(0)
    n = 5000
    table = pa.table({"y_true": (rng.random(n) < 0.3).astype(float), "y_pred": rng.random(n)})
    # More files than one merge task takes (SPLIT_EVERY = 8): two levels of merges.
    write_parts(table, tmp_path / "preds", files=12)
    losses = [parse_spec("mse"), parse_spec("bce")]
    options = InputOptions(predictions=str(tmp_path / "preds"))
    local, _, _ = evaluate_file(options, losses)
    distributed, plan, accumulators = evaluate_dask(options, losses, reduction="mean", scheduler=cluster.scheduler_address)
    assert_same_report(local, distributed)
    assert distributed.rows == n and distributed.predictions == [str(tmp_path / "preds")]
    assert plan.stats.rows == n and len(accumulators) == 2
    local_doc, dask_doc = json.loads(json_document(local)), json.loads(json_document(distributed))
    for result in dask_doc["results"]:
        result["value"] = pytest.approx(result["value"], rel=REL)
    assert local_doc == dask_doc
    # The value itself, from numpy on the same rows (mean squared error).
    y, p = table["y_true"].to_numpy(), table["y_pred"].to_numpy()
    assert distributed.results[0].value == pytest.approx(np.mean((p - y) ** 2), rel=REL)


@pytest.mark.parametrize("name", STREAMING)
def test_every_streaming_loss_equals_the_local_engine_on_hive_partitions(name, tmp_path, client):
    """Hive folders ``g=0/ g=1/ g=2/`` with two files each, weights, ``--by g``:
    overall and per-group values equal the local engine's on one flat file."""
    table, bound, roles = example_table(name)
    pq.write_table(table, tmp_path / "flat.parquet")
    write_hive(table, tmp_path / "hive", "g")
    assert len(list((tmp_path / "hive").rglob("*.parquet"))) == GROUPS * FILES_PER_GROUP
    flat = InputOptions(predictions=str(tmp_path / "flat.parquet"), role_cols=roles, by="g", weight_col="w")
    hive = InputOptions(predictions=str(tmp_path / "hive"), role_cols=roles, by="g", weight_col="w")
    local, _, local_accs = evaluate_file(flat, [bound])
    distributed, _, dask_accs = evaluate_dask(hive, [bound], client=client)
    assert len(distributed.results) == 1 + GROUPS
    assert_same_report(local, distributed)
    # --reduction sum finalizes the same merged states.
    local_sums, dask_sums = local_accs[0].finalize("sum", True), dask_accs[0].finalize("sum", True)
    for a, b in zip(local_sums.groups, dask_sums.groups):
        assert a.key == b.key and a.n == b.n
        assert (a.value is None and b.value is None) or math.isclose(a.value, b.value, rel_tol=REL, abs_tol=1e-15), (a, b)


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
def test_per_sample_losses_merge_samples_spread_over_files(name, tmp_path, client):
    """--sample-col: a sample's pixels lie in several files; its sums still
    meet before the ratio is taken, so per-sample values equal the local ones."""
    table, bound, roles = example_table(name, n=150)
    rng = np.random.default_rng(9)
    table = table.append_column("sid", pa.array(rng.integers(0, 7, size=table.num_rows)))
    pq.write_table(table, tmp_path / "flat.parquet")
    write_parts(table, tmp_path / "parts", files=4)
    local, _, local_accs = evaluate_file(InputOptions(str(tmp_path / "flat.parquet"), role_cols=roles, sample_col="sid"), [bound])
    distributed, _, dask_accs = evaluate_dask(InputOptions(str(tmp_path / "parts"), role_cols=roles, sample_col="sid"), [bound], client=client)
    assert_same_report(local, distributed)
    local_keys, local_values = local_accs[0].per_sample_values()
    dask_keys, dask_values = dask_accs[0].per_sample_values()
    order_local, order_dask = np.argsort([k[1] for k in local_keys]), np.argsort([k[1] for k in dask_keys])
    assert sorted(local_keys) == sorted(dask_keys) and len(dask_keys) == 7
    np.testing.assert_allclose(dask_values[order_dask], local_values[order_local], rtol=REL)


def test_spark_ml_vectors_are_read_as_the_local_engine_reads_them(tmp_path, client):
    """A Spark output directory: the probability vectors, dense and sparse,
    are matrices on the workers too, and a broken one names its file and row."""
    from test_spark_vectors import LABELS3, PROBS3, SPARSE3, cce, spark_directory, spark_table

    folder = spark_directory(tmp_path / "preds.parquet", spark_table(LABELS3, PROBS3, SPARSE3), split=4)
    options = InputOptions(str(folder), role_cols={"y_pred": "probability", "y_true": "label"})
    distributed, _, _ = evaluate_dask(options, [parse_spec("cce")], client=client)
    # -(ln .7 + ln .9 + ln .6 + ln .6 + ln .8 + ln 1) / 6 (numpy on the dense matrix)
    assert distributed.results[0].value == pytest.approx(cce(LABELS3, PROBS3), rel=1e-12)

    broken = spark_table(LABELS3, PROBS3, SPARSE3).to_pylist()
    broken[5]["probability"]["indices"][0] = 3  # row 2 of the second part: index 3 of a size-3 vector
    table = pa.Table.from_pylist(broken, schema=spark_table(LABELS3, PROBS3).schema)
    folder = spark_directory(tmp_path / "broken.parquet", table, split=4)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(folder), role_cols={"y_pred": "probability", "y_true": "label"}), [parse_spec("cce")], client=client)
    assert (error.value.file, error.value.column, error.value.row) == (str(folder / "part-00001-5f1c.snappy.parquet"), "probability", 2)
    assert error.value.args[0] == "sparse vector index 3 is outside its size 3"


def test_a_glob_and_omitted_rows_count_like_the_local_engine(tmp_path, client):
    """--nan-policy omit: a file whose every row is NaN adds nothing, the
    count of omitted rows is the dataset's."""
    rng = np.random.default_rng(4)
    table = pa.table({"y_true": rng.normal(size=400), "y_pred": rng.normal(size=400)})
    pred = table["y_pred"].to_numpy().copy()
    pred[:100] = np.nan  # all of part-0
    pred[250] = np.inf
    table = table.set_column(1, "y_pred", pa.array(pred))
    write_parts(table, tmp_path / "parts", files=4)
    pq.write_table(table, tmp_path / "flat.parquet")
    losses = [parse_spec("mae"), parse_spec("huber:delta=0.5")]
    local, _, _ = evaluate_file(InputOptions(str(tmp_path / "flat.parquet"), nan_policy="omit"), losses)
    distributed, plan, _ = evaluate_dask(InputOptions(str(tmp_path / "parts" / "part-*.parquet"), nan_policy="omit"), losses, client=client)
    assert_same_report(local, distributed)
    assert distributed.rows == 299 and plan.stats.omitted == 101
    assert distributed.notes == local.notes == ["101 rows with missing, NaN or infinite values were omitted (--nan-policy omit)"]


def test_the_default_scheduler_is_a_local_cluster_started_and_closed_for_the_call(tmp_path, monkeypatch, dask_installed):
    import distributed

    made = []
    real = distributed.LocalCluster

    def recording(**options):
        # One in-process worker keeps this fast; the options losscli chose are checked below.
        made.append((options, real(**{**options, "processes": False, "n_workers": 1})))
        return made[-1][1]

    monkeypatch.setattr(distributed, "LocalCluster", recording)
    rng = np.random.default_rng(5)
    table = pa.table({"y_true": rng.normal(size=300), "y_pred": rng.normal(size=300)})
    write_parts(table, tmp_path / "parts", files=3)
    options = InputOptions(str(tmp_path / "parts"))
    local, _, _ = evaluate_file(options, [parse_spec("log_cosh")])
    distributed_report, _, _ = evaluate_dask(options, [parse_spec("log_cosh")], scheduler=None)
    assert_same_report(local, distributed_report)
    (chosen, cluster), = made
    assert chosen["processes"] is True and chosen["dashboard_address"] is None
    assert cluster.status.name == "closed"


def test_an_fsspec_url_is_read_through_its_filesystem(dask_installed):
    """memory:// stands in for s3:// (no network): files are listed and opened
    through fsspec, and errors name the file by its URL."""
    import fsspec

    memory = fsspec.filesystem("memory")
    rng = np.random.default_rng(6)
    table = pa.table({"y_true": rng.normal(size=200), "y_pred": rng.normal(size=200), "region": ["eu"] * 200})
    for index in range(2):
        with memory.open(f"/losscli-test/run/region=r{index}/part-0.parquet", "wb") as handle:
            pq.write_table(table.slice(index * 100, 100).drop_columns(["region"]), handle)
    memory.pipe("/losscli-test/run/_SUCCESS", b"")
    try:
        options = InputOptions("memory://losscli-test/run", by="region")
        # memory:// lives in this process only: dask's in-process scheduler.
        report, _, _ = evaluate_dask(options, [parse_spec("mse")], scheduler="synchronous")
        y, p = table["y_true"].to_numpy(), table["y_pred"].to_numpy()
        values = {None if r.group is None else r.group["region"]: r.value for r in report.results}
        assert values[None] == pytest.approx(np.mean((p - y) ** 2), rel=REL)
        assert values["r1"] == pytest.approx(np.mean((p[100:] - y[100:]) ** 2), rel=REL)
        memory.pipe("/losscli-test/run/region=r2/part-0.parquet", b"not parquet")
        with pytest.raises(LossCliError) as error:
            evaluate_dask(options, [parse_spec("mse")], scheduler="synchronous")
        assert "memory://losscli-test/run/region=r2/part-0.parquet" in str(error.value)
    finally:
        memory.rm("/losscli-test", recursive=True)


def test_partition_keys_are_columns_only_when_named(tmp_path, dask_installed):
    """Role defaults find what the local engine finds in the files: an
    integer folder key is not a second numeric column for them."""
    from losscli.distributed import find_dataset

    table = pa.table({"score": [0.2, 0.4, 0.9, 0.1], "fold": [1, 1, 2, 2]})
    write_hive(table, tmp_path / "hive", "fold")
    assert [c.name for c in find_dataset(str(tmp_path / "hive")).columns] == ["score"]
    named = find_dataset(str(tmp_path / "hive"), {"fold"})
    assert [c.name for c in named.columns] == ["score", "fold"] and str(named.columns[1].type) == "int64"
    assert sorted(dict(p.partition)["fold"] for p in named.parts) == [1, 2]


# =========================================================================== what is refused, and errors


def test_wasserstein_distance_is_refused_because_it_does_not_merge(tmp_path, dask_installed):
    table, bound, roles = example_table("wasserstein_distance")
    write_parts(table, tmp_path / "parts", files=2)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "parts"), role_cols=roles), [parse_spec("mse"), bound], scheduler="synchronous")
    text = str(error.value)
    assert "wasserstein_distance cannot be evaluated on the dask engine" in text and "--engine local" in text


def test_every_loss_that_needs_all_values_at_once_is_refused(dask_installed):
    from losscli.distributed import dask_problem

    for spec in all_specs():
        assert (dask_problem(bind(spec, {})) is None) == spec.streams, spec.name


def test_long_format_ctc_is_refused(tmp_path, dask_installed):
    """One row per frame (a list of class log-probabilities) grouped by
    --sample-col: a sequence's frames may be in different files."""
    frames = np.log(np.full((6, 3), 1 / 3))
    table = pa.table({"utt": [0, 0, 0, 1, 1, 1], "y_pred": pa.array(frames.tolist()), "y_true": ["1", "1", "1", "2", "2", "2"]})
    write_parts(table, tmp_path / "frames", files=2)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "frames"), sample_col="utt"), [parse_spec("ctc")], scheduler="synchronous")
    assert "long format" in str(error.value) and "one row per sequence" in str(error.value)


@pytest.mark.parametrize(
    "options, fragment",
    [
        (InputOptions("preds", labels="labels.parquet"), "--labels and --key are for the local engine"),
        (InputOptions("-"), "not stdin"),
        (InputOptions("preds", input_format="csv"), "reads Parquet datasets, not csv"),
    ],
)
def test_inputs_the_dask_engine_does_not_read_are_refused(options, fragment, dask_installed):
    with pytest.raises(LossCliError) as error:
        evaluate_dask(options, [parse_spec("mse")], scheduler="synchronous")
    assert fragment in str(error.value)


def test_a_csv_file_is_refused_with_the_way_out(tmp_path, dask_installed):
    (tmp_path / "preds.csv").write_text("y_true,y_pred\n1,2\n")
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "preds.csv")), [parse_spec("mse")], scheduler="synchronous")
    assert "reads Parquet" in str(error.value) and "--engine local" in str(error.value)


def test_bad_values_are_reported_with_their_file_and_row(tmp_path, client):
    rng = np.random.default_rng(7)
    pred = rng.random(300)
    pred[200 + 17] = 1.5  # row 18 of part-2
    write_parts(pa.table({"y_true": (rng.random(300) < 0.5).astype(float), "y_pred": pred}), tmp_path / "parts", files=3)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "parts")), [parse_spec("bce")], client=client)
    assert error.value.file == str(tmp_path / "parts" / "part-2.parquet") and error.value.row == 18


def test_missing_values_are_an_error_naming_the_file_by_default(tmp_path, client):
    pred = np.linspace(0, 1, 200)
    pred[150] = np.nan  # row 51 of part-1
    write_parts(pa.table({"y_true": np.zeros(200), "y_pred": pred}), tmp_path / "parts", files=2)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "parts")), [parse_spec("mse")], client=client)
    assert error.value.file == str(tmp_path / "parts" / "part-1.parquet")
    assert "the first at row 51" in str(error.value)


def test_a_file_without_a_column_the_dataset_has_is_named(tmp_path, client):
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(pa.table({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.5]}), folder / "a.parquet")
    pq.write_table(pa.table({"y_true": [1.0, 2.0], "other": [1.5, 2.5]}), folder / "b.parquet")
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(folder)), [parse_spec("mse")], client=client)
    assert "column 'y_pred' is missing from this file" in str(error.value) and error.value.file.endswith("b.parquet")


def test_a_group_column_of_another_type_in_one_file_is_named(tmp_path, client):
    # Each task reads one file, so 0 and "0" would otherwise reach the merge as two groups.
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(pa.table({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.5], "fold": pa.array([0, 1], pa.int64())}), folder / "a.parquet")
    pq.write_table(pa.table({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.5], "fold": pa.array(["0", "1"])}), folder / "b.parquet")
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(folder), by="fold"), [parse_spec("mse")], client=client)
    assert error.value.file == str(folder / "b.parquet") and error.value.column == "fold"
    assert f"'fold' holds string here but int64 in {folder / 'a.parquet'}; --by needs one type" in str(error.value)


def test_an_unknown_column_fails_before_any_task_runs(tmp_path, dask_installed):
    write_parts(pa.table({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.5]}), tmp_path / "parts", files=2)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "parts"), by="regoin"), [parse_spec("mse")], scheduler="synchronous")
    assert "no column 'regoin' for --by" in str(error.value)


@pytest.mark.parametrize("nan_policy, message", [("omit", "every row (4) has a missing value"), ("error", "no data rows")])
def test_nothing_to_evaluate_in_the_whole_dataset_is_an_error(tmp_path, nan_policy, message, dask_installed):
    values = [np.nan] * 4 if nan_policy == "omit" else []
    write_parts(pa.table({"y_true": pa.array(values, pa.float64()), "y_pred": pa.array(values, pa.float64())}), tmp_path / "parts", files=2)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "parts"), nan_policy=nan_policy), [parse_spec("mse")], scheduler="synchronous")
    assert message in str(error.value)


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, dask_installed):
    import dask

    write_parts(pa.table({"y_true": [1.0], "y_pred": [1.5]}), tmp_path / "parts", files=1)
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        with pytest.raises(LossCliError) as error:
            evaluate_dask(InputOptions(str(tmp_path / "parts")), [parse_spec("mse")], scheduler="tcp://127.0.0.1:9")
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in str(error.value)


def test_an_fsspec_protocol_without_its_package_names_the_package(dask_installed):
    pytest.importorskip("fsspec")
    if "s3fs" in sys.modules or _importable("s3fs"):
        pytest.skip("s3fs is installed; the message is for when it is not")
    from losscli.distributed import find_dataset

    with pytest.raises(LossCliError) as error:
        find_dataset("s3://bucket/predictions")
    assert "s3fs" in str(error.value)


def test_workers_without_losscli_get_an_install_hint():
    from losscli.distributed import explain_worker_import

    explained = explain_worker_import(ModuleNotFoundError("No module named 'losscli'", name="losscli"))
    assert isinstance(explained, LossCliError) and "pip install 'losscli[dask]'" in str(explained)
    other = ModuleNotFoundError("No module named 'foo'", name="foo")
    assert explained is not other and explain_worker_import(other) is other


@pytest.mark.parametrize("missing", [("dask", "dask.bag"), ("distributed",)])
def test_without_the_extra_the_error_names_the_install_command(missing, monkeypatch, tmp_path):
    # None in sys.modules makes an import fail as if the package were absent
    # (dask.bag too: once imported, `import dask.bag` would not look at dask).
    for name in missing:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path)), [parse_spec("mse")], scheduler=None)
    text = str(error.value)
    assert f"--engine dask needs the optional Dask extra ({missing[0]} is not installed)" in text
    assert "pip install 'losscli[dask]'" in text


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_an_unknown_column_offers_the_folder_keys(tmp_path, dask_installed):
    for region in ("eu", "us"):
        (tmp_path / "ds" / f"region={region}").mkdir(parents=True)
        pq.write_table(pa.table({"y_true": [1.0], "y_pred": [1.5]}), tmp_path / "ds" / f"region={region}" / "part-0.parquet")
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "ds"), by="regoin"), [parse_spec("mse")], scheduler="synchronous")
    assert "no column 'regoin' for --by; did you mean 'region'?" in str(error.value)
    assert error.value.hint == "columns: y_true, y_pred, region"


def test_compare_warns_that_dask_cannot_match_the_rows_models_leave_out(tmp_path, dask_installed):
    from typer.testing import CliRunner

    from losscli.cli import app

    pq.write_table(pa.table({"y_true": [1.0, 2.0, 3.0], "y_pred": [1.0, None, 3.0]}), tmp_path / "ma.parquet")
    pq.write_table(pa.table({"y_true": [1.0, 2.0, 3.0], "y_pred": [2.0, 2.0, 3.0]}), tmp_path / "mb.parquet")
    args = ["compare", str(tmp_path / "ma.parquet"), str(tmp_path / "mb.parquet"), "--loss", "mse", "--nan-policy", "omit"]
    result = CliRunner().invoke(app, [*args, "--engine", "dask", "--scheduler", "synchronous", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    # Each model keeps its own rows, hand-worked: ma 0 over 2 rows, mb (1 + 0 + 0) / 3 over 3.
    assert [(r["model"], r["value"], r["n"]) for r in doc["results"]] == [("ma", 0.0, 2), ("mb", 1 / 3, 3)]
    assert "ranks compare different row sets (ma on 2 rows, mb on 3 rows): the dask engine cannot match rows across models" in doc["notes"]


def test_the_dask_engine_reads_struct_fields_by_their_path(tmp_path, dask_installed):
    from typer.testing import CliRunner

    from losscli.cli import app

    pred = pa.StructArray.from_arrays([pa.array([1.5, 2.5, 2.0]), pa.array([0.1, 0.2, 0.3])], ["a", "b"])
    pq.write_table(pa.table({"y_true": [1.0, 2.0, 3.0], "pred": pred}), tmp_path / "p.parquet")
    args = ["compute", str(tmp_path / "p.parquet"), "--loss", "mse", "--pred-col", "pred.a"]
    result = CliRunner().invoke(app, [*args, "--engine", "dask", "--scheduler", "synchronous", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    # By hand: (0.5^2 + 0.5^2 + 1^2) / 3.
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(0.5, rel=1e-15)


def test_a_conventions_weighted_mean_is_the_local_engines(tmp_path, client):
    # Keras divides the weighted sum by the row count; the partial states must too.
    rng = np.random.default_rng(8)
    table = pa.table({"y_true": rng.normal(size=200), "y_pred": rng.normal(size=200), "w": rng.uniform(0.1, 3.0, 200)})
    write_parts(table, tmp_path / "parts", files=4)
    options = InputOptions(str(tmp_path / "parts"), weight_col="w")
    bound = parse_spec("mse:convention=keras")
    local, _, _ = evaluate_file(options, [bound])
    distributed, _, _ = evaluate_dask(options, [bound], client=client)
    y, p, w = (table[name].to_numpy() for name in ("y_true", "y_pred", "w"))
    expected = np.sum(w * (p - y) ** 2) / len(y)  # Keras' sum(w l) / N, numpy
    assert local.results[0].value == pytest.approx(expected, rel=1e-12)
    assert distributed.results[0].value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("option", [["--plot"], ["--plot-file", "chart.svg"]])
def test_compute_charts_of_per_row_losses_are_refused_rather_than_left_out(option, tmp_path, dask_installed):
    from typer.testing import CliRunner

    from losscli.cli import app

    write_parts(pa.table({"y_true": [1.0, 2.0, 3.0], "y_pred": [1.5, 2.0, 2.0]}), tmp_path / "preds", 2)
    option = [item if item != "chart.svg" else str(tmp_path / item) for item in option]
    args = ["compute", str(tmp_path / "preds"), "--loss", "mse", *option, "--engine", "dask", "--scheduler", "synchronous"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {option[0]} draws per-row losses, which stay on the Dask workers")
    assert not (tmp_path / "chart.svg").exists()


def test_the_notes_on_weights_and_samples_are_the_local_engines(tmp_path, dask_installed):
    from typer.testing import CliRunner

    from losscli.cli import app

    table = pa.table({"y_true": [1.0, 2.0, 3.0, 4.0], "y_pred": [1.5, 2.0, 2.0, 4.0], "w": [1.0, 2.0, 1.0, 1.0], "img": ["a", "a", "b", "b"]})
    write_parts(table, tmp_path / "preds", 2)
    args = ["compute", str(tmp_path / "preds"), "--loss", "mse:convention=torch", "--weight-col", "w", "--sample-col", "img", "--format", "json"]
    local = CliRunner().invoke(app, args, catch_exceptions=False)
    dask = CliRunner().invoke(app, [*args, "--engine", "dask", "--scheduler", "synchronous"], catch_exceptions=False)
    assert local.exit_code == dask.exit_code == 0, dask.stderr
    notes = json.loads(local.stdout)["notes"]
    assert any("takes no sample weights" in note for note in notes) and any(note.startswith("--sample-col: ") for note in notes)
    assert json.loads(dask.stdout)["notes"] == notes


def test_a_local_cluster_that_cannot_start_is_a_clear_error(tmp_path, monkeypatch, dask_installed):
    import distributed

    def failing(**options):
        raise RuntimeError("Nanny failed to start.")

    monkeypatch.setattr(distributed, "LocalCluster", failing)
    write_parts(pa.table({"y_true": [1.0], "y_pred": [1.5]}), tmp_path / "parts", files=1)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "parts")), [parse_spec("mse")], scheduler=None)
    assert str(error.value).startswith("cannot start a local Dask cluster: Nanny failed to start.")
    assert "--scheduler threads" in str(error.value)


def test_a_bad_value_on_the_default_local_cluster_is_one_error_line(tmp_path, dask_installed):
    """The workers' own log of the failed task ("Compute Failed" and its traceback)
    would reach the same stderr as the one-line error; only the error is printed."""
    import subprocess
    from pathlib import Path

    write_parts(pa.table({"y_true": [0.0, 1.0, 1.0, 0.0], "y_pred": [0.2, 1.5, 0.9, 0.3]}), tmp_path / "parts", files=2)
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "-m", "losscli", "compute", str(tmp_path / "parts"), "--engine", "dask", "--loss", "bce"],
        capture_output=True, text=True, cwd=root, timeout=300,
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert len(run.stderr.splitlines()) == 1 and "row 2: probability outside [0, 1]" in run.stderr


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9", "127.0.0.1:9", "tcp://[::1]:9", "tcp://no-such-host.invalid:8786"])
def test_a_scheduler_nothing_listens_at_is_reported_at_once(tmp_path, dask_installed, monkeypatch, address):
    # distributed's Client retries a refused connection or an unknown host
    # until its connect timeout (30 s by default): the address is tried first.
    import distributed

    def no_client(*args, **kwargs):
        raise AssertionError("the Client was asked to connect")

    monkeypatch.setattr(distributed, "Client", no_client)
    write_parts(pa.table({"y_true": [1.0], "y_pred": [1.5]}), tmp_path / "parts", files=1)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "parts")), [parse_spec("mse")], scheduler=address)
    assert f"cannot connect to the Dask scheduler at {address}" in str(error.value)


def test_a_port_that_answers_but_is_no_scheduler_is_reported_instead_of_waited_on(tmp_path, dask_installed, monkeypatch):
    # A web server (python -m http.server) on the port accepts the connection and
    # waits for a request; distributed's Client waited for a handshake that never
    # came, with no end. A Dask scheduler greets first; a silent server is no scheduler.
    import socket

    import distributed

    from losscli import distributed as engine

    def no_client(*args, **kwargs):
        raise AssertionError("the Client was asked to connect")

    monkeypatch.setattr(distributed, "Client", no_client)
    monkeypatch.setattr(engine, "CONNECT_SECONDS", 0.3)
    write_parts(pa.table({"y_true": [1.0], "y_pred": [1.5]}), tmp_path / "parts", files=1)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(LossCliError) as error:
            evaluate_dask(InputOptions(str(tmp_path / "parts")), [parse_spec("mse")], scheduler=address)
    assert f"cannot connect to the Dask scheduler at {address}" in str(error.value)
    assert "no Dask scheduler" in str(error.value)


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:99999", "127.0.0.1:70000"])
def test_a_port_out_of_range_is_named(tmp_path, dask_installed, address):
    write_parts(pa.table({"y_true": [1.0], "y_pred": [1.5]}), tmp_path / "parts", files=1)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "parts")), [parse_spec("mse")], scheduler=address)
    assert "is out of range (1 to 65535)" in str(error.value)


def test_a_scheduler_file_and_an_address_with_a_trailing_slash_reach_the_cluster(tmp_path, cluster):
    # `dask scheduler --scheduler-file FILE` writes the address as JSON; the Client
    # took the path for an address ("missing port number"). tcp://host:8786/ was
    # passed on with its slash ("invalid literal for int()").
    table = pa.table({"y_true": [0.0, 1.0, 2.0, 4.0], "y_pred": [0.5, 1.0, 1.0, 2.0]})
    write_parts(table, tmp_path / "parts", files=2)
    (tmp_path / "scheduler.json").write_text(json.dumps({"type": "Scheduler", "address": cluster.scheduler_address}))
    options = InputOptions(str(tmp_path / "parts"))
    for scheduler in (str(tmp_path / "scheduler.json"), cluster.scheduler_address + "/"):
        report, _, _ = evaluate_dask(options, [parse_spec("mse")], scheduler=scheduler)
        # mse by hand: (0.25 + 0 + 1 + 4) / 4 = 1.3125
        assert report.results[0].value == pytest.approx(1.3125, rel=1e-12)


def test_a_missing_or_foreign_scheduler_file_is_named(tmp_path, dask_installed):
    write_parts(pa.table({"y_true": [1.0], "y_pred": [1.5]}), tmp_path / "parts", files=1)
    (tmp_path / "other.json").write_text('{"workers": {}}')
    cases = [(tmp_path / "missing.json", "no scheduler file at"), (tmp_path / "other.json", "is not a Dask scheduler file: it has no address")]
    for path, message in cases:
        with pytest.raises(LossCliError) as error:
            evaluate_dask(InputOptions(str(tmp_path / "parts")), [parse_spec("mse")], scheduler=str(path))
        assert message in str(error.value) and "cannot connect" not in str(error.value)


def test_an_in_process_address_from_another_process_is_explained(tmp_path, dask_installed):
    write_parts(pa.table({"y_true": [1.0], "y_pred": [1.5]}), tmp_path / "parts", files=1)
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "parts")), [parse_spec("mse")], scheduler="inproc://10.0.0.1/1/1")
    assert "only from the Python process that started it" in str(error.value)


def test_a_tls_address_without_tls_settings_is_one_error_line(tmp_path, cluster):
    # distributed raises TypeError ("TLS expects a `ssl_context` argument") when no TLS
    # settings are in the Dask config: it came out as an internal error.
    write_parts(pa.table({"y_true": [1.0], "y_pred": [1.5]}), tmp_path / "parts", files=1)
    address = "tls://" + cluster.scheduler_address.split("://", 1)[1]
    with pytest.raises(LossCliError) as error:
        evaluate_dask(InputOptions(str(tmp_path / "parts")), [parse_spec("mse")], scheduler=address)
    assert "a TLS address needs Dask's TLS settings" in str(error.value) and "distributed.comm.tls.ca-file" in str(error.value)
