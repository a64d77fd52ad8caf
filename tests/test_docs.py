"""A reader can run every documented command as written.

The fenced ```bash blocks of README.md and docs/*.md are collected; each line that starts
with ``cge `` or ``.venv/bin/cge `` runs, in the order of the page, in a temporary copy of
the repository (so commands that write files write them there) with the virtual
environment's ``cge``. Blocks fenced as ```csv file=NAME (or any language with
``file=NAME``) are written to NAME in that copy first, so a page can show the mapping
or scenario file a command reads. Relative links between the pages must resolve.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CGE = Path(sys.executable).with_name("cge")
PREFIXES = (".venv/bin/cge ", "cge ")
#: Commands that need the solver (they are marked ``solver`` and ``slow``).
SOLVER_COMMANDS = ("run", "batch", "batch-report", "report", "doctor")
#: Not copied into the scratch repository.
SKIP = shutil.ignore_patterns(".venv", ".git", "output", "__pycache__", "*.egg-info",
                              ".pytest_cache", ".hypothesis", ".ruff_cache", ".ipynb_checkpoints")
_FENCE = re.compile(r"^(`{3,})\s*([^\n`]*)$")


@dataclass
class Page:
    path: Path
    commands: list[tuple[int, str]] = field(default_factory=list)  # (line, command)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def needs_solver(self) -> bool:
        return any(_words(c)[1:2] and _words(c)[1] in SOLVER_COMMANDS for _, c in self.commands)


def _words(command: str) -> list[str]:
    return shlex.split(command, comments=True)


def parse(path: Path) -> Page:
    """The runnable commands and the files of a Markdown page."""
    page = Page(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i].strip())
        if not opening:
            i += 1
            continue
        fence, info = opening.group(1), opening.group(2).split()
        start, i = i + 1, i + 1
        while i < len(lines) and lines[i].strip() != fence:
            i += 1
        body, i = lines[start:i], i + 1
        target = next((w.split("=", 1)[1] for w in info[1:] if w.startswith("file=")), None)
        if target:
            page.files[target] = "\n".join(body) + "\n"
        if info[:1] == ["bash"]:
            command, first = "", None
            for n, line in enumerate(body, start=start + 1):
                command += line.rstrip().removesuffix("\\") + " "
                first = first or n
                if line.rstrip().endswith("\\"):
                    continue
                text, command, line_no, first = command.strip(), "", first, None
                if text.startswith(PREFIXES) and not text.startswith("make"):
                    page.commands.append((line_no, text))
    return page


PARSED = [parse(p) for p in PAGES if p.exists()]
RUNNABLE = [p for p in PARSED if p.commands]


def _marks(page: Page):
    return [pytest.mark.solver, pytest.mark.slow] if page.needs_solver else []


def test_the_docs_show_commands():
    """The README and the SAM and CLI pages carry runnable examples."""
    names = {p.path.name for p in RUNNABLE}
    assert {"README.md", "sam.md", "cli.md"} <= names


@pytest.mark.parametrize("page", [pytest.param(p, id=p.path.name, marks=_marks(p))
                                  for p in RUNNABLE])
def test_documented_commands_run(page: Page, tmp_path: Path):
    work = tmp_path / "repo"
    shutil.copytree(ROOT, work, ignore=SKIP)
    (work / "output").mkdir(exist_ok=True)
    for name, text in page.files.items():
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for line, command in page.commands:
        words = _words(command)
        argv = [str(CGE), *words[1:]]
        done = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=600)
        where = f"{page.path.relative_to(ROOT)}:{line}: {command}"
        assert done.returncode == 0, (f"{where}\nexit {done.returncode}\n"
                                      f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}")


_LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


@pytest.mark.parametrize("page", PARSED, ids=[p.path.name for p in PARSED])
def test_relative_links_resolve(page: Page):
    text = page.path.read_text(encoding="utf-8")
    broken = [target for target, _ in _LINK.findall(text)
              if not re.match(r"[a-z]+://|mailto:", target)
              and not (page.path.parent / target).exists()]
    assert not broken, f"{page.path.name} links to missing files: {broken}"


def test_readme_links_every_notebook_and_docs_page():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {(ROOT / target).resolve() for target, _ in _LINK.findall(text)}
    pages = [*sorted((ROOT / "notebooks").glob("*.ipynb")), *sorted((ROOT / "docs").glob("*.md"))]
    missing = [str(p.relative_to(ROOT)) for p in pages if p.resolve() not in linked]
    assert not missing, f"README.md does not link {missing}"
