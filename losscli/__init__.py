"""losscli: evaluate deep-learning loss functions on prediction files.

The Python API mirrors the CLI: ``compute``, ``per_sample``, ``available``,
``recommend``, ``info``. Each is imported from its module on first use, so
``import losscli`` stays cheap, while ``help(losscli.compute)`` shows the
real signature and documentation.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from .errors import LossCliError  # noqa: E402  (cheap, and part of the API)

# Public name -> the module that defines it. numpy and the registry load only
# when one of them is first looked up (PEP 562).
_LAZY = {
    "compute": "api",
    "per_sample": "api",
    "info": "api",
    "available": "registry",
    "recommend": "knowledge",
}

__all__ = ["compute", "per_sample", "available", "info", "recommend", "LossCliError", "__version__"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'losscli' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
