"""Aggregating a SAM: merge accounts into groups, summing their flows.

With :math:`G` the group-membership matrix (:math:`G_{gk} = 1` when account
:math:`k` belongs to group :math:`g`), the aggregated SAM is

.. math:: X^{agg} = G X G^\\top .

Flows between members of one group become the group's diagonal cell (a SAM may
have diagonal cells). Row and column totals of a group are the sums of its
members' totals, so the grand total is kept and a balanced SAM stays balanced.
"""

from __future__ import annotations

from collections.abc import Mapping
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
