"""Choosing a loss: the selection guide's advice as data, and the ranking built on it.

The guide is the loss-selection advice losscli encodes: a loss-by-task table, a
characteristics table and tips for choosing a loss. Everything ``losscli
recommend`` knows is in the tables below, not in branches:

* ``TIPS``                   the guide's "Tips for Choosing Loss Functions", verbatim;
* ``TASK_TABLE``             the guide's "Loss Function Types by Task";
* ``GUIDE_CHARACTERISTICS``  the guide's "Loss Function Characteristics Comparison";
* ``GUIDE_DESCRIPTIONS``     what the guide's loss tables say of each loss;
* ``GUIDE_USE_CASES``        the guide's "Use Cases" cells that name a task a user may ask for;
* ``RULES``                  our own advice for facts the guide does not cover (marked
                             as ours in every reason that quotes them);
* ``WEIGHTS``                how much each kind of evidence counts.

A loss's score is the sum of the weights of the guide's evidence (and of
what the data show) that applies to it; our own advice (``RULES``) only
orders losses whose scores are level, so it never outranks the guide. The
recommendations are the losses the registry declares for the task, and
those a flagged condition's tip names, best score first. Each
recommendation carries its evidence as the ``reason``.

This is also the Python API ``losscli.recommend``; nothing here imports
pyarrow (``--data`` reads files through :mod:`losscli.inference`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import LossCliError
from .logit_names import name_says_logits
from .registry import LossSpec, all_specs, get, losses_for_task, resolve_task
from .shell import quote

if TYPE_CHECKING:
    from .inference import Inference

SCHEMA = 1

# Conditions a user flags (--outliers, --imbalanced) or the data show.
OUTLIERS = "outliers"
IMBALANCED = "imbalanced"


# --------------------------------------------------------------------------- the guide


@dataclass(frozen=True)
class Tip:
    """One selection tip: it answers some tasks, and perhaps a flagged condition."""

    text: str
    losses: tuple[str, ...]
    tasks: tuple[str, ...]
    condition: str | None = None


TIPS = (
    Tip("Use MSE/MAE for continuous value prediction", ("mse", "mae"), ("regression",)),
    Tip(
        "Use Cross-Entropy for classification (binary/multiclass)",
        ("bce", "cce", "sparse_cce"),
        ("classification", "binary", "multiclass"),
    ),
    Tip("Use Focal Loss for class imbalance", ("focal",), ("imbalance",), condition=IMBALANCED),
    Tip("Use Contrastive/Triplet for metric learning", ("contrastive", "triplet"), ("ranking",)),
    Tip("Use Dice/IoU Loss for segmentation", ("dice", "iou"), ("segmentation",)),
    Tip("Use CTC Loss for unaligned sequence-to-sequence tasks", ("ctc",), ("sequence",)),
)


@dataclass(frozen=True)
class TaskRow:
    """One row of the guide's loss-by-task table, with the guide's names mapped to ours."""

    label: str
    guide_losses: tuple[str, ...]
    losses: tuple[str, ...]
    tasks: tuple[str, ...]
    condition: str | None = None


TASK_TABLE = (
    TaskRow(
        "Regression",
        ("Mean Squared Error", "Mean Absolute Error", "Huber Loss"),
        ("mse", "mae", "huber"),
        ("regression",),
    ),
    TaskRow(
        "Classification",
        ("Cross-Entropy", "Hinge Loss", "Kullback-Leibler Divergence"),
        # Cross-entropy is bce for one probability column, cce/sparse_cce for
        # several; hinge is the binary SVM loss, categorical_hinge its multiclass form.
        ("bce", "cce", "sparse_cce", "hinge", "categorical_hinge", "kl_div"),
        ("classification", "binary", "multiclass"),
    ),
    TaskRow("Ranking", ("Contrastive Loss", "Triplet Loss"), ("contrastive", "triplet"), ("ranking",)),
    TaskRow("Imbalance", ("Focal Loss", "Weighted CE Loss"), ("focal", "weighted_ce"), ("imbalance",), condition=IMBALANCED),
    TaskRow(
        "Generative",
        ("Adversarial Loss", "Perceptual Loss", "Wasserstein Loss"),
        ("adversarial", "perceptual", "wasserstein"),
        ("generative",),
    ),
)


@dataclass(frozen=True)
class GuideRating:
    """One row of the guide's characteristics table and the losses it rates."""

    row: str
    losses: tuple[str, ...]
    robust_to_outliers: bool
    smooth_gradient: bool
    use_in_classification: bool
    use_in_regression: bool
    robust_note: str = ""  # the guide's qualifiers: "✔ (tunable)", "✘ (not smooth)"
    smooth_note: str = ""

    def value(self, prop: str) -> bool:
        return bool(getattr(self, prop))

    def cell(self, prop: str) -> str:
        """The table cell as the guide writes it: a mark and its qualifier."""
        note = {"robust_to_outliers": self.robust_note, "smooth_gradient": self.smooth_note}.get(prop, "")
        return ("✔" if self.value(prop) else "✘") + (f" {note}" if note else "")


GUIDE_CHARACTERISTICS = (
    GuideRating("MSE", ("mse",), False, True, False, True),
    GuideRating("MAE", ("mae",), True, False, False, True, smooth_note="not smooth"),
    GuideRating("Huber", ("huber",), True, True, False, True, robust_note="tunable"),
    GuideRating("Cross-Entropy", ("bce", "cce", "sparse_cce"), False, True, True, False),
    GuideRating("Hinge", ("hinge", "categorical_hinge"), False, False, True, False, smooth_note="not smooth"),
    GuideRating("Focal", ("focal",), True, True, True, False),
    GuideRating("Dice/IoU", ("dice", "iou"), True, False, True, False),
)

# The guide's regression, classification and specialised tables: description
# and use cases of each loss they name, in their words.
GUIDE_DESCRIPTIONS = {
    "mse": "penalizes large errors more; smooth gradient (linear regression, DNNs)",
    "mae": "penalizes all errors equally; robust to outliers",
    "huber": "combines MSE and MAE with a threshold delta; less sensitive to outliers (regression with noise)",
    "log_cosh": "smooth MAE: behaves like MSE near 0 and like MAE far away (balanced performance)",
    "bce": "for binary labels (0 or 1) (binary classification)",
    "cce": "multiclass with one-hot labels (softmax output, image classes)",
    "sparse_cce": "like CCE but labels are integers, which avoids one-hot encoding (faster with many classes)",
    "hinge": "used in SVMs; margin-based (binary classification)",
    "kl_div": "distance between two probability distributions (probabilistic models)",
    "focal": "down-weights easy examples (imbalanced datasets)",
    "label_smoothing_ce": "slightly flattens one-hot vectors before CE, which prevents overconfidence (image, NLP classification)",
    "contrastive": "encourages similar inputs to have closer embeddings (Siamese networks, face verification)",
    "triplet": "anchor-positive-negative distance training (FaceNet, similarity learning)",
    "cosine_embedding": "uses cosine similarity (NLP and recommendation systems)",
    "ctc": "for unaligned sequence learning (speech, handwriting recognition)",
    "dice": "measures overlap of predicted and actual segments (semantic segmentation)",
    "iou": "improves intersection-over-union (object detection, segmentation)",
    "perceptual": "uses feature distances from pretrained nets (style transfer, super-resolution)",
    "wasserstein": "measures the earth mover's distance between distributions (GAN training, WGAN)",
    "adversarial": "discriminator vs generator in GANs (image, text generation)",
}


@dataclass(frozen=True)
class UseCase:
    """A "Use Cases" cell of the guide's specialised-loss table (``guide_name``
    is the loss as that table names it), and the task names or aliases a
    user may give that the cell names."""

    loss: str
    guide_name: str
    cell: str
    task_words: tuple[str, ...]


# Only cells that name the task word as it is: "Object detection" answers
# --task detection, so IoU ranks above Dice there though the tip says "Dice/IoU".
GUIDE_USE_CASES = (
    UseCase("iou", "IoU Loss", "Object detection, segmentation", ("detection", "object-detection")),
    UseCase("dice", "Dice Loss", "Semantic segmentation", ("semantic-segmentation",)),
    UseCase("perceptual", "Perceptual Loss", "Style transfer, super-resolution", ("style-transfer", "super-resolution")),
    UseCase("contrastive", "Contrastive Loss", "Siamese networks, face verification", ("siamese", "siamese-networks", "face-verification")),
    UseCase("triplet", "Triplet Loss", "FaceNet, similarity learning", ("similarity", "facenet", "similarity-learning")),
    UseCase("cosine_embedding", "Cosine Embedding Loss", "NLP and recommendation systems", ("recommendation", "recommendation-systems")),
    UseCase(
        "ctc",
        "CTC Loss",
        "Speech, handwriting recognition",
        ("speech", "handwriting", "speech-recognition", "handwriting-recognition"),
    ),
    UseCase("wasserstein", "Wasserstein Loss", "GAN training (WGAN)", ("wgan",)),
    UseCase("adversarial", "Adversarial Loss", "Image, text generation", ("image-generation", "text-generation")),
)


# --------------------------------------------------------------------------- our own advice


@dataclass(frozen=True)
class Rule:
    """Advice for a fact about the problem that the guide does not cover.

    ``fact`` is a condition (``imbalanced``, ``outliers``) or something the
    data show (``labels=onehot`` ...). ``params`` is the loss parameter text to
    suggest; ``{name}`` fields are filled from the data and the parameter is
    left out when the data do not give them. ``data_text``, when the data
    give its ``{name}`` fields, replaces ``text`` with what the advice does
    on these data.
    """

    fact: str
    losses: tuple[str, ...]
    text: str
    weight: int
    tasks: tuple[str, ...] = ()
    params: str = ""
    data_text: str = ""


RULES = (
    Rule(
        IMBALANCED,
        ("bce",),
        "pos_weight = negatives/positives weights the positive class by the class ratio, so that both classes "
        "weigh the same in total, the binary form of weighted cross-entropy",
        120,
        tasks=("binary",),
        params="pos_weight={pos_weight}",
        data_text="the positives are the {positive_share} ({positives} of {labels} labels): pos_weight = "
        "negatives/positives = {pos_weight} {pos_weight_effect}, so that both classes weigh the same in total, "
        "the binary form of weighted cross-entropy",
    ),
    Rule(
        IMBALANCED,
        ("tversky",),
        "with beta > alpha, missed foreground costs more than false alarms, which suits rare structures",
        120,
        tasks=("segmentation",),
        params="alpha=0.3,beta=0.7",
    ),
    Rule("labels=onehot", ("cce",), "the labels are one-hot columns, which categorical cross-entropy takes as they are", 20),
    Rule("labels=index", ("sparse_cce",), "the labels are class indices or names, so no one-hot encoding is needed", 20),
    Rule("labels=soft", ("kl_div",), "the labels are probability distributions, which KL divergence compares", 20),
    Rule("labels=sign", ("hinge",), "the labels are -1/1, the margin form of an SVM", 20),
    Rule(
        "labels=multilabel",
        ("focal",),
        "the labels are independent 0/1 columns (multi-label), so its command passes multiclass=sigmoid: "
        "sigmoid focal on every column, not softmax over them, which reads the columns as one class per row",
        0,
        params="multiclass=sigmoid",
    ),
    Rule("labels=counts", ("poisson",), "the targets are non-negative integer counts, which a Poisson likelihood models", 20),
    Rule(
        "predictions=rates",
        ("poisson",),
        "the predictions are rates, not the log-rates PoissonNLLLoss reads by default, so its command passes log_input=false",
        0,
        params="log_input=false",
    ),
)

# How much each kind of evidence counts. A condition the user flagged (or the
# data show) outweighs the general tips for the task; a use case the user
# named as the task (--task recommendation: the guide's Cosine Embedding Loss)
# outweighs the task's general tip and table together (150), so that loss
# ranks first; the characteristics table's "use in ..." column and a smooth
# gradient only break ties.
WEIGHTS = {
    "condition_tip": 300,
    "condition_table": 200,
    "condition_property": 200,
    "task_tip": 100,
    "task_table": 50,
    "use_case": 160,
    "inputs_match": 30,
    "use_rating": 10,
    "smooth_gradient": 5,
    # Below everything else: the suggested command fails on the --data file.
    "inputs_missing": 1_000,
}

# The property of the characteristics table each condition asks for:
# (property, text when the loss has it, text when it does not).
CONDITION_PROPERTIES = {
    OUTLIERS: ("robust_to_outliers", "robust to outliers", "not robust to outliers"),
}

# Which "use in ..." column of the characteristics table speaks for a task
# (segmentation classifies every pixel).
TASK_USE = {
    "regression": "use_in_regression",
    "classification": "use_in_classification",
    "binary": "use_in_classification",
    "multiclass": "use_in_classification",
    "imbalance": "use_in_classification",
    "segmentation": "use_in_classification",
}

# Families whose losses are computed per sample: the column that names the
# sample when the data do not tell.
SAMPLE_COLUMN_HINT = {"segmentation": "image_id"}


def command_sample_column(spec: LossSpec, context: "Context") -> str | None:
    """The --sample-col of a loss's suggested command: the image of a mask
    pixel (a placeholder name when the data did not say), or the sequence of
    a frame row when the data are long-format CTC frames."""
    if spec.family in SAMPLE_COLUMN_HINT:
        return context.sample_column or SAMPLE_COLUMN_HINT[spec.family]
    if spec.family == "sequence":
        return context.sample_column
    return None

CONDITION_WORDS = {OUTLIERS: "outliers", IMBALANCED: "class imbalance"}


# --------------------------------------------------------------------------- look-ups


def guide_rating(name: str) -> GuideRating | None:
    """The row of the guide's characteristics table that rates this loss, if any."""
    for rating in GUIDE_CHARACTERISTICS:
        if name in rating.losses:
            return rating
    return None


def properties(spec: LossSpec) -> dict[str, Any]:
    """The loss's characteristics, and who rated them (the guide or losscli)."""
    rating = guide_rating(spec.name)
    result = spec.characteristics.as_dict()
    result["rated_by"] = f"guide: {rating.row}" if rating else "losscli"
    return result


def _property_source(spec: LossSpec, prop: str) -> str:
    """Who rated a property: the guide's table cell, or our rating with its note."""
    rating = guide_rating(spec.name)
    if rating is not None:
        return f"the guide's characteristics table, {rating.row}: {rating.cell(prop)}"
    note = spec.characteristics.as_dict()["notes"].get(_NOTE_KEY[prop], "")
    # Declarations mark their own ratings "our judgement (...): why"; keep the why.
    note = re.sub(r"^our judgement(\s*\([^)]*\))?:?\s*", "", note)
    return f"losscli's rating{': ' + note if note else ''}"


_NOTE_KEY = {"robust_to_outliers": "robust", "smooth_gradient": "smooth"}


# --------------------------------------------------------------------------- commands


def _not_an_option(path: str) -> str:
    """A file name the command line reads as a file: '-preds.csv' would be
    read as options, './-preds.csv' is the same file ('-' alone is stdin)."""
    return f"./{path}" if path.startswith("-") and path != "-" else path


def compute_command(
    spec: LossSpec,
    predictions: str = "PRED",
    *,
    params: str = "",
    labels: str | None = None,
    flags: tuple[str, ...] = (),
    name_roles: bool = True,
    role_columns: tuple[tuple[str, str], ...] = (),
) -> str:
    """The ``losscli compute`` line for one loss, naming the inputs it needs.

    Roles other than y_true/y_pred are spelled out with ``--col`` (a glob, so
    a list column and ``name_0, name_1, ...`` both match), unless
    ``name_roles`` is false: the file has them under names compute finds.
    ``flags`` are further words of the command line, quoted here for the shell.
    """
    parts = ["losscli", "compute", quote(_not_an_option(predictions))]
    if labels:
        parts += ["--labels", quote(_not_an_option(labels))]
    parts += ["--loss", quote(f"{spec.name}:{params}" if params else spec.name)]
    for role, columns in (command_role_columns(spec, role_columns) if name_roles else {}).items():
        parts += ["--col", f"{role}={quote(columns)}"]
    parts += [quote(word) for word in flags]
    return " ".join(parts)


def command_role_columns(spec: LossSpec, found: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """The ``--col ROLE=COLS`` of a suggested command: every required input
    other than y_true/y_pred, under its first default name; the columns the
    data were ``found`` to hold for a role instead (optional ones too:
    contrastive's x1 and x2 stand beside its distance)."""
    given = dict(found)
    columns = {}
    for role in spec.roles:
        if role.name in ("y_true", "y_pred"):
            continue
        if role.name in given:
            columns[role.name] = given[role.name]
        elif not role.optional:
            columns[role.name] = f"{role.defaults[0]}*" if role.shape == "vector" else role.defaults[0]
    return columns


# --------------------------------------------------------------------------- ranking


@dataclass
class Evidence:
    weight: int
    text: str
    order: int = 1_000  # position of the loss in the tip/row that named it (tie-break)
    tip: str | None = None
    ours: bool = False  # losscli's own advice: it orders only losses the guide leaves level


@dataclass(frozen=True)
class Context:
    """What the ranking knows: the task, the conditions, facts from the data."""

    task: str
    conditions: frozenset[str]
    facts: frozenset[str] = frozenset()
    task_word: str = ""  # the task as the user named it ("detection" for segmentation)
    values: tuple[tuple[str, str], ...] = ()  # {placeholders} for rule parameters, e.g. pos_weight
    predictions: str = "PRED"
    labels_file: str | None = None
    flags: tuple[str, ...] = ()
    from_logits: bool = False
    # The file's prediction columns are named as logits, which compute reads as logits without --from-logits.
    logits_by_name: bool = False
    sample_column: str | None = None
    unrunnable: tuple[tuple[str, str], ...] = ()  # (loss, why its command fails on the --data file)
    checked: bool = False  # the commands were tried on the --data file: unrunnable lists every one that fails
    inputs_found: frozenset[str] = frozenset()  # losses whose inputs compute finds in the --data file by itself
    # loss -> (--pred-col, logits?) for losses that read another column than the file's predictions (d_prob)
    own_predictions: tuple[tuple[str, tuple[str, bool]], ...] = ()
    # losses whose every input compute finds in the --data file read as labels alone (a_*, p_*, n_*):
    # their commands read that file by itself
    read_labels_file: frozenset[str] = frozenset()
    # --positive for the losses of binary labels: two text classes beside one probability column.
    positive: str | None = None
    # role -> column of inputs the data hold under names no default takes (x1=sentence1):
    # the commands of the losses with that role pass them with --col.
    role_columns: tuple[tuple[str, str], ...] = ()


def _tip_evidence(name: str, context: Context) -> list[Evidence]:
    found = []
    for tip in TIPS:
        if name not in tip.losses:
            continue
        order = tip.losses.index(name)
        if context.task in tip.tasks:
            found.append(Evidence(WEIGHTS["task_tip"], tip.text, order, tip.text))
        elif tip.condition in context.conditions:
            reason = f"{tip.text} ({_origin(tip.condition, context)})"
            found.append(Evidence(WEIGHTS["condition_tip"], reason, order, tip.text))
    return found


def _table_evidence(name: str, context: Context) -> list[Evidence]:
    found = []
    for row in TASK_TABLE:
        if name not in row.losses:
            continue
        order = row.losses.index(name)
        text = f"the guide's loss-by-task table lists it for {row.label}"
        if context.task in row.tasks:
            found.append(Evidence(WEIGHTS["task_table"], text, order))
        elif row.condition in context.conditions:
            found.append(Evidence(WEIGHTS["condition_table"], f"{text} ({_origin(row.condition, context)})", order))
    return found


def _use_case_evidence(name: str, context: Context) -> list[Evidence]:
    word = context.task_word.strip().lower().replace(" ", "-").replace("_", "-")
    return [
        Evidence(WEIGHTS["use_case"], f"the guide names it for {word.replace('-', ' ')} ({case.guide_name}, use cases: {case.cell})")
        for case in GUIDE_USE_CASES
        if case.loss == name and word in case.task_words
    ]


def _origin(condition: str | None, context: Context) -> str:
    """Where a condition comes from: the user's flag, or what the data show."""
    if f"inferred:{condition}" in context.facts:
        return f"{CONDITION_WORDS.get(condition or '', condition)} in the data"
    return f"--{condition}"


def _property_evidence(spec: LossSpec, context: Context) -> list[Evidence]:
    found = []
    values = spec.characteristics.as_dict()
    for condition in sorted(context.conditions):
        if condition not in CONDITION_PROPERTIES:
            continue
        prop, has_it, lacks_it = CONDITION_PROPERTIES[condition]
        value = values[prop]
        if value is None:
            continue
        source = _property_source(spec, prop)
        if value:
            found.append(Evidence(WEIGHTS["condition_property"], f"{has_it} ({source}), wanted for {_origin(condition, context)}"))
        else:
            found.append(Evidence(-WEIGHTS["condition_property"], f"{lacks_it} ({source}), ranked down for {_origin(condition, context)}"))
    use = TASK_USE.get(context.task)
    if use and values[use]:
        found.append(Evidence(WEIGHTS["use_rating"], f"{use.replace('_', ' ')} ✔ ({_rater(spec)})"))
    if values["smooth_gradient"]:
        found.append(Evidence(WEIGHTS["smooth_gradient"], f"smooth gradient ✔ ({_rater(spec)})"))
    return found


def _rater(spec: LossSpec) -> str:
    rating = guide_rating(spec.name)
    return f"guide: {rating.row}" if rating else "losscli"


def _rule_evidence(name: str, context: Context) -> tuple[list[Evidence], str]:
    found, params = [], ""
    known = _with_class_words(dict(context.values))
    for rule in RULES:
        applies = rule.fact in context.conditions or rule.fact in context.facts
        if name not in rule.losses or not applies or (rule.tasks and context.task not in rule.tasks):
            continue
        origin = f"{_origin(rule.fact, context)}; " if rule.fact in context.conditions else ""
        try:
            text = rule.data_text.format(**known) if rule.data_text else rule.text
        except KeyError:
            text = rule.text  # the data did not give the counts: say what the advice does in general
        found.append(Evidence(rule.weight, f"{text} ({origin}losscli's advice)", ours=True))
        if rule.params and not params:
            try:
                params = rule.params.format(**known)
            except KeyError:
                params = ""  # the data did not give the value: leave the default
    return found, params


def command_spec(name: str, context: Context) -> str:
    """The loss spec a suggested command passes: the name, with the
    parameters losscli's advice sets on these data (bce:pos_weight=3)."""
    params = _rule_evidence(name, context)[1]
    return f"{name}:{params}" if params else name


def _with_class_words(values: dict[str, str]) -> dict[str, str]:
    """What pos_weight does on these counts, in words: a weight above 1 lifts
    rare positives, below 1 lowers positives that are the majority."""
    if "positives" not in values or "negatives" not in values:
        return values
    positives, negatives = int(values["positives"]), int(values["negatives"])
    if positives < negatives:
        share, effect = "minority", "up-weights them"
    elif positives > negatives:
        share, effect = "majority", "down-weights them"
    else:
        share, effect = "same number as the negatives", "leaves them as they are"
    return {**values, "positive_share": share, "pos_weight_effect": effect, "labels": str(positives + negatives)}


def _fallback(spec: LossSpec, context: Context) -> Evidence:
    said = GUIDE_DESCRIPTIONS.get(spec.name)
    if said:
        return Evidence(0, f"also fits {context.task}; the guide: {said}")
    return Evidence(0, f"also fits {context.task}: {spec.use_cases.rstrip('.')}")


def _command(spec: LossSpec, params: str, context: Context) -> str:
    flags = list(context.flags)
    own = dict(context.own_predictions).get(spec.name)
    if own is not None:
        flags += ["--pred-col", own[0]]
    from_logits = context.from_logits if own is None else own[1]
    # Columns named as logits are read as logits by compute itself.
    named = context.logits_by_name if own is None else name_says_logits(own[0])
    if from_logits and not named and any(p.name == "from_logits" for p in spec.params):
        flags.append("--from-logits")
    if context.positive is not None and spec.binary_label_codes is not None:
        flags += ["--positive", context.positive]
    sample = command_sample_column(spec, context)
    if sample:
        flags += ["--sample-col", sample]
    if spec.name in context.read_labels_file:
        return compute_command(spec, context.labels_file or context.predictions, params=params, flags=tuple(flags), name_roles=False)
    name_roles = spec.name not in context.inputs_found
    return compute_command(
        spec, context.predictions, params=params, labels=context.labels_file, flags=tuple(flags), name_roles=name_roles, role_columns=context.role_columns
    )


def _recommendation(spec: LossSpec, index: int, context: Context) -> tuple[tuple[int, int, int, int], dict[str, Any]]:
    evidence = _tip_evidence(spec.name, context) + _table_evidence(spec.name, context) + _use_case_evidence(spec.name, context)
    rules, params = _rule_evidence(spec.name, context)
    evidence += rules + _property_evidence(spec, context)
    if f"inputs={spec.name}" in context.facts:
        evidence.append(Evidence(WEIGHTS["inputs_match"], "the file has exactly the input columns this loss reads"))
    problem = dict(context.unrunnable).get(spec.name)
    if problem:
        evidence.append(Evidence(-WEIGHTS["inputs_missing"], f"its command does not run on this file as it is: {problem}"))
    guide_score = sum(e.weight for e in evidence if not e.ours)
    own_score = sum(e.weight for e in evidence if e.ours)
    # In the order it ranks the loss: the guide's (and the data's) main
    # evidence, strongest first whichever way it points, then our advice,
    # then the small tie-breakers.
    evidence.sort(key=lambda e: (_tier(e), -abs(e.weight)))
    if not any(abs(e.weight) >= WEIGHTS["task_table"] for e in evidence):
        evidence.insert(0, _fallback(spec, context))
    order = min((e.order for e in evidence), default=1_000)
    entry = {
        "loss": spec.name,
        "rank": 0,
        "reason": "; ".join(e.text for e in evidence),
        "tips": list(dict.fromkeys(e.tip for e in evidence if e.tip)),
        "properties": properties(spec),
        "command": _command(spec, params, context),
        # null without --data: nothing to try the command on.
        "runs_on_data": (problem is None) if context.checked else None,
    }
    return (-guide_score, -own_score, order, index), entry


def _tier(evidence: Evidence) -> int:
    if evidence.ours:
        return 1
    # The guide's tips, tables and use cases, and the conditions, come first; the tie-breakers last.
    return 0 if abs(evidence.weight) >= WEIGHTS["task_table"] else 2


def candidates(task: str, conditions: frozenset[str]) -> list[LossSpec]:
    """The losses the registry declares for the task, and those the tip for a
    flagged condition names when they classify as the task does: focal for
    imbalanced segmentation masks (pixels are classified), never for regression."""
    specs = losses_for_task(task)
    use = TASK_USE.get(task)
    if use != "use_in_classification":
        return specs
    named = {spec.name for spec in specs}
    for tip in TIPS:
        if tip.condition not in conditions:
            continue
        for name in tip.losses:
            spec = get(name)
            if name not in named and spec.characteristics.as_dict()[use]:
                specs.append(spec)
                named.add(name)
    return specs


def rank(context: Context) -> list[dict[str, Any]]:
    """Every candidate loss for the task (see :func:`candidates`), best first."""
    registry_order = {spec.name: i for i, spec in enumerate(all_specs())}
    scored = [_recommendation(spec, registry_order[spec.name], context) for spec in candidates(context.task, context.conditions)]
    scored.sort(key=lambda item: item[0])
    entries = [entry for _, entry in scored]
    for position, entry in enumerate(entries, start=1):
        entry["rank"] = position
    return entries


# --------------------------------------------------------------------------- the API


def recommend(
    task: str | None = None,
    outliers: bool = False,
    imbalanced: bool = False,
    data: str | None = None,
    *,
    y_true: Any = None,
    y_pred: Any = None,
    sample_ids: Any = None,
    label_col: str | None = None,
    pred_col: str | None = None,
    sample_col: str | None = None,
    input_format: str | None = None,
    delimiter: str | None = None,
    decimal: str = ".",
) -> dict[str, Any]:
    """Ranked loss recommendations, as the JSON document of ``losscli recommend``.

    ``task`` is a task name or alias; ``data`` a file to infer the task,
    class imbalance and outliers from (or pass the arrays ``y_true``, and
    optionally ``y_pred`` and ``sample_ids``). At least one of them is needed.
    Flags and inferred conditions add up: ``outliers=True`` or outliers in
    the data both rank robust losses up. ``input_format``, ``delimiter`` and
    ``decimal`` (',' for numbers written 0,5) say how to read ``data``, as
    the command line's --input-format, --delimiter and --decimal do.
    """
    if task is not None and not isinstance(task, str) and hasattr(task, "__len__"):
        # recommend(y_true, y_pred) as compute() is called: the labels landed on task
        # (and the predictions on outliers, whose error would not say why).
        raise LossCliError(
            f"the task must be a name such as 'regression', not {type(task).__name__} {task!r:.40}",
            hint="pass arrays as keywords: recommend(y_true=..., y_pred=...); the positional arguments are task, outliers, imbalanced, data",
        )
    for name, flag in (("outliers", outliers), ("imbalanced", imbalanced)):
        # A string such as "no" is truthy: it would rank the losses for that condition up.
        if not (isinstance(flag, bool) or (type(flag).__module__ == "numpy" and type(flag).__name__ in ("bool", "bool_"))):
            raise LossCliError(f"{name} must be True or False, not {type(flag).__name__} {flag!r:.40}", hint=f"pass {name}=True to rank losses for it up")
    if task is None and data is None and y_true is None:
        raise LossCliError(
            "recommend needs a task, data or both",
            hint="pass task='regression' (or another task), data='FILE' or y_true=LABELS",
        )
    try:
        return document(
            task,
            outliers,
            imbalanced,
            data,
            y_true=y_true,
            y_pred=y_pred,
            sample_ids=sample_ids,
            label_col=label_col,
            pred_col=pred_col,
            sample_col=sample_col,
            input_format=input_format,
            delimiter=delimiter,
            decimal=decimal,
        )
    except LossCliError as error:
        _in_api_terms(error)
        raise


# The command-line options the input layer's messages name, and the
# parameters of recommend() that stand for them in Python.
_API_NAMES = {
    "--label-col": "label_col",
    "--pred-col": "pred_col",
    "--sample-col": "sample_col",
    "--input-format": "input_format",
    "--delimiter": "delimiter",
    "--decimal": "decimal",
    "--task": "task",
    "--data": "data",
}
_OPTION = re.compile("|".join(re.escape(option) for option in _API_NAMES) + r"\b")


def _in_api_terms(error: LossCliError) -> None:
    """Replace the option names in the error by the parameter names a Python caller passes."""

    def renamed(text: str | None) -> str | None:
        return None if text is None else _OPTION.sub(lambda found: _API_NAMES[found.group(0)], text)

    error.message, error.hint = renamed(error.message), renamed(error.hint)
    error.args = (error.message,)


def document(
    task: str | None = None,
    outliers: bool = False,
    imbalanced: bool = False,
    data: str | None = None,
    *,
    y_true: Any = None,
    y_pred: Any = None,
    sample_ids: Any = None,
    label_col: str | None = None,
    pred_col: str | None = None,
    sample_col: str | None = None,
    input_format: str | None = None,
    delimiter: str | None = None,
    decimal: str = ".",
) -> dict[str, Any]:
    """:func:`recommend` in the terms of the command line, which calls this:
    its errors name options (--label-col), as the input layer writes them."""
    from .io.numbers import decimal_given

    decimal = decimal_given(decimal)
    canonical = resolve_task(task) if task is not None else None
    inference = _infer(data, y_true, y_pred, sample_ids, label_col, pred_col, sample_col, input_format, delimiter, decimal)
    if inference is None:
        if canonical is None:
            raise LossCliError("recommend needs --task, --data or both", hint="e.g. losscli recommend --task regression, or --data labels.csv")
        effective = canonical
    else:
        effective = canonical or inference.task
        if effective != inference.task:
            inference.evidence.append(f"the data look like {inference.task}; --task {canonical} takes precedence")
    if inference is not None and inference.prediction_selection:
        pred_col = inference.prediction_selection  # found under another name: the commands must name it
    context = _context(effective, outliers, imbalanced, data, inference, label_col, pred_col, decimal, input_format, delimiter)
    context = dataclasses.replace(context, task_word=task or "")
    if data is not None and inference is not None:
        from .runnable import command_problems, label_problems, losses_reading_the_labels_file, quantile_forecast

        if context.predictions == str(data):
            checks = command_problems(context, label_col, pred_col, input_format, delimiter, inference, decimal)
            context = dataclasses.replace(
                context,
                unrunnable=tuple(sorted(checks.problems.items())),
                checked=True,
                inputs_found=frozenset(checks.inputs_found),
                own_predictions=tuple(sorted(checks.own_predictions.items())),
            )
        elif context.labels_file == str(data):
            # Labels alone: the predictions are not known, the labels' domain is.
            problems = label_problems(context, inference.labels_read)
            reading = losses_reading_the_labels_file(context, label_col, input_format, delimiter, inference, decimal)
            own = {}
            forecast = quantile_forecast(context, label_col, input_format, delimiter, inference, decimal)
            if forecast is not None:
                # A quantile forecast beside its labels: quantile reads the file as it is, each column at its level.
                reading.add("quantile")
                own["quantile"] = (forecast, False)
            context = dataclasses.replace(
                context,
                unrunnable=tuple(sorted(problems.items())),
                checked=True,
                read_labels_file=frozenset(reading),
                own_predictions=tuple(sorted(own.items())),
            )
    return {
        "schema": SCHEMA,
        "task": effective,
        "inferred": inference.as_dict() if inference is not None else None,
        "recommendations": rank(context),
    }


def _infer(
    data: str | None,
    y_true: Any,
    y_pred: Any,
    sample_ids: Any,
    label_col: str | None,
    pred_col: str | None,
    sample_col: str | None,
    input_format: str | None,
    delimiter: str | None,
    decimal: str,
) -> Inference | None:
    if data is not None and y_true is not None:
        raise LossCliError("give data (a file) or y_true (arrays), not both")
    if data is not None:
        from .inference import infer_file

        return infer_file(
            str(data),
            label_col=label_col,
            pred_col=pred_col,
            sample_col=sample_col,
            input_format=input_format,
            delimiter=delimiter,
            decimal=decimal,
        )
    if y_true is not None:
        from .inference import infer_arrays

        return infer_arrays(y_true, y_pred, sample_ids)
    return None


def _context(
    task: str,
    outliers: bool,
    imbalanced: bool,
    data: str | None,
    inference: Inference | None,
    label_col: str | None,
    pred_col: str | None,
    decimal: str = ".",
    input_format: str | None = None,
    delimiter: str | None = None,
) -> Context:
    conditions = {name for name, flagged in ((OUTLIERS, outliers), (IMBALANCED, imbalanced)) if flagged}
    facts: set[str] = set()
    values: dict[str, str] = {}
    predictions, labels_file, flags, from_logits, sample_column, positive = "PRED", None, [], False, None, None
    logits_by_name = False
    role_columns: tuple[tuple[str, str], ...] = ()
    if inference is not None:
        for name, shown in ((OUTLIERS, inference.outliers), (IMBALANCED, inference.imbalanced)):
            if shown and name not in conditions:
                conditions.add(name)
                facts.add(f"inferred:{name}")
        facts.update(f"labels={layout}" for layout in inference.layouts)
        facts.update(f"predictions={kind}" for kind in inference.prediction_kinds)
        if inference.matched_loss:
            facts.add(f"inputs={inference.matched_loss}")
        facts.update(f"inputs={name}" for name in inference.matched_losses)
        role_columns = tuple(sorted(inference.role_columns.items()))
        values.update(inference.values)
        from_logits = inference.from_logits
        logits_by_name = inference.logits_by_name
        sample_column = inference.sample_column
        positive = inference.positive
        if data is not None:
            has_predictions = bool(inference.prediction_columns) or inference.structural
            predictions, labels_file = (str(data), None) if has_predictions else ("PRED", str(data))
            if label_col:
                flags += ["--label-col", label_col]
            if pred_col:
                flags += ["--pred-col", pred_col]
            # How the file was read: without them the suggested commands would
            # read it as something else (a .txt file, space-separated fields, 0,5).
            if input_format:
                flags += ["--input-format", input_format]
            if delimiter:
                flags += ["--delimiter", delimiter]
            if decimal == ",":
                flags += ["--decimal", ","]
            if inference.missing_rows:
                # The inference left those rows out; compute would stop at the first.
                flags += ["--nan-policy", "omit"]
    return Context(
        task=task,
        conditions=frozenset(conditions),
        facts=frozenset(facts),
        values=tuple(sorted(values.items())),
        predictions=predictions,
        labels_file=labels_file,
        flags=tuple(flags),
        from_logits=from_logits,
        logits_by_name=logits_by_name,
        sample_column=sample_column,
        positive=positive,
        role_columns=role_columns,
    )


def covered_losses() -> set[str]:
    """Every loss the guide's advice names (tips, task table, characteristics)."""
    names = {n for tip in TIPS for n in tip.losses}
    names |= {n for row in TASK_TABLE for n in row.losses}
    names |= {n for rating in GUIDE_CHARACTERISTICS for n in rating.losses}
    return names


def check_names() -> list[str]:
    """Names in the tables above that the registry does not know (for tests)."""
    unknown = []
    for name in sorted(covered_losses() | set(GUIDE_DESCRIPTIONS) | {n for r in RULES for n in r.losses}):
        try:
            get(name)
        except LossCliError:
            unknown.append(name)
    return unknown
