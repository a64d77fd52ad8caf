"""The registry of the model's SAM flows and reported variables: one row per fact.

Everything that follows a SAM flow through the package reads :data:`FLOWS`:

* calibration: which SAM cells the model represents (:func:`flow_cells`; a non-zero
  cell no flow claims is an error naming the cell);
* the SAM a solution implies (:func:`cge.results.solution_sam`, the replication
  check): each flow's :attr:`Flow.value` values its cells from variable levels;
* the GDP accounts (:func:`cge.diagnostics.gdp_accounts`): each flow's
  :attr:`Flow.gdp` side;
* the volumes the indicators read (:data:`INDICATOR_VOLUMES`).

Reported variables are the rows of :data:`RESULTS`: the result name users see, the
Pyomo component that holds it, the workbook sheet it goes to and its meaning. The
JSON and report variable lists and the batch store are derived from it.

Adding a flow (say an export subsidy, a new tax account paid by commodities) is one
row here (its cells by account group, its variable, how it is valued, its GDP side)
and the block that holds its variable; calibration, the solution SAM, the GDP
identity, the results and the reports follow. ``docs/architecture.md`` walks through it.

Account groups name attributes of :class:`cge.calibration.Accounts`
(``"activities"``, ``"commodities"``, ``"factors"``, ``"households"``,
``"enterprises"``, ``"government"``, ``"savings_investment"``, ``"rest_of_world"``),
``"tax:ROLE"`` (the accounts of a tax role) or ``"taxes"`` (every tax account).

The module is plain data and numpy/pandas arithmetic: it imports neither the model
nor Pyomo, so calibration (below the model) and results (above it) can both read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: GDP sides of a flow (:attr:`Flow.gdp`): income (value added and net indirect taxes)
#: and expenditure (final demand, exports, minus imports).
GDP_INCOME = ("factor_income", "net_indirect_taxes")
GDP_EXPENDITURE = ("household_consumption", "government_consumption", "investment",
                   "exports", "imports")


@dataclass(frozen=True)
class Flow:
    """One kind of SAM cell the model represents.

    Attributes
    ----------
    name : str
        The flow, as calibration tables and messages name it.
    receivers, payers : tuple of str
        Account groups of its rows (receivers) and columns (payers).
    value : callable or None
        ``value(levels) -> (amounts, by)``: the flow at a solution, in SAM units, from a
        :class:`Levels` view. ``by`` says what ``amounts`` (a pandas Series) is indexed
        by: ``"cell"`` (receiver, payer), ``"payer"`` (the amount a payer pays is split
        over the flow's receivers in benchmark proportions, e.g. several tax accounts),
        or ``"receiver"`` (one payer). ``None``: the cells are derived from the others
        (tax accounts pass their receipts on).
    volume, price : str or None
        Result names (:data:`RESULTS`) of the quantity and the price that value it.
    gdp : str or None
        Its side in the GDP accounts (:data:`GDP_INCOME`, :data:`GDP_EXPENDITURE`).
    shock : str or None
        The shock parameter (:data:`cge.model.shocks.SHOCK_PARAMETERS`) that moves it
        directly, e.g. its tax rate.
    layout : str or None
        Only for SAMs of this layout (``"activity_commodity"``), else for every SAM.
    fallback : str or None
        Account group paid when the SAM has no account of the receiver group (a tax
        introduced by a scenario on a SAM without its account goes to the government).
    doc : str
        Its meaning.
    """

    name: str
    receivers: tuple[str, ...]
    payers: tuple[str, ...]
    value: Callable[[Levels], tuple[Any, str]] | None
    doc: str
    volume: str | None = None
    price: str | None = None
    gdp: str | None = None
    shock: str | None = None
    layout: str | None = None
    fallback: str | None = None

    def accounts(self, acc) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The receiver and payer accounts of this flow in a SAM's :class:`Accounts`."""
        return accounts_of(acc, self.receivers), accounts_of(acc, self.payers)

    def booked_accounts(self, acc) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Where a solution books the flow: :meth:`accounts`, with the :attr:`fallback`
        group as receivers when the SAM has no receiver account (calibration still refuses
        such cells: they are not in the SAM)."""
        receivers, payers = self.accounts(acc)
        if not receivers and self.fallback:
            receivers = accounts_of(acc, (self.fallback,))
        return receivers, payers

    def applies_to(self, acc) -> bool:
        return self.layout is None or self.layout == acc.layout


def accounts_of(acc, groups: tuple[str, ...]) -> tuple[str, ...]:
    """The accounts of account groups (see the module docstring)."""
    out: list[str] = []
    for group in groups:
        if group == "taxes":
            out.extend(a for accounts in acc.taxes.values() for a in accounts)
        elif group.startswith("tax:"):
            out.extend(acc.taxes[group[4:]])
        else:
            value = getattr(acc, group)
            out.extend([value] if isinstance(value, str) else value)
    return tuple(out)


class Levels:
    """What a flow's value reads: variable levels (SAM units) and calibrated parameters.

    ``levels`` maps a dotted Pyomo path to a pandas Series (a
    :class:`~cge.model.solution.Solution`'s ``values``); ``parameters`` are the
    calibration's parameter tables, ``sam`` the benchmark SAM matrix and ``accounts``
    its :class:`~cge.calibration.Accounts`.
    """

    def __init__(self, levels: Mapping[str, Any], parameters: Mapping[str, Any], sam=None,
                 accounts=None):
        self._levels, self.parameters, self.sam = levels, parameters, sam
        self.accounts = accounts

    def __call__(self, path: str):
        """The levels of one variable (a Series; a float for a scalar)."""
        s = self._levels[path]
        return float(s.iloc[0]) if len(s) == 1 and s.index[0] == "_" else s

    def has(self, path: str) -> bool:
        return path in self._levels

    def times(self, amounts, factor, level: int = 0):
        """``amounts`` (indexed by pairs) times ``factor`` (indexed by one label), matched
        on ``level`` of the pairs."""
        labels = amounts.index.get_level_values(level)
        return amounts * factor.reindex(labels).to_numpy()


def _valued(volume, price: str):
    """Price times quantity (``volume``: a Pyomo path or a function of the levels),
    matched on the first index level (the commodity)."""
    def value(v: Levels):
        q = volume(v) if callable(volume) else v(volume)
        if q.index.nlevels == 1:
            return q * v(price).reindex(q.index).to_numpy(), "receiver"
        return v.times(q, v(price)), "cell"
    return value


def _intermediate_use(v: Levels):
    """Intermediate use :math:`X_{ca}`: :math:`a^x_{ca} Z_a` (Leontief top nest) or
    :math:`a^n_{ca} N_a` (CES top nest), SAM: commodity row, activity column."""
    import pandas as pd

    coefficient = v.parameters["io_coefficient"].stack()
    coefficient = coefficient[coefficient != 0]
    commodity, activity = (coefficient.index.get_level_values(i) for i in (0, 1))
    use = coefficient.to_numpy() * v("production.output").reindex(activity).to_numpy()
    if v.has("production.intermediate_bundle"):
        bundle = v("production.intermediate_bundle")
        nested = activity.isin(bundle.index)
        if nested.any():
            share = v.parameters["bundle_coefficient"].stack()
            pairs = list(zip(commodity[nested], activity[nested], strict=True))
            use[nested] = share.reindex(pairs).to_numpy() \
                * bundle.reindex(activity[nested]).to_numpy()
    return pd.Series(use, index=coefficient.index)


def _factor_payments(v: Levels):
    """Rentals :math:`p^f_f \\omega_{fa} F_{fa}` (factor price times its activity
    differential: sector-specific rents under sector-specific capital)."""
    demand = v("production.factor_demand")
    differential = v("production.factor_price_distortion").reindex(demand.index).to_numpy()
    return v.times(demand, v("markets.factor_price")) * differential, "cell"


def _at_world_price(volume: str, world_price: str):
    """Border value :math:`\\varepsilon p^W_c X_c` in domestic currency."""
    def value(v: Levels):
        q = v(volume)
        return v("markets.exchange_rate") * q * v(world_price).reindex(q.index).to_numpy(), \
            "payer" if volume == "trade.imports" else "receiver"
    return value


def _domestic_output(v: Levels):
    """Value of commodity c made by activity a at producer prices, tax included:
    :math:`(1+\\tau^z_a) p^z_a Z_a` on the diagonal of the make matrix,
    :math:`p^x_c \\theta_{ac} Z_a` for a commodity made jointly or by several activities."""
    import pandas as pd

    make = v.parameters["make_share"]
    z, pz = v("production.output"), v("production.price_output")
    tauz = v("production.production_tax_rate")
    joint = v("trade.price_commodity_output") if v.has("trade.price_commodity_output") else None
    made = make.stack()
    made = made[made != 0]
    rows = []
    for (a, c), share in made.items():
        if joint is not None and c in joint.index:
            rows.append(float(joint[c]) * share * float(z[a]))
        else:
            rows.append((1 + float(tauz[a])) * float(pz[a]) * float(z[a]))
    return pd.Series(rows, index=made.index, dtype=float), "cell"


def _factor_income(v: Levels):
    """Factor income :math:`Y^F_f` paid to institutions in fixed shares (SAM: the factor
    column's shares)."""
    shares = v.parameters["factor_income_share"].stack()
    shares = shares[shares != 0]
    income = v("markets.factor_income")
    return shares * income.reindex(shares.index.get_level_values(1)).to_numpy(), "cell"


def _payout(v: Levels):
    """Enterprise income paid to households, :math:`\\pi_{he} \\theta_e Y^E_e`."""
    rate = v("enterprises.payout_rate")
    if v.has("enterprises.payout_adjustment"):
        theta = v("enterprises.payout_adjustment")
        rate = rate * theta.reindex(rate.index.get_level_values(1), fill_value=1.0).to_numpy()
    return v.times(rate, v("enterprises.income"), level=1), "cell"


def _scaled(path: str, by: str, deflator: str | None = None):
    """A variable paid as it is (times the CPI or the exchange rate when it is real or
    in foreign currency)."""
    def value(v: Levels):
        x = v(path)
        return (x * v(deflator) if deflator else x), by
    return value


def _foreign_saving(as_lending: bool):
    """Foreign saving in domestic currency :math:`\\varepsilon S^f`, booked where the SAM
    books it: the savings-investment row, or (``as_lending``) the rest-of-world row as
    net lending abroad, :math:`-\\varepsilon S^f`, when the SAM books it only there."""
    def value(v: Levels):
        acc_si, acc_row = v.accounts.savings_investment, v.accounts.rest_of_world
        lending = v.sam.at[acc_row, acc_si] != 0 and v.sam.at[acc_si, acc_row] == 0
        sf = v("markets.exchange_rate") * v("rest_of_world.foreign_savings")
        return ((-sf if lending else 0.0) if as_lending else (0.0 if lending else sf)), "payer"
    return value


#: Every kind of SAM cell the model represents, in the order calibration claims cells
#: (a later row wins a cell claimed twice).
FLOWS: tuple[Flow, ...] = (
    Flow("intermediate_input", ("commodities",), ("activities",),
         _valued(_intermediate_use, "markets.price_composite"),
         "intermediate input of commodity c used by activity a, at purchaser prices",
         volume="intermediate_input", price="price_composite"),
    Flow("factor_payment", ("factors",), ("activities",), _factor_payments,
         "rental of factor f paid by activity a (value added at factor cost)",
         volume="factor_demand", price="factor_rent", gdp="factor_income"),
    Flow("production_tax", ("tax:production_tax",), ("activities",),
         _scaled("production.production_tax", "payer"),
         "production tax paid by activity a", gdp="net_indirect_taxes",
         shock="production_tax_rate", fallback="government"),
    Flow("imports", ("rest_of_world",), ("commodities",),
         _at_world_price("trade.imports", "trade.world_import_price"),
         "imports of commodity c at world (CIF) prices", volume="imports",
         price="world_import_price", gdp="imports", shock="world_import_price"),
    Flow("import_tariff", ("tax:import_tariff",), ("commodities",),
         _scaled("trade.import_tariff", "payer"), "import tariff on commodity c",
         gdp="net_indirect_taxes", shock="import_tariff_rate", fallback="government"),
    Flow("import_tax", ("tax:import_tax",), ("commodities",),
         _scaled("trade.import_tax", "payer"),
         "import VAT and consumption tax on imports of commodity c, levied (as customs "
         "levies them) on the CIF value plus the tariff: tau^v_c (1+tau^m_c) p^m_c M_c",
         gdp="net_indirect_taxes", shock="import_tax_rate", fallback="government"),
    Flow("sales_tax", ("tax:sales_tax",), ("commodities",), _scaled("trade.sales_tax", "payer"),
         "sales tax on the composite good c", gdp="net_indirect_taxes",
         shock="sales_tax_rate", fallback="government"),
    Flow("export_tax", ("tax:export_tax",), ("commodities",),
         _scaled("trade.export_tax", "payer"), "export tax on commodity c",
         gdp="net_indirect_taxes", shock="export_tax_rate", fallback="government"),
    Flow("household_consumption", ("commodities",), ("households",),
         _valued("households.consumption", "markets.price_composite"),
         "consumption of commodity c by household h", volume="household_consumption",
         price="price_composite", gdp="household_consumption"),
    Flow("government_consumption", ("commodities",), ("government",),
         _valued("government.consumption", "markets.price_composite"),
         "government consumption of commodity c", volume="government_consumption",
         price="price_composite", gdp="government_consumption",
         shock="government_consumption"),
    Flow("investment_demand", ("commodities",), ("savings_investment",),
         _valued("investment.demand", "markets.price_composite"),
         "investment demand for commodity c", volume="investment_demand",
         price="price_composite", gdp="investment", shock="investment"),
    Flow("exports", ("commodities",), ("rest_of_world",),
         _at_world_price("trade.exports", "trade.world_export_price"),
         "exports of commodity c at world (FOB) prices", volume="exports",
         price="world_export_price", gdp="exports", shock="export_demand"),
    Flow("factor_income", ("households", "enterprises", "government", "rest_of_world"),
         ("factors",), _factor_income,
         "factor income paid to institutions in fixed shares", shock="factor_endowment"),
    Flow("direct_tax", ("tax:direct_tax", "government"), ("households", "enterprises"),
         _scaled("government.direct_tax", "payer"),
         "direct tax paid by household or enterprise i", shock="direct_tax_rate"),
    Flow("household_saving", ("savings_investment",), ("households",),
         _scaled("households.savings", "payer"), "saving of household h",
         volume="household_savings", shock="household_saving_rate"),
    Flow("enterprise_saving", ("savings_investment",), ("enterprises",),
         _scaled("enterprises.savings", "payer"), "retained earnings of enterprise e"),
    Flow("enterprise_payout", ("households",), ("enterprises",), _payout,
         "enterprise income paid to household h", shock="enterprise_payout_rate"),
    Flow("government_transfers", ("households", "enterprises"), ("government",),
         _scaled("government.transfers", "receiver", "markets.cpi"),
         "government transfers to household or enterprise i (real, times the CPI)",
         shock="household_transfers"),
    Flow("government_transfers_abroad", ("rest_of_world",), ("government",),
         _scaled("rest_of_world.transfers_from_government", "payer", "markets.exchange_rate"),
         "government transfers abroad (foreign currency, times the exchange rate)"),
    Flow("government_saving", ("savings_investment",), ("government",),
         _scaled("government.savings", "payer"), "government saving",
         volume="government_savings", shock="government_savings"),
    Flow("tax_revenue", ("government",), ("taxes",), None,
         "tax accounts pass their receipts to the government"),
    Flow("transfers_from_abroad", ("households", "government"), ("rest_of_world",),
         _scaled("rest_of_world.transfers_to", "receiver", "markets.exchange_rate"),
         "transfers from abroad to household h or the government (foreign currency)"),
    Flow("foreign_saving", ("savings_investment",), ("rest_of_world",), _foreign_saving(False),
         "foreign saving (the current-account deficit), savings-investment row",
         volume="foreign_savings", shock="foreign_savings"),
    Flow("foreign_saving", ("rest_of_world",), ("savings_investment",), _foreign_saving(True),
         "foreign saving booked as net lending abroad (rest-of-world row, negative "
         "foreign saving)", volume="foreign_savings", shock="foreign_savings"),
    Flow("domestic_output", ("activities",), ("commodities",), _domestic_output,
         "commodity c made by activity a, at producer prices tax included (make matrix)",
         volume="output", price="price_output", layout="activity_commodity"),
)


def implied_sam(levels: Levels):
    """The SAM the levels imply, cell by cell, in SAM units (a DataFrame like the SAM).

    Each flow's :attr:`Flow.value` is booked in its cells: by cell, by receiver (one
    payer), or by payer (split over the flow's receivers in benchmark proportions, the
    first receiver when the benchmark has none; the :attr:`Flow.fallback` group when
    the SAM has no receiver account). Tax accounts then pass their receipts on
    (``tax_revenue``). At the benchmark the result equals the SAM.
    """
    import numpy as np
    import pandas as pd

    acc, base = levels.accounts, levels.sam
    labels = base.index
    out = np.zeros(base.shape)
    position = {a: i for i, a in enumerate(labels)}
    weights = base.to_numpy()
    for flow in FLOWS:
        if flow.value is None or not flow.applies_to(acc):
            continue
        receivers, payers = flow.booked_accounts(acc)
        if not receivers or not payers:
            continue
        amounts, by = flow.value(levels)
        if not isinstance(amounts, pd.Series):
            amounts = pd.Series([float(amounts)], index=[payers[0] if by == "payer"
                                                         else receivers[0]])
        values = amounts.to_numpy(dtype=float)
        if by == "cell":
            rows = [position[r] for r in amounts.index.get_level_values(0)]
            cols = [position[p] for p in amounts.index.get_level_values(1)]
            np.add.at(out, (rows, cols), values)
        elif by == "receiver":
            rows = [position[r] for r in amounts.index]
            np.add.at(out, (rows, [position[payers[0]]] * len(rows)), values)
        else:
            r = np.array([position[x] for x in receivers])
            for payer, amount in zip(amounts.index, values, strict=True):
                p = position[payer]
                w = weights[r, p]
                total = w.sum()
                if len(r) == 1 or total == 0:
                    out[r[0], p] += amount
                else:
                    out[r, p] += amount * w / total
    gov = position[acc.government]
    for t in accounts_of(acc, ("taxes",)):
        out[gov, position[t]] += out[position[t]].sum()
    return pd.DataFrame(out, index=labels, columns=base.columns)


def gdp_sides(cells, acc):
    """GDP components (SAM units) from the cells of a SAM (the benchmark or one a
    solution implies), summed by each flow's :attr:`Flow.gdp` side; imports count
    negative on the expenditure side.

    Returns a dict: every side of :data:`GDP_INCOME` and :data:`GDP_EXPENDITURE`,
    ``income_side`` and ``expenditure_side``.
    """
    cells_of: dict[str, set] = {k: set() for k in (*GDP_INCOME, *GDP_EXPENDITURE)}
    for flow in FLOWS:
        if flow.gdp is None or not flow.applies_to(acc):
            continue
        receivers, payers = flow.booked_accounts(acc)   # taxes may share a fallback block
        cells_of[flow.gdp].update((r, p) for r in receivers for p in payers)
    index = {a: i for i, a in enumerate(cells.index)}
    values = cells.to_numpy()
    out = {side: float(sum(values[index[r], index[p]] for r, p in pairs))
           for side, pairs in cells_of.items()}
    out["income_side"] = sum(out[k] for k in GDP_INCOME)
    out["expenditure_side"] = sum(-out[k] if k == "imports" else out[k]
                                  for k in GDP_EXPENDITURE)
    return out


def flow_accounts(acc, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The receiver and payer accounts of flow ``name`` (the first row of that name)."""
    return next(f for f in FLOWS if f.name == name).accounts(acc)


def flow_positions(acc, name: str, position: Mapping[str, int]):
    """SAM row and column positions of the block of flow ``name`` (its receivers x payers;
    the first row of that name), ``position`` giving each account's place in the SAM:
    ``values[np.ix_(rows, columns)]`` are e.g. the benchmark intermediate inputs
    commodity x activity."""
    import numpy as np

    receivers, payers = flow_accounts(acc, name)
    return (np.array([position[a] for a in receivers], dtype=np.intp),
            np.array([position[a] for a in payers], dtype=np.intp))


def flow_cells(acc) -> list[tuple[tuple[str, ...], tuple[str, ...], str]]:
    """(receivers, payers, flow name) of every flow a SAM of accounts ``acc`` can have."""
    return [(*f.accounts(acc), f.name) for f in FLOWS if f.applies_to(acc)]


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Result:
    """A reported variable: the result name users see and where the model keeps it.

    ``path`` is the Pyomo component (``block.variable``); ``derive`` instead computes it
    from other levels (``derive(levels) -> Series``) of the variables ``reads``.
    ``sheet`` is its report sheet and ``unit`` a key of :data:`UNITS`.
    """

    path: str | None
    sheet: str
    doc: str
    unit: str = "volume"
    derive: Callable[[Levels], Any] | None = None
    reads: tuple[str, ...] = ()


def _factor_rent(v: Levels):
    """:math:`p^f_f \\omega_{fa}`: what one unit of factor f earns in activity a; under
    sector-specific capital the rent of each activity's own capital (``factor_price`` of
    such a factor is then an unused economy-wide index)."""
    w = v("production.factor_price_distortion")
    return v.times(w, v("markets.factor_price"))


#: Units of reported variables (``{sam_unit}``: the SAM's unit, e.g. 100 million yuan).
UNITS: dict[str, str] = {
    "volume": "{sam_unit}, at base prices",
    "value": "{sam_unit}, at current prices",
    "foreign_value": "{sam_unit}, in foreign currency at the base exchange rate",
    "price": "index, benchmark = 1",
    "foreign_price": "index in foreign currency, benchmark = 1",
    "utility": "utility index (benchmark: real consumption)",
}

#: Reported variables, in report order: result name -> :class:`Result`.
RESULTS: dict[str, Result] = {
    "output": Result("production.output", "production", "gross output by activity"),
    "value_added": Result("production.value_added", "production", "value added by activity",
                          unit="volume"),
    "factor_demand": Result("production.factor_demand", "production",
                            "factor f employed by activity a"),
    "factor_rent": Result(None, "production", "rent of factor f in activity a (factor price "
                          "times its differential)", derive=_factor_rent,
                          reads=("markets.factor_price", "production.factor_price_distortion"),
                          unit="price"),
    "price_output": Result("production.price_output", "production",
                           "producer price of output before production tax",
                           unit="price"),
    "intermediate_input": Result(None, "production", "intermediate input of commodity c "
                                 "by activity a", derive=_intermediate_use,
                                 reads=("production.output",)),
    "exports": Result("trade.exports", "trade", "exports by commodity"),
    "imports": Result("trade.imports", "trade", "imports by commodity"),
    "domestic_sales": Result("trade.domestic_sales", "trade",
                             "domestic output sold at home by commodity"),
    "composite_supply": Result("trade.composite_supply", "trade",
                               "Armington composite supply by commodity"),
    "price_export": Result("trade.price_export", "trade",
                           "price exporters receive, net of export tax",
                           unit="price"),
    "price_import": Result("trade.price_import", "trade", "domestic price of imports",
                           unit="price"),
    "price_domestic": Result("markets.price_domestic", "trade",
                             "price of domestic output sold at home",
                             unit="price"),
    "price_composite": Result("markets.price_composite", "trade",
                              "purchaser price of the composite good",
                              unit="price"),
    "world_export_price": Result("trade.world_export_price", "trade",
                                 "world price of exports (foreign currency)",
                                 unit="foreign_price"),
    "world_import_price": Result("trade.world_import_price", "trade",
                                 "world price of imports (foreign currency)",
                                 unit="foreign_price"),
    "exchange_rate": Result("markets.exchange_rate", "trade", "exchange rate",
                            unit="price"),
    "household_consumption": Result("households.consumption", "demand",
                                    "household consumption by commodity and household"),
    "government_consumption": Result("government.consumption", "demand",
                                     "government consumption by commodity"),
    "investment_demand": Result("investment.demand", "demand", "investment by commodity"),
    "composite_investment": Result("investment.composite", "demand",
                                   "composite investment good (dyncge)"),
    "investment_by_destination": Result("investment.by_destination", "demand",
                                        "investment by destination activity: new capital "
                                        "(dyncge)"),
    "price_investment": Result("investment.price_composite", "demand",
                               "price of the composite investment good (dyncge)",
                               unit="price"),
    "utility": Result("households.utility", "demand", "household utility",
                      unit="utility"),
    "factor_price": Result("markets.factor_price", "factors",
                           "economy-wide factor price (see factor_rent for sector-specific "
                           "capital)",
                           unit="price"),
    "unemployment": Result("markets.unemployment", "factors", "unemployed factor"),
    "household_income": Result("households.income", "institutions", "household income",
                               unit="value"),
    "household_savings": Result("households.savings", "institutions", "household saving",
                                unit="value"),
    "government_revenue": Result("government.revenue", "institutions", "government revenue",
                                 unit="value"),
    "government_savings": Result("government.savings", "institutions", "government saving",
                                 unit="value"),
    "direct_tax": Result("government.direct_tax", "institutions",
                         "direct tax by household or enterprise",
                         unit="value"),
    "foreign_savings": Result("rest_of_world.foreign_savings", "institutions",
                              "foreign saving (foreign currency)",
                              unit="foreign_value"),
    "total_savings": Result("investment.total_savings", "institutions", "total saving",
                            unit="value"),
    "cpi": Result("markets.cpi", "institutions", "consumer price index",
                  unit="price"),
}

#: Result name -> Pyomo path of every reported variable the model holds as a variable.
RESULT_PATHS: dict[str, str] = {n: r.path for n, r in RESULTS.items() if r.path}

#: Volumes by commodity the indicators read: the expenditure flows' volumes and the
#: domestic sales of domestic output (result name -> Pyomo path).
INDICATOR_VOLUMES: dict[str, str] = {
    **{f.volume: RESULT_PATHS[f.volume] for f in FLOWS if f.gdp in GDP_EXPENDITURE},
    "domestic_sales": RESULT_PATHS["domestic_sales"],
}


def sheets() -> dict[str, tuple[str, ...]]:
    """Report sheets: sheet name -> result names, in registry order."""
    out: dict[str, list[str]] = {}
    for name, r in RESULTS.items():
        out.setdefault(r.sheet, []).append(name)
    return {k: tuple(v) for k, v in out.items()}
