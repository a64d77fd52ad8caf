"""Output paths of CLI commands: never onto an input file, parent folders created."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..errors import ConfigError, Problem


def output_path(out: str | Path, inputs: Iterable[str | Path], option: str,
                force: bool = False) -> Path:
    """``out`` as a path, refused when it is one of ``inputs`` (unless ``force``).

    Parameters
    ----------
    out : path
        The file a command is about to write.
    inputs : paths
        The files the command reads (the SAM, the scenario file, result files).
    option : str
        The option that named ``out`` (``--out``, ``--json``), for the message.
    force : bool
        Allow overwriting an input file (``--force``).

    Raises
    ------
    ConfigError
        ``out`` is an input file and ``force`` is false (the CLI exits with status 2).
    """
    out = Path(out)
    for src in map(Path, inputs):
        same = out.resolve() == src.resolve() or (
            out.exists() and src.exists() and out.samefile(src))
        if same and not force:
            raise ConfigError(f"refusing to overwrite the input file {src}", [Problem(
                "overwrite", f"{option} {out}", "is an input file",
                "write to another file, or add --force to overwrite it")])
    out.parent.mkdir(parents=True, exist_ok=True)
    return out
