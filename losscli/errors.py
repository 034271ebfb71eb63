"""The one error type for problems a user can fix.

Raised anywhere (kernels, readers, the registry) with as much context as the
raiser knows; outer layers add what they know (the file name, the row offset
of the batch) and the CLI turns it into a single ``error: ...`` line with exit
code 2.
"""

from __future__ import annotations


class LossCliError(ValueError):
    """A user-facing problem: bad input, bad usage or an unknown name.

    A ``ValueError``, as scikit-learn, numpy and PyTorch raise for bad
    arguments, so Python code that already catches those catches this too.

    ``row`` is a 1-based data row number (the header is not counted); in the
    Python API, row 1 is the first element of the argument named by ``role``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        row: int | None = None,
        hint: str | None = None,
        role: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.column = column
        self.row = row
        self.hint = hint
        # Kernels know the role ("y_pred"), not the column; the engine maps it.
        self.role = role

    def with_context(
        self,
        *,
        file: str | None = None,
        column: str | None = None,
        row_offset: int = 0,
        role_columns: dict[str, str] | None = None,
    ) -> "LossCliError":
        """Fill in what the raiser did not know; never overwrite what it did."""
        if self.file is None:
            self.file = file
        if self.column is None and self.role and role_columns and self.role in role_columns:
            self.column = role_columns[self.role]
        if self.column is None:
            self.column = column
        if self.row is not None:
            self.row += row_offset
        return self

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.column is not None:
            where.append(f"column '{self.column}'")
        elif self.file is None and self.role is not None:
            # No file: the Python API, where the role is the argument's name.
            where.append(self.role)
        if self.row is not None:
            where.append(f"row {self.row}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        # One line, always: a message built from user data must not break it.
        return " ".join(text.split())


class ThresholdBreached(Exception):
    """A --fail-above/--fail-below gate failed (exit code 1, results kept)."""
