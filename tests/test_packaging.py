"""The wheel installs: built from a clean checkout, installed into a fresh virtual environment,
its ``cge`` copies the examples, checks a SAM, runs a scenario and passes ``cge doctor``.

The new environment sees the dependencies of this one through a ``.pth`` file (no network),
but not this repository's ``cge``: the editable install's finder is in a ``.pth`` file of
this environment, which Python does not read from a folder named in another ``.pth``.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pytest

from cge.examples import example_files

pytestmark = [pytest.mark.slow, pytest.mark.solver]

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "stdcge_tariff_abolition.yaml"


def _run(argv: list, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, (f"{' '.join(map(str, argv))}: exit {done.returncode}\n"
                                  f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}")
    return done


def _clean_checkout(dest: Path) -> Path:
    """The files of HEAD (``git archive``), so untracked files cannot leak into the wheel."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD"],
                             capture_output=True)
    if archive.returncode != 0:
        pytest.skip(f"not a git checkout: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def test_wheel_installs_and_runs_outside_the_repository(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")}
    src = _clean_checkout(tmp_path / "src")
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "-q", "-w", dist, src], tmp_path, env)
    wheel = next(dist.glob("cge-*.whl"))

    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path, env)
    python, cge = venv / "bin" / "python", venv / "bin" / "cge"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
          "--no-index", "-q", wheel], tmp_path, env)
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                     work, env).stdout.strip())
    deps = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "dependencies-of-the-test-environment.pth").write_text("\n".join(deps) + "\n")
    where = _run([python, "-c", "import cge; print(cge.__file__)"], work, env).stdout.strip()
    assert Path(where).is_relative_to(venv), f"cge imported from {where}, not the wheel"

    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    copied = _run([cge, "examples", "ex"], work, env).stdout
    assert copied.count("wrote ") == len(example_files(ROOT / "sam_data"))
    _run([cge, "sam", "check", "ex/stdcge.xlsx"], work, env)
    _run([cge, "run", f"ex/scenarios/{SCENARIO}", "--json", "out.json"], work, env)
    data = json.loads((work / "out.json").read_text(encoding="utf-8"))
    assert data["status"] == "optimal" and data["results"]["exports"]
    doctor = _run([cge, "doctor", "--strict"], work, env).stdout
    assert "cge modules" in doctor and str(site / "cge" / "sam_data") in doctor
