"""The full indicator set of :mod:`cge.indicators`, from variable vectors, for batches.

:func:`cge.indicators.indicators` works on pandas tables and costs milliseconds per
scenario, more than a re-solve. :class:`IndicatorPlan` finds once, per model, where each
variable the indicators read sits in the model's flat variable order
(:class:`~cge.model.build.VariableIndex`); a scenario's indicators are then a few numpy
sums and products of its variable vector. The rows are those of
:func:`cge.indicators.indicator_frame` applied to ``indicators(base, cf, model)``:
``(indicator, index, base, counterfactual, value)`` with ``index`` an account label or
``"_"``, levels in ``base``/``counterfactual`` and percent changes or ratios in
``value`` (``None`` where undefined).
"""

from __future__ import annotations

import math

import numpy as np

from ..indicators import sector_arrays

#: Volumes by commodity the sector indicators read (result name -> model path).
_VOLUMES = {"exports": "trade.exports", "imports": "trade.imports",
            "domestic_sales": "trade.domestic_sales",
            "household_consumption": "households.consumption",
            "government_consumption": "government.consumption",
            "investment_demand": "investment.demand"}


class IndicatorPlan:
    """Where the indicators' variables sit in a model's variable vector.

    Parameters
    ----------
    model : CGEModel
        The model the vectors come from (its closure and calibration at the benchmark).
    base : ndarray
        The benchmark levels of every variable, in SAM units (``VariableIndex.values()
        * VariableIndex.to_sam_units``).
    """

    def __init__(self, model, base: np.ndarray):
        from scipy import sparse

        layout = model.variable_index.layout
        n = sum(s.stop - s.start for s in layout.slices.values())
        self._layout = layout

        def at(path, key="_"):
            keys = layout.keys[path]
            return layout.slices[path].start + keys.index(None if key == "_" else key)

        self.commodities = [str(c) for c in layout.keys["markets.price_composite"]]
        row_of = {c: i for i, c in enumerate(layout.keys["markets.price_composite"])}
        rows, cols, which = [], [], []
        for k, path in enumerate(_VOLUMES.values()):
            if path not in layout.slices:
                continue
            start = layout.slices[path].start
            for j, key in enumerate(layout.keys[path]):
                c = key[0] if isinstance(key, tuple) else key
                rows.append(k * len(row_of) + row_of[c])
                cols.append(start + j)
        which = np.ones(len(rows))
        #: (volume, commodity) x variables: volumes = (V @ x).reshape(6, commodities)
        self._volumes = sparse.csr_matrix((which, (rows, cols)),
                                          shape=(len(_VOLUMES) * len(row_of), n))
        self.households = [str(h) for h in layout.keys["households.utility"]]
        consumption = layout.keys["households.consumption"]
        start = layout.slices["households.consumption"].start
        self._consumption = sparse.csr_matrix(
            (np.ones(len(consumption)),
             ([self.households.index(str(h)) for _, h in consumption],
              [start + j for j in range(len(consumption))])),
            shape=(len(self.households), n))
        # household order of cge.indicators: groupby over the household level (sorted)
        self._by_household = np.argsort(np.array(self.households, dtype=object), kind="stable")
        self._utility = np.array([at("households.utility", h)
                                  for h in layout.keys["households.utility"]])
        shares = model.calibration.parameters["marginal_budget_share"]
        pq0 = base[[at("markets.price_composite", c)
                    for c in layout.keys["markets.price_composite"]]]
        price = dict(zip(layout.keys["markets.price_composite"], pq0, strict=True))
        #: EV per unit of utility, by household: prod_c (p0_c / beta_c)^beta_c
        self._unit_cost = np.array([
            float(np.prod([(price[c] / a) ** a for c, a in shares[h].items() if a != 0]))
            for h in layout.keys["households.utility"]])
        self._eps = at("markets.exchange_rate")
        self._cpi = at("markets.cpi")
        self._gov_saving = at("government.savings")
        self._trade = []   # (sign, world price positions, volume positions)
        for sign, price_path, volume_path in ((1.0, "trade.world_export_price", "trade.exports"),
                                              (-1.0, "trade.world_import_price",
                                               "trade.imports")):
            keys = layout.keys[price_path]
            volume_keys = set(layout.keys[volume_path])
            keys = [k for k in keys if k in volume_keys]   # reindex: a missing flow is NaN
            self._trade.append((sign, np.array([at(price_path, k) for k in keys], dtype=int),
                                np.array([at(volume_path, k) for k in keys], dtype=int)))
        self.labour = model.accounts.labour
        self._fixed_real_wage = model.closure.to_dict().get("labour") == "fixed_real_wage"
        if self.labour is not None:
            self._wage = at("markets.factor_price", self.labour)
            self._unemployed = at("markets.unemployment", self.labour)
            self._force = at("markets.factor_endowment", self.labour)
            demand = layout.keys["production.factor_demand"]
            self.employers = [str(a) for f, a in demand if f == self.labour]
            self._employment = np.array([at("production.factor_demand", (f, a))
                                         for f, a in demand if f == self.labour], dtype=int)
        self.base = np.asarray(base, dtype=float)
        self._base_volumes = self._volume_table(self.base)
        #: producers' base price of exports p^e_0c (one where a commodity is not exported)
        self._export_price = np.ones(len(self.commodities))
        if "trade.price_export" in layout.slices:
            for key in layout.keys["trade.price_export"]:
                self._export_price[row_of[key]] = self.base[at("trade.price_export", key)]

    # -- pieces ------------------------------------------------------------------------
    def _volume_table(self, x: np.ndarray) -> dict[str, np.ndarray]:
        v = (self._volumes @ x).reshape(len(_VOLUMES), -1)
        t = dict(zip(_VOLUMES, v, strict=True))
        t["final_demand"] = (t["household_consumption"] + t["government_consumption"]
                             + t["investment_demand"])
        return t

    def _trade_balance(self, x: np.ndarray) -> float:
        return float(x[self._eps] * sum(sign * float(np.dot(x[p], x[q]))
                                        for sign, p, q in self._trade))

    # -- the rows ----------------------------------------------------------------------
    def rows(self, cf: np.ndarray) -> list[tuple]:
        """``(indicator, index, base, counterfactual, value)`` of a counterfactual vector."""
        x0, x1 = self.base, np.asarray(cf, dtype=float)
        v0, v1 = self._base_volumes, self._volume_table(x1)
        C = self.commodities
        out: list[tuple] = []
        s = sector_arrays(v0, v1, self._export_price)
        out += [("absorption_ratio", c, None, None, _num(r))
                for c, r in zip(C, s["absorption_ratio"][:-1], strict=True)]
        out.append(("absorption_ratio", "total", None, None, _num(s["absorption_ratio"][-1])))
        out += [("export_change", c, None, None, _num(x))
                for c, x in zip(C, s["exports_change"][:-1], strict=True)]
        out.append(("export_change", "total", None, None, _num(s["exports_change"][-1])))
        out += [("sectoral_imbalance", c, _num(b), _num(x), None) for c, b, x in zip(
            C, s["imbalance_base"][:-1], s["imbalance_counterfactual"][:-1], strict=True)]
        out += [("structural_gap", c, _num(b), _num(x), None) for c, b, x in zip(
            C, s["structural_gap_base"][:-1], s["structural_gap_counterfactual"][:-1],
            strict=True)]
        gdp = [float((v["final_demand"] + v["exports"] - v["imports"]).sum()) for v in (v0, v1)]
        out.append(("real_gdp", "_", None, None, _pct(*gdp)))
        out.append(("gdp", "_", _num(gdp[0]), _num(gdp[1]), None))
        c0, c1 = (self._consumption @ x for x in (x0, x1))
        out.append(("real_household_consumption", "_", None, None,
                    _pct(float(c0.sum()), float(c1.sum()))))
        out += [("real_household_consumption_by_household", self.households[i], None, None,
                 _pct(float(c0[i]), float(c1[i]))) for i in self._by_household]
        ev = (x1[self._utility] - x0[self._utility]) * self._unit_cost
        out.append(("equivalent_variation", "_", None, None, _num(float(ev.sum()))))
        out += [("equivalent_variation_by_household", h, None, None, _num(e))
                for h, e in zip(self.households, ev.tolist(), strict=True)]
        out.append(("real_exchange_rate", "_", None, None,
                    _pct(*(x[self._eps] / x[self._cpi] for x in (x0, x1)))))
        out.append(("trade_balance", "_", *(_num(self._trade_balance(x)) for x in (x0, x1)),
                    None))
        out.append(("government_saving", "_", _num(x0[self._gov_saving]),
                    _num(x1[self._gov_saving]), None))
        if self.labour is None:
            return out
        out.append(("real_wage", "_", None, None,
                    _pct(*(x[self._wage] / x[self._cpi] for x in (x0, x1)))))
        u = (float(x0[self._unemployed]), float(x1[self._unemployed]))
        if self._fixed_real_wage or u[0] != 0 or u[1] != 0:
            out += [("employment", a, _num(b), _num(c), None) for a, b, c in zip(
                self.employers, x0[self._employment], x1[self._employment], strict=True)]
            out.append(("unemployment", "_", _num(u[0]), _num(u[1]), None))
            force = (float(x0[self._force]), float(x1[self._force]))
            out.append(("unemployment_rate", "_", _num(100 * u[0] / force[0]),
                        _num(100 * u[1] / force[1]), None))
        return out


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _pct(b: float, c: float) -> float | None:
    """Percent change, as :func:`cge.indicators.macro_indicators` (``None`` at a zero base)."""
    return None if b == 0 else _num(100.0 * (c - b) / abs(b))
