"""losscli: evaluate deep-learning loss functions on prediction files.

The Python API mirrors the CLI: ``compute``, ``per_sample``, ``available``,
``recommend``, ``info``. Heavy modules are imported on first use, so
``import losscli`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def compute(loss: Any, y_true: Any = None, y_pred: Any = None, **kwargs: Any) -> float:
    from .api import compute as _compute

    return _compute(loss, y_true, y_pred, **kwargs)


def per_sample(loss: Any, y_true: Any = None, y_pred: Any = None, **kwargs: Any) -> Any:
    from .api import per_sample as _per_sample

    return _per_sample(loss, y_true, y_pred, **kwargs)


def available() -> list[str]:
    """Canonical names of every loss."""
    from .registry import available as _available

    return _available()


def info(loss: str) -> Any:
    """The declaration of one loss (name or alias)."""
    from .registry import get

    return get(loss)


def recommend(task: str | None = None, **kwargs: Any) -> Any:
    """Ranked loss recommendations for a task (see ``losscli recommend``)."""
    from .knowledge import recommend as _recommend

    return _recommend(task=task, **kwargs)


from .errors import LossCliError  # noqa: E402  (cheap, and part of the API)

__all__ = ["compute", "per_sample", "available", "info", "recommend", "LossCliError", "__version__"]
