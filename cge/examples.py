"""The bundled example SAMs and scenario files, and copying them into a folder.

The source repository keeps them in ``sam_data/`` beside the package; a wheel carries a
copy of the same files inside the package (``cge/sam_data``, written by ``setup.py`` at
build time from :func:`example_files`). This module imports nothing but the standard
library at module level, so ``setup.py`` can load it by path without installing ``cge``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

#: The name of the folder of examples, at the top of the repository and inside the wheel.
FOLDER = "sam_data"
#: The files of that folder that are bundled (glob patterns relative to it): the SAMs as
#: workbooks and as CSV with their ``.accounts.csv``, the scenario files, their READMEs.
PATTERNS = ("README.md", "*.xlsx", "*.csv", "scenarios/README.md", "scenarios/*.yaml")

_PACKAGE = Path(__file__).resolve().parent


def example_files(folder: str | Path) -> list[Path]:
    """The bundled files under ``folder``, as sorted paths relative to it."""
    folder = Path(folder)
    found = {p.relative_to(folder) for pattern in PATTERNS for p in folder.glob(pattern)
             if p.is_file()}
    return sorted(found)


def examples_folder() -> Path:
    """The folder of the bundled examples: the package's copy, else the source checkout's.

    A path that does not exist when neither is there (a package built without them).
    """
    for folder in (_PACKAGE / FOLDER, _PACKAGE.parent / FOLDER):
        if (folder / "scenarios").is_dir():
            return folder
    return _PACKAGE / FOLDER


def copy_examples(dest: str | Path, force: bool = False) -> list[Path]:
    """Copy the bundled SAMs and scenario files into ``dest``, keeping their layout.

    Scenario files name their SAM relative to themselves (``sam: ../stdcge.csv``), so
    the copies run from ``dest`` as they are.

    Parameters
    ----------
    dest : path
        The target folder (created when missing).
    force : bool
        Overwrite files that exist already.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ConfigError
        No bundled examples are installed, (unless ``force``) some of the files
        exist in ``dest`` (every such file is named), or ``dest`` cannot be written.
    """
    from .errors import ConfigError, Problem

    source, dest = examples_folder(), Path(dest)
    if dest.exists() and dest.resolve() == source.resolve():
        raise ConfigError(f"{dest} is the folder of the bundled examples", [Problem(
            "overwrite", str(dest), "is where the examples are copied from",
            "copy into another folder")])
    files = example_files(source)
    if not files:
        raise ConfigError("the bundled examples are not installed", [Problem(
            "missing_file", str(source), "no bundled SAMs or scenario files",
            "reinstall cge from a wheel built from the source repository (pip install .)")])
    existing = [dest / rel for rel in files if (dest / rel).exists()]
    if existing and not force:
        raise ConfigError(f"refusing to overwrite {len(existing)} file(s) in {dest}", [
            Problem("overwrite", str(path), "exists",
                    "copy into another (empty) folder, or add --force to overwrite")
            for path in existing])
    written = []
    for rel in files:
        target = dest / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, target)
        except OSError as exc:
            raise ConfigError(f"cannot write the examples into {dest}", [Problem(
                "write_failed", str(target), exc.strerror or str(exc),
                "copy into a folder you can write to")]) from None
        written.append(target)
    return written
