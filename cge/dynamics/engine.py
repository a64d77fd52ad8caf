"""The period loop: one persistent problem re-solved period after period.

Each period :math:`t` the exogenous variables take their path values, the shocks
active in :math:`t` are applied on top, the free variables start from the previous
period's solution grown along the path, and the one persistent problem is re-solved
(no rebuild). Between periods:

.. math::

    K_{a,t+1} = (1-\\delta) K_{a,t} + II_{a,t}, \\qquad R_{a,t} = r K_{a,t}, \\qquad
    L_{t+1} = (1+g_t) L_t

with :math:`K` capital stocks (rental :math:`R` over the rate of return :math:`r`),
:math:`II` investment by destination (or, with mobile capital, real investment
shared by rentals), :math:`L` the labour force; exogenous quantities (government
consumption, foreign savings, transfers) grow at their path rates and productivity
by activity at its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import Problem, SolveError
from ..model.shocks import shocks_at
from .results import PathResult
from .spec import GROWING_PARAMETERS, Dynamics

log = logging.getLogger("cge")

#: Pinned exogenous quantities that grow with the labour force unless a path is given,
#: besides GROWING_PARAMETERS (whose components come from the shock table).
_ALSO_GROWING = ("rest_of_world.transfers_to", "rest_of_world.transfers_from_government",
                 "government.real_savings")


def path_sam(sam, spec: str, dynamics: Dynamics | Mapping):
    """The SAM a path's model is built on, and the adjustment that made it.

    ``dyncge`` solves the SAM adjusted to the balanced-growth path
    (:func:`cge.calibration.balanced_growth_sam`, returned second); every other
    specification the SAM as given (``None`` second). Shocks are checked on the model
    built from it: an entry only the adjusted SAM has is a flow of the model.
    """
    if spec != "dyncge":
        return sam, None
    from ..calibration import balanced_growth_sam

    d = Dynamics.from_mapping(dynamics)
    adjusted = balanced_growth_sam(sam, d.interest_rate, d.depreciation,
                                   float(d.labour_growth_path[0]))
    return adjusted.sam, adjusted


@dataclass
class PeriodState:
    """What a per-period hook sees: the engine, the period and the capital stocks.

    A hook (``on_period``) runs after the period's exogenous values and shocks are set
    and before the solve; it may pin other values or swap the closure (e.g. fix real
    GDP and free a productivity scaler) on ``engine.model``.
    """

    engine: DynamicModel
    period: int
    label: Any
    capital: np.ndarray
    counterfactual: bool


class DynamicModel:
    """A CGE model made dynamic: ``run`` solves a path of periods.

    Parameters
    ----------
    sam : SAM
        The base-year SAM. For ``dyncge`` it is first adjusted to the balanced growth
        path (:func:`cge.calibration.balanced_growth_sam`), as the GAMS model does.
    spec : str
        Model specification (``dyncge``, ``standard``, ``stdcge``).
    dynamics : Dynamics or mapping
        The ``dynamics:`` block.
    closure, elasticities, options
        As for :class:`cge.model.build.CGEModel`.

    Attributes
    ----------
    model : CGEModel
        The one model every period re-solves.
    balanced_growth : BalancedGrowth or None
        The adjustment of the SAM to balanced growth (``dyncge``).
    """

    def __init__(self, sam, spec: str = "dyncge", dynamics: Dynamics | Mapping | None = None,
                 closure=None, elasticities=None, options=None, model=None):
        from ..model.build import CGEModel

        self._dynamics = d = Dynamics.from_mapping(dynamics if dynamics is not None
                                                   else {"periods": 31})
        self.balanced_growth = None
        if model is None:
            sam, self.balanced_growth = path_sam(sam, spec, d)
            model = CGEModel(sam, spec, closure, elasticities, options=options)
        self.model = model
        if model.has_component("investment.allocation_elasticity"):
            from ..model.blocks._common import pin

            pin(model.pyomo.investment.allocation_elasticity, d.allocation_elasticity)
            model._benchmark["investment.allocation_elasticity"] = np.array(
                [d.allocation_elasticity])
        self._layout()
        #: business as usual, cached with the closure it was solved under
        self._base: tuple[dict, PathResult] | None = None
        #: IPOPT options of every period's solve (see :func:`cge.solve.solve_model`)
        self.solver_options: dict | None = None

    @property
    def dynamics(self) -> Dynamics:
        """The ``dynamics:`` block the paths follow."""
        return self._dynamics

    @dynamics.setter
    def dynamics(self, value: Dynamics) -> None:
        """New dynamics: the growth paths follow, and business as usual is solved again."""
        self._dynamics = value
        self._growth_paths()
        self._base = None

    def set_elasticities(self, elasticities: Mapping) -> None:
        """New elasticities in the model (no rebuild, :meth:`CGEModel.set_elasticities`):
        the benchmark levels follow, and business as usual is solved again."""
        self.model.set_elasticities(elasticities)
        self._layout()
        self._base = None

    # -- where things sit in the flat variable vector --------------------------------
    def _layout(self) -> None:
        from ..model.blocks._common import SCALED_KINDS
        from ..model.shocks import SHOCK_PARAMETERS

        m, index = self.model, self.model.variable_index
        layout = index.layout
        self.index = index
        self.benchmark = np.concatenate([m.benchmark_levels[p] for p in layout.paths])
        self.scaled = np.concatenate([np.full(sl.stop - sl.start,
                                              m.unit_kind(p) in SCALED_KINDS)
                                      for p, sl in layout.slices.items()])
        self.nominal = np.concatenate([np.full(sl.stop - sl.start,
                                               m.unit_kind(p) in ("price", "value"))
                                       for p, sl in layout.slices.items()])
        sets = m.data.sets

        def at(path, keep=lambda key: True):
            if path not in layout.slices:
                return np.array([], dtype=np.intp)
            sl = layout.slices[path]
            return np.array([sl.start + i for i, k in enumerate(layout.keys[path]) if keep(k)],
                            dtype=np.intp)

        labour = set(sets.labour_types)
        self.labour_at = np.concatenate([at("markets.factor_endowment", lambda f: f in labour),
                                         at("markets.unemployment", lambda f: f in labour)])
        self.growing_at = {p: at(SHOCK_PARAMETERS[p].component) for p in GROWING_PARAMETERS}
        self.also_growing_at = np.concatenate([at(p) for p in _ALSO_GROWING])
        self.productivity_at = {a: i for a, i in zip(layout.keys.get("production.productivity",
                                                                     []),
                                                     at("production.productivity"),
                                                     strict=True)}
        capital = set(sets.capital)
        specific = m.closure.capital == "sector_specific"
        if specific:
            self.capital_keys = [k for k in layout.keys["production.factor_demand"]
                                 if k[0] in capital]
            self.capital_at = at("production.factor_demand", lambda k: k[0] in capital)
        else:
            self.capital_keys = [f for f in layout.keys["markets.factor_endowment"]
                                 if f in capital]
            self.capital_at = at("markets.factor_endowment", lambda f: f in capital)
        r = self.dynamics.interest_rate
        self.initial_capital = self.benchmark[self.capital_at] / r
        # new capital of each stock: investment by destination, or real investment
        # shared by benchmark rentals
        rent = self.benchmark[self.capital_at]
        if specific and m.has_component("investment.by_destination"):
            dest = at("investment.by_destination")
            keys = layout.keys["investment.by_destination"]
            pos = {a: dest[i] for i, a in enumerate(keys)}
            by_act: dict = {}
            for (_, a), R in zip(self.capital_keys, rent, strict=True):
                by_act[a] = by_act.get(a, 0.0) + R
            self.investment_at = np.array([pos[a] for _, a in self.capital_keys], dtype=np.intp)
            self.investment_map = np.diag([R / by_act[a] for (_, a), R
                                           in zip(self.capital_keys, rent, strict=True)])
        else:   # real investment (base-price volume) shared by benchmark rentals
            self.investment_at = at("investment.demand")
            self.investment_map = np.outer(rent / rent.sum(), np.ones(self.investment_at.size))
        self._growth_paths()
        x0 = self.benchmark
        grown = (1.0 - self.dynamics.depreciation) * self.initial_capital \
            + self.investment_map @ x0[self.investment_at]
        steady = (1.0 + self.dynamics.labour_growth_path[0]) * self.initial_capital
        #: True when business as usual is the balanced-growth path: balanced paths, and
        #: benchmark investment that grows every capital stock at the labour growth
        self.balanced = bool(self.dynamics.balanced and np.allclose(grown, steady, rtol=1e-9,
                                                                    atol=0.0))
        if self.dynamics.baseline == "balanced_growth" and not self.balanced:
            from ..errors import ConfigError

            raise ConfigError("dynamics.baseline: no balanced-growth path", [Problem(
                "bad_value", "dynamics.baseline", "benchmark investment does not grow every "
                "capital stock at the labour growth rate (the SAM is not on a balanced-growth "
                "path)", "use baseline: solved (or auto), or the dyncge model, which adjusts "
                "the SAM's investment to the path")])

    def _growth_paths(self) -> None:
        """Cumulative growth factors of every period (labour, exogenous, productivity)."""
        d = self.dynamics

        def cumulative(g):
            return np.concatenate([[1.0], np.cumprod(1.0 + g[:-1])])

        self.labour_factor = cumulative(d.labour_growth_path)
        self.growing_factor = {p: cumulative(d.exogenous_growth(p)) for p in self.growing_at}
        prod = {}
        for key, path in d.productivity.items():
            targets = list(self.productivity_at) if key == "all" else [key]
            for a in targets:
                prod[a] = cumulative(d.path(path, 0.0, f"dynamics.productivity.{key}"))
        unknown = [a for a in prod if a not in self.productivity_at]
        if unknown:
            from ..errors import ConfigError

            raise ConfigError("dynamics.productivity: unknown activities", [Problem(
                "unknown_label", f"dynamics.productivity.{a}", f"no activity {a!r}",
                f"activities: {', '.join(map(str, self.productivity_at))}, or 'all'")
                for a in unknown])
        self.productivity_factor = prod

    def exogenous_levels(self, t: int, capital: np.ndarray) -> np.ndarray:
        """The benchmark vector with period ``t``'s exogenous values (model units)."""
        x = self.benchmark.copy()
        x[self.labour_at] *= self.labour_factor[t]
        x[self.also_growing_at] *= self.labour_factor[t]
        for p, where in self.growing_at.items():
            x[where] *= self.growing_factor[p][t]
        for a, factor in self.productivity_factor.items():
            x[self.productivity_at[a]] *= factor[t]
        x[self.capital_at] = self.dynamics.interest_rate * capital
        return x

    def balanced_path(self) -> np.ndarray:
        """Analytic business as usual (periods x variables): every quantity and value at
        its benchmark grown at the labour growth, prices and rates at the benchmark."""
        grow = self.labour_factor[:, None]
        return np.where(self.scaled[None, :], self.benchmark[None, :] * grow,
                        self.benchmark[None, :])

    # -- the loop ----------------------------------------------------------------------
    def run_path(self, shocks: Iterable = (), on_period: Callable | None = None,
                 counterfactual: bool = True, tol: float | None = None,
                 options: Mapping | None = None, base: PathResult | None = None
                 ) -> PathResult:
        """Solve every period under ``shocks`` (static or time-path shocks).

        Parameters
        ----------
        shocks : iterable of Shock or mapping
            Static shocks apply in every period; time-path shocks (``from``, ``ramp``,
            ``{period: value}``) in the periods they name.
        on_period : callable, optional
            ``on_period(state: PeriodState)`` before each solve (see :class:`PeriodState`).
        counterfactual : bool
            Passed to the hook (``False`` on the business-as-usual path).
        tol, options
            IPOPT tolerance and options (:func:`cge.solve.solve_model`); default
            :attr:`solver_options`.
        base : PathResult, optional
            Business as usual (default :meth:`base_path`), read when
            ``dynamics.base_closure`` gives it another closure: what the counterfactual's
            closure fixes and that of business as usual solves for is held at its
            business-as-usual level of each period (so a ``multiply`` shock of it is
            relative to business as usual).
        """
        m = self.model
        closure = m.closure              # the counterfactual's: the model's own
        own = self.base_closure()
        if own is not None and not counterfactual:
            m.apply_closure(own)
        try:
            held = None
            if own is not None and counterfactual:
                base = self.base_path() if base is None else base
                held = m.variable_index.pinned() & ~base.pinned
            return self._loop(list(shocks), on_period, counterfactual, tol, options,
                              held, base)
        finally:
            if own is not None and not counterfactual:
                m.apply_closure(closure)

    def base_closure(self):
        """The closure of business as usual (``dynamics.base_closure`` over the model's
        closure), or ``None`` when it is the model's own."""
        changes = self.dynamics.base_closure
        if not changes:
            return None
        return {**self.model.closure.to_dict(), **changes}

    def _loop(self, shocks, on_period, counterfactual, tol, options, held, base) -> PathResult:
        """The period loop of :meth:`run_path` under the closure set on the model;
        ``held``: variables at ``base``'s levels of each period."""
        m, index, d = self.model, self.index, self.dynamics
        options = self.solver_options if options is None else options
        m.reset()
        # the Jacobian of a period's chord steps (cge.chord): business as usual of that
        # period for a counterfactual (factorized once for every path, when business as
        # usual is at hand), else the solution of the period before
        if counterfactual and base is None and self._base is not None and \
                self._base[0] == (self.base_closure() or m.closure.to_dict()):
            base = self._base[1]
        references = base.levels if counterfactual and base is not None else None
        closure_pins = index.pinned()
        K = self.initial_capital.copy()
        history: list[np.ndarray] = []     # the last solutions, extrapolated from
        # on the balanced-growth path the labour growth alone gives the exact start
        extrapolate = not (self.balanced and not shocks and on_period is None)
        last_regime = pinned = None
        T = d.periods
        levels = np.empty((T, len(index)))
        capital = np.empty((T, K.size))
        stats = []
        g = d.labour_growth_path
        for t in range(T):
            active = shocks_at(shocks, t, d.labels)
            regime = [(s.parameter, s.index, s.operation, s.value) for s in active]
            if regime != last_regime:      # a shock starts, ends or jumps: no extrapolation
                history, last_regime = history[-1:], regime
            x = self._start(t, history if extrapolate else history[-1:], g)
            if pinned is None or on_period is not None:   # a hook may swap the closure
                pinned = index.pinned()
            exo = self.exogenous_levels(t, K)
            if held is not None:
                exo[held] = base.levels[t][held]
            x[pinned] = exo[pinned]
            self._set_point(x, pinned)
            if active:
                m.apply_shocks(active)
            # also for the hook's own solves (the baseline calibration's)
            m.chord_reference = references[t] if references is not None else (
                history[-1] if history else None)
            try:
                if on_period is not None:
                    on_period(PeriodState(self, t, d.labels[t], K.copy(), counterfactual))
                s = m.solve_stats("persistent", tol=tol, options=options)
            finally:
                m.chord_reference = None
            if not s.ok:
                raise SolveError(f"period {d.labels[t]}: IPOPT did not solve the model "
                                 f"({s.message}, {s.iterations} iterations)",
                                 [Problem("residual", f"period {d.labels[t]}: {name}",
                                          f"scaled residual {r:.3g}", "")
                                  for name, r in s.worst])
            x_prev = index.values()
            history = [*history[-2:], x_prev]
            levels[t] = x_prev
            capital[t] = K
            stats.append(s)
            K = (1.0 - d.depreciation) * K + self.investment_map @ x_prev[self.investment_at]
        m.reset()
        return PathResult(self, levels, capital, stats, closure_pins)

    def _set_point(self, x: np.ndarray, pinned: np.ndarray) -> None:
        """Every variable to ``x``, the ``pinned`` ones pinned there; only entries that
        move are written (the model's bounds are not read)."""
        from ..model.blocks._common import pin

        data = self.index.data
        moved = self.index.values() != x
        for i in np.flatnonzero(moved & pinned).tolist():
            pin(data[i], x[i])
        free = np.flatnonzero(moved & ~pinned)
        self.index.assign(free, x[free])

    def _start(self, t: int, history: list[np.ndarray], g: np.ndarray) -> np.ndarray:
        """The starting point of period ``t``, extrapolated from the solutions before it.

        Every variable's log level is extrapolated along the path: quadratically from
        three previous periods, linearly from two; from one period (or the benchmark),
        quantities and values grow at the labour growth. Variables that change sign or are zero
        keep their last level.
        """
        if len(history) < 2:
            x_prev = history[-1] if history else self.benchmark
            growth = 1.0 if t == 0 else 1.0 + g[t - 1]
            return np.where(self.scaled, x_prev * growth, x_prev)
        x_prev = history[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = [np.log(np.abs(x)) for x in history[-3:]]
            if len(logs) == 3:
                step = logs[2] - logs[1]
                guess = logs[2] + step + ((logs[2] - logs[1]) - (logs[1] - logs[0]))
            else:
                guess = 2 * logs[1] - logs[0]
            x = np.sign(x_prev) * np.exp(guess)
            same_sign = np.all([np.sign(h) == np.sign(x_prev) for h in history[-3:]], axis=0)
            # levels at rounding noise (a saving held at zero) are kept, not extrapolated
            big = np.min([np.abs(h) for h in history[-3:]], axis=0) > 1e-8
            ok = np.isfinite(x) & same_sign & big & (np.abs(x / x_prev - 1.0) < 0.5)
        return np.where(ok, x, x_prev)

    def homogeneity_residual(self, levels: np.ndarray, factor: float = 2.0) -> float:
        """Largest scaled residual of every equation (the balance of payments included)
        at ``levels`` with prices and nominal values times ``factor``: zero when the
        model is homogeneous of degree zero in prices. The model is left as it was."""
        m, index = self.model, self.index
        before = index.values()
        scaled = levels * np.where(self.nominal, factor, 1.0)
        index.restore(scaled)
        stats = m.solve_stats("persistent", max_iter=0)
        index.restore(before)
        return float(max(stats.max_residual, stats.walras_residual))

    def base_path(self, on_period: Callable | None = None) -> PathResult:
        """Business as usual: the path without shocks (cached when no hook is given, for
        the business-as-usual closure it was solved under)."""
        if on_period is not None:
            return self.run_path((), on_period, counterfactual=False)
        closure = self.base_closure() or self.model.closure.to_dict()
        if self._base is None or self._base[0] != closure:
            self._base = (closure, self.run_path((), None, counterfactual=False))
        return self._base[1]

    def run(self, shocks: Iterable = (), on_period: Callable | None = None,
            base_on_period: Callable | None = None):
        """Business as usual and the counterfactual path: a :class:`DynamicRun`."""
        from .results import DynamicRun

        base = self.base_path(base_on_period)
        return DynamicRun(self, base, self.run_path(shocks, on_period, base=base))
