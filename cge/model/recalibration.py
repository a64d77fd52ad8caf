"""New elasticities in a built model: the elasticity-dependent parameters, recalibrated.

:data:`ELASTICITY_PARAMETERS` is the one list of the parameters (pinned variables)
that depend on elasticities: their Pyomo path, the block data field and the
calibration table they come from, their index and the elasticities they depend on.
:class:`Recalibration` (the fast path, numpy only) and :func:`table_loads` (the full
path through the calibration tables, for LES demand) both read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..calibration import ces_exponent, cet_output, import_tax_wedge
from ..errors import ConfigError

if TYPE_CHECKING:
    from .data import ModelData
    from .variables import VariableLayout


@dataclass(frozen=True)
class ElasticityParameter:
    """One elasticity-dependent parameter of the model.

    path : Pyomo component (``block.name``; the block's data is ``ModelData.<block>``);
    field : the field of the block data holding its values; table : the calibration
    parameter table it is calibrated in (for an exponent rho = (sigma-1)/sigma: the
    elasticity's table; for an economy-wide one, the elasticity); index : ``commodity``,
    ``activity``, ``factor x activity``, ``commodity x household`` or ``economy`` (one
    number, a scalar variable); elasticities : the elasticity keys it depends on;
    array : its key among the arrays :meth:`Recalibration.loads` computes (``None``:
    recalibrated through the tables only).
    """

    path: str
    field: str
    table: str
    index: str
    elasticities: tuple[str, ...]
    array: str | None

    @property
    def block(self) -> str:
        return self.path.partition(".")[0]


#: Every elasticity-dependent parameter (the fast recalibration, the full one through
#: the tables and the block data all follow this table).
ELASTICITY_PARAMETERS: tuple[ElasticityParameter, ...] = tuple(
    ElasticityParameter(*row) for row in (
    ("trade.armington_exponent", "armington_exponent", "armington_exponent", "commodity",
     ("armington",), "eta"),
    ("trade.armington_import_share", "armington_import_share", "armington_import_share",
     "commodity", ("armington",), "deltam"),
    ("trade.armington_domestic_share", "armington_domestic_share", "armington_domestic_share",
     "commodity", ("armington",), "deltad"),
    ("trade.armington_scale", "armington_scale", "armington_scale", "commodity",
     ("armington",), "gamma"),
    ("trade.cet_exponent", "cet_exponent", "cet_exponent", "commodity", ("cet",), "phi"),
    ("trade.cet_export_share", "cet_export_share", "cet_export_share", "commodity", ("cet",),
     "xie"),
    ("trade.cet_domestic_share", "cet_domestic_share", "cet_domestic_share", "commodity",
     ("cet",), "xid"),
    ("trade.cet_scale", "cet_scale", "cet_scale", "commodity", ("cet",), "theta"),
    ("trade.export_demand_elasticity", "export_demand_elasticity", "export_demand_elasticity",
     "commodity", ("export_demand",), "export_demand"),
    ("production.va_share", "value_added_share", "value_added_share", "factor x activity",
     ("value_added",), "value_added_share"),
    ("production.va_scale", "value_added_scale", "value_added_scale", "activity",
     ("value_added",), "value_added_scale"),
    ("production.va_rho", "value_added_exponent", "value_added_elasticity", "activity",
     ("value_added",), "value_added_exponent"),
    ("production.va_sigma", "value_added_elasticity", "value_added_elasticity", "activity",
     ("value_added",), "value_added"),
    ("production.top_sigma", "top_elasticity", "top_elasticity", "activity", ("top",), "top"),
    ("production.top_rho", "top_exponent", "top_elasticity", "activity", ("top",),
     "top_exponent"),
    ("production.top_share", "top_value_added_share", "top_value_added_share", "activity",
     ("top",), "top_share"),
    ("production.top_scale", "top_scale", "top_scale", "activity", ("top",), "top_scale"),
    ("households.marginal_budget_share", "marginal_budget_share", "marginal_budget_share",
     "commodity x household", ("income",), None),
    ("households.subsistence", "subsistence", "subsistence_consumption",
     "commodity x household", ("income", "frisch"), None),
    ("markets.wage_curve_elasticity", "wage_curve_elasticity", "wage_curve", "economy",
     ("wage_curve",), "wage_curve"),
))

TOP_SWITCH = ("switching the top nest between Leontief, Cobb-Douglas and CES "
              "(elasticity 'top') needs a new model")
VA_SWITCH = "switching value added between Cobb-Douglas (elasticity 1) and CES needs a new model"
EXPORT_DEMAND_SWITCH = ("switching between finite and infinite export demand elasticities "
                        "needs a new model")


def table_loads(data: ModelData, layout: VariableLayout) -> dict[str, np.ndarray]:
    """Every elasticity-dependent parameter the model has, from block data made from the
    calibration tables: dotted path -> values in the variable's index order."""
    out = {}
    for p in ELASTICITY_PARAMETERS:
        keys = layout.keys.get(p.path)
        if keys:
            values = getattr(getattr(data, p.block), p.field)
            out[p.path] = np.array([values if p.index == "economy" else values[k]
                                    for k in keys], dtype=float)
    return out


class Recalibration:
    """Elasticity-dependent parameters from benchmark arrays, in the model's variable order.

    Made once per model from its calibration; :meth:`loads` then gives, for new
    elasticities, the values of every elasticity-dependent pinned variable with the
    formulas of :mod:`cge.calibration` (:func:`~cge.calibration.trade_share_arrays`,
    :func:`~cge.calibration.value_added_arrays`, :func:`~cge.calibration.top_nest_arrays`)
    and no pandas, so an elasticity batch pays microseconds per scenario.
    """

    def __init__(self, calibration, data: ModelData, layout: VariableLayout):
        acc, bm, pr = calibration.accounts, calibration.benchmark, calibration.parameters
        self.C, self.A = C, A = list(acc.commodities), list(acc.activities)
        z_cet = cet_output(acc, bm, pr)
        self.trade = tuple(x.reindex(C).to_numpy(dtype=float) for x in (
            bm["imports"], bm["exports"], bm["domestic_sales"], bm["composite_supply"], z_cet,
            import_tax_wedge(pr), pr["export_tax_rate"]))
        F0 = bm["factor_demand"]
        self.factor_demand = F0.to_numpy(dtype=float)
        self.value_added = bm["value_added"].reindex(A).to_numpy(dtype=float)
        bundle = bm["intermediate_input"].sum(axis=0)
        self.bundle = bundle.reindex(A).to_numpy(dtype=float)
        self.output = bm["output"].reindex(A).to_numpy(dtype=float)
        self.les = data.households.les
        # the structure the elasticities may not change
        production, trade = data.production, data.trade
        self.cobb_douglas = set(production.cobb_douglas)
        self.AT, self.top_cobb_douglas = list(production.top_nest), set(production.top_cobb_douglas)
        self.CE, self.finite = list(trade.exported), list(trade.finite_export_demand)
        # the same as masks and positions, for the checks of :meth:`loads`
        self._cobb_douglas = np.array([a in self.cobb_douglas for a in A], dtype=bool)
        self._top_cobb_douglas = np.array([a in self.top_cobb_douglas for a in A], dtype=bool)
        self._top_at = np.array([A.index(a) for a in self.AT], dtype=np.intp)
        exported = set(self.CE)
        self._exported = np.array([c in exported for c in C], dtype=bool)
        self._finite_at = np.array([C.index(c) for c in self.finite], dtype=np.intp)
        at = {"commodity": {c: i for i, c in enumerate(C)},
              "activity": {a: i for i, a in enumerate(A)}}
        f_at = {f: i for i, f in enumerate(F0.index)}

        def position(index: str, key):
            if index == "economy":
                return 0
            if index == "factor x activity":
                return f_at[key[0]], at["activity"][key[1]]
            return at[index][key]

        #: dotted path -> positions of its entries in the arrays of :meth:`loads`
        self.positions = {p.path: np.array([position(p.index, k) for k in layout.keys[p.path]],
                                           dtype=np.intp)
                          for p in ELASTICITY_PARAMETERS
                          if p.array is not None and layout.keys.get(p.path)}

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
        switched = np.flatnonzero((sigma_va == 1.0) != self._cobb_douglas)
        if switched.size:
            raise ConfigError(f"{VA_SWITCH} (activities {[A[i] for i in switched]})")
        top = values("top", A)
        at = np.flatnonzero((top != 0) & ~np.isnan(top) & (self.bundle > 0))
        if not np.array_equal(at, self._top_at) or np.any(
                (top[at] == 1.0) != self._top_cobb_douglas[at]):
            raise ConfigError(TOP_SWITCH)
        ed = values("export_demand", C)
        if not np.array_equal(np.flatnonzero(self._exported & np.isfinite(ed)),
                              self._finite_at):
            raise ConfigError(EXPORT_DEMAND_SWITCH)
        at = at.tolist()
        if self.les:
            return None

        arrays = trade_share_arrays(*self.trade, values("armington", C), values("cet", C))
        delta, va_scale = value_added_arrays(self.factor_demand, self.value_added, sigma_va)
        top_share, top_scale = np.full(len(A), np.nan), np.full(len(A), np.nan)
        if at:
            top_share[at], top_scale[at] = top_nest_arrays(
                self.value_added[at], self.bundle[at], self.output[at], top[at])
        arrays.update({
            "export_demand": ed, "value_added": sigma_va, "value_added_share": delta,
            "value_added_scale": va_scale, "value_added_exponent": ces_exponent(sigma_va),
            "top": top, "top_exponent": ces_exponent(top), "top_share": top_share,
            "top_scale": top_scale, "wage_curve": np.array([el.scalar("wage_curve")])})
        out = {}
        for p in ELASTICITY_PARAMETERS:
            where = self.positions.get(p.path)
            if where is not None:
                array = arrays[p.array]
                out[p.path] = array[where[:, 0], where[:, 1]] if where.ndim == 2 \
                    else array[where]
        return out
