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
    where: str = field(default="scenario", compare=False)   # the file, for error messages

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
        shocks = []
        for i, s in enumerate(shocks_raw):
            try:
                shocks.append(Shock.from_mapping(s, f"{where}: shocks[{i}]"))
            except ConfigError as exc:
                problems.extend(exc.problems or [Problem("shock", f"{where}: shocks[{i}]",
                                                         str(exc), "")])
        if model in SPECIFICATIONS:
            problems.extend(_setting_problems(model, closure, elasticities, where))
        sam = raw.get("sam")
        if isinstance(sam, (str, Path)) and sam:
            sam = Path(base_dir) / sam
            if not sam.exists():
                problems.append(Problem("missing_file", f"{where}: sam", f"{sam} not found",
                                        "give the path relative to the scenario file"))
        if problems:
            raise ConfigError(f"{where}: invalid scenario", problems)
        return cls(str(raw["name"]), sam, model, dict(elasticities),
                   dict(closure) if closure else None, tuple(shocks),
                   str(raw.get("description", "")), dict(options) if options else None,
                   where)

    def load_sam(self):
        """The SAM object (read from file when ``sam`` is a path)."""
        from .sam.core import SAM
        from .sam.io import read_sam

        return self.sam if isinstance(self.sam, SAM) else read_sam(self.sam)

    def build(self):
        """Calibrate and build the model of this scenario, and check its shocks on it.

        Raises
        ------
        ConfigError
            Naming the scenario file, with every problem found before any solve: the
            model's (closure, elasticity labels, options) or, once it is built, the
            shocks' (parameters the model lacks, unknown index labels, endogenous
            targets).
        """
        from .model.build import CGEModel

        sam = self.load_sam()
        try:
            model = CGEModel(sam, self.model, self.closure, self.elasticities,
                             options=self.options)
        except ConfigError as exc:
            raise ConfigError(f"{self.where}: invalid scenario ({exc.args[0]})",
                              _placed(exc, self.where)) from None
        self.check(model)
        return model

    def check(self, model) -> None:
        """Raise a ConfigError naming the file if a shock does not fit ``model``."""
        from .model.shocks import check_shocks

        problems = check_shocks(model, self.shocks, f"{self.where}: shocks")
        if problems:
            raise ConfigError(f"{self.where}: invalid scenario", problems)


def _placed(exc: ConfigError, where: str) -> list[Problem]:
    """The problems of ``exc`` with their place prefixed by the scenario file."""
    if not exc.problems:
        return [Problem("invalid", where, str(exc), "")]
    return [Problem(p.kind, f"{where}: {p.where}", p.message, p.fix) for p in exc.problems]


def _setting_problems(model: str, closure, elasticities, where: str) -> list[Problem]:
    """Closure keys and values and elasticity keys and values, checked without the SAM."""
    from .calibration import Elasticities
    from .model.closures import Closure

    problems = []
    checks = []
    if isinstance(closure, Mapping):
        checks.append(lambda: Closure.from_user(
            closure, SPECIFICATIONS[model].default_closure))
    if isinstance(elasticities, Mapping):
        checks.append(lambda: Elasticities.from_user(elasticities, model))
    for check in checks:
        try:
            check()
        except ConfigError as exc:
            problems.extend(_placed(exc, where))
    return problems
