"""A business-as-usual path calibrated to a target path of real GDP growth.

Assumption (stated, easy to change in the scenario): productivity, common to every
activity, is what makes real GDP grow at the target rate once the labour force and the
capital stock have grown. Period by period, on the one persistent problem of the
dynamic engine, the productivity scaler :math:`A_t` is solved for so that

.. math::

    GDP_t(A_t) = (1 + g_t)\\, GDP_{t-1}

with :math:`GDP` real GDP (expenditure side, at benchmark prices: the linear form of
:meth:`cge.indicators.IndicatorPlan.gdp_weights`) and :math:`g_t` the target growth
of period :math:`t` (the first period is the SAM's year, :math:`A_0 = 1`). Each period
is a Newton iteration on :math:`\\log A` from the scaler's trend, with the slope
:math:`d \\log GDP / d \\log A` of the secant carried from period to period: a
warm-started re-solve per step, about two per period. The result is a productivity growth path, used as the ``dynamics``
productivity of every activity (business as usual and counterfactual alike): the
counterfactual keeps the calibrated productivity and lets GDP respond to its shocks.

A target path is written in ``dynamics.gdp_growth`` as a time path (number, list,
``{period: value}``) or as ``{first: 0.067, last: 0.04}``, a straight line from the
first period's rate to the last period's.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .errors import ConfigError, Problem, SolveError

log = logging.getLogger("cge")

#: Relative tolerance on real GDP against its target.
GDP_TOLERANCE = 1e-8
#: Secant steps per period before giving up.
MAX_STEPS = 12


@dataclass(frozen=True)
class GDPCalibration:
    """A calibrated business-as-usual path.

    Attributes
    ----------
    labels : tuple
        The periods.
    target_growth : ndarray
        Target growth of real GDP per period (the first period's is not used).
    productivity : ndarray
        The productivity scaler :math:`A_t` of every period (:math:`A_0 = 1`).
    gdp : ndarray
        Real GDP of every period on the calibrated path (SAM units, benchmark prices).
    solves : int
        Solves the calibration took.
    seconds : float
    """

    labels: tuple
    target_growth: np.ndarray
    productivity: np.ndarray
    gdp: np.ndarray
    solves: int
    seconds: float

    @property
    def productivity_growth(self) -> np.ndarray:
        """Growth of :math:`A` per period, as a dynamics path: entry ``t`` takes
        :math:`A_t` to :math:`A_{t+1}` (the last entry repeats the one before)."""
        g = self.productivity[1:] / self.productivity[:-1] - 1.0
        return np.append(g, g[-1] if g.size else 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"target_gdp_growth": self.target_growth.tolist(),
                "productivity": self.productivity.tolist(),
                "productivity_growth": self.productivity_growth.tolist(),
                "gdp": self.gdp.tolist(), "solves": self.solves,
                "seconds": self.seconds}


def calibrate_gdp_path(engine, growth: np.ndarray | None = None) -> GDPCalibration:
    """Solve the productivity scaler of each period so that real GDP grows at ``growth``.

    Parameters
    ----------
    engine : cge.dynamics.DynamicModel
        The engine (its ``dynamics`` give labour growth, exogenous paths and any
        productivity growth by activity, on top of which the scaler acts).
    growth : ndarray, optional
        Target growth per period (default: ``engine.dynamics.gdp_growth``).

    Raises
    ------
    SolveError
        A period whose target cannot be reached (the solver fails, or the secant does
        not converge), naming the period.
    """
    from .indicators import IndicatorPlan
    from .model.blocks._common import pin

    d = engine.dynamics
    if growth is None:
        growth = d.gdp_growth_path
        if growth is None:
            raise ConfigError("no GDP growth target", [Problem(
                "missing_key", "dynamics.gdp_growth", "the baseline has no GDP target",
                "add dynamics: {gdp_growth: {first: 0.067, last: 0.04}}")])
    growth = np.asarray(growth, dtype=float)
    index = engine.index
    sam = index.to_sam_units
    weights = IndicatorPlan.for_model(engine.model, engine.benchmark * sam,
                                      facts=False).gdp_weights() * sam
    productivity = engine.productivity_at
    variables = [index.data[i] for i in productivity.values()]
    scaler = np.ones(d.periods)
    gdp = np.zeros(d.periods)
    solves = [0]
    slope = [1.0]       # GDP about proportional to productivity at first
    start = time.perf_counter()

    def solve_at(a: float, base: np.ndarray) -> float:
        for v, x in zip(variables, base.tolist(), strict=True):
            pin(v, x * a)
        s = engine.model.solve_stats("persistent", options=engine.solver_options)
        solves[0] += 1
        if not s.ok:
            raise SolveError(f"calibrating the baseline: period {d.labels[t]} does not solve "
                             f"at productivity {a:.6g} ({s.message})")
        return float(weights @ index.values())

    def hook(state) -> None:
        nonlocal t
        t = state.period
        base = np.array([v.value for v in variables], dtype=float)
        if t == 0:
            gdp[0] = solve_at(1.0, base)
            return
        target = gdp[t - 1] * (1.0 + growth[t])
        # first guess: the scaler's trend; then Newton steps on log A with the secant
        # slope of d log GDP / d log A carried over from period to period
        a = scaler[t - 1] ** 2 / scaler[t - 2] if t >= 2 else scaler[t - 1]
        y = solve_at(a, base)
        for _ in range(MAX_STEPS):
            if abs(y / target - 1.0) <= GDP_TOLERANCE:
                break
            a_next = a * np.exp((np.log(target) - np.log(y)) / slope[0])
            y_next = solve_at(a_next, base)
            if y_next != y and a_next != a:
                slope[0] = (np.log(y_next) - np.log(y)) / (np.log(a_next) - np.log(a))
            a, y = a_next, y_next
        else:
            raise SolveError(f"calibrating the baseline: real GDP of period {d.labels[t]} "
                             f"does not reach its target ({y:.9g} against {target:.9g})")
        a1, y1 = a, y
        scaler[t], gdp[t] = a1, y1

    t = 0
    path = engine.run_path((), hook, counterfactual=False)
    gdp[:] = (path.levels * sam[None, :]) @ weights      # the solutions the loop kept
    seconds = time.perf_counter() - start
    log.info("baseline calibrated to the GDP path: %d solves in %.3f s", solves[0], seconds)
    return GDPCalibration(tuple(d.labels), growth, scaler, gdp, solves[0], seconds)


def with_calibrated_productivity(engine, calibration: GDPCalibration) -> None:
    """Give ``engine`` the calibrated productivity growth for every activity (on top of
    the growth by activity its dynamics give), forget its cached business as usual, and
    keep the calibration as ``engine.gdp_calibration`` (a calibrated engine is not
    calibrated again)."""
    d = engine.dynamics
    common = calibration.productivity_growth
    productivity = dict(d.productivity)
    if not productivity:
        productivity = {"all": common.tolist()}
    else:
        activities = list(engine.productivity_at)
        own = {a: d.path(productivity.get(a, productivity.get("all", 0.0)))
               for a in activities}
        productivity = {a: ((1 + own[a]) * (1 + common) - 1).tolist() for a in activities}
    engine.dynamics = replace(d, productivity=productivity)
    engine.gdp_calibration = calibration
