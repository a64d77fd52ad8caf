"""The SAM data object: a square matrix of flows and a table of account roles.

Convention: payments by column, receipts by row. ``matrix.loc[r, c]`` is what
account ``c`` pays to account ``r``. For a balanced SAM every account's row total
(receipts) equals its column total (payments).

A :class:`SAM` is immutable: operations such as balancing or aggregation return a
new object, so nothing the user already had is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import Problem, SAMError
from .roles import ROLES, allowed_roles_text

#: Default relative tolerance for balance checks (relative to the account's total).
BALANCE_RTOL = 1e-9


@dataclass(frozen=True)
class SAM:
    """A social accounting matrix with account roles.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Square, float, identical row and column labels (account names).
        ``matrix.loc[receiver, payer]``.
    accounts : pandas.DataFrame
        Indexed by account (same order as ``matrix``), columns ``role`` and
        ``description``.
    name : str
        A label for reports (usually the file stem).
    unit : str
        Unit of the flows, e.g. ``"100 million yuan"``.
    """

    matrix: pd.DataFrame
    accounts: pd.DataFrame
    name: str = "SAM"
    unit: str = ""
    meta: Mapping[str, str] = field(default_factory=dict)

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_frame(
        cls,
        matrix: pd.DataFrame,
        roles: Mapping[str, str] | pd.Series | pd.DataFrame,
        descriptions: Mapping[str, str] | None = None,
        name: str = "SAM",
        unit: str = "",
    ) -> SAM:
        """Build a SAM from a DataFrame and a mapping account -> role.

        ``roles`` may also be a DataFrame with columns ``account``, ``role`` and
        optionally ``description``. Problems are collected and raised together
        as one :class:`~cge.errors.SAMError`.
        """
        if isinstance(roles, pd.DataFrame):
            table = roles.copy()
            if "account" in table.columns:
                table = table.set_index("account")
            role_map = table["role"].to_dict()
            if descriptions is None and "description" in table.columns:
                descriptions = table["description"].fillna("").to_dict()
        else:
            role_map = dict(roles)
        descriptions = dict(descriptions or {})
        problems = _frame_problems(matrix, role_map)
        if problems:
            raise SAMError(f"{name}: the SAM is not valid", problems)
        labels = [str(a) for a in matrix.index]
        values = matrix.to_numpy(dtype=float, copy=True)
        values[values == 0] = 0.0  # no negative zeros
        m = pd.DataFrame(values, index=pd.Index(labels, name="receiver"),
                         columns=pd.Index(labels, name="payer"))
        acc = pd.DataFrame(
            {"role": [str(role_map[a]) for a in labels],
             "description": [str(descriptions.get(a, "") or "") for a in labels]},
            index=pd.Index(labels, name="account"),
        )
        return cls(m, acc, name=name, unit=unit)

    # -- basic views ----------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        """Account labels in matrix order."""
        return self.matrix.index.tolist()

    @property
    def roles(self) -> pd.Series:
        """Role of each account."""
        return self.accounts["role"]

    def role(self, account: str) -> str:
        """Role of one account."""
        return str(self.accounts.at[account, "role"])

    def accounts_of(self, *roles: str) -> list[str]:
        """Accounts whose role is one of ``roles``, in matrix order."""
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise SAMError(f"unknown role(s) {unknown}; allowed roles: {allowed_roles_text()}")
        return [a for a, r in zip(self.accounts.index.tolist(), self.roles.tolist(), strict=True)
                if r in roles]

    def flow(self, receiver: str, payer: str) -> float:
        """What ``payer`` pays to ``receiver``."""
        return float(self.matrix.at[receiver, payer])

    def block(self, receivers: Iterable[str], payers: Iterable[str]) -> pd.DataFrame:
        """Sub-matrix of flows from ``payers`` (columns) to ``receivers`` (rows)."""
        return self.matrix.loc[list(receivers), list(payers)]

    def row_totals(self) -> pd.Series:
        """Receipts of each account."""
        return self.matrix.sum(axis=1).rename("row_total")

    def column_totals(self) -> pd.Series:
        """Payments of each account."""
        return self.matrix.sum(axis=0).rename("column_total")

    @property
    def total(self) -> float:
        """Sum of all cells."""
        return float(self.matrix.to_numpy().sum())

    # -- balance --------------------------------------------------------------------
    def imbalances(self, rtol: float = BALANCE_RTOL, atol: float = 0.0) -> pd.DataFrame:
        """Accounts whose row and column totals differ, largest difference first.

        An account is out of balance when
        ``|row - column| > atol + rtol * max(|row|, |column|)``.

        Returns a table indexed by account with columns ``row_total``,
        ``column_total`` and ``difference`` (row minus column).
        """
        rows, cols, bad = self._out_of_balance(rtol, atol)
        labels = self.matrix.index
        table = pd.DataFrame({"row_total": rows, "column_total": cols, "difference": rows - cols},
                             index=labels.rename(None))[bad]
        return table.reindex(table["difference"].abs().sort_values(ascending=False).index)

    def is_balanced(self, rtol: float = BALANCE_RTOL, atol: float = 0.0) -> bool:
        """True when every account's receipts equal its payments within tolerance."""
        return not self._out_of_balance(rtol, atol)[2].any()

    def _out_of_balance(self, rtol: float, atol: float
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row totals, column totals and which accounts are out of balance (arrays in
        matrix order)."""
        values = self.matrix.to_numpy()
        rows, cols = values.sum(axis=1), values.sum(axis=0)
        return rows, cols, np.abs(rows - cols) > atol + rtol * np.maximum(np.abs(rows),
                                                                          np.abs(cols))

    def imbalance_problems(self, rtol: float = BALANCE_RTOL, atol: float = 0.0) -> list[Problem]:
        """Imbalances as problems that name the account, both totals and the difference."""
        return [
            Problem(
                "imbalance",
                f"account {acc}",
                f"row total (receipts) {r:,.6g} differs from column total (payments) "
                f"{c:,.6g} by {d:+,.6g}",
                "correct the cells or balance with `cge sam balance`",
            )
            for acc, (r, c, d) in self.imbalances(rtol, atol).iterrows()
        ]

    # -- derived objects --------------------------------------------------------------
    def with_matrix(self, matrix: pd.DataFrame, name: str | None = None) -> SAM:
        """A copy with new flows (same accounts)."""
        m = matrix.reindex(index=self.labels, columns=self.labels).astype(float)
        m.index.name, m.columns.name = "receiver", "payer"
        return SAM(m, self.accounts.copy(), name=name or self.name, unit=self.unit,
                   meta=dict(self.meta))

    def scaled(self, factor: float) -> SAM:
        """The same SAM in another unit (every cell times ``factor``)."""
        return self.with_matrix(self.matrix * factor)

    def equals(self, other: SAM, rtol: float = 0.0, atol: float = 0.0) -> bool:
        """Same labels, roles and flows (within tolerances)."""
        if self.labels != other.labels or not self.roles.equals(other.roles):
            return False
        return bool(np.allclose(self.matrix.to_numpy(), other.matrix.to_numpy(),
                                rtol=rtol, atol=atol))

    def __repr__(self) -> str:
        counts = self.roles.value_counts()
        parts = ", ".join(f"{n} {r}" for r, n in counts.items())
        return f"SAM({self.name!r}: {len(self.labels)} accounts [{parts}], total {self.total:,.6g})"


def _frame_problems(matrix: pd.DataFrame, role_map: Mapping[str, str]) -> list[Problem]:
    """Structural problems of a DataFrame meant as a SAM (labels, roles, values)."""
    problems: list[Problem] = []
    rows = [str(a) for a in matrix.index]
    cols = [str(a) for a in matrix.columns]
    for axis, labels in (("row", rows), ("column", cols)):
        seen: set[str] = set()
        for lab in labels:
            if lab in seen:
                problems.append(Problem("duplicate_label", f"{axis} {lab}",
                                        f"account {lab!r} appears more than once as a {axis} label",
                                        "give every account a unique label"))
            seen.add(lab)
    if rows != cols:
        only_rows = [a for a in rows if a not in cols]
        only_cols = [a for a in cols if a not in rows]
        problems.append(Problem(
            "labels_differ", "labels",
            f"row and column labels differ (rows only: {only_rows or '-'}; "
            f"columns only: {only_cols or '-'}; or a different order)",
            "use the same accounts in the same order for rows and columns"))
    for a in rows:
        if a not in role_map:
            problems.append(Problem("missing_role", f"account {a}", "has no role",
                                    f"give it one of: {allowed_roles_text()}"))
    for a, r in role_map.items():
        if str(a) not in rows:
            problems.append(Problem("unknown_account", f"account {a}",
                                    "has a role but is not in the matrix",
                                    "remove it from the accounts table or add it to the SAM"))
        if r not in ROLES:
            problems.append(Problem("unknown_role", f"account {a}", f"unknown role {r!r}",
                                    f"allowed roles: {allowed_roles_text()}"))
    if not problems:
        try:
            values = matrix.to_numpy(dtype=float)
        except (TypeError, ValueError):
            values = None
            problems.append(Problem("non_numeric", "matrix", "contains non-numeric values",
                                    "every cell must be a number (blank means zero)"))
        if values is not None:
            for i, j in zip(*np.nonzero(~np.isfinite(values)), strict=True):
                problems.append(Problem("non_finite", f"row {rows[i]}, column {cols[j]}",
                                        f"value {values[i, j]} is not finite",
                                        "enter a finite number"))
    return problems
