"""``cge examples``: the bundled SAMs and scenario files, copied so that they run from there."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cge.cli import main
from cge.errors import ConfigError
from cge.examples import copy_examples, example_files, examples_folder

ROOT = Path(__file__).resolve().parents[1]


def test_the_source_checkout_bundles_its_sams_and_scenarios_only():
    assert examples_folder() == ROOT / "sam_data"
    names = {str(p) for p in example_files(ROOT / "sam_data")}
    assert {"README.md", "stdcge.xlsx", "stdcge.csv", "stdcge.accounts.csv",
            "china_2018_3sector.xlsx", "scenarios/README.md",
            "scenarios/stdcge_tariff_abolition.yaml"} <= names
    assert not any(n.endswith(".py") or n.startswith("china_2018_inputs") for n in names)


def test_copied_scenarios_name_sams_that_are_copied_too(tmp_path):
    written = copy_examples(tmp_path / "ex")
    assert len(written) == len(example_files(ROOT / "sam_data"))
    scenarios = sorted((tmp_path / "ex" / "scenarios").glob("*.yaml"))
    assert scenarios
    for path in scenarios:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        named = raw.get("sam") or raw["base"]          # a batch file names its base scenario
        # a bare file name not beside the scenario is a bundled SAM (scenario._bundled)
        assert (path.parent / named).is_file() or (
            "/" not in named and (tmp_path / "ex" / named).is_file()), (path.name, named)


def test_existing_files_are_named_and_kept_unless_force(tmp_path, capsys):
    target = tmp_path / "ex"
    assert main(["examples", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {target / 'stdcge.xlsx'}" in out
    assert f"wrote {target / 'scenarios' / 'stdcge_tariff_abolition.yaml'}" in out
    edited = target / "stdcge.csv"
    edited.write_text("my edits", encoding="utf-8")

    assert main(["examples", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(edited) in err and str(target / "scenarios" / "README.md") in err
    assert "--force" in err and "Traceback" not in err
    assert edited.read_text(encoding="utf-8") == "my edits"

    assert main(["examples", str(target), "--force"]) == 0
    assert edited.read_bytes() == (ROOT / "sam_data" / "stdcge.csv").read_bytes()


def test_the_bundled_folder_is_not_a_target():
    with pytest.raises(ConfigError, match="folder of the bundled examples"):
        copy_examples(ROOT / "sam_data", force=True)


def test_a_folder_that_cannot_be_made_is_named(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert main(["examples", str(blocker / "ex")]) == 2
    err = capsys.readouterr().err
    assert str(blocker / "ex") in err and "Traceback" not in err
