"""Input-output and fixed-price SAM-multiplier analysis of a SAM.

Everything here reads a SAM and knows no model. Results are pandas objects
labelled by account.

**Producers and markets.** A SAM with ``activity`` and ``commodity`` accounts is
read as it stands: activities buy commodities, factors and production taxes;
commodities buy domestic output from activities (the make matrix), imports and
product taxes. A SAM with ``good`` accounts (activity and commodity in one) is
first split into a producer and a market part: the producer pays intermediates,
factors and production taxes (its output is that cost); the market pays the
producer for that output and pays imports, tariffs and sales or export taxes.

**Exports are domestic output.** As in the CGE model's CET split, exports are
sold by producers, not drawn from the market's mix of domestic and imported
supply: the exports of commodity *c* (net of export tax) are moved from the
commodity to its producers in proportion to the make matrix. A commodity's
column shares then describe its *domestic* market. (When exports net of tax
exceed domestic output, only domestic output is moved and a warning is logged.)

**Technology assumption.** With a make matrix :math:`V` (activity x commodity),
activity outputs :math:`x` and commodity domestic outputs :math:`q = V'\\iota`,
commodity *c* is produced by activity *j* in the fixed market share
:math:`D_{jc} = V_{jc}/q_c` (industry-technology assumption, Eurostat model D:
industry-by-industry tables). With a diagonal make matrix, or goods, this is
the identity. The domestic coefficients are

.. math:: A^d = D\\,\\widehat{\\delta}\\,B, \\qquad B_{cj} = U_{cj}/x_j,
          \\qquad \\delta_c = \\frac{\\text{domestic output sold at home}_c}
                                    {\\text{domestic market supply}_c},

where :math:`U` is intermediate use at purchasers' prices, so a unit of commodity
demand buys :math:`\\delta_c` of domestic output, :math:`\\mu_c` of imports and the
rest in product taxes (margins, when commodities pay commodities, are solved
through the market system).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import Problem, SAMError
from .sam.core import SAM
from .sam.roles import ROLES, TAX_ROLES, is_labour

log = logging.getLogger("cge")

#: Roles of the accounts that are endogenous in the SAM-multiplier model by default.
ENDOGENOUS_ROLES = ("activity", "commodity", "good", "factor", "household", "enterprise")
#: The endogenous sets of :func:`multiplier_absorption_ratios`, by name: production only
#: (Type I); the default (:data:`ENDOGENOUS_ROLES`: plus factors, households and
#: enterprises); the default plus the government and the tax accounts it collects; the
#: default plus savings-investment (investment spends what is saved).
MULTIPLIER_SETS: dict[str, tuple[str, ...]] = {
    "production": ("activity", "commodity", "good"),
    "households": ENDOGENOUS_ROLES,
    "government": (*ENDOGENOUS_ROLES, "government", *TAX_ROLES),
    "saving_investment": (*ENDOGENOUS_ROLES, "savings_investment"),
}
#: Roles of accounts a market (commodity) pays besides producers: imports and product taxes.
_MARKET_SIDE_ROLES = ("rest_of_world", "import_tariff", "import_tax", "sales_tax", "export_tax")
#: Suffix of the market part of a good account in the internal producer/market split.
_MARKET_SUFFIX = " (market)"


# -- the production system: producers, markets, exports moved to producers -------------

@dataclass(frozen=True)
class _System:
    """The SAM rearranged into producers and domestic markets (see the module notes)."""

    flows: pd.DataFrame          # balanced, receiver x payer
    roles: pd.Series             # role of every account of ``flows``
    producers: list[str]
    markets: list[str]
    market_names: list[str]      # labels the user knows the markets by
    make_shares: pd.DataFrame    # D: producer x market
    exports: pd.Series           # exports (FOB) by market
    exports_moved: pd.Series     # exports (FOB) treated as sold by producers, by market
    output_exported: pd.Series   # domestic output exported (net of export tax), by market

    @property
    def export_content(self) -> pd.Series:
        """:math:`\\varepsilon_c`: domestic output per unit of exports (FOB)."""
        return (self.output_exported / self.exports.where(self.exports > 0, np.inf))


def _production_system(sam: SAM) -> _System:
    goods = sam.accounts_of("good")
    acts, coms = sam.accounts_of("activity"), sam.accounts_of("commodity")
    if goods and (acts or coms):
        raise SAMError(f"{sam.name}: mixes good accounts with activities or commodities", [
            Problem("mixed_layout", "accounts", f"goods {goods[:3]}..., activities "
                    f"{acts[:3]}, commodities {coms[:3]}",
                    "use either goods, or activities and commodities")])
    if not goods and not (acts and coms):
        raise SAMError(f"{sam.name}: input-output analysis needs producing sectors", [
            Problem("no_sectors", "accounts", "no good accounts, and not both activity and "
                    "commodity accounts", "give sectors the role good, or activity and commodity")])
    if not sam.is_balanced(rtol=1e-6):
        log.warning("%s is not balanced; coefficients are shares of column totals", sam.name)
    if goods:
        flows, roles, producers, markets = _split_goods(sam, goods)
        names = goods
    else:
        flows, roles, producers, markets = sam.matrix.copy(), sam.roles.copy(), acts, coms
        names = coms
    return _move_exports_to_producers(flows, roles, producers, markets, names)


def _split_goods(sam: SAM, goods: list[str]):
    """Split every good into a producer (keeps the label) and a market account."""
    old = sam.matrix
    markets = [g + _MARKET_SUFFIX for g in goods]
    others = [a for a in sam.labels if a not in goods]
    side = [a for a in others if sam.role(a) in _MARKET_SIDE_ROLES]
    labels = goods + markets + others
    new = pd.DataFrame(0.0, index=labels, columns=labels)
    new.loc[markets, goods] = old.loc[goods, goods].to_numpy()
    new.loc[markets, others] = old.loc[goods, others].to_numpy()
    producer_costs = old.loc[others, goods].copy()
    producer_costs.loc[side] = 0.0
    new.loc[others, goods] = producer_costs.to_numpy()
    new.loc[goods, markets] = np.diag(new[goods].sum(axis=0).to_numpy())
    new.loc[side, markets] = old.loc[side, goods].to_numpy()
    new.loc[others, others] = old.loc[others, others].to_numpy()
    roles = pd.concat([pd.Series("activity", index=goods), pd.Series("commodity", index=markets),
                       sam.roles[others]])
    return new, roles, goods, markets


def _move_exports_to_producers(flows, roles, producers, markets, names) -> _System:
    world = list(roles.index[roles == "rest_of_world"])
    etax = list(roles.index[roles == "export_tax"])
    make = flows.loc[producers, markets].to_numpy()
    domestic_output = make.sum(axis=0)
    shares = np.divide(make, domestic_output, out=np.zeros_like(make),
                       where=domestic_output > 0)
    exports_by_world = flows.loc[markets, world].to_numpy()           # market x world
    exports = exports_by_world.sum(axis=1)
    export_tax = flows.loc[etax, markets].to_numpy()                  # etax x market
    net = exports - export_tax.sum(axis=0)
    scale = np.ones_like(exports)
    too_big = net > domestic_output * (1 + 1e-12)
    if too_big.any():
        log.warning("exports net of tax exceed domestic output of %s; only domestic output is "
                    "treated as exported", [names[i] for i in np.flatnonzero(too_big)])
        scale[too_big] = domestic_output[too_big] / net[too_big]
    moved_net = scale * net
    world_share = np.divide(exports_by_world, exports[:, None],
                            out=np.zeros_like(exports_by_world), where=exports[:, None] > 0)
    f = flows.to_numpy(copy=True)
    pos = {a: i for i, a in enumerate(flows.index)}
    p, m = [pos[a] for a in producers], [pos[a] for a in markets]
    w, t = [pos[a] for a in world], [pos[a] for a in etax]
    f[np.ix_(m, w)] -= scale[:, None] * exports_by_world
    f[np.ix_(p, w)] += shares @ (moved_net[:, None] * world_share)
    f[np.ix_(t, w)] += (scale * export_tax) @ world_share
    f[np.ix_(p, m)] -= shares * moved_net
    f[np.ix_(t, m)] -= scale * export_tax
    moved = pd.DataFrame(f, index=flows.index, columns=flows.columns)
    return _System(
        flows=moved, roles=roles, producers=list(producers), markets=list(markets),
        market_names=list(names),
        make_shares=pd.DataFrame(shares, index=producers, columns=markets),
        exports=pd.Series(exports, index=markets),
        exports_moved=pd.Series(scale * exports, index=markets),
        output_exported=pd.Series(moved_net, index=markets),
    )


def _coefficients(flows: pd.DataFrame, payers: list[str]) -> pd.DataFrame:
    """Column shares :math:`a_{ij} = F_{ij} / \\sum_k F_{kj}` of the ``payers`` (zero for empty columns)."""
    block = flows[payers]
    totals = block.sum(axis=0)
    return block.div(totals.where(totals != 0, np.inf), axis=1)


def _inverse(matrix: np.ndarray, what: str, labels: list[str]) -> np.ndarray:
    """:math:`(I - A)^{-1}`, with an error that says why it may not exist."""
    try:
        inverse = np.linalg.inv(np.eye(len(matrix)) - matrix)
    except np.linalg.LinAlgError:
        inverse = None
    if inverse is None or not np.isfinite(inverse).all():
        raise SAMError(f"the {what} does not exist: I - A is singular", [
            Problem("singular", f"accounts {labels[:6]}{'...' if len(labels) > 6 else ''}",
                    "some group of these accounts spends everything among itself (no leakage)",
                    "make one of them exogenous or check its column")])
    return inverse


# -- the result object -------------------------------------------------------------------

@dataclass(frozen=True)
class IOAnalysis:
    """Input-output and SAM-multiplier tables of one SAM.

    Producer (activity or good) tables are indexed by producer, commodity tables
    by commodity (or good). "Per unit of final demand" means per unit of final
    demand for the producer's domestic output, at basic prices.

    Attributes
    ----------
    input_coefficients : DataFrame
        :math:`B_{cj}`: purchases of commodity *c* (purchasers' prices, domestic
        and imported) per unit of output of producer *j*.
    domestic_input_coefficients, import_coefficients : DataFrame
        :math:`\\delta_c B_{cj}` and :math:`\\mu_c B_{cj}`: the domestic-output and
        import parts of :math:`B` (the rest are product taxes).
    domestic_coefficients : DataFrame
        :math:`A^d = D\\widehat{\\delta}B`, producer x producer.
    leontief : DataFrame
        :math:`L = (I - A^d)^{-1}`: output of *i* needed per unit of final demand for *j*.
    ghosh : DataFrame
        :math:`G = (I - \\widehat{x}^{-1}A^d\\widehat{x})^{-1}`: output of *j*
        enabled per unit of primary input in *i*.
    content : DataFrame
        Payments to every non-production account (each factor, tax, the rest of the
        world, ...) generated per unit of final demand for *j*, direct and
        indirect: :math:`A_{RS}(I - A_{SS})^{-1}`. Each column sums to one.
    multipliers : DataFrame
        By producer: ``output`` (:math:`\\iota' L`), ``value_added`` (factor
        content), ``imports``, ``taxes``, and ``employment`` (:math:`e' L`).
    employment : DataFrame
        ``coefficient`` :math:`e_j` (employment, or labour compensation, per unit
        of output), ``multiplier`` :math:`(e'L)_j` and ``type_I`` :math:`(e'L)_j/e_j`.
    linkages : DataFrame
        Rasmussen ``backward`` :math:`n\\,\\iota'L_{\\cdot j}/\\iota'L\\iota`,
        Rasmussen ``forward`` (row sums of :math:`L`), ``forward_ghosh`` (row
        sums of :math:`G`, normalised alike), ``key_sector`` (backward and
        Ghosh forward above one).
    exports_va : DataFrame
        By producer: ``exports`` (FOB), ``domestic_va`` (value added in the whole
        economy due to them, :math:`(v'L)_j\\,e_j`), ``va_share``
        (``domestic_va / exports``), ``va_by_origin`` (:math:`v_i(Le)_i`: value
        added created in *i* by all exports).
    absorption : DataFrame or None
        Fixed-price absorption bound by commodity, see :func:`absorption_ratios`.
    sam_multipliers : DataFrame or None
        Fixed-price SAM multipliers :math:`M = (I - A_n)^{-1}`, see :func:`sam_multipliers`.
        Both are None when the endogenous accounts form a closed system (no
        leakage, :math:`I - A_n` singular).
    employment_source : str
        What ``employment`` measures.
    """

    input_coefficients: pd.DataFrame
    domestic_input_coefficients: pd.DataFrame
    import_coefficients: pd.DataFrame
    domestic_coefficients: pd.DataFrame
    leontief: pd.DataFrame
    ghosh: pd.DataFrame
    content: pd.DataFrame
    multipliers: pd.DataFrame
    employment: pd.DataFrame | None
    linkages: pd.DataFrame
    exports_va: pd.DataFrame
    absorption: pd.DataFrame | None
    sam_multipliers: pd.DataFrame | None
    employment_source: str = ""

    @property
    def export_va_share(self) -> float:
        """Domestic value added embodied in all exports, as a share of exports."""
        exports = self.exports_va["exports"].sum()
        return float(self.exports_va["domestic_va"].sum() / exports) if exports else float("nan")

    def summary(self) -> pd.DataFrame:
        """One row per producer: multipliers, linkages, exports and their value added."""
        table = pd.concat([
            self.multipliers[[c for c in ("output", "value_added", "employment")
                              if c in self.multipliers]],
            self.linkages[["backward", "forward_ghosh", "key_sector"]],
            self.exports_va[["exports", "va_share"]],
        ], axis=1)
        return table

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by a short name (the sheet names of :meth:`to_excel`)."""
        tables = {
            "summary": self.summary(), "multipliers": self.multipliers,
            "linkages": self.linkages, "exports_va": self.exports_va,
            "content": self.content,
            "leontief": self.leontief, "ghosh": self.ghosh,
            "domestic_coefficients": self.domestic_coefficients,
            "input_coefficients": self.input_coefficients,
            "domestic_input_coeff": self.domestic_input_coefficients,
            "import_coefficients": self.import_coefficients,
        }
        optional = {"employment": self.employment, "absorption": self.absorption,
                    "sam_multipliers": self.sam_multipliers}
        tables.update({name: t for name, t in optional.items() if t is not None})
        return tables

    def to_excel(self, path: str | Path) -> Path:
        """Write every table to its own sheet of a workbook."""
        path = Path(path)
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for name, table in self.tables().items():
                table.to_excel(writer, sheet_name=name)
        return path


# -- the analysis ------------------------------------------------------------------------

def analyse(sam: SAM, *, employment: Mapping[str, float] | pd.Series | None = None,
            labour: Iterable[str] | None = None,
            endogenous: Iterable[str] | None = None) -> IOAnalysis:
    """Input-output and SAM-multiplier analysis of a SAM.

    Parameters
    ----------
    sam : SAM
        With ``activity`` and ``commodity`` accounts, or ``good`` accounts.
    employment : mapping or Series, optional
        Employment (persons, hours, ...) by activity (or good). Without it the
        employment proxy is labour compensation.
    labour : list of str, optional
        The labour factor accounts, for the proxy. Default: factor accounts whose
        label or description reads as labour (:func:`cge.sam.roles.is_labour`).
    endogenous : list of str, optional
        Endogenous accounts (or roles) of the SAM multipliers; default
        :data:`ENDOGENOUS_ROLES`.

    Returns
    -------
    IOAnalysis
    """
    system = _production_system(sam)
    flows, producers, markets = system.flows, system.producers, system.markets
    names = dict(zip(markets, system.market_names, strict=True))
    production = producers + markets
    others = [a for a in flows.index if a not in production]
    shares = _coefficients(flows, production)
    a_ss = shares.loc[production, production].to_numpy()
    l_ss = _inverse(a_ss, "Leontief inverse", production)
    n, out = len(producers), flows[producers].sum(axis=0).to_numpy()

    # producer x producer domestic coefficients, markets (and margins) solved out
    a_pp = shares.loc[producers, producers].to_numpy()
    a_pk = shares.loc[producers, markets].to_numpy()
    a_kk = shares.loc[markets, markets].to_numpy()
    a_kp = shares.loc[markets, producers].to_numpy()
    a_d = a_pp + a_pk @ np.linalg.solve(np.eye(len(markets)) - a_kk, a_kp)
    leontief = l_ss[:n, :n]
    ghosh = leontief * out[None, :] / np.where(out > 0, out, 1.0)[:, None]

    def frame(values: np.ndarray, rows: list[str] = producers) -> pd.DataFrame:
        return pd.DataFrame(values, index=pd.Index(rows, name="receiver"),
                            columns=pd.Index(producers, name="payer"))

    user_markets = [names[k] for k in markets]
    b = shares.loc[markets, producers].set_axis(user_markets, axis=0)
    domestic_share = shares.loc[producers, markets].sum(axis=0).set_axis(user_markets)
    roles = system.roles
    import_share = shares.loc[[a for a in others if roles[a] == "rest_of_world"],
                              markets].sum(axis=0).set_axis(user_markets)

    content = frame(shares.loc[others, production].to_numpy() @ l_ss[:, :n], rows=others)
    content.index.name = "account"
    factors = [a for a in others if roles[a] == "factor"]
    taxes = [a for a in others if roles[a] in TAX_ROLES]
    world = [a for a in others if roles[a] == "rest_of_world"]
    multipliers = pd.DataFrame({
        "output": leontief.sum(axis=0),
        "value_added": content.loc[factors].sum(axis=0).to_numpy(),
        "imports": content.loc[world].sum(axis=0).to_numpy(),
        "taxes": content.loc[taxes].sum(axis=0).to_numpy(),
    }, index=pd.Index(producers, name="sector"))

    employment_table, source = _employment(sam, flows, shares, producers, leontief,
                                           employment, labour)
    if employment_table is not None:
        multipliers["employment"] = employment_table["multiplier"]

    linkages = _linkages(leontief, ghosh, producers)

    va_direct = shares.loc[factors, producers].sum(axis=0).to_numpy()
    exported = system.make_shares.to_numpy() @ system.output_exported.to_numpy()
    exports_fob = system.make_shares.to_numpy() @ system.exports_moved.to_numpy()
    domestic_va = multipliers["value_added"].to_numpy() * exported
    exports_va = pd.DataFrame({
        "exports": exports_fob,
        "domestic_va": domestic_va,
        "va_share": np.divide(domestic_va, exports_fob, out=np.full(n, np.nan),
                              where=exports_fob > 0),
        "va_by_origin": va_direct * (leontief @ exported),
    }, index=pd.Index(producers, name="sector"))

    return IOAnalysis(
        input_coefficients=b.rename_axis(index="commodity", columns="sector"),
        domestic_input_coefficients=b.mul(domestic_share, axis=0).rename_axis(
            index="commodity", columns="sector"),
        import_coefficients=b.mul(import_share, axis=0).rename_axis(
            index="commodity", columns="sector"),
        domestic_coefficients=frame(a_d),
        leontief=frame(leontief),
        ghosh=frame(ghosh),
        content=content,
        multipliers=multipliers,
        employment=employment_table,
        linkages=linkages,
        exports_va=exports_va,
        absorption=_if_open(lambda: _absorption(
            system, _endogenous_labels(sam, endogenous, system))),
        sam_multipliers=_if_open(lambda: sam_multipliers(sam, endogenous)),
        employment_source=source,
    )


def _if_open(table):
    """The table, or None when the SAM-multiplier model is closed (I - A_n singular)."""
    try:
        return table()
    except SAMError as exc:
        if not any(p.kind == "singular" for p in exc.problems):
            raise
        log.warning("no SAM multipliers: %s; pass fewer endogenous accounts", exc)
        return None


def _employment(sam, flows, shares, producers, leontief, employment, labour):
    """Employment coefficients and multipliers, from data or from labour compensation."""
    output = flows[producers].sum(axis=0)
    if employment is not None:
        emp = pd.Series(employment, dtype=float)
        missing = [p for p in producers if p not in emp.index]
        unknown = [a for a in emp.index if a not in producers]
        if missing or unknown:
            raise SAMError("employment does not match the sectors", [
                Problem("employment", "employment", f"sectors without employment: {missing}; "
                        f"unknown sectors: {unknown}",
                        f"give one value for each of: {', '.join(producers)}")])
        coefficient = emp[producers].to_numpy() / np.where(output > 0, output, np.inf)
        source = "employment per unit of output"
    else:
        if labour is None:
            labour = [a for a in sam.accounts_of("factor")
                      if is_labour(a, sam.accounts.at[a, "description"])]
        labour = list(labour)
        unknown = [a for a in labour if a not in shares.index]
        if unknown:
            raise SAMError("unknown labour accounts", [Problem(
                "labour", "labour", f"not accounts of the SAM: {unknown}",
                f"use factor accounts: {', '.join(sam.accounts_of('factor'))}")])
        if not labour:
            log.info("no labour factor found: no employment multipliers")
            return None, ""
        coefficient = shares.loc[labour, producers].sum(axis=0).to_numpy()
        source = f"labour compensation ({', '.join(labour)}) per unit of output"
    multiplier = coefficient @ leontief
    table = pd.DataFrame({
        "coefficient": coefficient, "multiplier": multiplier,
        "type_I": np.divide(multiplier, coefficient, out=np.full(len(producers), np.nan),
                            where=coefficient > 0),
    }, index=pd.Index(producers, name="sector"))
    return table, source


def _linkages(leontief: np.ndarray, ghosh: np.ndarray, producers: list[str]) -> pd.DataFrame:
    """Rasmussen backward and forward linkages and the Ghosh forward linkage."""
    n = len(producers)
    backward = n * leontief.sum(axis=0) / leontief.sum()
    forward = n * leontief.sum(axis=1) / leontief.sum()
    forward_ghosh = n * ghosh.sum(axis=1) / ghosh.sum()
    return pd.DataFrame({
        "backward": backward, "forward": forward, "forward_ghosh": forward_ghosh,
        "key_sector": (backward > 1) & (forward_ghosh > 1),
    }, index=pd.Index(producers, name="sector"))


# -- fixed-price SAM multipliers ---------------------------------------------------------

def _endogenous_labels(sam: SAM, endogenous: Iterable[str] | None,
                       system: _System | None = None) -> list[str]:
    """Endogenous accounts from account labels and/or roles (default: ENDOGENOUS_ROLES).

    With a production ``system``, the producer and market parts of a good follow
    the good.
    """
    wanted = set(ENDOGENOUS_ROLES if endogenous is None else endogenous)
    unknown = sorted(w for w in wanted if w not in sam.labels and w not in ROLES)
    if unknown:
        raise SAMError("unknown endogenous accounts or roles", [Problem(
            "endogenous", "endogenous", f"{unknown} are neither accounts nor roles",
            f"give account labels or roles, e.g. {', '.join(ENDOGENOUS_ROLES)}")])
    labels = []
    for account, role in (sam.roles if system is None else system.roles).items():
        original = account.removesuffix(_MARKET_SUFFIX)
        if {account, original, role, sam.role(original)} & wanted:
            labels.append(account)
    if not labels:
        raise SAMError("no endogenous accounts", [Problem(
            "endogenous", "endogenous", f"{sorted(wanted)} match no account",
            f"give account labels or roles, e.g. {', '.join(ENDOGENOUS_ROLES)}")])
    return labels


def sam_multipliers(sam: SAM, endogenous: Iterable[str] | None = None) -> pd.DataFrame:
    """Fixed-price SAM multipliers :math:`M = (I - A_n)^{-1}`.

    :math:`A_n` holds the column shares :math:`a_{ij} = t_{ij}/y_j` among the
    endogenous accounts (default roles :data:`ENDOGENOUS_ROLES`: activities,
    commodities or goods, factors, households, enterprises); the others
    (government, savings-investment, taxes, rest of the world) are exogenous.
    Endogenous totals satisfy :math:`y = A_n y + x` with :math:`x` the injections
    from exogenous accounts, so :math:`y = M x`.

    Parameters
    ----------
    endogenous : list of str, optional
        Account labels and/or roles to make endogenous.
    """
    labels = _endogenous_labels(sam, endogenous)
    a_n = _coefficients(sam.matrix, labels).loc[labels].to_numpy()
    m = _inverse(a_n, "SAM multiplier matrix", labels)
    return pd.DataFrame(m, index=pd.Index(labels, name="receiver"),
                        columns=pd.Index(labels, name="injection"))


def exogenous_injections(sam: SAM, endogenous: Iterable[str] | None = None) -> pd.Series:
    """Receipts of each endogenous account from exogenous accounts, :math:`x`."""
    labels = _endogenous_labels(sam, endogenous)
    exogenous = [a for a in sam.labels if a not in labels]
    return sam.matrix.loc[labels, exogenous].sum(axis=1).rename("injection")


def sam_multiplier_effect(sam: SAM, shock: Mapping[str, float],
                          endogenous: Iterable[str] | None = None) -> pd.Series:
    """Change of every endogenous account's total for a change of exogenous injections.

    :math:`\\Delta y = M\\,\\Delta x`, e.g. ``{"C1": -10}`` for a fall of 10 in the
    exports (or any exogenous demand) of commodity ``C1``.
    """
    m = sam_multipliers(sam, endogenous)
    unknown = [a for a in shock if a not in m.columns]
    if unknown:
        raise SAMError("the shock names accounts that are not endogenous", [Problem(
            "shock", f"account {a}", "not an endogenous account",
            f"shock one of: {', '.join(m.columns[:10])}{'...' if len(m) > 10 else ''}")
            for a in unknown])
    dx = pd.Series(0.0, index=m.columns)
    for a, v in shock.items():
        dx[a] += float(v)
    return (m @ dx).rename("change")


# -- the fixed-price absorption bound ----------------------------------------------------

def absorption_bound(sam: SAM, export_change: Mapping[str, float],
                     endogenous: Iterable[str] | None = None, *,
                     respend: bool = False) -> pd.DataFrame:
    """Fixed-price (demand-driven) effect of an export change on domestic sales.

    The exports of each commodity change by :math:`\\Delta E_c` (FOB; negative for
    a loss). At fixed prices nothing redirects the lost sales to home buyers: the
    export loss is an exogenous injection into the SAM multiplier model and
    spreads through intermediate demand, factor incomes and the spending of the
    endogenous institutions. With exports sold by producers (see the module notes)
    the injection is

    .. math:: \\Delta x_P = D\\,(\\varepsilon \\circ \\Delta E),

    with :math:`\\varepsilon_c` the share of exports that is domestic output (one
    minus the export tax rate), and the SAM multiplier gives every account's change,
    :math:`\\Delta y = M\\Delta x`. Domestic sales of domestic output of commodity
    *k* change by :math:`\\delta_k \\Delta y_k` (its market's domestic share times the
    change of its domestic market). Home sales *fall* with the incomes lost, so the
    bound is negative: it is the Keynesian end of the range in which a CGE result,
    with prices that redirect output to home buyers, is read; full absorption
    (:math:`AR = 1`) is the other end.

    With ``respend=True`` the whole export revenue lost, :math:`-\\sum_c \\Delta E_c`,
    is also re-spent on domestic final demand in base-year proportions
    :math:`\\phi_k` (:math:`\\Delta x_K = -\\phi \\sum_c \\Delta E_c`): what domestic
    demand would take up if a policy replaced the lost demand one for one.

    Returns
    -------
    DataFrame
        By commodity: ``export_change``; ``domestic_sales_change`` (domestic
        output sold at home); ``output_change`` (domestic output,
        ``domestic_sales_change + ε ΔE``); ``absorption_ratio``
        :math:`AR = \\Delta D_c / (-\\Delta E_c)` where exports change.
    """
    system = _production_system(sam)
    by_name = dict(zip(system.market_names, system.markets, strict=True))
    unknown = [c for c in export_change if c not in by_name]
    if unknown:
        raise SAMError("export change of unknown commodities", [Problem(
            "shock", f"account {c}", "not a commodity (or good)",
            f"use one of: {', '.join(system.market_names[:10])}") for c in unknown])
    change = np.zeros(len(system.markets))
    for c, v in export_change.items():
        change[system.markets.index(by_name[c])] += float(v)
    effects = _absorption_effects(system, _endogenous_labels(sam, endogenous, system),
                                  change[:, None], respend)
    table = pd.DataFrame({name: values[:, 0] for name, values in effects.items()},
                         index=pd.Index(system.market_names, name="commodity"))
    table["absorption_ratio"] = (table["domestic_sales_change"]
                                 / -table["export_change"].where(change != 0))
    return table


def absorption_ratios(sam: SAM, endogenous: Iterable[str] | None = None, *,
                      respend: bool = False) -> pd.DataFrame:
    """The absorption bound of each exported commodity for a loss of its exports alone.

    For every commodity *c* with exports, :func:`absorption_bound` of a unit loss
    :math:`\\Delta E_c = -1`; returns by commodity ``exports`` (base),
    ``final_demand_share`` (:math:`\\phi_c`), ``domestic_share``
    (:math:`\\delta_c`), ``absorption_ratio`` and ``output_change`` (per unit of
    export loss).
    """
    system = _production_system(sam)
    return _absorption(system, _endogenous_labels(sam, endogenous, system), respend)


def _absorption(system: _System, endogenous: list[str], respend: bool = False) -> pd.DataFrame:
    exported = np.flatnonzero(system.exports.to_numpy() > 0)
    unit_losses = -np.eye(len(system.markets))[:, exported]
    effects = _absorption_effects(system, endogenous, unit_losses, respend)
    own = (exported, np.arange(len(exported)))  # effect on the shocked commodity itself
    return pd.DataFrame({
        "exports": system.exports.to_numpy()[exported],
        "final_demand_share": _final_demand_shares(system).to_numpy()[exported],
        "domestic_share": _domestic_shares(system).to_numpy()[exported],
        "absorption_ratio": effects["domestic_sales_change"][own],
        "output_change": effects["output_change"][own],
    }, index=pd.Index([system.market_names[k] for k in exported], name="commodity"))


def multiplier_absorption_ratios(sam: SAM, sets: Mapping[str, Iterable[str]] | None = None
                                 ) -> pd.DataFrame:
    """The fixed-price absorption ratio of each exported commodity under several endogenous sets.

    :func:`absorption_ratios` (a unit loss of the commodity's exports alone) with each
    set of endogenous accounts (roles or labels) of ``sets``, default
    :data:`MULTIPLIER_SETS`. A set whose multiplier model is closed (no leakage) gives NaN.

    Returns
    -------
    DataFrame
        Commodity x set.
    """
    system = _production_system(sam)
    out = {}
    for name, endogenous in (MULTIPLIER_SETS if sets is None else sets).items():
        labels = _endogenous_labels(sam, endogenous, system)
        table = _if_open(lambda labels=labels: _absorption(system, labels))
        out[name] = None if table is None else table["absorption_ratio"]
    exported = system.exports.to_numpy() > 0
    index = pd.Index([n for n, e in zip(system.market_names, exported, strict=True) if e],
                     name="commodity")
    return pd.DataFrame({k: (np.nan if v is None else v.reindex(index))
                         for k, v in out.items()}, index=index)


def labour_shares(sam: SAM, labour: Iterable[str] | None = None) -> pd.Series:
    """Labour's share of each producer's value added (factor payments), where it pays labour.

    ``labour``: the labour factor accounts (default: factors named like labour,
    :func:`cge.sam.roles.is_labour`).
    """
    system = _production_system(sam)
    factors = [a for a in system.flows.index if system.roles[a] == "factor"]
    if labour is None:
        labour = [a for a in factors if is_labour(a, sam.accounts.at[a, "description"])]
    payments = system.flows.loc[factors, system.producers]
    wages = payments.loc[list(labour)].sum(axis=0)
    paid = wages[wages > 0]
    return (paid / payments[paid.index].sum(axis=0)).rename("labour_share").rename_axis(
        "sector")


def _final_demand_shares(system: _System) -> pd.Series:
    """Base composition :math:`\\phi` of domestic final demand over markets."""
    production = system.producers + system.markets
    payers = [a for a in system.flows.columns
              if a not in production and system.roles[a] != "rest_of_world"]
    demand = system.flows.loc[system.markets, payers].sum(axis=1)
    return demand / demand.sum()


def _domestic_shares(system: _System) -> pd.Series:
    """:math:`\\delta_k`: domestic output's share of each domestic market's supply."""
    return _coefficients(system.flows, system.markets).loc[system.producers].sum(axis=0)


def _absorption_effects(system: _System, endogenous: list[str], export_change: np.ndarray,
                        respend: bool = False) -> dict[str, np.ndarray]:
    """Market x shock arrays of changes for export changes (columns), optionally re-spent."""
    a_n = _coefficients(system.flows, endogenous).loc[endogenous].to_numpy()
    m = _inverse(a_n, "SAM multiplier matrix", endogenous)
    epsilon = system.export_content.to_numpy()[:, None]
    position = {a: i for i, a in enumerate(endogenous)}
    missing = [a for a in system.producers + system.markets if a not in position]
    if missing:
        raise SAMError("the absorption bound needs endogenous producers and markets", [Problem(
            "endogenous", "endogenous", f"{missing[:5]} are exogenous",
            "keep activities and commodities (or goods) endogenous")])
    dx = np.zeros((len(endogenous), export_change.shape[1]))
    dx[[position[a] for a in system.producers]] = (
        system.make_shares.to_numpy() @ (epsilon * export_change))
    if respend:
        dx[[position[a] for a in system.markets]] += np.outer(
            _final_demand_shares(system).to_numpy(), -export_change.sum(axis=0))
    dy = m @ dx
    sales = _domestic_shares(system).to_numpy()[:, None] * dy[[position[a]
                                                               for a in system.markets]]
    return {"export_change": export_change, "domestic_sales_change": sales,
            "output_change": sales + epsilon * export_change}
