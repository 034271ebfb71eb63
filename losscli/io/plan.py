"""From command-line input options to a stream of engine batches.

``InputPlan`` opens the prediction (and label) files, decides which columns
every role of every loss reads, reads only those, aligns the two files by
row order (streaming) or joins them on ``--key`` (in memory), applies the
NaN policy and hands the engine one :class:`~losscli.engine.Batch` at a time.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
from ._lazy import pc

from ..engine import Batch, DeferredBatch
from ..group_keys import Labels
from ..errors import LossCliError
from ..labels import MISSING
from ..logit_names import logits_by_name
from ..registry import BoundLoss, Role
from ..wording import counted, exact_number, listed, names_looked_for
from .columns import (
    LABEL_SIDE,
    PRED_SIDE,
    RoleColumns,
    accepts_many,
    coordinate_hint,
    find_default,
    list_to_matrix,
    list_to_objects,
    map_string_labels,
    match_name,
    score_columns_beside,
    select,
    text_to_objects,
    to_float,
    unknown_column,
)
from . import arrow_numpy
from .class_index import class_column_names, label_positions
from .pairing import pair_by_name
from .ids import BOOLEAN, NUMBER, TEXT, ZONE_HINT, check_id_type, check_key_types, id_kind, is_temporal, is_text, iso_text, plain_ids, temporal_keys, time_zone_of
from .overlaps import option_of, taken_by_selection
from .prefetch import prefetch
from .hive import names_given
from .batch_tables import one_table
from .formats import named_format
from .key_values import shown_keys
from .readers import Column, Source, is_list_type, open_source
from .suffixes import shared_prefix, up_to_separator
from ..shell import quote
from .positive_label import PositiveLabel
from .text_labels import is_label_text, predicted_classes_error, real_fake_error, two_classes_error

_SIDE_PREFIX = {PRED_SIDE: "p:", LABEL_SIDE: "l:"}
# Rows of each batch a --key join hands on (a module name, so tests can make it small).
JOINED_BATCH_ROWS = 1 << 20
# The internal name of the --key values per-row output shows: without a side
# prefix, it is never the name of a column read.
_SHOWN_KEYS = "keys"


@dataclass
class InputOptions:
    predictions: str
    labels: str | None = None
    key: str | None = None
    pred_cols: str | None = None
    label_cols: str | None = None
    role_cols: dict[str, str] = field(default_factory=dict)
    weight_col: str | None = None
    by: str | None = None
    sample_col: str | None = None
    nan_policy: str = "error"
    input_format: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    allow_unmatched: bool = False
    # --positive: the label whose probability one prediction column holds.
    positive: str | None = None
    # Each batch carries its rows' --key values (``Batch.keys``) for per-row
    # output; only then, since shaping them costs a pass over every key.
    keys_per_row: bool = False
    # Row numbers (see ``ReadStats.row_space``), sorted, to leave out:
    # ``compare`` evaluates every model on the rows all of them have values for.
    exclude_rows: np.ndarray | None = None


@dataclass
class Extra:
    """A non-loss column: weights, --by groups, --sample-col ids."""

    side: str
    name: str

    @property
    def internal(self) -> str:
        return _SIDE_PREFIX[self.side] + self.name


@dataclass
class ReadStats:
    rows: int = 0
    omitted: int = 0
    unmatched_predictions: int = 0
    unmatched_labels: int = 0
    excluded: int = 0  # rows left out on request (InputOptions.exclude_rows)
    # Rows are numbered as in the labels file with --key, else by position
    # (which an aligned labels file shares), so that several prediction files
    # read against the same rows number them alike. ``row_space`` is how many
    # such rows the input has, once read to the end.
    row_space: int | None = None
    # Long-format sequences: the frame rows gathered, and the values they hold.
    frame_rows: int = 0
    frame_values: int = 0
    # --nan-policy omit for losses whose rows are not paired (see
    # ``InputPlan.omits_per_column``): (file, column) -> [values omitted,
    # values kept] of each column they read. A row is omitted (and counted in
    # ``omitted``) only when every one of those columns misses its value.
    column_values: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _left_out: list[np.ndarray] = field(default_factory=list)

    def leave_out(self, row_numbers: np.ndarray) -> None:
        self._left_out.append(np.asarray(row_numbers, dtype=np.int64))

    def left_out(self) -> np.ndarray:
        """The numbers of the rows not evaluated for want of a value or a
        --key partner (not those excluded on request), sorted."""
        if not self._left_out:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(self._left_out))


class InputPlan:
    def __init__(
        self, options: InputOptions, losses: list[BoundLoss], *, sources: dict[str, Source] | None = None, check_missing: bool = True
    ) -> None:
        """``check_missing=False`` leaves NaN and inf to the losses, for callers
        that check the loss sums instead (see ``evaluation.evaluate_file``)."""
        self.options = options
        self.losses = losses
        self.check_missing = check_missing
        self.stats = ReadStats()
        # The width of each list column, (side, name) -> values per row, held
        # across batches and files: a column may not change width part way.
        self._list_widths: dict[tuple[str, str], int] = {}
        self.sources = sources or self._open()
        # The --key column of each file, as each file spells it (ID and id).
        self.key_columns = self._key_columns()
        self.extras = self._extras()
        # The same --weight-col, --by or --sample-col column in the other file
        # too: the predictions file's is used, and the other is read beside it
        # only to say so when the two hold different values.
        self._twins = self._twin_extras()
        self._twin_differences: dict[str, list] = {}
        # Weights and the join key are never loss inputs; --by and --sample-col
        # columns may be (grouping by the label column gives per-class losses),
        # but only when a role names them exactly. Names are claimed per file:
        # a predictions column 'target' leaves the labels file's 'target' free.
        claimed: dict[str, set[str]] = {side: {self.key_columns[side]} if side in self.key_columns else set() for side in self.sources}
        if "weight" in self.extras:
            claimed[self.extras["weight"].side].add(self.extras["weight"].name)
        self._reserved = frozenset(e.name for k, e in self.extras.items() if k in ("by", "sample"))
        self._check_role_overrides()
        # What the report says about how the inputs were read (columns paired
        # in the order selected although their names suggest otherwise).
        self.notes: list[str] = []
        self.role_columns = [self._resolve(bound, claimed) for bound in losses]
        # Predictions under a name that says logits are read as logits by
        # the losses that read either, unless the user said how: the losses
        # as evaluated, which the engine is to be given in place of ``losses``.
        prediction_names = [_prediction_names(roles) for roles in self.role_columns]
        self.losses, logits_notes = logits_by_name(losses, prediction_names)
        self.notes.extend(logits_notes)
        if any(bound.name == "quantile" for bound in losses):
            from .quantile_names import quantiles_by_name

            # Quantile forecasts named by their level are scored at it, unless q was given.
            self.losses, level_notes = quantiles_by_name(self.losses, prediction_names)
            self.notes.extend(level_notes)
        # What every batch tells the engine about where each role was read, for
        # its error messages: the same for every batch, so worked out once.
        self._role_column_names = [{role: rc.brief() for role, rc in roles.items()} for roles in self.role_columns]
        self._label_roles = [frozenset(role for role, rc in roles.items() if rc.side == LABEL_SIDE) for roles in self.role_columns]
        self.long_format = self._is_long_format()
        self.positive = self._positive_label()
        # (side, name) -> the type of an id column across the files of its input.
        self._id_types: dict[tuple[str, str], pa.DataType] = {}
        self._check_id_types()
        self._note_rows_out_of_order()
        self._note_unused_csv_options()

    @property
    def unpaired_losses(self) -> list[BoundLoss]:
        """The losses that compare the distributions of their roles, not rows."""
        return [bound for bound in self.losses if not bound.spec.rows_paired]

    @property
    def omits_per_column(self) -> bool:
        """Whether --nan-policy omit drops missing values per column rather
        than whole rows: when every loss compares distributions (the rows are
        not paired) and no --weight-col gives a row a weight that belongs to
        both of its values. Losses that pair rows beside them could not share
        the batches' rows; a missing value then stops the run (see
        ``_omit_refused``)."""
        return (
            self.options.nan_policy == "omit"
            and "weight" not in self.extras
            and bool(self.losses)
            and not any(bound.spec.rows_paired for bound in self.losses)
        )

    def _omit_hint(self) -> str:
        """What --nan-policy omit would do with the missing values of this run."""
        unpaired = self.unpaired_losses
        if not unpaired:
            return "--nan-policy omit drops them and reports how many"
        names = listed([bound.display for bound in unpaired])
        if "weight" in self.extras:
            return (
                f"--nan-policy omit drops them and reports how many; for {names}, which compares distributions, "
                "a row's --weight-col weight belongs to both of its values, so a row missing either is dropped whole"
            )
        per_column = f"--nan-policy omit drops missing values per column for {names}, which compares distributions, each column keeping its own values"
        if len(unpaired) < len(self.losses):
            return f"{per_column}, and needs a run of its own for that: losses that pair rows drop whole rows"
        return f"{per_column}, and reports how many"

    def _omit_refused(self) -> LossCliError:
        """--nan-policy omit with missing values, for losses that pair rows
        and losses that compare distributions at once: the batches hand every
        loss the same rows, so one run cannot drop whole rows for the first
        and single values for the others."""
        unpaired = [bound.display for bound in self.unpaired_losses]
        paired = [bound.display for bound in self.losses if bound.spec.rows_paired]
        return LossCliError(
            f"--nan-policy omit drops missing values per column for {listed(unpaired)}, which compares distributions, "
            f"but whole rows for {listed(paired)}: one run cannot do both",
            file=self.sources[PRED_SIDE].display,
            hint=f"run {listed(unpaired)} in a run of its own, and the other losses in another",
        )

    def _omit_per_column(self, arrays: list[dict[str, np.ndarray]], rows: np.ndarray | None) -> np.ndarray:
        """Count the missing and the kept values of each column the losses read
        (over ``rows``, a mask, or every row) and return the rows to drop:
        those missing every value. The missing values of the other rows stay
        in the arrays, for the losses to drop per column."""
        empty = None
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for loss_arrays, roles in zip(arrays, self.role_columns):
            for role, values in loss_arrays.items():
                if values.dtype == object:
                    continue
                missing = ~np.isfinite(values) if values.ndim == 1 else ~np.isfinite(values).all(axis=1)
                empty = missing if empty is None else (empty & missing)
                located = roles[role]
                if (located.side, located.names) in seen:
                    continue
                seen.add((located.side, located.names))
                counts = self.stats.column_values.setdefault((self._display(located.side), located.describe()), [0, 0])
                omitted = int(missing.sum() if rows is None else missing[rows].sum())
                counts[0] += omitted
                counts[1] += (len(missing) if rows is None else int(rows.sum())) - omitted
        assert empty is not None
        return empty

    def _note_unused_csv_options(self) -> None:
        """--delimiter and --decimal say how CSV is written; given for inputs
        none of which is CSV they change nothing, which the user should know
        (a script passing them for every input is not wrong, so no error)."""
        given = [option for option, used in (("--delimiter", self.options.delimiter is not None), ("--decimal", self.options.decimal != ".")) if used]
        # Only CSV sources are untyped.
        if given and not any(source.untyped for source in self.sources.values()):
            inputs = listed([source.display for source in self.sources.values()])
            self.notes.append(f"{listed(given)} {'is' if len(given) == 1 else 'are'} for CSV input and {inputs} {'is' if len(self.sources) == 1 else 'are'} not CSV: not used")

    # ------------------------------------------------------------------ opening

    def _open(self) -> dict[str, Source]:
        o = self.options
        if o.labels == "-" and o.predictions == "-":
            raise LossCliError("only one input can come from stdin ('-')")
        folders = names_given(o)
        sources = {PRED_SIDE: open_source(o.predictions, o.input_format, o.delimiter, folders, o.decimal)}
        if o.labels:
            # --input-format describes the predictions; a labels file whose
            # name says its format (labels.parquet next to preds.out) keeps it.
            label_format = o.input_format if named_format(o.labels) is None else None
            sources[LABEL_SIDE] = open_source(o.labels, label_format, o.delimiter, folders, o.decimal)
        return sources

    def _key_columns(self) -> dict[str, str]:
        """Side -> the column --key names there, matched as --by and the
        column options match (exactly, else ignoring spaces, then case)."""
        key = self.options.key
        if not key:
            if self.options.allow_unmatched:
                # Rows aligned by order always have a partner: the switch would do nothing.
                raise LossCliError("--allow-unmatched applies to rows joined on --key", hint="give --key COL too, or drop --allow-unmatched")
            return {}
        columns = {}
        for side, source in self.sources.items():
            found = match_name(key, source.names())
            if found is None:
                raise unknown_column(key, source.names(), source.display, "--key", source.delimiter_advice)
            columns[side] = found
        if LABEL_SIDE not in columns:
            raise LossCliError("--key joins predictions to a --labels file; give --labels too")
        return columns

    def _find(self, name: str, what: str, prefer: str = PRED_SIDE) -> Extra:
        order = [prefer] + [s for s in self.sources if s != prefer]
        for side in order:
            found = match_name(name, self.sources[side].names()) if side in self.sources else None
            if found is not None:
                return Extra(side, found)
        source = self.sources[prefer if prefer in self.sources else PRED_SIDE]
        # A folder key becomes a column once named, so a near miss is offered too.
        everything = [n for s in self.sources.values() for n in (*s.names(), *s.unread_folder_keys())]
        raise unknown_column(name, everything, source.display, what, source.delimiter_advice)

    def _extras(self) -> dict[str, Extra]:
        o = self.options
        extras = {}
        if o.weight_col:
            extras["weight"] = self._find(o.weight_col, "--weight-col")
        if o.by:
            extras["by"] = self._find(o.by, "--by")
        if o.sample_col:
            extras["sample"] = self._find(o.sample_col, "--sample-col")
        for option, extra in (("--weight-col", "weight"), ("--by", "by"), ("--sample-col", "sample")):
            if extra in extras:
                column = self.sources[extras[extra].side].column(extras[extra].name)
                if column.is_list:
                    raise LossCliError(
                        f"{option} needs a column of single values, but '{column.name}' holds lists",
                        file=self.sources[extras[extra].side].display,
                        column=column.name,
                        hint=f"give {option} a column with one value per row",
                    )
        return extras

    def _twin_extras(self) -> dict[str, Extra]:
        """Extra kind -> the column of the same name in the file the extra is
        not read from, when that file has one (a join key is the same on
        both sides by definition, and a list column is no such value)."""
        twins: dict[str, Extra] = {}
        if LABEL_SIDE not in self.sources:
            return twins
        for kind, extra in self.extras.items():
            other = LABEL_SIDE if extra.side == PRED_SIDE else PRED_SIDE
            found = match_name(extra.name, self.sources[other].names())
            if found is None or found == self.key_columns.get(other) or self.sources[other].column(found).is_list:
                continue
            twins[kind] = Extra(other, found)
        return twins

    # ------------------------------------------------------------------ roles

    def _check_role_overrides(self) -> None:
        known = {role.name for bound in self.losses for role in bound.spec.roles}
        for role in self.options.role_cols:
            if role not in known:
                raise LossCliError(
                    f"--col names role '{role}', which none of the losses reads",
                    hint=f"roles of these losses: {', '.join(sorted(known))}",
                )

    def _override(self, role: Role) -> str | None:
        o = self.options
        if role.name in o.role_cols:
            return o.role_cols[role.name]
        if role.name == "y_pred":
            return o.pred_cols
        if role.name == "y_true":
            return o.label_cols
        return None

    def _resolve(self, bound: BoundLoss, claimed: dict[str, set[str]]) -> dict[str, RoleColumns]:
        chosen: dict[str, RoleColumns] = {}
        taken = {side: set(names) for side, names in claimed.items()}
        # Explicit selections first, so defaults never grab a column the user assigned.
        roles = sorted(bound.spec.roles, key=lambda r: self._override(r) is None)
        for role in roles:
            located = self._locate(bound, role, taken, chosen)
            if located is None:
                continue
            self._refuse_one_column_for_two_inputs(bound, located, chosen)
            chosen[role.name] = located
            taken[located.side].update(located.names)
        if bound.name in ("quantile", "gaussian_nll"):
            self._check_what_names_say(bound, chosen)
        if bound.name == "cosine_embedding":
            self._refuse_one_number_embeddings(chosen)
        if bound.name == "contrastive" and "distance" not in chosen and ("x1" not in chosen or "x2" not in chosen):
            # Both inputs are optional (a distance column stands in for them), so
            # no default search failed: say here what the file offers instead.
            side = PRED_SIDE
            flag = self._embedding_pair_flags(side, taken[side]) or "--col x1=COLS --col x2=COLS"
            raise LossCliError(
                f"contrastive needs the embeddings x1 and x2, or a distance column (missing {'x2' if 'x1' in chosen else 'x1'}; "
                "looked for x1, emb1, a, left and x2, emb2, b, right, and distance, dist, pair_distance)",
                file=self.sources[side].display,
                hint=f"name them with {flag}, or --col distance=COL; columns: {', '.join(self.sources[side].names()[:12])}",
            )
        return self._paired(bound, _without_replaced(bound, chosen))

    def _refuse_one_column_for_two_inputs(self, bound: BoundLoss, located: RoleColumns, chosen: dict[str, RoleColumns]) -> None:
        """Two selections (``--label-col y --pred-col y``) that give one column of
        one file to two inputs of a loss: it would compare the column with
        itself (mse 0 whatever the data) and say nothing. Defaults never take a
        column already chosen, so only explicit selections meet here."""
        for other in chosen.values():
            if other.side != located.side:
                continue
            shared = [name for name in located.names if name in other.names]
            if not shared:
                continue
            shown = ", ".join(f"'{name}'" for name in shared[:6]) + (", ..." if len(shared) > 6 else "")
            first, second = option_of(other.role), option_of(located.role)
            raise LossCliError(
                f"{first} and {second} both select {shown}: {bound.name} would read the same column as {other.role} and as {located.role}",
                file=self.sources[located.side].display,
                column=shared[0],
                hint=f"give {other.role} and {located.role} different columns",
            )

    def _check_what_names_say(self, bound: BoundLoss, chosen: dict[str, RoleColumns]) -> None:
        """Columns whose names say they hold something else than the loss
        reads there: another quantile level, a standard deviation as a variance."""
        from .quantile_names import check_distinct_levels, check_quantile_columns, check_variance_columns, levels_by_name  # for these two losses only

        if bound.name == "quantile" and "y_pred" in chosen:
            located = chosen["y_pred"]
            display = self.sources[located.side].display
            levels = levels_by_name(bound, located.names)
            if levels is None:  # else the names give q (see quantiles_by_name)
                check_quantile_columns(bound.name, bound.params["q"], located.names, display)
            check_distinct_levels(bound.params["q"] if levels is None else levels, located.names, display)
            if self.options.by:
                from .quantile_names import check_levels_not_grouped

                check_levels_not_grouped(bound, self.options.by, located.names, display)
        if bound.name == "gaussian_nll" and "var" in chosen:
            located = chosen["var"]
            check_variance_columns(bound.name, located.names, self.sources[located.side].display)

    def _embedding_pair_flags(self, side: str, taken: set[str]) -> str | None:
        """``--col x1=A --col x2=B`` when the file's only unclaimed list columns
        are two of the same width (sentence-transformers' ``sentence1``,
        ``sentence2``): the embeddings of a pair under names of their own."""
        source = self.sources[side]
        lists = [c for c in source.columns if c.is_list and c.name not in taken and c.name not in self._reserved]
        if len(lists) != 2:
            return None
        try:
            head = source.head([c.name for c in lists], rows=1)
        except (LossCliError, pa.ArrowException, OSError):
            return None
        if head is None or head.num_rows == 0:
            return None
        first = [head.column(i)[0] for i in range(2)]
        if not all(value.is_valid for value in first) or len(first[0]) != len(first[1]):
            return None
        return f"--col x1={quote(lists[0].name)} --col x2={quote(lists[1].name)}"

    def _refuse_one_number_embeddings(self, chosen: dict[str, RoleColumns]) -> None:
        """cosine_embedding on one plain column each for x1 and x2 (a margin-ranking
        file): told from the schema, so recommend sees it too; the kernel
        refuses one-number list columns and arrays passed in."""
        x1, x2 = chosen.get("x1"), chosen.get("x2")
        if x1 is None or x2 is None or x1.list_column or x2.list_column or len(x1.names) != 1 or len(x2.names) != 1:
            return
        from ..losses.ranking import one_number_embeddings_error

        error = one_number_embeddings_error((x1.names[0], x2.names[0]))
        raise LossCliError(error.message, file=self.sources[x1.side].display, hint=error.hint)

    def _paired(self, bound: BoundLoss, chosen: dict[str, RoleColumns]) -> dict[str, RoleColumns]:
        """The loss's multi-column inputs with their columns paired by name
        (see ``pairing``); notes on those that names would pair otherwise."""
        compared = [chosen[role.name] for role in bound.spec.roles if role.name in chosen and role.shape in ("vector", "class")]
        paired, notes = pair_by_name(compared)
        self.notes.extend(note for note in notes if note not in self.notes)
        return {**chosen, **{located.role: located for located in paired}}

    def _sides_for(self, role: Role) -> list[str]:
        preferred = LABEL_SIDE if role.name == "y_true" and LABEL_SIDE in self.sources else PRED_SIDE
        return [preferred] + [s for s in self.sources if s != preferred]

    def _locate(self, bound: BoundLoss, role: Role, taken: dict[str, set[str]], chosen: dict[str, RoleColumns]) -> RoleColumns | None:
        override = self._override(role)
        sides = self._sides_for(role)
        if override:
            last_error = None
            for side in sides:
                source = self.sources[side]
                try:
                    names = select(override, source.columns, display=source.display, what=f"{role.name} of {bound.name}", advice=source.delimiter_advice)
                except LossCliError as error:
                    last_error = last_error or error
                    continue
                return self._role_columns(role, side, names, bound)
            raise last_error  # type: ignore[misc]
        for index, side in enumerate(sides):
            if role.name == "y_pred" and side == LABEL_SIDE:
                # Predictions come from the predictions file: a labels file's
                # own prediction column (a baseline kept beside the targets)
                # would be scored under the predictions file's name.
                continue
            source = self.sources[side]
            # The "only numeric column" rule applies to a file of its own kind:
            # the labels file for y_true, the predictions file for y_pred.
            sole = (role.name == "y_true" and side == LABEL_SIDE) or (role.name == "y_pred" and side == PRED_SIDE)
            names = find_default(
                role,
                source,
                taken[side],
                allow_many=accepts_many(role),
                sole_numeric=sole,
                reserved=self._reserved,
                other_defaults=tuple(d for other in bound.spec.roles if other.name != role.name for d in other.defaults),
            )
            if names:
                _refuse_spark_class_index(role, names, source, bound)
                _refuse_classes_beside_scores(role, names, source, bound, taken[side])
                return self._role_columns(role, side, names, bound)
        if role.optional:
            return None
        selections = {r.name: text for r in bound.spec.roles if (text := self._override(r))}
        overlap = taken_by_selection(bound.spec, role, chosen, selections, self.sources)
        if overlap is not None:
            raise overlap
        source = self.sources[sides[0]]
        flag = option_of(role.name) + ("COLS" if role.name not in ("y_pred", "y_true") else "")
        pair = self._embedding_pair_flags(sides[0], taken[sides[0]]) if role.name in ("x1", "x2") else None
        if pair:
            flag, what = pair, "them"
        else:
            what = "it"
        raise LossCliError(
            f"no column for {role.name} of loss '{bound.name}' (looked for {names_looked_for(role.defaults)})",
            file=source.display,
            hint=source.delimiter_advice
            or (role.name == "y_true" and coordinate_hint(source))
            or self._claimed_default(role, sides[0], flag)
            or f"name {what} with {flag}; columns: {', '.join(source.names()[:12])}",
        )

    def _claimed_default(self, role: Role, side: str, flag: str) -> str | None:
        """What to say when the column a role reads by default is the
        --weight-col or --key column, which are never loss inputs: the
        column list would name it, as if it were there to be read."""
        names = self.sources[side].names()
        claimed = {self.key_columns.get(side): "--key"}
        weight = self.extras.get("weight")
        if weight is not None and weight.side == side:
            claimed[weight.name] = "--weight-col"
        for default in role.defaults:
            found = match_name(default, names)
            if found is not None and found in claimed:
                option = claimed[found]
                return f"'{found}' is the {option} column, which is never read as {role.name}: give {option} another column, or name the {role.name} column with {flag}"
        return None

    def _role_columns(self, role: Role, side: str, names: list[str], bound: BoundLoss) -> RoleColumns:
        source = self.sources[side]
        is_list = len(names) == 1 and source.column(names[0]).is_list
        if len(names) > 1 and not accepts_many(role):
            raise LossCliError(
                f"{role.name} of loss '{bound.name}' takes one column, got {len(names)}: {', '.join(names)}",
                file=source.display,
            )
        return RoleColumns(role.name, side, tuple(names), is_list)

    def _reads_positive(self, bound: BoundLoss, roles: dict[str, RoleColumns]) -> bool:
        """Whether --positive maps this loss's labels: a loss of binary labels
        reading one label column beside one prediction column."""
        label, pred = roles.get("y_true"), roles.get("y_pred")
        return (
            bound.spec.binary_label_codes is not None
            and label is not None
            and pred is not None
            and not label.list_column
            and not pred.list_column
            and len(label.names) == 1
            and len(pred.names) == 1
        )

    def _positive_label(self) -> PositiveLabel | None:
        """--positive, refused where no loss reads it (it would change nothing,
        so it is a mistake), with a note naming the losses it leaves as they are."""
        if self.options.positive is None or not self.losses:
            return None
        unread = [bound.display for bound, roles in zip(self.losses, self.role_columns) if not self._reads_positive(bound, roles)]
        if len(unread) == len(self.losses):
            from ..registry import all_specs

            binary = [spec.name for spec in all_specs() if spec.binary_label_codes is not None]
            raise LossCliError(
                f"--positive names the class of binary labels beside one prediction column, and {listed(unread)} "
                f"{'reads' if len(unread) == 1 else 'read'} no such labels here",
                hint=f"drop --positive: it is for {listed(binary)} on one prediction column, "
                "while one probability column per class is matched to the labels by the columns' names",
            )
        if unread:
            self.notes.append(f"--positive applies to binary labels beside one prediction column; {listed(unread)} {'reads' if len(unread) == 1 else 'read'} the labels as written")
        return PositiveLabel(self.options.positive)

    def _check_positive_found(self) -> None:
        if self.positive is None:
            return
        for bound, roles in zip(self.losses, self.role_columns):
            if self._reads_positive(bound, roles):
                located = roles["y_true"]
                self.positive.check_found(column=located.names[0], display=self._display(located.side))

    def _is_long_format(self) -> bool:
        """Sequence losses read either one row per sequence (a list of frames)
        or one row per frame grouped by --sample-col (long format)."""
        long_losses = []
        for bound, roles in zip(self.losses, self.role_columns):
            located = roles.get("y_pred")
            if located is None or bound.spec.role("y_pred").shape != "sequence":
                continue
            column = self.sources[located.side].column(located.names[0])
            if not (located.list_column and is_list_type(column.type.value_type)):
                self._refuse_frames_as_text(located, column)
                long_losses.append(bound)
        if not long_losses:
            return False
        if not self.options.sample_col:
            raise LossCliError(
                f"{long_losses[0].name} reads one row per frame here, which needs --sample-col naming the sequence of each frame",
                file=self.sources[PRED_SIDE].display,
                hint="or give one row per sequence with a list-of-lists column of frames",
            )
        others = [b.display for b in self.losses if b not in long_losses]
        if others:
            raise LossCliError(
                "long-format sequence input (one row per frame) is evaluated on its own: drop " + ", ".join(others),
                hint="run the other losses in a separate command",
            )
        return True

    def _refuse_frames_as_text(self, located: RoleColumns, column: Column) -> None:
        """One text column of frames is a list written out as text (a CSV cell
        cannot hold a list), not one row per frame."""
        if len(located.names) == 1 and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            raise LossCliError(
                "column holds text, not frames of log-probabilities",
                file=self.sources[located.side].display,
                column=located.names[0],
                hint="give one row per sequence as a list-of-lists column (Parquet, Arrow or NDJSON arrays; a CSV "
                "cell cannot hold a list), or one row per frame with a column per class and --sample-col naming the sequence",
            )

    def _check_id_types(self) -> None:
        key_kinds = []
        for side, source in self.sources.items():
            for option, name in self._id_columns(side):
                self._id_types[side, name] = source.check_one_type([name], option).get(name, source.column(name).type)
                if not source.untyped:
                    check_id_type(self._id_types[side, name], option=option, column=name, display=source.display)
            if self.options.key:
                kind = self._id_types[side, self.key_columns[side]]
                # A CSV reader keeps ids as the text written.
                key_kinds.append((TEXT, "text", source.display) if source.untyped else (id_kind(kind), str(kind), source.display))
        if len(key_kinds) == 2:
            check_key_types(key_kinds, self.key_columns[LABEL_SIDE])

    def _note_rows_out_of_order(self) -> None:
        """Rows of a --labels file are paired with the predictions by position.
        A column both files have that holds a different value in every row (an
        id, a timestamp) and differs between them at the same row says that
        the files list their rows in different orders,
        which pairs every prediction with another row's label: said in a note
        naming the column for --key. Only the first batch of each file is
        looked at, and only files that can be read again (not stdin or a pipe)."""
        if self.options.key or LABEL_SIDE not in self.sources or self.long_format:
            return
        from .piped import reads_once

        if any(reads_once(path) for path in (self.options.predictions, self.options.labels) if path):
            return
        pred, labels = self.sources[PRED_SIDE], self.sources[LABEL_SIDE]
        inputs = self._loss_inputs(PRED_SIDE) | self._loss_inputs(LABEL_SIDE)
        shared = [name for name in pred.names() if name in labels.names() and name not in inputs and _may_name_rows(pred.column(name), labels.column(name))]
        if not shared:
            return
        heads = {}
        for side, source in ((PRED_SIDE, pred), (LABEL_SIDE, labels)):
            try:
                heads[side] = source.head(shared, frozenset(shared) if source.untyped else frozenset(), _ROWS_LOOKED_AT)
            except (LossCliError, pa.ArrowException, OSError):
                return  # the read proper reports what is wrong with the file
            if heads[side] is None:
                return
        n = min(heads[PRED_SIDE].num_rows, heads[LABEL_SIDE].num_rows, _ROWS_LOOKED_AT)
        for name in shared:
            columns = [heads[side].column(name).slice(0, n) for side in (PRED_SIDE, LABEL_SIDE)]
            if len({is_temporal(_value_type(column.type)) for column in columns}) > 1:
                continue  # a date beside text or a number: not one id
            # In Python: a few thousand values, and pyarrow.compute (with the
            # pandas it imports) costs a plain run more time than the look.
            left, right = ([_row_id(value) for value in column.to_pylist()] for column in columns)
            # Only an id (a value per row on both sides) says which row is which;
            # a column such as a region may mean another thing in each file.
            if any(len(set(values) - {None}) != len(values) for values in (left, right)):
                continue
            differ = [i for i, (a, b) in enumerate(zip(left, right)) if a != b]
            if not differ:
                continue
            row = differ[0]
            shown = [_key_shown(column[row].as_py()) for column in columns]
            self.notes.append(
                f"rows are paired by position, but '{name}' differs between the files in {len(differ)} of the {n} rows compared, "
                f"the first at row {row + 1} ({shown[0]} in {pred.display}, {shown[1]} in {labels.display}): "
                f"if the files list their rows in different orders, join them with --key {name}"
            )
            return

    def _id_columns(self, side: str) -> list[tuple[str, str]]:
        """(option, column) of the columns on ``side`` that name rows rather than hold numbers."""
        found = [(option, self.extras[kind].name) for kind, option in (("by", "--by"), ("sample", "--sample-col")) if kind in self.extras and self.extras[kind].side == side]
        if side in self.key_columns:
            found.append(("--key", self.key_columns[side]))
        return found

    def _loss_inputs(self, side: str) -> set[str]:
        return {name for roles in self.role_columns for located in roles.values() if located.side == side for name in located.names}

    def labels_are_text(self, kind: str) -> bool:
        """Whether the --by ("by") or --sample-col ("sample") values were read
        as text from a file without types (CSV); see ``losscli.labels``."""
        extra = self.extras.get(kind)
        if extra is None:
            return False
        return extra.name in self._text_ids(extra.side)

    def _text_ids(self, side: str) -> set[str]:
        """Id columns a CSV reader keeps as written: "007" and "7" are two ids,
        and a 20-digit id keeps every digit. A column that is also a loss
        input (--by label) is read as numbers, as the loss needs."""
        if not self.sources[side].untyped:
            return set()
        return {name for _, name in self._id_columns(side)} - self._loss_inputs(side)

    # ------------------------------------------------------------------ reading

    def columns_to_read(self, side: str) -> tuple[list[str], set[str]]:
        """(columns, columns a CSV reader must keep as text) for one side.

        Numeric columns are best parsed by the reader itself (fast, and it
        finds the row of a bad value); a sequence target such as "3 1 4" must
        stay text even when a file's first rows hold single numbers, and so
        must ids (--key, --by, --sample-col), which are names, not amounts.
        """
        wanted: list[str] = []
        text: set[str] = set()
        for bound, roles in zip(self.losses, self.role_columns):
            for role in bound.spec.roles:
                located = roles.get(role.name)
                if located is None or located.side != side:
                    continue
                wanted.extend(located.names)
                if role.shape == "sequence" and len(located.names) == 1 and not located.list_column:
                    text.update(located.names)
        for extra in self.extras.values():
            if extra.side == side:
                wanted.append(extra.name)
        if side in self.key_columns:
            wanted.append(self.key_columns[side])
        if side in self.sources:
            text.update(self._text_ids(side))
        for kind, twin in self._twins.items():
            if twin.side == side:
                wanted.append(twin.name)
                if kind != "weight" and self.sources[side].untyped and twin.name not in self._loss_inputs(side):
                    text.add(twin.name)  # read as ids are, so that "7" meets 7
        return list(dict.fromkeys(wanted)), text

    def _raw_batches(self) -> Iterator[tuple[dict[str, pa.Array], np.ndarray | None, np.ndarray | None]]:
        """Dicts of internal column name -> Arrow array, and the original row ids
        of the prediction and label files when rows are not contiguous (--key)."""
        if self.options.key:
            yield from self._joined()
            return
        streams = {}
        for side, source in self.sources.items():
            columns, text = self.columns_to_read(side)
            stream = _read(source, columns, text)
            # batches() already runs in a thread of its own; a second file gets
            # one more, so both files decode at the same time.
            streams[side] = (prefetch(stream) if len(self.sources) > 1 else stream, columns)
        pred_stream, pred_cols = streams[PRED_SIDE]
        if LABEL_SIDE not in streams:
            for batch in pred_stream:
                yield {_SIDE_PREFIX[PRED_SIDE] + n: batch.column(i) for i, n in enumerate(pred_cols)}, None, None
            return
        label_stream, label_cols = streams[LABEL_SIDE]
        for pred_batch, label_batch in _aligned(pred_stream, label_stream, self.sources):
            merged = {_SIDE_PREFIX[PRED_SIDE] + n: pred_batch.column(i) for i, n in enumerate(pred_cols)}
            merged.update({_SIDE_PREFIX[LABEL_SIDE] + n: label_batch.column(i) for i, n in enumerate(label_cols)})
            yield merged, None, None

    def _joined(self) -> Iterator[tuple[dict[str, pa.Array], np.ndarray | None, np.ndarray | None]]:
        key = self.options.key
        tables = {}
        for side, source in self.sources.items():
            columns, text = self.columns_to_read(side)
            batches = list(_read(source, columns, text)) if columns else []
            table = one_table(batches, source.display) if batches else None
            if table is None or table.num_rows == 0:
                raise LossCliError("no data rows", file=source.display, hint="the file has a header but no rows")
            table = table.rename_columns([_SIDE_PREFIX[side] + n for n in table.column_names])
            tables[side] = table
        named = self.key_columns
        for side in tables:
            tables[side] = _nan_keys_missing(tables[side], _SIDE_PREFIX[side] + named[side])
        left, right = tables[PRED_SIDE], tables[LABEL_SIDE]
        plain = {
            side: plain_ids(tables[side][_SIDE_PREFIX[side] + named[side]].combine_chunks(), column=named[side], display=self._display(side))
            for side in tables
        }
        left_keys, right_keys = _comparable_keys(plain[PRED_SIDE], plain[LABEL_SIDE])
        # With unique keys on both sides a lookup is the join; prediction order is kept.
        # A row without a key has no partner (--allow-unmatched counts it so).
        position = pc.index_in(left_keys, value_set=right_keys, skip_nulls=True)
        matched = pc.is_valid(position)
        if not _pairs_every_row_once(position, left.num_rows, right.num_rows):
            # Each side's own check names the duplicate or the missing key; a
            # join that pairs every row once needs neither (two fewer hash
            # tables of every key: most of the join's time).
            for side, keys in ((PRED_SIDE, left_keys), (LABEL_SIDE, right_keys)):
                _check_unique_keys(tables[side][_SIDE_PREFIX[side] + named[side]], keys, self.sources[side], named[side], self.options.allow_unmatched)
        left_rows = np.flatnonzero(arrow_numpy.booleans(matched))
        right_rows = position.filter(matched)
        self.stats.unmatched_predictions = left.num_rows - len(left_rows)
        self.stats.unmatched_labels = right.num_rows - len(left_rows)
        self.stats.row_space = right.num_rows
        if len(left_rows) == 0:
            zones = {side: time_zone_of(plain[side]) for side in plain}
            if None not in zones.values() and zones[PRED_SIDE][0] != zones[LABEL_SIDE][0]:
                aware, naive = (PRED_SIDE, LABEL_SIDE) if zones[PRED_SIDE][0] else (LABEL_SIDE, PRED_SIDE)
                raise LossCliError(
                    f"no prediction row matches a label row on --key '{key}': its timestamps are time-zone aware in {self._display(aware)} "
                    f"({zones[aware][1]}) but naive, without a time zone, in {self._display(naive)} ({zones[naive][1]}), and such keys never match",
                    file=self.sources[PRED_SIDE].display,
                    column=named[PRED_SIDE],
                    hint=ZONE_HINT.replace("KEY", key),
                )
            # Not "no data rows": both files have rows, the key just pairs none of them.
            raise LossCliError(
                f"no prediction row matches a label row on --key ({counted(left.num_rows, 'prediction row')}, {counted(right.num_rows, 'label row')})",
                file=self.sources[PRED_SIDE].display,
                column=named[PRED_SIDE],
                hint=f"check that '{key}' holds the same ids, of the same type, in both files",
            )
        if (self.stats.unmatched_predictions or self.stats.unmatched_labels) and not self.options.allow_unmatched:
            predictions, labels = self.stats.unmatched_predictions, self.stats.unmatched_labels
            firsts = []
            if predictions:
                first = int(np.argmin(arrow_numpy.booleans(matched)))
                firsts.append(f"prediction {_row_in(self.sources[PRED_SIDE], first + 1)}")
            if labels:
                firsts.append(_label_row_in(self.sources[LABEL_SIDE], _first_unpaired(right_rows, right.num_rows) + 1))
            raise LossCliError(
                f"--key '{key}': {counted(predictions, 'prediction row')} {'has' if predictions == 1 else 'have'} no label and "
                f"{counted(labels, 'label row')} {'has' if labels == 1 else 'have'} no prediction (first at {' and '.join(firsts)})",
                file=self.sources[PRED_SIDE].display,
                hint="--allow-unmatched evaluates the matched rows only",
            )
        joined = left.take(arrow_numpy.from_numpy(left_rows.astype(np.int64)))
        for name in right.column_names:
            joined = joined.append_column(name, right[name].take(right_rows))
        row_ids = left_rows + 1
        label_ids = arrow_numpy.numbers(right_rows).astype(np.int64) + 1
        if self.options.keys_per_row:
            # The predictions file's keys of the joined rows, in the joined order.
            matched_keys = plain[PRED_SIDE].take(arrow_numpy.from_numpy(left_rows.astype(np.int64)))
            read_as_text = named[PRED_SIDE] in self._text_ids(PRED_SIDE)
            joined = joined.append_column(_SHOWN_KEYS, pa.chunked_array([shown_keys(matched_keys, read_as_text=read_as_text)]))
        if self.stats.unmatched_labels:
            self.stats.leave_out(np.setdiff1d(np.arange(1, right.num_rows + 1), label_ids))
        for start in range(0, joined.num_rows, JOINED_BATCH_ROWS):
            part = joined.slice(start, JOINED_BATCH_ROWS)
            stop = start + part.num_rows
            yield {name: part[name] for name in part.column_names}, row_ids[start:stop], label_ids[start:stop]

    # ------------------------------------------------------------------ batches

    def batches(self) -> Iterator[Batch]:
        """Engine batches, prepared (converted to numpy, checked for missing
        values) in a background thread while the engine folds the previous ones."""
        return prefetch(self._prepared_batches())

    def deferred_batches(self) -> Iterator[DeferredBatch] | None:
        """The input as row groups (small ones together), each decoded and
        converted on the thread that folds it (see ``engine.DeferredBatch``);
        None where reading must go through ``batches`` in file order: values
        to check for NaN, a labels file, a --key join, weights, groups, sample
        ids or rows to leave out, a positive label, columns other than plain
        numbers."""
        plain = not (
            self.check_missing
            or self.long_format
            or self.options.key
            or self.options.exclude_rows is not None
            or LABEL_SIDE in self.sources
            or self.extras
            or self._twins
            or self.positive is not None
        )
        source = self.sources[PRED_SIDE]
        columns, text = self.columns_to_read(PRED_SIDE)
        if not plain or text or not hasattr(source, "row_group_parts"):
            return None
        parts = source.row_group_parts(columns)
        return self._deferred(source, parts, columns) if parts else None

    def _deferred(self, source: Source, parts: list, columns: list[str]) -> Iterator[DeferredBatch]:
        offset = 0
        for part in parts:
            if part.rows:
                self.stats.rows += part.rows
                yield DeferredBatch(part.rows, functools.partial(self._decoded_batches, source, part, columns, offset))
            offset += part.rows
        self.stats.row_space = offset
        if self.stats.rows == 0:
            raise LossCliError("no data rows", file=source.display, hint="the file has a header but no rows")

    def _decoded_batches(self, source: Source, part: object, columns: list[str], offset: int) -> list[Batch]:
        """A part's row groups as engine batches (run on a folding thread)."""
        batches = []
        for record in source.part_batches(part, columns):
            named = {_SIDE_PREFIX[PRED_SIDE] + name: record.column(i) for i, name in enumerate(columns)}
            converted: dict[tuple, np.ndarray] = {}
            try:
                arrays = [self._arrays_for(bound, roles, named, converted) for bound, roles in zip(self.losses, self.role_columns)]
            except LossCliError as error:
                raise self._file_rows(error, offset, None, None) from None
            batches.append(
                Batch(
                    arrays=arrays,
                    n=record.num_rows,
                    row_offset=offset,
                    file=source.display,
                    role_columns=self._role_column_names,
                    label_roles=self._label_roles,
                    locate_rows=source.files_of_rows,
                )
            )
            offset += record.num_rows
        return batches

    def _prepared_batches(self) -> Iterator[Batch]:
        if self.long_format:
            yield self._sequences_from_frames()
            return
        offset = 0
        nan_rows: list[int] = []
        nan_count = 0
        per_column = self.omits_per_column
        first_missing: tuple[str, str | None] | None = None
        missing_side = PRED_SIDE
        groups_as_text = self.labels_are_text("by")
        for columns, row_ids, label_ids in self._raw_batches():
            n = len(next(iter(columns.values()))) if columns else 0
            if n == 0:
                continue
            try:
                # Losses reading the same columns share one converted array each.
                converted: dict[tuple, np.ndarray] = {}
                arrays = [self._arrays_for(bound, roles, columns, converted) for bound, roles in zip(self.losses, self.role_columns)]
                extras = {name: columns[extra.internal] for name, extra in self.extras.items()}
                weights = to_float(extras["weight"], column=self.extras["weight"].name, display=self._display(self.extras["weight"].side)) if "weight" in extras else None
                groups = self._keys_of("by", extras)
                samples = self._keys_of("sample", extras)
                keys = columns[_SHOWN_KEYS].combine_chunks() if _SHOWN_KEYS in columns else None
            except LossCliError as error:
                # Converters number rows within the batch; make them rows of the file.
                raise self._file_rows(error, offset, row_ids, label_ids) from None
            ids = row_ids if row_ids is not None else None
            excluded = self._excluded(offset, n, label_ids)
            if per_column and self.check_missing:
                # Counted in every batch, for the values kept; a row is dropped
                # only when it holds no value at all.
                bad = self._omit_per_column(arrays, None if excluded is None else ~excluded)
            else:
                bad = _missing_rows(arrays, weights) if self.check_missing else None
            if bad is not None and excluded is not None:
                # A row left out anyway needs no value.
                bad &= ~excluded
            without_sample = self._without_sample_id(samples, excluded, offset, row_ids, label_ids)
            if without_sample is not None:
                bad = without_sample if bad is None else (bad | without_sample)
            if bad is not None and bad.any():
                first = int(np.argmax(bad))
                if self.options.nan_policy == "omit" and self.unpaired_losses and not per_column and "weight" not in self.extras:
                    raise self._omit_refused()
                if self.options.nan_policy == "error":
                    if first_missing is None:
                        missing_side, first_missing = self._missing_where(arrays, weights, first)
                        side_ids = label_ids if missing_side == LABEL_SIDE and label_ids is not None else ids
                        nan_rows.append(int(side_ids[first]) if side_ids is not None else offset + first + 1)
                    nan_count += int(bad.sum())
                    offset += n
                    continue
                self.stats.omitted += int(bad.sum())
                self.stats.leave_out(self._row_numbers(offset, n, label_ids)[bad])
            dropped = bad
            if excluded is not None:
                self.stats.excluded += int(excluded.sum())
                dropped = excluded if bad is None else (bad | excluded)
            if self._twins:
                self._compare_twins(columns, dropped, offset, row_ids, label_ids)
            if dropped is not None and dropped.any():
                keep = ~dropped
                arrays = [{k: v[keep] for k, v in a.items()} for a in arrays]
                weights = weights[keep] if weights is not None else None
                groups = groups[keep] if groups is not None else None
                samples = samples[keep] if samples is not None else None
                # Filtered with the losses' inputs, so each key stays beside its row's loss.
                keys = keys.take(arrow_numpy.from_numpy(np.flatnonzero(keep))) if keys is not None else None
                ids = (ids if ids is not None else np.arange(offset + 1, offset + n + 1))[keep]
                label_ids = label_ids[keep] if label_ids is not None else None
            if nan_rows:
                offset += n
                continue
            if weights is not None:
                weight_side = self.extras["weight"].side
                weight_ids = label_ids if weight_side == LABEL_SIDE and label_ids is not None else ids
                _check_weights(weights, self.extras["weight"].name, self._display(weight_side), weight_ids, offset)
            kept = len(weights) if weights is not None else _length(arrays, n if dropped is None else int((~dropped).sum()))
            if kept == 0:
                # Every row was omitted: nothing for the losses, whose inputs
                # may not even agree in width when every list was missing.
                offset += n
                continue
            self.stats.rows += kept
            yield Batch(
                arrays=arrays,
                n=kept,
                weights=weights,
                groups=groups,
                samples=samples,
                row_offset=offset,
                row_ids=ids,
                file=self.sources[PRED_SIDE].display,
                role_columns=self._role_column_names,
                label_file=self._display(LABEL_SIDE) if LABEL_SIDE in self.sources else None,
                label_roles=self._label_roles,
                label_row_ids=label_ids,
                groups_as_text=groups_as_text,
                keys=keys,
                locate_rows=self.sources[PRED_SIDE].files_of_rows,
            )
            offset += n
        if not self.options.key:
            self.stats.row_space = offset
        self._note_twins_differ()
        if nan_rows:
            column = first_missing[1] if first_missing else None
            file, row = self.sources[missing_side].locate(nan_rows[0])
            raise LossCliError(
                f"{nan_count} row{'s' if nan_count > 1 else ''} with missing, NaN or infinite values, the first at row {row}",
                file=file,
                column=column,
                hint=self._omit_hint(),
            )
        self._check_positive_found()
        if self.stats.rows == 0:
            if self.stats.omitted:
                raise LossCliError(
                    f"every row ({self.stats.omitted}) has a missing value; nothing is left to evaluate",
                    file=self.sources[PRED_SIDE].display,
                )
            raise LossCliError("no data rows", file=self.sources[PRED_SIDE].display, hint="the file has a header but no rows")

    def _compare_twins(
        self, columns: dict[str, pa.Array], dropped: np.ndarray | None, offset: int, row_ids: np.ndarray | None, label_ids: np.ndarray | None
    ) -> None:
        """Count the rows evaluated where the column of an extra and its twin
        in the other file (see ``_twin_extras``) hold different values."""
        for kind, twin in list(self._twins.items()):
            extra = self.extras[kind]
            used, other = columns[extra.internal], columns[twin.internal]
            try:
                differ = _differing(used, other, weights=kind == "weight", names=(extra.name, twin.name), displays=(self._display(extra.side), self._display(twin.side)))
            except (LossCliError, pa.ArrowException, TypeError, ValueError):
                # Not values of this kind at all: not what the option means there.
                del self._twins[kind]
                continue
            if dropped is not None:
                differ &= ~dropped
            found = self._twin_differences.setdefault(kind, [0, 0, None])
            found[1] += len(differ) - (int(dropped.sum()) if dropped is not None else 0)
            if not differ.any():
                continue
            if found[2] is None:
                index = int(np.argmax(differ))
                rows = {}
                for side in (extra.side, twin.side):
                    ids = label_ids if side == LABEL_SIDE and label_ids is not None else row_ids
                    rows[side] = int(ids[index]) if ids is not None else offset + index + 1
                found[2] = (rows[extra.side], _shown(used, index), rows[twin.side], _shown(other, index))
            found[0] += int(differ.sum())

    def _note_twins_differ(self) -> None:
        options = {"weight": "--weight-col", "by": "--by", "sample": "--sample-col"}
        for kind, (count, compared, first) in self._twin_differences.items():
            if not count or kind not in self._twins:
                continue
            extra, twin = self.extras[kind], self._twins[kind]
            used, other = self.sources[extra.side], self.sources[twin.side]
            used_row, used_value, other_row, other_value = first
            if used_row == other_row and used.locate(used_row)[0] == used.display and other.locate(other_row)[0] == other.display:
                where = f"the first at row {used_row} ({used_value} in {used.display}, {other_value} in {other.display})"
            else:
                (used_file, used_at), (other_file, other_at) = used.locate(used_row), other.locate(other_row)
                where = f"the first at row {used_at} of {used_file} ({used_value}) and row {other_at} of {other_file} ({other_value})"
            self.notes.append(
                f"{options[kind]} '{extra.name}': both files have this column and their values differ in {count} of the {compared} rows evaluated, "
                f"{where}; {used.display}'s values were used (to use {other.display}'s, rename or drop '{extra.name}' in {used.display})"
            )

    def _row_numbers(self, offset: int, n: int, label_ids: np.ndarray | None) -> np.ndarray:
        """The batch's rows as ``ReadStats.row_space`` numbers them."""
        return label_ids if label_ids is not None else np.arange(offset + 1, offset + n + 1)

    def _excluded(self, offset: int, n: int, label_ids: np.ndarray | None) -> np.ndarray | None:
        """Which of the batch's rows ``exclude_rows`` leaves out, if it is given."""
        exclude = self.options.exclude_rows
        if exclude is None or len(exclude) == 0:
            return None
        # ``exclude_rows`` is sorted: a binary search per row, where np.isin
        # would sort every excluded row again for each batch.
        rows = self._row_numbers(offset, n, label_ids)
        found = np.minimum(np.searchsorted(exclude, rows), len(exclude) - 1)
        return exclude[found] == rows

    def _sequences_from_frames(self) -> Batch:
        """Long format: gather every frame row, then one row per sequence.

        Frames of a sequence may be spread over the file, so this reads the
        whole input before evaluating (memory grows with the file).
        """
        from ..losses.sequence import group_frames

        frames, targets, ids, groups, weights = [], [], [], [], []
        offset = 0
        for columns, row_ids, label_ids in self._raw_batches():
            arrays = self._arrays_for(self.losses[0], self.role_columns[0], columns)
            if self._twins:
                self._compare_twins(columns, None, offset, row_ids, label_ids)
            offset += len(arrays["y_pred"])
            frames.append(arrays["y_pred"])
            targets.append(arrays["y_true"])
            extras = {name: columns[extra.internal] for name, extra in self.extras.items()}
            ids.append(_label_array(self._keys_of("sample", extras)))
            if "by" in extras:
                groups.append(_label_array(self._keys_of("by", extras)))
            if "weight" in extras:
                weights.append(to_float(extras["weight"], column=self.extras["weight"].name, display=self._display(self.extras["weight"].side)))
        if not frames:
            raise LossCliError("no data rows", file=self.sources[PRED_SIDE].display)
        self._note_twins_differ()
        all_frames = np.concatenate(frames)
        self.stats.frame_rows, self.stats.frame_values = len(all_frames), int(all_frames.size)
        bad = ~np.isfinite(all_frames).all(axis=1) if all_frames.ndim == 2 else np.zeros(len(all_frames), bool)
        if bad.any():
            file, row = self.sources[PRED_SIDE].locate(int(np.argmax(bad)) + 1)
            raise LossCliError(
                f"{int(bad.sum())} frame rows with missing, NaN or infinite values, the first at row {row}",
                file=file,
                hint="long-format frames cannot be omitted one by one; fix the file",
            )
        all_ids = np.concatenate(ids)
        without_id = _missing_ids(all_ids)
        if without_id.any():
            extra = self.extras["sample"]
            file, row = self.sources[extra.side].locate(int(np.argmax(without_id)) + 1)
            raise LossCliError(
                "missing sequence id",
                file=file,
                column=extra.name,
                row=row,
                hint="give every frame row the id of its sequence; long-format frames cannot be omitted one by one",
            )
        try:
            y_pred, y_true, keys = group_frames(all_ids, all_frames, np.concatenate(targets))
        except LossCliError as error:
            columns = {role: rc.brief() for role, rc in self.role_columns[0].items()}
            raise error.with_context(file=self.sources[PRED_SIDE].display, role_columns=columns) from None
        sequence_weights = self._per_sequence("weight", np.concatenate(weights), all_ids) if weights else None
        if sequence_weights is not None:
            if not np.isfinite(sequence_weights).all():
                raise LossCliError(
                    "a sequence's weight is missing, NaN or infinite",
                    file=self._display(self.extras["weight"].side),
                    column=self.extras["weight"].name,
                    hint="long-format frames cannot be omitted one by one; give every frame row its sequence's weight",
                )
            _check_weights(sequence_weights, self.extras["weight"].name, self._display(self.extras["weight"].side), None, 0)
        self.stats.rows = len(keys)
        return Batch(
            arrays=[{"y_pred": y_pred, "y_true": y_true}],
            n=len(keys),
            weights=sequence_weights,
            groups=self._per_sequence("by", np.concatenate(groups), all_ids) if groups else None,
            groups_as_text=self.labels_are_text("by"),
            file=self.sources[PRED_SIDE].display,
            role_columns=self._role_column_names[:1],
            row_ids=np.arange(1, len(keys) + 1),
            sequence_ids=keys,
            sequence_ids_as_text=self.labels_are_text("sample"),
        )

    def _per_sequence(self, kind: str, values: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """The --by value or weight ("by", "weight") of each sequence of
        long-format frames, in the order group_frames gives them: that of its
        frame rows, which must all carry the same one."""
        from ..losses.sequence import samples_of_frames

        _, first_rows, sequence_of_row = samples_of_frames(ids)
        per_sequence = values[first_rows]
        spread = per_sequence[sequence_of_row]
        differs = np.asarray(values != spread, dtype=bool)
        if values.dtype.kind == "f":
            differs &= ~(np.isnan(values) & np.isnan(spread))
        if differs.any():
            extra = self.extras[kind]
            file, row = self.sources[extra.side].locate(int(np.argmax(differs)) + 1)
            raise LossCliError(
                f"the frames of one sequence carry different values of {extra.name} (this one differs from its sequence's first frame)",
                file=file,
                column=extra.name,
                row=row,
                hint="a sequence's " + ("group" if kind == "by" else "weight") + " must be the same on every one of its frame rows",
            )
        return per_sequence

    def _display(self, side: str) -> str:
        return self.sources[side].display

    def _without_sample_id(
        self, samples: np.ndarray | Labels | None, excluded: np.ndarray | None, offset: int, row_ids: np.ndarray | None, label_ids: np.ndarray | None
    ) -> np.ndarray | None:
        """The rows a per-sample loss cannot place, having no --sample-col id:
        dropped with --nan-policy omit, else an error. Taken as a sample of
        their own, every row without an id would have become one image."""
        if samples is None or not any(bound.spec.kind == "ratio" for bound in self.losses):
            return None
        missing = _missing_ids(samples)
        if excluded is not None:
            missing &= ~excluded
        if not missing.any():
            return None
        if self.options.nan_policy == "omit":
            return missing
        extra = self.extras["sample"]
        error = LossCliError(
            "missing sample id",
            file=self._display(extra.side),
            column=extra.name,
            row=int(np.argmax(missing)) + 1,
            hint="give every row the id of its sample, or --nan-policy omit leaves such rows out",
        )
        raise self._file_rows(error, offset, row_ids, label_ids)

    def _keys_of(self, kind: str, columns: dict[str, pa.Array]) -> np.ndarray | Labels | None:
        """The --by ("by") or --sample-col ("sample") value of each row, if asked for."""
        if kind not in columns:
            return None
        extra = self.extras[kind]
        typed = self._id_types.get((extra.side, extra.name), pa.null())
        return _keys(columns[kind], column=extra.name, display=self._display(extra.side), typed=typed)

    def _file_rows(self, error: LossCliError, offset: int, pred_ids: np.ndarray | None, label_ids: np.ndarray | None) -> LossCliError:
        """Turn a row number within a batch into the row number in its file."""
        if error.row is None:
            return error
        on_labels = LABEL_SIDE in self.sources and error.file == self._display(LABEL_SIDE) and error.file != self._display(PRED_SIDE)
        ids = label_ids if on_labels else pred_ids
        error.row = int(ids[error.row - 1]) if ids is not None else offset + error.row
        return self.in_source_file(error)

    def in_source_file(self, error: LossCliError) -> LossCliError:
        """An error at a row of a whole input, moved to the file that holds the
        row: in a dataset of several files, that file is the one to fix. An
        error already in file terms (or without a row) is returned as it is."""
        if error.row is None:
            return error
        for source in self.sources.values():
            if error.file == source.display:
                error.file, error.row = source.locate(error.row)
                break
        return error

    def _missing_where(self, arrays: list[dict[str, np.ndarray]], weights: np.ndarray | None, index: int) -> tuple[str, tuple[str, str]]:
        """(side, (file, column)) of a missing, NaN or infinite value in row ``index`` of a batch."""
        for loss_arrays, roles in zip(arrays, self.role_columns):
            for role, values in loss_arrays.items():
                if values.dtype == object:
                    continue
                finite = np.isfinite(np.atleast_1d(values[index]))
                if finite.all():
                    continue
                located = roles[role]
                name = located.names[int(np.argmin(finite))] if len(located.names) == finite.size else located.names[0]
                return located.side, (self._display(located.side), name)
        weight = self.extras["weight"]
        return weight.side, (self._display(weight.side), weight.name)

    def _arrays_for(
        self, bound: BoundLoss, roles: dict[str, RoleColumns], columns: dict[str, pa.Array], converted: dict[tuple, np.ndarray] | None = None
    ) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {}
        for role in bound.spec.roles:
            located = roles.get(role.name)
            if located is None:
                continue
            # What a conversion depends on: the role's shape (and name, for
            # sequences), its columns and, for class labels, the class columns
            # and the label that names no class (ignore_index).
            kept_label = bound.params.get("ignore_index") if role.shape == "class" else None
            positive = self.positive is not None and role.name == "y_true" and self._reads_positive(bound, roles)
            key = (role.name, role.shape, located, roles.get("y_pred") if role.shape == "class" else None, kept_label, bound.spec.binary_label_codes if positive else None)
            if converted is not None and key in converted:
                arrays[role.name] = converted[key]
                continue
            if positive:
                labels, pred = columns[_SIDE_PREFIX[located.side] + located.names[0]], roles["y_pred"]
                refused = self._predicted_classes(labels, located, pred) if is_label_text(labels.type) else None
                if refused is not None:
                    raise refused
                values = self.positive.codes(columns[_SIDE_PREFIX[located.side] + located.names[0]], bound.spec.binary_label_codes, column=located.names[0], display=self._display(located.side))
            else:
                values = self._convert(role, located, columns, roles, bound, kept_label)
            if converted is not None:
                # Shared by several losses' kernels, possibly on several threads.
                values.flags.writeable = False
                converted[key] = values
            arrays[role.name] = values
        return arrays

    def _convert(
        self,
        role: Role,
        located: RoleColumns,
        columns: dict[str, pa.Array],
        roles: dict[str, RoleColumns],
        bound: BoundLoss,
        kept_label: float | None = None,
    ) -> np.ndarray:
        display = self._display(located.side)
        prefix = _SIDE_PREFIX[located.side]
        first = columns[prefix + located.names[0]]
        if role.shape == "sequence":
            kind = first.type
            if self.long_format and role.name == "y_pred":
                # One frame per row: class columns, or a list column of class values.
                if located.list_column:
                    return self._list_matrix(first, located)
                return np.column_stack([to_float(columns[prefix + name], column=name, display=display) for name in located.names])
            if pa.types.is_string(kind) or pa.types.is_large_string(kind):
                if self.long_format:
                    # Targets repeat on every frame row; they are parsed once per distinct text.
                    return np.asarray(first.to_pylist(), dtype=object)
                return text_to_objects(first, column=located.names[0], display=display)
            if not is_list_type(kind):
                raise LossCliError(
                    f"{role.name} of {bound.name} takes a sequence per row (a list, or text such as '3 1 4'), "
                    f"and this column holds one {kind} per row",
                    file=display,
                    column=located.names[0],
                    hint=f"name the column of sequences with {option_of(role.name)}, or give one row per frame with --sample-col",
                )
            return list_to_objects(first, column=located.names[0], display=display)
        if located.list_column:
            return self._list_matrix(first, located)
        pred = roles.get("y_pred")
        one_column = pred is not None and not pred.list_column and len(pred.names) == 1
        if role.name == "y_true" and "binary" in bound.spec.tasks and len(located.names) == 1 and is_label_text(first.type) and one_column:
            # yes/no beside one column 'prob' for a binary loss: which class it is the probability of is not written.
            refused = two_classes_error(first, located.names[0], pred.names[0], display)
            if refused is not None:
                raise self._predicted_classes(first, located, pred) or refused
        if role.name == "y_true" and role.binary_labels and len(located.names) == 1 and is_label_text(first.type) and one_column:
            refused = real_fake_error(first, located.names[0], display, bound.name)
            if refused is not None:
                raise refused
        if role.shape == "class" and len(located.names) == 1:
            return self._class_labels(first, located, pred, kept_label)
        if len(located.names) == 1:
            return to_float(first, column=located.names[0], display=display)
        return _side_by_side([to_float(columns[prefix + name], column=name, display=display) for name in located.names])

    def _predicted_classes(self, labels: pa.Array | pa.ChunkedArray, located: RoleColumns, pred: RoleColumns) -> LossCliError | None:
        """The error for a prediction column of text ('pred' beside caret's
        'obs'), which holds predicted classes: --positive cannot help, and the
        hint names the probability columns the classes name; None when the
        prediction column is not text or the labels are not two text classes."""
        source = self.sources[pred.side]
        if not is_label_text(source.column(pred.names[0]).type):
            return None
        numeric = [c.name for c in source.columns if c.numeric and not c.is_list and c.name not in (pred.names[0], located.names[0])]
        return predicted_classes_error(labels, pred.names[0], numeric, self._display(pred.side), positive=self.options.positive)

    def _class_labels(self, array: pa.Array | pa.ChunkedArray, located: RoleColumns, pred: RoleColumns | None, kept_label: float | None) -> np.ndarray:
        """One column of class labels as positions of the probability columns:
        text labels by the columns' suffixes, numbers by position or, where the
        columns are named by class (prob_1, prob_True), by those names."""
        display, column = self._display(located.side), located.names[0]
        # A list column of probabilities has no names: its labels are positions.
        class_columns = pred.names if pred is not None and not pred.list_column and len(pred.names) > 1 else None
        kind = array.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
            if class_columns is None:
                raise LossCliError(
                    "class labels are text, but the predictions are not one column per class to match them to",
                    file=display,
                    column=column,
                    hint="name probability columns after the classes (p_cat, p_dog) or use integer labels 0..C-1",
                )
            return map_string_labels(array.cast(pa.string()) if pa.types.is_dictionary(kind) else array, class_columns, column=column, display=display)
        labels = to_float(array, column=column, display=display)
        if class_columns is None:
            return labels
        return label_positions(labels, class_column_names(class_columns), keep=kept_label, column=column, display=display)

    def _list_matrix(self, array: pa.Array | pa.ChunkedArray, located: RoleColumns) -> np.ndarray:
        """A list column as a matrix, held to the width of the rows read before it."""
        key = (located.side, located.names[0])
        matrix = list_to_matrix(array, column=located.names[0], display=self._display(located.side), width=self._list_widths.get(key))
        if array.null_count < len(array):
            # Only a batch with a list in it knows the width (all-missing batches guess 1).
            self._list_widths.setdefault(key, matrix.shape[1])
        return matrix


def _prediction_names(roles: dict[str, RoleColumns]) -> tuple[str, ...] | None:
    """The columns a loss reads its predictions from, None when it reads none."""
    located = roles.get("y_pred")
    return located.names if located is not None else None


def _without_replaced(bound: BoundLoss, chosen: dict[str, RoleColumns]) -> dict[str, RoleColumns]:
    """The roles a found role does not stand in for: a file with both a
    distance and embedding columns is read for the distance alone, so a NaN
    in an embedding neither fails the run nor drops the row."""
    replaced = {name for role in bound.spec.roles if role.name in chosen for name in role.replaces}
    return {name: located for name, located in chosen.items() if name not in replaced}


def _side_by_side(columns: list[np.ndarray]) -> np.ndarray:
    """(n, C) matrix of C columns, stored column by column: copying each
    column whole is several times faster than interleaving them row by row
    (np.column_stack), and numpy's row-wise reductions read either layout."""
    return np.vstack(columns).T


def _aligned(pred_stream: Iterator[pa.RecordBatch], label_stream: Iterator[pa.RecordBatch], sources: dict[str, Source]) -> Iterator[tuple[pa.RecordBatch, pa.RecordBatch]]:
    """Pair two streams row by row, re-slicing so both sides have equal lengths."""
    pred_rows = label_rows = 0
    pending_pred: pa.RecordBatch | None = None
    pending_label: pa.RecordBatch | None = None
    while True:
        if pending_pred is None or pending_pred.num_rows == 0:
            pending_pred = next(pred_stream, None)
            if pending_pred is not None:
                pred_rows += pending_pred.num_rows
        if pending_label is None or pending_label.num_rows == 0:
            pending_label = next(label_stream, None)
            if pending_label is not None:
                label_rows += pending_label.num_rows
        if pending_pred is None or pending_label is None:
            break
        take = min(pending_pred.num_rows, pending_label.num_rows)
        if take:
            yield pending_pred.slice(0, take), pending_label.slice(0, take)
        pending_pred = pending_pred.slice(take)
        pending_label = pending_label.slice(take)
    # Count whatever is left on either side to report both totals.
    pred_rows += sum(b.num_rows for b in pred_stream) if pending_pred is not None else 0
    label_rows += sum(b.num_rows for b in label_stream) if pending_label is not None else 0
    if pred_rows != label_rows:
        # Both files are named: with several models (compare) the labels alone
        # do not say which predictions are short.
        raise LossCliError(
            f"predictions ({sources[PRED_SIDE].display}) have {pred_rows} rows but labels have {label_rows}",
            file=sources[LABEL_SIDE].display,
            hint="rows are aligned by order; join on an id column with --key COL instead",
        )


def _read(source: Source, columns: list[str], text: set[str]) -> Iterator[pa.RecordBatch]:
    """``source``'s batches of ``columns``, with string_view columns (polars
    writes text so) as string and binary_view as binary: Arrow's take, used
    by the --key join, and the text checks here know only those."""
    batches = source.batches(columns, frozenset(text))
    wanted = set(columns)
    views = {c.name for c in source.columns if c.name in wanted and _is_view(c.type)}
    return _without_views(batches) if views else batches


def _is_view(kind: pa.DataType) -> bool:
    return pa.types.is_string_view(kind) or pa.types.is_binary_view(kind)


def _without_views(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    try:
        for batch in batches:
            for i, kind in enumerate(batch.schema.types):
                if _is_view(kind):
                    plain = pa.string() if pa.types.is_string_view(kind) else pa.binary()
                    batch = batch.set_column(i, batch.schema.field(i).with_type(plain), batch.column(i).cast(plain))
            yield batch
    finally:
        # Closing this closes the reader, whose threads read ahead.
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def _nan_keys_missing(table: pa.Table, name: str) -> pa.Table:
    """A NaN in a float key column as the missing key it stands for, as NaN
    is a missing value everywhere else: left as a value, a NaN key would
    pair with a NaN key of the other file, one row's loss taken from another."""
    column = table[name]
    if not pa.types.is_floating(column.type):
        return table
    nan = pc.is_nan(column)
    if not pc.any(nan).as_py():
        return table
    return table.set_column(table.column_names.index(name), name, pc.if_else(nan, pa.scalar(None, column.type), column))


def _pairs_every_row_once(position: pa.Array, left_rows: int, right_rows: int) -> bool:
    """Whether the lookup of every prediction key among the label keys
    (``position``) pairs each prediction row with its own label row and
    leaves no row of either file out: then both files' keys are unique, as
    a label key given twice has only its first row found."""
    if left_rows != right_rows or position.null_count:
        return False
    found = arrow_numpy.numbers(position).astype(np.int64)
    return len(found) == 0 or int(np.bincount(found, minlength=right_rows).max()) == 1


def _check_unique_keys(values: pa.ChunkedArray, keys: pa.Array, source: Source, key: str, allow_missing: bool = False) -> None:
    """``values`` as read, ``keys`` as compared (see ``_comparable_keys``).
    A missing key is an error unless ``allow_missing`` (--allow-unmatched),
    which leaves such rows unmatched."""
    if values.null_count and not allow_missing:
        file, row = source.locate(pc.index(pc.is_null(values.combine_chunks()), True).as_py() + 1)
        count = values.null_count
        raise LossCliError(
            f"missing join key ({count} row{'s' if count != 1 else ''} without one)",
            file=file,
            column=key,
            row=row,
            hint="every row needs a key to be joined: fill it in, or --allow-unmatched evaluates the rows that have a partner and counts the others",
        )
    present = keys.drop_null() if keys.null_count else keys
    if len(pc.unique(present)) != len(present):
        counts = pc.value_counts(present)
        dup = next(item["values"].as_py() for item in counts if item["counts"].as_py() > 1)
        first, second = pc.indices_nonzero(pc.equal(keys, dup)).to_pylist()[:2]
        written = values.combine_chunks()
        shown, first_shown = (_key_shown(written[i].as_py()) for i in (second, first))
        file, row = source.locate(second + 1)
        first_file, first_row = source.locate(first + 1)
        also = f"row {first_row}" if first_file == file else _row_in(source, first + 1)
        raise LossCliError(
            f"duplicate key '{shown}', also at {also}" + (f" (as '{first_shown}')" if first_shown != shown else ""),
            file=file,
            column=key,
            row=row,
            hint="--key needs a unique id per row in each file",
        )


# Rows of each file compared by InputPlan._note_rows_out_of_order.
_ROWS_LOOKED_AT = 10_000
_WHOLE_NUMBER_TEXT = re.compile(r"[-+]?([0-9]+)(\.0*)?")


def _value_type(kind: pa.DataType) -> pa.DataType:
    return kind.value_type if pa.types.is_dictionary(kind) else kind


def _row_id(value: object) -> object:
    """An id as the --key join compares it (see ``_comparable_keys``): a whole
    number by its value however it is written (7, "007", "+7", "7.0"),
    any other text as written, around spaces."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        value = value.strip()
        match = _WHOLE_NUMBER_TEXT.fullmatch(value)
        if match is None:
            return value
        value = int(value.split(".")[0])
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return str(value)


def _differing(used: pa.Array | pa.ChunkedArray, other: pa.Array | pa.ChunkedArray, *, weights: bool, names: tuple[str, str], displays: tuple[str, str]) -> np.ndarray:
    """Where two files' columns of one name hold different values: as numbers
    for weights, else as ids, whole numbers matching however written (see
    ``_comparable_keys``). Two missing values are alike."""
    if weights:
        left, right = (to_float(array, column=name, display=display) for array, name, display in zip((used, other), names, displays))
        return ~((left == right) | (np.isnan(left) & np.isnan(right)))
    arrays = [array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array for array in (used, other)]
    left, right = (plain_ids(array, column=name, display=display) for array, name, display in zip(arrays, names, displays))
    if pa.types.is_null(left.type) or pa.types.is_null(right.type):
        missing = [arrow_numpy.validity(array) if not pa.types.is_null(array.type) else np.zeros(len(array), bool) for array in (left, right)]
        return missing[0] != missing[1]
    left, right = _comparable_keys(left, right)
    equal = arrow_numpy.booleans(pc.fill_null(pc.equal(left, right), False))
    both_missing = ~arrow_numpy.validity(left) & ~arrow_numpy.validity(right)
    return ~(equal | both_missing)


def _shown(array: pa.Array | pa.ChunkedArray, index: int) -> str:
    value = array[index].as_py()
    if value is None or (isinstance(value, float) and value != value):
        return "missing"
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, float):
        return exact_number(value)
    return str(value)


def _may_name_rows(*columns: Column) -> bool:
    """Whether columns of these types may hold the ids of rows: whole numbers,
    text, dates and times; not measured values (floats), lists or structs.
    A CSV column's type is what its first rows look like."""
    for column in columns:
        kind = _value_type(column.type)
        if column.is_list or not (pa.types.is_integer(kind) or is_text(kind) or is_temporal(kind)):
            return False
    return True


def _row_in(source: Source, row: int) -> str:
    """A row of ``source`` for a message: "row 5", or "row 5 of dir/part-1.parquet"
    when the source is a dataset of several files."""
    file, row = source.locate(row)
    return f"row {row}" if file == source.display else f"row {row} of {file}"


def _label_row_in(source: Source, row: int) -> str:
    """A row of the labels file for a message about the predictions file:
    "label row 5 of labels.csv", naming the file the row is in."""
    file, row = source.locate(row)
    return f"label row {row} of {file}"


def _first_unpaired(paired: pa.Array, rows: int) -> int:
    """The 0-based position of the first of ``rows`` label rows that no
    position in ``paired`` (the label rows the join matched) names."""
    taken = np.zeros(rows, dtype=bool)
    taken[arrow_numpy.numbers(paired).astype(np.int64)] = True
    return int(np.argmin(taken))


def _key_shown(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _comparable_keys(left: pa.Array, right: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Both sides' keys (as ``plain_ids`` gives them) in one form, so that
    equal ids compare equal exactly.

    Keys of one integer type compare as they are. Otherwise every key becomes
    text, with whole numbers in one spelling: Parquet's int64 7, a float 7.0
    and CSV's "7", "007", "+7" or "7.0" are all "7", at any size (a CSV id of
    19 digits is never rounded through float64). Any other key is compared as
    its exact text. Dates, times and timestamps compare by value (see
    ``temporal_keys``).
    """
    if is_temporal(left.type) or is_temporal(right.type):
        return temporal_keys(left, right)
    if left.type == right.type and pa.types.is_integer(left.type):
        return left, right
    # The common case, whole numbers on both sides, compares as int64:
    # hashing numbers is two to three times faster than hashing text.
    left_integers, right_integers = _whole_numbers(left), _whole_numbers(right)
    if left_integers is not None and right_integers is not None:
        return left_integers, right_integers
    return _key_text(left), _key_text(right)


def _whole_numbers(array: pa.Array) -> pa.Array | None:
    """The keys as int64 when every one is a whole number within int64, else None."""
    try:
        if pa.types.is_integer(array.type):
            return pc.cast(array, pa.int64())
        if pa.types.is_floating(array.type):
            values = arrow_numpy.floats(array)[arrow_numpy.validity(array)]
            if np.all(values == np.trunc(values)) and np.all(np.abs(values) < 2.0**63):
                return pc.cast(array, pa.int64(), safe=False)
            return None
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
            trimmed = pc.utf8_trim_whitespace(array)
            if pc.all(pc.match_substring_regex(trimmed, _WHOLE_NUMBER)).as_py() is not False:
                return pc.cast(_without_zero_fraction(trimmed), pa.int64())
    except pa.ArrowInvalid:
        pass  # beyond int64: compared as text
    return None


# A whole number as text: "7", "-3", "+7", "007", and "1000.0" as pandas
# writes an integer column that holds a missing value. "7.5" and "1e3" are not.
_WHOLE_NUMBER = r"^[-+]?[0-9]+(\.0*)?$"


def _without_zero_fraction(text: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(text, r"\.0*$", "")


def _key_text(array: pa.Array) -> pa.Array:
    if pa.types.is_integer(array.type):
        return pc.cast(array, pa.string())
    if pa.types.is_floating(array.type):
        return _float_key_text(array)
    if not pa.types.is_string(array.type):
        array = pc.cast(array, pa.string())
    trimmed = pc.utf8_trim_whitespace(array)
    whole = pc.match_substring_regex(trimmed, _WHOLE_NUMBER)
    digits = pc.utf8_ltrim(pc.utf8_ltrim(_without_zero_fraction(trimmed), characters="+-"), characters="0")
    digits = pc.if_else(pc.equal(digits, ""), "0", digits)
    negative = pc.and_(pc.starts_with(trimmed, "-"), pc.not_equal(digits, "0"))
    canonical = pc.if_else(negative, pc.binary_join_element_wise("-", digits, ""), digits)
    return pc.if_else(whole, canonical, array)


def _float_key_text(array: pa.Array) -> pa.Array:
    """Whole floats as integer text (7.0 -> "7", 1.7e18 -> "1700000000000000000");
    others as Arrow writes them ("7.5")."""
    values = arrow_numpy.floats(array)
    whole = np.isfinite(values) & (values == np.trunc(values))
    fits = whole & (np.abs(values) < 2.0**63)
    integers = pc.cast(arrow_numpy.from_numpy(np.where(fits, values, 0).astype(np.int64)), pa.string())
    text = pc.if_else(pc.cast(arrow_numpy.from_numpy(fits.view(np.uint8)), pa.bool_()), integers, pc.cast(array, pa.string()))
    if (whole & ~fits).any():
        # Beyond int64: rare enough for Python's exact integers.
        written = text.to_pylist()
        for index in np.flatnonzero(whole & ~fits):
            written[index] = str(int(values[index]))
        text = pa.array(written, pa.string())
    return text


def _keys(array: pa.Array | pa.ChunkedArray, *, column: str, display: str, typed: pa.DataType = pa.null()) -> np.ndarray | Labels:
    """A --by or --sample-col value per row: numbers, or :class:`Labels` of
    text (dates, times and timestamps as ISO text) or of booleans.

    ``typed`` is the column's type across the files of the input, which a
    file whose column holds no values at all (Arrow's null type) follows."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = plain_ids(array, column=column, display=display)
    kind = array.type
    if is_text(kind):
        return _text_labels(array, lambda distinct: distinct)
    if is_temporal(kind):
        return _text_labels(array, iso_text)
    if pa.types.is_boolean(kind):
        return _boolean_labels(array)
    if pa.types.is_null(kind):
        return _all_missing(len(array), typed)
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)):
        # InputPlan refuses such columns when it opens the files.
        raise LossCliError(f"ids of type {kind} cannot name groups", file=display, column=column)
    if pa.types.is_integer(kind) and array.null_count:
        return _integers_with_missing(array)
    if pa.types.is_decimal(kind):
        array = array.cast(pa.float64())
    if pa.types.is_floating(array.type):
        values = arrow_numpy.floats(array)
        finite = np.isfinite(values)
        if finite.all() and np.all(values == np.round(values)) and np.all(np.abs(values) < 2**53):
            # Integer ids that arrived as floats (CSV reads numbers as float64):
            # report group 3, not 3.0.
            return values.astype(np.int64)
        # Missing, NaN and inf form one group, under a key that compares equal
        # across batches (NaN does not); reports show it as null / (missing).
        return np.where(finite, values, -np.inf)
    return arrow_numpy.numbers(array)


def _all_missing(rows: int, typed: pa.DataType) -> np.ndarray | Labels:
    """Keys of a batch without values, as the column's other files give a
    missing value (text as MISSING, numbers and booleans as -inf), so their
    missing rows and these form one group."""
    if id_kind(typed) in (NUMBER, BOOLEAN):
        return np.full(rows, -np.inf)
    return Labels(np.array([MISSING]), np.zeros(rows, dtype=np.int64))


def _integers_with_missing(array: pa.Array) -> np.ndarray:
    """Integer ids with some missing: the missing ones -inf, as for floats.
    Ids beyond 2**53 (hashed user ids) stay exact Python integers, which no
    float64 can hold and Arrow refuses to cast."""
    present = arrow_numpy.validity(array)
    values = arrow_numpy.numbers(array.fill_null(0))
    if -(2**53) < int(values.min()) and int(values.max()) < 2**53:
        return np.where(present, values.astype(np.float64), -np.inf)
    keys = values.astype(object)
    keys[~present] = -np.inf
    return keys


def _text_labels(array: pa.Array, as_text: Callable[[pa.Array], pa.Array]) -> Labels:
    """Each distinct value is converted (``as_text``) once, not once per row."""
    encoded = pc.dictionary_encode(array, null_encoding="encode")
    distinct = np.array([MISSING if v is None else v for v in as_text(encoded.dictionary).to_pylist()], dtype=str)
    return Labels(distinct, arrow_numpy.numbers(encoded.indices))


# Booleans group as false and true, shown so in JSON; a missing one as -inf,
# which reports show as null, as they do a missing number.
_BOOLEAN_GROUPS = np.array([False, True, -np.inf], dtype=object)


def _boolean_labels(array: pa.Array) -> Labels:
    codes = arrow_numpy.booleans(array).astype(np.int64)
    if array.null_count:
        codes[~arrow_numpy.validity(array)] = 2
    return Labels(_BOOLEAN_GROUPS, codes)


def _missing_ids(keys: np.ndarray | Labels) -> np.ndarray:
    """Rows whose id is missing: ``_keys`` writes those as -inf, or as MISSING text."""
    if isinstance(keys, Labels):
        return _missing_ids(keys.values)[keys.codes]
    if keys.dtype.kind == "U":
        return keys == MISSING
    if keys.dtype == object:
        return np.fromiter((key is not MISSING and key == -np.inf for key in keys), dtype=bool, count=len(keys))
    return np.isneginf(keys) if keys.dtype.kind == "f" else np.zeros(len(keys), dtype=bool)


def _label_array(keys: np.ndarray | Labels) -> np.ndarray:
    return keys.array() if isinstance(keys, Labels) else keys


def _missing_rows(arrays: list[dict[str, np.ndarray]], weights: np.ndarray | None) -> np.ndarray | None:
    """Rows with a missing, NaN or infinite value in any numeric input."""
    bad = None
    seen: set[int] = set()
    columns = [values for loss_arrays in arrays for values in loss_arrays.values()]
    for values in columns + ([weights] if weights is not None else []):
        if values.dtype == object or id(values) in seen:
            continue
        seen.add(id(values))
        # A finite sum proves there is no NaN or inf (one cheap pass); only a
        # non-finite sum, rare, pays for the row-by-row check.
        with np.errstate(over="ignore", invalid="ignore"):  # an overflowing sum is what sends a column to the check
            total = np.add.reduce(values, axis=None)
        if np.isfinite(total):
            continue
        row_bad = ~np.isfinite(values) if values.ndim == 1 else ~np.isfinite(values).all(axis=1)
        bad = row_bad if bad is None else (bad | row_bad)
    return bad


def _check_weights(weights: np.ndarray, column: str, display: str, ids: np.ndarray | None, offset: int) -> None:
    negative = weights < 0
    if negative.any():
        index = int(np.argmax(negative))
        row = int(ids[index]) if ids is not None else offset + index + 1
        raise LossCliError(f"negative sample weight {exact_number(weights[index])}", file=display, column=column, row=row, hint="weights must be >= 0")


def _length(arrays: list[dict[str, np.ndarray]], fallback: int) -> int:
    for loss_arrays in arrays:
        for values in loss_arrays.values():
            return len(values)
    return fallback


# Spark ML's classifiers write the predicted class index as 'prediction',
# beside 'probability' (a vector per row) and 'rawPrediction'.
_SPARK_CLASS_INDEX, _SPARK_PROBABILITY = "prediction", "probability"


def _refuse_spark_class_index(role: Role, names: list[str], source: Source, bound: BoundLoss) -> None:
    """A classifier's output from Spark ML: its 'prediction' column, found by
    default name, is the predicted class index, which no loss takes (a log
    loss of hard 0/1 predictions is set by the clipping alone). Refused
    rather than scored; a regressor's 'prediction' has no 'probability'."""
    if role.name != "y_pred" or [name.strip().lower() for name in names] != [_SPARK_CLASS_INDEX]:
        return
    probability = next((c for c in source.columns if c.name.strip().lower() == _SPARK_PROBABILITY and c.is_list), None)
    if probability is None:
        return
    raise LossCliError(
        f"'{names[0]}' is the class index Spark ML predicted, not a probability or score, for {bound.name}; "
        f"'{probability.name}' holds each class's probability",
        file=source.display,
        column=names[0],
        hint=f"--pred-col {probability.name} with cce or sparse_cce, which for two classes is the log loss of the positive "
        f"class's probability; or --pred-col {names[0]} to score the class index itself",
    )


def _refuse_classes_beside_scores(role: Role, names: list[str], source: Source, bound: BoundLoss, claimed: set[str]) -> None:
    """A classifier's predicted classes, found by default name, beside its
    scores: scikit-learn's predict() saved as 'pred' (or 'y_pred') and
    predict_proba() as 'proba' (or 'proba_0', 'proba_1', ...). An integer or
    boolean column under a prediction name beside floating-point score
    columns is the classes predicted, whose log loss is set by the clipping
    alone. Refused rather than scored, naming the scores; a column named on
    purpose (--pred-col) is read as it is."""
    if role.name != "y_pred" or len(names) != 1:
        return
    column = source.column(names[0])
    if not (pa.types.is_integer(column.type) or pa.types.is_boolean(column.type)):
        return
    scores = score_columns_beside(source, names[0], claimed)
    if not scores:
        return
    listed_scores = ", ".join(f"'{name}'" for name in scores)
    if len(scores) == 1:
        fix = f"--pred-col {quote(scores[0])}"
    else:
        prefix = up_to_separator(shared_prefix(scores))
        glob = f"{prefix}*"
        every = prefix and [c.name for c in source.columns if fnmatch.fnmatchcase(c.name, glob)] == scores
        group = quote(glob) if every else quote(",".join(scores))
        fix = f"--pred-col {group} with cce or sparse_cce (one probability per class)"
        if len(scores) == 2:
            fix += f", or --pred-col {quote(scores[-1])} with bce when it is the positive class's"
    raise LossCliError(
        f"'{names[0]}' holds whole numbers, the classes a classifier predicted rather than a probability or score, "
        f"for {bound.name}, beside {listed_scores}",
        file=source.display,
        column=names[0],
        hint=f"{fix}; or --pred-col {quote(names[0])} to score '{names[0]}' itself",
    )
