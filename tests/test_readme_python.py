"""The README's Python example runs as written (from the repository root), and every check it
prints passes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The rows of the table ``cge.run_checks`` prints.
CHECKS = ("replication", "homogeneity", "walras", "gdp_identity")


@pytest.mark.solver
def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert blocks, "the README shows Python usage"
    for code in blocks:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        if "run_checks" in code:
            passed = dict(re.findall(r"^(\w+)\s+(True|False)\b", done.stdout, flags=re.M))
            assert set(CHECKS) <= set(passed), done.stdout
            assert all(passed[c] == "True" for c in CHECKS), done.stdout
