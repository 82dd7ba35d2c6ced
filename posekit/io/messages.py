"""One-line error messages (the CLI prints them without a traceback)."""

from __future__ import annotations


def one_line(exc: BaseException, limit: int = 200) -> str:
    """An exception's text on one line, at most `limit` characters (its type name if empty)."""
    return " ".join(str(exc).split())[:limit] or type(exc).__name__
