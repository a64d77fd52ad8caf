"""Subtotals: the contribution of each shock of a scenario to every result, adding up.

For a scenario with several shocks (a policy package) :func:`subtotals` splits the change
of every variable, and of the equivalent variation and real GDP, into one part per shock,
in the spirit of GEMPACK's subtotals (Harrison, Horridge and Pearson 2000): every shocked
parameter moves from its benchmark value to its counterfactual value along a straight
path in ``steps`` equal steps; within a step each shock moves in turn by its increment
and the model is solved, and the change of every variable over that solve is credited
to that shock. The order alternates between steps (forward, then backward), which
cancels the first-order bias of going first. The contributions add up to the total
change exactly (the solves telescope from the benchmark to the counterfactual), and
they converge to the path integral of GEMPACK as ``steps`` grows (the order effect is
:math:`O(1/\\text{steps}^2)` with alternating order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Number of steps along the path from the benchmark to the counterfactual.
SUBTOTAL_STEPS = 8


@dataclass(frozen=True)
class Subtotals:
    """The contribution of each shock to every result of a run.

    Attributes
    ----------
    shocks : list of str
        One label per shock (``parameter[index]``), in the scenario's order.
    variables : DataFrame
        Indexed by (``variable``, ``index``) as :func:`cge.results.compare`, one column
        per shock: its contribution to the change of the variable (SAM units); the
        columns add up to the total change.
    indicators : DataFrame
        ``equivalent_variation`` and ``real_gdp_change`` (GDP at base prices, SAM units)
        by shock (:meth:`cge.indicators.IndicatorPlan.linear_changes`).
    steps : int
        The steps of the path.
    """

    shocks: list[str]
    variables: pd.DataFrame
    indicators: pd.DataFrame
    steps: int

    def to_json_dict(self) -> dict[str, Any]:
        """``{"steps", "shocks", "indicators": {name: {shock: x}}, "results":
        {variable: {index: {shock: x}}}}``."""
        results: dict[str, Any] = {}
        for (variable, index), row in self.variables.iterrows():
            results.setdefault(variable, {})[index] = {k: float(v) for k, v in row.items()}
        return {"steps": self.steps, "shocks": list(self.shocks),
                "indicators": {name: {k: float(v) for k, v in row.items()}
                               for name, row in self.indicators.iterrows()},
                "results": results}


def subtotals(model, shocks: Iterable[Mapping[str, Any]], solver: str = "persistent",
              steps: int = SUBTOTAL_STEPS) -> Subtotals:
    """Solve a model from its benchmark to the counterfactual of ``shocks`` in steps,
    crediting each solve's changes to the shock that moved.

    The model must be at its benchmark under the scenario's closure (as after
    :func:`cge.runs.use_model`); it is left at the counterfactual.

    Raises
    ------
    ConfigError
        When a shock is invalid, or is one of :data:`cge.model.shocks.SOLVED_SHOCKS`.
    """
    from .errors import ConfigError, Problem
    from .flows import RESULT_PATHS
    from .indicators import IndicatorPlan
    from .model.blocks._common import pin
    from .model.shocks import SOLVED_SHOCKS, Shock, _resolve
    from .model.solution import index_key

    parsed = [Shock.from_mapping(s, f"shocks[{i}]") for i, s in enumerate(shocks)]
    solved = [s.parameter for s in parsed if s.parameter in SOLVED_SHOCKS]
    if solved:
        raise ConfigError("subtotals need shocks that set a parameter", [Problem(
            "solved_shock", "shocks", f"{', '.join(solved)} is solved for, not set",
            "give its equivalent as a plain shock (e.g. export_tax_rate)")])
    index = model.variable_index
    base_vector = index.values() * index.to_sam_units
    # each shock's path: (variable, start, end) from the benchmark through the shocks before it
    paths: list[list[tuple[Any, float, float]]] = []
    current: dict[int, float] = {}
    for i, shock in enumerate(parsed):
        problems, updates = _resolve(model, [(f"shocks[{i}]", s)
                                             for s in model._capital_stock_shocks([shock])])
        if problems:
            raise ConfigError("invalid shocks", problems)
        moves = []
        for v, new in updates:
            start = current.get(id(v), v.value)
            moves.append((v, start, new))
            current[id(v)] = new
            pin(v, new)          # the next shock acts on this one's value (as apply_shocks)
        paths.append(moves)
    for moves in reversed(paths):    # back to the benchmark values
        for v, start, _ in moves:
            pin(v, start)
    model.solve(solver=solver)
    contribution = np.zeros((len(parsed), len(base_vector)))
    before = index.values() * index.to_sam_units
    for k in range(steps):
        order = range(len(parsed)) if k % 2 == 0 else reversed(range(len(parsed)))
        for i in order:
            for v, start, end in paths[i]:
                pin(v, v.value + (end - start) / steps)
            model.solve(solver=solver)
            after = index.values() * index.to_sam_units
            contribution[i] += after - before
            before = after
    labels = _labels(parsed)
    layout = index.layout
    rows, keys = [], []
    for name, path in RESULT_PATHS.items():
        if path not in layout.slices:
            continue
        sl = layout.slices[path]
        for j, key in enumerate(layout.labels(path)):
            keys.append((name, index_key(key)))
            rows.append(contribution[:, sl.start + j])
    variables = pd.DataFrame(rows, columns=labels, index=pd.MultiIndex.from_tuples(
        keys, names=["variable", "index"]))
    plan = IndicatorPlan.for_model(model, base_vector)
    indicators = pd.DataFrame({label: plan.linear_changes(contribution[i])
                               for i, label in enumerate(labels)})
    return Subtotals(labels, variables, indicators, steps)


def _labels(shocks) -> list[str]:
    """``parameter[index]`` per shock, numbered where two would read alike."""
    labels = [s.parameter + (f"[{s.index}]" if s.index is not None else "") for s in shocks]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if labels.count(label) == 1 else f"{label}#{seen[label]}")
    return out
