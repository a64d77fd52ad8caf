"""Shocks: new values for exogenous parameters, checked against the model and closure.

A shock is ``{"parameter": NAME, "index": LABEL (optional; all when absent),
"set": V | "multiply": F | "add": D}``. Quantities (endowments, foreign savings,
real government consumption and investment, transfers) are in SAM units. Shocks
act on the current values; :meth:`CGEModel.reset` goes back to the benchmark.

This module is the one parser and validator of a shock: ``cge run`` scenarios, batch
files and reports all go through :meth:`Shock.parse` (the shock alone) and
:func:`check_shocks` (the shock on a built model and its closure).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import ConfigError, Problem, choose_from, unknown_keys

#: What a shock may do to a parameter.
OPERATIONS = ("set", "multiply", "add")


@dataclass(frozen=True)
class ShockParameter:
    """A parameter users may shock: the pinned variable that holds it, and its rules.

    Attributes
    ----------
    component : str
        Dotted path of the variable (``"trade.world_export_price"``).
    doc : str
        What the parameter is, and its index.
    quantity : bool
        In SAM units (divided by the scale in the model).
    positive : bool
        Must stay positive (prices, endowments, scalers, capital stocks): a zero or
        negative ``multiply`` factor, ``set`` value or ``add`` result is refused.
    closure : tuple of (closure key, option)
        The closures under which the shock acts (any one pair suffices); empty: every
        closure. Under another closure the parameter is endogenous, or the shock would
        only reshuffle a composition, so it is refused naming the closure to use.
    endogenous : str
        Why the parameter is endogenous at some index whatever the closure (e.g. a world
        price on a finite export demand curve).
    endogenous_fix : str
        What to do then.
    missing_fix : str
        What to do when the model has no such parameter.
    """

    component: str
    doc: str
    quantity: bool = False
    positive: bool = False
    closure: tuple[tuple[str, str], ...] = ()
    endogenous: str = ""
    endogenous_fix: str = "change the closure or shock another parameter"
    missing_fix: str = ""


#: Parameters a scenario may shock.
SHOCK_PARAMETERS: dict[str, ShockParameter] = {
    "import_tariff_rate": ShockParameter("trade.import_tariff_rate", "import tariff rate, by "
                                         "commodity"),
    "export_tax_rate": ShockParameter("trade.export_tax_rate", "export tax rate, by commodity "
                                      "(negative: an export VAT rebate)"),
    "import_tax_rate": ShockParameter("trade.import_tax_rate", "import VAT and consumption tax "
                                      "rate on the tariff-inclusive CIF value, by commodity"),
    "sales_tax_rate": ShockParameter("trade.sales_tax_rate", "sales tax rate, by commodity"),
    "production_tax_rate": ShockParameter("production.production_tax_rate", "production tax "
                                          "rate, by activity"),
    "world_export_price": ShockParameter(
        "trade.world_export_price", "world price of exports (foreign currency), by commodity",
        positive=True,
        endogenous="the world export price moves along the export demand curve where the "
                   "export_demand elasticity is finite",
        endogenous_fix="shock export_demand (a shift of the demand curve) instead, or drop "
                       "elasticities.export_demand"),
    "world_import_price": ShockParameter("trade.world_import_price", "world price of imports "
                                         "(foreign currency), by commodity", positive=True),
    "export_demand": ShockParameter(
        "trade.export_demand", "shift of the world export demand curve (finite export_demand "
        "elasticity), by commodity", positive=True,
        missing_fix="set elasticities.export_demand (e.g. 4, model standard) in the scenario: "
                    "the shift needs a finite export demand elasticity"),
    "export_volume": ShockParameter(
        "trade.export_tax_rate", "exports at an unchanged world price (SAM units; multiply: a "
        "share of current exports), by commodity: cge run solves for the export tax "
        "equivalent (and, on a finite demand curve, shifts export_demand by as much)"),
    "foreign_savings": ShockParameter("rest_of_world.foreign_savings", "foreign savings in "
                                      "foreign currency", quantity=True,
                                      closure=(("external", "flexible_exchange_rate"),)),
    "household_saving_rate": ShockParameter("households.saving_rate", "saving rate, by "
                                            "household"),
    "government_saving_rate": ShockParameter("government.saving_rate", "government saving as "
                                             "a share of revenue (stdcge)"),
    "government_savings": ShockParameter("government.real_savings", "real government saving, "
                                         "at base prices (tax_scaler)", quantity=True,
                                         closure=(("government", "tax_scaler"),)),
    "direct_tax_rate": ShockParameter("government.direct_tax_rate", "direct tax rate, by "
                                      "household or enterprise"),
    "household_transfers": ShockParameter("government.transfers", "real government transfers, "
                                          "by household or enterprise", quantity=True),
    "enterprise_payout_rate": ShockParameter("enterprises.payout_rate", "share of enterprise "
                                             "income paid to households, by 'HH,ENT'"),
    "factor_endowment": ShockParameter("markets.factor_endowment", "factor supply, by factor",
                                       quantity=True, positive=True),
    "productivity": ShockParameter("production.productivity", "value-added productivity, by "
                                   "activity", positive=True),
    "real_wage": ShockParameter("markets.real_wage", "real wage floor (fixed_real_wage)",
                                positive=True, closure=(("labour", "fixed_real_wage"),)),
    "nominal_wage": ShockParameter("markets.nominal_wage", "nominal wage anchor "
                                   "(fixed_nominal_wage)", positive=True,
                                   closure=(("labour", "fixed_nominal_wage"),)),
    "labour_real_wage": ShockParameter(
        "markets.labour_real_wage", "real wage floor of a labour type after the first, by "
        "labour factor (its fixed_real_wage in labour_by_factor)", positive=True),
    "labour_nominal_wage": ShockParameter(
        "markets.labour_nominal_wage", "nominal wage anchor of a labour type after the first, "
        "by labour factor (its fixed_nominal_wage in labour_by_factor)", positive=True),
    "migration_labour_pool": ShockParameter(
        "markets.migration_labour_pool", "labour force of the migrating rural and urban "
        "labour types together, by 'LAB_RUR,LAB_URB' (migration: harris_todaro)",
        quantity=True, positive=True, closure=(("migration", "harris_todaro"),)),
    "investment": ShockParameter("investment.composition", "real investment, by commodity "
                                 "(investment_driven, keynesian)", quantity=True,
                                 closure=(("savings_investment", "investment_driven"),
                                          ("savings_investment", "keynesian"))),
    "government_consumption": ShockParameter(
        "government.composition", "real government consumption, by commodity", quantity=True,
        closure=(("savings_investment", "savings_driven"),
                 ("savings_investment", "investment_driven"),
                 ("savings_investment", "keynesian"))),
    "capital_stock": ShockParameter("production.factor_demand", "capital employed by an "
                                    "activity, by 'CAP,A_SEC' (sector_specific)", quantity=True,
                                    positive=True, closure=(("capital", "sector_specific"),)),
    "exchange_rate": ShockParameter("markets.exchange_rate", "exchange rate "
                                    "(fixed_exchange_rate)", positive=True,
                                    closure=(("external", "fixed_exchange_rate"),
                                             ("numeraire", "exchange_rate"))),
}

#: Shock parameters that are not a new value of their component: ``cge run``
#: (:func:`cge.runs.apply_scenario_shocks`) solves for the values that produce them.
SOLVED_SHOCKS = ("export_volume",)

#: What a closure that ignores a shock does instead, by closure key (for the message).
_ENDOGENOUS_UNDER = {
    "savings_investment": "the total follows savings or absorption, so the shock would only "
                          "change its composition",
    "external": "it adjusts to balance the external account",
    "government": "government saving is the residual of revenue and spending",
    "labour": "the wage clears the labour market",
    "capital": "capital moves between activities",
    "numeraire": "another price is the numeraire",
    "migration": "each labour type's force is fixed",
}


#: Keys of a shock with a time path (a scenario with ``dynamics``): ``from`` a period on,
#: a linear ``ramp`` ``[first, full]``; an explicit path is a mapping ``{period: value}``
#: given as the operation's value.
TIME_KEYS = ("from", "ramp")


@dataclass(frozen=True)
class Shock:
    """One change to an exogenous parameter, optionally along a time path.

    ``start`` (key ``from``): the first period it applies in (default: the first);
    ``ramp``: (first, full) periods of a linear ramp from no change to the full shock;
    ``path``: explicit ``((period, value), ...)``, each value holding until the next;
    ``fraction``: the share of the change applied (a ramp's step; 1 otherwise).
    """

    parameter: str
    operation: str
    value: float
    index: str | None = None
    start: Any = None
    ramp: tuple | None = None
    path: tuple | None = None
    fraction: float = 1.0

    @property
    def timed(self) -> bool:
        """True when the shock has a time path."""
        return self.start is not None or self.ramp is not None or self.path is not None

    def at_period(self, position: int, labels) -> Shock | None:
        """The static shock of the period at ``position`` among ``labels`` (``None``: no
        shock then)."""
        if not self.timed:
            return self
        static = replace(self, start=None, ramp=None, path=None)
        if self.path is not None:
            where = period_positions(labels, [p for p, _ in self.path], "shock path")
            value = None
            for p, v in sorted(self.path, key=lambda pv: where[pv[0]]):
                if where[p] <= position:
                    value = v
            return None if value is None else replace(static, value=float(value))
        if self.ramp is not None:
            where = period_positions(labels, self.ramp, "shock ramp")
            first, full = where[self.ramp[0]], where[self.ramp[1]]
            if position < first:
                return None
            share = 1.0 if position >= full or full == first else \
                (position - first) / (full - first)
            return replace(static, fraction=share)
        first = period_positions(labels, [self.start], "shock from")[self.start]
        return static if position >= first else None

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | Shock, where: str = "shock",
              parameters: Mapping[str, ShockParameter] | None = SHOCK_PARAMETERS
              ) -> tuple[Shock | None, list[Problem]]:
        """The shock written as ``raw`` and every problem of it (``None`` when any).

        Parameters
        ----------
        raw : mapping or Shock
            ``{"parameter": ..., "index": ..., "set"|"multiply"|"add": ...}``.
        where : str
            The place, prefixed to every problem.
        parameters : mapping, optional
            The parameters allowed, whose rules (``positive``) the value must meet;
            ``None`` accepts any name (a batch runner with a model of its own).
        """
        if isinstance(raw, Shock):
            return raw, []
        if not isinstance(raw, Mapping):
            return None, [Problem("shock", where, f"a shock must be a mapping, not {raw!r}",
                                  "e.g. {parameter: import_tariff_rate, index: C_SEC, set: 0}")]
        allowed_keys = ("parameter", "index", *OPERATIONS, *TIME_KEYS)
        problems = unknown_keys(raw, allowed_keys, where)
        name = raw.get("parameter")
        if not isinstance(name, str) or not name:
            problems.append(Problem("missing_key", f"{where}.parameter",
                                    f"the parameter to shock is missing (got {name!r})",
                                    choose_from(name, parameters) if parameters is not None
                                    else "e.g. parameter: import_tariff_rate"))
        elif parameters is not None and name not in parameters:
            problems.append(Problem("unknown_parameter", f"{where}.parameter",
                                    f"unknown parameter {name!r}", choose_from(name, parameters)))
        ops = [k for k in OPERATIONS if k in raw]
        if len(ops) != 1:
            problems.append(Problem("operation", where,
                                    f"needs exactly one of {', '.join(OPERATIONS)} (got "
                                    f"{', '.join(ops) or 'none'})", "e.g. set: 0"))
            return None, problems
        op = ops[0]
        path = None
        if isinstance(raw[op], Mapping) and raw[op]:
            path = tuple((k, number(v)) for k, v in raw[op].items())
            bad = [f"{k}: {v!r}" for (k, _), v in zip(path, raw[op].values(), strict=True)
                   if number(v) is None]
            if bad:
                problems.append(Problem("not_a_number", f"{where}.{op}",
                                        f"{'; '.join(bad)} is not a finite number",
                                        "give {period: number, ...}"))
                return None, problems
            value = path[0][1]
            for _, v in path[1:]:
                if parameters is not None and name in parameters:
                    problems += value_problems(name, op, v, f"{where}.{op}", parameters[name])
        else:
            value = number(raw[op])
        timing = [k for k in (*TIME_KEYS, "path") if k in raw or (k == "path" and path)]
        if len(timing) > 1:
            problems.append(Problem("time_path", where, f"gives {' and '.join(timing)}",
                                    "give one of from, ramp or a {period: value} mapping"))
        ramp = raw.get("ramp")
        if ramp is not None and (not isinstance(ramp, (list, tuple)) or len(ramp) != 2):
            problems.append(Problem("time_path", f"{where}.ramp", f"{ramp!r} is not "
                                    "[first period, full period]", "e.g. ramp: [2020, 2025]"))
        if value is None:
            problems.append(Problem("not_a_number", f"{where}.{op}",
                                    f"{raw[op]!r} is not a finite number", "give a number"))
        elif parameters is not None and name in parameters:
            problems += value_problems(name, op, value, f"{where}.{op}", parameters[name])
        if problems:
            return None, problems
        index = raw.get("index")
        index = None if index is None or str(index).strip() == "" else str(index).strip()
        return cls(str(name), op, value, index, raw.get("from"),
                   tuple(ramp) if ramp is not None else None, path), []

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | Shock, where: str = "shock",
                     parameters: Mapping[str, ShockParameter] | None = SHOCK_PARAMETERS
                     ) -> Shock:
        """The shock written as ``raw``; a :class:`ConfigError` with every problem of it
        (see :meth:`parse`)."""
        shock, problems = cls.parse(raw, where, parameters)
        if problems:
            raise ConfigError(f"invalid {where}", problems)
        return shock

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"parameter": self.parameter}
        if self.index is not None:
            out["index"] = self.index
        out[self.operation] = dict(self.path) if self.path is not None else self.value
        if self.start is not None:
            out["from"] = self.start
        if self.ramp is not None:
            out["ramp"] = list(self.ramp)
        return out


def apply_shocks(model, shocks: Iterable[Mapping[str, Any] | Shock]) -> None:
    """Apply shocks to ``model`` in order; every problem is reported at once."""
    from .blocks._common import pin

    placed = [(f"shocks[{i}]", Shock.from_mapping(s, f"shocks[{i}]"))
              for i, s in enumerate(shocks)]
    problems, updates = _resolve(model, placed)
    problems += [Problem("solved_shock", f"{at} ({s.parameter})", f"{s.parameter} is reached "
                         "by solving the model, not set", "apply it with "
                         "cge.runs.apply_scenario_shocks (as cge run does)")
                 for at, s in placed if s.parameter in SOLVED_SHOCKS]
    if problems:
        raise ConfigError("invalid shocks", problems)
    index = getattr(model, "variable_index", None)
    if index is None:
        for v, x in updates:
            pin(v, x)
    elif updates:   # in order: a later shock of the same variable wins
        index.pin(index.positions(v for v, _ in updates), [x for _, x in updates])


def check_shocks(model, shocks: Iterable[Mapping[str, Any] | Shock | None],
                 where: str = "shocks") -> list[Problem]:
    """Every problem of ``shocks`` on ``model`` (names, labels, operations, values,
    closure), unapplied.

    Parameters
    ----------
    model : CGEModel
        The built model (it is not changed).
    shocks : iterable of mappings or Shock
        ``None`` entries (shocks already reported elsewhere) are skipped, keeping the
        positions of the others.
    where : str
        Prefix of the places named, e.g. ``"scenario.yaml: shocks"``.
    """
    problems: list[Problem] = []
    for i, raw in enumerate(shocks):
        if raw is None:
            continue
        at = f"{where}[{i}]"
        shock, found = Shock.parse(raw, at)
        problems += found
        if shock is None:
            continue
        expand = getattr(model, "_capital_stock_shocks", None)
        try:   # as the model applies it (sector-specific capital: per-activity stocks)
            expanded = expand([shock]) if expand is not None else [shock]
        except ConfigError as exc:
            problems += [Problem(p.kind, at + p.where.removeprefix("shocks[0]"), p.message,
                                 p.fix) for p in exc.problems]
            continue
        problems += _resolve(model, [(at, s) for s in expanded])[0]
    return problems


def period_positions(labels: Sequence, keys, where: str) -> dict:
    """Position of each period named in ``keys`` among ``labels`` (by label text)."""
    text = {str(label): i for i, label in enumerate(labels)}
    out, missing = {}, []
    for key in keys:
        if str(key) in text:
            out[key] = text[str(key)]
        else:
            missing.append(str(key))
    if missing:
        raise ConfigError(f"{where}: unknown period(s)", [Problem(
            "unknown_period", where, f"no period {', '.join(missing)}",
            f"periods are {labels[0]} .. {labels[-1]}")])
    return out


def number(value) -> float | None:
    """``value`` as a finite float, or ``None`` when it is not one."""
    if isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def value_problems(name: str, op: str, value: float, where: str,
                   spec: ShockParameter | None = None) -> list[Problem]:
    """The problems of ``op: value`` on parameter ``name`` known without the model.

    A parameter that must stay positive (:attr:`ShockParameter.positive`) refuses a zero
    or negative ``multiply`` factor or ``set`` value (an ``add`` is checked on the model,
    by :func:`check_shocks`).
    """
    spec = spec or SHOCK_PARAMETERS.get(name)
    if spec is None or not spec.positive or op == "add" or value > 0:
        return []
    what = "factor" if op == "multiply" else "value"
    return [Problem("not_positive", where,
                    f"{name} must stay positive: a {op} {what} of {value:g} makes it "
                    f"{'zero' if value == 0 else 'negative'}",
                    f"give a positive {what}, e.g. {op}: " + ("0.5" if op == "multiply" else
                                                              "the new level"))]


def _resolve(model, shocks: Iterable[tuple[str, Shock]]) -> tuple[list[Problem], list]:
    """Problems and ``(variable, new value)`` updates of ``(place, shock)`` on ``model``."""
    problems, updates = [], []
    for place, shock in shocks:
        at = f"{place} ({shock.parameter})"
        spec = SHOCK_PARAMETERS[shock.parameter]
        if not model.has_component(spec.component):
            problems.append(Problem("not_in_model", at,
                                    f"this {model.spec} model has no {shock.parameter}",
                                    spec.missing_fix or "the SAM has no such flow or the "
                                    "specification lacks it: shock another parameter"))
            continue
        ignored = _closure_problem(model, shock, spec, at)
        if ignored is not None:
            problems.append(ignored)
            continue
        var = model.component(spec.component)
        targets = _targets(model, shock, var, at, problems)
        if targets is None:
            continue
        scale = model.scale if spec.quantity else 1.0
        endogenous, negative = [], []
        for (key, v), exogenous in zip(targets, _pinned(model, [v for _, v in targets]),
                                       strict=True):
            if not exogenous:
                endogenous.append(_label(key))
                continue
            current = v.value * scale
            new = {"set": shock.value, "multiply": current * shock.value,
                   "add": current + shock.value}[shock.operation]
            if shock.fraction != 1.0:     # a step of a ramp: that share of the change
                new = current + shock.fraction * (new - current)
            if spec.positive and new <= 0:
                negative.append(f"{_label(key)}: {current:.6g} -> {new:.6g}")
                continue
            updates.append((v, new / scale))
        if endogenous:
            why = spec.endogenous or f"under the closure ({model.closure})"
            problems.append(Problem(
                "endogenous", at, f"{shock.parameter}[{', '.join(endogenous)}] is endogenous: "
                f"{why}", spec.endogenous_fix))
        if negative:
            problems.append(Problem(
                "not_positive", f"{at}.{shock.operation}",
                f"{shock.parameter} must stay positive ({'; '.join(negative)})",
                "give an operation that keeps it positive"))
    return problems, updates


def _pinned(model, variables: list) -> list[bool]:
    """Which of ``variables`` are exogenous (read through the model's variable index when
    it has one: a shock to every account checks hundreds)."""
    index = getattr(model, "variable_index", None)
    if index is None:
        from .blocks._common import is_pinned

        return [is_pinned(v) for v in variables]
    return index.pinned_at(index.positions(variables)).tolist()


def _closure_problem(model, shock: Shock, spec: ShockParameter, where: str) -> Problem | None:
    """A problem when the model's closure ignores ``shock`` (:attr:`ShockParameter.closure`)."""
    if not spec.closure:
        return None
    closure = model.closure

    def option_of(key: str) -> str:     # labour: the option of the main labour type
        if key == "labour" and model.data.sets.labour:
            return closure.labour_of(model.data.sets.labour)
        return getattr(closure, key)

    if any(option_of(key) == option for key, option in spec.closure):
        return None
    keys = list(dict.fromkeys(key for key, _ in spec.closure))
    now = ", ".join(f"{key}: {option_of(key)}" for key in keys)
    wanted = " or ".join(option if len(keys) == 1 else f"{key}: {option}"
                         for key, option in spec.closure)
    return Problem("closure", where,
                   f"{shock.parameter} is endogenous under {now} ({_ENDOGENOUS_UNDER[keys[0]]})",
                   f"use {wanted}")


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
    labels = [_label(k) for k in keys]
    parts = sorted({p for k in keys if isinstance(k, tuple) for p in k})
    problems.append(Problem("unknown_label", f"{where}.index",
                            f"{label!r} is not an index of {shock.parameter}",
                            choose_from(label, labels + [p for p in parts if p not in labels])
                            if parts else choose_from(label, labels)))
    return None


def _label(key) -> str:
    return ",".join(key) if isinstance(key, tuple) else str(key)


def shocks_at(shocks: Iterable[Mapping[str, Any] | Shock], position: int, labels) -> list[Shock]:
    """The static shocks of the period at ``position`` among the period ``labels``
    (time-path shocks resolved; those not active then left out)."""
    out = []
    for i, raw in enumerate(shocks):
        shock = Shock.from_mapping(raw, f"shocks[{i}]")
        now = shock.at_period(position, labels)
        if now is not None:
            out.append(now)
    return out
