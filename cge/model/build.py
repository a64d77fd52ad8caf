"""The assembled model: blocks on one Pyomo ``ConcreteModel``, a closure, shocks.

:class:`CGEModel` is what users hold::

    model = CGEModel(sam, spec="stdcge")
    base = model.solve()                      # the benchmark: replicates the SAM
    model.apply_shocks([{"parameter": "import_tariff_rate", "set": 0}])
    cf = model.solve()                        # warm-started from the current point
    model.reset()                             # back to the benchmark, cheaply

The Pyomo model works in SAM units divided by ``calibration.scale``; results are
reported in SAM units. The balance of payments is deactivated (Walras' law makes
it redundant once a numeraire is fixed); its residual after a solve is the Walras
check.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..calibration import Calibration, Options, calibrate, ces_exponent, cet_output
from ..errors import ConfigError, Problem, choose_from
from ..sam.core import SAM
from .closures import Closure
from .config import GAMS_NAMES, get_specification  # noqa: F401 (GAMS_NAMES re-exported)
from .shocks import SHOCK_PARAMETERS, ShockParameter  # noqa: F401 (re-exported)
from .solution import RESULT_VARIABLES, Solution  # noqa: F401 (RESULT_VARIABLES re-exported)

if TYPE_CHECKING:
    from ..solve import SolveStats

log = logging.getLogger("cge")

def model_data(cal: Calibration) -> SimpleNamespace:
    """Plain dictionaries the blocks need, in model units (SAM units / ``cal.scale``)."""
    acc, bm, pr, s = cal.accounts, cal.benchmark, cal.parameters, cal.scale
    spec = get_specification(cal.spec)
    A, C, F, H, E = (list(acc.activities), list(acc.commodities), list(acc.factors),
                     list(acc.households), list(acc.enterprises))

    def sc(series):
        return {k: float(v) / s for k, v in series.items()}

    def plain(series):
        return {k: float(v) for k, v in series.items()}

    F0 = bm["factor_demand"].to_numpy()
    FA = [(F[i], A[j]) for j, i in zip(*np.nonzero(F0.T), strict=False)]
    F0d = {(F[i], A[j]): float(F0[i, j]) / s for i, j in zip(*np.nonzero(F0), strict=False)}
    io = pr["io_coefficient"].to_numpy()
    inputs_of = {a: [] for a in A}
    users_of = {c: [] for c in C}
    for i, j in zip(*np.nonzero(io), strict=False):
        inputs_of[A[j]].append((C[i], float(io[i, j])))
        users_of[C[i]].append((A[j], float(io[i, j])))
    AT = list(pr["top_elasticity"].index)
    bundle = pr["bundle_coefficient"]
    bundle_of = {a: [(c, float(bundle.at[c, a])) for c, _ in inputs_of[a]] for a in AT}
    M0, E0 = bm["imports"], bm["exports"]
    CP = [c for c in C if bm["domestic_sales"][c] > 0]
    simple = acc.activity_of
    CX = [c for c in CP if c not in simple]
    make_share = pr["make_share"]
    joint_make = [(a, c) for a, c in acc.make if c not in simple]
    CM = [c for c in C if M0[c] > 0]
    CE = [c for c in C if E0[c] > 0]
    Xp0, Xg0, Xv0 = bm["household_consumption"], bm["government_consumption"], \
        bm["investment_demand"]
    xp, shares = Xp0.to_numpy(), pr["consumption_share"].to_numpy()
    XP = [(C[i], H[j]) for i, j in zip(*np.nonzero(xp), strict=False)]
    alpha = {(C[i], H[j]): float(shares[i, j]) for i, j in zip(*np.nonzero(xp), strict=False)}
    Xp0d = {(C[i], H[j]): float(xp[i, j]) / s for i, j in zip(*np.nonzero(xp), strict=False)}
    les = (cal.options is not None and cal.options.household_demand == "les")
    beta = _pairs(pr["marginal_budget_share"], XP)
    gamma_les = {k: v / s for k, v in _pairs(pr["subsistence_consumption"], XP).items()}
    UU0 = {h: float(np.prod([(Xp0d[c, h] - gamma_les[c, h]) ** beta[c, h]
                             for c, hh in XP if hh == h])) for h in H}
    CG = [c for c in C if Xg0[c] != 0]
    CV = [c for c in C if Xv0[c] != 0]
    fshare = pr["factor_income_share"]
    transfers = bm["government_transfers"]
    gov_to = {i: float(v) / s for i, v in transfers.items() if v != 0}
    row_to = {i: float(v) / s for i, v in bm["transfers_from_abroad"].items() if v != 0}
    payout = pr["enterprise_payout_rate"]
    payout_d = {(h, e): float(payout.at[h, e]) for h in H for e in E if payout.at[h, e] != 0}
    sigma_va = pr["value_added_elasticity"]
    ed = pr["export_demand_elasticity"]
    finite = [c for c in CE if np.isfinite(ed.get(c, np.nan))]
    d = SimpleNamespace(
        A=A, C=C, F=F, H=H, E=E, I=H + E, gov=acc.government, row=acc.rest_of_world,
        labour=acc.labour, capital=list(acc.capital),
        FA=FA, factors_of={a: [f for f, aa in FA if aa == a] for a in A},
        employers_of={f: [a for ff, a in FA if ff == f] for f in F},
        inputs_of=inputs_of, users_of=users_of,
        AT=AT, bundle_of=bundle_of, N0=sc(pr["intermediate_bundle"]),
        top_sigma=plain(pr["top_elasticity"]), top_share=plain(pr["top_value_added_share"]),
        top_scale=plain(pr["top_scale"]),
        top_rho=dict(zip(AT, ces_exponent(pr["top_elasticity"].to_numpy()).tolist(), strict=True)),
        top_cobb_douglas={a: bool(v == 1.0) for a, v in pr["top_elasticity"].items()},
        activity_of=dict(acc.activity_of), commodity_of=dict(acc.commodity_of),
        ay=plain(pr["value_added_coefficient"]),
        ay_x={(c, a): coef for a in A for c, coef in inputs_of[a]},
        Z0=sc(bm["output"]), Y0=sc(bm["value_added"]),
        F0=F0d,
        tauz=plain(pr["production_tax_rate"]), Tz0=sc(bm["production_tax"]),
        va_share=_pairs(pr["value_added_share"], FA),
        va_scale=plain(pr["value_added_scale"]),
        va_sigma=plain(sigma_va),
        va_rho=dict(zip(sigma_va.index, ces_exponent(sigma_va.to_numpy()).tolist(),
                        strict=True)),
        cobb_douglas={a: bool(v == 1.0) for a, v in sigma_va.items()},
        CP=CP, CX=CX, JA=[a for a in A if a not in acc.commodity_of],
        make=list(acc.make), joint_make=joint_make,
        make_share={(a, c): float(make_share.at[a, c]) for a, c in joint_make},
        XC0={c: float(pr["commodity_output"][c]) / s for c in CX},
        CM=CM, CE=CE, Q0=sc(bm["composite_supply"]),
        D0={c: float(bm["domestic_sales"][c]) / s for c in CP},
        M0={c: float(M0[c]) / s for c in CM}, E0={c: float(E0[c]) / s for c in CE},
        tm={c: float(pr["import_tariff_rate"][c]) for c in CM},
        te={c: float(pr["export_tax_rate"][c]) for c in CE},
        ts=plain(pr["sales_tax_rate"]),
        Tm0={c: float(bm["import_tariff"][c]) / s for c in CM},
        Te0={c: float(bm["export_tax"][c]) / s for c in CE}, Ts0=sc(bm["sales_tax"]),
        eta={c: float(pr["armington_exponent"][c]) for c in CM},
        deltam={c: float(pr["armington_import_share"][c]) for c in CM},
        deltad={c: float(pr["armington_domestic_share"][c]) for c in CM},
        gamma=plain(pr["armington_scale"]),
        phi={c: float(pr["cet_exponent"][c]) for c in CE},
        xie={c: float(pr["cet_export_share"][c]) for c in CE},
        xid={c: float(pr["cet_domestic_share"][c]) for c in CE},
        theta=plain(pr["cet_scale"]),
        finite_export_demand=finite, export_elasticity={c: float(ed[c]) for c in finite},
        FF0=sc(bm["factor_endowment"]),
        factor_share={(i, f): float(v) for (i, f), v in fshare.stack().items()},
        XP=XP, alpha=alpha, UU0=UU0, Xp0=Xp0d, les=les, beta=beta, gamma_les=gamma_les,
        consumers_of={c: [h for cc, h in XP if cc == c] for c in C},
        consumed_by={h: [c for c, hh in XP if hh == h] for h in H},
        income0=sc(bm["income"]), Sp0=sc(bm["household_savings"]),
        Se0=sc(bm["enterprise_savings"]), Td0=sc(bm["direct_tax"]),
        td=plain(pr["direct_tax_rate"]), mps=plain(pr["household_saving_rate"]),
        payout=payout_d, HE=list(payout_d),
        gov_to=gov_to, IT=list(gov_to), row_to=row_to, RT=list(row_to),
        gov_to_row=float(bm["government_transfers_abroad"]) / s,
        revenue0=float(bm["government_revenue"]) / s, Sg0=float(bm["government_savings"]) / s,
        ssg=float(pr["government_saving_rate"]),
        CG=CG, Xg0={c: float(Xg0[c]) / s for c in CG},
        mu={c: float(pr["government_consumption_share"][c]) for c in CG},
        CV=CV, Xv0={c: float(Xv0[c]) / s for c in CV},
        lam={c: float(pr["investment_share"][c]) for c in CV},
        S0=float(Xv0.sum()) / s, inv_share=float(pr["investment_share_of_absorption"]),
        gov_share=float(pr["government_share_of_absorption"]),
        Sf0=float(bm["foreign_savings"]) / s,
        cpi_weight=plain(pr["cpi_weight"]),
        government_demand=spec.government_demand, investment_demand=spec.investment_demand,
    )
    return d


def _check_calibration(cal: Calibration, spec: str, elasticities, options) -> None:
    """A calibration reused for a model must be of its specification and stand alone."""
    problems = []
    if cal.spec != spec:
        problems.append(Problem("spec_mismatch", "calibration", f"calibrated for the {cal.spec} "
                                f"model, not {spec}", f"calibrate(sam, {spec!r}), or build "
                                f"the {cal.spec} model"))
    for name, value in (("elasticities", elasticities), ("options", options)):
        if value:
            problems.append(Problem("ignored_argument", name, f"{name} given together with a "
                                    "calibration, which has its own",
                                    f"pass {name} to calibrate(), or no calibration"))
    if problems:
        raise ConfigError("the calibration does not fit this model", problems)


def _pairs(table, pairs) -> dict:
    """Values of a labelled table at (row, column) pairs, without per-cell pandas lookups."""
    rows = {r: i for i, r in enumerate(table.index)}
    cols = {c: j for j, c in enumerate(table.columns)}
    values = table.to_numpy()
    return {(r, c): float(values[rows[r], cols[c]]) for r, c in pairs}


def build_pyomo(cal: Calibration):
    """Assemble the Pyomo model from the blocks (no closure applied yet)."""
    import pyomo.environ as pyo

    from .blocks.institutions import (
        add_balance_of_payments,
        add_direct_taxes,
        add_enterprises,
        add_government,
        add_households,
        add_rest_of_world,
    )
    from .blocks.investment import add_investment
    from .blocks.markets import add_market_clearing, add_prices
    from .blocks.production import add_production
    from .blocks.trade import add_trade

    d = model_data(cal)
    m = pyo.ConcreteModel(name=f"{cal.spec} CGE model of {cal.sam.name}")
    m._unit_kind = {}
    add_prices(m, d)
    add_production(m, d)
    add_trade(m, d)
    add_rest_of_world(m, d)
    add_government(m, d)
    add_enterprises(m, d)
    add_households(m, d)
    add_direct_taxes(m, d)
    add_investment(m, d)
    add_market_clearing(m, d)
    add_balance_of_payments(m, d)
    # Walras' law: with a numeraire fixed, one market equation is implied by the others.
    m.rest_of_world.balance_of_payments.deactivate()
    m.objective = pyo.Objective(expr=0.0, doc="none: the model is a square system of equations")
    return m, d


class CGEModel:
    """A calibrated, built CGE model with a closure, ready to solve and shock.

    Parameters
    ----------
    sam : SAM
        A balanced SAM with roles.
    spec : {"stdcge", "standard"}
        Model specification.
    closure : Closure or mapping, optional
        Defaults per specification (see :mod:`cge.model.closures`).
    elasticities : mapping, optional
        ``{"armington": ..., "cet": ..., ...}``.
    calibration : Calibration, optional
        Reuse a calibration (of the same ``spec``) instead of calibrating ``sam`` again;
        it carries its own elasticities and options, so those are not passed with it.
    options : mapping, optional
        Functional forms, e.g. ``{"household_demand": "les"}`` (see
        :class:`cge.model.config.Options`).
    """

    def __init__(self, sam: SAM, spec: str = "standard", closure: Closure | Mapping | None = None,
                 elasticities: Mapping[str, Any] | None = None,
                 calibration: Calibration | None = None,
                 options: Mapping[str, Any] | None = None):
        specification = get_specification(spec)
        if calibration is not None:
            _check_calibration(calibration, spec, elasticities, options)
        self.spec = spec
        self._pending_elasticities = None
        self._recalibration = None
        self.calibration = calibration or calibrate(sam, spec, elasticities, options)
        self.sam = self.calibration.sam
        self.scale = self.calibration.scale
        self.closure = Closure.from_user(closure, specification.default_closure)
        from pyomo.common.gc_manager import PauseGC

        # building makes hundreds of thousands of expression objects: pausing the cyclic
        # garbage collector meanwhile saves a fifth of the build time at 300 sectors
        with PauseGC():
            self.pyomo, self._data = build_pyomo(self.calibration)
        self._variable_index = None
        self._persistent = None
        self._check_closure(self.closure)
        self._benchmark = self._snapshot()
        self.apply_closure(self.closure)
        self.last_stats = None

    # -- structure ----------------------------------------------------------------
    @property
    def accounts(self):
        """The sets (activities, commodities, factors, ...)."""
        return self.calibration.accounts

    def component(self, path: str):
        """A Pyomo component by dotted path, e.g. ``"trade.imports"``."""
        obj = self.pyomo
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                raise KeyError(path)
        return obj

    def has_component(self, path: str) -> bool:
        try:
            self.component(path)
        except KeyError:
            return False
        return True

    def unit_kind(self, path: str) -> str:
        """``quantity`` (SAM units), ``price`` or ``rate``."""
        return self.pyomo._unit_kind.get(path, "quantity")

    def variables(self) -> Iterable[tuple[str, Any]]:
        """(dotted path, Pyomo Var) for every variable of the model."""
        import pyomo.environ as pyo

        for v in self.pyomo.component_objects(pyo.Var, descend_into=True):
            yield v.getname(fully_qualified=True), v

    @property
    def variable_index(self) -> VariableIndex:
        """Every scalar variable in one fixed order (built on first use)."""
        if self._variable_index is None:
            self._variable_index = VariableIndex(self)
        return self._variable_index

    def counts(self) -> dict[str, int]:
        """Numbers of variables (free and pinned) and active equations."""
        import pyomo.environ as pyo

        n_pinned = int(self.variable_index.pinned().sum())
        n_eq = sum(1 for _ in self.pyomo.component_data_objects(pyo.Constraint, active=True))
        return {"free_variables": len(self.variable_index) - n_pinned,
                "pinned_variables": n_pinned, "equations": n_eq}

    # -- closure ------------------------------------------------------------------
    def _check_closure(self, cl: Closure) -> None:
        d, problems = self._data, []
        allowed_numeraires = ["cpi", "exchange_rate", *d.F]
        if cl.numeraire not in allowed_numeraires:
            problems.append(Problem("bad_closure", "closure.numeraire",
                                    f"unknown numeraire {cl.numeraire!r}",
                                    choose_from(cl.numeraire, allowed_numeraires)))
        if d.investment_demand == "value_shares" and cl.savings_investment != "savings_driven":
            problems.append(Problem(
                "bad_closure", "closure.savings_investment",
                f"{cl.savings_investment!r} needs real investment demand; the {self.spec} model "
                "spends fixed value shares of savings", "use savings_driven or model standard"))
        if d.government_demand == "budget_shares" and cl.government == "tax_scaler":
            problems.append(Problem(
                "bad_closure", "closure.government",
                f"the {self.spec} government spends fixed budget shares, so nothing is left for "
                "a tax scaler to target", "use flexible_saving or model standard"))
        if cl.labour == "fixed_real_wage" and not d.labour:
            problems.append(Problem(
                "bad_closure", "closure.labour",
                f"fixed_real_wage needs the labour factor, and no factor ({', '.join(d.F)}) "
                "is labour by its label (LAB..., ..._LAB) or its description",
                "declare it: write 'labour' in the description of the labour factor in the "
                "accounts table (sheet accounts or <sam>.accounts.csv); or use "
                "full_employment"))
        if cl.capital == "sector_specific":
            if not d.capital:
                problems.append(Problem("bad_closure", "closure.capital", "no capital factor",
                                        "use mobile"))
            if cl.numeraire in d.capital:
                problems.append(Problem("bad_closure", "closure.numeraire",
                                        "a sector-specific factor has no single price to fix",
                                        "choose labour, cpi or exchange_rate as numeraire"))
        if problems:
            raise ConfigError("the closure does not fit this model", problems)

    def apply_closure(self, closure: Closure | Mapping) -> None:
        """Choose the exogenous macro variables (see :mod:`cge.model.closures`).

        A variable the closure makes exogenous is pinned at its benchmark level (not at
        the level of the last counterfactual); one that stays exogenous keeps its value.
        """
        from .blocks._common import free, is_pinned, pin

        spec = get_specification(self.spec)
        cl = Closure.from_user(closure, spec.default_closure)
        self._check_closure(cl)
        m, d = self.pyomo, self._data
        index = self.variable_index
        benchmark = np.concatenate([self._benchmark[p] for p in index.layout.paths])

        def setpin(v, pinned: bool):
            if not pinned:
                free(v)
            elif not is_pinned(v):
                pin(v, benchmark[index.positions([v])[0]])

        mk = m.markets
        setpin(mk.exchange_rate, cl.external == "fixed_exchange_rate"
               or cl.numeraire == "exchange_rate")
        setpin(m.rest_of_world.foreign_savings, cl.external == "flexible_exchange_rate")
        setpin(mk.cpi, cl.numeraire == "cpi")
        specific = set(d.capital) if cl.capital == "sector_specific" else set()
        for f in d.F:
            setpin(mk.factor_price[f], cl.numeraire == f or f in specific)
            setpin(mk.factor_endowment[f], f not in specific)
            setpin(mk.unemployment[f], not (f == d.labour and cl.labour == "fixed_real_wage"))
        for f, a in d.FA:
            setpin(m.production.factor_demand[f, a], f in specific)
            setpin(m.production.factor_price_distortion[f, a], f not in specific)
        if d.labour:
            setpin(mk.real_wage, cl.labour == "fixed_real_wage")
        gov = m.government
        balanced = cl.savings_investment == "balanced"
        setpin(gov.tax_scaler, cl.government != "tax_scaler")
        setpin(gov.saving_rate, d.government_demand == "budget_shares")
        setpin(gov.real_savings, cl.government == "tax_scaler")
        setpin(m.households.saving_rate_scaler, cl.savings_investment == "savings_driven")
        if d.government_demand == "fixed_real":
            setpin(gov.scaler, not balanced)
            setpin(gov.share_of_absorption, balanced)
        if d.investment_demand == "fixed_composition":
            inv = m.investment
            setpin(inv.scaler, cl.savings_investment == "investment_driven")
            setpin(inv.share_of_absorption, balanced)
        self.closure = cl
        if self._persistent is not None:
            # a closure moves bounds only: the persistent NLP stays unless equations changed
            self._persistent.check_equations()

    # -- state --------------------------------------------------------------------
    def _snapshot(self) -> dict[str, np.ndarray]:
        index = self.variable_index
        values = index.values()
        return {path: values[sl] for path, sl in index.layout.slices.items()}

    def _restore(self, snap: Mapping[str, np.ndarray]) -> None:
        """Every variable back to ``snap``; pinned ones are pinned at their value there."""
        index = self.variable_index
        index.restore(np.concatenate([snap[p] for p in index.layout.paths]))

    def reset(self) -> None:
        """Back to the benchmark: every variable and every pinned parameter."""
        self._restore(self._benchmark)

    @property
    def benchmark_levels(self) -> Mapping[str, np.ndarray]:
        """Benchmark level of every variable, by dotted path (model units, read-only).

        Arrays are in the order of ``variable_index.layout.keys[path]``. Pinned
        parameters recalibrated by :meth:`set_elasticities` read their new values here,
        as :meth:`reset` restores them.
        """
        return BenchmarkLevels(self._benchmark)

    @property
    def options(self) -> Options:
        """The functional forms the model was built with (e.g. LES household demand)."""
        return self._calibration.options or Options()

    @property
    def calibration(self) -> Calibration:
        """The calibration, at the elasticities last set (recomputed when first read)."""
        if self._pending_elasticities is not None:
            self._calibration = self._calibration.with_elasticities(self._pending_elasticities)
            self._pending_elasticities = None
        return self._calibration

    @calibration.setter
    def calibration(self, value: Calibration) -> None:
        self._calibration, self._pending_elasticities = value, None

    @property
    def _data(self) -> SimpleNamespace:
        """The blocks' data (:func:`model_data`) at the current elasticities."""
        if self._data_stale:
            self._model_data = model_data(self.calibration)
            self._data_stale = False
        return self._model_data

    @_data.setter
    def _data(self, value: SimpleNamespace) -> None:
        self._model_data, self._data_stale = value, False

    def set_elasticities(self, elasticities: Mapping[str, Any]) -> None:
        """Recalibrate elasticity-dependent parameters in place (no rebuild).

        The benchmark still replicates: only the curvature of the Armington, CET
        and value-added functions changes. The parameters are pinned variables, so a
        persistent solver keeps its problem. Shares and scales are computed from
        benchmark arrays (:class:`Recalibration`); the :attr:`calibration` tables
        follow when first read.
        """
        from ..calibration import Elasticities

        if self._recalibration is None:
            self._recalibration = Recalibration(self)
        el = Elasticities.from_user(elasticities, self.spec)
        loads = self._recalibration.loads(el)
        if loads is None:   # LES household demand: the full recalibration
            self._set_elasticities_from_tables(elasticities)
            return
        self._pin_parameters(loads)
        self._pending_elasticities = el   # absolute, so it replaces any pending one
        self._data_stale = True

    def _set_elasticities_from_tables(self, elasticities: Mapping[str, Any]) -> None:
        """The full recalibration through the tables (LES demand); the functional forms
        were checked by :meth:`Recalibration.loads`."""
        new = self.calibration.with_elasticities(elasticities)
        fresh = model_data(new)
        loads = {
            "production.va_share": fresh.va_share, "production.va_scale": fresh.va_scale,
            "production.va_rho": fresh.va_rho, "production.va_sigma": fresh.va_sigma,
            "trade.armington_exponent": fresh.eta, "trade.armington_import_share": fresh.deltam,
            "trade.armington_domestic_share": fresh.deltad, "trade.armington_scale": fresh.gamma,
            "trade.cet_exponent": fresh.phi, "trade.cet_export_share": fresh.xie,
            "trade.cet_domestic_share": fresh.xid, "trade.cet_scale": fresh.theta,
        }
        if fresh.finite_export_demand:
            loads["trade.export_demand_elasticity"] = fresh.export_elasticity
        if fresh.AT:
            loads.update({"production.top_sigma": fresh.top_sigma,
                          "production.top_rho": fresh.top_rho,
                          "production.top_share": fresh.top_share,
                          "production.top_scale": fresh.top_scale})
        if fresh.les:
            loads["households.marginal_budget_share"] = fresh.beta
            loads["households.subsistence"] = fresh.gamma_les
        layout = self.variable_index.layout
        self._pin_parameters({path: np.array([values[k] for k in layout.keys[path]], dtype=float)
                              for path, values in loads.items()})
        self.calibration = new
        self._data = fresh

    def _pin_parameters(self, loads: Mapping[str, np.ndarray]) -> None:
        """Pin elasticity-dependent parameters (pinned variables) at new values.

        ``loads``: dotted path -> values in the variable's index order. The benchmark
        snapshot follows, so :meth:`reset` keeps the new elasticities; the persistent
        problem reads pinned values at each solve and is kept.
        """
        from .blocks._common import pin

        for path, new in loads.items():
            old = self._benchmark[path]
            var = self.component(path)
            keys = self.variable_index.layout.keys[path]
            for i in np.flatnonzero(old != new).tolist():
                pin(var[keys[i]], new[i])
            self._benchmark[path] = new

    # -- shocks -------------------------------------------------------------------
    def apply_shocks(self, shocks: Iterable[Mapping[str, Any] | Any]) -> None:
        """Apply shocks to exogenous parameters (see :mod:`cge.model.shocks`)."""
        from .shocks import apply_shocks

        apply_shocks(self, self._capital_stock_shocks(shocks))

    def _capital_stock_shocks(self, shocks: Iterable[Mapping[str, Any] | Any]) -> list:
        """Endowment shocks of sector-specific capital, as shocks of the per-activity stocks.

        Under ``capital: sector_specific`` a factor's endowment is the sum of the
        capital stocks pinned in each activity. ``factor_endowment`` with index
        ``"CAP"`` scales every activity's stock in proportion (``set`` and ``add``
        aim at the total); index ``"CAP,A_SEC"`` changes one activity's stock.
        """
        from .shocks import Shock

        parsed = [Shock.from_mapping(s, f"shocks[{i}]") for i, s in enumerate(shocks)]
        specific = self._data.capital if self.closure.capital == "sector_specific" else []
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
                    f"(closure capital: {self.closure.capital})",
                    "shock the factor as a whole (index 'CAP') or use capital: sector_specific")])
            factors = [factor.strip()] if shock.index else list(self._data.F)
            if not set(factors) & set(specific):
                out.append(shock)
                continue
            for f in factors:
                if f not in specific:
                    out.append(Shock(shock.parameter, shock.operation, shock.value, f))
                elif activity:
                    out.append(Shock("capital_stock", shock.operation, shock.value,
                                     shock.index))
                else:
                    out.append(Shock("capital_stock", "multiply",
                                     self._endowment_ratio(f, shock), f))
        return out

    def _endowment_ratio(self, factor: str, shock) -> float:
        """The factor by which ``shock`` multiplies the current total endowment of ``factor``."""
        stocks = self.pyomo.production.factor_demand
        total = sum(stocks[factor, a].value for a in self._data.employers_of[factor]) * self.scale
        new = {"set": shock.value, "multiply": total * shock.value,
               "add": total + shock.value}[shock.operation]
        return new / total

    # -- solving ------------------------------------------------------------------
    def solve(self, solver: str = "cyipopt", **options):
        """Solve at the current shocks, warm-started from the current point.

        Returns a :class:`~cge.model.solution.Solution`; raises :class:`cge.errors.SolveError`
        when IPOPT does not converge to the tolerances.
        """
        options.setdefault("raise_on_failure", True)
        stats = self.solve_stats(solver, **options)
        return Solution.from_model(self, stats)

    def solve_stats(self, solver: str = "persistent", *, raise_on_failure: bool = False,
                    **options) -> SolveStats:
        """Solve as :meth:`solve` does, but return only the solver's statistics.

        The fast path for many re-solves: no :class:`~cge.model.solution.Solution` is
        built, and by default a failure is reported in the statistics (``ok`` false)
        instead of raised. The statistics are kept as :attr:`last_stats` either way.
        ``options`` are those of :func:`cge.solve.solve_model`.
        """
        from ..solve import solve_model

        stats = solve_model(self, solver=solver, raise_on_failure=raise_on_failure, **options)
        self.last_stats = stats
        return stats

    def __repr__(self) -> str:
        c = self.counts()
        return (f"CGEModel({self.spec!r} on {self.sam.name!r}: {c['free_variables']} variables, "
                f"{c['equations']} equations; closure {self.closure})")


TOP_SWITCH = ("switching the top nest between Leontief, Cobb-Douglas and CES "
              "(elasticity 'top') needs a new model")
VA_SWITCH = "switching value added between Cobb-Douglas (elasticity 1) and CES needs a new model"
EXPORT_DEMAND_SWITCH = ("switching between finite and infinite export demand elasticities "
                        "needs a new model")


class Recalibration:
    """Elasticity-dependent parameters from benchmark arrays, in the model's variable order.

    Made once per model from its calibration; :meth:`loads` then gives, for new
    elasticities, the values of every elasticity-dependent pinned variable with the
    formulas of :mod:`cge.calibration` (:func:`~cge.calibration.trade_share_arrays`,
    :func:`~cge.calibration.value_added_arrays`, :func:`~cge.calibration.top_nest_arrays`)
    and no pandas, so an elasticity batch pays microseconds per scenario.
    """

    def __init__(self, model: CGEModel):
        cal, d = model.calibration, model._data
        acc, bm, pr = cal.accounts, cal.benchmark, cal.parameters
        self.spec = model.spec
        self.C, self.A = C, A = list(acc.commodities), list(acc.activities)
        z_cet = cet_output(acc, bm, pr)
        self.trade = tuple(x.reindex(C).to_numpy(dtype=float) for x in (
            bm["imports"], bm["exports"], bm["domestic_sales"], bm["composite_supply"], z_cet,
            pr["import_tariff_rate"], pr["export_tax_rate"]))
        F0 = bm["factor_demand"]
        self.factor_demand = F0.to_numpy(dtype=float)
        self.value_added = bm["value_added"].reindex(A).to_numpy(dtype=float)
        bundle = bm["intermediate_input"].sum(axis=0)
        self.bundle = bundle.reindex(A).to_numpy(dtype=float)
        self.output = bm["output"].reindex(A).to_numpy(dtype=float)
        self.les = d.les
        # the structure the elasticities may not change
        self.cobb_douglas = dict(d.cobb_douglas)
        self.AT, self.top_cobb_douglas = list(d.AT), dict(d.top_cobb_douglas)
        self.CE, self.finite = list(d.CE), list(d.finite_export_demand)
        layout = model.variable_index.layout
        c_at, a_at = {c: i for i, c in enumerate(C)}, {a: i for i, a in enumerate(A)}
        f_at = {f: i for i, f in enumerate(F0.index)}

        def where(path, at):
            if path not in layout.keys or not layout.keys[path]:
                return None
            return np.array([at(k) for k in layout.keys[path]], dtype=np.intp)

        self.by_commodity = {p: where(p, c_at.__getitem__) for p in (
            "trade.armington_exponent", "trade.armington_import_share",
            "trade.armington_domestic_share", "trade.armington_scale", "trade.cet_exponent",
            "trade.cet_export_share", "trade.cet_domestic_share", "trade.cet_scale",
            "trade.export_demand_elasticity")}
        self.by_activity = {p: where(p, a_at.__getitem__) for p in (
            "production.va_scale", "production.va_rho", "production.va_sigma",
            "production.top_sigma", "production.top_rho", "production.top_share",
            "production.top_scale")}
        self.va_share_at = where("production.va_share", lambda k: (f_at[k[0]], a_at[k[1]]))

    def loads(self, el) -> dict[str, np.ndarray] | None:
        """New values by dotted path (``None`` under LES demand, which needs the tables).

        Checked first, on every path: the elasticities keep the model's functional forms.

        Raises :class:`~cge.errors.ConfigError` when the elasticities would change the
        model's equations (Cobb-Douglas against CES, finite against infinite export demand).
        """
        from ..calibration import top_nest_arrays, trade_share_arrays, value_added_arrays

        C, A = self.C, self.A

        def values(key, labels):
            if key not in el.values and key in ("top", "export_demand"):
                return np.full(len(labels), np.nan)
            return np.array([np.nan if v is None else float(v)
                             for v in el.by_account(key, labels).values()], dtype=float)

        sigma_va = values("value_added", A)
        switched = [a for a, s in zip(A, sigma_va, strict=True)
                    if (s == 1.0) != self.cobb_douglas[a]]
        if switched:
            raise ConfigError(f"{VA_SWITCH} (activities {switched})")
        top = values("top", A)
        at = [i for i, a in enumerate(A) if top[i] and not np.isnan(top[i])
              and self.bundle[i] > 0]
        if [A[i] for i in at] != self.AT or any(
                (top[i] == 1.0) != self.top_cobb_douglas[A[i]] for i in at):
            raise ConfigError(TOP_SWITCH)
        ed = values("export_demand", C)
        finite = [c for c, x in zip(C, ed, strict=True) if c in self.CE and np.isfinite(x)]
        if finite != self.finite:
            raise ConfigError(EXPORT_DEMAND_SWITCH)
        if self.les:
            return None

        t = trade_share_arrays(*self.trade, values("armington", C), values("cet", C))
        by_c = {"trade.armington_exponent": t["eta"], "trade.armington_import_share": t["deltam"],
                "trade.armington_domestic_share": t["deltad"],
                "trade.armington_scale": t["gamma"], "trade.cet_exponent": t["phi"],
                "trade.cet_export_share": t["xie"], "trade.cet_domestic_share": t["xid"],
                "trade.cet_scale": t["theta"], "trade.export_demand_elasticity": ed}
        delta, va_scale = value_added_arrays(self.factor_demand, self.value_added, sigma_va)
        va_rho, top_rho = ces_exponent(sigma_va), ces_exponent(top)
        top_share, top_scale = np.full(len(A), np.nan), np.full(len(A), np.nan)
        if at:
            top_share[at], top_scale[at] = top_nest_arrays(
                self.value_added[at], self.bundle[at], self.output[at], top[at])
        by_a = {"production.va_scale": va_scale, "production.va_rho": va_rho,
                "production.va_sigma": sigma_va, "production.top_sigma": top,
                "production.top_rho": top_rho, "production.top_share": top_share,
                "production.top_scale": top_scale}
        out = {p: by_c[p][i] for p, i in self.by_commodity.items() if i is not None}
        out.update({p: by_a[p][i] for p, i in self.by_activity.items() if i is not None})
        if self.va_share_at is not None:
            out["production.va_share"] = delta[self.va_share_at[:, 0], self.va_share_at[:, 1]]
        return out


class BenchmarkLevels(Mapping):
    """Read-only view of a model's benchmark snapshot: dotted path -> levels.

    Follows the snapshot (recalibrated elasticities included); each array is handed
    out as a read-only view, so the benchmark cannot be changed through it.
    """

    def __init__(self, snapshot: Mapping[str, np.ndarray]):
        self._snapshot = snapshot

    def __getitem__(self, path: str) -> np.ndarray:
        levels = self._snapshot[path].view()
        levels.flags.writeable = False
        return levels

    def __iter__(self):
        return iter(self._snapshot)

    def __len__(self) -> int:
        return len(self._snapshot)


@dataclass(frozen=True)
class VariableLayout:
    """Where each variable sits in the flat order of :class:`VariableIndex` (plain data)."""

    paths: tuple[str, ...]
    slices: Mapping[str, slice]
    keys: Mapping[str, list]
    _labels: dict = field(default_factory=dict, compare=False, repr=False)

    def labels(self, path: str):
        """The pandas index of one variable's entries (``"_"`` for a scalar), made once."""
        import pandas as pd

        index = self._labels.get(path)
        if index is None:
            keys = self.keys[path]
            if keys == [None]:
                index = pd.Index(["_"])
            elif keys and isinstance(keys[0], tuple):
                index = pd.MultiIndex.from_tuples(keys)
            else:
                index = pd.Index(keys)
            self._labels[path] = index
        return index


class VariableIndex:
    """Every scalar variable of a model in one fixed order, computed once.

    Snapshots, resets, the square check, the persistent solver and result tables
    read values and bounds through it as numpy arrays instead of walking the
    Pyomo components one by one. ``to_sam_units`` multiplies model units into SAM
    units (the calibration scale for quantities and values, one otherwise).
    """

    def __init__(self, model: CGEModel):
        from .blocks._common import SCALED_KINDS

        data, factors, slices, keys = [], [], {}, {}
        for path, var in model.variables():
            items = list(var.items())
            slices[path] = slice(len(data), len(data) + len(items))
            keys[path] = [k for k, _ in items]
            data.extend(v for _, v in items)
            factor = model.scale if model.unit_kind(path) in SCALED_KINDS else 1.0
            factors.extend([factor] * len(items))
        self.data = data
        self.to_sam_units = np.array(factors)
        self.layout = VariableLayout(tuple(slices), slices, keys)
        self._cache: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.data)

    def positions(self, variables: Iterable) -> np.ndarray:
        """Positions of Pyomo variable data in this order."""
        where = self._cache.get("positions")
        if where is None:
            where = self._cache["positions"] = {id(v): i for i, v in enumerate(self.data)}
        return np.array([where[id(v)] for v in variables], dtype=np.intp)

    def values(self) -> np.ndarray:
        """Current levels (model units; NaN where a variable has no value)."""
        return np.array([v.value for v in self.data], dtype=float)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds (NaN where there is none)."""
        return (np.array([v.lb for v in self.data], dtype=float),
                np.array([v.ub for v in self.data], dtype=float))

    def pinned(self, bounds: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """True where a variable is exogenous: fixed, or both bounds equal.

        ``bounds``: the result of :meth:`bounds` when already at hand.
        """
        lb, ub = self.bounds() if bounds is None else bounds
        fixed = np.fromiter((v.fixed for v in self.data), bool, len(self.data))
        return fixed | (lb == ub)

    def restore(self, values: np.ndarray) -> None:
        """Set every level to ``values``; pinned variables are pinned there.

        Only entries that differ are written, so a reset after a small shock is cheap.
        """
        from .blocks._common import pin

        current = self.values()
        lb, ub = self.bounds()
        pinned = self.pinned((lb, ub))
        moved_pin = pinned & ~((lb == values) & (ub == values) & (current == values))
        moved_free = ~pinned & ~(current == values)
        data = self.data
        for i in np.flatnonzero(moved_pin).tolist():
            pin(data[i], values[i])
        for i in np.flatnonzero(moved_free).tolist():
            data[i].set_value(float(values[i]), skip_validation=True)


def build_model(sam: SAM, spec: str = "standard", closure: Closure | Mapping | None = None,
                elasticities: Mapping[str, Any] | None = None,
                options: Mapping[str, Any] | None = None) -> CGEModel:
    """Calibrate ``sam`` and build the CGE model ``spec`` (see :class:`CGEModel`)."""
    return CGEModel(sam, spec, closure, elasticities, options=options)
