"""Scenario files and runs: benchmark, shocks, counterfactual, comparison.

A scenario file (YAML)::

    name: stdcge_tariff_abolition
    sam: ../stdcge.xlsx            # relative to this file
    model: stdcge                  # or standard
    elasticities: {armington: 2, cet: 2}
    closure: {numeraire: LAB}      # optional, defaults per model
    options: {household_demand: les}   # optional functional forms (standard model)
    shocks:
      - {parameter: import_tariff_rate, set: 0}   # index absent: every commodity

:meth:`Scenario.build` calibrates and builds its model; :func:`cge.runs.run_scenario`
solves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, Problem
from .model.closures import CLOSURE_OPTIONS
from .model.config import SPECIFICATIONS
from .model.shocks import Shock

#: Keys a scenario file may have.
SCENARIO_KEYS = ("name", "description", "sam", "model", "elasticities", "closure", "options",
                 "shocks")

@dataclass(frozen=True)
class Scenario:
    """A validated scenario: SAM, model, elasticities, closure and shocks."""

    name: str
    sam: Any                      # a path or a SAM object
    model: str = "standard"
    elasticities: Mapping[str, Any] = field(default_factory=dict)
    closure: Mapping[str, str] | None = None
    shocks: tuple[Shock, ...] = ()
    description: str = ""
    options: Mapping[str, Any] | None = None

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario file; errors name the key and the fix."""
        import yaml

        path = Path(path)
        if not path.exists():
            raise ConfigError(f"scenario file {path} not found")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
        return cls.from_dict(raw, base_dir=path.parent, where=str(path))

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], base_dir: str | Path = ".",
                  where: str = "scenario") -> Scenario:
        """Validate a scenario given as a mapping (paths relative to ``base_dir``)."""
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: a scenario must be a mapping of keys "
                              f"({', '.join(SCENARIO_KEYS)})")
        problems = [Problem("unknown_key", f"{where}: {k}", "unknown key",
                            f"allowed keys: {', '.join(SCENARIO_KEYS)}")
                    for k in raw if k not in SCENARIO_KEYS]
        for k in ("name", "sam"):
            if not raw.get(k):
                problems.append(Problem("missing_key", f"{where}: {k}", "is required", ""))
        model = raw.get("model", "standard")
        if model not in SPECIFICATIONS:
            problems.append(Problem("bad_value", f"{where}: model", f"unknown model {model!r}",
                                    f"allowed: {', '.join(SPECIFICATIONS)}"))
        closure = raw.get("closure")
        if closure is not None and not isinstance(closure, Mapping):
            problems.append(Problem("bad_value", f"{where}: closure", "must be a mapping",
                                    f"keys: {', '.join(CLOSURE_OPTIONS)}"))
        elasticities = raw.get("elasticities") or {}
        if not isinstance(elasticities, Mapping):
            problems.append(Problem("bad_value", f"{where}: elasticities", "must be a mapping",
                                    "e.g. {armington: 2, cet: 2}"))
        options = raw.get("options")
        if options is not None and not isinstance(options, Mapping):
            problems.append(Problem("bad_value", f"{where}: options", "must be a mapping",
                                    "e.g. {household_demand: les}"))
        shocks_raw = raw.get("shocks") or []
        if not isinstance(shocks_raw, list):
            problems.append(Problem("bad_value", f"{where}: shocks", "must be a list",
                                    "e.g. [{parameter: import_tariff_rate, set: 0}]"))
            shocks_raw = []
        if problems:
            raise ConfigError(f"{where}: invalid scenario", problems)
        shocks = tuple(Shock.from_mapping(s, f"{where}: shocks[{i}]")
                       for i, s in enumerate(shocks_raw))
        sam = raw["sam"]
        if isinstance(sam, (str, Path)):
            sam = Path(base_dir) / sam
            if not sam.exists():
                raise ConfigError(f"{where}: SAM file {sam} not found",
                                  [Problem("missing_file", f"{where}: sam", f"{sam} not found",
                                           "give the path relative to the scenario file")])
        return cls(str(raw["name"]), sam, model, dict(elasticities),
                   dict(closure) if closure else None, shocks, str(raw.get("description", "")),
                   dict(options) if options else None)

    def load_sam(self):
        """The SAM object (read from file when ``sam`` is a path)."""
        from .sam.core import SAM
        from .sam.io import read_sam

        return self.sam if isinstance(self.sam, SAM) else read_sam(self.sam)

    def build(self):
        """Calibrate and build the model of this scenario."""
        from .model.build import CGEModel

        return CGEModel(self.load_sam(), self.model, self.closure, self.elasticities,
                        options=self.options)
