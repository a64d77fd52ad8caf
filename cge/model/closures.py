"""Closures: which macro variables are exogenous.

A closure is a choice, per macro balance, of the variable that adjusts. In the
model every candidate is a variable; the closure *pins* some of them (lower bound
equal to upper bound) and frees the others, so the equations never change and a
shock is a new pinned value.

=====================  ==========================  ========================================
balance                option                      adjusts / held fixed
=====================  ==========================  ========================================
savings_investment     ``savings_driven``          investment follows savings
                       ``investment_driven``       real investment fixed; the saving rates
                                                   of households and enterprises adjust
                                                   (``options.saving_adjustment``: one
                                                   scaler, or the same points)
                       ``balanced``                investment and government consumption
                                                   keep their base shares of absorption
                                                   (IFPRI); saving rates adjust
                       ``keynesian``               real investment and saving rates fixed;
                                                   income (output, employment) clears
                                                   saving and investment; the numeraire is
                                                   released, a nominal anchor (fixed
                                                   nominal wage, fixed rental or exchange
                                                   rate) sets the price level
external               ``flexible_exchange_rate``  exchange rate adjusts; foreign savings
                                                   fixed in foreign currency
                       ``fixed_exchange_rate``     exchange rate fixed; foreign savings adjust
government             ``flexible_saving``         government saving is the residual
                       ``tax_scaler``              direct-tax rates scale to hold real
                                                   government saving (IFPRI GOV-2; shock
                                                   ``government_savings``)
labour                 ``full_employment``         the wage clears the labour market
                                                   (unemployment at its benchmark)
                       ``fixed_real_wage``         the real wage is fixed; unemployment adjusts
                       ``wage_curve``              the real wage falls with the unemployment
                                                   rate, w/P = w0 (u/u0)^epsilon
                                                   (elasticity ``wage_curve``, benchmark
                                                   rate ``options.benchmark_unemployment_rate``)
                       ``fixed_nominal_wage``      the nominal wage is fixed, indexed to the
                                                   CPI at ``options.wage_indexation`` (0..1);
                                                   unemployment adjusts
capital                ``mobile``                  one rental rate, capital moves
                       ``sector_specific``         capital fixed by activity; rentals differ;
                                                   ``factor_endowment`` shocks move the
                                                   stocks (``CAP``: all in proportion,
                                                   ``CAP,A_SEC``: one activity)
                       ``excess_capacity``         the rental rate is fixed; capital use
                                                   follows demand
numeraire              a factor label, ``cpi``     the price held at its base value
                       or ``exchange_rate``        (released under ``keynesian``)
labour_by_factor       ``{factor: option}``        one ``labour`` option per labour type
                                                   (SAMs with several labour factors);
                                                   ``labour`` is the shorthand for the rest
migration              ``none``                    each labour type's force is fixed
                       ``harris_todaro``           workers move between
                                                   ``migration_rural`` and
                                                   ``migration_urban`` until the rural wage
                                                   is the expected urban wage (up to a
                                                   calibrated wedge); their total is fixed
=====================  ==========================  ========================================

:func:`check_closure` checks a closure against a model's data, :func:`pin_closure`
applies it, and :func:`capital_stock_shocks` turns endowment shocks of
sector-specific capital into shocks of the per-activity stocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, Problem, choose_from, unknown_keys

if TYPE_CHECKING:
    from .build import CGEModel
    from .data import ModelData

#: Allowed options of each closure key (the numeraire also accepts a factor label).
CLOSURE_OPTIONS: dict[str, tuple[str, ...]] = {
    "savings_investment": ("savings_driven", "investment_driven", "balanced", "keynesian"),
    "external": ("flexible_exchange_rate", "fixed_exchange_rate"),
    "government": ("flexible_saving", "tax_scaler"),
    "labour": ("full_employment", "fixed_real_wage", "wage_curve", "fixed_nominal_wage"),
    "capital": ("mobile", "sector_specific", "excess_capacity"),
    "numeraire": ("cpi", "exchange_rate"),
    "migration": ("none", "harris_todaro"),
}
#: Closure keys for several labour types: a mapping labour factor -> ``labour`` option, and
#: the labour factors Harris-Todaro migration moves workers between (labels).
LABOUR_TYPE_KEYS = ("labour_by_factor", "migration_rural", "migration_urban")
#: Every closure key.
CLOSURE_KEYS = (*CLOSURE_OPTIONS, *LABOUR_TYPE_KEYS)


@dataclass(frozen=True)
class Closure:
    """A validated closure (see the module docstring for the options)."""

    savings_investment: str = "savings_driven"
    external: str = "flexible_exchange_rate"
    government: str = "flexible_saving"
    labour: str = "full_employment"
    capital: str = "mobile"
    numeraire: str = "cpi"
    migration: str = "none"
    labour_by_factor: tuple[tuple[str, str], ...] = field(default=())
    migration_rural: str = ""
    migration_urban: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.labour_by_factor, Mapping):
            object.__setattr__(self, "labour_by_factor", tuple(
                (str(k), str(v)) for k, v in self.labour_by_factor.items()))
        problems = []
        for factor, option in self.labour_by_factor:
            if option not in CLOSURE_OPTIONS["labour"]:
                problems.append(Problem("bad_closure", f"closure.labour_by_factor.{factor}",
                                        f"unknown option {option!r}",
                                        choose_from(option, CLOSURE_OPTIONS["labour"])))
        for key, allowed in CLOSURE_OPTIONS.items():
            value = getattr(self, key)
            if key == "numeraire":
                if not isinstance(value, str) or not value:
                    problems.append(Problem("bad_closure", "closure.numeraire",
                                            f"{value!r} is not a label",
                                            "give a factor label, 'cpi' or 'exchange_rate'"))
                continue
            if value not in allowed:
                problems.append(Problem("bad_closure", f"closure.{key}",
                                        f"unknown option {value!r}", choose_from(value, allowed)))
        if self.numeraire == "exchange_rate" and self.external == "fixed_exchange_rate":
            problems.append(Problem(
                "bad_closure", "closure.numeraire",
                "the exchange rate cannot be the numeraire when the external closure already "
                "fixes it", "use numeraire 'cpi' or a factor, or a flexible exchange rate"))
        if problems:
            raise ConfigError("invalid closure", problems)

    @classmethod
    def from_user(cls, value: Mapping[str, Any] | Closure | None,
                  defaults: Mapping[str, str] | None = None) -> Closure:
        """A closure from a mapping (missing keys take ``defaults``).

        Unknown keys and unknown options are errors, all reported at once.
        """
        if isinstance(value, Closure):
            return value
        value = dict(value or {})
        problems = unknown_keys(value, CLOSURE_KEYS, "closure", "closure key")
        by_factor = value.get("labour_by_factor") or {}
        if not isinstance(by_factor, Mapping):
            problems.append(Problem("bad_closure", "closure.labour_by_factor",
                                    f"{by_factor!r} is not a mapping",
                                    "give {labour factor: labour option}, e.g. "
                                    "{LAB_RUR: full_employment, LAB_URB: wage_curve}"))
            by_factor = {}
        merged = {**dict(defaults or {}), **{k: str(v) for k, v in value.items()
                                             if k in CLOSURE_KEYS and k != "labour_by_factor"}}
        merged["labour_by_factor"] = by_factor
        try:
            closure = cls(**merged)
        except ConfigError as exc:
            problems += exc.problems
        if problems:
            raise ConfigError("invalid closure", problems)
        return closure

    def to_dict(self) -> dict[str, Any]:
        """The closure as a plain mapping (as printed with every result); the keys for
        several labour types only where they are set."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["labour_by_factor"] = dict(self.labour_by_factor)
        for key, default in (("migration", "none"), ("labour_by_factor", {}),
                             ("migration_rural", ""), ("migration_urban", "")):
            if out[key] == default:
                del out[key]
        return out

    def labour_of(self, factor: str) -> str:
        """The ``labour`` option of one labour factor (``labour`` unless
        ``labour_by_factor`` names it)."""
        return dict(self.labour_by_factor).get(factor, self.labour)

    def labour_options(self, sets) -> dict[str, str]:
        """The ``labour`` option of every labour type of a model with sets ``sets``."""
        return {f: self.labour_of(f) for f in sets.labour_types}

    def migrants(self, sets) -> tuple[str, str] | None:
        """The labour types (rural, urban) Harris-Todaro migration moves workers between,
        or ``None`` without migration. Unnamed, the rural one is the labour type whose
        label speaks of rural, agricultural or farm work (``RUR``, ``AGR``, ``FARM``;
        in that order), the urban the other of two."""
        if self.migration == "none":
            return None
        types = list(sets.labour_types)
        rural = self.migration_rural or next(
            (f for w in ("RUR", "AGR", "FARM") for f in types if w in f.upper()), "")
        urban = self.migration_urban or (
            next(iter(set(types) - {rural})) if len(types) == 2 and rural in types else "")
        return rural, urban

    def __str__(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.to_dict().items())


def check_closure(cl: Closure, data: ModelData, spec: str) -> None:
    """Raise :class:`~cge.errors.ConfigError` listing every way ``cl`` does not fit a model
    of specification ``spec`` with block data ``data``."""
    sets = data.sets
    problems = _labour_type_problems(cl, data)
    allowed_numeraires = ["cpi", "exchange_rate", *sets.factors]
    if cl.numeraire not in allowed_numeraires:
        problems.append(Problem("bad_closure", "closure.numeraire",
                                f"unknown numeraire {cl.numeraire!r}",
                                choose_from(cl.numeraire, allowed_numeraires)))
    if data.investment.demand_rule == "value_shares" and cl.savings_investment != "savings_driven":
        problems.append(Problem(
            "bad_closure", "closure.savings_investment",
            f"{cl.savings_investment!r} needs real investment demand; the {spec} model "
            "spends fixed value shares of savings", "use savings_driven or model standard"))
    if data.government.demand == "budget_shares" and cl.government == "tax_scaler":
        problems.append(Problem(
            "bad_closure", "closure.government",
            f"the {spec} government spends fixed budget shares, so nothing is left for "
            "a tax scaler to target", "use flexible_saving or model standard"))
    if cl.labour != "full_employment" and not sets.labour:
        problems.append(Problem(
            "bad_closure", "closure.labour",
            f"{cl.labour} needs the labour factor, and no factor "
            f"({', '.join(sets.factors)}) is labour by its label (LAB..., ..._LAB) or its "
            "description",
            "declare it: write 'labour' in the description of the labour factor in the "
            "accounts table (sheet accounts or <sam>.accounts.csv); or use full_employment"))
    options = cl.labour_options(sets)
    curves = [f for f, o in options.items() if o == "wage_curve"]
    if curves and not data.markets.unemployment_rate > 0:
        problems.append(Problem(
            "bad_closure", "closure.labour" if cl.labour == "wage_curve" else
            f"closure.labour_by_factor.{curves[0]}",
            "wage_curve relates the real wage to the unemployment rate, and the benchmark has "
            "no unemployment", "set options.benchmark_unemployment_rate (e.g. 0.049)"))
    if options.get(cl.numeraire) == "fixed_nominal_wage":
        problems.append(Problem(
            "bad_closure", "closure.numeraire",
            f"the numeraire {cl.numeraire} already fixes the nominal wage",
            "use numeraire cpi (or exchange_rate) with fixed_nominal_wage"))
    if cl.savings_investment == "keynesian":
        problems += _keynesian_problems(cl, data)
    if cl.capital in ("sector_specific", "excess_capacity"):
        if not sets.capital:
            problems.append(Problem("bad_closure", "closure.capital", "no capital factor",
                                    "use mobile"))
        if cl.numeraire in sets.capital:
            why = ("a sector-specific factor has no single price to fix"
                   if cl.capital == "sector_specific" else
                   "excess capacity already fixes the rental rate")
            problems.append(Problem("bad_closure", "closure.numeraire", why,
                                    "choose labour, cpi or exchange_rate as numeraire"))
    if problems:
        raise ConfigError("the closure does not fit this model", problems)


def _labour_type_problems(cl: Closure, data: ModelData) -> list[Problem]:
    """Why ``labour_by_factor`` or ``migration`` do not fit the model's labour types."""
    types, problems = data.sets.labour_types, []
    for factor, _ in cl.labour_by_factor:
        if factor not in types:
            problems.append(Problem(
                "bad_closure", f"closure.labour_by_factor.{factor}",
                f"{factor!r} is not a labour factor of this SAM",
                choose_from(factor, types, "labour factors") if types else
                "no factor is labour; drop labour_by_factor"))
    pair = cl.migrants(data.sets)
    if pair is None:
        named = [k for k in ("migration_rural", "migration_urban") if getattr(cl, k)]
        if named:
            problems.append(Problem(
                "bad_closure", f"closure.{named[0]}",
                f"{' and '.join(named)} name migrants, and migration is none",
                "set migration: harris_todaro, or drop " + " and ".join(named)))
        return problems
    if len(types) < 2:
        return [*problems, Problem(
            "bad_closure", "closure.migration",
            f"harris_todaro moves workers between two labour types, and this SAM has "
            f"{len(types)} ({', '.join(types) or 'none'})",
            "use migration: none, or split labour into rural and urban accounts")]
    for key, factor in zip(("migration_rural", "migration_urban"), pair, strict=True):
        if factor not in types:
            problems.append(Problem(
                "bad_closure", f"closure.{key}",
                f"{factor!r} is not a labour factor" if factor else "no labour type named",
                choose_from(factor, types, "labour factors")))
    rural, urban = pair
    if rural == urban and rural:
        problems.append(Problem("bad_closure", "closure.migration_urban",
                                "the rural and the urban labour type are the same",
                                f"name two different labour factors of {', '.join(types)}"))
    elif rural in types and cl.labour_of(rural) != "full_employment":
        problems.append(Problem(
            "bad_closure", "closure.labour_by_factor",
            f"under harris_todaro the rural wage clears the rural labour market, and "
            f"{rural} has {cl.labour_of(rural)}",
            f"set labour_by_factor: {{{rural}: full_employment}}"))
    return problems


def nominal_anchor(cl: Closure, data: ModelData) -> str | None:
    """The pinned nominal price that sets the price level under the keynesian closure
    (the numeraire is released then), or ``None``."""
    if ("fixed_nominal_wage" in cl.labour_options(data.sets).values()
            and data.markets.wage_indexation < 1):
        return "the nominal wage (fixed_nominal_wage)"
    if cl.capital == "excess_capacity":
        return "the rental rate (excess_capacity)"
    if cl.external == "fixed_exchange_rate":
        return "the exchange rate (fixed_exchange_rate)"
    return None


def _keynesian_problems(cl: Closure, data: ModelData) -> list[Problem]:
    """Why ``keynesian`` does not fit the other closures: it needs slack (a factor whose
    use follows demand) and a nominal anchor (a pinned nominal price, so that the price
    level is free to move the real wage or the real rental)."""
    problems = []
    if data.investment.demand_rule == "value_shares":
        return problems     # refused with the other non-savings-driven closures
    slack = (any(o != "full_employment" for o in cl.labour_options(data.sets).values())
             or cl.capital == "excess_capacity")
    if not slack:
        problems.append(Problem(
            "bad_closure", "closure.savings_investment",
            f"keynesian lets income clear saving and investment, and with labour: "
            f"{cl.labour} and capital: {cl.capital} output is fixed by the factor supplies, "
            "so nothing can move", "add slack: labour: fixed_nominal_wage (or fixed_real_wage "
            "or wage_curve with capital: excess_capacity), or capital: excess_capacity; or "
            "use investment_driven"))
    elif nominal_anchor(cl, data) is None:
        problems.append(Problem(
            "bad_closure", "closure.savings_investment",
            f"keynesian frees the price level, and labour: {cl.labour} with capital: "
            f"{cl.capital} and a flexible exchange rate hold only real prices, so the price "
            "level is indeterminate (a real rigidity alone cannot make demand move output)",
            "add a nominal anchor: labour: fixed_nominal_wage (indexation below 1), "
            "capital: excess_capacity or external: fixed_exchange_rate; or use "
            "investment_driven"))
    return problems


def pin_closure(model: CGEModel, cl: Closure) -> None:
    """Pin the variables ``cl`` makes exogenous and free the others, in ``model``.

    A variable the closure makes exogenous is pinned at its benchmark level (not at
    the level of the last counterfactual); one that stays exogenous keeps its value.
    """
    import numpy as np

    from .blocks._common import free, is_pinned, pin

    m, data = model.pyomo, model.data
    sets = data.sets
    index = model.variable_index
    benchmark = np.concatenate([model.benchmark_levels[p] for p in index.layout.paths])

    def setpin(v, pinned: bool):
        if not pinned:
            free(v)
        elif not is_pinned(v):
            pin(v, benchmark[index.positions([v])[0]])

    mk = m.markets
    # under keynesian the numeraire is released: a pinned nominal price anchors the level
    numeraire = None if cl.savings_investment == "keynesian" else cl.numeraire
    setpin(mk.exchange_rate, cl.external == "fixed_exchange_rate"
           or numeraire == "exchange_rate")
    setpin(m.rest_of_world.foreign_savings, cl.external == "flexible_exchange_rate")
    setpin(mk.cpi, numeraire == "cpi")
    specific = set(sets.capital) if cl.capital == "sector_specific" else set()
    idle = set(sets.capital) if cl.capital == "excess_capacity" else set()
    labour = cl.labour_options(sets)
    migrants = set(cl.migrants(sets) or ())
    for f in sets.factors:
        setpin(mk.factor_price[f], numeraire == f or f in specific or f in idle)
        setpin(mk.factor_endowment[f], f not in specific and f not in idle and f not in migrants)
        setpin(mk.unemployment[f], labour.get(f, "full_employment") == "full_employment")
    for f, a in data.production.employment:
        setpin(m.production.factor_demand[f, a], f in specific)
        setpin(m.production.factor_price_distortion[f, a], f not in specific)
    if sets.labour:
        main = labour[sets.labour]
        setpin(mk.real_wage, main == "fixed_real_wage")
        setpin(mk.nominal_wage, main == "fixed_nominal_wage")
        if data.markets.unemployment_rate > 0:
            setpin(mk.wage_curve_shift, main == "wage_curve")
    for lt in sets.other_labour:
        setpin(mk.labour_real_wage[lt], labour[lt] == "fixed_real_wage")
        setpin(mk.labour_nominal_wage[lt], labour[lt] == "fixed_nominal_wage")
        if data.markets.unemployment_rate > 0:
            setpin(mk.labour_wage_curve_shift[lt], labour[lt] == "wage_curve")
    if len(sets.labour_types) > 1:
        pair = cl.migrants(sets)
        for key in mk.migration_wedge:
            setpin(mk.migration_wedge[key], key == pair)
            setpin(mk.migration_labour_pool[key], key == pair)
    gov = m.government
    balanced = cl.savings_investment == "balanced"
    setpin(gov.tax_scaler, cl.government != "tax_scaler")
    setpin(gov.saving_rate, data.government.demand == "budget_shares")
    setpin(gov.real_savings, cl.government == "tax_scaler")
    rates_adjust = cl.savings_investment in ("investment_driven", "balanced")
    by_points = model.options.saving_adjustment == "points"
    setpin(m.households.saving_rate_scaler, not (rates_adjust and not by_points))
    setpin(m.households.saving_rate_change, not (rates_adjust and by_points))
    if data.government.demand == "fixed_real":
        setpin(gov.scaler, not balanced)
        setpin(gov.share_of_absorption, balanced)
    if data.investment.demand_rule == "fixed_composition":
        inv = m.investment
        setpin(inv.scaler, cl.savings_investment in ("investment_driven", "keynesian"))
        setpin(inv.share_of_absorption, balanced)


def capital_stock_shocks(model: CGEModel, shocks: Iterable[Mapping[str, Any] | Any]) -> list:
    """Endowment shocks of sector-specific capital, as shocks of the per-activity stocks.

    Under ``capital: sector_specific`` a factor's endowment is the sum of the
    capital stocks pinned in each activity. ``factor_endowment`` with index
    ``"CAP"`` scales every activity's stock in proportion (``set`` and ``add``
    aim at the total); index ``"CAP,A_SEC"`` changes one activity's stock.
    """
    from .shocks import Shock

    parsed = [Shock.from_mapping(s, f"shocks[{i}]") for i, s in enumerate(shocks)]
    if all(shock.parameter != "factor_endowment" for shock in parsed):
        # nothing to expand: the block data (recomputed after new elasticities) is not needed
        return parsed
    sets = model.data.sets
    specific = sets.capital if model.closure.capital == "sector_specific" else []
    out: list[Shock] = []
    for i, shock in enumerate(parsed):
        if shock.parameter != "factor_endowment":
            out.append(shock)
            continue
        factor, _, activity = (shock.index or "").partition(",")
        if activity and factor.strip() not in specific:
            raise ConfigError(f"invalid shocks[{i}] (factor_endowment)", [Problem(
                "not_sector_specific", f"shocks[{i}].index",
                f"{shock.index!r}: an endowment by activity needs sector-specific capital "
                f"(closure capital: {model.closure.capital})",
                "shock the factor as a whole (index 'CAP') or use capital: sector_specific")])
        factors = [factor.strip()] if shock.index else list(sets.factors)
        if not set(factors) & set(specific):
            out.append(shock)
            continue
        for f in factors:
            if f not in specific:
                out.append(replace(shock, index=f))
            elif activity:
                out.append(replace(shock, parameter="capital_stock"))
            else:
                out.append(replace(shock, parameter="capital_stock", operation="multiply",
                                   value=_endowment_ratio(model, f, shock), index=f,
                                   fraction=1.0))
    return out


def _endowment_ratio(model: CGEModel, factor: str, shock) -> float:
    """The factor by which ``shock`` multiplies the current total endowment of ``factor``."""
    stocks = model.pyomo.production.factor_demand
    total = sum(stocks[factor, a].value
                for a in model.data.production.employers_of[factor]) * model.scale
    new = {"set": shock.value, "multiply": total * shock.value,
           "add": total + shock.value}[shock.operation]
    new = total + getattr(shock, "fraction", 1.0) * (new - total)   # a ramp's step
    return new / total
