"""Indicators along a path of periods (recursive dynamics).

Two kinds, both read off the flat variable vectors of a path (SAM units, one row per
period), with the one implementation of the indicators (:class:`cge.indicators.IndicatorPlan`):

* **by period**: the counterfactual of period :math:`t` against the business-as-usual
  point of the same period (:meth:`IndicatorPlan.rebased`): absorption ratios, sectoral
  imbalance, real GDP and consumption changes, EV(t) at period-:math:`t` base prices;
* **structure of each path**: levels of each path in its own right, base and
  counterfactual alike,

  .. math::

      \\text{output share}_{g,t} = \\frac{\\sum_{a \\in g} X_{a,t}}{\\sum_a X_{a,t}}, \\quad
      \\text{employment share}_{g,t} = \\frac{\\sum_{a \\in g,\\,l} L_{l,a,t}}
      {\\sum_{a,l} L_{l,a,t}}, \\quad
      \\text{consumption share}_t = \\frac{\\sum_{c,h} C_{c,h,t}}{GDP_t}

  with :math:`X` output volumes, :math:`L` labour employed (every labour type),
  :math:`C` household consumption and :math:`GDP` real GDP (expenditure side), all at
  benchmark prices; the growth of real GDP in percent; investment and net exports over
  GDP.

Sector groups (primary, secondary, tertiary) are a table from account label to group
(:data:`THREE_SECTOR_GROUPS`, or the caller's); an activity not in the table is its own
group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .indicators import IndicatorPlan, expenditure_gdp, indicator_dict

#: Sector groups of the activities of the China three-sector SAM.
THREE_SECTOR_GROUPS: dict[str, str] = {"A_PRI": "primary", "A_SEC": "secondary",
                                       "A_TER": "tertiary"}
#: The structural indicators of a path (keys of :meth:`PathPlan.structure`) and their
#: meaning; the report's notes and docs/dynamics.md name them.
STRUCTURE: dict[str, str] = {
    "gdp": "real GDP, expenditure side at benchmark prices (SAM units)",
    "gdp_growth": "growth of real GDP from the previous period, percent",
    "output_share": "share of the sector group in output volume (at benchmark prices)",
    "employment_share": "share of the sector group in labour employed (all labour types)",
    "consumption_share_of_gdp": "household consumption over real GDP, at benchmark prices",
    "investment_share_of_gdp": "investment demand over real GDP, at benchmark prices",
    "net_exports_share_of_gdp": "exports less imports over real GDP, at benchmark prices",
}


class PathPlan:
    """Where the structural indicators read the variable vector, and the indicator plan.

    Parameters
    ----------
    model : CGEModel
        The model a dynamic engine re-solves (its current closure).
    base : ndarray
        The benchmark vector in SAM units (what the indicator plan starts from).
    groups : mapping, optional
        Activity label -> sector group (default :data:`THREE_SECTOR_GROUPS`).
    """

    def __init__(self, model, base: np.ndarray, groups: Mapping[str, str] | None = None):
        layout = model.variable_index.layout
        self.plan = IndicatorPlan.for_model(model, base, facts=False)
        groups = dict(THREE_SECTOR_GROUPS if groups is None else groups)
        activities = [str(a) for a in layout.keys["production.output"]]
        self.groups = list(dict.fromkeys(groups.get(a, a) for a in activities))
        member = np.array([[groups.get(a, a) == g for a in activities] for g in self.groups],
                          dtype=float)
        start = layout.slices["production.output"].start
        self._output = (member, np.arange(start, start + len(activities)))
        labour = set(model.data.sets.labour_types)
        keys = layout.keys["production.factor_demand"]
        start = layout.slices["production.factor_demand"].start
        jobs = [(j, str(a)) for j, (f, a) in enumerate(keys) if f in labour]
        self._employment = (
            np.array([[groups.get(a, a) == g for _, a in jobs] for g in self.groups],
                     dtype=float),
            np.array([start + j for j, _ in jobs], dtype=np.intp))

    def structure(self, x: np.ndarray) -> dict[str, Any]:
        """The structural indicators of one period's vector ``x`` (SAM units):
        ``{indicator: value}`` or ``{indicator: {group: value}}`` (see :data:`STRUCTURE`,
        without ``gdp_growth``, a property of two periods)."""
        x = np.asarray(x, dtype=float)
        v = self.plan.volume_table(x)
        gdp = float(expenditure_gdp(v).sum())
        out: dict[str, Any] = {"gdp": gdp}
        for name, (member, at) in (("output_share", self._output),
                                   ("employment_share", self._employment)):
            totals = member @ x[at] if at.size else np.zeros(len(self.groups))
            whole = totals.sum()
            out[name] = {g: float(t / whole) if whole else None
                         for g, t in zip(self.groups, totals, strict=True)}
        out["consumption_share_of_gdp"] = float(v["household_consumption"].sum()) / gdp
        out["investment_share_of_gdp"] = float(v["investment_demand"].sum()) / gdp
        out["net_exports_share_of_gdp"] = float((v["exports"] - v["imports"]).sum()) / gdp
        return out

    def path_structure(self, levels: np.ndarray) -> dict[str, dict[str, list]]:
        """The structural indicators of a path (periods x variables, SAM units) as
        ``{indicator: {index: [one value per period]}}`` (index ``_`` for scalars)."""
        rows = [self.structure(x) for x in np.asarray(levels, dtype=float)]
        out: dict[str, dict[str, list]] = {}
        for name in rows[0]:
            if isinstance(rows[0][name], Mapping):
                out[name] = {g: [r[name][g] for r in rows] for g in rows[0][name]}
            else:
                out[name] = {"_": [r[name] for r in rows]}
        gdp = np.array(out["gdp"]["_"])
        out["gdp_growth"] = {"_": [None, *(100.0 * (gdp[1:] / gdp[:-1] - 1.0)).tolist()]}
        return out

    def by_period(self, base: np.ndarray, cf: np.ndarray) -> list[list[tuple]]:
        """Indicator rows ``(indicator, index, base, counterfactual, value)`` of each period:
        the counterfactual against the business-as-usual point of its own period."""
        return [self.plan.rebased(b).rows(c, decomposition=False)
                for b, c in zip(np.asarray(base, float), np.asarray(cf, float), strict=True)]


def path_indicators(plan: PathPlan, base: np.ndarray, cf: np.ndarray) -> dict[str, Any]:
    """The JSON sections of a dynamic run's indicators.

    Returns
    -------
    dict
        ``indicators_by_period`` (one :func:`cge.indicators.indicators` section per
        period, without the EV decomposition) and ``path_indicators``
        (``{indicator: {index: {"base": [...], "counterfactual": [...]}}}``, the
        :data:`STRUCTURE` of both paths).
    """
    by_period = [indicator_dict(rows) for rows in plan.by_period(base, cf)]
    structure = {"base": plan.path_structure(base), "counterfactual": plan.path_structure(cf)}
    levels = {name: {idx: {side: structure[side][name][idx] for side in structure}
                     for idx in entries}
              for name, entries in structure["base"].items()}
    return {"indicators_by_period": by_period, "path_indicators": levels}


def table_at(path_json: Mapping[str, Any], periods: Sequence, wanted: Sequence,
             side: str = "counterfactual") -> dict[str, dict]:
    """The structural indicators of ``wanted`` periods (labels) of a run JSON, flat:
    ``{"output_share[secondary]": {period: value}, ...}`` (for tables such as
    2018/2025/2030/2035)."""
    labels = [str(p) for p in periods]
    at = [labels.index(str(p)) for p in wanted]
    out: dict[str, dict] = {}
    for name, entries in (path_json.get("path_indicators") or {}).items():
        for idx, series in entries.items():
            key = name if idx == "_" else f"{name}[{idx}]"
            out[key] = {str(labels[i]): series[side][i] for i in at}
    return out
