"""Evaluating losses on a Dask cluster, on partitioned Parquet where it lives.

Each Parquet file of the dataset is one Dask task. A worker reads its file
with the same input layer as the local engine (an
:class:`~losscli.io.plan.InputPlan` over a one-file source, so roles resolve
and values convert exactly as they do on a laptop), folds every loss into the
engine's :class:`~losscli.engine.Accumulator` states with the same kernels,
and the states merge in a tree reduction (Accumulator.merge, a few states
per task) down to the client, which finalizes them. No loss is implemented twice.

Datasets: a file, a directory, a glob, or any fsspec URL (``s3://...`` needs
the filesystem package, ``s3fs``). Hive-style folders (``region=eu/``) give
columns of their own, for ``--by``, ``--sample-col``, ``--weight-col`` or a
column selection that names them; role defaults never pick them, so the
columns a loss reads are those the local engine would read from the files.

What does not merge is refused before anything is read: losses that need
every value at once (``kind == "exact"``, the 1-D Wasserstein distance), and
long-format sequences (one row per frame), whose frames may lie in different
files. Predictions and labels come from one dataset.

Dask is an optional extra: ``pip install 'losscli[dask]'``.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import pyarrow as pa

from .conventions import folding
from .engine import Accumulator, evaluate, new_accumulator
from .errors import LossCliError
from .evaluation import Report, omitted_note, option_notes, outcomes_to_results
from .io.columns import PRED_SIDE
from .io.formats import is_glob
from .io.hive import MISSING_IN_PART, add_folder_columns, folder_keys, key_types, names_given, typed_value
from .io.plan import InputOptions, InputPlan
from .io.readers import BATCH_ROWS, Column, Source, struct_fields_read, typed_across, with_struct_fields
from .io.vectors import read_type, vectors_as_lists
from .rate_inputs import decides_by_data
from .registry import BoundLoss

INSTALL = "pip install 'losscli[dask]'"
# dask's own schedulers, in this process: for debugging, no cluster needed.
LOCAL_SCHEDULERS = ("synchronous", "threads", "processes")
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
# How many partial states one reduction task merges.
SPLIT_EVERY = 8

# =========================================================================== entry point


def evaluate_dask(
    options: InputOptions,
    losses: list[BoundLoss],
    *,
    reduction: str = "mean",
    scheduler: str | None = None,
    client: Any = None,
) -> tuple[Report, InputPlan, list[Accumulator]]:
    """Evaluate every loss on a Parquet dataset with Dask; same contract as
    :func:`losscli.evaluation.evaluate_file`.

    ``scheduler`` is a scheduler address (``tcp://host:8786``), one of dask's
    in-process schedulers (``synchronous``, ``threads``, ``processes``), or
    None for a local cluster started for this call and closed after it.
    ``client`` is a ``distributed.Client`` already connected (it wins over
    ``scheduler`` and stays open): evaluating several prediction sets on one
    cluster pays its start-up once.
    """
    in_process = client is None and scheduler in LOCAL_SCHEDULERS
    require_dask(distributed=not in_process)
    refuse_unmergeable(options, losses)
    sources = schema_sources(options)
    plan = InputPlan(options, losses, sources=sources)
    if plan.long_format:
        raise LossCliError(
            f"{plan.losses[0].display} reads one row per frame here (long format), which the dask engine cannot split: "
            "the frames of one sequence may lie in different files",
            file=sources[PRED_SIDE].display,
            hint="write one row per sequence (a list-of-lists column of frames), or use --engine local",
        )
    dataset = sources[PRED_SIDE].dataset
    if any(decides_by_data(bound) for bound in plan.losses):
        # Decided once for the dataset, as the local engine does, before any file is folded.
        plan.losses, read_notes = _decided_from_first_rows(dataset, options, plan.losses)
        plan.notes.extend(read_notes)
    # Every file is folded with the losses as the plan reads them (predictions named as logits, as logits).
    graph = _reduction_graph(dataset.parts, _Fold(dataset.context(), options, plan.losses))
    if client is None and not in_process:
        with connect(scheduler) as client:
            state = _compute(graph, client, scheduler)
    else:
        state = _compute(graph, client, scheduler)
    return _report(state, plan, options, reduction, dataset.display)


def _decided_from_first_rows(dataset: "Dataset", options: InputOptions, losses: list[BoundLoss]) -> tuple[list[BoundLoss], list[str]]:
    """The losses with what the data decide set (see ``rate_inputs``), from
    the first batch of the first file with rows, read here on the client:
    one batch, which the local engine looks at too. Where it cannot be read
    the losses stay as they are, and the workers report what is wrong."""
    from .rate_inputs import decided

    context = dataset.context()
    for part in dataset.parts:
        try:
            with _parquet_file(context.filesystem, part) as handle:
                source = PartSource(part, context, handle)
                if source.rows == 0:
                    continue
                batches = InputPlan(options, losses, sources={PRED_SIDE: source}).batches()
                try:
                    first = next(batches, None)
                finally:
                    batches.close()
        except LossCliError:
            return losses, []
        return decided(losses, first) if first is not None else (losses, [])
    return losses, []


def schema_sources(options: InputOptions) -> dict[str, "SchemaSource"]:
    """The dataset's columns as the input plan's sources: ``InputPlan(options,
    losses, sources=schema_sources(options))`` locates every role (or fails
    naming the missing one) from the file listing and one footer."""
    named = names_given(options)
    dataset = find_dataset(options.predictions, named, any_file_name=options.input_format is not None)
    return {PRED_SIDE: SchemaSource(dataset)}


def refuse_unmergeable(options: InputOptions, losses: list[BoundLoss]) -> None:
    """Refuse, before reading anything, what partial states cannot give exactly."""
    for bound in losses:
        reason = dask_problem(bound)
        if reason:
            raise LossCliError(reason, hint="run it with --engine local, which keeps every value in memory")
    if options.labels is not None or options.key is not None:
        raise LossCliError(
            "the dask engine reads predictions and labels from one dataset; --labels and --key are for the local engine",
            hint="store the label columns beside the predictions (a join in Dask, Spark or DuckDB), or use --engine local",
        )
    if options.positive is not None:
        # Whether the positive label occurs at all is known only from every
        # file together, which a file's partial state does not carry.
        raise LossCliError(
            "--positive is for the local engine: the dask engine cannot check the labels of every file together",
            hint="write the labels as 0/1 in the dataset, or use --engine local",
        )
    if options.predictions == "-":
        raise LossCliError("the dask engine reads a Parquet dataset, not stdin", hint="give a file, directory, glob or URL")
    if options.decimal != ".":
        # Parquet stores numbers, not text: there is no separator to choose.
        raise LossCliError(
            "--decimal , reads CSV files, and the dask engine reads Parquet datasets only",
            hint="use --engine local for a CSV file written with decimal commas, or convert it to Parquet, e.g. with pandas read_csv(path, sep=';', decimal=',').to_parquet(out), and leave out --decimal",
        )
    if options.input_format and options.input_format.lower() not in ("parquet", "pq"):
        raise LossCliError(
            f"the dask engine reads Parquet datasets, not {options.input_format}",
            hint="convert the files to Parquet, or use --engine local",
        )


def dask_problem(bound: BoundLoss) -> str | None:
    """Why a loss cannot be evaluated on Dask, or None when it can (for ``compare --task`` to skip it)."""
    if bound.spec.streams:
        return None
    return (
        f"{bound.display} cannot be evaluated on the dask engine: it needs every value at once "
        "rather than sums that add up, so per-partition states do not merge exactly"
    )


# =========================================================================== the cluster


def require_dask(*, distributed: bool = True) -> None:
    """Import dask (and distributed) or say how to install them."""
    try:
        import dask.bag  # noqa: F401

        if distributed:
            import distributed as _distributed  # noqa: F401
    except ImportError as error:
        raise LossCliError(
            f"--engine dask needs the optional Dask extra ({(error.name or 'dask').split('.')[0]} is not installed)",
            hint=f"install it with: {INSTALL}",
        ) from None


@contextmanager
def connect(scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler``, closed on exit.

    None starts a local cluster of worker processes (one per core, no
    dashboard) and closes it on exit; an address connects to a running
    scheduler (its workers need losscli installed). dask's in-process
    schedulers (``synchronous``, ``threads``, ``processes``) need no client:
    this yields None for them.
    """
    if scheduler in LOCAL_SCHEDULERS:
        require_dask(distributed=False)
        yield None
        return
    require_dask()
    from distributed import Client, LocalCluster

    cluster = None
    # A scheduler file that is missing or not one is an error of its own, not a failed connection.
    address, scheduler_file = _scheduler_address(scheduler) if scheduler is not None else (None, None)
    try:
        if scheduler is None:
            # The scheduler serves HTTP (health checks) even without a dashboard: on
            # any free port, not on 8787 where another cluster may be. A task's error
            # reaches this process and is reported once, as `error: ...`; the workers
            # would also log it ("Compute Failed", with its traceback) on the same
            # stderr, so only their critical messages are let through.
            cluster = LocalCluster(
                processes=True, dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"}, silence_logs=logging.CRITICAL
            )
            client = Client(cluster)
        else:
            _check_listening(address)
            try:
                client = Client(scheduler_file=scheduler_file) if scheduler_file else Client(address)
            except TypeError as error:
                if "ssl_context" not in str(error):
                    raise
                # distributed's "TLS expects a `ssl_context` argument": no TLS settings in dask's config.
                raise LossCliError(
                    f"cannot connect to the Dask scheduler at {scheduler}: a TLS address needs Dask's TLS settings, and none are set",
                    hint="set distributed.comm.tls.ca-file and distributed.comm.tls.client.cert / .key in the Dask config "
                    "(or DASK_DISTRIBUTED__COMM__TLS__CA_FILE ...), or give the scheduler's tcp:// address",
                ) from None
    except (OSError, TimeoutError, ValueError, RuntimeError) as error:
        # RuntimeError: distributed's "Nanny failed to start" when worker processes cannot start.
        if cluster is not None:
            cluster.close()
        if isinstance(error, LossCliError):
            raise  # said in full already (a TLS address without TLS settings)
        if scheduler is None:
            raise LossCliError(
                f"cannot start a local Dask cluster: {_first_line(error)}",
                hint="--scheduler threads runs the tasks in this process; --scheduler ADDRESS uses a running cluster",
            ) from None
        if scheduler.startswith("inproc://"):
            raise LossCliError(
                f"cannot connect to the Dask scheduler at {scheduler}: an in-process address reaches a scheduler "
                "only from the Python process that started it",
                hint="give the scheduler's TCP address (tcp://host:8786)",
            ) from None
        raise LossCliError(
            f"cannot connect to the Dask scheduler at {scheduler}: {_first_line(error)}",
            hint="check --scheduler (for example tcp://host:8786) and that the scheduler is running",
        ) from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# How long a scheduler's address may take to accept a connection, and then
# to greet: a Dask scheduler sends its handshake as soon as it accepts one.
CONNECT_SECONDS = 10.0


def _scheduler_address(scheduler: str) -> tuple[str, str | None]:
    """The address ``--scheduler`` names, and the scheduler file it was read
    from (``dask scheduler --scheduler-file FILE`` writes one; the Client
    takes it as ``scheduler_file``, not as an address). A trailing slash is
    dropped (``tcp://host:8786/``), which the Client would read as part of
    the port."""
    import json
    import os

    if "://" not in scheduler and (os.path.isfile(scheduler) or scheduler.endswith(".json")):
        try:
            with open(scheduler, encoding="utf-8") as handle:
                address = json.load(handle)["address"]
        except FileNotFoundError:
            raise LossCliError(
                f"no scheduler file at {scheduler}",
                hint="give the file 'dask scheduler --scheduler-file FILE' wrote, or the scheduler's address (tcp://host:8786)",
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise LossCliError(
                f"{scheduler} is not a Dask scheduler file: {'it has no address' if isinstance(error, KeyError) else _first_line(error)}",
                hint="give the file 'dask scheduler --scheduler-file FILE' wrote (JSON with an 'address'), or the scheduler's address (tcp://host:8786)",
            ) from None
        if not isinstance(address, str):
            raise LossCliError(f"{scheduler} is not a Dask scheduler file: its 'address' is not text", hint="give the scheduler's address (tcp://host:8786)")
        return address, scheduler
    scheme, separator, rest = scheduler.partition("://")
    return (f"{scheme}{separator}{rest.rstrip('/')}" if separator else scheduler.rstrip("/")), None


def _check_listening(address: str) -> None:
    """Raise OSError when nothing accepts a connection at a TCP or TLS
    scheduler address: distributed's Client retries a refused connection, or
    a host name that does not resolve, until its connect timeout (30 s), so
    a mistyped port or host took that long to be reported. At a TCP address,
    a server that accepts the connection but sends nothing (a web server,
    another service on the port) is no Dask scheduler: the Client would wait
    for its handshake without end. Other addresses (UCX) are left to the
    Client."""
    import socket

    scheme, separator, rest = address.partition("://")
    if not separator:
        scheme, rest = "tcp", address
    host, _, port = rest.rpartition(":")
    if scheme not in ("tcp", "tls") or not host or not port.isdigit():
        return
    if not 0 < int(port) < 65536:
        raise OSError(f"port {port} is out of range (1 to 65535)")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS) as connection:
        if scheme == "tls":
            return  # a TLS client speaks first: nothing comes before its hello
        try:
            greeting = connection.recv(1)
        except TimeoutError:
            greeting = None
        if not greeting:
            closed = greeting == b""
            raise OSError(
                f"the server at port {port} {'closed the connection' if closed else f'sent nothing in {CONNECT_SECONDS:g} s'}, "
                "as no Dask scheduler does (is another service on that port?)"
            )


def _compute(graph: Any, client: Any, scheduler: str | None) -> "PartialState":
    try:
        if client is not None:
            return client.compute(graph).result()
        return graph.compute(scheduler=scheduler)
    except ImportError as error:
        raise explain_worker_import(error) from None


def explain_worker_import(error: ImportError) -> Exception:
    """A worker that cannot import losscli fails every task with the same ImportError."""
    if (error.name or "").split(".")[0] != "losscli":
        return error
    return LossCliError(
        f"the Dask workers cannot import {error.name}",
        hint=f"install losscli (the same version as here) on every worker: {INSTALL}",
    )


# =========================================================================== the dataset


@dataclass(frozen=True)
class Part:
    """One file of the dataset: one Dask task."""

    path: str  # as the filesystem names it
    display: str  # as the user would write it
    partition: tuple[tuple[str, Any], ...] = ()  # hive key=value pairs of its folders


@dataclass(frozen=True)
class DatasetContext:
    """What every task needs besides its file: small, sent with each task."""

    filesystem: Any
    columns: tuple[Column, ...]
    partition_columns: frozenset[str]
    # The file whose schema ``columns`` are, named when another file disagrees.
    schema_file: str = ""
    # Struct fields among ``columns``: (path name, its parts), see ``with_struct_fields``.
    struct_paths: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass
class Dataset:
    display: str
    filesystem: Any
    parts: list[Part]
    columns: list[Column]
    partition_columns: frozenset[str] = frozenset()
    # Folder keys no option named, so left out of the columns.
    unread_folder_keys: tuple[str, ...] = ()
    struct_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def context(self) -> DatasetContext:
        return DatasetContext(self.filesystem, tuple(self.columns), self.partition_columns, self.parts[0].display, tuple(self.struct_paths.items()))


def find_dataset(path: str, partition_names: Iterable[str] = (), *, any_file_name: bool = False) -> Dataset:
    """List the Parquet files under ``path`` and read the first one's schema.

    A directory is walked (names starting with '.' or '_' are skipped, as
    Spark's ``_SUCCESS`` and ``_metadata``); a glob may match files or
    folders. Hive keys in ``partition_names`` become columns after the file's.
    A single file must have a Parquet suffix unless ``any_file_name``
    (--input-format parquet).
    """
    filesystem, root = _filesystem(path)
    if is_glob(root):
        base, user_base = _glob_base(root), _glob_base(path)
        matched = sorted(filesystem.glob(root))
        if not matched:
            raise LossCliError("the pattern matches no file", file=path, hint="quote the pattern so the shell does not expand it")
        files = [f for m in matched for f in (_files_under(filesystem, m) if filesystem.isdir(m) else [m])]
    elif filesystem.isdir(root):
        base, user_base = root, path
        files = _files_under(filesystem, root)
    elif filesystem.isfile(root):
        if not (any_file_name or root.lower().endswith(PARQUET_SUFFIXES)):
            raise LossCliError(
                "the dask engine reads Parquet datasets, and this is not a .parquet file",
                file=path,
                hint="convert it to Parquet, use --input-format parquet if it is one, or use --engine local",
            )
        base, user_base = _parent(root), _parent(path)
        files = [root]
    else:
        raise LossCliError("file not found", file=path, hint="check the path")
    files = [f for f in files if _is_data_file(_relative(f, base))]
    if not files:
        raise LossCliError(
            f"no {'/'.join(PARQUET_SUFFIXES)} files here",
            file=path,
            hint="the dask engine reads Parquet datasets; --engine local reads CSV, Arrow and NDJSON too",
        )
    wanted = {name.lower() for name in partition_names}
    parts = []
    every_key: dict[str, None] = {}
    for name in files:
        relative = _relative(name, base)
        found = folder_keys(relative)
        every_key.update(dict.fromkeys(found))
        keys = tuple((k, v) for k, v in found.items() if k.lower() in wanted)
        parts.append(Part(name, _join(user_base, relative), keys))
    columns = _file_columns(filesystem, parts[0])
    parts, hive_columns = _typed_partitions(parts, {c.name for c in columns})
    columns += hive_columns
    unread = tuple(key for key in every_key if key not in {c.name for c in columns})
    columns, struct_paths = with_struct_fields(columns)
    return Dataset(path, filesystem, parts, columns, frozenset(c.name for c in hive_columns), unread, struct_paths)


def _filesystem(path: str) -> tuple[Any, str]:
    import fsspec

    try:
        return fsspec.core.url_to_fs(path)
    except ImportError as error:
        raise LossCliError(
            f"cannot open {path}: {_first_line(error)}",
            hint="install the fsspec filesystem for this URL (s3fs for s3://, gcsfs for gs://, adlfs for az://)",
        ) from None
    except (ValueError, OSError) as error:
        raise LossCliError(f"cannot open {path}: {_first_line(error)}", hint="check the path or URL") from None


def _glob_base(path: str) -> str:
    """The folder above the first wildcard: hive keys are read below it."""
    head = re.split(r"[*?\[]", path, maxsplit=1)[0]
    return head.rsplit("/", 1)[0] if "/" in head else ""


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _relative(path: str, base: str) -> str:
    base = base.rstrip("/")
    return path[len(base) + 1 :] if base and path.startswith(base + "/") else path.lstrip("/")


def _join(base: str, relative: str) -> str:
    return f"{base.rstrip('/')}/{relative}" if base else relative


def _files_under(filesystem: Any, folder: str) -> list[str]:
    return sorted(filesystem.find(folder))


def _is_data_file(relative: str) -> bool:
    pieces = relative.split("/")
    return pieces[-1].lower().endswith(PARQUET_SUFFIXES) and not any(p.startswith((".", "_")) for p in pieces)


def _typed_partitions(parts: list[Part], file_names: set[str]) -> tuple[list[Part], list[Column]]:
    """Folder keys typed as pyarrow and Spark type them; a key that is also a
    file column is left to the file."""
    values: dict[str, list[str | None]] = {}
    for part in parts:
        for key, value in part.partition:
            if key not in file_names:
                values.setdefault(key, []).append(value)
    kinds = key_types(values)
    typed = [Part(p.path, p.display, tuple((k, typed_value(v, kinds[k])) for k, v in p.partition if k in kinds)) for p in parts]
    return typed, [Column(key, kind) for key, kind in kinds.items()]


def _file_columns(filesystem: Any, part: Part) -> list[Column]:
    with _parquet_file(filesystem, part) as handle:
        return [Column(f.name, read_type(f.type)) for f in handle.schema_arrow]


@contextmanager
def _parquet_file(filesystem: Any, part: Part) -> Iterator[Any]:
    """The file opened for streaming (no pre-buffering, as the local reader)."""
    import pyarrow.parquet as pq

    stream = None if _is_local(filesystem) else filesystem.open(part.path, "rb")
    try:
        try:
            handle = pq.ParquetFile(part.path if stream is None else stream, pre_buffer=False)
        except (pa.ArrowException, OSError) as error:
            raise LossCliError(f"cannot read as Parquet: {_first_line(error)}", file=part.display, hint="is the file complete and really Parquet?") from None
        try:
            yield handle
        finally:
            handle.close()
    finally:
        if stream is not None:
            stream.close()


def _is_local(filesystem: Any) -> bool:
    protocol = filesystem.protocol
    return "file" in (protocol if isinstance(protocol, (tuple, list)) else (protocol,))


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


class SchemaSource(Source):
    """The dataset's columns, for locating roles on the client; never read."""

    def __init__(self, dataset: "Dataset") -> None:
        self.dataset = dataset
        self.path = dataset.display
        self.display = dataset.display
        self.columns = list(dataset.columns)
        self.struct_paths = dataset.struct_paths

    def unread_folder_keys(self) -> list[str]:
        return list(self.dataset.unread_folder_keys)

    def batches(self, columns: list[str], text_columns: frozenset[str] = frozenset()) -> Iterator[pa.RecordBatch]:
        raise LossCliError("the dask engine reads the dataset on its workers, not through this schema")


class PartSource(Source):
    """One file of the dataset, streamed in batches like the local Parquet reader,
    with its hive partition values as constant columns."""

    def __init__(self, part: Part, context: DatasetContext, handle: Any) -> None:
        self.part = part
        self.context = context
        self.path = part.path
        self.display = part.display
        # The dataset's columns, not this file's: every task must resolve roles alike.
        self.columns = list(context.columns)
        self.struct_paths = dict(context.struct_paths)
        self._handle = handle
        self._kinds = {c.name: c.type for c in self.columns}
        self.rows = handle.metadata.num_rows

    def rows_hint(self) -> int | None:
        return self.rows

    def check_one_type(self, names: list[str], option: str) -> dict[str, pa.DataType]:
        # Each task checks its own file against the dataset's schema, so no
        # task has to open every file.
        schema = self._handle.schema_arrow
        kinds = {c.name: c.type for c in self.columns}
        return {name: typed_across(name, kinds[name], self.context.schema_file, [(self.display, schema)], option) for name in names if name in kinds}

    @struct_fields_read
    def batches(self, columns: list[str], text_columns: frozenset[str] = frozenset()) -> Iterator[pa.RecordBatch]:
        constants = {k: v for k, v in self.part.partition if k in self.context.partition_columns}
        in_file = set(self._handle.schema_arrow.names)
        missing = [c for c in columns if c not in in_file and c not in constants]
        if missing:
            raise LossCliError(f"column '{missing[0]}' is missing from this file of the dataset", file=self.display, hint=MISSING_IN_PART)
        read = [c for c in columns if c in in_file]
        try:
            batches = vectors_as_lists(self._handle.iter_batches(batch_size=BATCH_ROWS, columns=read, use_threads=True), self.display)
            yield from add_folder_columns(batches, columns, constants, self._kinds)
        except (pa.ArrowException, OSError) as error:
            raise LossCliError(f"cannot read Parquet data: {_first_line(error)}", file=self.display, hint="the file may be truncated or corrupt") from None


# =========================================================================== one task, and the merge


@dataclass
class PartialState:
    """What a task returns: every loss's accumulator and the row counts."""

    accumulators: list[Accumulator]
    rows: int = 0
    omitted: int = 0

    @classmethod
    def empty(cls, losses: list[BoundLoss], by_sample: bool) -> "PartialState":
        return cls([new_accumulator(losses, index, by_sample=by_sample, **folding(losses)) for index in range(len(losses))])

    def merge(self, other: "PartialState") -> "PartialState":
        for mine, theirs in zip(self.accumulators, other.accumulators):
            mine.merge(theirs)
        self.rows += other.rows
        self.omitted += other.omitted
        return self


@dataclass
class _Fold:
    """The per-task function's arguments besides the file itself."""

    context: DatasetContext
    options: InputOptions
    losses: list[BoundLoss]

    @property
    def by_sample(self) -> bool:
        return self.options.sample_col is not None

    def empty(self) -> PartialState:
        return PartialState.empty(self.losses, self.by_sample)

    def fold_parts(self, parts: Iterable[Part]) -> PartialState:
        state = self.empty()
        for part in parts:
            state.merge(self.fold_file(part))
        return state

    def fold_file(self, part: Part) -> PartialState:
        """Read one file through an InputPlan and fold it into fresh accumulators."""
        with _parquet_file(self.context.filesystem, part) as handle:
            return self._fold_source(PartSource(part, self.context, handle))

    def _fold_source(self, source: PartSource) -> PartialState:
        if source.rows == 0:
            return self.empty()
        plan = InputPlan(self.options, self.losses, sources={PRED_SIDE: source})
        try:
            # The engine finalizes too; that small cost buys the very same fold.
            _, accumulators = evaluate(plan.batches(), self.losses, by_sample=self.by_sample, **folding(self.losses))
        except LossCliError:
            if plan.stats.rows == 0 and plan.stats.omitted == source.rows:
                # --nan-policy omit dropped every row of this file: nothing to add,
                # which is an error only if it holds for the whole dataset.
                return PartialState(self.empty().accumulators, omitted=plan.stats.omitted)
            raise
        return PartialState(accumulators, plan.stats.rows, plan.stats.omitted)

    def merge_states(self, states: Iterable[PartialState]) -> PartialState:
        # Into a fresh state: a task must not change its inputs (a retried
        # task would see them changed).
        total = self.empty()
        for state in states:
            total.merge(state)
        return total


def _reduction_graph(parts: list[Part], fold: _Fold) -> Any:
    """One task per file, then merges of SPLIT_EVERY states at a time."""
    import dask.bag as db

    bag = db.from_sequence(parts, partition_size=1)
    # Keys of their own: a cluster still holding an earlier run's results for
    # the same paths must not hand them back after the files changed.
    name = f"losscli-{uuid.uuid4().hex}"
    return bag.reduction(fold.fold_parts, fold.merge_states, split_every=SPLIT_EVERY, name=name)


# =========================================================================== the report


def _report(state: PartialState, plan: InputPlan, options: InputOptions, reduction: str, display: str) -> tuple[Report, InputPlan, list[Accumulator]]:
    if state.rows == 0:
        if state.omitted:
            raise LossCliError(f"every row ({state.omitted}) has a missing value; nothing is left to evaluate", file=display)
        raise LossCliError("no data rows", file=display, hint="every file of the dataset is empty")
    plan.stats.rows, plan.stats.omitted = state.rows, state.omitted
    outcomes = [acc.finalize("sum" if reduction == "sum" else "mean", options.by is not None) for acc in state.accumulators]
    for outcome, bound in zip(outcomes, plan.losses):
        # A worker's accumulator holds a copy of its loss: the results carry
        # the plan's own, which callers find by identity in ``report.losses``.
        outcome.loss = bound
    report = Report(
        predictions=[display], labels=None, rows=state.rows, results=outcomes_to_results(outcomes, display, options.by), notes=list(plan.notes), losses=list(plan.losses)
    )
    report.notes.extend(option_notes(options, plan.losses))
    if state.omitted:
        report.notes.append(omitted_note(state.omitted))
    return report, plan, state.accumulators

