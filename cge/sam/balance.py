"""Balancing a SAM: RAS (bi-proportional scaling) and cross-entropy.

A SAM is balanced when every account's receipts (row total) equal its payments
(column total). Both methods adjust the *adjustable* cells of a SAM

* non-zero cells that are not listed in ``fixed_cells``;

and leave alone

* structural zeros (a blank cell stays blank: no flow is invented),
* fixed cells (kept bit for bit),
* the sign of every cell (a negative flow stays negative).

Both methods scale each adjustable cell :math:`a_{ij}` by a positive factor

.. math:: x_{ij} = a_{ij} \\exp\\big(\\operatorname{sign}(a_{ij})\\,(u_i + v_j)\\big),

so a positive cell is multiplied by :math:`e^{u_i} e^{v_j}` and a negative one
divided by it. This is the generalised RAS (GRAS) of Junius and Oosterhaven (2003),
which is ordinary RAS when every cell is non-negative; it is the solution of

.. math:: \\min_x \\sum_{ij} |a_{ij}| \\left(z_{ij} \\ln z_{ij} - z_{ij} + 1\\right),
          \\qquad z_{ij} = x_{ij} / a_{ij},

subject to the balancing constraints. The two methods differ in the constraints:

``"ras"``
    Every account gets a target total :math:`t_k`, and rows and columns are scaled
    in turn until :math:`\\sum_j x_{kj} = t_k = \\sum_i x_{ik}`. The target is the
    fixed total where one is given; otherwise the average of the current row and
    column totals (the row (column) total when only the column (row) is fixed),
    recomputed after every sweep, since averages fixed in advance are usually out
    of reach for a SAM with blank cells. Negative cells are handled by GRAS (kept
    negative, divided by the factors), not rejected.
``"cross_entropy"``
    Only :math:`\\sum_j x_{kj} = \\sum_i x_{ik}` for every account, plus the fixed
    totals: totals without a fixed value find their own level, which usually
    changes the SAM less than RAS with guessed targets. The dual of the problem
    (one multiplier per constraint, :math:`u_i + v_j` above) is smooth and convex
    and is minimised by Newton's method: exact, and fast for hundreds of accounts
    (Robinson, Cattaneo and El-Said 2001, in the GRAS form for negative cells).

With every total fixed the two methods solve the same problem and agree.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import Problem, SAMError
from .core import SAM

log = logging.getLogger("cge")

#: Accepted method names (``"cross-entropy"`` is accepted as well).
METHODS = ("ras", "cross_entropy")

#: A cell may change by at most this factor, :math:`e^{40} \approx 2 \times 10^{17}`;
#: a solution that needs more means the constraints cannot be met with these cells.
_MAX_LOG_FACTOR = 40.0

#: RAS gives up when the largest imbalance has not fallen by 1% in this many sweeps.
_STALL_SWEEPS = 200

#: Round-off allowance of a total, in units of machine epsilon times the sum of
#: the absolute values of the cells that make it up (per account).
_ROUNDOFF = 64.0 * np.finfo(float).eps


# -- result -----------------------------------------------------------------------------
@dataclass(frozen=True)
class BalanceResult:
    """A balanced SAM and what balancing did to it.

    Attributes
    ----------
    sam : SAM
        The balanced SAM (a new object; the input is untouched).
    changes : pandas.DataFrame
        One row per changed cell, largest absolute change first, with columns
        ``receiver``, ``payer``, ``before``, ``after``, ``change`` (after minus
        before) and ``relative_change`` (change over before).
    method : str
        ``"ras"`` or ``"cross_entropy"``.
    iterations : int
        RAS sweeps (one row and one column scaling each) or Newton steps; 0 when
        the SAM was balanced already and came back unchanged.
    max_imbalance_before, max_imbalance_after : float
        Largest :math:`|\\text{row total} - \\text{column total}|` over accounts.
    """

    sam: SAM
    changes: pd.DataFrame
    method: str
    iterations: int
    max_imbalance_before: float
    max_imbalance_after: float

    def summary(self, top: int = 5) -> str:
        """A few lines for a terminal or notebook: method, imbalances, largest changes."""
        n_cells = int(np.count_nonzero(self.sam.matrix.to_numpy()))
        unit = f" {self.sam.unit}" if self.sam.unit else ""
        lines = [
            f"{_METHOD_TITLES[self.method]} balancing of SAM {self.sam.name!r} "
            f"({len(self.sam.labels)} accounts): {self.iterations} iterations.",
            f"Largest |row total - column total|: {self.max_imbalance_before:,.6g}{unit} before, "
            f"{self.max_imbalance_after:.3g}{unit} after.",
        ]
        if self.changes.empty:
            lines.append("No cell changed.")
            return "\n".join(lines)
        largest = self.changes["relative_change"].abs().max()
        lines.append(f"{len(self.changes)} of {n_cells} non-zero cells changed "
                     f"(by at most {largest:.2%}); largest changes:")
        for row in self.changes.head(top).itertuples(index=False):
            lines.append(f"  row {row.receiver}, column {row.payer}: {row.before:,.6g} -> "
                         f"{row.after:,.6g} ({row.change:+,.6g}, {row.relative_change:+.2%})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"BalanceResult({self.method}, {self.iterations} iterations, "
                f"{len(self.changes)} cells changed, max imbalance "
                f"{self.max_imbalance_before:.3g} -> {self.max_imbalance_after:.3g})")


_METHOD_TITLES = {"ras": "RAS", "cross_entropy": "Cross-entropy"}


# -- entry point ---------------------------------------------------------------------------
def balance(
    sam: SAM,
    method: str = "ras",
    *,
    fixed_cells: Iterable[tuple[str, str]] = (),
    fixed_totals: Mapping[str, float | None] | None = None,
    rtol: float = 1e-12,
    max_iter: int = 10000,
) -> BalanceResult:
    """Balance a SAM so that every account's row total equals its column total.

    Parameters
    ----------
    sam : SAM
        The SAM to balance; not modified.
    method : {"ras", "cross_entropy"}
        See the module docstring. ``"cross-entropy"`` is accepted too.
    fixed_cells : iterable of (receiver, payer)
        Cells kept exactly as they are.
    fixed_totals : mapping account -> total or None
        Row and column total each of these accounts must reach; ``None`` keeps the
        account's current row total (receipts).
    rtol : float
        Accounts balance to ``|row - column| <= rtol * max(|row|, |column|)`` (plus
        a round-off allowance for accounts whose cells nearly cancel); fixed totals
        are met to the same relative tolerance.
    max_iter : int
        Most RAS sweeps or Newton steps before giving up.

    Returns
    -------
    BalanceResult

    Raises
    ------
    SAMError
        Unknown method or accounts; constraints that the fixed cells, fixed totals
        and structural zeros make impossible (naming the account and why); no
        convergence within ``max_iter``.
    """
    method = _method_name(method)
    if not rtol > 0 or not max_iter >= 1:
        raise SAMError(f"balance: rtol must be positive and max_iter at least 1 "
                       f"(got rtol={rtol!r}, max_iter={max_iter!r})")
    task = _Task.build(sam, fixed_cells, fixed_totals)
    before = _max_imbalance(task.x0)
    started = time.perf_counter()
    if task.satisfied(task.x0, rtol):
        x, iterations = task.x0, 0
    elif problems := _Constraints.build(task, task.target).infeasible(task, rtol):
        raise SAMError(f"{sam.name}: cannot be balanced with these fixed cells, fixed totals "
                       f"and blank cells", problems)
    elif method == "ras":
        x, iterations = _ras(task, rtol, max_iter)
    else:
        x, iterations = _cross_entropy(task, rtol, max_iter)
    log.info("%s: balanced %d accounts by %s in %d iterations (%.3f s)", sam.name,
             len(task.labels), method, iterations, time.perf_counter() - started)
    return BalanceResult(
        sam=sam.with_matrix(pd.DataFrame(x, index=sam.matrix.index, columns=sam.matrix.columns)),
        changes=_changes(task.labels, task.x0, x),
        method=method,
        iterations=iterations,
        max_imbalance_before=before,
        max_imbalance_after=_max_imbalance(x),
    )


def _method_name(method: str) -> str:
    name = str(method).strip().lower().replace("-", "_")
    if name not in METHODS:
        raise SAMError(f"unknown balancing method {method!r}; use one of: {', '.join(METHODS)}")
    return name


def _max_imbalance(x: np.ndarray) -> float:
    return float(np.max(np.abs(x.sum(axis=1) - x.sum(axis=0)), initial=0.0))


def _changes(labels: list[str], before: np.ndarray, after: np.ndarray) -> pd.DataFrame:
    i, j = np.nonzero(after != before)
    change = after[i, j] - before[i, j]
    table = pd.DataFrame({
        "receiver": [labels[k] for k in i], "payer": [labels[k] for k in j],
        "before": before[i, j], "after": after[i, j], "change": change,
        "relative_change": change / before[i, j],
    })
    order = np.argsort(-np.abs(change), kind="stable")
    return table.iloc[order].reset_index(drop=True)


# -- the problem: cells, fixed parts, constraints ------------------------------------------
@dataclass(frozen=True)
class _Task:
    """The balancing problem in arrays.

    ``free`` marks the adjustable cells; ``fixed_row`` and ``fixed_col`` are the
    parts of each account's row and column totals that cannot move (fixed cells);
    ``target`` is the fixed total of each account (NaN where none is fixed).
    """

    labels: list[str]
    x0: np.ndarray
    free: np.ndarray
    fixed_row: np.ndarray
    fixed_col: np.ndarray
    target: np.ndarray

    @classmethod
    def build(cls, sam: SAM, fixed_cells: Iterable[tuple[str, str]],
              fixed_totals: Mapping[str, float | None] | None) -> _Task:
        labels = sam.labels
        position = {a: k for k, a in enumerate(labels)}
        x0 = sam.matrix.to_numpy(dtype=float, copy=True)
        problems: list[Problem] = []

        fixed = np.zeros(x0.shape, dtype=bool)
        for cell in fixed_cells:
            try:
                receiver, payer = cell
            except (TypeError, ValueError):
                problems.append(Problem("bad_fixed_cell", f"fixed cell {cell!r}",
                                        "is not a (receiver, payer) pair",
                                        "give each fixed cell as (row account, column account)"))
                continue
            missing = [a for a in (receiver, payer) if a not in position]
            if missing:
                problems.append(Problem(
                    "unknown_account", f"fixed cell (row {receiver}, column {payer})",
                    f"account(s) {', '.join(map(repr, missing))} not in SAM {sam.name!r}",
                    "use account labels of the SAM"))
                continue
            fixed[position[receiver], position[payer]] = True

        target = np.full(len(labels), np.nan)
        rows = x0.sum(axis=1)
        for account, total in (fixed_totals or {}).items():
            if account not in position:
                problems.append(Problem("unknown_account", f"fixed total of {account!r}",
                                        f"account not in SAM {sam.name!r}",
                                        "use account labels of the SAM"))
                continue
            k = position[account]
            value = rows[k] if total is None else _as_float(total)
            if value is None or not np.isfinite(value):
                problems.append(Problem("bad_fixed_total", f"fixed total of account {account}",
                                        f"{total!r} is not a finite number",
                                        "give a number, or None to keep the current row total"))
                continue
            target[k] = value
        if problems:
            raise SAMError(f"{sam.name}: cannot balance as asked", problems)

        nonzero = x0 != 0
        pinned = np.where(fixed & nonzero, x0, 0.0)
        return cls(labels, x0, nonzero & ~fixed, pinned.sum(axis=1), pinned.sum(axis=0), target)

    @property
    def has_target(self) -> np.ndarray:
        return ~np.isnan(self.target)

    def tolerances(self, x: np.ndarray, rtol: float) -> np.ndarray:
        """Allowed |row - column| per account at flows ``x``."""
        rows, cols = x.sum(axis=1), x.sum(axis=0)
        gross = np.abs(x).sum(axis=1) + np.abs(x).sum(axis=0)
        return rtol * np.maximum(np.abs(rows), np.abs(cols)) + _ROUNDOFF * gross

    def satisfied(self, x: np.ndarray, rtol: float) -> bool:
        """Balanced, and fixed totals met, within tolerance."""
        rows, cols = x.sum(axis=1), x.sum(axis=0)
        tol = self.tolerances(x, rtol)
        t = np.where(self.has_target, self.target, rows)
        return bool(np.all(np.abs(rows - cols) <= tol) and np.all(np.abs(rows - t) <= tol)
                    and np.all(np.abs(cols - t) <= tol))


@dataclass(frozen=True)
class _Constraints:
    """Linear constraints on the adjustable cells, ``M @ x_free = c``.

    Each account contributes either one *balance* constraint (adjustable receipts
    minus adjustable payments equal fixed payments minus fixed receipts) or, when
    it has a target total, a *row* and a *column* constraint. ``u_of``/``v_of``
    give, per account, the constraint whose multiplier enters :math:`u_k` and
    :math:`v_k`, with signs ``u_sign``/``v_sign``.
    """

    kind: list[tuple[str, int]]   # ("balance" | "row" | "column", account index)
    matrix: object                # scipy.sparse (constraints x adjustable cells)
    rhs: np.ndarray
    cells: tuple[np.ndarray, np.ndarray]

    @classmethod
    def build(cls, task: _Task, totals: np.ndarray) -> _Constraints:
        """Constraints with target ``totals`` (NaN: balance only) per account."""
        from scipy import sparse

        n = len(task.labels)
        kind: list[tuple[str, int]] = []
        rhs: list[float] = []
        u_of, v_of = np.empty(n, dtype=int), np.empty(n, dtype=int)
        v_sign = np.ones(n)
        for k in range(n):
            if np.isnan(totals[k]):
                u_of[k] = v_of[k] = len(kind)
                v_sign[k] = -1.0
                kind.append(("balance", k))
                rhs.append(task.fixed_col[k] - task.fixed_row[k])
            else:
                u_of[k], v_of[k] = len(kind), len(kind) + 1
                kind += [("row", k), ("column", k)]
                rhs += [totals[k] - task.fixed_row[k], totals[k] - task.fixed_col[k]]
        i, j = np.nonzero(task.free)
        cell = np.arange(len(i))
        matrix = sparse.csr_matrix(
            (np.concatenate([np.ones(len(i)), v_sign[j]]),
             (np.concatenate([u_of[i], v_of[j]]), np.concatenate([cell, cell]))),
            shape=(len(kind), len(i)))
        matrix.eliminate_zeros()  # a diagonal cell does not enter its own balance
        return cls(kind, matrix, np.asarray(rhs), (i, j))

    def infeasible(self, task: _Task, rtol: float) -> list[Problem]:
        """Constraints the adjustable cells cannot meet whatever their size.

        Scaling keeps signs, so a constraint that needs a positive (negative) amount
        needs an adjustable cell that contributes positively (negatively), and one
        that needs zero needs cells of both signs (cells never vanish).
        """
        a = task.x0[self.cells]
        contribution = self.matrix.multiply(np.sign(a)[None, :]).tocsr()
        has_pos = np.asarray((contribution > 0).sum(axis=1)).ravel() > 0
        has_neg = np.asarray((contribution < 0).sum(axis=1)).ravel() > 0
        tol = task.tolerances(task.x0, rtol)
        problems = []
        for c, (kind, k) in enumerate(self.kind):
            need, t = self.rhs[c], tol[k]
            possible = ((need > t and has_pos[c]) or (need < -t and has_neg[c])
                        or (abs(need) <= t and has_pos[c] == has_neg[c]))
            if not possible:
                problems.append(_infeasible_problem(task, kind, k, need, has_pos[c],
                                                    has_neg[c]))
        return problems or self._contradictions(task)


    def _contradictions(self, task: _Task) -> list[Problem]:
        """Constraints that contradict each other whatever the signs of the cells.

        The constraints are consistent when :math:`c` lies in the range of :math:`M`
        (checked by least squares). When not, a certificate :math:`y` with
        :math:`M^\\top y = 0` and :math:`c^\\top y = 1` combines constraints into one
        with no adjustable cell and a non-zero right-hand side; the certificate of
        least :math:`\\|y\\|_1` (a small linear programme) names few accounts.
        """
        from scipy import linalg, optimize, sparse

        gram = (self.matrix @ self.matrix.T).toarray()
        solution = linalg.lstsq(gram, self.rhs, lapack_driver="gelsy")[0]
        account = np.array([k for _, k in self.kind], dtype=int)
        size = np.maximum(np.abs(self.rhs), _gross(task)[account])
        if np.all(np.abs(self.rhs - gram @ solution) <= 1e-8 * size):
            return []
        m = len(self.kind)
        rhs = self.rhs / np.max(size)
        equations = sparse.vstack([
            sparse.hstack([self.matrix.T, -self.matrix.T]),
            sparse.csr_matrix(np.concatenate([rhs, -rhs])[None, :])]).tocsr()
        lp = optimize.linprog(np.ones(2 * m), A_eq=equations,
                              b_eq=np.r_[np.zeros(self.matrix.shape[1]), 1.0],
                              bounds=(0, None), method="highs")
        weight = lp.x[:m] - lp.x[m:] if lp.status == 0 else np.ones(m)
        involved = np.abs(weight) > 1e-9 * np.max(np.abs(weight))
        parts = [f"{_CONSTRAINT_NAMES[kind]} of {task.labels[k]} (adjustable cells must give "
                 f"{self.rhs[c]:,.6g})" for c, (kind, k) in enumerate(self.kind) if involved[c]]
        names = sorted({task.labels[k] for k in account[involved]}, key=task.labels.index)
        return [Problem(
            "infeasible", f"account{'s' if len(names) > 1 else ''} {', '.join(names)}",
            "these constraints contradict each other given the blank and fixed cells (no "
            "values of the adjustable cells satisfy all of them): " + "; ".join(parts),
            "drop or correct one of these fixed totals, or un-fix some of their cells")]


_CONSTRAINT_NAMES = {"balance": "balance", "row": "fixed row total",
                     "column": "fixed column total"}


def _gross(task: _Task) -> np.ndarray:
    """Sum of absolute cells in each account's row and column."""
    a = np.abs(task.x0)
    return a.sum(axis=1) + a.sum(axis=0)


def _infeasible_problem(task: _Task, kind: str, k: int, need: float, has_pos: bool,
                        has_neg: bool) -> Problem:
    account = task.labels[k]
    signs = ("none" if not (has_pos or has_neg) else
             "only positive" if has_pos and not has_neg else "only negative")
    if kind == "balance":
        message = (f"its fixed cells give receipts {task.fixed_row[k]:,.6g} and payments "
                   f"{task.fixed_col[k]:,.6g}, so adjustable receipts minus adjustable payments "
                   f"must be {need:,.6g}, but the adjustable cells can contribute {signs} amounts")
    else:
        fixed_part = task.fixed_row[k] if kind == "row" else task.fixed_col[k]
        line = "receipts (row)" if kind == "row" else "payments (column)"
        message = (f"its {line} must total {task.target[k]:,.6g} (fixed total) but its fixed "
                   f"cells sum to "
                   f"{fixed_part:,.6g}; the adjustable cells would have to sum to {need:,.6g}, "
                   f"and they are {signs} (blank cells stay blank, signs are kept)")
    fix = f"un-fix some cells of {account}, enter a cell where a flow exists" + (
        ", or change its fixed total" if task.has_target[k] else "")
    return Problem("infeasible", f"account {account}", message, fix)


def _as_float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _not_converged(task: _Task, x: np.ndarray, rtol: float, method: str, steps: int,
                   reason: str) -> SAMError:
    rows, cols = x.sum(axis=1), x.sum(axis=0)
    t = np.where(task.has_target, task.target, np.nan)
    gap = np.maximum(np.abs(rows - cols), np.nan_to_num(np.maximum(np.abs(rows - t),
                                                                   np.abs(cols - t))))
    worst = np.argsort(-gap / np.maximum(task.tolerances(x, rtol), 1e-300))[:5]
    problems = [
        Problem("not_balanced", f"account {task.labels[k]}",
                f"row total {rows[k]:,.6g}, column total {cols[k]:,.6g}"
                + (f", fixed total {t[k]:,.6g}" if task.has_target[k] else ""),
                "check its fixed cells, fixed total and blank cells")
        for k in worst if gap[k] > task.tolerances(x, rtol)[k]
    ]
    return SAMError(f"{_METHOD_TITLES[method]} balancing stopped after {steps} iterations: "
                    f"{reason}", problems)


# -- RAS --------------------------------------------------------------------------------------
def _ras_targets(task: _Task, x: np.ndarray) -> np.ndarray:
    """Target totals for a RAS sweep: the fixed total, else a compromise of the current totals.

    The average of the current row and column totals when both have adjustable
    cells; the column (row) total when only the row (column) can change.
    """
    rows, cols = x.sum(axis=1), x.sum(axis=0)
    row_free, col_free = task.free.any(axis=1), task.free.any(axis=0)
    guess = np.where(row_free & col_free, 0.5 * (rows + cols), np.where(row_free, cols, rows))
    return np.where(task.has_target, task.target, guess)


def _scale(pos: np.ndarray, neg: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Factor :math:`r > 0` with :math:`r p - n / r = d`, i.e. :math:`p r^2 - d r - n = 0`.

    The root is written in the form that avoids cancellation for either sign of
    :math:`d`; lines without adjustable cells keep the factor 1. A target the
    line cannot reach with its signs gives 0 or infinity.
    """
    root = np.sqrt(need * need + 4.0 * pos * neg)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(need >= 0, (need + root) / (2.0 * pos), 2.0 * neg / (root - need))
    return np.where((pos == 0) & (neg == 0), 1.0, r)


def _ras(task: _Task, rtol: float, max_iter: int) -> tuple[np.ndarray, int]:
    """Generalised RAS with moving targets: scale rows, then columns, to the targets.

    .. math:: x_{ij} = r_i p_{ij} s_j - n_{ij} / (r_i s_j)

    with :math:`p` and :math:`n` the positive and negative parts of the adjustable
    cells; each half-sweep solves for :math:`r` (then :math:`s`) exactly. Targets
    of accounts without a fixed total are recomputed from the flows after every
    sweep (:func:`_ras_targets`): fixed once and for all, an average of row and
    column totals is in general out of reach for a SAM with blank cells (the
    income of households is the sum of the payments of the factors they own).
    """
    adjustable = np.where(task.free, task.x0, 0.0)
    pos, neg = np.maximum(adjustable, 0.0), np.maximum(-adjustable, 0.0)
    r, s = np.ones(len(task.labels)), np.ones(len(task.labels))
    x = task.x0
    best, best_sweep = np.inf, 0
    for sweep in range(1, max_iter + 1):
        totals = _ras_targets(task, x)
        # a target of zero scales a row or column to zero: the check below reports it
        with np.errstate(divide="ignore", invalid="ignore"):
            r = _scale(pos @ s, neg @ (1.0 / s), totals - task.fixed_row)
            s = _scale(pos.T @ r, neg.T @ (1.0 / r), totals - task.fixed_col)
        if not (np.all(np.isfinite(r) & (r > 0)) and np.all(np.isfinite(s) & (s > 0))):
            raise _not_converged(task, x, rtol, "ras", sweep,
                                 "the targets cannot be reached by scaling cells of these "
                                 "signs; try cross-entropy")
        scale = np.outer(r, s)
        x = np.where(task.free, pos * scale - neg / scale, task.x0)
        if task.satisfied(x, rtol):
            return x, sweep
        gap = float(np.max(np.abs(x.sum(axis=1) - x.sum(axis=0)) / task.tolerances(x, rtol)))
        if gap < 0.99 * best:
            best, best_sweep = gap, sweep
        elif sweep - best_sweep > _STALL_SWEEPS:
            raise _not_converged(task, x, rtol, "ras", sweep,
                                 f"the imbalance has not fallen in {_STALL_SWEEPS} sweeps: the "
                                 "fixed totals and blank cells leave no balanced SAM with these "
                                 "signs")
    raise _not_converged(task, x, rtol, "ras", max_iter,
                         "the accounts are still out of balance; raise max_iter or try "
                         "cross-entropy")


# -- cross-entropy --------------------------------------------------------------------------
def _cross_entropy(task: _Task, rtol: float, max_iter: int) -> tuple[np.ndarray, int]:
    """Minimise the GRAS cross-entropy through its dual, by Newton's method.

    With multipliers :math:`\\theta` of the constraints :math:`M x = c`, the cells are
    :math:`x(\\theta) = a \\odot \\exp(\\operatorname{sign}(a) \\odot M^\\top\\theta)`
    and :math:`\\theta` minimises the convex dual

    .. math:: D(\\theta) = \\sum |a| \\exp(\\operatorname{sign}(a) \\odot M^\\top \\theta)
              - c^\\top \\theta,

    whose gradient :math:`M x(\\theta) - c` is the constraint residual and whose
    Hessian is :math:`M \\operatorname{diag}(|x|) M^\\top`.
    """
    from scipy import linalg

    constraints = _Constraints.build(task, task.target)
    a = task.x0[constraints.cells]
    scale = float(np.max(np.abs(a), initial=1.0))  # work with cells of order one
    a_abs, sign = np.abs(a) / scale, np.sign(a)

    def flows(z: np.ndarray) -> np.ndarray:
        x = task.x0.copy()
        x[constraints.cells] = a * z
        return x
    M, c = constraints.matrix, constraints.rhs / scale
    account = np.array([k for _, k in constraints.kind], dtype=int)
    theta = np.zeros(len(c))

    def dual(theta: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(over="ignore"):
            z = np.exp(sign * (M.T @ theta))
        return float(a_abs @ z - c @ theta), z

    value, z = dual(theta)
    for step in range(1, max_iter + 1):
        x_abs = a_abs * z
        residual = M @ (sign * x_abs) - c
        x = flows(z)
        tol = task.tolerances(x, rtol)[account] / scale
        if np.all(np.abs(residual) <= tol):
            return x, step - 1
        hessian = (M.multiply(x_abs[None, :]) @ M.T).toarray()
        # The balance constraints of a group of accounts sum to zero (a constant added
        # to all their multipliers changes nothing): a tiny ridge makes the system
        # definite without changing the step in the directions that matter.
        ridge = 1e-12 * max(float(np.max(np.diag(hessian), initial=0.0)), 1.0)
        direction = linalg.solve(hessian + ridge * np.eye(len(c)), -residual, assume_a="pos")
        length, norm = 1.0, np.linalg.norm(residual)
        while True:
            trial = theta + length * direction
            trial_value, trial_z = dual(trial)
            decrease = trial_value <= value + 1e-4 * length * (residual @ direction)
            if np.isfinite(trial_value) and (
                    decrease or np.linalg.norm(M @ (sign * a_abs * trial_z) - c) < norm):
                break
            length *= 0.5
            if length < 1e-12:
                raise _not_converged(task, x, rtol, "cross_entropy", step,
                                     "no Newton step improves the balance")
        theta, value, z = trial, trial_value, trial_z
        if np.max(np.abs(M.T @ theta), initial=0.0) > _MAX_LOG_FACTOR or not np.all(
                np.abs(theta) < 1e6):
            raise _not_converged(
                task, flows(z), rtol,
                "cross_entropy", step,
                f"cells would have to change by a factor above e^{_MAX_LOG_FACTOR:g}: the "
                "fixed cells, fixed totals and blank cells leave no balanced SAM with these signs")
    raise _not_converged(task, flows(z), rtol, "cross_entropy", max_iter, "raise max_iter")

