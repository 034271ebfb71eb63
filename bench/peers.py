"""The scripts a user would write instead of running losscli, one process each.

    python bench/peers.py TOOL LOSSES PATH

TOOL is duckdb, polars, pandas_sklearn, arrow_numpy or floor; LOSSES is one of
the keys of LOSS_SETS; PATH a .parquet or .csv file. Prints the loss values as
one JSON object ({"mse": 1.23, ...}) so bench/run.py can check them against
losscli's. Each tool imports only what its script needs, inside the function,
because the import is part of what a user pays.

The formulas are losscli's conventions (see `losscli info NAME`): huber and
smooth_l1 with delta = beta = 1, quantile with q = 0.9, poisson on rates
(log_input=false, eps=1e-8), mape in percent with the divisor floored at 1e-7.
The generated data keep probabilities far from losscli's 1e-7 clipping, so the
plain log formulas agree.
"""

from __future__ import annotations

import json
import math
import sys

N_CLASSES = 10
REGRESSION_10 = ("mse", "mae", "huber", "smooth_l1", "log_cosh", "rmse", "msle", "mape", "quantile", "poisson")
LOSS_SETS = {
    "mse": ("mse",),
    "mae": ("mae",),
    "huber": ("huber",),
    "bce": ("bce",),
    "cce": ("cce",),
    "regression10": REGRESSION_10,
}
PROB_COLUMNS = [f"p_{c}" for c in range(N_CLASSES)]


def columns_for(losses: str) -> list[str]:
    return ["y_true"] + (PROB_COLUMNS if losses == "cce" else ["y_pred"])


def is_parquet(path: str) -> bool:
    return path.endswith(".parquet")


# ----------------------------------------------------------------------------- DuckDB


def duckdb_sql(losses: str, path: str) -> dict[str, float]:
    import duckdb

    source = f"read_parquet('{path}')" if is_parquet(path) else f"read_csv('{path}')"
    if losses == "cce":
        picked = " ".join(f"WHEN {c} THEN p_{c}" for c in range(N_CLASSES))
        query = f"SELECT -avg(ln(CASE y_true {picked} END)) AS cce FROM {source}"
    elif losses == "bce":
        query = f"SELECT -avg(y_true * ln(y_pred) + (1 - y_true) * ln(1 - y_pred)) AS bce FROM {source}"
    else:
        # x*x, not x^2: DuckDB's ^ is pow() and several times slower.
        expressions = {
            "mse": "avg(e * e)",
            "mae": "avg(abs(e))",
            "huber": "avg(CASE WHEN abs(e) < 1 THEN 0.5 * e * e ELSE abs(e) - 0.5 END)",
            "smooth_l1": "avg(CASE WHEN abs(e) < 1 THEN 0.5 * e * e ELSE abs(e) - 0.5 END)",
            "log_cosh": "avg(ln(cosh(e)))",
            "rmse": "sqrt(avg(e * e))",
            "msle": "avg((ln(1 + y_pred) - ln(1 + y_true)) * (ln(1 + y_pred) - ln(1 + y_true)))",
            "mape": "100 * avg(abs(e) / greatest(abs(y_true), 1e-7))",
            "quantile": "avg(greatest(0.9 * (y_true - y_pred), -0.1 * (y_true - y_pred)))",
            "poisson": "avg(y_pred - y_true * ln(y_pred + 1e-8))",
        }
        wanted = LOSS_SETS[losses]
        select = ", ".join(f"{expressions[name]} AS {name}" for name in wanted)
        query = f"SELECT {select} FROM (SELECT y_true, y_pred, y_pred - y_true AS e FROM {source})"
    cursor = duckdb.connect().execute(query)
    return dict(zip([column[0] for column in cursor.description], cursor.fetchone()))


# ----------------------------------------------------------------------------- polars


def polars_streaming(losses: str, path: str) -> dict[str, float]:
    import polars as pl

    frame = pl.scan_parquet(path) if is_parquet(path) else pl.scan_csv(path)
    t, p = pl.col("y_true"), pl.col("y_pred")
    if losses == "cce":
        picked = pl.coalesce([pl.when(t == c).then(pl.col(f"p_{c}")) for c in range(N_CLASSES)])
        expressions = [(-picked.log().mean()).alias("cce")]
    elif losses == "bce":
        expressions = [(-(t * p.log() + (1 - t) * (1 - p).log()).mean()).alias("bce")]
    else:
        e = p - t
        a = e.abs()
        huber = pl.when(a < 1).then(0.5 * e * e).otherwise(a - 0.5)
        log_diff = p.log1p() - t.log1p()
        d = t - p
        catalogue = {
            "mse": (e * e).mean(),
            "mae": a.mean(),
            "huber": huber.mean(),
            "smooth_l1": huber.mean(),
            "log_cosh": e.cosh().log().mean(),
            "rmse": (e * e).mean().sqrt(),
            "msle": (log_diff * log_diff).mean(),
            "mape": 100 * (a / pl.max_horizontal(t.abs(), pl.lit(1e-7))).mean(),
            "quantile": pl.max_horizontal(0.9 * d, -0.1 * d).mean(),
            "poisson": (p - t * (p + 1e-8).log()).mean(),
        }
        expressions = [catalogue[name].alias(name) for name in LOSS_SETS[losses]]
    result = frame.select(expressions).collect(engine="streaming")
    return {name: float(result[name][0]) for name in result.columns}


# ----------------------------------------------------------------------------- pandas + scikit-learn


def pandas_sklearn(losses: str, path: str) -> dict[str, float]:
    import numpy as np
    import pandas as pd
    from sklearn import metrics

    columns = columns_for(losses)
    frame = pd.read_parquet(path, columns=columns) if is_parquet(path) else pd.read_csv(path, usecols=columns)
    t = frame["y_true"]
    if losses == "cce":
        return {"cce": metrics.log_loss(t, frame[PROB_COLUMNS].to_numpy(), labels=list(range(N_CLASSES)))}
    if losses == "bce":
        return {"bce": metrics.log_loss(t, frame["y_pred"])}
    p = frame["y_pred"]

    def huber() -> float:
        # scikit-learn has no Huber loss (its HuberRegressor's is not exposed): by hand.
        a = (p - t).abs()
        return float(np.where(a < 1, 0.5 * a * a, a - 0.5).mean())

    catalogue = {
        "mse": lambda: metrics.mean_squared_error(t, p),
        "mae": lambda: metrics.mean_absolute_error(t, p),
        "huber": huber,
        "smooth_l1": huber,
        "log_cosh": lambda: float(np.log(np.cosh(p - t)).mean()),
        "rmse": lambda: metrics.root_mean_squared_error(t, p),
        "msle": lambda: metrics.mean_squared_log_error(t, p),
        "mape": lambda: 100 * metrics.mean_absolute_percentage_error(t, p),
        "quantile": lambda: metrics.mean_pinball_loss(t, p, alpha=0.9),
        # mean_poisson_deviance is a different quantity (it subtracts the saturated model).
        "poisson": lambda: float((p - t * np.log(p + 1e-8)).mean()),
    }
    return {name: float(catalogue[name]()) for name in LOSS_SETS[losses]}


# ----------------------------------------------------------------------------- pyarrow + numpy


def arrow_numpy(losses: str, path: str) -> dict[str, float]:
    """The short script: read the needed columns whole, then numpy."""
    import numpy as np

    columns = columns_for(losses)
    if is_parquet(path):
        import pyarrow.parquet as pq

        table = pq.read_table(path, columns=columns)
    else:
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(include_columns=columns))
    t = table.column("y_true").to_numpy()
    if losses == "cce":
        probs = np.column_stack([table.column(name).to_numpy() for name in PROB_COLUMNS])
        return {"cce": float(-np.log(probs[np.arange(len(t)), t.astype(np.intp)]).mean())}
    p = table.column("y_pred").to_numpy()
    if losses == "bce":
        return {"bce": float(-(t * np.log(p) + (1 - t) * np.log1p(-p)).mean())}
    e = p - t
    a = np.abs(e)
    huber = lambda: np.where(a < 1, 0.5 * e * e, a - 0.5).mean()  # noqa: E731
    log_diff = lambda: np.log1p(p) - np.log1p(t)  # noqa: E731
    catalogue = {
        "mse": lambda: np.dot(e, e) / len(e),
        "mae": lambda: a.mean(),
        "huber": huber,
        "smooth_l1": huber,
        "log_cosh": lambda: (a + np.log1p(np.exp(-2 * a)) - math.log(2)).mean(),
        "rmse": lambda: math.sqrt(np.dot(e, e) / len(e)),
        "msle": lambda: np.square(log_diff()).mean(),
        "mape": lambda: 100 * (a / np.maximum(np.abs(t), 1e-7)).mean(),
        "quantile": lambda: np.maximum(0.9 * (t - p), -0.1 * (t - p)).mean(),
        "poisson": lambda: (p - t * np.log(p + 1e-8)).mean(),
    }
    return {name: float(catalogue[name]()) for name in LOSS_SETS[losses]}


# ----------------------------------------------------------------------------- the floor


def floor(losses: str, path: str) -> dict[str, float]:
    """Stream the needed columns with pyarrow and do nothing else: the cost of
    reading that any tool built on pyarrow pays at least."""
    import pyarrow as pa

    columns = columns_for(losses)
    rows = 0
    if is_parquet(path):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path, pre_buffer=False).iter_batches(columns=columns):
            rows += batch.num_rows
    else:
        import pyarrow.csv as pacsv

        convert = pacsv.ConvertOptions(include_columns=columns, column_types={c: pa.float64() for c in columns})
        read = pacsv.ReadOptions(block_size=1 << 24)
        for batch in pacsv.open_csv(path, read_options=read, convert_options=convert):
            rows += batch.num_rows
    return {"rows": rows}


TOOLS = {
    "duckdb": duckdb_sql,
    "polars": polars_streaming,
    "pandas_sklearn": pandas_sklearn,
    "arrow_numpy": arrow_numpy,
    "floor": floor,
}


def main(argv: list[str]) -> None:
    if len(argv) != 3 or argv[0] not in TOOLS or argv[1] not in LOSS_SETS:
        sys.exit(f"usage: peers.py {{{','.join(TOOLS)}}} {{{','.join(LOSS_SETS)}}} PATH")
    tool, losses, path = argv
    print(json.dumps(TOOLS[tool](losses, path)))


if __name__ == "__main__":
    main(sys.argv[1:])
