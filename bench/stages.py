"""Where the time of one losscli evaluation goes, inside one process.

    python bench/stages.py bench/data/regression.parquet --loss mse [--pred-col 'p_*'] [--repeat 7]

Times three stages separately, each from a fresh reader, medians of --repeat:

* read: the file's batches of the columns the losses need, nothing else;
* prepare: also converted to numpy and checked for missing values;
* evaluate: the whole evaluation, as ``losscli compute`` runs it after start-up
  (``evaluate_file``, which skips the check where the loss sums show NaN and inf).

The difference between the process's wall time (``bench/run.py``) and "evaluate"
is start-up: interpreter, imports and the command line.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

# As the command line does (losscli/cli/__init__.py), before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from losscli.allocator import reuse_freed_memory  # noqa: E402
from losscli.evaluation import evaluate_file  # noqa: E402
from losscli.io.plan import InputOptions, InputPlan  # noqa: E402
from losscli.registry import parse_spec  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--loss", action="append", required=True)
    parser.add_argument("--pred-col")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    reuse_freed_memory()
    losses = [parse_spec(text) for text in args.loss]

    options = InputOptions(predictions=args.path, pred_cols=args.pred_col)

    def plan() -> InputPlan:
        return InputPlan(options, losses)

    def read() -> None:
        current = plan()
        source = current.sources["predictions"]
        for _ in source.batches(current.columns_to_read("predictions")[0]):
            pass

    def prepare() -> None:
        for _ in plan()._prepared_batches():
            pass

    def evaluate_all() -> None:
        evaluate_file(options, losses)

    evaluate_all()  # warm the page cache and the imports
    for name, stage in (("read", read), ("prepare", prepare), ("evaluate", evaluate_all)):
        walls, cpus = [], []
        for _ in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            stage()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        print(f"{name:9s} wall {statistics.median(walls):.3f} s   cpu {statistics.median(cpus):.3f} s")


if __name__ == "__main__":
    main()
