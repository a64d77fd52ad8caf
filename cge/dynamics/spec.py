"""The ``dynamics:`` block of a scenario and its time paths.

A *time path* gives one number per period, written as

* a scalar: the same number every period;
* a list: one number per period (the last repeats when the list is short);
* a mapping ``{period: value}``: each value holds from its period until the next
  one given; before the first, the ``default`` (for growth rates: the scalar given
  elsewhere, else zero).

Periods are named by their label: an index ``0, 1, ...`` with ``periods: n``, or a
year with ``years: [2018, ..., 2035]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConfigError, Problem, choose_from, unknown_keys
from ..model.shocks import period_positions

#: Keys of the ``dynamics:`` block and what they mean.
DYNAMICS_KEYS: dict[str, str] = {
    "periods": "number of periods (labels 0, 1, ...); or give years",
    "years": "list of period labels (years), one per period",
    "labour_growth": "growth rate of the labour force per period (scalar or path)",
    "depreciation": "depreciation rate of capital per period",
    "interest_rate": "rate of return on capital: capital stocks K = rental / rate; "
                     "discounts welfare",
    "investment_allocation": "profitability (by rental rate, elasticity below) or "
                             "proportional (to capital use)",
    "investment_allocation_elasticity": "elasticity zeta of the allocation of investment "
                                        "to the rental rate (profitability rule)",
    "productivity": "productivity growth per period by activity ({activity: path}; key "
                    "'all' for every activity)",
    "exogenous": "growth per period of exogenous quantities ({parameter: path}): "
                 "government_consumption, foreign_savings, household_transfers, investment; "
                 "default: the labour growth",
    "baseline": "business as usual: balanced_growth (analytic, dyncge), solved (the "
                "period loop without shocks) or auto (balanced_growth when the paths allow)",
    "gdp_growth": "target growth of real GDP per period (path, or {first: r0, last: rT} "
                  "for a straight line): business as usual calibrated to it by productivity "
                  "common to every activity (cge.baseline)",
    "base_closure": "closure of business as usual, as changes to the scenario's closure "
                    "(e.g. {savings_investment: savings_driven}); the counterfactual holds "
                    "what only its own closure fixes at business-as-usual levels of the same "
                    "period",
}
INVESTMENT_ALLOCATIONS = ("profitability", "proportional")
BASELINES = ("auto", "balanced_growth", "solved")
#: Exogenous quantities that grow along the path, by shock parameter.
GROWING_PARAMETERS = ("government_consumption", "foreign_savings", "household_transfers",
                      "investment")


@dataclass(frozen=True)
class TimePath:
    """One number per period: scalar, list or ``{period: value}`` (see module doc)."""

    raw: Any

    @staticmethod
    def problems(raw: Any, where: str) -> list[Problem]:
        """Every problem of a path written as ``raw``."""
        fix = "give a number, a list of numbers (one per period) or {period: number}"
        if isinstance(raw, bool):
            return [Problem("bad_value", where, f"{raw!r} is not a number", fix)]
        if isinstance(raw, (int, float)):
            return [] if np.isfinite(raw) else [Problem("bad_value", where, "not finite", fix)]
        values = raw.values() if isinstance(raw, Mapping) else raw
        if isinstance(raw, (Mapping, list, tuple)) and len(raw) > 0:
            bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, float))
                   or not np.isfinite(v)]
            return [Problem("bad_value", where, f"{bad[0]!r} is not a number", fix)] if bad \
                else []
        return [Problem("bad_value", where, f"{raw!r} is not a path", fix)]

    def values(self, labels: Sequence, default: float = 0.0, where: str = "path") -> np.ndarray:
        """The number of every period (``labels``: the period labels)."""
        n, raw = len(labels), self.raw
        if isinstance(raw, (int, float)):
            return np.full(n, float(raw))
        if isinstance(raw, (list, tuple)):
            out = np.array([float(v) for v in raw[:n]], dtype=float)
            return np.concatenate([out, np.full(n - out.size, out[-1])]) if out.size < n \
                else out
        position = period_positions(labels, raw.keys(), where)
        out = np.full(n, float(default))
        for key, value in sorted(raw.items(), key=lambda kv: position[kv[0]]):
            out[position[key]:] = float(value)
        return out


@dataclass(frozen=True)
class Dynamics:
    """A validated ``dynamics:`` block (see :data:`DYNAMICS_KEYS`).

    ``labels`` names the periods; paths resolve to arrays with :meth:`path`.
    """

    labels: tuple = ()
    labour_growth: Any = 0.02
    depreciation: float = 0.04
    interest_rate: float = 0.05
    investment_allocation: str = "profitability"
    investment_allocation_elasticity: float = 1.0
    productivity: Mapping[str, Any] = field(default_factory=dict)
    exogenous: Mapping[str, Any] = field(default_factory=dict)
    baseline: str = "auto"
    gdp_growth: Any = None
    base_closure: Mapping[str, Any] = field(default_factory=dict)

    @property
    def periods(self) -> int:
        return len(self.labels)

    @property
    def allocation_elasticity(self) -> float:
        """zeta of the investment allocation (0 under the proportional rule)."""
        return 0.0 if self.investment_allocation == "proportional" \
            else float(self.investment_allocation_elasticity)

    def path(self, raw: Any, default: float = 0.0, where: str = "dynamics") -> np.ndarray:
        """``raw`` (scalar, list or mapping) as one number per period."""
        return TimePath(raw).values(self.labels, default, where)

    @property
    def gdp_growth_path(self) -> np.ndarray | None:
        """Target growth of real GDP per period (``None`` without a target): a path, or
        ``{first, last}``, a straight line from the first period's rate to the last's."""
        raw = self.gdp_growth
        if raw is None:
            return None
        if isinstance(raw, Mapping) and set(raw) == {"first", "last"}:
            return np.linspace(float(raw["first"]), float(raw["last"]), self.periods)
        return self.path(raw, 0.0, "dynamics.gdp_growth")

    @property
    def labour_growth_path(self) -> np.ndarray:
        return self.path(self.labour_growth, 0.0, "dynamics.labour_growth")

    def exogenous_growth(self, parameter: str) -> np.ndarray:
        """Growth per period of an exogenous quantity (default: the labour growth)."""
        if parameter in self.exogenous:
            return self.path(self.exogenous[parameter], 0.0, f"dynamics.exogenous.{parameter}")
        return self.labour_growth_path

    @property
    def balanced(self) -> bool:
        """True when business as usual is a balanced-growth path: constant labour growth,
        every exogenous quantity growing with it, no productivity growth."""
        g = self.labour_growth_path
        if not np.allclose(g, g[0], rtol=0, atol=0):
            return False
        if any(np.any(self.path(v) != 0) for v in self.productivity.values()):
            return False
        if self.gdp_growth is not None:     # productivity calibrated to a GDP path
            return False
        return all(np.array_equal(self.exogenous_growth(p), g) for p in self.exogenous)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | Dynamics, where: str = "dynamics") -> Dynamics:
        """Validate a ``dynamics:`` block whole; :class:`ConfigError` names every key."""
        if isinstance(raw, Dynamics):
            return raw
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: must be a mapping", [Problem(
                "bad_value", where, f"{raw!r} is not a mapping",
                "e.g. {periods: 31, depreciation: 0.04, interest_rate: 0.05}")])
        problems = unknown_keys(raw, tuple(DYNAMICS_KEYS), where)
        labels: tuple = ()
        if ("periods" in raw) == ("years" in raw):
            problems.append(Problem("missing_key", f"{where}.periods",
                                    "give exactly one of periods and years",
                                    "periods: 31, or years: [2018, 2019, ...]"))
        elif "periods" in raw:
            n = raw["periods"]
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                problems.append(Problem("bad_value", f"{where}.periods",
                                        f"{n!r} is not a positive whole number", "e.g. 31"))
            else:
                labels = tuple(range(n))
        else:
            years = raw["years"]
            if not isinstance(years, (list, tuple)) or not years or any(
                    isinstance(y, bool) or not isinstance(y, (int, str)) for y in years) \
                    or len(set(map(str, years))) != len(years):
                problems.append(Problem("bad_value", f"{where}.years", f"{years!r} is not a "
                                        "list of distinct labels", "e.g. [2018, 2019, 2020]"))
            else:
                labels = tuple(years)
        numbers = {"depreciation": (0.0, 1.0), "interest_rate": (1e-12, None),
                   "investment_allocation_elasticity": (None, None)}
        for key, (lo, hi) in numbers.items():
            if key in raw:
                v = raw[key]
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) \
                        or (lo is not None and v < lo) or (hi is not None and v > hi):
                    rng = f"in [{lo}, {hi}]" if hi is not None else (
                        "positive" if lo is not None else "a number")
                    problems.append(Problem("bad_value", f"{where}.{key}",
                                            f"{v!r} is not {rng}", f"give a number {rng}"))
        for key, allowed in (("investment_allocation", INVESTMENT_ALLOCATIONS),
                             ("baseline", BASELINES)):
            if key in raw and raw[key] not in allowed:
                problems.append(Problem("bad_value", f"{where}.{key}",
                                        f"unknown option {raw[key]!r}",
                                        choose_from(raw[key], allowed)))
        if "labour_growth" in raw:
            problems += TimePath.problems(raw["labour_growth"], f"{where}.labour_growth")
        if raw.get("gdp_growth") is not None:
            problems += _gdp_growth_problems(raw["gdp_growth"], f"{where}.gdp_growth")
        if raw.get("base_closure") is not None:
            problems += _base_closure_problems(raw["base_closure"], f"{where}.base_closure")
        for key in ("productivity", "exogenous"):
            block = raw.get(key, {})
            if not isinstance(block, Mapping):
                problems.append(Problem("bad_value", f"{where}.{key}", "must be a mapping",
                                        "e.g. {A_SEC: 0.02}" if key == "productivity"
                                        else "e.g. {government_consumption: 0.03}"))
                continue
            for name, path in block.items():
                problems += TimePath.problems(path, f"{where}.{key}.{name}")
            if key == "exogenous":
                problems += [Problem("unknown_parameter", f"{where}.exogenous.{name}",
                                     f"{name!r} is not an exogenous quantity that grows",
                                     choose_from(name, GROWING_PARAMETERS))
                             for name in block if name not in GROWING_PARAMETERS]
        if problems:
            raise ConfigError(f"{where}: invalid dynamics", problems)
        out = cls(labels=labels, **{k: raw[k] for k in (
            "labour_growth", "depreciation", "interest_rate", "investment_allocation",
            "investment_allocation_elasticity", "baseline", "gdp_growth") if k in raw},
            productivity=dict(raw.get("productivity") or {}),
            exogenous=dict(raw.get("exogenous") or {}),
            base_closure=dict(raw.get("base_closure") or {}))
        found = []
        for key, path in (("labour_growth", out.labour_growth),
                          *((f"productivity.{a}", p) for a, p in out.productivity.items()),
                          *((f"exogenous.{a}", p) for a, p in out.exogenous.items())):
            try:
                out.path(path, 0.0, f"{where}.{key}")
            except ConfigError as exc:
                found += exc.problems
        if out.baseline == "balanced_growth" and not out.balanced:
            found.append(Problem("bad_value", f"{where}.baseline",
                                 "balanced_growth needs constant labour growth, exogenous "
                                 "quantities growing with it and no productivity growth",
                                 "use baseline: solved (or auto)"))
        if found:
            raise ConfigError(f"{where}: invalid dynamics", found)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"periods": len(self.labels), "labels": list(self.labels),
                "labour_growth": self.labour_growth, "depreciation": self.depreciation,
                "interest_rate": self.interest_rate,
                "investment_allocation": self.investment_allocation,
                "investment_allocation_elasticity": self.investment_allocation_elasticity,
                "productivity": dict(self.productivity), "exogenous": dict(self.exogenous),
                "baseline": self.baseline, "gdp_growth": self.gdp_growth,
                "base_closure": dict(self.base_closure)}


def _base_closure_problems(raw: Any, where: str) -> list[Problem]:
    """Problems of a ``base_closure`` entry: closure keys and their options."""
    from ..model.closures import Closure

    if not isinstance(raw, Mapping):
        return [Problem("bad_value", where, f"{raw!r} is not a mapping",
                        "e.g. {savings_investment: savings_driven}")]
    try:
        Closure.from_user(raw)
    except ConfigError as exc:
        return [Problem(p.kind, where + p.where.removeprefix("closure"), p.message, p.fix)
                for p in exc.problems]
    return []


def _gdp_growth_problems(raw: Any, where: str) -> list[Problem]:
    """Problems of a ``gdp_growth`` entry: a time path, or ``{first, last}``."""
    if isinstance(raw, Mapping) and set(raw) & {"first", "last"}:
        fix = "give {first: 0.067, last: 0.04} (a straight line), or a path"
        bad = [k for k in ("first", "last") if isinstance(raw.get(k), bool)
               or not isinstance(raw.get(k), (int, float))]
        return ([Problem("bad_value", f"{where}.{k}", "missing or not a number", fix)
                 for k in bad]
                + [Problem("unknown_key", f"{where}.{k}", "neither first nor last", fix)
                   for k in sorted(set(raw) - {"first", "last"}, key=str)])
    return TimePath.problems(raw, where)
