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

from ..errors import ConfigError, Problem

#: Operations a shock may apply to a parameter.
SHOCK_OPS = ("set", "multiply", "add")
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
        Where each input first appears, ``{(kind, name, op): place}`` with ``kind``
        ``"shock"`` or ``"elasticity"`` (``op`` ``"value"``), for checking the names
        once per entry instead of once per scenario (:func:`check_model_names`).
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
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
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
    unknown = set(data) - {"base", "grid", "samples", "distributions", "seed", "scenarios",
                           "name", "description"}
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}",
                          [Problem("unknown_key", where, f"key {k!r}",
                                   "allowed: base, grid, samples, distributions, seed, scenarios")
                           for k in sorted(unknown)])
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
        extra = [_explicit(s, f"{where}: scenarios[{i}]", entries)
                 for i, s in enumerate(explicit)]
        variants = extra if not (data.get("grid") or data.get("samples")) else variants + extra

    base_shocks = [_shock(s, f"{base_path}: shocks[{i}]")
                   for i, s in enumerate(base.get("shocks") or [])]
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
    """Raise :class:`ConfigError` unless every input of ``batch`` is one the model knows.

    Each shock's parameter and operation go through :meth:`cge.model.shocks.Shock.from_mapping`
    and each elasticity is checked against the elasticities of the base scenario's model
    specification, once per batch entry, so a misspelt name stops the batch before any
    scenario runs (account labels are checked by the model, scenario by scenario).
    """
    from ..model.config import SPECIFICATIONS
    from ..model.shocks import Shock

    spec = SPECIFICATIONS.get(str(batch.base.get("model", "standard")))
    problems: list[Problem] = []
    for (kind, name, op), where in batch.entries.items():
        if kind == "shock":
            try:
                Shock.from_mapping({"parameter": name, op: 0.0}, where)
            except ConfigError as exc:
                problems += exc.problems or [Problem("shock", where, str(exc))]
        elif spec is not None and name not in spec.elasticity_keys:
            problems.append(Problem("unknown_elasticity", f"{where}.elasticity",
                                    f"{name!r} is not an elasticity of the {spec.name} model",
                                    f"allowed: {', '.join(spec.elasticity_keys)}"))
    if problems:
        raise ConfigError(f"{batch.source or 'batch'}: inputs the model does not know "
                          "(nothing was run)", problems)


def _note(entries: dict | None, kind: str, name, op: str, where: str) -> None:
    """Remember where an input first appears (see :attr:`Batch.entries`)."""
    if entries is not None:
        entries.setdefault((kind, str(name), op), where)


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
    import yaml

    if not path.exists():
        raise ConfigError(f"{path}: base scenario not found",
                          [Problem("missing_file", str(path), "no such file",
                                   "`base:` is relative to the batch file's folder")])
    try:
        base = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: the base scenario is not valid YAML ({exc})") from None
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
            _note(seen, "elasticity", entry["elasticity"], "value", here)
            axes.append([_elasticity_variant(entry["elasticity"], entry.get("index"), v, here)
                         for v in values])
        elif "parameter" in entry:
            op = _op_of(entry, here)
            values = _values(entry[op], here, op)
            _note(seen, "shock", entry["parameter"], op, here)
            axes.append([_shock_variant(entry["parameter"], entry.get("index"), op, v)
                         for v in values])
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
    if not isinstance(n, int) or n < 1:
        raise ConfigError(f"{where}: 'samples' must be a positive integer, got {n!r}")
    if not dists:
        raise ConfigError(f"{where}: 'samples' needs 'distributions'",
                          [Problem("missing", where, "no distributions to sample",
                                   "e.g. distributions: [{elasticity: armington, "
                                   "uniform: [0.5, 4]}]")])
    rng = np.random.default_rng(data.get("seed"))
    columns = []
    for i, entry in enumerate(dists):
        here = f"{where}: distributions[{i}]"
        kinds = [k for k in DISTRIBUTIONS if k in entry]
        if len(kinds) != 1:
            raise ConfigError(f"{here}: give exactly one of {list(DISTRIBUTIONS)}")
        kind = kinds[0]
        params = _dist_params(entry[kind], DISTRIBUTIONS[kind], here, kind)
        positive = "elasticity" in entry
        draws = _draw(rng, kind, params, n, positive)
        if "elasticity" in entry:
            _note(seen, "elasticity", entry["elasticity"], "value", here)
            columns.append([_elasticity_variant(entry["elasticity"], entry.get("index"), v, here)
                            for v in draws])
        elif "parameter" in entry:
            op = entry.get("op", "multiply")
            if op not in SHOCK_OPS:
                raise ConfigError(f"{here}: op {op!r} is not one of {SHOCK_OPS}")
            _note(seen, "shock", entry["parameter"], op, here)
            columns.append([_shock_variant(entry["parameter"], entry.get("index"), op, v)
                            for v in draws])
        else:
            raise ConfigError(f"{here}: a distribution needs 'elasticity' or 'parameter'")
    return [_combine(*row) for row in zip(*columns, strict=True)]


def _draw(rng, kind: str, params: dict, n: int, positive: bool) -> np.ndarray:
    """``n`` draws; elasticities must be positive, so non-positive draws are redrawn."""
    def draw(size):
        if kind == "uniform":
            return rng.uniform(params["low"], params["high"], size)
        if kind == "normal":
            return rng.normal(params["mean"], params["sd"], size)
        return rng.triangular(params["low"], params["mode"], params["high"], size)

    out = draw(n)
    for _ in range(100):
        bad = out <= 0 if positive else np.zeros(n, bool)
        if not bad.any():
            return out
        out[bad] = draw(int(bad.sum()))
    raise ConfigError(f"{kind} {params}: almost all draws are not positive; "
                      "an elasticity must be positive")


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
    shocks = [_shock(x, f"{where}.shocks[{i}]") for i, x in enumerate(s.get("shocks") or [])]
    for i, x in enumerate(shocks):
        _note(seen, "shock", x["parameter"], x["op"], f"{where}.shocks[{i}]")
    el = s.get("elasticities") or []
    elasticities = (_flatten_elasticities(el, f"{where}.elasticities") if isinstance(el, Mapping)
                    else [_elasticity(x, f"{where}.elasticities[{i}]") for i, x in enumerate(el)])
    for i, e in enumerate(elasticities):
        _note(seen, "elasticity", e["elasticity"], "value",
              f"{where}.elasticities" + (f"[{i}]" if not isinstance(el, Mapping) else
                                         f".{e['elasticity']}"))
    return dict(shocks=shocks, elasticities=elasticities, labels=[], name=s.get("name"),
                closure=_closure(s.get("closure"), f"{where}.closure"))


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


def _shock(s, where: str) -> dict:
    if not isinstance(s, Mapping) or "parameter" not in s:
        raise ConfigError(f"{where}: a shock is {{parameter, index?, set|multiply|add}}, got {s!r}")
    op = _op_of(s, where)
    return {"parameter": str(s["parameter"]), "index": _index(s.get("index")), "op": op,
            "value": _number(s[op], f"{where}.{op}")}


def _elasticity(e, where: str) -> dict:
    if not isinstance(e, Mapping) or "elasticity" not in e or "value" not in e:
        raise ConfigError(f"{where}: an elasticity is {{elasticity, index?, value}}, got {e!r}")
    return {"elasticity": str(e["elasticity"]), "index": _index(e.get("index")),
            "value": _number(e["value"], f"{where}.value")}


def _flatten_elasticities(mapping, where: str = "elasticities") -> list[dict]:
    """``{armington: 2, cet: {BRD: 1.5}}`` as a list of ``{elasticity, index, value}``."""
    if not isinstance(mapping, Mapping):
        return [_elasticity(e, f"{where}[{i}]") for i, e in enumerate(mapping)]
    out = []
    for name, value in mapping.items():
        if isinstance(value, Mapping):
            out += [{"elasticity": str(name), "index": _index(k),
                     "value": _number(v, f"{where}.{name}.{k}")} for k, v in value.items()]
        else:
            out.append({"elasticity": str(name), "index": None,
                        "value": _number(value, f"{where}.{name}")})
    return out


def _shock_variant(parameter, index, op: str, value) -> dict:
    value = _number(value, f"{parameter}[{index}] {op}")
    shock = {"parameter": str(parameter), "index": _index(index), "op": op, "value": value}
    return dict(shocks=[shock], elasticities=[], labels=[f"{_where(parameter, index)}"
                                                         f"{_OP_SIGN[op]}{value:.4g}"])


def _elasticity_variant(name, index, value, where: str) -> dict:
    value = _number(value, where)
    if value <= 0:
        raise ConfigError(f"{where}: elasticity {_where(name, index)} = {value} is not positive")
    e = {"elasticity": str(name), "index": _index(index), "value": value}
    return dict(shocks=[], elasticities=[e], labels=[f"{_where(name, index)}={value:.4g}"])


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


def _op_of(entry: Mapping, where: str) -> str:
    ops = [op for op in SHOCK_OPS if op in entry]
    if len(ops) != 1:
        raise ConfigError(f"{where}: give exactly one of set, multiply, add",
                          [Problem("shock_op", where, f"got {sorted(entry)}",
                                   "e.g. {parameter: import_tariff_rate, index: BRD, "
                                   "multiply: 0.5}")])
    return ops[0]


def _values(values, where: str, key: str) -> list[float]:
    if values is None:
        raise ConfigError(f"{where}: '{key}' needs a list of values")
    if isinstance(values, Mapping) and {"from", "to", "steps"} <= set(values):
        steps = _number(values["steps"], f"{where}.{key}.steps")
        if steps != int(steps) or steps < 1:
            raise ConfigError(f"{where}.{key}.steps: {values['steps']!r} is not a positive "
                              "whole number")
        return list(np.linspace(_number(values["from"], f"{where}.{key}.from"),
                                _number(values["to"], f"{where}.{key}.to"), int(steps)))
    if not isinstance(values, Sequence) or isinstance(values, str):
        values = [values]
    if not values:
        raise ConfigError(f"{where}: '{key}' is an empty list")
    return [_number(v, f"{where}.{key}") for v in values]


def _number(value, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ConfigError(f"{where}: {value!r} is not a finite number")
    return number


def _index(index) -> str | None:
    return None if index is None or str(index).strip() == "" else str(index)


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
