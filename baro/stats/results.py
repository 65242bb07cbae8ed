"""Shared behaviour of test results: a readable repr and ``to_frame()``."""

from __future__ import annotations

import math
from dataclasses import fields

__all__ = ["ResultMixin"]


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.6g}"
    if hasattr(value, "shape") and hasattr(value, "columns"):
        return f"<DataFrame {value.shape[0]} x {value.shape[1]}>"
    return repr(value)


class ResultMixin:
    """Adds ``__repr__`` and ``to_frame()`` to a frozen dataclass result.

    Fields listed in ``_frame_exclude`` (tables, tuples of warnings) are left
    out of the one-row frame; warnings are joined with ``"; "``.
    """

    __slots__ = ()
    _frame_exclude: tuple[str, ...] = ()

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name == "warnings" and not value:
                continue
            parts.append(f"{f.name}={_fmt(value)}")
        return f"{type(self).__name__}(" + ", ".join(parts) + ")"

    def to_frame(self):
        """One-row DataFrame of the scalar fields (snake_case columns)."""
        import pandas as pd

        row = {}
        for f in fields(self):  # type: ignore[arg-type]
            if f.name in self._frame_exclude:
                continue
            value = getattr(self, f.name)
            if f.name == "warnings":
                value = "; ".join(value)
            row[f.name] = value
        return pd.DataFrame([row])
