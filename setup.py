"""Build hooks: the wheel and the sdist carry the bundled SAMs and scenario files.

The repository keeps them in ``sam_data/`` at the top; the wheel ships a copy inside the
package (``cge/sam_data``), where :func:`cge.examples.examples_folder` finds them. Which
files are bundled is :data:`cge.examples.PATTERNS`. An editable install reads ``sam_data/``
in place. Everything else about the package is in ``setup.cfg``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent


def _examples():
    """``cge/examples.py`` loaded by path (building must not import the package)."""
    spec = importlib.util.spec_from_file_location("_cge_examples", HERE / "cge" / "examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bundled() -> tuple[Path, list[Path]]:
    """The examples folder of the source tree and its bundled files (relative paths)."""
    examples = _examples()
    source = HERE / examples.FOLDER
    files = examples.example_files(source)
    if not files:
        raise SystemExit(f"no bundled examples in {source}: build from the source repository")
    return source, files


class BuildPyWithExamples(build_py):
    """``build_py`` that also copies the bundled examples into ``cge/sam_data``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        examples = _examples()
        source, files = _bundled()
        target = Path(self.build_lib) / "cge" / examples.FOLDER
        for rel in files:
            self.mkpath(str((target / rel).parent))
            self.copy_file(str(source / rel), str(target / rel))


class SdistWithExamples(sdist):
    """``sdist`` that includes the bundled examples, so a wheel built from it has them."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        source, bundled = _bundled()
        for rel in bundled:
            target = Path(base_dir) / source.name / rel
            self.mkpath(str(target.parent))
            self.copy_file(str(source / rel), str(target))


setup(cmdclass={"build_py": BuildPyWithExamples, "sdist": SdistWithExamples})
