"""Shocks: new values for exogenous parameters, checked against the model and closure.

A shock is ``{"parameter": NAME, "index": LABEL (optional; all when absent),
"set": V | "multiply": F | "add": D}``. Quantities (endowments, foreign savings,
real government consumption and investment, transfers) are in SAM units. Shocks
act on the current values; :meth:`CGEModel.reset` goes back to the benchmark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError, Problem

OPERATIONS = ("set", "multiply", "add")


@dataclass(frozen=True)
class ShockParameter:
    """A parameter users may shock: the pinned variable that holds it."""

    component: str
    doc: str
    quantity: bool = False   # in SAM units (divided by the scale in the model)


#: Parameters a scenario may shock.
SHOCK_PARAMETERS: dict[str, ShockParameter] = {
    "import_tariff_rate": ShockParameter("trade.import_tariff_rate", "import tariff rate, by "
                                         "commodity"),
    "export_tax_rate": ShockParameter("trade.export_tax_rate", "export tax rate, by commodity"),
    "sales_tax_rate": ShockParameter("trade.sales_tax_rate", "sales tax rate, by commodity"),
    "production_tax_rate": ShockParameter("production.production_tax_rate", "production tax "
                                          "rate, by activity"),
    "world_export_price": ShockParameter("trade.world_export_price", "world price of exports "
                                         "(foreign currency), by commodity"),
    "world_import_price": ShockParameter("trade.world_import_price", "world price of imports "
                                         "(foreign currency), by commodity"),
    "export_demand": ShockParameter("trade.export_demand", "shift of the world export demand "
                                    "curve (finite export_demand elasticity), by commodity"),
    "foreign_savings": ShockParameter("rest_of_world.foreign_savings", "foreign savings in "
                                      "foreign currency", quantity=True),
    "household_saving_rate": ShockParameter("households.saving_rate", "saving rate, by "
                                            "household"),
    "government_saving_rate": ShockParameter("government.saving_rate", "government saving as "
                                             "a share of revenue (stdcge)"),
    "government_savings": ShockParameter("government.real_savings", "real government saving, "
                                         "at base prices (tax_scaler)", quantity=True),
    "direct_tax_rate": ShockParameter("government.direct_tax_rate", "direct tax rate, by "
                                      "household or enterprise"),
    "household_transfers": ShockParameter("government.transfers", "real government transfers, "
                                          "by household or enterprise", quantity=True),
    "enterprise_payout_rate": ShockParameter("enterprises.payout_rate", "share of enterprise "
                                             "income paid to households, by 'HH,ENT'"),
    "factor_endowment": ShockParameter("markets.factor_endowment", "factor supply, by factor",
                                       quantity=True),
    "productivity": ShockParameter("production.productivity", "value-added productivity, by "
                                   "activity"),
    "real_wage": ShockParameter("markets.real_wage", "real wage floor (fixed_real_wage)"),
    "investment": ShockParameter("investment.composition", "real investment, by commodity "
                                 "(investment_driven)", quantity=True),
    "government_consumption": ShockParameter("government.composition", "real government "
                                             "consumption, by commodity", quantity=True),
    "capital_stock": ShockParameter("production.factor_demand", "capital employed by an "
                                    "activity, by 'CAP,A_SEC' (sector_specific)", quantity=True),
    "exchange_rate": ShockParameter("markets.exchange_rate", "exchange rate "
                                    "(fixed_exchange_rate)"),
}


@dataclass(frozen=True)
class Shock:
    """One change to an exogenous parameter."""

    parameter: str
    operation: str
    value: float
    index: str | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], where: str = "shock") -> Shock:
        """Parse ``{"parameter": ..., "index": ..., "set"|"multiply"|"add": ...}``."""
        if isinstance(raw, Shock):
            return raw
        problems = []
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: a shock must be a mapping, not {raw!r}")
        allowed_keys = ("parameter", "index", *OPERATIONS)
        for k in raw:
            if k not in allowed_keys:
                problems.append(Problem("unknown_key", f"{where}.{k}", "unknown key",
                                        f"allowed keys: {', '.join(allowed_keys)}"))
        name = raw.get("parameter")
        if name not in SHOCK_PARAMETERS:
            problems.append(Problem("unknown_parameter", f"{where}.parameter",
                                    f"unknown parameter {name!r}",
                                    f"allowed: {', '.join(SHOCK_PARAMETERS)}"))
        ops = [k for k in OPERATIONS if k in raw]
        if len(ops) != 1:
            problems.append(Problem("operation", where,
                                    f"needs exactly one of {', '.join(OPERATIONS)} (got "
                                    f"{', '.join(ops) or 'none'})", "e.g. set: 0"))
        value = None
        if len(ops) == 1:
            try:
                value = float(raw[ops[0]])
            except (TypeError, ValueError):
                problems.append(Problem("not_a_number", f"{where}.{ops[0]}",
                                        f"{raw[ops[0]]!r} is not a number", "give a number"))
        if problems:
            raise ConfigError(f"invalid {where}", problems)
        index = raw.get("index")
        return cls(str(name), ops[0], float(value), None if index is None else str(index))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"parameter": self.parameter}
        if self.index is not None:
            out["index"] = self.index
        out[self.operation] = self.value
        return out


def apply_shocks(model, shocks: Iterable[Mapping[str, Any] | Shock]) -> None:
    """Apply shocks to ``model`` in order; every problem is reported at once."""
    from .blocks._common import pin

    problems, updates = _resolve(model, shocks)
    if problems:
        raise ConfigError("invalid shocks", problems)
    for v, x in updates:
        pin(v, x)


def check_shocks(model, shocks: Iterable[Mapping[str, Any] | Shock],
                 where: str = "shocks") -> list[Problem]:
    """Every problem of ``shocks`` on ``model`` (names, labels, operations, closure), unapplied.

    Parameters
    ----------
    model : CGEModel
        The built model (it is not changed).
    shocks : iterable of mappings or Shock
    where : str
        Prefix of the places named, e.g. ``"scenario.yaml: shocks"``.
    """
    problems: list[Problem] = []
    parsed = []
    for i, s in enumerate(shocks):
        try:
            parsed.append(Shock.from_mapping(s, f"{where}[{i}]"))
        except ConfigError as exc:
            problems.extend(exc.problems or [Problem("shock", f"{where}[{i}]", str(exc), "")])
            parsed.append(None)
    resolved, _ = _resolve(model, parsed, where)
    return problems + resolved


def _resolve(model, shocks, where: str = "shocks") -> tuple[list[Problem], list]:
    """Problems and ``(variable, new value)`` updates of shocks on ``model`` (``None``
    entries, shocks that did not parse, are skipped)."""
    from .blocks._common import is_pinned

    parsed = [s if s is None else Shock.from_mapping(s, f"{where}[{i}]")
              for i, s in enumerate(shocks)]
    problems, updates = [], []
    for i, shock in enumerate(parsed):
        if shock is None:
            continue
        at = f"{where}[{i}] ({shock.parameter})"
        spec = SHOCK_PARAMETERS[shock.parameter]
        if not model.has_component(spec.component):
            problems.append(Problem("not_in_model", at,
                                    f"this {model.spec} model has no {shock.parameter} "
                                    "(the SAM has no such flow or the specification lacks it)",
                                    ""))
            continue
        var = model.component(spec.component)
        targets = _targets(model, shock, var, at, problems)
        if targets is None:
            continue
        scale = model.scale if spec.quantity else 1.0
        for key, v in targets:
            if not is_pinned(v):
                problems.append(Problem(
                    "endogenous", at,
                    f"{shock.parameter}[{_label(key)}] is endogenous under the closure "
                    f"({model.closure})", "change the closure or shock another parameter"))
                continue
            current = v.value * scale
            new = {"set": shock.value, "multiply": current * shock.value,
                   "add": current + shock.value}[shock.operation]
            updates.append((v, new / scale))
    return problems, updates


def _targets(model, shock: Shock, var, where: str, problems: list) -> list | None:
    keys = list(var.keys())
    if shock.index is None:
        return [(k, var[k]) for k in keys]
    if keys == [None]:
        problems.append(Problem("scalar", where, f"{shock.parameter} has no index",
                                "remove 'index'"))
        return None
    label = shock.index
    wanted = tuple(p.strip() for p in label.split(",")) if "," in label else label
    if wanted in var:
        return [(wanted, var[wanted])]
    matches = [k for k in keys if isinstance(k, tuple) and wanted in k]
    if matches:
        return [(k, var[k]) for k in matches]
    problems.append(Problem("unknown_label", f"{where}.index",
                            f"{label!r} is not an index of {shock.parameter}",
                            f"allowed: {', '.join(_label(k) for k in keys)}"))
    return None


def _label(key) -> str:
    return ",".join(key) if isinstance(key, tuple) else str(key)
