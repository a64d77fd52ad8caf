"""Errors that name the place: every user-facing failure carries a list of problems.

A :class:`Problem` says *where* (a sheet and cell, an account, a file), *what* is
wrong, and *how to fix it*. The CLI prints problems and exits non-zero; it never
shows a Python traceback for bad input.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input.

    Parameters
    ----------
    kind : str
        Short machine-readable category, e.g. ``"non_numeric"``, ``"imbalance"``.
    where : str
        The place, e.g. ``"SAM!F2 (row C_SEC, column HH)"`` or ``"account LAB"``.
    message : str
        What is wrong, including the offending value.
    fix : str
        What to do about it (may be empty).
    """

    kind: str
    where: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.fix})" if self.fix else text


class CGEError(Exception):
    """Base class of errors meant for the user (the CLI prints them without traceback)."""

    def __init__(self, message: str, problems: list[Problem] | tuple[Problem, ...] = ()):
        self.problems = list(problems)
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class SAMError(CGEError):
    """A SAM that cannot be read or is malformed."""


class ConfigError(CGEError):
    """An invalid model configuration, closure, scenario or batch file."""


class SolveError(CGEError):
    """The solver did not reach a solution that meets the tolerances."""


def did_you_mean(name, allowed: Iterable) -> str | None:
    """The allowed name closest to a misspelt ``name`` (case ignored), or ``None``."""
    choices = {str(a).lower(): str(a) for a in allowed}
    close = difflib.get_close_matches(str(name).lower(), list(choices), n=1, cutoff=0.6)
    return choices[close[0]] if close else None


def choose_from(name, allowed: Iterable, what: str = "allowed") -> str:
    """The fix for an unknown ``name``: ``"did you mean 'x'? allowed: a, b, c"``."""
    allowed = [str(a) for a in allowed]
    near = did_you_mean(name, allowed)
    hint = f"did you mean {near!r}? " if near is not None and near != str(name) else ""
    return f"{hint}{what}: {', '.join(allowed)}"


def unknown_keys(mapping, allowed, where: str, what: str = "key") -> list[Problem]:
    """A problem for every key of ``mapping`` not in ``allowed``, with the nearest allowed
    key and the list of them.

    ``where`` prefixes each key (``"closure"`` gives ``closure.labor``); ``what`` names
    the kind of key in the message (``"closure key"``).
    """
    return [Problem("unknown_key", f"{where}.{k}", f"unknown {what}",
                    choose_from(k, allowed, "allowed keys")) for k in mapping if k not in allowed]
