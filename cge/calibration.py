"""Calibration: every share, scale and tax rate of the CGE model, read off a SAM.

All prices are one in the benchmark, so every SAM cell is a quantity. Parameters
are computed on the SAM's numpy array, by account position, and read as pandas tables
indexed by account label, each made on first access (:class:`CalibrationTables`);
:class:`Calibration` is frozen and holds them together with the benchmark levels of
every variable. A zero SAM
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
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, Problem, SAMError, choose_from, unknown_keys
from .flows import flow_accounts, flow_cells, flow_positions
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


class _MadeOnFirstRead:
    """A frozen dataclass field given a value or a function making it, made on first read
    (the cells table, which calibration itself does not read)."""

    def __set_name__(self, owner, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self.slot)    # no default value
        value = obj.__dict__[self.slot]
        if callable(value):
            value = obj.__dict__[self.slot] = value()
        return value

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = value


@dataclass(frozen=True)
class Calibration:
    """Benchmark levels and calibrated parameters, as pandas tables by account label.

    The tables are computed as arrays (:meth:`CalibrationTables.array`) and made into
    pandas tables on first access.

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
    benchmark : CalibrationTables
        Benchmark levels of the model's variables, in SAM units (prices are 1).
    parameters : CalibrationTables
        Shares, scales and rates (unit-free).
    cells : pandas.DataFrame
        Every non-zero SAM cell with the model flow it calibrates (given as a function
        making it: made on first read).
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
    cells: pd.DataFrame = _MadeOnFirstRead()
    scale: float
    options: Options | None = None

    @property
    def tables(self) -> dict[str, Any]:
        """Every table, benchmark levels and parameters, by name."""
        return {**self.benchmark, **self.parameters}

    @property
    def shares(self) -> dict[str, Any]:
        """The share parameters (consumption, value added, Armington, CET, ...)."""
        return {k: self.parameters[k] for k in self.parameters if "share" in k}

    @property
    def tax_rates(self) -> dict[str, Any]:
        """The tax rates."""
        return {k: self.parameters[k] for k in self.parameters
                if k.endswith("_rate") and "tax" in k or k == "import_tariff_rate"}

    def __getitem__(self, name: str) -> Any:
        for tables in (self.parameters, self.benchmark):
            if name in tables:
                return tables[name]
        raise KeyError(f"no calibrated table {name!r}; available: "
                       f"{', '.join(sorted({*self.benchmark, *self.parameters}))}")

    def with_elasticities(self, elasticities: Mapping[str, Any] | Elasticities) -> Calibration:
        """The same calibration with other elasticities (elasticity-dependent shares redone)."""
        el = Elasticities.from_user(elasticities, self.spec)
        axes = _Axes(self.sam, self.accounts)
        bench, params = _tables(self.benchmark), _tables(self.parameters)
        params = params.updated(_elasticity_parameters(self.accounts, axes, bench, params, el))
        params = params.updated(_demand_parameters(self.accounts, axes, bench, params, el,
                                                   self.options or Options()))
        return replace(self, elasticities=el, benchmark=bench, parameters=params,
                       cells=self.__dict__["_cells"])

    def __repr__(self) -> str:
        a = self.accounts
        return (f"Calibration({self.spec!r} on {self.sam.name!r}: {len(a.activities)} activities, "
                f"{len(a.commodities)} commodities, {len(a.factors)} factors, "
                f"{len(a.households)} households; "
                f"{len({*self.benchmark, *self.parameters})} tables)")


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
    axes = _Axes(sam, acc)
    flows = _cell_flows(sam, acc, axes.position)
    _refuse_unsupported_cells(sam, flows)
    bench, params = (CalibrationTables(t) for t in _levels_and_shares(sam, acc, axes))
    params = params.updated(_elasticity_parameters(acc, axes, bench, params, el))
    params = params.updated(_demand_parameters(acc, axes, bench, params, el, opts))
    nonzero = np.abs(sam.matrix.to_numpy())
    nonzero = nonzero[nonzero > 0]
    scale = float(10.0 ** np.round(np.log10(np.median(nonzero)))) if nonzero.size else 1.0
    return Calibration(sam, spec, el, acc, bench, params, partial(_cells_table, sam, flows),
                       scale, opts)


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


# --------------------------------------------------------------------------- tables
class _Axis:
    """The account labels along one axis of calibration tables, and their pandas Index,
    made on first use and shared by every table along the axis: the SAM's labels at
    ``positions`` (``source``: the matrix's row or column index, with its name) or
    ``labels`` alone (of ``dtype``; ``None`` lets pandas choose)."""

    __slots__ = ("labels", "source", "positions", "dtype", "_index")

    def __init__(self, labels, source: pd.Index | None = None,
                 positions: np.ndarray | None = None, dtype: Any = None):
        self.labels, self.source, self.positions, self.dtype = (
            tuple(labels), source, positions, dtype)
        self._index = None

    @property
    def index(self) -> pd.Index:
        if self._index is None:
            self._index = (self.source[self.positions] if self.source is not None
                           else pd.Index(list(self.labels), dtype=self.dtype))
        return self._index

    def __getstate__(self):
        return self.labels, self.source, self.positions, self.dtype

    def __setstate__(self, state):
        self.labels, self.source, self.positions, self.dtype = state
        self._index = None


@dataclass(frozen=True)
class _Table:
    """A calibration table as an array in account order: a Series ``name`` along ``rows``,
    or a DataFrame ``rows`` x ``columns``."""

    values: np.ndarray
    rows: _Axis
    columns: _Axis | None = None
    name: str | None = None

    def frame(self) -> pd.Series | pd.DataFrame:
        if self.columns is None:
            return pd.Series(self.values, index=self.rows.index, name=self.name)
        return pd.DataFrame(self.values, index=self.rows.index, columns=self.columns.index)


class CalibrationTables(Mapping):
    """Calibration tables by name: arrays in account order (:meth:`array`), each made into
    the pandas table users read (a Series or DataFrame by account label) on first access.

    An entry is a :class:`_Table`, a function making the table, or a number.
    """

    def __init__(self, entries: Mapping[str, Any], made: Mapping[str, Any] | None = None):
        self._entries, self._made = dict(entries), dict(made or {})

    def __getitem__(self, name: str) -> Any:
        if name in self._made:
            return self._made[name]
        entry = self._entries[name]
        value = (entry.frame() if isinstance(entry, _Table) else entry() if callable(entry)
                 else entry)
        self._made[name] = value
        return value

    def __iter__(self):
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def array(self, name: str) -> Any:
        """Table ``name`` as numbers in account order (a number stays a number)."""
        entry = self._entries[name]
        return entry.values if isinstance(entry, _Table) else _numbers(self[name])

    def labels(self, name: str) -> tuple[str, ...]:
        """The row labels of table ``name``."""
        entry = self._entries[name]
        return entry.rows.labels if isinstance(entry, _Table) else tuple(self[name].index)

    def updated(self, entries: Mapping[str, Any]) -> CalibrationTables:
        """These tables with ``entries`` added or replaced."""
        return CalibrationTables({**self._entries, **entries},
                                 {k: v for k, v in self._made.items() if k not in entries})


def _tables(tables: Mapping[str, Any]) -> CalibrationTables:
    return tables if isinstance(tables, CalibrationTables) else CalibrationTables(tables)


def values_of(tables: Mapping[str, Any], name: str) -> Any:
    """Table ``name`` of calibration tables as numbers in account order (a plain mapping
    of pandas tables, too)."""
    if isinstance(tables, CalibrationTables):
        return tables.array(name)
    return _numbers(tables[name])


def _numbers(value: Any) -> Any:
    """A pandas table's numbers as an array (a number stays a number)."""
    return value.to_numpy() if isinstance(value, (pd.Series, pd.DataFrame)) else value


def labels_of(tables: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """The row labels of table ``name`` of calibration tables."""
    if isinstance(tables, CalibrationTables):
        return tables.labels(name)
    return tuple(tables[name].index)


class _Axes:
    """The axes calibration tables have: the account groups as SAM receivers (rows) and
    payers (columns), and as plain labels."""

    def __init__(self, sam: SAM, acc: Accounts):
        self.position = {a: i for i, a in enumerate(sam.labels)}
        self._rows, self._columns = sam.matrix.index, sam.matrix.columns
        self._made: dict[tuple, _Axis] = {}

    def positions(self, labels) -> np.ndarray:
        return np.array([self.position[a] for a in labels], dtype=np.intp)

    def _axis(self, key: tuple, labels, **how) -> _Axis:
        if key not in self._made:
            self._made[key] = _Axis(labels, **how)
        return self._made[key]

    def receivers(self, labels) -> _Axis:
        """``labels`` as SAM rows (index name ``receiver``)."""
        labels = tuple(labels)
        return self._axis(("receiver", labels), labels, source=self._rows,
                          positions=self.positions(labels))

    def payers(self, labels) -> _Axis:
        """``labels`` as SAM columns (index name ``payer``)."""
        labels = tuple(labels)
        return self._axis(("payer", labels), labels, source=self._columns,
                          positions=self.positions(labels))

    def plain(self, labels, dtype: Any = None) -> _Axis:
        """``labels`` alone (no index name)."""
        labels = tuple(labels)
        return self._axis(("plain", labels, str(dtype)), labels, dtype=dtype)


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
    by_role: dict[str, list[str]] = {}
    for a, r in zip(sam.labels, sam.roles.tolist(), strict=True):
        by_role.setdefault(r, []).append(a)

    def accounts_of(role: str) -> list[str]:
        return list(by_role.get(role, ()))

    goods = accounts_of("good")
    activities, commodities = accounts_of("activity"), accounts_of("commodity")

    def one(role: str) -> str:
        found = accounts_of(role)
        if len(found) != 1:
            problems.append(Problem("role_count", f"role {role}",
                                    f"the model needs exactly one {role} account, found "
                                    f"{len(found)} ({', '.join(found) or 'none'})",
                                    "merge or add the account in the accounts table"))
            return found[0] if found else ""
        return found[0]

    government, s_i, row = one("government"), one("savings_investment"), one("rest_of_world")
    households = accounts_of("household")
    if not households:
        problems.append(Problem("role_count", "role household", "no household account",
                                "give one account the role household"))
    factors = accounts_of("factor")
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
        position = {a: i for i, a in enumerate(sam.labels)}
        made = sam.matrix.to_numpy()[np.ix_([position[a] for a in activities],
                                            [position[c] for c in commodities])] != 0
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
    description = sam.accounts["description"]
    labour_types = tuple(f for f in factors if is_labour(f, description.at[f]))
    labour = labour_types[0] if labour_types else None
    taxes = {r: tuple(accounts_of(r)) for r in TAX_ROLES}
    make = tuple(make_pairs) if layout == "activity_commodity" else tuple(
        (g, g) for g in goods)
    return Accounts(layout, tuple(activities), tuple(commodities), commodity_of, tuple(factors),
                    labour, tuple(households), tuple(accounts_of("enterprise")), government,
                    s_i, row, taxes, make, labour_types)


def make_pairs_index(made: np.ndarray) -> list[tuple[int, int]]:
    """(row, column) of the make cells alone in both their row and their column."""
    alone = (made.sum(axis=1) == 1)[:, None] & (made.sum(axis=0) == 1)[None, :] & made
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(alone), strict=True)]


# --------------------------------------------------------------------------- cells
@dataclass(frozen=True)
class _CellFlows:
    """The flow of every SAM cell: ``code`` indexes ``names`` (-1: no flow of the model has a
    place for the cell)."""

    names: tuple[str, ...]
    code: np.ndarray


def _cell_flows(sam: SAM, acc: Accounts, position: Mapping[str, int]) -> _CellFlows:
    """Which flow each SAM cell is (later rows of the registry win, as listed)."""
    names: list[str] = []
    code = np.full(sam.matrix.shape, -1, dtype=np.int16)
    for receivers, payers, name in flow_cells(acc):
        if receivers and payers:
            if name not in names:
                names.append(name)
            rows = np.array([position[a] for a in receivers], dtype=np.intp)
            code[rows[:, None], [position[a] for a in payers]] = names.index(name)
    return _CellFlows(tuple(names), code)


def _refuse_unsupported_cells(sam: SAM, flows: _CellFlows) -> None:
    """Non-zero cells no flow of the model claims are errors naming each cell."""
    values = sam.matrix.to_numpy()
    bad = (values != 0) & (flows.code < 0)
    if bad.any():
        labels = sam.labels
        rows, cols = np.nonzero(bad)
        raise ConfigError(
            f"{sam.name}: the CGE model has no place for {len(rows)} SAM cell(s)",
            [Problem("unsupported_flow", f"row {labels[i]}, column {labels[j]}",
                     f"a payment of {values[i, j]:,.6g} from {sam.role(labels[j])} {labels[j]} "
                     f"to {sam.role(labels[i])} {labels[i]} is not a flow of the model",
                     "move it to an account the model knows, or aggregate it away")
             for i, j in zip(rows, cols, strict=True)])


def _cells_table(sam: SAM, flows: _CellFlows) -> pd.DataFrame:
    """Each non-zero cell with its flow (:attr:`Calibration.cells`)."""
    m = sam.matrix
    values = m.to_numpy()
    rows, cols = np.nonzero(values)
    names = np.array(flows.names, dtype=object)
    return pd.DataFrame({"receiver": m.index[rows], "payer": m.columns[cols],
                         "value": values[rows, cols], "flow": names[flows.code[rows, cols]]})


# --------------------------------------------------------------------------- levels
def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` where ``b`` is not zero, else zero."""
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b != 0)


def _levels_and_shares(sam: SAM, acc: Accounts, axes: _Axes
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Benchmark levels and the parameters that need no elasticity, as table entries
    (:class:`CalibrationTables`) computed on the SAM's array."""
    v = sam.matrix.to_numpy()
    A, C, F, H, E = (list(acc.activities), list(acc.commodities), list(acc.factors),
                     list(acc.households), list(acc.enterprises))
    inst = H + E
    at = axes.position
    gov, si, row = at[acc.government], at[acc.savings_investment], at[acc.rest_of_world]

    def flow(name: str) -> np.ndarray:
        """The benchmark SAM block of a flow of the registry (:data:`cge.flows.FLOWS`)."""
        rows, cols = flow_positions(acc, name, at)
        return v[rows[:, None], cols]

    def paid(name: str) -> np.ndarray:
        """What each payer pays of a flow, summed over its receivers (e.g. a tax over its
        accounts; zero without any)."""
        return flow(name).sum(axis=0)

    # production
    X0 = flow("intermediate_input")
    F0 = flow("factor_payment")
    Y0 = F0.sum(axis=0)
    Z0 = Y0 + X0.sum(axis=0)
    Tz0 = paid("production_tax")
    with np.errstate(divide="ignore", invalid="ignore"):
        tauz = Tz0 / Z0
    # trade
    M0, Tm0, Tv0 = paid("imports"), paid("import_tariff"), paid("import_tax")
    E0, Te0 = flow("exports").sum(axis=1), paid("export_tax")
    Ts0 = paid("sales_tax")
    problems = []
    bases = (("import tariff", Tm0, M0), ("import tax", Tv0, M0), ("export tax", Te0, E0))
    untaxable = {what: (tax != 0) & (base == 0) for what, tax, base in bases}
    for i in np.flatnonzero(np.logical_or.reduce(list(untaxable.values()))):
        for what, tax, _ in bases:
            if untaxable[what][i]:
                problems.append(Problem("tax_without_base", f"column {C[i]}",
                                        f"{what} of {tax[i]:,.6g} on a zero flow",
                                        f"remove the {what} or add the flow"))
    tm = _divide(Tm0, M0)
    # import VAT and consumption tax: on the CIF value plus the duty (the customs base)
    tv = np.divide(Tv0, M0 + Tm0, out=np.zeros(len(C)), where=M0 != 0)
    te = _divide(Te0, E0)
    M0_paid = M0 + Tm0 + Tv0   # imports at the price users pay before sales tax
    # commodity output at producer prices: the make-matrix column (the activity's
    # output value, tax included, in the goods layout)
    a_at, c_at = axes.positions(A), axes.positions(C)
    output_value = (1 + tauz) * Z0 if acc.layout == "goods" else v[np.ix_(a_at, c_at)].sum(axis=0)
    D0 = output_value - (1 - te) * E0
    with np.errstate(divide="ignore", invalid="ignore"):
        ts = Ts0 / (D0 + M0_paid)
    Q0 = D0 + M0_paid + Ts0
    imported_only = (output_value == 0) & (E0 == 0) & (M0 > 0)
    for i in np.flatnonzero(~imported_only & ~(D0 > 0)):
        problems.append(Problem("no_domestic_sales", f"commodity {C[i]}",
                                f"domestic sales {D0[i]:,.6g} are not positive",
                                "the model needs domestic sales of every produced good "
                                "(a commodity nobody makes needs imports and no exports)"))
    if problems:
        raise ConfigError(f"{sam.name}: the SAM does not fit the CGE model", problems)
    # institutions
    FF0 = F0.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor_share = flow("factor_income") / FF0
    Xp0 = flow("household_consumption")
    Xg0 = flow("government_consumption")[:, 0]
    Xv0 = flow("investment_demand")[:, 0]
    income0 = v[axes.positions(inst)].sum(axis=1)
    Td0 = paid("direct_tax")
    Sp0 = flow("household_saving")[0]
    transfers = flow("government_transfers")[:, 0]
    from_abroad = flow("transfers_from_abroad")[:, 0]
    to_abroad = float(paid("government_transfers_abroad").sum())
    Sg0 = float(paid("government_saving").sum())
    Sf0 = float(v[si, row] - v[row, si])   # both foreign_saving cells, net
    revenue0 = float(Tz0.sum() + Tm0.sum() + Tv0.sum() + Ts0.sum() + Te0.sum() + Td0.sum()
                     + v[gov, axes.positions(F)].sum() + v[gov, row])
    consumption_budget = Xp0.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cpi_weight = Xp0.sum(axis=1) / Xp0.sum()
        direct_tax_rate = Td0 / income0
        saving_rate = Sp0 / income0[:len(H)]
        consumption_share = Xp0 / consumption_budget

    rA, pA, rC, pC = axes.receivers(A), axes.payers(A), axes.receivers(C), axes.payers(C)
    rF, pF, pH, pInst = axes.receivers(F), axes.payers(F), axes.payers(H), axes.payers(inst)
    receivers = {name: axes.receivers(flow_accounts(acc, name)[0])
                 for name in ("factor_income", "government_transfers", "transfers_from_abroad")}

    def series(values, axis: _Axis, name: str) -> _Table:
        return _Table(values, axis, None, name)

    bench = {
        "output": series(Z0, pA, "output"), "value_added": series(Y0, pA, "value_added"),
        "factor_demand": _Table(F0, rF, pA), "intermediate_input": _Table(X0, rC, pA),
        "imports": series(M0, pC, "imports"), "exports": series(E0, rC, "exports"),
        "domestic_sales": series(D0, pC, "domestic_sales"),
        "composite_supply": series(Q0, pC, "composite_supply"),
        "household_consumption": _Table(Xp0, rC, pH),
        "government_consumption": series(Xg0, rC, "government_consumption"),
        "investment_demand": series(Xv0, rC, "investment_demand"),
        "factor_endowment": series(FF0, rF, "factor_endowment"),
        "income": series(income0, axes.receivers(inst), "income"),
        "direct_tax": series(Td0, pInst, "direct_tax"),
        "household_savings": series(Sp0, pH, "household_savings"),
        "enterprise_savings": (series(flow("enterprise_saving")[0], axes.payers(E),
                                      "enterprise_savings") if E else
                               partial(pd.Series, dtype=float, name="enterprise_savings")),
        "government_savings": Sg0, "foreign_savings": Sf0, "government_revenue": revenue0,
        "production_tax": series(Tz0, pA, "production_tax"),
        "import_tariff": series(Tm0, pC, "import_tariff"),
        "import_tax": series(Tv0, pC, "import_tax"),
        "sales_tax": series(Ts0, pC, "sales_tax"), "export_tax": series(Te0, pC, "export_tax"),
        "consumption_budget": series(consumption_budget, pH, "consumption_budget"),
        "government_transfers": series(transfers, receivers["government_transfers"],
                                       "government_transfers"),
        "transfers_from_abroad": series(from_abroad, receivers["transfers_from_abroad"],
                                        "transfers_from_abroad"),
        "government_transfers_abroad": to_abroad,
    }
    absorption = Xp0.sum() + Xg0.sum() + Xv0.sum()
    if E:
        with np.errstate(divide="ignore", invalid="ignore"):
            payout = _Table(flow("enterprise_payout") / income0[len(H):], axes.receivers(H),
                            axes.payers(E))
    else:
        payout = partial(pd.DataFrame, index=H, columns=E)
    if acc.layout == "goods":
        make_share = _Table(np.diag(1 + tauz), axes.plain(A), axes.plain(C))
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            make_share = _Table(v[np.ix_(a_at, c_at)] / Z0[:, None], rA, pC)
    params = {
        "io_coefficient": _Table(X0 / Z0, rC, pA),
        "value_added_coefficient": series(Y0 / Z0, pA, "value_added_coefficient"),
        "production_tax_rate": series(tauz, pA, "production_tax_rate"),
        "import_tariff_rate": series(tm, pC, "import_tariff_rate"),
        "import_tax_rate": series(tv, pC, "import_tax_rate"),
        "export_tax_rate": series(te, pC, "export_tax_rate"),
        "sales_tax_rate": series(ts, pC, "sales_tax_rate"),
        "factor_income_share": _Table(factor_share, receivers["factor_income"], pF),
        "consumption_share": _Table(consumption_share, rC, pH),
        "direct_tax_rate": series(direct_tax_rate, pInst, "direct_tax_rate"),
        "household_saving_rate": series(saving_rate, pH, "household_saving_rate"),
        "enterprise_payout_rate": payout,
        "government_consumption_share": series(_share(Xg0), rC, "government_consumption_share"),
        "government_saving_rate": Sg0 / revenue0 if revenue0 else 0.0,
        "investment_share": series(_share(Xv0), rC, "investment_share"),
        "investment_share_of_absorption": float(Xv0.sum() / absorption) if absorption else 0.0,
        "government_share_of_absorption": float(Xg0.sum() / absorption) if absorption else 0.0,
        "cpi_weight": series(cpi_weight, rC, "cpi_weight"),
        "activity_of": partial(pd.Series, dict(acc.activity_of)),
        "commodity_of": partial(pd.Series, dict(acc.commodity_of)),
        "commodity_output": series(output_value, pC, "commodity_output"),
        "make_share": make_share,
    }
    return bench, params


def _top_nest(X0: np.ndarray, Y0: np.ndarray, Z0: np.ndarray, A: list[str], C: list[str],
              sigma: Mapping[str, float | None], axes: _Axes) -> dict[str, Any]:
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
    N0 = X0.sum(axis=0)
    at = [i for i, a in enumerate(A) if sigma[a] and N0[i] > 0]
    ces = [A[i] for i in at]
    s = np.array([float(sigma[a]) for a in ces], dtype=float)
    y, n, z = Y0[at], N0[at], Z0[at]
    dy, top_scale = top_nest_arrays(y, n, z, s)
    index = axes.plain(ces, dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        bundle = X0[:, at] / n
    return {
        "top_elasticity": _Table(s, index, None, "top_elasticity"),
        "top_value_added_share": _Table(dy, index, None, "top_value_added_share"),
        "top_scale": _Table(top_scale, index, None, "top_scale"),
        "intermediate_bundle": _Table(n, index, None, "intermediate_bundle"),
        "bundle_coefficient": _Table(bundle, axes.receivers(C),
                                     axes.payers(ces)),
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
    z = cet_output_array(acc, values_of(bench, "output"), values_of(params, "commodity_output"))
    return pd.Series(z, index=list(acc.commodities), name="output")


def cet_output_array(acc: Accounts, output: np.ndarray, commodity_output: np.ndarray
                     ) -> np.ndarray:
    """:func:`cet_output` from the arrays of output (by activity) and commodity output (by
    commodity)."""
    z = np.array(commodity_output, dtype=float)
    activity = {a: i for i, a in enumerate(acc.activities)}
    commodity = {c: j for j, c in enumerate(acc.commodities)}
    for a, c in acc.commodity_of.items():
        z[commodity[c]] = output[activity[a]]
    return z


def import_tax_wedge(params: Mapping[str, Any]) -> pd.Series:
    """Every tax on imports as one rate on the CIF value, by commodity:
    :math:`(1+\\tau^m_c)(1+\\tau^v_c) - 1` (tariff, then import VAT and consumption tax
    on the duty-inclusive value). The Armington shares read it in place of the tariff."""
    tm = params["import_tariff_rate"]
    tv = params.get("import_tax_rate")
    return tm if tv is None else _import_tax_wedge(tm, tv.reindex(tm.index).fillna(0.0))


def _import_tax_wedge(tm, tv):
    return (1 + tm) * (1 + tv) - 1


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
def _elasticity_parameters(acc: Accounts, axes: _Axes, bench: CalibrationTables,
                           params: CalibrationTables, el: Elasticities) -> dict[str, Any]:
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
    bm, pr = bench.array, params.array
    Z0 = bm("output")
    z_cet = cet_output_array(acc, Z0, pr("commodity_output"))
    wedge = _import_tax_wedge(pr("import_tariff_rate"), pr("import_tax_rate"))
    sigma = _elasticity_array(el.by_account("armington", C))
    psi = _elasticity_array(el.by_account("cet", C))
    t = trade_share_arrays(bm("imports"), bm("exports"), bm("domestic_sales"),
                           bm("composite_supply"), z_cet, wedge, pr("export_tax_rate"),
                           sigma, psi)
    sigma_va = _elasticity_array(el.by_account("value_added", A))
    # Cobb-Douglas (sigma = 1): beta = F/Y, b = Y / prod F^beta;
    # CES: delta = F^(1-rho) / sum F^(1-rho), b = Y / (sum delta F^rho)^(1/rho)
    delta, scale = value_added_arrays(bm("factor_demand"), bm("value_added"), sigma_va)
    ed = el.by_account("export_demand", C) if "export_demand" in el.values else dict.fromkeys(C)
    top = _top_nest(bm("intermediate_input"), bm("value_added"), Z0, A, C,
                    el.by_account("top", A) if "top" in el.values else dict.fromkeys(A), axes)
    pC, pA = axes.plain(C), axes.plain(A)
    by_commodity = {"armington_elasticity": sigma, "armington_exponent": t["eta"],
                    "armington_import_share": t["deltam"],
                    "armington_domestic_share": t["deltad"], "armington_scale": t["gamma"],
                    "cet_elasticity": psi, "cet_exponent": t["phi"],
                    "cet_export_share": t["xie"], "cet_domestic_share": t["xid"],
                    "cet_scale": t["theta"]}
    return {
        **top,
        **{name: _Table(x, pC, None, name) for name, x in by_commodity.items()},
        "value_added_elasticity": _Table(sigma_va, pA, None, "value_added_elasticity"),
        "value_added_share": _Table(delta, axes.receivers(acc.factors), axes.payers(A)),
        "value_added_scale": _Table(scale, pA, None, "value_added_scale"),
        "export_demand_elasticity": _Table(_elasticity_array(ed), pC, None,
                                           "export_demand_elasticity"),
    }


def _elasticity_array(values: Mapping[str, float | None]) -> np.ndarray:
    """Elasticities by account as an array (NaN: infinite)."""
    return np.array([np.nan if x is None else x for x in values.values()], dtype=float)


# --------------------------------------------------------------------------- households
def _demand_parameters(acc: Accounts, axes: _Axes, bench: CalibrationTables,
                       params: CalibrationTables, el: Elasticities,
                       options: Options) -> dict[str, Any]:
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
    C, H = list(acc.commodities), list(acc.households)
    share = params.array("consumption_share")
    rC, pH = axes.receivers(C), axes.payers(H)
    frisch = _elasticity_array(el.by_account("frisch", H))
    out = {"frisch_parameter": _Table(frisch, axes.plain(H), None, "frisch_parameter")}
    if options.household_demand == "cobb_douglas":
        return {"marginal_budget_share": _Table(share, rC, pH),
                "subsistence_consumption": _Table(share * 0.0, rC, pH), **out}
    income = _elasticity_array(el.by_account("income", C))
    weight = share * income[:, None]
    consumption = bench.array("household_consumption")
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = weight / weight.sum(axis=0)
        gamma = consumption + beta * (bench.array("consumption_budget") / frisch)
        gamma = np.where(consumption != 0, gamma, 0.0)
        elasticity = beta / np.where(share != 0, share, np.nan)
    return {"marginal_budget_share": _Table(beta, rC, pH),
            "subsistence_consumption": _Table(gamma, rC, pH), **out,
            "income_elasticity": _Table(np.where(np.isnan(elasticity), 0.0, elasticity),
                                        rC, pH)}


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
