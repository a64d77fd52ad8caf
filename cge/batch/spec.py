"""Batch files: many counterfactuals around one base scenario.

A batch file (YAML) names a ``base`` scenario (a ``cge run`` scenario file) and says how
to vary it, in any combination of:

``grid``
    entries whose cartesian product is the batch; each is a shock to a parameter
    ``{parameter: NAME, index: LABEL, set|multiply|add: [values]}`` or an elasticity
    ``{elasticity: NAME, index: LABEL, value: [values]}`` (``index`` optional);
``samples`` + ``distributions`` (+ ``seed``)
    Monte Carlo draws, e.g. ``{elasticity: armington, index: BRD, uniform: [0.5, 4]}``,
    ``normal: {mean: 2, sd: 0.5}`` or ``triangular: [low, mode, high]``; crossed with the
    grid when both are given;
``scenarios``
    an explicit list ``[{name, shocks: [...], elasticities: [...], closure}]``, or the path
    of an Excel workbook with one scenario per row (see :func:`read_scenario_sheet`).

A batch may also be an Excel workbook itself: sheet ``settings`` (``key``/``value`` rows,
at least ``base``) and sheet ``scenarios``.

Every scenario carries the base scenario's shocks, then its own (a batch shock to the
same parameter, index and operation replaces the base one); its elasticities override
the base's. Its id is a hash of these inputs and the base (scenario file and SAM
contents), so a rerun finds what is already done.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConfigError, Problem, choose_from
from ..model.shocks import OPERATIONS, Shock, number

#: Keys a batch file may have.
BATCH_KEYS = ("base", "grid", "samples", "distributions", "seed", "scenarios", "name",
              "description")
#: Monte Carlo distributions and their parameters.
DISTRIBUTIONS = {"uniform": ("low", "high"), "normal": ("mean", "sd"),
                 "triangular": ("low", "mode", "high")}
#: Significant digits kept when hashing a value (so 0.1 + 0.2 and 0.3 are one scenario).
_HASH_DIGITS = 12


@dataclass(frozen=True)
class Batch:
    """An expanded batch: the base scenario and every scenario to solve.

    Attributes
    ----------
    base_path : Path
        The base scenario file.
    base : dict
        Its contents (as read from YAML), with ``sam`` resolved to an absolute path.
    base_digest : str
        Hash of the base scenario and its SAM file, part of every scenario id.
    scenarios : list of dict
        Each with ``id``, ``name``, ``position``, ``shocks`` (``parameter``, ``index``,
        ``op``, ``value``), ``elasticities`` (``elasticity``, ``index``, ``value``) and
        ``closure``.
    source : str
        The batch file, for the store's records.
    entries : dict
        Where each input first appears, ``{(kind, name, op, index): place}`` with ``kind``
        ``"shock"``, ``"elasticity"`` (``op`` ``"value"``) or ``"closure"`` (``name`` the
        closure as text), for checking the names and labels once per entry instead of
        once per scenario (:func:`check_model_names`).
    """

    base_path: Path
    base: dict
    base_digest: str
    scenarios: list[dict] = field(default_factory=list)
    source: str = ""
    entries: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.scenarios)

    def __iter__(self):
        return iter(self.scenarios)


# -- reading ------------------------------------------------------------------------------
def read_batch(path: str | Path) -> Batch:
    """Read and expand a batch file (``.yaml``/``.yml`` or ``.xlsx``)."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: batch file not found")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        settings, rows = _read_batch_workbook(path)
        return expand_batch({**settings, "scenarios": rows}, path.parent, source=str(path))
    from ..scenario import load_yaml

    data = load_yaml(path, "batch file")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: a batch file is a mapping with keys base, grid, samples, "
                          "distributions, seed, scenarios")
    return expand_batch(data, path.parent, source=str(path))


def expand_batch(data: Mapping, root: str | Path = ".", source: str = "") -> Batch:
    """Expand a batch mapping (the contents of a batch file) into its scenarios.

    Paths in it (``base``, an Excel ``scenarios`` file) are relative to ``root``.
    """
    root = Path(root)
    where = source or "batch"
    unknown = [k for k in data if k not in BATCH_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(map(str, unknown))}",
                          [Problem("unknown_key", f"{where}: {k}", "unknown key",
                                   choose_from(k, BATCH_KEYS, "allowed keys"))
                           for k in unknown])
    if "base" not in data:
        raise ConfigError(f"{where}: no 'base' scenario",
                          [Problem("missing", where, "the key 'base' is missing",
                                   "add `base: path/to/scenario.yaml` (a `cge run` scenario)")])
    base_path = (root / str(data["base"])).resolve()
    base = _read_base(base_path)
    digest = _base_digest(base_path, base)

    entries: dict[tuple[str, str, str], str] = {}
    variants = [dict(shocks=[], elasticities=[], labels=[])]
    if data.get("grid"):
        variants = _grid(data["grid"], f"{where}: grid", entries)
    if data.get("samples") or data.get("distributions"):
        draws = _samples(data, where, entries)
        variants = [_combine(g, d) for g in variants for d in draws]
    explicit = data.get("scenarios")
    if explicit is not None:
        if isinstance(explicit, str):
            explicit = read_scenario_sheet(root / explicit)
        if not isinstance(explicit, Sequence):
            raise ConfigError(f"{where}: scenarios", [Problem(
                "bad_value", f"{where}: scenarios", f"{explicit!r} is not a list",
                "give a list [{name, shocks, elasticities, closure}] or a workbook path")])
        extra = [_explicit(s, f"{where}: scenarios[{i}]", entries)
                 for i, s in enumerate(explicit)]
        variants = extra if not (data.get("grid") or data.get("samples")) else variants + extra

    base_shocks = _shocks(base.get("shocks") or [], f"{base_path}: shocks", entries)
    scenarios, seen = [], {}
    for variant in variants:
        shocks = _merge(base_shocks, variant["shocks"], ("parameter", "index", "op"))
        elasticities = _merge([], variant["elasticities"], ("elasticity", "index"))
        closure = variant.get("closure") or None
        sid = scenario_id(digest, shocks, elasticities, closure)
        if sid in seen:
            continue  # the same inputs twice (e.g. a grid value equal to the base)
        label = variant.get("name") or " ".join(variant["labels"]) or base.get("name", "base")
        seen[sid] = len(scenarios)
        scenarios.append(dict(id=sid, name=label, position=len(scenarios), shocks=shocks,
                              elasticities=elasticities, closure=closure))
    return Batch(base_path=base_path, base=base, base_digest=digest, scenarios=scenarios,
                 source=source, entries=entries)


def check_model_names(batch: Batch) -> None:
    """Raise :class:`ConfigError` unless every input of ``batch`` fits the base model.

    Checked once per batch entry, before any scenario runs, in one report: the shock
    parameters, operations and values (:meth:`cge.model.shocks.Shock.parse`), the
    elasticity names (the base scenario's model specification), and, on the base
    scenario's model, the account labels of shocks and elasticities, the closures, and
    shocks the closure ignores (:func:`cge.model.shocks.check_shocks`).
    """
    from ..model.config import SPECIFICATIONS
    from ..model.shocks import SHOCK_PARAMETERS, SOLVED_SHOCKS

    spec = SPECIFICATIONS.get(str(batch.base.get("model", "standard")))
    problems: list[Problem] = []
    for (kind, name, _o, _i), where in batch.entries.items():
        if kind == "shock" and name not in SHOCK_PARAMETERS:
            problems.append(Problem("unknown_parameter", f"{where}.parameter",
                                    f"unknown parameter {name!r}",
                                    choose_from(name, SHOCK_PARAMETERS)))
        elif kind == "shock" and name in SOLVED_SHOCKS:
            problems.append(Problem("solved_shock", f"{where}.parameter",
                                    f"{name} is solved for by cge run, not set in a batch",
                                    "run it with cge run, or shock export_tax_rate or "
                                    "export_demand in the batch"))
        elif kind == "elasticity" and spec is not None and name not in spec.elasticity_keys:
            problems.append(Problem("unknown_elasticity", f"{where}.elasticity",
                                    f"{name!r} is not an elasticity of the {spec.name} model",
                                    choose_from(name, spec.elasticity_keys)))
    if spec is not None:
        problems += _model_problems(batch, spec, {p.where.rsplit(".", 1)[0] for p in problems})
    if problems:
        raise ConfigError(f"{batch.source or 'batch'}: inputs that do not fit the model "
                          "(nothing was run)", _first_of_each(problems))


def _model_problems(batch: Batch, spec, unknown: set[str]) -> list[Problem]:
    """Problems of the batch's labels, values and closures on the base scenario's model."""
    from ..calibration import calibrate
    from ..model.shocks import check_shocks
    from ..scenario import Scenario

    model = Scenario.from_yaml(batch.base_path).build()
    base_closure = dict(model.closure.to_dict())
    problems: list[Problem] = []
    by_closure: dict[str, list] = {}
    for s in batch.scenarios:
        by_closure.setdefault(_closure_text(s.get("closure")), []).append(s)
    for text, scenarios in by_closure.items():
        if text:
            place = batch.entries.get(("closure", text, "", None), batch.source or "batch")
            try:
                model.apply_closure({**base_closure, **scenarios[0]["closure"]})
            except ConfigError as exc:
                problems += [Problem(p.kind, place + p.where.removeprefix("closure"),
                                     p.message, p.fix) for p in exc.problems]
                continue
        # one check per entry, at its smallest value (the one that may not stay positive)
        lowest: dict[tuple, dict] = {}
        for s in scenarios:
            for shock in s["shocks"]:
                key = (shock["parameter"], shock["op"], shock["index"])
                if key not in lowest or shock["value"] < lowest[key]["value"]:
                    lowest[key] = shock
        for key, shock in lowest.items():
            place = batch.entries.get(("shock", *key))
            if place is None or place in unknown:
                continue
            problems += [Problem(p.kind, place + p.where.partition("[0]")[2], p.message, p.fix)
                         for p in check_shocks(model, [_as_mapping(shock)], "")]
    model.apply_closure(base_closure)
    # elasticity labels: one calibration per labelled entry, with the base elasticities
    sam = model.sam
    base = dict(model.calibration.elasticities.values)
    for (kind, name, _, index), place in batch.entries.items():
        if kind != "elasticity" or index is None or place in unknown:
            continue
        try:
            calibrate(sam, spec.name, {**base, name: {index: _any_value(batch, name, index)}},
                      options=model.options)
        except ConfigError as exc:
            problems += [Problem(p.kind, f"{place}.index", f"{index!r}: {p.message}", p.fix)
                         for p in exc.problems]
    return problems


def _any_value(batch: Batch, name: str, index: str) -> float:
    """A value the batch gives elasticity ``name[index]`` (to check its label)."""
    return next(e["value"] for s in batch.scenarios for e in s["elasticities"]
                if e["elasticity"] == name and e["index"] == index)


def _first_of_each(problems: list[Problem]) -> list[Problem]:
    """One problem per place and kind (a value list repeats the same mistake)."""
    seen, out = set(), []
    for p in problems:
        if (p.where, p.kind) not in seen:
            seen.add((p.where, p.kind))
            out.append(p)
    return out


def _as_mapping(shock: Mapping) -> dict:
    """A batch shock ``{parameter, index, op, value}`` as a scenario-file shock."""
    out = {"parameter": shock["parameter"], shock["op"]: shock["value"]}
    if shock.get("index") is not None:
        out["index"] = shock["index"]
    return out


def _note(entries: dict | None, kind: str, name, op: str, where: str,
          index: str | None = None) -> None:
    """Remember where an input first appears (see :attr:`Batch.entries`)."""
    if entries is not None:
        entries.setdefault((kind, str(name), op, index), where)


def read_scenario_sheet(path: str | Path, sheet: str = "scenarios") -> list[dict]:
    """Scenarios from an Excel sheet, one per row.

    Row 1 holds headers: ``name`` and ``closure`` (optional), and one column per input,
    headed ``multiply import_tariff_rate[BRD]``, ``set world_export_price[MLK]``,
    ``add production_tax_rate`` (a shock) or ``elasticity armington[BRD]``. A blank cell leaves that input at the base.
    """
    import openpyxl

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: scenario workbook not found")
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    if sheet not in book.sheetnames:
        raise ConfigError(f"{path}: no sheet {sheet!r}",
                          [Problem("missing_sheet", str(path), f"sheets: {book.sheetnames}",
                                   f"name the sheet of scenarios {sheet!r}")])
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    if not rows:
        return []
    columns = [_sheet_column(h, f"{path.name}!{_cell(1, j)}") for j, h in enumerate(rows[0])]
    scenarios = []
    for i, row in enumerate(rows[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        scenario = {"shocks": [], "elasticities": []}
        for j, (column, value) in enumerate(zip(columns, row, strict=False)):
            if column is None or value is None or str(value).strip() == "":
                continue
            kind, detail = column
            if kind in ("name", "closure"):
                scenario[kind] = str(value)
                continue
            number = _number(value, f"{path.name}!{sheet}!{_cell(i, j)}")
            if kind == "elasticity":
                scenario["elasticities"].append({"elasticity": detail[0], "index": detail[1],
                                                 "value": number})
            else:
                scenario["shocks"].append({"parameter": detail[0], "index": detail[1],
                                           kind: number})
        scenarios.append(scenario)
    return scenarios


def _read_batch_workbook(path: Path) -> tuple[dict, list[dict]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    if "settings" not in book.sheetnames:
        raise ConfigError(f"{path}: no sheet 'settings'",
                          [Problem("missing_sheet", str(path), f"sheets: {book.sheetnames}",
                                   "add a sheet 'settings' with a row `base | scenario.yaml`")])
    settings = {str(k).strip(): v for k, v, *_ in book["settings"].iter_rows(values_only=True)
                if k is not None and str(k).strip().lower() != "key"}
    book.close()
    return settings, read_scenario_sheet(path)


# -- identity -----------------------------------------------------------------------------
def scenario_id(base_digest: str, shocks: Sequence[Mapping], elasticities: Sequence[Mapping],
                closure: str | None) -> str:
    """Stable id of a scenario: a hash of its canonical inputs and of the base."""
    canon = {"base": base_digest,
             "shocks": [[s["parameter"], s.get("index") or "", s["op"], _canon(s["value"])]
                        for s in shocks],
             "elasticities": sorted([e["elasticity"], e.get("index") or "", _canon(e["value"])]
                                    for e in elasticities),
             "closure": closure or ""}
    text = json.dumps(canon, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _canon(value) -> str:
    return format(float(value), f".{_HASH_DIGITS}g")


def _base_digest(path: Path, base: Mapping) -> str:
    h = hashlib.sha256(json.dumps(base, sort_keys=True, default=str).encode())
    sam = base.get("sam")
    if sam and Path(sam).exists():
        h.update(Path(sam).read_bytes())
    return h.hexdigest()[:20]


def _read_base(path: Path) -> dict:
    from ..scenario import load_yaml

    if not path.exists():
        raise ConfigError(f"{path}: base scenario not found",
                          [Problem("missing_file", str(path), "no such file",
                                   "`base:` is relative to the batch file's folder")])
    base = load_yaml(path, "base scenario") or {}
    if not isinstance(base, Mapping):
        raise ConfigError(f"{path}: a scenario file is a mapping (name, sam, model, shocks, ...)")
    base = dict(base)
    if base.get("sam"):
        base["sam"] = str((path.parent / str(base["sam"])).resolve())
    return base


# -- expansion ----------------------------------------------------------------------------
def _grid(entries, where: str, seen: dict | None = None) -> list[dict]:
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise ConfigError(f"{where}: a list of entries is expected")
    axes = []
    for i, entry in enumerate(entries):
        here = f"{where}[{i}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{here}: an entry is a mapping, got {entry!r}")
        if "elasticity" in entry:
            values = _values(entry.get("value", entry.get("values")), here, "value")
            _note(seen, "elasticity", entry["elasticity"], "value", here,
                  _index(entry.get("index")))
            axes.append([_elasticity_variant(entry["elasticity"], entry.get("index"), v, here)
                         for v in values])
        elif "parameter" in entry:
            ops = [op for op in OPERATIONS if op in entry]
            if len(ops) != 1:   # the shock parser names the keys and the fix
                Shock.from_mapping(entry, here, parameters=None)
            values = _values(entry[ops[0]], here, ops[0])
            shocks = [Shock.from_mapping({**entry, ops[0]: v}, here, parameters=None)
                      for v in values]
            _note(seen, "shock", shocks[0].parameter, ops[0], here, shocks[0].index)
            axes.append([_shock_variant(shock) for shock in shocks])
        else:
            raise ConfigError(f"{here}: an entry needs 'parameter' or 'elasticity'",
                              [Problem("grid_entry", here, f"got keys {sorted(entry)}",
                                       "e.g. {parameter: import_tariff_rate, index: BRD, "
                                       "multiply: [0, 0.5]} or "
                                       "{elasticity: armington, value: [1, 2, 4]}")])
    return [_combine(*combo) for combo in itertools.product(*axes)]


def _samples(data: Mapping, where: str, seen: dict | None = None) -> list[dict]:
    n = data.get("samples")
    dists = data.get("distributions") or []
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"{where}: samples", [Problem(
            "bad_value", f"{where}: samples", f"{n!r} is not a positive whole number",
            "give the number of draws, e.g. samples: 200")])
    if not dists:
        raise ConfigError(f"{where}: 'samples' needs 'distributions'",
                          [Problem("missing", where, "no distributions to sample",
                                   "e.g. distributions: [{elasticity: armington, "
                                   "uniform: [0.5, 4]}]")])
    rng = np.random.default_rng(_seed(data.get("seed"), where))
    columns = []
    for i, entry in enumerate(dists):
        here = f"{where}: distributions[{i}]"
        kinds = [k for k in DISTRIBUTIONS if k in entry]
        if len(kinds) != 1:
            raise ConfigError(f"{here}: give exactly one of {list(DISTRIBUTIONS)}")
        kind = kinds[0]
        params = _dist_params(entry[kind], DISTRIBUTIONS[kind], here, kind)
        if "elasticity" in entry:
            name, index = str(entry["elasticity"]), _index(entry.get("index"))
            draws = _draw(rng, kind, params, n, lambda v, name=name, index=index:
                          not _elasticity_problems(name, index or "all", v), here)
            _note(seen, "elasticity", name, "value", here, index)
            columns.append([_elasticity_variant(name, index, v, here) for v in draws])
        elif "parameter" in entry:
            op = entry.get("op", "multiply")
            rest = {k: v for k, v in entry.items() if k not in (kind, "op")}
            shock = Shock.from_mapping({**rest, op: 1.0}, here, parameters=None)
            draws = _draw(rng, kind, params, n, lambda v: True, here)
            _note(seen, "shock", shock.parameter, op, here, shock.index)
            columns.append([_shock_variant(Shock(shock.parameter, op, float(v), shock.index))
                            for v in draws])
        else:
            raise ConfigError(f"{here}: a distribution needs 'elasticity' or 'parameter'")
    return [_combine(*row) for row in zip(*columns, strict=True)]


def _seed(seed, where: str) -> int | None:
    """The Monte Carlo seed: absent, or a non-negative whole number."""
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        return seed
    raise ConfigError(f"{where}: seed", [Problem(
        "bad_value", f"{where}: seed", f"{seed!r} is not a non-negative whole number",
        "give a whole number such as seed: 1 (or leave seed out for fresh draws)")])


def _draw(rng, kind: str, params: dict, n: int, valid, where: str) -> np.ndarray:
    """``n`` draws; draws ``valid`` refuses (e.g. an elasticity of 0) are drawn again."""
    def draw(size):
        if kind == "uniform":
            return rng.uniform(params["low"], params["high"], size)
        if kind == "normal":
            return rng.normal(params["mean"], params["sd"], size)
        return rng.triangular(params["low"], params["mode"], params["high"], size)

    out = draw(n)
    for _ in range(100):
        bad = np.array([not valid(float(v)) for v in out], dtype=bool)
        if not bad.any():
            return out
        out[bad] = draw(int(bad.sum()))
    raise ConfigError(f"{where}: {kind} {params}", [Problem(
        "bad_value", where, f"almost all draws of {kind} {params} are not valid values",
        "move the distribution to valid values (an elasticity > 0, Frisch < 0)")])


def _dist_params(spec, names: tuple[str, ...], where: str, kind: str) -> dict:
    if isinstance(spec, Mapping):
        missing = [n for n in names if n not in spec]
        if missing:
            raise ConfigError(f"{where}: {kind} needs {list(names)}, missing {missing}")
        values = {n: spec[n] for n in names}
    elif isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) == len(names):
        values = dict(zip(names, spec, strict=True))
    else:
        raise ConfigError(f"{where}: {kind} takes {list(names)}, got {spec!r}")
    values = {k: _number(v, f"{where}: {kind}.{k}") for k, v in values.items()}
    if kind in ("uniform", "triangular") and not values["low"] < values["high"]:
        raise ConfigError(f"{where}: {kind} needs low < high, got {values}")
    if kind == "triangular" and not values["low"] <= values["mode"] <= values["high"]:
        raise ConfigError(f"{where}: triangular needs low <= mode <= high, got {values}")
    if kind == "normal" and values["sd"] <= 0:
        raise ConfigError(f"{where}: normal needs sd > 0, got {values['sd']}")
    return values


def _explicit(s, where: str, seen: dict | None = None) -> dict:
    if not isinstance(s, Mapping):
        raise ConfigError(f"{where}: a scenario is a mapping (name, shocks, elasticities, closure)")
    shocks = _shocks(s.get("shocks") or [], f"{where}.shocks", seen)
    el = s.get("elasticities") or []
    elasticities = (_flatten_elasticities(el, f"{where}.elasticities") if isinstance(el, Mapping)
                    else [_elasticity(x, f"{where}.elasticities[{i}]") for i, x in enumerate(el)])
    for i, e in enumerate(elasticities):
        _note(seen, "elasticity", e["elasticity"], "value",
              f"{where}.elasticities" + (f"[{i}]" if not isinstance(el, Mapping) else
                                         f".{e['elasticity']}"), e["index"])
    closure = _closure(s.get("closure"), f"{where}.closure")
    if closure:
        _note(seen, "closure", _closure_text(closure), "", f"{where}.closure")
    return dict(shocks=shocks, elasticities=elasticities, labels=[], name=s.get("name"),
                closure=closure)


def _closure(value, where: str) -> dict | None:
    """A closure override: a mapping, or text ``"labour=fixed_real_wage, numeraire=cpi"``."""
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    pairs = [p.split("=", 1) for p in str(value).replace(";", ",").split(",") if p.strip()]
    if any(len(p) != 2 for p in pairs):
        raise ConfigError(f"{where}: closure {value!r} is not understood",
                          [Problem("closure", where, f"got {value!r}",
                                   "write key=value pairs, e.g. labour=fixed_real_wage, "
                                   "numeraire=cpi")])
    return {k.strip(): v.strip() for k, v in pairs}


def _closure_text(closure: Mapping | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((closure or {}).items()))


def _shocks(raw, where: str, seen: dict | None = None) -> list[dict]:
    """The shocks of a list, each parsed by :meth:`Shock.parse`; every problem at once."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ConfigError(f"{where}: a list of shocks is expected", [Problem(
            "bad_value", where, f"{raw!r} is not a list",
            "e.g. [{parameter: import_tariff_rate, index: C_SEC, set: 0}]")])
    problems, out = [], []
    for i, x in enumerate(raw):
        shock, found = Shock.parse(x, f"{where}[{i}]", parameters=None)
        problems += found
        if shock is not None:
            _note(seen, "shock", shock.parameter, shock.operation, f"{where}[{i}]", shock.index)
            out.append(_shock_dict(shock))
    if problems:
        raise ConfigError(f"invalid {where}", problems)
    return out


def _shock_dict(shock: Shock) -> dict:
    """A shock in the batch's form ``{parameter, index, op, value}``."""
    return {"parameter": shock.parameter, "index": shock.index, "op": shock.operation,
            "value": shock.value}


def _elasticity(e, where: str) -> dict:
    if not isinstance(e, Mapping) or "elasticity" not in e or "value" not in e:
        raise ConfigError(f"{where}: an elasticity is {{elasticity, index?, value}}, got {e!r}")
    return _checked_elasticity(e["elasticity"], e.get("index"), e["value"], f"{where}.value")


def _flatten_elasticities(mapping, where: str = "elasticities") -> list[dict]:
    """``{armington: 2, cet: {BRD: 1.5}}`` as a list of ``{elasticity, index, value}``."""
    if not isinstance(mapping, Mapping):
        return [_elasticity(e, f"{where}[{i}]") for i, e in enumerate(mapping)]
    out = []
    for name, value in mapping.items():
        if isinstance(value, Mapping):
            out += [_checked_elasticity(name, k, v, f"{where}.{name}.{k}")
                    for k, v in value.items()]
        else:
            out.append(_checked_elasticity(name, None, value, f"{where}.{name}"))
    return out


def _checked_elasticity(name, index, value, where: str) -> dict:
    """``{elasticity, index, value}`` with the value checked by the calibration's rules."""
    value = _number(value, where)
    index = _index(index)
    problems = _elasticity_problems(str(name), index or "all", value)
    if problems:
        raise ConfigError(f"{where}: elasticity {_where(name, index)} = {value:g}",
                          [Problem(p.kind, where, f"{_where(name, index)} = {value:g}: "
                                   f"{p.message}", p.fix) for p in problems])
    return {"elasticity": str(name), "index": index, "value": value}


def _elasticity_problems(name: str, label, value: float) -> list[Problem]:
    from ..calibration import _elasticity_problems as problems

    return problems(name, label, value)


def _shock_variant(shock: Shock) -> dict:
    return dict(shocks=[_shock_dict(shock)], elasticities=[],
                labels=[f"{_where(shock.parameter, shock.index)}{_OP_SIGN[shock.operation]}"
                        f"{shock.value:.4g}"])


def _elasticity_variant(name, index, value, where: str) -> dict:
    e = _checked_elasticity(name, index, value, where)
    return dict(shocks=[], elasticities=[e],
                labels=[f"{_where(name, e['index'])}={e['value']:.4g}"])


_OP_SIGN = {"set": "=", "multiply": "*", "add": "+"}


def _combine(*variants: Mapping) -> dict:
    return dict(shocks=[s for v in variants for s in v["shocks"]],
                elasticities=[e for v in variants for e in v["elasticities"]],
                labels=[x for v in variants for x in v["labels"]])


def _merge(base: list[dict], extra: list[dict], key: tuple[str, ...]) -> list[dict]:
    """``base`` then ``extra``; an ``extra`` item replaces a ``base`` item with the same key."""
    merged = {tuple(x.get(k) for k in key): x for x in base}
    for x in extra:
        merged[tuple(x.get(k) for k in key)] = x
    return list(merged.values())


def _values(values, where: str, key: str) -> list:
    """The values of a grid entry: a list, one value, or ``{from, to, steps}``."""
    if values is None:
        raise ConfigError(f"{where}: '{key}' needs a list of values")
    if isinstance(values, Mapping) and {"from", "to", "steps"} <= set(values):
        steps = _number(values["steps"], f"{where}.{key}.steps")
        if steps != int(steps) or steps < 1:
            raise ConfigError(f"{where}.{key}.steps: {values['steps']!r} is not a positive "
                              "whole number")
        return [float(x) for x in np.linspace(_number(values["from"], f"{where}.{key}.from"),
                                              _number(values["to"], f"{where}.{key}.to"),
                                              int(steps))]
    if not isinstance(values, Sequence) or isinstance(values, str):
        values = [values]
    if not values:
        raise ConfigError(f"{where}: '{key}' is an empty list")
    return [_number(v, f"{where}.{key}") for v in values]


def _number(value, where: str) -> float:
    out = number(value)
    if out is None:
        raise ConfigError(f"{where}: {value!r} is not a number", [Problem(
            "not_a_number", where, f"{value!r} is not a finite number", "give a number")])
    return out


def _index(index) -> str | None:
    return None if index is None or str(index).strip() == "" else str(index).strip()


def _where(name, index) -> str:
    return f"{name}[{index}]" if index not in (None, "") else str(name)


_HEADER = re.compile(r"^\s*(set|multiply|add|elasticity)\s+([A-Za-z_][\w.]*)\s*(?:\[(.*)\])?\s*$")


def _sheet_column(header, where: str):
    if header is None or str(header).strip() == "":
        return None
    text = str(header).strip()
    if text.lower() in ("name", "closure"):
        return (text.lower(), None)
    m = _HEADER.match(text)
    if not m:
        raise ConfigError(f"{where}: header {text!r} is not understood",
                          [Problem("header", where, f"header {text!r}",
                                   "use name, closure, 'multiply import_tariff_rate[BRD]', "
                                   "'set X[i]', 'add X', or 'elasticity armington[BRD]'")])
    return (m.group(1), (m.group(2), _index(m.group(3))))


def _cell(row: int, col: int) -> str:
    letters, n = "", col + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return f"{letters}{row}"


def order_for_warm_start(scenarios: Sequence[Mapping]) -> list[Mapping]:
    """Scenarios ordered so neighbours in input space are solved one after another.

    Grids are already in a neighbour-friendly (odometer) order, so the batch order is kept
    when it is a grid; Monte Carlo draws are sorted along a serpentine path over their
    inputs (coarse bins of the first input, then the next ...), a cheap travelling-salesman
    tour that keeps consecutive solves close.
    """
    if len(scenarios) < 3:
        return list(scenarios)
    keys = [_input_vector(s) for s in scenarios]
    width = max(len(k) for k in keys)
    matrix = np.array([k + [0.0] * (width - len(k)) for k in keys])
    distinct = [len(np.unique(matrix[:, j])) for j in range(width)]
    if width == 0 or all(d <= math.sqrt(len(scenarios)) + 1 for d in distinct):
        return list(scenarios)  # a grid (few distinct values per input)
    lo, hi = matrix.min(axis=0), matrix.max(axis=0)
    scaled = (matrix - lo) / np.where(hi > lo, hi - lo, 1.0)
    bins = max(2, int(round(len(scenarios) ** (1.0 / max(width, 1)))))
    coarse = np.minimum((scaled * bins).astype(int), bins - 1)

    def key(i):
        out, flip = [], False
        for j in range(width):
            v = coarse[i, j] if j < width - 1 else scaled[i, j]
            out.append(-v if flip else v)
            flip = (coarse[i, j] % 2 == 1) != flip
        return tuple(out)

    return [scenarios[i] for i in sorted(range(len(scenarios)), key=key)]


def _input_vector(s: Mapping) -> list[float]:
    return ([float(x["value"]) for x in s.get("shocks", ())]
            + [float(e["value"]) for e in s.get("elasticities", ())])
