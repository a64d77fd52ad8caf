"""Building a balanced SAM from published tables (``cge sam build CONFIG.yaml``).

A YAML config (the format is ``docs/sam_build.md``) names an input-output table in the
NBS layout with its aggregation map, a long table of prior cells, tables of published
figures (macro controls, tax revenue by tax, the balance of payments, factor splits), a
household survey, and an ordered list of steps: *figures* (a value put in a block of
cells, divided by weights) and *splits* (one account into several). The SAM so made is
balanced by cross-entropy or RAS holding every published cell fixed
(:func:`cge.sam.balance.balance`), and written with the sheets ``sources`` (one row per
block: figure, source, status) and ``checks`` (every account's row-column difference,
every fixed cell and total against its published value).

The build is deterministic: the same inputs give the same workbook byte for byte
(:func:`cge.sam.io.write_sam` with a fixed ``timestamp``). Every problem of the config
and the inputs is collected and raised together as one :class:`~cge.errors.ConfigError`
naming the file, the key or the row and column, and the fix.

No Pyomo: this is layer 1 (SAM data), like balancing and aggregation.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, Problem, choose_from
from .core import SAM
from .roles import ROLES

log = logging.getLogger("cge")

#: Parts of the input-output table that ``io_table.fixed`` may hold.
IO_PARTS = ("intermediate", "value_added", "final_use", "imports")
#: Written as the workbook's dates unless the config gives ``timestamp``.
DEFAULT_TIMESTAMP = datetime.datetime(2000, 1, 1)
#: Balancing methods (``balance.method``).
METHODS = ("cross_entropy", "ras")
_TOP_KEYS = ("name", "unit", "output", "timestamp", "accounts", "io_table", "prior_cells",
             "tables", "survey", "steps", "balance")
_IO_KEYS = ("file", "source", "status", "scale", "sectors", "sectors_file", "activity",
            "commodity", "value_added", "final_use", "imports", "ignore", "fixed")
_FIGURE_KEYS = ("figure", "value", "scale", "cells", "weights", "source", "status", "fixed")
_SPLIT_KEYS = ("split", "into", "weights", "row_weights", "source", "status")
_TABLE_KEYS = ("file", "key", "value", "scale")
_SURVEY_KEYS = ("file", "groups", "population", "scale")
_BALANCE_KEYS = ("method", "tolerance", "totals")
#: Columns of the ``sources`` and ``checks`` sheets.
SOURCE_COLUMNS = ("block", "figure", "source", "status", "cells", "fixed")
CHECK_COLUMNS = ("check", "where", "expected", "value", "difference")


@dataclass(frozen=True)
class BuiltSAM:
    """A SAM built from a config, with its sources and checks tables.

    Attributes
    ----------
    sam : SAM
        The balanced SAM.
    sources : DataFrame
        One row per block (:data:`SOURCE_COLUMNS`).
    checks : DataFrame
        Every account's balance, every fixed cell and total (:data:`CHECK_COLUMNS`).
    fixed : dict
        Fixed cell (receiver, payer) -> its published value.
    output : Path
        Where the config says to write it.
    timestamp : datetime
        The date stamped into the workbook.
    inputs : tuple of Path
        Every file read (the config first).
    """

    sam: SAM
    sources: pd.DataFrame
    checks: pd.DataFrame
    fixed: dict
    output: Path
    timestamp: datetime.datetime
    inputs: tuple[Path, ...]

    def write(self, path: str | Path | None = None) -> list[Path]:
        """Write the workbook (and, for ``.xlsx``, the CSV copy beside it); the paths."""
        from .io import write_sam

        path = Path(path) if path is not None else self.output
        if path.suffix.lower() == ".csv":
            return [write_sam(self.sam, path)]
        written = [write_sam(self.sam, path, timestamp=self.timestamp,
                             extra_sheets={"sources": self.sources, "checks": self.checks})]
        written.append(write_sam(self.sam, path.with_suffix(".csv")))
        return written


def build_sam(config: str | Path) -> BuiltSAM:
    """Build the balanced SAM a config describes (``docs/sam_build.md``).

    Raises
    ------
    ConfigError
        Every problem of the config and its input files, each naming the place and the
        fix; or balancing that the fixed cells make impossible.
    """
    return _Build(Path(config)).run()


# -- the build ---------------------------------------------------------------------------
class _Build:
    def __init__(self, path: Path):
        self.path, self.base = path, path.parent
        self.problems: list[Problem] = []
        self.inputs: list[Path] = [path]
        self.sources: list[dict] = []
        self.fixed: dict[tuple[str, str], tuple[float, str]] = {}
        self.removed: list[str] = []

    # -- reporting
    def problem(self, kind: str, where: str, what: str, fix: str = "") -> None:
        self.problems.append(Problem(kind, where, what, fix))

    def at(self, key: str) -> str:
        return f"{self.path.name}: {key}"

    def fail(self, what: str = "cannot build the SAM") -> None:
        if self.problems:
            raise ConfigError(f"{what} from {self.path}: {len(self.problems)} problem(s)",
                              self.problems)

    # -- top level
    def run(self) -> BuiltSAM:
        cfg = self.load_config()
        self.fail()
        self.name, self.unit = str(cfg["name"]), str(cfg["unit"])
        self.accounts = self.read_accounts(cfg.get("accounts"))
        self.timestamp = self.read_timestamp(cfg.get("timestamp"))
        self.fail()
        labels = list(self.accounts)
        self.m = pd.DataFrame(0.0, index=labels, columns=labels)
        if cfg.get("io_table") is None and cfg.get("prior_cells") is None:
            self.problem("missing_key", self.at("io_table"), "neither io_table nor prior_cells "
                         "is given", "give the input-output table, prior cells, or both")
        if cfg.get("io_table") is not None:
            self.read_io_table(cfg["io_table"])
        if cfg.get("prior_cells") is not None:
            self.read_prior(cfg["prior_cells"])
        self.tables = self.read_tables(cfg.get("tables") or {})
        self.survey = self.read_survey(cfg.get("survey"))
        # without all its inputs the SAM so far is partial: the steps' problems of names
        # and keys are still reported, not those of its values
        self.partial = bool(self.problems)
        steps = cfg.get("steps") or []
        if not isinstance(steps, list):
            self.problem("bad_value", self.at("steps"), "is not a list",
                         "give a list of figures and splits")
            steps = []
        for i, step in enumerate(steps):
            self.step(step, f"steps[{i}]")
        balance_cfg = self.mapping(cfg.get("balance") or {}, "balance", _BALANCE_KEYS)
        totals = self.read_totals(balance_cfg.get("totals") or {})
        method = str(balance_cfg.get("method", "cross_entropy")).replace("-", "_")
        if method not in METHODS:
            self.problem("bad_value", self.at("balance.method"), f"unknown method {method!r}",
                         choose_from(method, METHODS))
        tolerance = self.number(balance_cfg.get("tolerance", 1e-12), "balance.tolerance")
        self.fail()
        sam = self.balanced(method, tolerance, totals)
        output = cfg.get("output") or f"{self.name}.xlsx"
        return BuiltSAM(sam, pd.DataFrame(self.sources, columns=list(SOURCE_COLUMNS)),
                        self.checks(sam, totals), {k: v for k, (v, _) in self.fixed.items()},
                        self.base / str(output), self.timestamp, tuple(self.inputs))

    def load_config(self) -> dict:
        import yaml

        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as err:
            self.problem("no_file", str(self.path), f"cannot be read ({err.strerror})",
                         "give the path of the YAML config")
            return {}
        try:
            cfg = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"{self.path.name}, line {mark.line + 1}" if mark else self.path.name
            self.problem("bad_yaml", where, f"is not valid YAML ({getattr(err, 'problem', err)})",
                         "fix the YAML syntax (indentation, colons, quotes)")
            return {}
        cfg = self.mapping(cfg, "", _TOP_KEYS)
        for key in ("name", "unit", "accounts"):
            if cfg.get(key) in (None, ""):
                self.problem("missing_key", self.at(key), "is missing",
                             "see docs/sam_build.md for the keys")
        return cfg

    def mapping(self, value: Any, key: str, allowed: tuple[str, ...]) -> dict:
        """``value`` as a dict with only ``allowed`` keys (problems otherwise)."""
        where = self.at(key or "top level")
        if not isinstance(value, dict):
            self.problem("bad_value", where, f"is {type(value).__name__}, not a mapping",
                         "give keys and values (key: value)")
            return {}
        for k in value:
            if k not in allowed:
                self.problem("unknown_key", self.at(f"{key}.{k}" if key else str(k)),
                             "unknown key", choose_from(k, allowed, "allowed keys"))
        return value

    def number(self, value: Any, key: str, default: float | None = None) -> float:
        if value is None and default is not None:
            return default
        try:
            out = float(value)
        except (TypeError, ValueError):
            out = float("nan")
        if not np.isfinite(out):
            self.problem("not_a_number", self.at(key), f"{value!r} is not a number",
                         "give a finite number")
            return 0.0 if default is None else default
        return out

    def file(self, value: Any, key: str) -> Path | None:
        if not value:
            self.problem("missing_key", self.at(key), "is missing", "give the CSV file's path")
            return None
        path = self.base / str(value)
        if not path.is_file():
            self.problem("no_file", self.at(key), f"file {value!r} does not exist "
                         f"(looked in {self.base})", "give a path relative to the config file")
            return None
        self.inputs.append(path)
        return path

    def csv(self, path: Path, columns: tuple[str, ...], key: str) -> pd.DataFrame | None:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, ValueError, pd.errors.ParserError) as err:
            self.problem("bad_csv", f"{path.name}", f"cannot be read as CSV ({err})",
                         "save it as comma-separated text with a header row")
            return None
        frame.columns = [str(c).strip() for c in frame.columns]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            self.problem("missing_column", f"{path.name} (from {key})",
                         f"has no column {', '.join(map(repr, missing))}; columns: "
                         f"{', '.join(frame.columns)}", "rename the header or set the column "
                         "in the config")
            return None
        return frame

    def value_of(self, text: Any, where: str) -> float:
        """A number of an input file (thousands separators allowed, blank: zero)."""
        s = str(text).strip().replace(",", "")
        if s == "":
            return 0.0
        try:
            v = float(s)
        except ValueError:
            v = float("nan")
        if not np.isfinite(v):
            self.problem("not_a_number", where, f"{text!r} is not a number",
                         "enter a number (blank means zero)")
            return 0.0
        return v

    # -- accounts and stamp
    def read_accounts(self, value: Any) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        if not isinstance(value, dict) or not value:
            if value is not None:
                self.problem("bad_value", self.at("accounts"), "is not a mapping of accounts",
                             "give label: [role, description] for every account")
            return out
        for label, spec in value.items():
            items = spec if isinstance(spec, list) else [spec]
            role = str(items[0]) if items and items[0] is not None else ""
            if role not in ROLES:
                self.problem("unknown_role", self.at(f"accounts.{label}"),
                             f"unknown role {role!r}", choose_from(role, ROLES, "roles"))
            out[str(label)] = (role, str(items[1]) if len(items) > 1 else "")
        return out

    def read_timestamp(self, value: Any) -> datetime.datetime:
        if value is None:
            return DEFAULT_TIMESTAMP
        if isinstance(value, datetime.datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, datetime.date):
            return datetime.datetime(value.year, value.month, value.day)
        try:
            return datetime.datetime.fromisoformat(str(value))
        except ValueError:
            self.problem("bad_value", self.at("timestamp"), f"{value!r} is not a date",
                         "give a date such as 2019-01-01")
            return DEFAULT_TIMESTAMP

    def account(self, label: Any, where: str) -> str | None:
        label = str(label)
        if label not in self.accounts:
            self.problem("unknown_account", where, f"account {label!r} is not in accounts",
                         choose_from(label, self.accounts, "accounts"))
            return None
        return label

    def expand(self, patterns: Any, where: str) -> list[str]:
        """Account labels of ``patterns`` (a label or a list; ``C_*``: every account
        starting with ``C_``), in the order of ``accounts``."""
        if patterns is None:
            self.problem("missing_key", where, "is missing", "give a list of accounts")
            return []
        out: list[str] = []
        for p in patterns if isinstance(patterns, list) else [patterns]:
            p = str(p)
            if p.endswith("*"):
                found = [a for a in self.accounts if a.startswith(p[:-1])
                         and a not in self.removed]
                if not found:
                    self.problem("unknown_account", where, f"no account matches {p!r}",
                                 "check the prefix against accounts")
                out += [a for a in found if a not in out]
            elif self.account(p, where) and p not in out:
                out.append(p)
        return out

    # -- the input-output table
    def read_io_table(self, value: Any) -> None:
        cfg = self.mapping(value, "io_table", _IO_KEYS)
        path = self.file(cfg.get("file"), "io_table.file")
        scale = self.number(cfg.get("scale"), "io_table.scale", 1.0)
        source = str(cfg.get("source") or (path.name if path else "input-output table"))
        status = str(cfg.get("status") or "official")
        sectors = {str(k): str(v) for k, v in (cfg.get("sectors") or {}).items()}
        if cfg.get("sectors_file"):
            map_path = self.file(cfg["sectors_file"], "io_table.sectors_file")
            frame = self.csv(map_path, ("code", "sector"), "io_table.sectors_file") \
                if map_path else None
            if frame is not None:
                sectors.update({r.code.strip(): r.sector.strip() for r in frame.itertuples()})
        if not sectors:
            self.problem("missing_key", self.at("io_table.sectors"), "no aggregation map",
                         "map every IO code to a model sector in sectors or sectors_file")
        act_pattern = str(cfg.get("activity", "A_{sector}"))
        com_pattern = str(cfg.get("commodity", "C_{sector}"))
        activity, commodity = {}, {}
        for sector in dict.fromkeys(sectors.values()):
            for pattern, table, role in ((act_pattern, activity, "activity"),
                                         (com_pattern, commodity, "commodity")):
                label = pattern.replace("{sector}", sector)
                if self.account(label, self.at(f"io_table.{role} (sector {sector})")):
                    table[sector] = label
        value_added = {str(k): v for k, v in (cfg.get("value_added") or {}).items()}
        final_use = {str(k): v for k, v in (cfg.get("final_use") or {}).items()}
        for key, table in (("value_added", value_added), ("final_use", final_use)):
            if not table:
                self.problem("missing_key", self.at(f"io_table.{key}"), "is missing",
                             "map the table's labels to accounts (docs/sam_build.md)")
            for label, acc in table.items():
                self.account(acc, self.at(f"io_table.{key}.{label}"))
        imports = str(cfg["imports"]) if cfg.get("imports") is not None else None
        ignore = list(dict.fromkeys(str(x).strip() for x in (cfg.get("ignore") or [])))
        fixed_parts = cfg.get("fixed") or []
        for part in fixed_parts if isinstance(fixed_parts, list) else [fixed_parts]:
            if part not in IO_PARTS:
                self.problem("bad_value", self.at("io_table.fixed"), f"unknown part {part!r}",
                             choose_from(part, IO_PARTS, "parts"))
        if path is None:
            return
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, header=None)
        except (OSError, ValueError, pd.errors.ParserError) as err:
            self.problem("bad_csv", path.name, f"cannot be read as CSV ({err})",
                         "save it as comma-separated text")
            return
        rows = [str(x).strip() for x in raw.iloc[1:, 0]]
        cols = [str(x).strip() for x in raw.iloc[0, 1:]]
        known_rows = [*sectors, *value_added, *ignore]
        known_cols = [*sectors, *final_use, *([imports] if imports else []), *ignore]
        for axis, labels, known, fix in (
                ("row", rows, known_rows, "add it to io_table.value_added, io_table.ignore or "
                 "the sector map"),
                ("column", cols, known_cols, "add it to io_table.final_use, io_table.imports, "
                 "io_table.ignore or the sector map")):
            for label in labels:
                if label not in known:
                    self.problem("unplaced_label", f"{path.name}: {axis} {label!r}",
                                 "is not placed", choose_from(label, known, "known labels")
                                 .replace("known labels", fix + "; known labels", 1))
        for code in sectors:
            for axis, labels in (("row", rows), ("column", cols)):
                if code not in labels:
                    self.problem("missing_label", f"{path.name}",
                                 f"the sector map's code {code!r} is not a {axis} label",
                                 "remove it from the map or fix the table's labels")
        for key, table, labels, axis in (("value_added", value_added, rows, "row"),
                                         ("final_use", final_use, cols, "column")):
            for label in table:
                if label not in labels:
                    self.problem("missing_label", self.at(f"io_table.{key}.{label}"),
                                 f"{path.name} has no {axis} {label!r}",
                                 choose_from(label, labels, f"{axis}s"))
        if imports and imports not in cols:
            self.problem("missing_label", self.at("io_table.imports"),
                         f"{path.name} has no column {imports!r}", choose_from(imports, cols,
                                                                               "columns"))
        for label, axis, labels in (*((r, "row", rows) for r in set(rows)),
                                    *((c, "column", cols) for c in set(cols))):
            if labels.count(label) > 1:
                self.problem("duplicate_label", f"{path.name}: {axis} {label!r}",
                             "appears more than once", "give every label once")
        if self.problems:
            return
        values = np.zeros((len(rows), len(cols)))
        for i, r in enumerate(rows):
            if r in ignore:
                continue
            for j, c in enumerate(cols):
                if c not in ignore:
                    values[i, j] = self.value_of(raw.iat[i + 1, j + 1], f"{path.name}: row "
                                                 f"{r!r}, column {c!r} (line {i + 2})") * scale
        table = pd.DataFrame(values, index=rows, columns=cols)
        parts: dict[str, list[tuple[str, str, float]]] = {p: [] for p in (*IO_PARTS, "make")}
        for r in rows:
            for c in cols:
                v = float(table.at[r, c])
                if v == 0 or r in ignore or c in ignore:
                    continue
                if r in sectors and c in sectors:
                    parts["intermediate"].append((commodity[sectors[r]], activity[sectors[c]], v))
                elif r in value_added and c in sectors:
                    parts["value_added"].append((str(value_added[r]), activity[sectors[c]], v))
                elif r in sectors and c in final_use:
                    parts["final_use"].append((commodity[sectors[r]], str(final_use[c]), v))
                elif r in sectors and c == imports:
                    row_acc = self.rest_of_world()
                    if row_acc:
                        parts["imports"].append((row_acc, commodity[sectors[r]], abs(v)))
        inputs = table.loc[[r for r in rows if r in sectors or r in value_added],
                           [c for c in cols if c in sectors]]
        for code, total in inputs.sum(axis=0).items():
            parts["make"].append((activity[sectors[code]], commodity[sectors[code]],
                                  float(total)))
        names = {"intermediate": "intermediate use (commodity x activity)",
                 "value_added": "value added (factor or tax x activity)",
                 "final_use": "final use (commodity x final user)",
                 "imports": "imports (rest of world x commodity)",
                 "make": "domestic output (activity x commodity): total input"}
        held = set(fixed_parts if isinstance(fixed_parts, list) else [fixed_parts])
        for part, cells in parts.items():
            if not cells:
                continue
            block: dict[tuple[str, str], float] = {}
            for r, c, v in cells:
                block[(r, c)] = block.get((r, c), 0.0) + v
            for (r, c), v in block.items():
                self.m.at[r, c] += v
                if part in held:
                    self.fixed[(r, c)] = (self.m.at[r, c], f"input-output table: {part}")
            self.record(f"input-output table: {names[part]}", sum(block.values()), source,
                        status, list(block), part in held)

    def rest_of_world(self) -> str | None:
        found = [a for a, (role, _) in self.accounts.items() if role == "rest_of_world"]
        if len(found) != 1:
            self.problem("no_rest_of_world", self.at("accounts"),
                         f"imports need one rest_of_world account, found {len(found)}",
                         "give exactly one account the role rest_of_world")
            return None
        return found[0]

    def read_prior(self, value: Any) -> None:
        cfg = self.mapping(value, "prior_cells", ("file",))
        path = self.file(cfg.get("file"), "prior_cells.file")
        frame = self.csv(path, ("receiver", "payer", "value"), "prior_cells") if path else None
        if frame is None:
            return
        groups: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
        for i, row in enumerate(frame.itertuples(index=False), start=2):
            where = f"{path.name}: line {i}"
            r, c = (self.account(str(x).strip(), where) for x in (row.receiver, row.payer))
            v = self.value_of(row.value, f"{where}, column value")
            if r and c:
                self.m.at[r, c] += v
                key = (str(getattr(row, "source", "") or path.name),
                       str(getattr(row, "status", "") or "estimate"))
                groups.setdefault(key, []).append((r, c, v))
        for (source, status), cells in groups.items():
            self.record(f"prior cells ({status})", sum(v for _, _, v in cells), source, status,
                        [(r, c) for r, c, _ in cells], False)

    # -- tables and survey
    def read_tables(self, value: Any) -> dict[str, dict[str, tuple[float, str, str]]]:
        out: dict[str, dict[str, tuple[float, str, str]]] = {}
        if not isinstance(value, dict):
            self.problem("bad_value", self.at("tables"), "is not a mapping",
                         "give name: {file: ..., value: ...} for every table")
            return out
        for name, spec in value.items():
            cfg = self.mapping(spec, f"tables.{name}", _TABLE_KEYS)
            path = self.file(cfg.get("file"), f"tables.{name}.file")
            key, col = str(cfg.get("key", "item")), str(cfg.get("value", "value"))
            scale = self.number(cfg.get("scale"), f"tables.{name}.scale", 1.0)
            frame = self.csv(path, (key, col), f"tables.{name}") if path else None
            if frame is None:
                continue
            rows: dict[str, tuple[float, str, str]] = {}
            for i, rec in enumerate(frame.to_dict("records"), start=2):
                item = str(rec[key]).strip()
                if item in rows:
                    self.problem("duplicate_item", f"{path.name}: line {i}",
                                 f"item {item!r} appears twice", "give every item once")
                v = self.value_of(rec[col], f"{path.name}: line {i} ({item}), column {col}")
                rows[item] = (v * scale, str(rec.get("source") or path.name),
                              str(rec.get("status") or "estimate"))
            out[str(name)] = rows
        return out

    def read_survey(self, value: Any) -> dict | None:
        if value is None:
            return None
        cfg = self.mapping(value, "survey", _SURVEY_KEYS)
        groups = cfg.get("groups") or {}
        if not isinstance(groups, dict) or not groups:
            self.problem("missing_key", self.at("survey.groups"), "is missing",
                         "map every survey group to a household account")
            groups = {}
        for g, acc in groups.items():
            self.account(acc, self.at(f"survey.groups.{g}"))
        population = str(cfg.get("population", "population"))
        scale = self.number(cfg.get("scale"), "survey.scale", 1.0)
        path = self.file(cfg.get("file"), "survey.file")
        frame = self.csv(path, ("group", "item", "value"), "survey") if path else None
        if frame is None:
            return None
        per_head: dict[str, dict[str, float]] = {}
        for i, rec in enumerate(frame.itertuples(index=False), start=2):
            g, item = str(rec.group).strip(), str(rec.item).strip()
            if g not in groups:
                self.problem("unknown_group", f"{path.name}: line {i}", f"group {g!r} is not in "
                             "survey.groups", choose_from(g, groups, "groups"))
                continue
            per_head.setdefault(item, {})[g] = self.value_of(rec.value, f"{path.name}: line "
                                                             f"{i}, column value")
        if population not in per_head:
            self.problem("missing_item", path.name, f"no item {population!r} (population)",
                         "add one row per group with its population, or set survey.population")
            return None
        pop = per_head[population]
        return {"groups": {str(g): str(a) for g, a in groups.items()}, "source": path.name,
                "items": {item: {str(groups[g]): pop.get(g, 0.0) * v * scale
                                 for g, v in values.items()}
                          for item, values in per_head.items() if item != population}}

    def survey_item(self, items: Any, where: str) -> dict[str, float] | None:
        """Population x value per head of survey ``items`` (summed), by household account.

        ``items``: an item, a list of items, or ``{item: share}`` (each item times its share,
        e.g. the part of food spending that buys farm products)."""
        if self.survey is None:
            self.problem("no_survey", where, "reads the survey, which the config lacks",
                         "add a survey section")
            return None
        if isinstance(items, dict):
            shares = {str(i): self.number(v, where) for i, v in items.items()}
        else:
            shares = {str(i): 1.0 for i in (items if isinstance(items, list) else [items])}
        out: dict[str, float] = {}
        for item, share in shares.items():
            values = self.survey["items"].get(item)
            if values is None:
                self.problem("unknown_item", where, f"no survey item {item!r}",
                             choose_from(item, self.survey["items"], "items"))
                return None
            for acc, v in values.items():
                out[acc] = out.get(acc, 0.0) + v * (share or 0.0)
        return out

    # -- steps
    def step(self, step: Any, key: str) -> None:
        if isinstance(step, dict) and "split" in step:
            self.split(self.mapping(step, key, _SPLIT_KEYS), key)
        elif isinstance(step, dict) and "figure" in step:
            self.figure(self.mapping(step, key, _FIGURE_KEYS), key)
        else:
            self.problem("bad_step", self.at(key), "is neither a figure nor a split",
                         "start the step with 'figure: NAME' or 'split: ACCOUNT'")

    def value(self, spec: Any, key: str, cells: list[tuple[str, str]]
              ) -> tuple[float | None, str, str]:
        """A figure's value, with the source and status of its table row."""
        where = self.at(key)
        if isinstance(spec, bool):
            spec = None
        if isinstance(spec, (int, float)):
            return float(spec), "", ""
        if spec == "residual" or (isinstance(spec, dict) and "residual" in spec):
            side = "payer" if spec == "residual" else str(spec["residual"])
            if side not in ("payer", "receiver"):
                self.problem("bad_value", where, f"residual of {side!r}",
                             "write residual (the payer's column) or {residual: receiver}")
                return None, "", ""
            if len(cells) != 1:
                self.problem("bad_value", where, f"a residual fills one cell, not {len(cells)}",
                             "give one row and one column")
                return None, "", ""
            (r, c), m = cells[0], self.m
            if side == "payer":
                rest = m[c].sum() - m.at[r, c]
                return float(m.loc[c].sum() - rest), "", "residual"
            rest = m.loc[r].sum() - m.at[r, c]
            return float(m[r].sum() - rest), "", "residual"
        if isinstance(spec, dict) and "scale" in spec and ("table" in spec or "sum" in spec):
            factor = self.number(spec["scale"], f"{key}.scale", 1.0)
            value, source, status = self.value({k: v for k, v in spec.items() if k != "scale"},
                                               key, cells)
            return (None if value is None else value * factor), source, status
        if isinstance(spec, dict) and "table" in spec:
            table, item = str(spec.get("table")), str(spec.get("item"))
            if table not in self.tables:
                self.problem("unknown_table", where, f"no table {table!r}",
                             choose_from(table, self.tables, "tables"))
                return None, "", ""
            if item not in self.tables[table]:
                self.problem("unknown_item", where, f"no item {item!r} in table {table}",
                             choose_from(item, self.tables[table], "items"))
                return None, "", ""
            return self.tables[table][item]
        if isinstance(spec, dict) and "sum" in spec:
            block = spec["sum"] if isinstance(spec["sum"], dict) else {}
            rows = self.expand(block.get("rows"), f"{where}.sum.rows")
            cols = self.expand(block.get("columns"), f"{where}.sum.columns")
            return float(self.m.loc[rows, cols].to_numpy().sum()), "", ""
        if isinstance(spec, list) and spec:
            terms = [self.value(s, f"{key}[{i}]", cells) for i, s in enumerate(spec)]
            if any(t[0] is None for t in terms):
                return None, "", ""
            sources = "; ".join(dict.fromkeys(t[1] for t in terms if t[1]))
            statuses = {t[2] for t in terms if t[2]}
            return (float(sum(t[0] for t in terms)), sources,
                    statuses.pop() if len(statuses) == 1 else "estimate")
        self.problem("bad_value", where, f"{spec!r} is not a value",
                     "give a number, {table: NAME, item: KEY}, {sum: {rows, columns}}, "
                     "residual or a list of these")
        return None, "", ""

    def weights(self, spec: Any, rows: list[str], cols: list[str], key: str
                ) -> np.ndarray | None:
        where = self.at(key)
        shape = (len(rows), len(cols))
        if spec is None:
            w = self.m.loc[rows, cols].to_numpy(dtype=float)
            return w if np.abs(w).sum() > 0 else np.ones(shape)
        if isinstance(spec, list):
            # a weight is a number or a value (a table row, a list of terms)
            values = [self.value(x, f"{key}[{i}]", [])[0] if isinstance(x, (dict, list))
                      else x for i, x in enumerate(spec)]
            if any(v is None for v in values):
                return None
            try:
                w = np.array([float(v) for v in values])
            except (TypeError, ValueError):
                w = np.array([])
            if w.size != shape[0] * shape[1] or not np.all(np.isfinite(w)):
                self.problem("bad_weights", where, f"{len(spec)} weight(s) for "
                             f"{shape[0] * shape[1]} cell(s)", "give one number per cell, "
                             "row by row")
                return None
            return w.reshape(shape)
        if isinstance(spec, dict) and "survey" in spec:
            items = spec["survey"]
            if isinstance(items, dict):
                by = {str(a): self.survey_item(i, where) for a, i in items.items()}
                if any(v is None for v in by.values()):
                    return None
                households = set(next(iter(by.values()), {}))
                if set(cols) <= households and set(rows) <= set(by):
                    return np.array([[by[r].get(c, 0.0) for c in cols] for r in rows])
                if set(rows) <= households and set(cols) <= set(by):
                    return np.array([[by[c].get(r, 0.0) for c in cols] for r in rows])
                self.problem("bad_weights", where, "the survey items are keyed by accounts "
                             "other than the cells'", "key them by the cells' non-household "
                             "accounts, with households along the other side")
                return None
            v = self.survey_item(items, where)
            if v is None:
                return None
            if set(rows) <= set(v):
                return np.repeat(np.array([[v[r]] for r in rows]), len(cols), axis=1)
            if set(cols) <= set(v):
                return np.repeat(np.array([[v[c] for c in cols]]), len(rows), axis=0)
            self.problem("bad_weights", where, "survey weights need the cells' rows or columns "
                         "to be the survey's households", "use household accounts of "
                         "survey.groups as the rows or the columns")
            return None
        if isinstance(spec, dict) and ("rows" in spec or "columns" in spec):
            r2 = self.expand(spec.get("rows"), f"{where}.rows")
            c2 = self.expand(spec.get("columns"), f"{where}.columns")
            block = self.m.loc[r2, c2].to_numpy(dtype=float)
            if (len(r2), len(c2)) != shape and (len(c2), len(r2)) == shape:
                return block.T          # a column of weights for a row of cells, or back
            if (len(r2), len(c2)) != shape:
                self.problem("bad_weights", where, f"a {len(r2)} x {len(c2)} block for "
                             f"{shape[0]} x {shape[1]} cells", "give a block of the same shape "
                             "(or its transpose)")
                return None
            return block
        self.problem("bad_weights", where, f"{spec!r} are not weights",
                     "give a block {rows, columns}, {survey: ITEM} or a list of numbers")
        return None

    def figure(self, cfg: dict, key: str) -> None:
        name = str(cfg.get("figure"))
        block = cfg.get("cells") if isinstance(cfg.get("cells"), dict) else None
        if block is None:
            self.problem("missing_key", self.at(f"{key}.cells"), "is missing",
                         "give the block: cells: {rows: [...], columns: [...]}")
            return
        before = len(self.problems)
        rows = self.expand(block.get("rows"), self.at(f"{key}.cells.rows"))
        cols = self.expand(block.get("columns"), self.at(f"{key}.cells.columns"))
        for a in (*rows, *cols):
            if a in self.removed:
                self.problem("split_account", self.at(f"{key}.cells"), f"account {a} was split "
                             "by an earlier step", "use the accounts it was split into")
        if "value" not in cfg:
            self.problem("missing_key", self.at(f"{key}.value"), "is missing",
                         "give the figure's value")
            return
        cells = [(r, c) for r in rows for c in cols]
        spec = cfg["value"]
        residual = spec == "residual" or (isinstance(spec, dict) and "residual" in spec)
        if len(self.problems) > before:      # bad cells: check the value's names only
            if not residual:
                self.value(spec, f"{key}.value", [])
            return
        value, source, status = self.value(spec, f"{key}.value", cells)
        weights = self.weights(cfg.get("weights"), rows, cols, f"{key}.weights")
        scale = self.number(cfg.get("scale"), f"{key}.scale", 1.0)
        if value is None or weights is None:
            return
        total = weights.sum()
        if total == 0:
            if not self.partial:
                self.problem("zero_weights", self.at(f"{key}.weights"), "the weights add up to "
                             "zero", "give weights with a non-zero total")
            return
        value *= scale
        status = str(cfg.get("status") or status or "estimate")
        source = str(cfg.get("source") or source or self.path.name)
        fixed = cfg.get("fixed", status == "official")
        if not isinstance(fixed, bool):
            self.problem("bad_value", self.at(f"{key}.fixed"), f"{fixed!r} is not true or false",
                         "write true or false")
            return
        amounts = value * weights / total
        for (r, c), v in zip(cells, amounts.ravel(), strict=True):
            self.m.at[r, c] = float(v)
            if fixed:
                self.fixed[(r, c)] = (float(v), name)
            else:
                self.fixed.pop((r, c), None)
        self.record(name, value, source, status, cells, fixed)

    def split(self, cfg: dict, key: str) -> None:
        old = self.account(cfg.get("split"), self.at(f"{key}.split"))
        into = cfg.get("into")
        new = [self.account(a, self.at(f"{key}.into")) for a in (into or [])] \
            if isinstance(into, list) else []
        if not new:
            self.problem("missing_key", self.at(f"{key}.into"), "is missing",
                         "list the accounts the split makes")
        if old is None or not new or None in new:
            return
        if old in new:
            self.problem("bad_value", self.at(f"{key}.into"), f"{old} is split into itself",
                         "give new accounts")
            return
        m = self.m
        busy = [a for a in new if m.loc[a].any() or m[a].any()]
        if busy:
            self.problem("bad_value", self.at(f"{key}.into"), f"{', '.join(busy)} already "
                         "hold cells", "split into accounts no step has filled yet")
            return
        row, col, diagonal = m.loc[old].copy(), m[old].copy(), m.at[old, old]
        row[old] = col[old] = 0.0
        if cfg.get("row_weights") is not None:
            shares = self.row_shares(cfg["row_weights"], old, new, row, f"{key}.row_weights")
            if shares is None:
                return
            totals = shares.to_numpy() @ np.ones(len(row))
            col_shares = totals / totals.sum() if totals.sum() else np.full(len(new),
                                                                           1 / len(new))
            text = "row by payer"
        else:
            w = self.split_weights(cfg.get("weights"), new, f"{key}.weights")
            if w is None:
                return
            shares = pd.DataFrame(np.outer(w, row.to_numpy()), index=new, columns=row.index)
            col_shares = w
            text = ", ".join(f"{a} {s:.6g}" for a, s in zip(new, w, strict=True))
        for a, cs in zip(new, col_shares, strict=True):
            m.loc[a] = shares.loc[a].to_numpy()
            m[a] = col.to_numpy() * cs
            m.at[a, a] = diagonal * cs
        m.loc[old] = 0.0
        m[old] = 0.0
        self.removed.append(old)
        for (r, c), (_, name) in list(self.fixed.items()):
            if old in (r, c):
                del self.fixed[(r, c)]
                for a in new:
                    cell = (a if r == old else r, a if c == old else c)
                    self.fixed[cell] = (float(m.at[cell]), name)
        self.record(f"split of {old} into {', '.join(new)}", None,
                    str(cfg.get("source") or self.path.name), str(cfg.get("status") or
                                                                   "estimate"),
                    [], False, cells_text=text)

    def split_weights(self, spec: Any, new: list[str], key: str) -> np.ndarray | None:
        where = self.at(key)
        if isinstance(spec, dict) and "survey" in spec:
            v = self.survey_item(spec["survey"], where)
            if v is None:
                return None
            missing = [a for a in new if a not in v]
            if missing:
                self.problem("bad_weights", where, f"the survey has no group for "
                             f"{', '.join(missing)}", "map a survey group to each new account")
                return None
            w = np.array([v[a] for a in new])
        elif isinstance(spec, dict) and "table" in spec:
            items = spec.get("items") or []
            terms = [self.value({"table": spec["table"], "item": i}, f"{key}.items", [])
                     for i in items]
            if any(t[0] is None for t in terms) or len(terms) != len(new):
                if len(terms) != len(new):
                    self.problem("bad_weights", where, f"{len(terms)} item(s) for {len(new)} "
                                 "accounts", "give one table item per new account")
                return None
            w = np.array([t[0] for t in terms])
        elif isinstance(spec, list) and len(spec) == len(new):
            w = np.array([self.number(x, key) for x in spec])
        else:
            self.problem("bad_weights", where, f"{spec!r} are not weights for {len(new)} "
                         "accounts", "give a list of numbers, {survey: ITEM} or "
                         "{table: NAME, items: [...]}")
            return None
        if w.sum() == 0 or (w < 0).any():
            self.problem("bad_weights", where, "shares must be non-negative with a positive "
                         "total", "check the weights")
            return None
        return w / w.sum()

    def row_shares(self, spec: Any, old: str, new: list[str], row: pd.Series, key: str
                   ) -> pd.DataFrame | None:
        """The split account's row divided by payer in the table's proportions."""
        where = self.at(key)
        if not isinstance(spec, dict) or "table" not in spec or \
                not isinstance(spec.get("items"), dict):
            self.problem("bad_weights", where, "is not {table: NAME, items: {PAYER: [...]}}",
                         "give one list of table items per payer, one item per new account")
            return None
        out = pd.DataFrame(0.0, index=new, columns=row.index)
        items = {str(p): i for p, i in spec["items"].items()}
        for payer in row.index[row.to_numpy() != 0]:
            if payer not in items:
                self.problem("bad_weights", where, f"no shares for payer {payer} (it pays "
                             f"{old} {row[payer]:,.6g})", f"add {payer}: [items] to items")
                continue
            w = self.split_weights({"table": spec["table"], "items": items[payer]}, new,
                                   f"{key}.items.{payer}")
            if w is not None:
                out[payer] = w * row[payer]
        return None if self.problems else out

    def read_totals(self, value: Any) -> dict[str, tuple[float, str, str]]:
        out: dict[str, tuple[float, str, str]] = {}
        if not isinstance(value, dict):
            self.problem("bad_value", self.at("balance.totals"), "is not a mapping",
                         "give ACCOUNT: {value: ...} for every fixed total")
            return out
        for acc, spec in value.items():
            key = f"balance.totals.{acc}"
            if self.account(acc, self.at(key)) is None:
                continue
            cfg = self.mapping(spec, key, ("value", "source", "status"))
            v, source, status = self.value(cfg.get("value"), f"{key}.value", [])
            if v is not None:
                source = str(cfg.get("source") or source or self.path.name)
                status = str(cfg.get("status") or status or "official")
                out[str(acc)] = (v, source, status)
                self.record(f"total of {acc}", v, source, status, [], True, cells_text=str(acc))
        return out

    # -- records
    def record(self, block: str, figure: float | None, source: str, status: str,
               cells: list[tuple[str, str]], fixed: bool, cells_text: str | None = None) -> None:
        text = cells_text if cells_text is not None else "; ".join(f"{r} x {c}"
                                                                   for r, c in cells)
        self.sources.append({"block": block, "figure": figure, "source": source,
                             "status": status, "cells": text, "fixed": bool(fixed)})

    # -- balance and checks
    def balanced(self, method: str, tolerance: float, totals: dict) -> SAM:
        from .balance import balance

        labels = [a for a in self.accounts if a not in self.removed]
        matrix = self.m.loc[labels, labels]
        empty = [a for a in labels if not matrix.loc[a].any() and not matrix[a].any()]
        for a in empty:
            self.problem("empty_account", self.at(f"accounts.{a}"), "no step gives it a cell",
                         "remove the account or add figures for it")
        self.fail()
        roles = {a: self.accounts[a][0] for a in labels}
        descriptions = {a: self.accounts[a][1] for a in labels}
        sam = SAM.from_frame(matrix, roles, descriptions=descriptions, name=self.name,
                             unit=self.unit)
        result = balance(sam, method, fixed_cells=list(self.fixed),
                         fixed_totals={a: v for a, (v, _, _) in totals.items()},
                         rtol=tolerance)
        return result.sam

    def checks(self, sam: SAM, totals: dict) -> pd.DataFrame:
        rows, cols = sam.row_totals(), sam.column_totals()
        out = [("balance", a, float(cols[a]), float(rows[a]), float(rows[a] - cols[a]))
               for a in sam.labels]
        for (r, c), (v, name) in self.fixed.items():
            got = float(sam.matrix.at[r, c])
            out.append(("fixed cell", f"{r} x {c} ({name})", v, got, got - v))
        for a, (v, _, _) in totals.items():
            out.append(("fixed total", a, v, float(rows[a]), float(rows[a] - v)))
        return pd.DataFrame(out, columns=list(CHECK_COLUMNS))
