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
    dynamics: {periods: 31, interest_rate: 0.05}  # optional: a path of periods

With ``dynamics`` (see ``docs/dynamics.md``) the run is a path of periods and shocks
may have time paths (``from``, ``ramp``, ``{period: value}``). A SAM file not found
beside the scenario is looked up among the bundled SAMs (``sam: dyncge.xlsx``).

:meth:`Scenario.build` calibrates and builds its model; :func:`cge.runs.run_scenario`
solves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CGEError, ConfigError, Problem, choose_from
from .model.closures import CLOSURE_KEYS
from .model.config import SPECIFICATIONS
from .model.shocks import Shock

#: Keys a scenario file may have.
SCENARIO_KEYS = ("name", "description", "sam", "model", "elasticities", "closure", "options",
                 "shocks", "dynamics")


def load_yaml(path: str | Path, what: str = "scenario file"):
    """The contents of a YAML file; a :class:`ConfigError` naming the file, line and column
    of a syntax error (or the missing file)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{what} {path} not found", [Problem(
            "missing_file", str(path), "no such file", "check the path (relative paths are "
            "taken from the folder the command runs in, or the file that names it)")])
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = (f"{path} line {mark.line + 1}, column {mark.column + 1}" if mark is not None
                 else str(path))
        what_ = " ".join(str(x) for x in (getattr(exc, "context", None),
                                           getattr(exc, "problem", None)) if x) or str(exc)
        raise ConfigError(f"{path}: not valid YAML", [Problem(
            "yaml", place, what_, "check the indentation, colons and brackets there (and the "
            "line before)")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a text file", [Problem(
            "encoding", str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            "save it as UTF-8 text")]) from None

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
    dynamics: Any = None          # a cge.dynamics.Dynamics: the run is a path of periods

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario file; errors name the key and the fix."""
        path = Path(path)
        return cls.from_dict(load_yaml(path), base_dir=path.parent, where=str(path))

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], base_dir: str | Path = ".",
                  where: str = "scenario") -> Scenario:
        """Validate a scenario given as a mapping (paths relative to ``base_dir``).

        Every problem is reported at once: those of the keys and values, and, when the
        SAM can be read, those found on the model (account labels, the closure, shocks
        the closure ignores).
        """
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: a scenario must be a mapping of keys "
                              f"({', '.join(SCENARIO_KEYS)})")
        problems = [Problem("unknown_key", f"{where}: {k}", "unknown key",
                            choose_from(k, SCENARIO_KEYS, "allowed keys"))
                    for k in raw if k not in SCENARIO_KEYS]
        for k in ("name", "sam"):
            if not raw.get(k):
                problems.append(Problem("missing_key", f"{where}: {k}", "is required", ""))
        model = raw.get("model", "standard")
        if model not in SPECIFICATIONS:
            problems.append(Problem("bad_value", f"{where}: model", f"unknown model {model!r}",
                                    choose_from(model, SPECIFICATIONS)))
        closure = raw.get("closure")
        if closure is not None and not isinstance(closure, Mapping):
            problems.append(Problem("bad_value", f"{where}: closure", "must be a mapping",
                                    f"keys: {', '.join(CLOSURE_KEYS)}"))
            closure = None
        elasticities = raw.get("elasticities") or {}
        if not isinstance(elasticities, Mapping):
            problems.append(Problem("bad_value", f"{where}: elasticities", "must be a mapping",
                                    "e.g. {armington: 2, cet: 2}"))
            elasticities = {}
        options = raw.get("options")
        if options is not None and not isinstance(options, Mapping):
            problems.append(Problem("bad_value", f"{where}: options", "must be a mapping",
                                    "e.g. {household_demand: les}"))
            options = None
        shocks_raw = raw.get("shocks") or []
        if not isinstance(shocks_raw, list):
            problems.append(Problem("bad_value", f"{where}: shocks", "must be a list",
                                    "e.g. [{parameter: import_tariff_rate, set: 0}]"))
            shocks_raw = []
        shocks = []
        for i, s in enumerate(shocks_raw):
            shock, found = Shock.parse(s, f"{where}: shocks[{i}]")
            problems += found
            shocks.append(shock)
        dynamics = None
        if raw.get("dynamics") is not None:
            from .dynamics.spec import Dynamics

            try:
                dynamics = Dynamics.from_mapping(raw["dynamics"], f"{where}: dynamics")
            except ConfigError as exc:
                problems += exc.problems
        problems += _timing_problems(shocks, dynamics, raw.get("dynamics") is not None,
                                     f"{where}: shocks")
        settings = []
        if model in SPECIFICATIONS:
            settings = _setting_problems(model, closure, elasticities, options, where)
        sam = raw.get("sam")
        if isinstance(sam, (str, Path)) and sam:
            sam = _bundled(Path(base_dir) / sam)
            if not sam.exists():
                problems.append(Problem("missing_file", f"{where}: sam", f"{sam} not found",
                                        "give the path relative to the scenario file"))
        problems += settings
        if problems:
            if model in SPECIFICATIONS and isinstance(sam, Path) and sam.exists():
                draft = cls(str(raw.get("name")), sam, model, dict(elasticities),
                            dict(closure) if closure else None, options=options, where=where,
                            dynamics=dynamics)
                problems += _unique(draft._model_problems(shocks, settings), problems)
            raise ConfigError(f"{where}: invalid scenario", problems)
        return cls(str(raw["name"]), sam, model, dict(elasticities),
                   dict(closure) if closure else None, tuple(shocks),
                   str(raw.get("description", "")), dict(options) if options else None,
                   where, dynamics)

    def load_sam(self):
        """The SAM object (read from file when ``sam`` is a path)."""
        from .sam.core import SAM
        from .sam.io import read_sam

        return self.sam if isinstance(self.sam, SAM) else read_sam(self.sam)

    def model_sam(self):
        """The SAM the scenario's model is built on: :meth:`load_sam`, adjusted to the
        balanced-growth path for a dyncge path (:func:`cge.dynamics.engine.path_sam`)."""
        sam = self.load_sam()
        if self.dynamics is None:
            return sam
        from .dynamics.engine import path_sam

        return path_sam(sam, self.model, self.dynamics)[0]

    def build(self):
        """Calibrate and build the model of this scenario, and check its shocks on it.

        Raises
        ------
        ConfigError
            Naming the scenario file, with every problem found before any solve: the
            model's (closure, elasticity labels, options) and the shocks' (parameters the
            model lacks, unknown index labels, values, parameters the closure ignores).
        """
        from .model.build import CGEModel

        sam = self.model_sam()
        try:
            model = CGEModel(sam, self.model, self.closure, self.elasticities,
                             options=self.options)
        except ConfigError as exc:
            problems = _placed(exc, self.where)
            problems += _unique(self._model_problems(self.shocks, problems), problems)
            raise ConfigError(f"{self.where}: invalid scenario ({exc.args[0]})",
                              problems) from None
        self.check(model)
        return model

    def check(self, model) -> None:
        """Raise a ConfigError naming the file if a shock does not fit ``model``."""
        from .model.shocks import check_shocks

        problems = check_shocks(model, self.shocks, f"{self.where}: shocks")
        if problems:
            raise ConfigError(f"{self.where}: invalid scenario", problems)

    def _model_problems(self, shocks, found: list[Problem]) -> list[Problem]:
        """Problems of the model and of ``shocks`` on it, once ``found`` is known.

        The model is built without the elasticities, closure keys and options named in
        ``found``, so that a wrong label does not hide a wrong closure or a shock the
        closure ignores; shocks are checked under the closure only when it is valid.
        """
        from .model.build import CGEModel
        from .model.shocks import check_shocks

        where = self.where
        problems: list[Problem] = []
        try:
            sam = self.model_sam()
        except CGEError:
            return problems   # the SAM's own problems are reported by `cge sam check`
        settings = self._without(found)
        for _ in range(4):   # each failed build drops what it names, then tries again
            try:
                model = CGEModel(sam, self.model, settings[2], settings[0], options=settings[1])
            except CGEError as exc:
                problems += _placed(exc, where)
                fewer = self._without(found + problems)
                if fewer == settings:
                    if settings[2] is None:
                        break
                    fewer = (*fewer[:2], None)
                settings = fewer
                continue
            closure_ok = settings[2] == (dict(self.closure) if self.closure else None)
            problems += [p for p in check_shocks(model, shocks, f"{where}: shocks")
                         if closure_ok or p.kind not in ("closure", "endogenous")]
            break
        return problems

    def _without(self, problems: list[Problem]) -> tuple:
        """Elasticities, options and closure without the entries ``problems`` name."""
        return tuple(_fine(value, problems, key, self.where) for value, key in (
            (self.elasticities, "elasticities"), (self.options, "options"),
            (self.closure, "closure")))


def _fine(mapping, problems: list[Problem], key: str, where: str = "") -> dict | None:
    """``mapping`` without the entries a problem of ``problems`` names (``key.entry``)."""
    if not mapping:
        return None
    prefix = f"{where}: {key}." if where else f"{key}."
    bad = {p.where.partition(prefix)[2].split(".")[0] for p in problems if prefix in p.where}
    if any(p.where.endswith(f"{where}: {key}" if where else key) for p in problems):
        return None
    return {k: v for k, v in mapping.items() if str(k) not in bad}


def _unique(new: list[Problem], known: list[Problem]) -> list[Problem]:
    """The problems of ``new`` not already in ``known`` (by place and message)."""
    seen = {(p.where, p.message) for p in known}
    out = []
    for p in new:
        if (p.where, p.message) not in seen:
            seen.add((p.where, p.message))
            out.append(p)
    return out


def _placed(exc: ConfigError, where: str) -> list[Problem]:
    """The problems of ``exc`` with their place prefixed by the scenario file."""
    if not exc.problems:
        return [Problem("invalid", where, str(exc), "")]
    return [Problem(p.kind, f"{where}: {p.where}", p.message, p.fix) for p in exc.problems]


def _setting_problems(model: str, closure, elasticities, options,
                      where: str) -> list[Problem]:
    """Closure, elasticity and option keys and values, checked without the SAM."""
    from .calibration import Elasticities, Options
    from .model.closures import Closure

    problems = []
    checks = [lambda: Elasticities.from_user(elasticities, model),
              lambda: Options.from_user(options)]
    if isinstance(closure, Mapping):
        checks.append(lambda: Closure.from_user(
            closure, SPECIFICATIONS[model].default_closure))
    for check in checks:
        try:
            check()
        except ConfigError as exc:
            problems.extend(_placed(exc, where))
    return problems


def _bundled(path: Path) -> Path:
    """``path``, or the bundled SAM of that file name when ``path`` does not exist."""
    if path.exists():
        return path
    from .examples import examples_folder

    bundled = examples_folder() / path.name
    return bundled if bundled.is_file() else path


def _timing_problems(shocks, dynamics, has_dynamics: bool, where: str) -> list[Problem]:
    """Problems of shocks with time paths: without a ``dynamics`` block, or naming periods
    the block does not have."""
    problems = []
    for i, shock in enumerate(shocks):
        if shock is None or not shock.timed:
            continue
        at = f"{where}[{i}]"
        if not has_dynamics:
            problems.append(Problem("time_path", at, "a shock with a time path (from, ramp or "
                                    "{period: value}) needs a dynamics block",
                                    "add dynamics: {periods: ...} or give a number"))
        elif dynamics is not None:
            try:
                shock.at_period(0, dynamics.labels)
            except ConfigError as exc:
                problems += [Problem(p.kind, at, p.message, p.fix) for p in exc.problems]
    return problems
