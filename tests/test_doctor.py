"""`cge doctor`: the solver stack is reported, and a broken stack says how to fix it; a
module or subpackage missing from the install and missing bundled examples are named."""

from __future__ import annotations

import pytest

from cge.cli import main
from cge.doctor import (
    ASL_FIX,
    REINSTALL_FIX,
    StackReport,
    check_examples,
    check_modules,
    check_stack,
)


@pytest.mark.solver
def test_doctor_reports_versions_and_a_working_solve(capsys):
    assert main(["doctor", "--strict"]) == 0
    out = capsys.readouterr().out
    for key in ("python", "pyomo", "ipopt", "pynumero ASL library", "linear solver", "test solve"):
        assert key in out
    assert "optimal" in out


def test_missing_asl_library_gives_the_build_command(monkeypatch):
    from pyomo.contrib.pynumero.asl import AmplInterface

    monkeypatch.setattr(AmplInterface, "available", classmethod(lambda cls: False))
    report = check_stack(solve=False)
    assert not report.ok
    assert report.fixes == [ASL_FIX]
    assert "pyomo.contrib.pynumero.build" in ASL_FIX and "libamplsolver-dev" in ASL_FIX


def _package(root, name: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / name / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_module_that_cannot_be_imported_is_named(tmp_path, monkeypatch):
    _package(tmp_path, "brokenpkg", {
        "__init__.py": "",
        "__main__.py": "raise SystemExit('a program, never imported by the check')",
        "fine.py": "X = 1",
        "uses_model.py": "from .model import build",          # the subpackage is not installed
        "sub/__init__.py": "",
        "sub/deep.py": "import a_module_nobody_installed",
        "loose/helpers.py": "Y = 2",                            # no __init__.py: not packaged
    })
    monkeypatch.syspath_prepend(str(tmp_path))
    report = check_modules(StackReport(), "brokenpkg")
    assert not report.ok
    failed = {key: value for key, value in report.items}
    assert "No module named 'brokenpkg.model'" in failed["module brokenpkg.uses_model"]
    assert "a_module_nobody_installed" in failed["module brokenpkg.sub.deep"]
    assert "no __init__.py" in failed["package brokenpkg.loose"]
    assert not any("fine" in key or "__main__" in key for key in failed)
    assert REINSTALL_FIX in report.fixes


def test_every_module_of_cge_imports_and_every_folder_of_modules_is_a_package():
    report = check_modules(StackReport())
    assert report.ok, report.items
    assert report.items[-1][0] == "cge modules"


def test_doctor_strict_fails_with_a_line_naming_the_missing_module(monkeypatch, capsys):
    import cge.doctor

    def broken(r, package="cge"):
        r.fail("module cge.model.build", "cannot be imported: No module named 'cge.model'",
               REINSTALL_FIX)
        return r

    monkeypatch.setattr(cge.doctor, "check_stack", lambda solve=True: StackReport())
    monkeypatch.setattr(cge.doctor, "check_modules", broken)
    assert main(["doctor", "--strict"]) == 1
    out = capsys.readouterr().out
    assert "module cge.model.build" in out and "No module named 'cge.model'" in out
    assert f"fix: {REINSTALL_FIX}" in out
    assert main(["doctor"]) == 0          # without --strict it reports and succeeds


def test_doctor_reports_missing_examples(tmp_path, monkeypatch):
    import cge.examples

    monkeypatch.setattr(cge.examples, "examples_folder", lambda: tmp_path)
    report = check_examples(StackReport())
    assert not report.ok and report.items == [("bundled examples", f"not found in {tmp_path}")]
