"""Aggregating a SAM: merge accounts into groups, summing their flows.

With :math:`G` the group-membership matrix (:math:`G_{gk} = 1` when account
:math:`k` belongs to group :math:`g`), the aggregated SAM is

.. math:: X^{agg} = G X G^\\top .

Flows between members of one group become the group's diagonal cell (a SAM may
have diagonal cells). Row and column totals of a group are the sums of its
members' totals, so the grand total is kept and a balanced SAM stays balanced.

:func:`split_sectors` does the inverse: it splits sectors into sub-sectors by
weights, every new account's totals being its weight times its parent's, so that
aggregating the parts gives back the SAM.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, SAMError
from .core import SAM
from .roles import ROLES, allowed_roles_text

#: Columns of a mapping file.
MAPPING_COLUMNS = ("account", "group", "role")


def read_mapping(path: str | Path) -> pd.DataFrame:
    """Read an aggregation mapping: CSV with columns ``account``, ``group``, optional ``role``.

    ``role`` is the role of the group (blank: inferred from its members). Returns
    a DataFrame with columns ``account``, ``group``, ``role`` (``None`` where blank).
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise SAMError(f"mapping file {path} not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SAMError(f"{path}: cannot read the mapping as CSV ({exc})") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c for c in ("account", "group") if c not in table.columns]
    if missing:
        raise SAMError(f"{path}: the mapping has no column(s) {', '.join(missing)}",
                       [Problem("missing_column", f"{path} header",
                                f"columns are {list(table.columns)}",
                                "use a header row `account,group` (optionally `,role`)")])
    table = table.apply(lambda col: col.str.strip())
    if "role" not in table.columns:
        table["role"] = ""
    problems = [
        Problem("blank", f"{path} line {line + 2}", f"{column} is blank",
                "give every account a group (leave an account out to keep it as it is)")
        for line, row in table.iterrows() for column in ("account", "group") if not row[column]
    ]
    if problems:
        raise SAMError(f"{path}: the mapping is incomplete", problems)
    table["role"] = table["role"].replace("", None)
    return table[list(MAPPING_COLUMNS)].reset_index(drop=True)


def aggregate(sam: SAM, mapping: Mapping[str, str] | pd.Series | pd.DataFrame,
              roles: Mapping[str, str] | None = None) -> SAM:
    """Merge accounts into groups, summing flows.

    Parameters
    ----------
    sam : SAM
        The SAM to aggregate; not modified.
    mapping : mapping account -> group, pandas.Series, or DataFrame
        A DataFrame has columns ``account``, ``group`` and optionally ``role``
        (as returned by :func:`read_mapping`). Accounts not in the mapping keep
        their own label.
    roles : mapping group -> role, optional
        Roles of groups; these override roles given in ``mapping``.

    Returns
    -------
    SAM
        Groups in the order of their first member in ``sam``. The role of a group
        is the one given, else the common role of its members; its description
        lists its members.

    Raises
    ------
    SAMError
        Unknown accounts or roles; an account mapped to two groups; a group whose
        members have different roles and no role is given.
    """
    group_of, given = _normalise(sam, mapping)
    given.update({str(g): str(r) for g, r in (roles or {}).items()})
    group_of = {a: group_of.get(a, a) for a in sam.labels}
    groups = list(dict.fromkeys(group_of.values()))
    members = {g: [a for a in sam.labels if group_of[a] == g] for g in groups}

    problems = [Problem("unknown_group", f"role of group {g}",
                        "no account is mapped to this group", "check the group name")
                for g in given if g not in members]
    problems += [Problem("unknown_role", f"group {g}", f"unknown role {r!r}",
                         f"allowed roles: {allowed_roles_text()}")
                 for g, r in given.items() if r not in ROLES]
    role_of: dict[str, str] = {}
    for g in groups:
        if g in given:
            role_of[g] = given[g]
            continue
        member_roles = {a: sam.role(a) for a in members[g]}
        if len(set(member_roles.values())) > 1:
            listing = ", ".join(f"{a} ({r})" for a, r in member_roles.items())
            problems.append(Problem("mixed_roles", f"group {g}",
                                    f"members have different roles: {listing}",
                                    "give the group a role in the mapping's `role` column"))
        else:
            role_of[g] = next(iter(member_roles.values()))
    if problems:
        raise SAMError(f"{sam.name}: cannot aggregate", problems)

    index = {g: n for n, g in enumerate(groups)}
    membership = np.zeros((len(groups), len(sam.labels)))
    membership[[index[group_of[a]] for a in sam.labels], np.arange(len(sam.labels))] = 1.0
    flows = membership @ sam.matrix.to_numpy() @ membership.T
    descriptions = {g: (sam.accounts.at[g, "description"] if members[g] == [g]
                        else "aggregate of " + ", ".join(members[g])) for g in groups}
    aggregated = SAM.from_frame(pd.DataFrame(flows, index=groups, columns=groups), role_of,
                                descriptions, name=sam.name, unit=sam.unit)
    return SAM(aggregated.matrix, aggregated.accounts, name=sam.name, unit=sam.unit,
               meta=dict(sam.meta))


def _normalise(sam: SAM, mapping: Mapping[str, str] | pd.Series | pd.DataFrame,
               ) -> tuple[dict[str, str], dict[str, str]]:
    """Mapping as (account -> group, group -> role given), with its problems raised."""
    if isinstance(mapping, pd.DataFrame):
        table = mapping
        if "account" not in table.columns and "group" in table.columns:
            table = table.reset_index().rename(columns={table.index.name or "index": "account"})
        missing = [c for c in ("account", "group") if c not in table.columns]
        if missing:
            raise SAMError(f"the mapping has no column(s) {', '.join(missing)}; it needs "
                           "columns account, group and optionally role")
        pairs = list(zip(table["account"].astype(str), table["group"].astype(str), strict=True))
        role_pairs = ([(str(g), str(r)) for g, r in zip(table["group"], table["role"], strict=True)
                       if isinstance(r, str) and r.strip()] if "role" in table.columns else [])
    else:
        pairs = [(str(a), str(g)) for a, g in dict(mapping).items()]
        role_pairs = []

    problems: list[Problem] = []
    group_of: dict[str, str] = {}
    for account, group in pairs:
        if account in group_of and group_of[account] != group:
            problems.append(Problem("mapped_twice", f"mapping of {account}",
                                    f"mapped to both {group_of[account]!r} and {group!r}",
                                    "map every account to one group"))
        group_of[account] = group
    unknown = [a for a in group_of if a not in sam.matrix.index]
    if unknown:
        problems.append(Problem("unknown_account", "mapping",
                                f"account(s) {', '.join(unknown)} not in SAM {sam.name!r}",
                                f"use account labels of the SAM: {', '.join(sam.labels)}"))
    given: dict[str, str] = {}
    for group, role in role_pairs:
        role = role.strip()
        if group in given and given[group] != role:
            problems.append(Problem("conflicting_roles", f"group {group}",
                                    f"given roles {given[group]!r} and {role!r}",
                                    "give each group one role"))
        given[group] = role
    if problems:
        raise SAMError(f"{sam.name}: the aggregation mapping is not valid", problems)
    return group_of, given


# -- the inverse: splitting sectors into sub-sectors ----------------------------------

#: Smallest number of digits of a sub-sector's number in its label (``A_SEC_017``).
PART_DIGITS = 3
#: How far given weights may sum from 1.
WEIGHT_SUM_TOL = 1e-9


def split_weights(sam: SAM, parts: Mapping[str, int | Sequence[float]], seed: int = 0,
                  concentration: float = 1.0) -> dict[str, np.ndarray]:
    """The weights of the sub-sectors of every sector :func:`split_sectors` splits.

    Parameters
    ----------
    sam : SAM
        The SAM whose sectors are split.
    parts : mapping sector -> int or sequence of float
        A sector is named by its activity, its commodity or its good. An int ``k`` draws
        ``k`` weights from a flat Dirichlet distribution (all shares equally likely);
        a sequence gives the weights, positive and summing to 1.
    seed : int
        Seed of the drawn weights; a sector's draw depends on the seed and its label
        only, so the same call always gives the same weights.
    concentration : float
        Dirichlet parameter :math:`\\alpha > 0`: large values give parts of nearly
        equal size, small values very unequal parts.

    Returns
    -------
    dict
        Account -> weights (numpy array summing to 1), for every account split:
        the named account and the one its make cell pairs it with.

    Raises
    ------
    SAMError
        One report naming every problem: unknown accounts, accounts that are not
        sectors, a sector named twice, bad counts or weights, an activity made into
        several commodities, labels of the parts already in the SAM.
    """
    problems: list[Problem] = []
    if not (isinstance(concentration, (int, float)) and concentration > 0):
        problems.append(Problem("bad_value", "concentration",
                                f"{concentration!r} is not a positive number",
                                "give a Dirichlet concentration > 0, e.g. 1"))
    weights: dict[str, np.ndarray] = {}
    named_as: dict[str, str] = {}
    for key, spec in parts.items():
        key = str(key)
        where = f"sector {key}"
        if key not in sam.matrix.index:
            problems.append(Problem("unknown_account", where, f"not an account of SAM {sam.name!r}",
                                    "name an activity, commodity or good: "
                                    + ", ".join(sam.accounts_of("activity", "commodity", "good"))))
            continue
        if sam.role(key) not in ("activity", "commodity", "good"):
            problems.append(Problem("not_a_sector", where, f"is a {sam.role(key)} account",
                                    "split activities, commodities or goods only"))
            continue
        pair, found = _make_pair(sam, key)
        problems += found
        drawn, found = _weights(key, spec, seed, concentration)
        problems += found
        twice = [a for a in pair if a in named_as]
        if twice:
            problems.append(Problem("named_twice", where,
                                    f"{twice[0]} is also split as sector {named_as[twice[0]]}",
                                    "name each sector once (by its activity or commodity)"))
            continue
        for account in pair:
            named_as[account] = key
            if drawn is not None:
                weights[account] = drawn
    labels = set(sam.labels)
    taken = sorted({p for a, w in weights.items() for p in _part_labels(a, len(w)) if p in labels})
    if taken:
        problems.append(Problem("label_taken", "sub-sector labels",
                                f"{', '.join(taken)} already in the SAM",
                                "rename those accounts or split fewer sectors"))
    if problems:
        raise SAMError(f"{sam.name}: cannot split sectors", problems)
    return weights


def split_sectors(sam: SAM, parts: Mapping[str, int | Sequence[float]], seed: int = 0,
                  concentration: float = 1.0, perturb: float = 0.0) -> SAM:
    """Split sectors into sub-sectors by weights, keeping the SAM balanced.

    An activity and the commodity it makes split together into pairs ``A_X_001``/
    ``C_X_001``, ... with weights :math:`w` (:func:`split_weights`). With :math:`S` the
    split matrix (:math:`S_{ip} = w_i` for part :math:`i` of account :math:`p`, 1 for an
    account kept), the new SAM is :math:`S X S^\\top`, except that each sector's make
    cell goes to the diagonal, :math:`X_{a_i c_i} = w_i X_{ac}`. Every cell in the row or
    column of a split account is split by its weights, a cell between two split accounts
    by the product of theirs; every other account keeps its flows.

    Balance: row :math:`i` of part of :math:`p` sums to :math:`w_i \\sum_q X_{pq}\\sum_{j \\in q}
    w_j = w_i r_p`, and columns alike; the diagonal make block has the row and column sums
    of the block it replaces. So every part's totals are :math:`w_i` times its parent's.

    The parts' technologies and demand shares are their parent's; aggregating the parts
    (:func:`aggregate`) gives back the SAM. Parameters as :func:`split_weights`, and

    perturb : float
        :math:`\\lambda \\in [0, 1)`: the parts differ in their inputs. The intermediate
        block of the parts of commodity :math:`c` (weights :math:`u`) and of activity
        :math:`a` (weights :math:`v`), :math:`X_{ca} u v^\\top`, becomes
        :math:`X_{ca}((1 - \\lambda) u v^\\top + \\lambda Q)`, with :math:`Q` a coupling of
        :math:`u` and :math:`v` (row sums :math:`u`, column sums :math:`v`; the north-west
        corner rule on orders drawn from ``seed``): each part of the activity buys more
        from a few parts of the commodity. The block keeps its row and column sums, so
        balance, totals and aggregation are kept exactly.

    Returns
    -------
    SAM
        Parts in place of their parent, numbered from 1 (at least three digits); a
        part's description is its parent's with ``part i of k``.
    """
    problems = [] if isinstance(perturb, (int, float)) and 0 <= perturb < 1 else [
        Problem("bad_value", "perturb", f"{perturb!r} is not in [0, 1)",
                "give the weight of the perturbed technologies, e.g. 0.5, or 0 for none")]
    try:
        weights = split_weights(sam, parts, seed, concentration)
    except SAMError as exc:
        raise SAMError(exc.args[0], exc.problems + problems) from None
    if problems:
        raise SAMError(f"{sam.name}: cannot split sectors", problems)
    old = sam.labels
    new: list[str] = []
    parent: list[int] = []
    share: list[float] = []
    for p, account in enumerate(old):
        w = weights.get(account, np.ones(1))
        new += _part_labels(account, len(w)) if account in weights else [account]
        parent += [p] * len(w)
        share += list(w)
    split = np.zeros((len(new), len(old)))
    split[np.arange(len(new)), parent] = share
    flows = split @ sam.matrix.to_numpy() @ split.T
    first = {a: parent.index(p) for p, a in enumerate(old) if a in weights}
    position = {a: range(first[a], first[a] + len(w)) for a, w in weights.items()}
    for activity in (a for a in weights if sam.role(a) == "activity"):
        for commodity in _make_pair(sam, activity)[0][1:]:   # the make cell, on the diagonal
            rows, cols = position[activity], position[commodity]
            flows[np.ix_(rows, cols)] = np.diag(weights[activity] * sam.flow(activity, commodity))
    if perturb:
        for seller in (a for a in weights if sam.role(a) in ("commodity", "good")):
            for buyer in (a for a in weights if sam.role(a) in ("activity", "good")):
                u, v = weights[seller], weights[buyer]
                rng = np.random.default_rng([seed, zlib.crc32(f"{seller} {buyer}".encode())])
                flows[np.ix_(position[seller], position[buyer])] = sam.flow(seller, buyer) * (
                    (1 - perturb) * np.outer(u, v) + perturb * _coupling(u, v, rng))
    roles = {a: sam.role(old[p]) for a, p in zip(new, parent, strict=True)}
    descriptions = {}
    for a, p in zip(new, parent, strict=True):
        text = str(sam.accounts.at[old[p], "description"])
        if a != old[p]:
            k = len(weights[old[p]])
            number = int(a.rsplit("_", 1)[1])
            text = f"{text}, part {number} of {k}" if text else f"part {number} of {k}"
        descriptions[a] = text
    result = SAM.from_frame(pd.DataFrame(flows, index=new, columns=new), roles, descriptions,
                            name=sam.name, unit=sam.unit)
    return SAM(result.matrix, result.accounts, name=sam.name, unit=sam.unit,
               meta=dict(sam.meta))


def _coupling(u: np.ndarray, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A joint distribution with marginals ``u`` (rows) and ``v`` (columns): the
    north-west corner rule, rows and columns taken in random orders."""
    q = np.zeros((len(u), len(v)))
    rows, cols = rng.permutation(len(u)), rng.permutation(len(v))
    left_u, left_v = u[rows].copy(), v[cols].copy()
    i = j = 0
    while i < len(u) and j < len(v):
        m = min(left_u[i], left_v[j])
        q[rows[i], cols[j]] += m
        left_u[i] -= m
        left_v[j] -= m
        if left_u[i] == 0:
            i += 1
        else:
            j += 1
    return q


def _part_labels(account: str, k: int) -> list[str]:
    """``A_SEC_001`` ... : the labels of the ``k`` parts of ``account``."""
    digits = max(PART_DIGITS, len(str(k)))
    return [f"{account}_{i:0{digits}d}" for i in range(1, k + 1)]


def _make_pair(sam: SAM, account: str) -> tuple[list[str], list[Problem]]:
    """The accounts split together with ``account``: itself, then the commodity it makes
    (or the activity that makes it); none for a good. A problem when there are several."""
    role = sam.role(account)
    if role == "good":
        return [account], []
    other = "commodity" if role == "activity" else "activity"
    cells = (sam.matrix.loc[account] if role == "activity" else sam.matrix[account])
    partners = [a for a in sam.accounts_of(other) if cells[a] != 0]
    if len(partners) > 1:
        verb = "makes" if role == "activity" else "is made by"
        return [account], [Problem("several_makers", f"sector {account}",
                                   f"{verb} {len(partners)} accounts ({', '.join(partners)})",
                                   "split a sector whose activity makes one commodity")]
    return [account] + partners, []


def _weights(key: str, spec: int | Sequence[float], seed: int, concentration: float,
             ) -> tuple[np.ndarray | None, list[Problem]]:
    """Weights of one sector: drawn for a count, checked when given."""
    where = f"sector {key}"
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if spec < 1:
            return None, [Problem("bad_value", where, f"{spec} parts",
                                  "give a number of parts >= 1")]
        if not concentration > 0:
            return None, []
        rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
        return rng.dirichlet(np.full(int(spec), float(concentration))), []
    if np.ndim(spec) == 0 and not isinstance(spec, (str, bytes)):
        return None, [Problem("bad_value", where, f"{spec!r} is not a whole number of parts",
                              "give a number of parts or a list of weights summing to 1")]
    try:
        w = np.asarray(spec, dtype=float).ravel()
    except (TypeError, ValueError):
        w = np.array([np.nan])
    if isinstance(spec, (str, bytes)) or w.size == 0 or not np.all(np.isfinite(w)):
        return None, [Problem("bad_value", where, f"{spec!r} is neither a count nor weights",
                              "give a number of parts or a list of weights summing to 1")]
    problems = []
    if np.any(w <= 0):
        problems.append(Problem("bad_weight", where, f"weights {w.tolist()} are not all positive",
                                "give every part a positive weight"))
    if abs(w.sum() - 1) > WEIGHT_SUM_TOL:
        problems.append(Problem("bad_weight", where, f"weights sum to {w.sum():.12g}, not 1",
                                "give weights summing to 1"))
    return (None if problems else w / w.sum()), problems
