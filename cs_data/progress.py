"""Progress reporting for long commands (demo generation, imports), free of any UI."""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[str, int, int | None], None]
"""Called as ``progress(phase, done, total)``; ``total`` is None when unknown."""


def no_progress(phase: str, done: int, total: int | None) -> None:
    """A progress callback that reports nothing."""
