"""Errors a user can act on. The CLI prints them as one line and exits with ``EXIT_INPUT``."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1  # --fail-on threshold reached
EXIT_INPUT = 2  # unreadable, malformed, hostile or missing input; bad usage


class InputError(Exception):
    """An input cannot be used. The message is one line that names the input and the problem."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        text = " ".join(message.split())
        super().__init__(f"{path}: {text}" if path else text)


class MalformedInput(InputError):
    """The input is of the right kind but its structure is broken (truncated, bad offsets)."""


class UnsafeInput(InputError):
    """The input tries something hostile: a zip bomb, a path outside the archive, absurd sizes."""
