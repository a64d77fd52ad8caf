"""The batch result store: one SQLite database in the batch's directory.

SQLite in WAL mode, written by one process only (the coordinator), the scenarios of a
finished chunk in one transaction, so a batch killed at any moment leaves every stored
scenario complete and none half-written. Users query it with SQL or with
:func:`load_results`, which returns pandas frames.

Tables
------
``scenarios``
    one row per scenario: ``id`` (primary key, a hash of the scenario's inputs), ``name``,
    ``position`` in the batch, ``inputs`` (JSON), ``status`` (``solved`` or ``failed``),
    ``reason`` (the solver's message when failed), ``iterations``, ``seconds`` (solve time),
    ``attempts``, ``worker``, ``finished_at`` (UTC, ISO 8601), ``base_digest`` (the
    base scenario and SAM it was solved on, see ``batches``).
``batches``
    the base scenarios whose scenarios the store holds: ``base_digest``, ``batch`` (file),
    ``base`` (scenario file). One unless batches were added with ``append``.
``inputs``
    the scenario's inputs in long form: ``scenario_id``, ``kind`` (``shock`` or
    ``elasticity``), ``name``, ``idx``, ``op`` (``set``, ``multiply``, ``add`` or ``value``),
    ``value``.
``variables``
    the reported variables, once per batch: ``layout`` and ``position`` (where the
    variable sits in a scenario's vector), ``variable``, ``idx``, ``base`` (benchmark level).
``levels``
    every reported variable of a scenario: ``scenario_id``, ``layout``, ``counterfactual``
    (the levels in ``position`` order, a BLOB of little-endian float64: one row per
    scenario instead of one per variable keeps a batch's writes cheap).
    :func:`load_results` unpacks it into the long ``results`` table
    (``scenario_id, variable, idx, base, counterfactual, change_pct``); in SQL,
    ``SELECT counterfactual FROM levels`` and ``numpy.frombuffer``.
``indicators``
    the full indicator set of :func:`cge.indicators.indicators`, long and tidy:
    ``scenario_id``, ``indicator``, ``idx`` (account label, ``total`` or ``_``), ``base``,
    ``counterfactual`` (levels) and ``value`` (percent changes and ratios).
``path_levels``
    dynamic scenarios only (a base scenario with ``dynamics:``): every reported variable
    of every period, ``scenario_id``, ``layout`` (of ``variables``, whose ``base`` is
    then the first period's), ``periods`` (their labels, JSON), ``base`` and
    ``counterfactual`` (BLOBs of little-endian float64, period by period: the base path
    of the scenario's elasticities and the shocked path). :func:`load_results` unpacks
    them into the long ``paths`` table (``scenario_id, variable, idx, period, base,
    counterfactual, change_pct``).
``path_indicators``
    dynamic scenarios only: the indicators of every period, ``scenario_id``, ``period``,
    ``indicator``, ``idx``, ``base``, ``counterfactual``, ``value``. The ``indicators``
    table then holds the summary of the path: ``equivalent_variation`` (discounted),
    ``equivalent_variation_sum`` and the last period's indicators, so the batch report's
    quantiles and tornado read dynamic batches as they read static ones.
``meta``
    key/value facts about the batch (base scenario file, batch file).

A store written before the ``path_*`` tables existed opens as it is: they are created
empty, and static batches never write them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

#: File name of the database inside the store directory.
DB_NAME = "batch.sqlite"

SOLVED = "solved"
FAILED = "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS scenarios (
    id TEXT PRIMARY KEY,
    name TEXT,
    position INTEGER,
    inputs TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    iterations INTEGER,
    seconds REAL,
    attempts INTEGER,
    worker TEXT,
    finished_at TEXT,
    base_digest TEXT
);
CREATE TABLE IF NOT EXISTS batches (base_digest TEXT PRIMARY KEY, batch TEXT, base TEXT);
CREATE TABLE IF NOT EXISTS inputs (
    scenario_id TEXT NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    kind TEXT NOT NULL, name TEXT NOT NULL, idx TEXT NOT NULL, op TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (scenario_id, kind, name, idx, op)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS variables (
    layout INTEGER NOT NULL, position INTEGER NOT NULL,
    variable TEXT NOT NULL, idx TEXT NOT NULL, base REAL,
    PRIMARY KEY (layout, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS levels (
    scenario_id TEXT PRIMARY KEY REFERENCES scenarios(id) ON DELETE CASCADE,
    layout INTEGER NOT NULL,
    counterfactual BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS indicators (
    scenario_id TEXT NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    indicator TEXT NOT NULL, idx TEXT NOT NULL,
    base REAL, counterfactual REAL, value REAL,
    PRIMARY KEY (scenario_id, indicator, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS path_levels (
    scenario_id TEXT PRIMARY KEY REFERENCES scenarios(id) ON DELETE CASCADE,
    layout INTEGER NOT NULL,
    periods TEXT NOT NULL,
    base BLOB NOT NULL,
    counterfactual BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS path_indicators (
    scenario_id TEXT NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    period TEXT NOT NULL, indicator TEXT NOT NULL, idx TEXT NOT NULL,
    base REAL, counterfactual REAL, value REAL,
    PRIMARY KEY (scenario_id, period, indicator, idx)
) WITHOUT ROWID;
"""


def db_path(directory: str | Path) -> Path:
    """Path of the SQLite file of the store in ``directory``."""
    return Path(directory) / DB_NAME


class ResultStore:
    """Write side of the store; one instance, in the coordinating process.

    Parameters
    ----------
    directory : path
        Created if missing; the database is ``directory/batch.sqlite``.
    """

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = db_path(self.directory)
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=60.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed transaction survives a process kill (not a power cut).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        old = [r[1] for r in self._db.execute("PRAGMA table_info(indicators)")]
        if old and "idx" not in old:
            from ..errors import ConfigError
            raise ConfigError(f"{self.path}: a store of an older cge (scalar indicators "
                              "only); give the batch a new --store directory")
        self._db.executescript(_SCHEMA)
        self._upgrade()
        self._stored = set(self.status_of())
        self.base_digest: str | None = None
        self._layouts: dict[tuple, int] = {}
        for layout, rows in _read_layouts(self._db).items():
            self._layouts[rows] = layout

    # -- reading ---------------------------------------------------------------------
    def status_of(self) -> dict[str, str]:
        """Status of every stored scenario, by id."""
        return dict(self._db.execute("SELECT id, status FROM scenarios"))

    def solved_ids(self) -> set[str]:
        """Ids of the scenarios already solved (those a rerun skips)."""
        return {row[0] for row in self._db.execute(
            "SELECT id FROM scenarios WHERE status = ?", (SOLVED,))}

    def count(self, status: str | None = None) -> int:
        """Number of stored scenarios, optionally of one status."""
        if status is None:
            return self._db.execute("SELECT COUNT(*) FROM scenarios").fetchone()[0]
        return self._db.execute(
            "SELECT COUNT(*) FROM scenarios WHERE status = ?", (status,)).fetchone()[0]

    def base_digests(self) -> dict[str, str]:
        """The base scenario file of each batch stored, by base digest."""
        return dict(self._db.execute("SELECT base_digest, base FROM batches"))

    # -- writing ---------------------------------------------------------------------
    def open_batch(self, batch: str, base: str, base_digest: str,
                   append: bool = False) -> None:
        """Declare the batch about to be written (its scenarios carry ``base_digest``).

        Raises
        ------
        ConfigError
            The store holds scenarios of another base scenario (or another SAM) and
            ``append`` is false: pooling them would mix unrelated counterfactuals.
        """
        stored = self.base_digests()
        if stored and base_digest not in stored and not append:
            from ..errors import ConfigError, Problem
            raise ConfigError(
                f"{self.path}: holds the results of another batch (base "
                f"{', '.join(sorted(set(stored.values())))}, a different base scenario or SAM)",
                [Problem("other_batch", f"--store {self.directory}",
                         f"base {base} differs from the stored one",
                         "give another --store, or add --append to keep both "
                         "(load_results(..., base_digest=...) separates them)")])
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO batches VALUES (?, ?, ?)",
                             (base_digest, batch, base))
            meta = {"batch": batch, "base": base, "base_digest": base_digest}
            verb = "REPLACE" if not stored or base_digest in stored else "IGNORE"
            self._db.executemany(f"INSERT OR {verb} INTO meta VALUES (?, ?)", meta.items())
        self.base_digest = base_digest

    def write(self, scenario: Mapping, outcome: Mapping) -> None:
        """Store one finished scenario, atomically.

        Parameters
        ----------
        scenario : mapping
            The scenario as made by :mod:`cge.batch.spec` (``id``, ``name``, ``position``,
            ``shocks``, ``elasticities``, ``closure``).
        outcome : mapping
            What the worker returned: ``status``, ``reason``, ``iterations``, ``seconds``,
            ``attempts``, ``worker``, ``results`` (rows ``(variable, index, base,
            counterfactual)``) and ``indicators`` (rows ``(indicator, index, base,
            counterfactual, value)``, or ``{name: value}`` for scalars).

        A scenario stored earlier under the same id (a failure being retried) is replaced.
        """
        self.write_many([(scenario, outcome)])

    def write_many(self, finished: Iterable[tuple[Mapping, Mapping]]) -> int:
        """Store several finished scenarios in one transaction (all or none); returns the count."""
        n = 0
        with self._transaction():
            for scenario, outcome in finished:
                sid = scenario["id"]
                if sid in self._stored:   # a failure being retried
                    self._db.execute("DELETE FROM scenarios WHERE id = ?", (sid,))
                self._db.execute(
                    "INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (sid, scenario.get("name"), scenario.get("position"),
                     json.dumps(scenario_inputs(scenario), sort_keys=True),
                     outcome["status"], outcome.get("reason"), outcome.get("iterations"),
                     outcome.get("seconds"), outcome.get("attempts", 1), outcome.get("worker"),
                     datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     self.base_digest))
                self._db.executemany("INSERT INTO inputs VALUES (?, ?, ?, ?, ?, ?)",
                                     _input_rows(sid, scenario))
                levels = outcome.get("results")
                if isinstance(levels, PathLevels):
                    self._write_path(sid, levels, outcome.get("path_indicators") or ())
                elif levels is not None and len(levels):
                    layout, values = self._levels(levels)
                    self._db.execute("INSERT INTO levels VALUES (?, ?, ?)",
                                     (sid, layout, values.astype("<f8").tobytes()))
                self._db.executemany("INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?)",
                                     _indicator_rows(sid, outcome.get("indicators")))
                n += 1
                self._stored.add(sid)
        return n

    def _levels(self, results) -> tuple[int, np.ndarray]:
        """The layout number and the counterfactual vector of a scenario's results.

        ``results``: :class:`Levels`, or rows ``(variable, index, base, counterfactual)``.
        A layout not seen before is recorded in ``variables`` (in the open transaction).
        """
        if isinstance(results, Levels):
            rows, values = results.variables, np.asarray(results.values, dtype=float)
        else:
            rows = tuple((str(v), str(i), _num(b)) for v, i, b, _ in results)
            values = np.array([_num(c) for *_, c in results], dtype=float)
        layout = self._layouts.get(rows)
        if layout is None:
            layout = self._layouts[rows] = len(self._layouts)
            self._db.executemany("INSERT INTO variables VALUES (?, ?, ?, ?, ?)",
                                 [(layout, k, str(v), str(i), _num(b))
                                  for k, (v, i, b) in enumerate(rows)])
        return layout, values

    def _write_path(self, sid: str, path: PathLevels, indicators) -> None:
        """Store a dynamic scenario's levels of every period and its indicators by period,
        ``[(period, rows), ...]`` (in the open transaction)."""
        layout, _ = self._levels(Levels(path.variables, path.counterfactual[0]))
        self._db.execute("INSERT INTO path_levels VALUES (?, ?, ?, ?, ?)",
                         (sid, layout, json.dumps([str(p) for p in path.periods]),
                          np.ascontiguousarray(path.base, dtype="<f8").tobytes(),
                          np.ascontiguousarray(path.counterfactual, dtype="<f8").tobytes()))
        self._db.executemany(
            "INSERT INTO path_indicators VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(sid, str(period), *row[1:]) for period, rows in indicators
             for row in _indicator_rows(sid, rows)])

    def close(self) -> None:
        self._db.close()

    def _upgrade(self) -> None:
        """A store written before ``base_digest`` was recorded: one batch, the meta's."""
        columns = [r[1] for r in self._db.execute("PRAGMA table_info(scenarios)")]
        if "base_digest" in columns:
            return
        meta = dict(self._db.execute("SELECT key, value FROM meta"))
        with self._transaction():
            self._db.execute("ALTER TABLE scenarios ADD COLUMN base_digest TEXT")
            if "base_digest" in meta:
                self._db.execute("UPDATE scenarios SET base_digest = ?", (meta["base_digest"],))
                self._db.execute("INSERT OR IGNORE INTO batches VALUES (?, ?, ?)",
                                 (meta["base_digest"], meta.get("batch"), meta.get("base")))

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _transaction(self):
        return _Transaction(self._db)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


def scenario_inputs(scenario: Mapping) -> dict:
    """The inputs that define a scenario (what its id hashes, besides the base)."""
    return {"shocks": list(scenario.get("shocks", ())),
            "elasticities": list(scenario.get("elasticities", ())),
            "closure": scenario.get("closure")}


def _input_rows(sid: str, scenario: Mapping) -> list[tuple]:
    rows = {}
    for s in scenario.get("shocks", ()):
        rows[("shock", s["parameter"], s.get("index") or "", s["op"])] = s["value"]
    for e in scenario.get("elasticities", ()):
        rows[("elasticity", e["elasticity"], e.get("index") or "", "value")] = e["value"]
    return [(sid, *key, _num(v)) for key, v in rows.items()]


class Levels(NamedTuple):
    """A scenario's reported variables as a vector: what a worker sends back.

    ``variables`` is a tuple of ``(variable, index, base)``, the same object for every
    scenario of a worker (pickled once per chunk); ``values`` the counterfactual levels.
    """

    variables: tuple
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.variables)


class PathLevels(NamedTuple):
    """A dynamic scenario's reported variables in every period: what a path worker sends.

    ``variables`` is a tuple of ``(variable, index, base in the first period)`` as in
    :class:`Levels`; ``periods`` the period labels; ``base`` and ``counterfactual``
    arrays of shape (periods, variables): the base path at the scenario's elasticities
    and the path with its shocks.
    """

    variables: tuple
    periods: tuple
    base: np.ndarray
    counterfactual: np.ndarray

    def __len__(self) -> int:
        return len(self.variables)


def _read_layouts(db) -> dict[int, tuple]:
    layouts: dict[int, list] = {}
    for layout, variable, idx, base in db.execute(
            "SELECT layout, variable, idx, base FROM variables ORDER BY layout, position"):
        layouts.setdefault(layout, []).append((variable, idx, base))
    return {k: tuple(v) for k, v in layouts.items()}


def _indicator_rows(sid: str, indicators) -> list[tuple]:
    if not indicators:
        return []
    if isinstance(indicators, Mapping):
        return [(sid, str(k), "_", None, None, _num(v)) for k, v in indicators.items()]
    return [(sid, name, idx, b if type(b) is float or b is None else _num(b),
             c if type(c) is float or c is None else _num(c),
             v if type(v) is float or v is None else _num(v))
            for name, idx, b, c, v in indicators]


def _num(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# -- reading for users -------------------------------------------------------------------
def load_results(directory: str | Path, base_digest: str | None = None
                 ) -> dict[str, pd.DataFrame]:
    """Read a batch store into pandas frames.

    Parameters
    ----------
    directory : path
        The store directory of ``cge batch --store``.
    base_digest : str, optional
        Only the scenarios solved on this base (``Batch.base_digest``; the store's
        ``batches`` table lists them), for a store holding several batches
        (``cge batch --append``). Default: every scenario.

    Returns
    -------
    dict of DataFrame
        ``scenarios`` (one row per scenario, indexed by id, the inputs widened into
        columns such as ``elasticity:cet[BRD]`` and ``shock:import_tariff_rate[BRD]:multiply``),
        ``results`` (long: ``scenario_id, variable, idx, base, counterfactual`` and
        ``change_pct``), ``indicator_table`` (long: ``scenario_id, indicator, idx, base,
        counterfactual, value``, the full set of :func:`cge.indicators.indicators`),
        ``indicators`` (wide, indexed by id: one column per indicator and account, named
        ``absorption_ratio`` (all commodities) or ``absorption_ratio[C_SEC]``, holding the
        ``value`` or, for levels, the counterfactual; see :func:`wide_indicators`) and,
        for dynamic batches (empty otherwise), ``paths`` (long: ``scenario_id, variable,
        idx, period, base, counterfactual, change_pct``) and ``path_indicators`` (long:
        ``scenario_id, period, indicator, idx, base, counterfactual, value``).

    Examples
    --------
    >>> frames = load_results("out/tariff_batch")                  # doctest: +SKIP
    >>> frames["results"].query("variable == 'Xp'").groupby("idx").counterfactual.describe()
    """
    path = db_path(directory)
    if not path.exists():
        from ..errors import ConfigError
        raise ConfigError(f"{directory}: no batch store here (expected {DB_NAME})",)
    with sqlite3.connect(path) as db:
        scenarios = pd.read_sql_query(
            "SELECT id, name, position, status, reason, iterations, seconds, attempts, worker,"
            " finished_at, base_digest FROM scenarios ORDER BY position", db).set_index("id")
        inputs = pd.read_sql_query("SELECT * FROM inputs", db)
        results = _results(db)
        indicators = pd.read_sql_query("SELECT * FROM indicators", db)
        dynamic = _has_table(db, "path_levels")     # a store of an older cge has none
        paths = _paths(db) if dynamic else _paths_frame([])
        path_indicators = pd.read_sql_query(
            "SELECT * FROM path_indicators" if dynamic else
            "SELECT scenario_id, '' AS period, indicator, idx, base, counterfactual, value "
            "FROM indicators WHERE 0", db)
    if base_digest is not None:
        scenarios = scenarios[scenarios["base_digest"] == base_digest]
        keep = set(scenarios.index)
        inputs, results, indicators, paths, path_indicators = (
            frame[frame["scenario_id"].isin(keep)].reset_index(drop=True)
            for frame in (inputs, results, indicators, paths, path_indicators))
    if not inputs.empty:
        inputs["column"] = inputs.apply(_input_column, axis=1)
        wide = inputs.pivot_table(index="scenario_id", columns="column", values="value",
                                  aggfunc="first")
        scenarios = scenarios.join(wide)
    for frame in (results, paths):
        base = frame["base"].where(frame["base"] != 0)
        frame["change_pct"] = 100.0 * (frame["counterfactual"] / base - 1.0)
    return {"scenarios": scenarios, "results": results, "indicator_table": indicators,
            "indicators": wide_indicators(indicators), "paths": paths,
            "path_indicators": path_indicators}


def _results(db) -> pd.DataFrame:
    """The ``levels`` BLOBs unpacked into the long table of every reported variable."""
    layouts = _read_layouts(db)
    frames = []
    by_layout: dict[int, tuple[list, list]] = {}
    for sid, layout, blob in db.execute(
            "SELECT l.scenario_id, l.layout, l.counterfactual FROM levels l "
            "JOIN scenarios s ON s.id = l.scenario_id ORDER BY s.position"):
        ids, values = by_layout.setdefault(layout, ([], []))
        ids.append(sid)
        values.append(np.frombuffer(blob, dtype="<f8"))
    for layout, (ids, values) in by_layout.items():
        variables = layouts[layout]
        n = len(variables)
        frames.append(pd.DataFrame({
            "scenario_id": np.repeat(np.array(ids, dtype=object), n),
            "variable": np.tile(np.array([v for v, _, _ in variables], dtype=object), len(ids)),
            "idx": np.tile(np.array([i for _, i, _ in variables], dtype=object), len(ids)),
            "base": np.tile(np.array([b for *_, b in variables], dtype=float), len(ids)),
            "counterfactual": np.concatenate(values)}))
    columns = ["scenario_id", "variable", "idx", "base", "counterfactual"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _paths(db) -> pd.DataFrame:
    """The ``path_levels`` BLOBs unpacked into the long table of every variable and period."""
    layouts = _read_layouts(db)
    frames = []
    for sid, layout, periods, base, cf in db.execute(
            "SELECT p.scenario_id, p.layout, p.periods, p.base, p.counterfactual "
            "FROM path_levels p JOIN scenarios s ON s.id = p.scenario_id ORDER BY s.position"):
        variables, periods = layouts[layout], json.loads(periods)
        n, t = len(variables), len(periods)
        frames.append(pd.DataFrame({
            "scenario_id": sid,
            "variable": np.tile(np.array([v for v, _, _ in variables], dtype=object), t),
            "idx": np.tile(np.array([i for _, i, _ in variables], dtype=object), t),
            "period": np.repeat(np.array(periods, dtype=object), n),
            "base": np.frombuffer(base, dtype="<f8"),
            "counterfactual": np.frombuffer(cf, dtype="<f8")}))
    return _paths_frame(frames)


def _paths_frame(frames: list[pd.DataFrame]) -> pd.DataFrame:
    columns = ["scenario_id", "variable", "idx", "period", "base", "counterfactual"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {c: pd.Series(dtype=float if c in ("base", "counterfactual") else object)
         for c in columns})


def _has_table(db, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                      (name,)).fetchone() is not None


def wide_indicators(table: pd.DataFrame) -> pd.DataFrame:
    """One column per indicator and account (``name[idx]``), one row per scenario.

    Economy-wide values (index ``_``) and totals over commodities (index ``total``, e.g.
    the aggregate absorption ratio) take the bare name.

    The column holds the indicator's ``value`` (percent change, ratio) or, for an
    indicator reported as levels, its counterfactual level.
    """
    if table.empty:
        return pd.DataFrame(index=pd.Index([], name="scenario_id"))
    column = table["indicator"].where(table["idx"].isin(["_", "total"]),
                                      table["indicator"] + "[" + table["idx"] + "]")
    number = table["value"].where(table["value"].notna(), table["counterfactual"])
    wide = (pd.DataFrame({"scenario_id": table["scenario_id"], "column": column,
                          "number": number})
            .pivot_table(index="scenario_id", columns="column", values="number",
                         aggfunc="first", dropna=False))
    wide.columns.name = "indicator"
    return wide.reindex(columns=list(dict.fromkeys(column)))


def _input_column(row) -> str:
    where = f"{row['name']}[{row['idx']}]" if row["idx"] else row["name"]
    return f"elasticity:{where}" if row["kind"] == "elasticity" else f"shock:{where}:{row['op']}"
