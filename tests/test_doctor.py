"""`cge doctor`: the solver stack is reported, and a broken stack says how to fix it."""

from __future__ import annotations

import pytest

from cge.cli import main
from cge.doctor import ASL_FIX, check_stack


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
