"""Closures: which macro variables are exogenous.

A closure is a choice, per macro balance, of the variable that adjusts. In the
model every candidate is a variable; the closure *pins* some of them (lower bound
equal to upper bound) and frees the others, so the equations never change and a
shock is a new pinned value.

=====================  ==========================  ========================================
balance                option                      adjusts / held fixed
=====================  ==========================  ========================================
savings_investment     ``savings_driven``          investment follows savings
                       ``investment_driven``       real investment fixed; household saving
                                                   rates scale
                       ``balanced``                investment and government consumption
                                                   keep their base shares of absorption
                                                   (IFPRI); saving rates scale
external               ``flexible_exchange_rate``  exchange rate adjusts; foreign savings
                                                   fixed in foreign currency
                       ``fixed_exchange_rate``     exchange rate fixed; foreign savings adjust
government             ``flexible_saving``         government saving is the residual
                       ``tax_scaler``              direct-tax rates scale to hold real
                                                   government saving (IFPRI GOV-2; shock
                                                   ``government_savings``)
labour                 ``full_employment``         the wage clears the labour market
                       ``fixed_real_wage``         the real wage is fixed; unemployment adjusts
capital                ``mobile``                  one rental rate, capital moves
                       ``sector_specific``         capital fixed by activity; rentals differ;
                                                   ``factor_endowment`` shocks move the
                                                   stocks (``CAP``: all in proportion,
                                                   ``CAP,A_SEC``: one activity)
numeraire              a factor label, ``cpi``     the price held at its base value
                       or ``exchange_rate``
=====================  ==========================  ========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ConfigError, Problem, choose_from, unknown_keys

#: Allowed options of each closure key (the numeraire also accepts a factor label).
CLOSURE_OPTIONS: dict[str, tuple[str, ...]] = {
    "savings_investment": ("savings_driven", "investment_driven", "balanced"),
    "external": ("flexible_exchange_rate", "fixed_exchange_rate"),
    "government": ("flexible_saving", "tax_scaler"),
    "labour": ("full_employment", "fixed_real_wage"),
    "capital": ("mobile", "sector_specific"),
    "numeraire": ("cpi", "exchange_rate"),
}


@dataclass(frozen=True)
class Closure:
    """A validated closure (see the module docstring for the options)."""

    savings_investment: str = "savings_driven"
    external: str = "flexible_exchange_rate"
    government: str = "flexible_saving"
    labour: str = "full_employment"
    capital: str = "mobile"
    numeraire: str = "cpi"

    def __post_init__(self) -> None:
        problems = []
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
        problems = unknown_keys(value, CLOSURE_OPTIONS, "closure", "closure key")
        merged = {**dict(defaults or {}), **{k: str(v) for k, v in value.items()
                                             if k in CLOSURE_OPTIONS}}
        try:
            closure = cls(**merged)
        except ConfigError as exc:
            problems += exc.problems
        if problems:
            raise ConfigError("invalid closure", problems)
        return closure

    def to_dict(self) -> dict[str, str]:
        """The closure as a plain mapping (as printed with every result)."""
        return asdict(self)

    def __str__(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.to_dict().items())
