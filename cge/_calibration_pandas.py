"""Calibration: every share, scale and tax rate of the CGE model, read off a SAM.

All prices are one in the benchmark, so every SAM cell is a quantity. Parameters
are pandas tables indexed by account label; :class:`Calibration` is frozen and
holds them together with the benchmark levels of every variable. A zero SAM
cell means the flow does not exist: a commodity without imports gets no
Armington share, one without exports no CET share.

Value identities behind the calibration, for commodity :math:`c` made by
activity :math:`a` (payments by column, receipts by row):

.. math::

    Z_a &= \\textstyle\\sum_c X_{ca} + \\sum_f F_{fa}
          \\qquad \\tau^z_a = T^z_a / Z_a \\\\
    D_c &= (1+\\tau^z_a) Z_a - (1-\\tau^e_c) E_c \\qquad
    Q_c = D_c + (1+\\tau^m_c) M_c + T^s_c

The module knows nothing of Pyomo: it is plain pandas and numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, Problem, SAMError, choose_from, unknown_keys
from .flows import FLOWS, flow_cells
from .sam.core import SAM
from .sam.roles import TAX_ROLES, is_labour

#: Relative tolerance on the SAM balance required for calibration.
CALIBRATION_BALANCE_RTOL = 1e-6


@dataclass(frozen=True)
class Accounts:
    """The sets of the model, read from the account roles of a SAM.

    ``layout`` is ``"goods"`` when activity and commodity share one account
    (role ``good``, as in stdcge) and ``"activity_commodity"`` otherwise. ``make``
    lists the (activity, commodity) cells of the make matrix; ``commodity_of``
    maps the activities of its diagonal part (an activity making one commodity
    that no other activity makes). A commodity nobody makes is imported only.
    """

    layout: str
    activities: tuple[str, ...]
    commodities: tuple[str, ...]
    commodity_of: Mapping[str, str]
    factors: tuple[str, ...]
    labour: str | None
    households: tuple[str, ...]
    enterprises: tuple[str, ...]
    government: str
    savings_investment: str
    rest_of_world: str
    taxes: Mapping[str, tuple[str, ...]]
    make: tuple[tuple[str, str], ...] = ()
    labour_types: tuple[str, ...] = ()   # every labour factor; ``labour`` is the first

    @property
    def activity_of(self) -> dict[str, str]:
        """The activity that makes each commodity of the diagonal part of the make matrix."""
        return {c: a for a, c in self.commodity_of.items()}

    @property
    def capital(self) -> tuple[str, ...]:
        """Factors other than labour (other than every labour type)."""
        labour = set(self.labour_types) | {self.labour}
        return tuple(f for f in self.factors if f not in labour)


@dataclass(frozen=True)
class Calibration:
    """Benchmark levels and calibrated parameters, as pandas tables by account label.

    Attributes
    ----------
    sam : SAM
        The SAM calibrated to.
    spec : str
        Model specification (``stdcge`` or ``standard``).
    elasticities : Elasticities
        The elasticities used.
    accounts : Accounts
        The sets.
    benchmark : dict
        Benchmark levels of the model's variables, in SAM units (prices are 1).
    parameters : dict
        Shares, scales and rates (unit-free).
    cells : pandas.DataFrame
        Every non-zero SAM cell with the model flow it calibrates.
    scale : float
        The model works in SAM units divided by ``scale`` (a power of ten near the
        median cell), so solver tolerances mean the same at any SAM unit.
    """

    sam: SAM
    spec: str
    elasticities: Elasticities
    accounts: Accounts
    benchmark: Mapping[str, Any]
    parameters: Mapping[str, Any]
    cells: pd.DataFrame
    scale: float
    options: Options | None = None

    @property
    def tables(self) -> dict[str, Any]:
        """Every table, benchmark levels and parameters, by name."""
        return {**self.benchmark, **self.parameters}

    @property
    def shares(self) -> dict[str, Any]:
        """The share parameters (consumption, value added, Armington, CET, ...)."""
        return {k: v for k, v in self.parameters.items() if "share" in k}

    @property
    def tax_rates(self) -> dict[str, Any]:
        """The tax rates."""
        return {k: v for k, v in self.parameters.items() if k.endswith("_rate") and "tax" in k
                or k == "import_tariff_rate"}

    def __getitem__(self, name: str) -> Any:
        tables = self.tables
        if name not in tables:
            raise KeyError(f"no calibrated table {name!r}; available: {', '.join(sorted(tables))}")
        return tables[name]

    def with_elasticities(self, elasticities: Mapping[str, Any] | Elasticities) -> Calibration:
        """The same calibration with other elasticities (elasticity-dependent shares redone)."""
        el = Elasticities.from_user(elasticities, self.spec)
        params = dict(self.parameters)
        params.update(_elasticity_parameters(self.accounts, self.benchmark, self.parameters, el))
        params.update(_demand_parameters(self.accounts, self.benchmark, params, el,
                                         self.options or Options()))
        return replace(self, elasticities=el, parameters=params)

    def __repr__(self) -> str:
        a = self.accounts
        return (f"Calibration({self.spec!r} on {self.sam.name!r}: {len(a.activities)} activities, "
                f"{len(a.commodities)} commodities, {len(a.factors)} factors, "
                f"{len(a.households)} households; {len(self.tables)} tables)")


def calibrate(sam: SAM, spec: str = "standard",
              elasticities: Mapping[str, Any] | Elasticities | None = None,
              options: Mapping[str, Any] | Options | None = None) -> Calibration:
    """Calibrate the CGE model ``spec`` to ``sam``.

    Parameters
    ----------
    sam : SAM
        A balanced SAM with roles.
    spec : {"stdcge", "standard"}
        Model specification.
    elasticities : mapping, optional
        ``{"armington": 2, "cet": {"BRD": 2, ...}, ...}``; defaults per kind.
    options : mapping, optional
        ``{"household_demand": "les"}`` (see :class:`Options`).

    Returns
    -------
    Calibration

    Raises
    ------
    SAMError
        The SAM is not balanced.
    ConfigError
        The SAM has flows the model cannot represent, or bad elasticities.
    """
    if spec not in ELASTICITY_KEYS:
        raise ConfigError(f"unknown model specification {spec!r}; allowed: "
                          f"{', '.join(ELASTICITY_KEYS)}")
    el = Elasticities.from_user(elasticities, spec)
    opts = Options.from_user(options)
    if spec in ("stdcge", "dyncge") and opts.household_demand != Options().household_demand:
        raise ConfigError(f"the {spec} model has Cobb-Douglas households only", [Problem(
            "bad_option", "options", f"{opts}", "use model standard for other options")])
    if not sam.is_balanced(rtol=CALIBRATION_BALANCE_RTOL):
        raise SAMError(f"{sam.name}: cannot calibrate to an unbalanced SAM",
                       sam.imbalance_problems(rtol=CALIBRATION_BALANCE_RTOL))
    _refuse_empty_accounts(sam)
    acc = _accounts(sam)
    cells = _cell_flows(sam, acc)
    bench, params = _levels_and_shares(sam, acc)
    params.update(_elasticity_parameters(acc, bench, params, el))
    params.update(_demand_parameters(acc, bench, params, el, opts))
    nonzero = np.abs(sam.matrix.to_numpy())
    nonzero = nonzero[nonzero > 0]
    scale = float(10.0 ** np.round(np.log10(np.median(nonzero)))) if nonzero.size else 1.0
    return Calibration(sam, spec, el, acc, bench, params, cells, scale, opts)


#: Elasticities each specification accepts.
ELASTICITY_KEYS: dict[str, tuple[str, ...]] = {
    "stdcge": ("armington", "cet"),
    "standard": ("armington", "cet", "value_added", "export_demand", "top", "income",
                 "frisch", "wage_curve"),
    "dyncge": ("armington", "cet"),
}

#: Elasticities, their meaning and default value (``None``: infinite, i.e. absent).
ELASTICITIES: dict[str, tuple[str, float | None]] = {
    "armington": ("substitution between imports and domestic goods (sigma, > 0)", 2.0),
    "cet": ("transformation between exports and domestic sales (psi, > 0)", 2.0),
    "value_added": ("substitution between factors in value added (1 = Cobb-Douglas)", 1.0),
    "export_demand": ("price elasticity of world demand for exports (absent or 'inf': "
                      "small open economy)", None),
    "top": ("substitution between value added and the intermediate bundle, by activity "
            "(absent: Leontief; 1: Cobb-Douglas)", None),
    "income": ("income elasticity of household demand, by commodity (LES; normalised so that "
               "budget shares times elasticities sum to one)", 1.0),
    "frisch": ("Frisch parameter, by household (LES; negative: minus total over "
               "supernumerary spending)", -2.0),
    "wage_curve": ("elasticity of the real wage with respect to the unemployment rate (labour: "
                   "wage_curve; negative, one number)", -0.1),
}

#: Model options: the allowed values of a choice (the first is the default), or, for a
#: number, its default and the closed interval it must lie in.
OPTIONS: dict[str, tuple] = {
    "household_demand": ("cobb_douglas", "les"),
    "saving_adjustment": ("scaler", "points"),
    "benchmark_unemployment_rate": (0.0, 0.0, 0.5),
    "wage_indexation": (0.0, 0.0, 1.0),
}


def _is_number_option(key: str) -> bool:
    return not isinstance(OPTIONS[key][0], str)


@dataclass(frozen=True)
class Options:
    """Functional forms and settings chosen when the model is built.

    ``household_demand``: ``cobb_douglas`` (fixed budget shares) or ``les``
    (linear expenditure system; elasticities ``income`` and ``frisch``).
    ``saving_adjustment``: how saving rates move when investment drives savings,
    ``scaler`` (every rate times one scaler, IFPRI's default) or ``points`` (every rate
    plus the same change). ``benchmark_unemployment_rate``: unemployed over labour
    force in the benchmark (the SAM's labour payments are the employed; ``labour:
    wage_curve`` needs it positive). ``wage_indexation``: share of CPI inflation
    passed on to the wage under ``labour: fixed_nominal_wage`` (1: a fixed real wage).
    """

    household_demand: str = "cobb_douglas"
    saving_adjustment: str = "scaler"
    benchmark_unemployment_rate: float = 0.0
    wage_indexation: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        for key, allowed in OPTIONS.items():
            value = getattr(self, key)
            if not _is_number_option(key):
                if value not in allowed:
                    problems.append(Problem("bad_option", f"options.{key}",
                                            f"unknown option {value!r}",
                                            choose_from(value, allowed)))
                continue
            _, lo, hi = allowed
            if isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
                object.__setattr__(self, key, value)
            if not isinstance(value, float) or not lo <= value <= hi:
                problems.append(Problem("bad_option", f"options.{key}", f"{value!r} is not a "
                                        f"number from {lo:g} to {hi:g}",
                                        f"give a number from {lo:g} to {hi:g}"))
        if problems:
            raise ConfigError("invalid model options", problems)

    @classmethod
    def from_user(cls, value: Mapping[str, Any] | Options | None) -> Options:
        """Options from a mapping; unknown keys are errors listing the allowed ones."""
        if isinstance(value, Options):
            return value
        value = dict(value or {})
        problems = unknown_keys(value, OPTIONS, "options", "option key")
        given = {}
        for k, v in value.items():
            if k not in OPTIONS:
                continue
            if not _is_number_option(k):
                given[k] = str(v)
                continue
            try:
                given[k] = float(v)
            except (TypeError, ValueError):
                given[k] = v    # refused, with the allowed range, by __post_init__
        try:
            options = cls(**given)
        except ConfigError as exc:
            problems += exc.problems
        if problems:
            raise ConfigError("invalid model options", problems)
        return options



@dataclass(frozen=True)
class Elasticities:
    """Elasticities by kind: one number for all accounts, or a mapping by account label.

    Parameters
    ----------
    values : mapping
        ``{"armington": 2.0, "cet": {"BRD": 2, "MLK": 3}, ...}``. A mapping by
        account may hold ``"default"`` for accounts not listed.
    """

    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_user(cls, values: Mapping[str, Any] | Elasticities | None,
                  spec: str) -> Elasticities:
        """Validate user elasticities against a specification."""
        if isinstance(values, Elasticities):
            values = values.values
        values = dict(values or {})
        problems = []
        for key, value in values.items():
            if key not in ELASTICITY_KEYS[spec]:
                problems.append(Problem(
                    "unknown_elasticity", f"elasticities.{key}",
                    f"not an elasticity of the {spec} model",
                    choose_from(key, ELASTICITY_KEYS[spec])))
                continue
            items = value.items() if isinstance(value, Mapping) else [("all", value)]
            for label, v in items:
                problems.extend(_elasticity_problems(key, label, v))
        if problems:
            raise ConfigError("invalid elasticities", problems)
        return cls(values)

    def scalar(self, key: str) -> float | None:
        """The one value of an economy-wide elasticity (``None`` = infinite)."""
        return _number(self.values.get(key, ELASTICITIES[key][1]))

    def by_account(self, key: str, labels: list[str]) -> dict[str, float | None]:
        """One value per account label (``None`` = infinite elasticity).

        Raises :class:`ConfigError` for labels in a mapping that are not in ``labels``.
        """
        default = ELASTICITIES[key][1]
        value = self.values.get(key, default)
        if not isinstance(value, Mapping):
            return dict.fromkeys(labels, _number(value))
        unknown = [k for k in value if k != "default" and k not in labels]
        if unknown:
            raise ConfigError(
                f"elasticities.{key}: unknown account(s) {unknown}",
                [Problem("unknown_label", f"elasticities.{key}",
                         f"labels {unknown} are not accounts this elasticity applies to",
                         choose_from(unknown[0], [*labels, "default"], "use one of"))])
        fallback = value.get("default", default)
        return {a: _number(value.get(a, fallback)) for a in labels}


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("inf", "none")):
        return None
    v = float(value)
    return None if math.isinf(v) else v


def _elasticity_problems(key: str, label: Any, value: Any) -> list[Problem]:
    where = f"elasticities.{key}" + ("" if label == "all" else f".{label}")
    try:
        v = _number(value)
    except (TypeError, ValueError):
        return [Problem("not_a_number", where, f"{value!r} is not a number",
                        "give a positive number")]
    if key == "wage_curve":
        if label != "all" or v is None or v >= 0:
            return [Problem("not_negative", where, f"a wage-curve elasticity of {value!r}",
                            "give one negative number (Blanchflower and Oswald: about -0.1)")]
        return []
    if key == "frisch":
        if v is None or v >= 0:
            return [Problem("not_negative", where, f"a Frisch parameter of {value!r}",
                            "give a negative number (typically -1 to -4)")]
        return []
    if v is None:
        if key in ("export_demand", "top"):
            return []
        return [Problem("infinite", where, "must be finite", "give a positive number")]
    if key == "top" and v == 0:
        return []
    if v <= 0:
        return [Problem("not_positive", where, f"{v} is not positive", "give a positive number")]
    if key == "armington" and v == 1.0:
        return [Problem("singular", where, "an Armington elasticity of exactly 1 is not "
                        "supported by the CES form", "use e.g. 0.99 or 1.01")]
    return []


# --------------------------------------------------------------------------- sets
def _refuse_empty_accounts(sam: SAM) -> None:
    """An account that neither pays nor receives anything has no shares to calibrate."""
    values = sam.matrix.to_numpy()
    empty = [a for a, row, col in zip(sam.labels, (values != 0).any(axis=1),
                                      (values != 0).any(axis=0), strict=True)
             if not (row or col)]
    if empty:
        raise ConfigError(f"{sam.name}: {len(empty)} account(s) with an all-zero row and column",
                          [Problem("empty_account", f"row and column {a}",
                                   f"{sam.role(a)} {a} neither pays nor receives anything",
                                   "remove the account from the SAM (and its accounts table)")
                           for a in empty])


def _accounts(sam: SAM) -> Accounts:
    problems: list[Problem] = []
    goods = sam.accounts_of("good")
    activities, commodities = sam.accounts_of("activity"), sam.accounts_of("commodity")

    def one(role: str) -> str:
        found = sam.accounts_of(role)
        if len(found) != 1:
            problems.append(Problem("role_count", f"role {role}",
                                    f"the model needs exactly one {role} account, found "
                                    f"{len(found)} ({', '.join(found) or 'none'})",
                                    "merge or add the account in the accounts table"))
            return found[0] if found else ""
        return found[0]

    government, s_i, row = one("government"), one("savings_investment"), one("rest_of_world")
    households = sam.accounts_of("household")
    if not households:
        problems.append(Problem("role_count", "role household", "no household account",
                                "give one account the role household"))
    factors = sam.accounts_of("factor")
    if not factors:
        problems.append(Problem("role_count", "role factor", "no factor account",
                                "give labour and capital the role factor"))
    if goods and (activities or commodities):
        problems.append(Problem("mixed_layout", "roles",
                                "the SAM mixes 'good' accounts with activities/commodities",
                                "use either good accounts or activity and commodity accounts"))
    if goods:
        layout, activities, commodities = "goods", goods, goods
        commodity_of = {g: g for g in goods}
    else:
        layout = "activity_commodity"
        made = sam.block(activities, commodities).to_numpy() != 0
        make_pairs = [(activities[i], commodities[j]) for i, j in zip(*np.nonzero(made),
                                                                      strict=False)]
        for ai, a in enumerate(activities):
            if not made[ai].any():
                problems.append(Problem(
                    "make_matrix", f"row {a}", f"activity {a} sells to no commodity",
                    "book its output in the activity row, commodity column"))
        commodity_of = {activities[i]: commodities[j] for i, j in make_pairs_index(made)}
    if problems:
        raise ConfigError(f"{sam.name}: the SAM does not fit the CGE model", problems)
    labour_types = tuple(f for f in factors if is_labour(f, sam.accounts.at[f, "description"]))
    labour = labour_types[0] if labour_types else None
    taxes = {r: tuple(sam.accounts_of(r)) for r in TAX_ROLES}
    make = tuple(make_pairs) if layout == "activity_commodity" else tuple(
        (g, g) for g in goods)
    return Accounts(layout, tuple(activities), tuple(commodities), commodity_of, tuple(factors),
                    labour, tuple(households), tuple(sam.accounts_of("enterprise")), government,
                    s_i, row, taxes, make, labour_types)


def make_pairs_index(made: np.ndarray) -> list[tuple[int, int]]:
    """(row, column) of the make cells alone in both their row and their column."""
    return [(i, j) for i, j in zip(*np.nonzero(made), strict=False)
            if made[i].sum() == 1 and made[:, j].sum() == 1]


# --------------------------------------------------------------------------- cells
def _cell_flows(sam: SAM, acc: Accounts) -> pd.DataFrame:
    """Each non-zero cell with its flow; cells the model cannot represent are errors."""
    m = sam.matrix
    flow = np.full(m.shape, "", dtype=object)
    for receivers, payers, name in flow_cells(acc):  # later rows win, as listed
        if receivers and payers:
            flow[np.ix_(m.index.get_indexer(receivers), m.columns.get_indexer(payers))] = name
    values = m.to_numpy()
    rows, cols = np.nonzero(values)
    table = pd.DataFrame({"receiver": m.index[rows], "payer": m.columns[cols],
                          "value": values[rows, cols], "flow": flow[rows, cols]})
    bad = table[table["flow"] == ""]
    if not bad.empty:
        raise ConfigError(
            f"{sam.name}: the CGE model has no place for {len(bad)} SAM cell(s)",
            [Problem("unsupported_flow", f"row {r}, column {p}",
                     f"a payment of {v:,.6g} from {sam.role(p)} {p} to {sam.role(r)} {r} "
                     "is not a flow of the model",
                     "move it to an account the model knows, or aggregate it away")
             for r, p, v in bad[["receiver", "payer", "value"]].itertuples(index=False)])
    return table.reset_index(drop=True)


# --------------------------------------------------------------------------- levels
def flow_block(matrix, acc, name: str):
    flow = next(f for f in FLOWS if f.name == name)
    receivers, payers = flow.accounts(acc)
    rows = matrix.index.get_indexer(list(receivers))
    cols = matrix.columns.get_indexer(list(payers))
    if (rows < 0).any() or (cols < 0).any():
        return matrix.loc[list(receivers), list(payers)]
    return pd.DataFrame(matrix.to_numpy()[np.ix_(rows, cols)], index=matrix.index[rows],
                        columns=matrix.columns[cols])


def _levels_and_shares(sam: SAM, acc: Accounts) -> tuple[dict[str, Any], dict[str, Any]]:
    m = sam.matrix
    A, C, F, H, E = (list(acc.activities), list(acc.commodities), list(acc.factors),
                     list(acc.households), list(acc.enterprises))
    gov, si, row = acc.government, acc.savings_investment, acc.rest_of_world
    c_of = pd.Series(acc.commodity_of)
    a_of = pd.Series(acc.activity_of)

    def flow(name: str) -> pd.DataFrame:
        """The benchmark SAM block of a flow of the registry (:data:`cge.flows.FLOWS`)."""
        return flow_block(m, acc, name)

    def paid(name: str) -> pd.Series:
        """What each payer pays of a flow, summed over its receivers (e.g. a tax over its
        accounts; zero without any)."""
        return flow(name).sum(axis=0)

    # production
    X0 = flow("intermediate_input")
    F0 = flow("factor_payment")
    Y0 = F0.sum(axis=0)
    Z0 = Y0 + X0.sum(axis=0)
    Tz0 = paid("production_tax")
    tauz = Tz0 / Z0
    # trade
    M0, Tm0, Tv0 = paid("imports"), paid("import_tariff"), paid("import_tax")
    E0, Te0 = flow("exports").sum(axis=1), paid("export_tax")
    Ts0 = paid("sales_tax")
    problems = []
    bases = (("import tariff", Tm0, M0), ("import tax", Tv0, M0), ("export tax", Te0, E0))
    untaxable = {what: ((flow != 0) & (base == 0)).to_numpy() for what, flow, base in bases}
    for i in np.flatnonzero(np.logical_or.reduce(list(untaxable.values()))):
        c = C[i]
        for what, flow, _ in bases:
            if untaxable[what][i]:
                problems.append(Problem("tax_without_base", f"column {c}",
                                        f"{what} of {flow.iloc[i]:,.6g} on a zero flow",
                                        f"remove the {what} or add the flow"))
    tm = (Tm0 / M0.where(M0 != 0)).fillna(0.0)
    # import VAT and consumption tax: on the CIF value plus the duty (the customs base)
    tv = (Tv0 / (M0 + Tm0).where(M0 != 0)).fillna(0.0)
    te = (Te0 / E0.where(E0 != 0)).fillna(0.0)
    M0_paid = M0 + Tm0 + Tv0   # imports at the price users pay before sales tax
    # commodity output at producer prices: the make-matrix column (the activity's
    # output value, tax included, in the goods layout)
    if acc.layout == "goods":
        output_value = ((1 + tauz) * Z0).reindex(C)
    else:
        output_value = m.loc[A, C].sum(axis=0)
    D0 = output_value - (1 - te) * E0
    ts = Ts0 / (D0 + M0_paid)
    Q0 = D0 + M0_paid + Ts0
    imported_only = (output_value == 0) & (E0 == 0) & (M0 > 0)
    for c in D0.index[(~imported_only & ~(D0 > 0)).to_numpy()]:
        problems.append(Problem("no_domestic_sales", f"commodity {c}",
                                f"domestic sales {D0[c]:,.6g} are not positive",
                                "the model needs domestic sales of every produced good "
                                "(a commodity nobody makes needs imports and no exports)"))
    if problems:
        raise ConfigError(f"{sam.name}: the SAM does not fit the CGE model", problems)
    # institutions
    FF0 = F0.sum(axis=1)
    factor_share = flow("factor_income").div(FF0, axis=1)
    Xp0 = flow("household_consumption")
    Xg0 = flow("government_consumption")[gov]
    Xv0 = flow("investment_demand")[si]
    inst = H + E
    income0 = m.loc[inst, :].sum(axis=1)
    Td0 = paid("direct_tax")
    Sp0 = flow("household_saving").loc[si]
    Se0 = flow("enterprise_saving").loc[si] if E else pd.Series(dtype=float)
    payout = (flow("enterprise_payout").div(income0[E], axis=1) if E
              else pd.DataFrame(index=H, columns=E))
    transfers = flow("government_transfers")[gov]
    from_abroad = flow("transfers_from_abroad")[row]
    to_abroad = float(paid("government_transfers_abroad").sum())
    Sg0 = float(paid("government_saving").sum())
    Sf0 = float(m.at[si, row] - m.at[row, si])   # both foreign_saving cells, net
    revenue0 = float(Tz0.sum() + Tm0.sum() + Tv0.sum() + Ts0.sum() + Te0.sum() + Td0.sum()
                     + m.loc[gov, F].sum() + m.at[gov, row])
    consumption_budget = Xp0.sum(axis=0)
    cpi_weight = Xp0.sum(axis=1) / Xp0.to_numpy().sum()

    bench = {
        "output": Z0.rename("output"), "value_added": Y0.rename("value_added"),
        "factor_demand": F0, "intermediate_input": X0,
        "imports": M0.rename("imports"), "exports": E0.rename("exports"),
        "domestic_sales": D0.rename("domestic_sales"),
        "composite_supply": Q0.rename("composite_supply"),
        "household_consumption": Xp0, "government_consumption": Xg0.rename("government_consumption"),
        "investment_demand": Xv0.rename("investment_demand"),
        "factor_endowment": FF0.rename("factor_endowment"),
        "income": income0.rename("income"), "direct_tax": Td0.rename("direct_tax"),
        "household_savings": Sp0.rename("household_savings"),
        "enterprise_savings": Se0.rename("enterprise_savings"),
        "government_savings": Sg0, "foreign_savings": Sf0, "government_revenue": revenue0,
        "production_tax": Tz0.rename("production_tax"), "import_tariff": Tm0.rename("import_tariff"),
        "import_tax": Tv0.rename("import_tax"),
        "sales_tax": Ts0.rename("sales_tax"), "export_tax": Te0.rename("export_tax"),
        "consumption_budget": consumption_budget.rename("consumption_budget"),
        "government_transfers": transfers.rename("government_transfers"),
        "transfers_from_abroad": from_abroad.rename("transfers_from_abroad"),
        "government_transfers_abroad": to_abroad,
    }
    absorption = Xp0.to_numpy().sum() + Xg0.sum() + Xv0.sum()
    params = {
        "io_coefficient": X0.div(Z0, axis=1),
        "value_added_coefficient": (Y0 / Z0).rename("value_added_coefficient"),
        "production_tax_rate": tauz.rename("production_tax_rate"),
        "import_tariff_rate": tm.rename("import_tariff_rate"),
        "import_tax_rate": tv.rename("import_tax_rate"),
        "export_tax_rate": te.rename("export_tax_rate"),
        "sales_tax_rate": ts.rename("sales_tax_rate"),
        "factor_income_share": factor_share,
        "consumption_share": Xp0.div(consumption_budget, axis=1),
        "direct_tax_rate": (Td0 / income0).rename("direct_tax_rate"),
        "household_saving_rate": (Sp0 / income0[H]).rename("household_saving_rate"),
        "enterprise_payout_rate": payout,
        "government_consumption_share": _share(Xg0).rename("government_consumption_share"),
        "government_saving_rate": Sg0 / revenue0 if revenue0 else 0.0,
        "investment_share": _share(Xv0).rename("investment_share"),
        "investment_share_of_absorption": float(Xv0.sum() / absorption) if absorption else 0.0,
        "government_share_of_absorption": float(Xg0.sum() / absorption) if absorption else 0.0,
        "cpi_weight": cpi_weight.rename("cpi_weight"),
        "activity_of": a_of, "commodity_of": c_of,
        "commodity_output": output_value.rename("commodity_output"),
        "make_share": m.loc[A, C].div(Z0, axis=0) if acc.layout != "goods" else
        pd.DataFrame(np.diag(1 + tauz.to_numpy()), index=A, columns=C),
    }
    return bench, params


def _top_nest(bench: Mapping[str, Any], sigma: Mapping[str, float | None]) -> dict[str, Any]:
    """CES top nest between value added :math:`Y` and the intermediate bundle :math:`N`.

    Activities with a ``top`` elasticity :math:`\\sigma > 0` and intermediate inputs;
    :math:`N_a = \\sum_c X_{ca}` with fixed composition :math:`a^n_{ca} = X_{ca}/N_a`,
    :math:`\\rho = (\\sigma-1)/\\sigma`:

    .. math::
        \\delta^y_a = \\frac{Y_a^{1-\\rho}}{Y_a^{1-\\rho} + N_a^{1-\\rho}}, \\qquad
        b^z_a = Z_a / (\\delta^y_a Y_a^\\rho + \\delta^n_a N_a^\\rho)^{1/\\rho}

    (Cobb-Douglas at :math:`\\sigma = 1`: :math:`\\delta^y = Y/Z`,
    :math:`b^z = Z / (Y^{\\delta^y} N^{\\delta^n})`).
    """
    X0, Y0, Z0 = bench["intermediate_input"], bench["value_added"], bench["output"]
    N0 = X0.sum(axis=0)
    ces = [a for a, s in sigma.items() if s and N0[a] > 0]
    s = np.array([float(sigma[a]) for a in ces], dtype=float)
    y, n, z = (t.reindex(ces).to_numpy(dtype=float) for t in (Y0, N0, Z0))
    dy, top_scale = top_nest_arrays(y, n, z, s)
    index = pd.Index(ces, dtype=object)
    return {
        "top_elasticity": pd.Series(s, index=index, name="top_elasticity"),
        "top_value_added_share": pd.Series(dy, index=index, name="top_value_added_share"),
        "top_scale": pd.Series(top_scale, index=index, name="top_scale"),
        "intermediate_bundle": pd.Series(n, index=index, name="intermediate_bundle"),
        "bundle_coefficient": X0[ces].div(n, axis=1),
    }


def trade_share_arrays(m0, e0, d0, q0, z0, tm, te, sigma, psi) -> dict[str, np.ndarray]:
    """Armington and CET exponents, shares and scales by commodity (arrays in one order).

    Inputs are benchmark imports, exports, domestic sales, composite supply, CET output,
    the taxes on imports as one rate (:func:`import_tax_wedge`), the export tax rate, and the Armington and CET elasticities (NaN: infinite).
    The formulas are those of :func:`_elasticity_parameters`.
    """
    eta = (sigma - 1) / sigma
    phi = (psi + 1) / psi
    has_m, has_e, imported_only = m0 > 0, e0 > 0, d0 == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        wm = (1 + tm) * np.where(has_m, m0, np.nan) ** (1 - eta)
        deltam = _nan_to_zero(wm / (wm + d0 ** (1 - eta)))
        deltad = 1 - deltam
        gamma = q0 / (deltam * np.where(has_m, m0, np.nan) ** eta
                      + deltad * d0 ** eta) ** (1 / eta)
        gamma = np.where(has_m, gamma, q0 / d0)
        deltam, deltad = np.where(imported_only, 1.0, deltam), np.where(imported_only, 0.0, deltad)
        gamma = np.where(imported_only, q0 / np.where(imported_only, m0, np.nan), gamma)  # Q = gM
        we = (1 - te) * np.where(has_e, e0, np.nan) ** (1 - phi)
        xie = _nan_to_zero(we / (we + d0 ** (1 - phi)))
        xid = 1 - xie
        theta = z0 / (xie * np.where(has_e, e0, np.nan) ** phi + xid * d0 ** phi) ** (1 / phi)
        theta = _nan_to_zero(np.where(has_e, theta, d0 / z0))
    return {"eta": eta, "phi": phi, "deltam": deltam, "deltad": deltad, "gamma": gamma,
            "xie": xie, "xid": xid, "theta": theta}


#: A placeholder exponent where the elasticity is one (Cobb-Douglas), so the array formulas
#: stay finite: the model builds no CES exponent for such a nest; any value away from zero does.
UNUSED_RHO = 0.5


def ces_exponent(sigma: np.ndarray) -> np.ndarray:
    """:math:`\\rho = (\\sigma - 1)/\\sigma`, and :data:`UNUSED_RHO` where :math:`\\sigma = 1`."""
    sigma = np.asarray(sigma, dtype=float)
    cd = sigma == 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cd, UNUSED_RHO, (sigma - 1) / np.where(cd, 1.0, sigma))


def cet_output(acc: Accounts, bench: Mapping[str, Any], params: Mapping[str, Any]) -> pd.Series:
    """The output a commodity's CET transforms, by commodity: the activity's output
    :math:`Z_a` for a commodity of the diagonal part of the make matrix, the commodity
    output (value at producer prices) otherwise."""
    z = bench["output"].rename(index=acc.commodity_of).reindex(list(acc.commodities))
    return z.fillna(params["commodity_output"])


def import_tax_wedge(params: Mapping[str, Any]) -> pd.Series:
    """Every tax on imports as one rate on the CIF value, by commodity:
    :math:`(1+\\tau^m_c)(1+\\tau^v_c) - 1` (tariff, then import VAT and consumption tax
    on the duty-inclusive value). The Armington shares read it in place of the tariff."""
    tm = params["import_tariff_rate"]
    tv = params.get("import_tax_rate")
    return tm if tv is None else (1 + tm) * (1 + tv.reindex(tm.index).fillna(0.0)) - 1


def value_added_arrays(f: np.ndarray, y: np.ndarray, s: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Value-added shares (factor x activity) and scales (by activity).

    Cobb-Douglas (:math:`\\sigma = 1`): :math:`\\beta = F/Y`, :math:`b = Y / \\prod F^\\beta`;
    CES: :math:`\\delta = F^{1-\\rho} / \\sum F^{1-\\rho}`,
    :math:`b = Y / (\\sum \\delta F^\\rho)^{1/\\rho}`.
    """
    used = f > 0
    cd = s == 1.0
    rho = ces_exponent(s)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(used, np.where(cd, f, f ** (1 - rho)), 0.0)
        delta = weight / weight.sum(axis=0)
        log_f = np.log(np.where(used, f, 1.0))
        cd_scale = y / np.exp((delta * log_f).sum(axis=0))
        ces_scale = y / (np.where(used, delta * f ** rho, 0.0).sum(axis=0)) ** (1 / rho)
    return delta, np.where(cd, cd_scale, ces_scale)


def top_nest_arrays(y: np.ndarray, n: np.ndarray, z: np.ndarray, s: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Top-nest value-added shares and scales (see :func:`_top_nest`)."""
    cd = s == 1.0
    rho = ces_exponent(s)
    with np.errstate(divide="ignore", invalid="ignore"):
        wy, wn = y ** (1 - rho), n ** (1 - rho)
        dy = np.where(cd, y / z, wy / (wy + wn))
        ces_scale = z / (dy * y ** rho + (1 - dy) * n ** rho) ** (1 / rho)
        cd_scale = z / (y ** dy * n ** (1 - dy))
    return dy, np.where(cd, cd_scale, ces_scale)


def _nan_to_zero(x: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), 0.0, x)


def _share(s: pd.Series) -> pd.Series:
    total = s.sum()
    return s / total if total else s * 0.0


# --------------------------------------------------------------------------- elasticities
def _elasticity_parameters(acc: Accounts, bench: Mapping[str, Any], params: Mapping[str, Any],
                           el: Elasticities) -> dict[str, Any]:
    """Shares and scales that depend on elasticities (Armington, CET, value added).

    Armington (CES, :math:`\\eta = (\\sigma-1)/\\sigma`), for commodities with imports
    (:math:`\\tau^m`: every tax on imports as one rate, :func:`import_tax_wedge`):

    .. math::
        \\delta^m = \\frac{(1+\\tau^m) M^{1-\\eta}}{(1+\\tau^m) M^{1-\\eta} + D^{1-\\eta}},\\quad
        \\gamma = Q / (\\delta^m M^\\eta + \\delta^d D^\\eta)^{1/\\eta}

    Without imports :math:`\\gamma = Q/D`. CET (:math:`\\phi = (\\psi+1)/\\psi`), with exports:

    .. math::
        \\xi^e = \\frac{(1-\\tau^e) E^{1-\\phi}}{(1-\\tau^e) E^{1-\\phi} + D^{1-\\phi}},\\quad
        \\theta = Z / (\\xi^e E^\\phi + \\xi^d D^\\phi)^{1/\\phi}

    Without exports :math:`\\theta = D/Z` (the value :math:`(1+\\tau^z) Z`).
    """
    C, A = list(acc.commodities), list(acc.activities)
    M0, E0, D0, Q0 = (bench[k] for k in ("imports", "exports", "domestic_sales",
                                         "composite_supply"))
    Z0 = cet_output(acc, bench, params)
    tm, te = import_tax_wedge(params), params["export_tax_rate"]
    sigma = pd.Series(el.by_account("armington", C), dtype=float)
    psi = pd.Series(el.by_account("cet", C), dtype=float)
    # plain arrays: this runs once per scenario of an elasticity batch
    m0, e0, d0, q0, z0 = (s.reindex(C).to_numpy(dtype=float) for s in (M0, E0, D0, Q0, Z0))
    tm_, te_ = tm.reindex(C).to_numpy(dtype=float), te.reindex(C).to_numpy(dtype=float)
    t = trade_share_arrays(m0, e0, d0, q0, z0, tm_, te_, sigma.to_numpy(), psi.to_numpy())
    eta_, phi_, deltam, deltad, gamma, xie, xid, theta = (
        t[k] for k in ("eta", "phi", "deltam", "deltad", "gamma", "xie", "xid", "theta"))
    eta, phi = pd.Series(eta_, index=C), pd.Series(phi_, index=C)
    deltam, deltad, gamma = (pd.Series(x, index=C) for x in (deltam, deltad, gamma))
    xie, xid, theta = (pd.Series(x, index=C) for x in (xie, xid, theta))

    F0, Y0 = bench["factor_demand"], bench["value_added"]
    sigma_va = pd.Series(el.by_account("value_added", A), dtype=float)
    # Cobb-Douglas (sigma = 1): beta = F/Y, b = Y / prod F^beta;
    # CES: delta = F^(1-rho) / sum F^(1-rho), b = Y / (sum delta F^rho)^(1/rho)
    delta, scale_ = value_added_arrays(F0.to_numpy(dtype=float), Y0.to_numpy(dtype=float),
                                       sigma_va.to_numpy())
    share = pd.DataFrame(delta, index=F0.index, columns=F0.columns)
    scale = pd.Series(scale_, index=A)
    ed = el.by_account("export_demand", C) if "export_demand" in el.values else dict.fromkeys(C)
    top = _top_nest(bench, el.by_account("top", A) if "top" in el.values else dict.fromkeys(A))
    return {
        **top,
        "armington_elasticity": sigma.rename("armington_elasticity"),
        "armington_exponent": eta.rename("armington_exponent"),
        "armington_import_share": deltam.rename("armington_import_share"),
        "armington_domestic_share": deltad.rename("armington_domestic_share"),
        "armington_scale": gamma.rename("armington_scale"),
        "cet_elasticity": psi.rename("cet_elasticity"),
        "cet_exponent": phi.rename("cet_exponent"),
        "cet_export_share": xie.rename("cet_export_share"),
        "cet_domestic_share": xid.rename("cet_domestic_share"),
        "cet_scale": theta.rename("cet_scale"),
        "value_added_elasticity": sigma_va.rename("value_added_elasticity"),
        "value_added_share": share,
        "value_added_scale": scale.rename("value_added_scale"),
        "export_demand_elasticity": pd.Series(ed, dtype=float).rename("export_demand_elasticity"),
    }


# --------------------------------------------------------------------------- households
def _demand_parameters(acc: Accounts, bench: Mapping[str, Any], params: Mapping[str, Any],
                       el: Elasticities, options: Options) -> dict[str, Any]:
    """Marginal budget shares and subsistence quantities of household demand.

    Cobb-Douglas: :math:`\\beta_{ch} = \\alpha_{ch}` (the budget share) and
    :math:`\\gamma_{ch} = 0`. LES (IFPRI's calibration), with budget shares
    :math:`s_{ch}`, income elasticities :math:`e_c` and Frisch parameters
    :math:`\\varphi_h < 0`:

    .. math::
        \\beta_{ch} = s_{ch} \\frac{e_c}{\\sum_{c'} s_{c'h} e_{c'}}, \\qquad
        \\gamma_{ch} = C^0_{ch} + \\frac{\\beta_{ch}\\, EH^0_h}{p_c\\, \\varphi_h}

    so that :math:`EH^0_h - \\sum_c p_c \\gamma_{ch} = -EH^0_h / \\varphi_h`
    (supernumerary spending) is positive.
    """
    share = params["consumption_share"]
    C, H = list(acc.commodities), list(acc.households)
    frisch = pd.Series(el.by_account("frisch", H), dtype=float)
    if options.household_demand == "cobb_douglas":
        return {"marginal_budget_share": share, "subsistence_consumption": share * 0.0,
                "frisch_parameter": frisch.rename("frisch_parameter")}
    income = pd.Series(el.by_account("income", C), dtype=float)
    weight = share.mul(income, axis=0)
    beta = weight.div(weight.sum(axis=0), axis=1)
    budget = bench["consumption_budget"]
    gamma = bench["household_consumption"] + beta.mul(budget / frisch, axis=1)
    gamma = gamma.where(bench["household_consumption"] != 0, 0.0)
    return {"marginal_budget_share": beta, "subsistence_consumption": gamma,
            "frisch_parameter": frisch.rename("frisch_parameter"),
            "income_elasticity": beta.div(share.where(share != 0), axis=1).fillna(0.0)}


@dataclass(frozen=True)
class BalancedGrowth:
    """A SAM adjusted to a balanced-growth path (Hosoe's dyncge) and what it took.

    ``sam`` books investment ``adjustment`` times the observed one: the investment
    that keeps every capital stock growing at the labour-force growth rate,

    .. math::

        I^{ass} = \\frac{g + \\delta}{r}\\, \\textstyle\\sum_f R_f, \\qquad
        adj = I^{ass} / I^{SAM}, \\qquad K_{a} = R_{fa} / r

    (:math:`R_f` capital rentals, :math:`r` the rate of return, :math:`\\delta`
    depreciation, :math:`g` growth). The government consumes less of each commodity by
    what investment gains, its direct tax falls by the total, and household saving
    rises by it, so the SAM stays balanced.
    """

    sam: SAM
    adjustment: float                 # adj = required / observed investment
    required_investment: float        # III_ASS
    observed_investment: float        # III_SAM
    capital_stock: pd.Series          # K_fa = rental / interest rate, by (factor, activity)


def balanced_growth_sam(sam: SAM, interest_rate: float, depreciation: float,
                        growth: float) -> BalancedGrowth:
    """Adjust ``sam``'s investment to the balanced growth path at rate ``growth``.

    Parameters
    ----------
    sam : SAM
        A balanced SAM with one household.
    interest_rate, depreciation, growth : float
        Rate of return on capital (> 0), depreciation rate and growth rate of the path.

    Raises
    ------
    ConfigError
        The SAM has no capital factor, or not exactly one household.
    """
    acc = _accounts(sam)
    problems = []
    if len(acc.households) != 1:
        problems.append(Problem("role_count", "role household",
                                f"the balanced-growth SAM needs one household, found "
                                f"{len(acc.households)}", "merge the households"))
    if not acc.capital:
        problems.append(Problem("role_count", "role factor", "no capital factor",
                                "add a capital factor (a factor other than labour)"))
    if interest_rate <= 0:
        problems.append(Problem("bad_value", "dynamics.interest_rate",
                                f"{interest_rate} is not positive", "give a rate above 0"))
    if problems:
        raise ConfigError(f"{sam.name}: no balanced-growth path", problems)
    m = sam.matrix.copy()
    hh, gov, s_i = acc.households[0], acc.government, acc.savings_investment
    rentals = m.loc[list(acc.capital), list(acc.activities)]
    required = (growth + depreciation) / interest_rate * float(rentals.to_numpy().sum())
    commodities = list(acc.commodities)
    observed = float(m.loc[commodities, s_i].sum())
    adj = required / observed
    extra = m.loc[commodities, s_i] * (adj - 1.0)
    m.loc[commodities, s_i] += extra
    m.loc[commodities, gov] -= extra
    direct = acc.taxes.get("direct_tax") or ()
    collector = direct[0] if direct else gov
    m.loc[collector, hh] -= float(extra.sum())
    m.loc[s_i, hh] += float(extra.sum())
    if direct:
        m.loc[gov, collector] -= float(extra.sum())
    adjusted = SAM(m, sam.accounts, sam.name, sam.unit, dict(sam.meta))
    stock = (rentals / interest_rate).stack()
    stock.index.names = ["factor", "activity"]
    return BalancedGrowth(adjusted, adj, required, observed, stock.rename("capital_stock"))
