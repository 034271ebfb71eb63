"""``pyarrow.compute`` imported on first use.

It costs about 70 ms to import, and the common path (numeric columns read
into numpy) never needs it; joins, text and list columns and error messages
do, and pay for it then.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _OnFirstUse:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)


pc: Any = _OnFirstUse("pyarrow.compute")
