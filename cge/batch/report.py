"""``cge batch-report``: the spread of a batch's results and what drives it.

From a result store it writes

* ``batch_report.xlsx`` (formatted as the report workbook, :func:`cge.report.write_table`):
  sheets ``summary`` (counts by status), ``indicators`` (quantiles
  of each indicator across the solved scenarios), ``outputs`` (quantiles of the percentage
  change of every variable), ``tornado`` (each input's influence on each indicator),
  ``scenarios`` (inputs, status and indicators, one row per scenario) and ``failed``;
* ``sensitivity_<indicator>.png`` (economy-wide indicators): the indicator against each
  input that varies (median and 5-95 % band over the other inputs);
* ``tornado_<indicator>.png``: the swing of the indicator's median as each input moves from
  its lowest to its highest value;
* for a dynamic batch (a base scenario with ``dynamics:``), a sheet ``paths`` (quantiles of
  the percent deviation from the base path of every variable, period by period) and
  ``path_<name>.png``: the median and 5-95 % band over periods of the indicators of
  :data:`PATH_BAND_INDICATORS` and of the variables of :data:`PATH_BAND_VARIABLES`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, Problem
from .store import SOLVED, load_results

log = logging.getLogger("cge")

#: Quantiles reported, as fractions.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Input columns with at most this many distinct values are treated as a grid axis.
GRID_LEVELS = 12
#: Indicators of a dynamic batch drawn as bands over periods: name -> axis label.
PATH_BAND_INDICATORS = {"real_gdp": "real GDP, % deviation from the base path",
                        "real_household_consumption": "real household consumption, "
                                                      "% deviation from the base path",
                        "equivalent_variation": "equivalent variation, {unit}"}
#: Variables of a dynamic batch drawn as bands over periods, one panel per account.
PATH_BAND_VARIABLES = ("output", "exports")


def batch_report(store_dir: str | Path, out_dir: str | Path,
                 base_digest: str | None = None) -> list[Path]:
    """Write the batch report of the store at ``store_dir`` into ``out_dir``; returns the files.

    A store holding several batches (``cge batch --append``) needs ``base_digest``: the
    report is about one base scenario's batch, never a pool of unrelated ones.
    """
    frames = load_results(store_dir, base_digest)
    digests = frames["scenarios"]["base_digest"].dropna().unique()
    if base_digest is None and len(digests) > 1:
        raise ConfigError(f"{store_dir}: holds {len(digests)} batches on different bases",
                          [Problem("several_batches", str(store_dir),
                                   f"base digests {', '.join(sorted(digests))}",
                                   "choose one with --base-digest")])
    scenarios, results, indicators = frames["scenarios"], frames["results"], frames["indicators"]
    solved_ids = scenarios.index[scenarios["status"] == SOLVED]
    if len(solved_ids) == 0:
        raise ConfigError(f"{store_dir}: no solved scenario to report on",
                          [])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    inputs = varying_inputs(scenarios.loc[solved_ids])
    indicators = indicators.reindex(solved_ids)
    tornado = influence(inputs, indicators)
    written = [_workbook(out / "batch_report.xlsx", scenarios, results, indicators, inputs,
                         tornado, frames["paths"])]
    for name in indicators.columns:
        if not _headline(name):
            continue   # per-account indicators: in the workbook, not one figure each
        if not inputs.empty and indicators[name].notna().any():
            written.append(_sensitivity_plot(out, name, inputs, indicators[name]))
            sub = tornado[tornado["indicator"] == name]
            if not sub.empty:
                written.append(_tornado_plot(out, name, sub))
    paths = frames["paths"]
    if not paths.empty:
        written += path_band_plots(out, paths[paths["scenario_id"].isin(solved_ids)],
                                   frames["path_indicators"])
    return written


def path_quantiles(paths: pd.DataFrame) -> pd.DataFrame:
    """Quantiles over scenarios of each variable's percent deviation from the base path,
    one row per variable, account and period."""
    q = (paths.groupby(["variable", "idx", "period"], sort=False)["change_pct"]
         .quantile(list(QUANTILES)).unstack())
    q.columns = [f"p{round(100 * p):02d}" for p in QUANTILES]
    return q.reset_index()


def path_band_plots(out: Path, paths: pd.DataFrame, by_period: pd.DataFrame,
                    unit: str = "SAM units") -> list[Path]:
    """The 5-95 % bands over periods (:func:`cge.path_report.band_figure`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..path_report import deviation_panels, draw_band, period_axis

    order = list(dict.fromkeys(paths["period"]))
    written = []
    ids = set(paths["scenario_id"])
    for name, label in PATH_BAND_INDICATORS.items():
        part = by_period[(by_period["indicator"] == name) & (by_period["idx"] == "_")
                         & by_period["scenario_id"].isin(ids)]
        if part.empty or part["value"].isna().all():
            continue
        draws = part.pivot_table(index="scenario_id", columns="period", values="value",
                                 sort=False).reindex(columns=order)
        fig, ax = plt.subplots(figsize=(7, 4))
        draw_band(ax, draws, label="scenarios")
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(f"{name.replace('_', ' ')} over the periods")
        period_axis(ax)
        ax.set_ylabel(label.format(unit=unit))
        ax.legend(fontsize=8)
        written.append(_save(fig, out / f"path_{name}.png"))
    for variable in PATH_BAND_VARIABLES:
        part = paths[paths["variable"] == variable]
        if part.empty:
            continue
        def draw(ax, key, part=part):
            draws = (part[part["idx"] == key]
                     .pivot_table(index="scenario_id", columns="period", values="change_pct",
                                  sort=False).reindex(columns=order))
            draw_band(ax, draws, label="scenarios")

        fig = deviation_panels(variable, list(dict.fromkeys(part["idx"])), draw)
        written.append(_save(fig, out / f"path_{variable}.png"))
    return written


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def varying_inputs(scenarios: pd.DataFrame) -> pd.DataFrame:
    """The input columns (``elasticity:...``, ``shock:...``) that differ between scenarios."""
    cols = [c for c in scenarios.columns if c.startswith(("elasticity:", "shock:"))]
    table = scenarios[cols]
    return table.loc[:, table.nunique(dropna=True) > 1]


def quantiles(table: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Mean, min, the :data:`QUANTILES` and max of each column, one row per column."""
    table = table.to_frame() if isinstance(table, pd.Series) else table
    q = table.quantile(list(QUANTILES)).T
    q.columns = [f"p{round(100 * p):02d}" for p in QUANTILES]
    return pd.concat([table.count().rename("n"), table.mean().rename("mean"),
                      table.min().rename("min"), q, table.max().rename("max")], axis=1)


def influence(inputs: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Each input's swing on each indicator (the data of a tornado chart).

    The indicator's median is taken over the scenarios at the input's lowest value (the
    lowest decile when the input is sampled) and at its highest; ``swing = high - low``.
    """
    rows = []
    for name in indicators.columns:
        y = indicators[name]
        for col in inputs.columns:
            x = inputs[col]
            ok = x.notna() & y.notna()
            if ok.sum() < 2:
                continue
            x, yy = x[ok], y[ok]
            if x.nunique() > GRID_LEVELS:
                low_mask, high_mask = x <= x.quantile(0.1), x >= x.quantile(0.9)
            else:
                low_mask, high_mask = x == x.min(), x == x.max()
            low, high = float(yy[low_mask].median()), float(yy[high_mask].median())
            rows.append({"indicator": name, "input": col, "input_low": float(x[low_mask].median()),
                         "input_high": float(x[high_mask].median()), "median_at_low": low,
                         "median_at_high": high, "swing": high - low,
                         "correlation": float(np.corrcoef(x, yy)[0, 1]) if yy.std() > 0 else 0.0})
    table = pd.DataFrame(rows, columns=["indicator", "input", "input_low", "input_high",
                                        "median_at_low", "median_at_high", "swing",
                                        "correlation"])
    order = table["swing"].abs().sort_values(ascending=False).index
    return table.loc[order].sort_values("indicator", kind="stable").reset_index(drop=True)


def _workbook(path: Path, scenarios, results, indicators, inputs, tornado,
              paths: pd.DataFrame | None = None) -> Path:
    solved = scenarios["status"] == SOLVED
    summary = scenarios["status"].value_counts().rename_axis("status").rename("scenarios")
    summary = pd.concat([summary, pd.Series({"total": len(scenarios)}, name="scenarios")])
    solved_results = results[results["scenario_id"].isin(scenarios.index[solved])]
    change = solved_results.assign(output=solved_results["variable"] + "["
                                   + solved_results["idx"] + "]")
    wide = change.pivot_table(index="scenario_id", columns="output", values="change_pct",
                              aggfunc="first")
    outputs = quantiles(wide).rename_axis("output (% change)")
    table = scenarios.join(indicators)
    failed = scenarios.loc[~solved, ["name", "status", "reason", "attempts", "worker"]]
    from openpyxl import Workbook

    from ..report import write_table

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame, numbers in (
            ("summary", summary.rename_axis("status").to_frame().reset_index(), "number"),
            ("indicators", quantiles(indicators).rename_axis("indicator").reset_index(), "number"),
            ("outputs", outputs.reset_index(), "percent"),
            ("tornado", tornado, "number"),
            ("scenarios", table.reset_index(), "number"),
            ("failed", failed.reset_index(), "number"),
            *((("paths", path_quantiles(paths[paths["scenario_id"].isin(
                scenarios.index[solved])]), "percent"),)
              if paths is not None and not paths.empty else ())):
        kinds = {c: numbers if pd.api.types.is_float_dtype(frame[c]) else "text"
                 for c in frame.columns}
        write_table(wb.create_sheet(name), frame, kinds, [str(c) for c in frame.columns])
    wb.save(path)
    return path


def _sensitivity_plot(out: Path, name: str, inputs: pd.DataFrame, y: pd.Series) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(inputs.columns)
    ncols = min(n, 3)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
    for ax, col in zip(axes.flat, inputs.columns, strict=False):
        x = inputs[col]
        ok = x.notna() & y.notna()
        x, yy = x[ok], y[ok]
        if x.nunique() > GRID_LEVELS:
            ax.scatter(x, yy, s=4, alpha=0.3, color="tab:blue")
            bins = pd.qcut(x, 10, duplicates="drop")
            centre = x.groupby(bins, observed=True).median()
            grouped = yy.groupby(bins, observed=True)
        else:
            centre = None
            grouped = yy.groupby(x)
        med, lo, hi = grouped.median(), grouped.quantile(0.05), grouped.quantile(0.95)
        xs = centre.to_numpy() if centre is not None else med.index.to_numpy(dtype=float)
        ax.fill_between(xs, lo.to_numpy(), hi.to_numpy(), alpha=0.25, color="tab:orange",
                        label="5-95 %")
        ax.plot(xs, med.to_numpy(), marker="o", color="tab:red", label="median")
        ax.set_xlabel(_pretty(col))
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize="small")
    fig.suptitle(f"{name}: sensitivity to the batch's inputs")
    fig.tight_layout()
    path = out / f"sensitivity_{_slug(name)}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _tornado_plot(out: Path, name: str, table: pd.DataFrame) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = table.reindex(table["swing"].abs().sort_values().index)
    centre = float(np.median(np.r_[table["median_at_low"], table["median_at_high"]]))
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(table) + 1.5))
    labels = [_pretty(c) for c in table["input"]]
    ax.barh(labels, table["median_at_low"] - centre, left=centre, color="tab:blue",
            label="input at its lowest")
    ax.barh(labels, table["median_at_high"] - centre, left=centre, color="tab:orange",
            label="input at its highest")
    ax.axvline(centre, color="black", lw=0.8)
    ax.set_xlabel(f"{name} (median over the other inputs)")
    ax.set_title(f"What moves {name}")
    ax.legend(fontsize="small")
    fig.tight_layout()
    path = out / f"tornado_{_slug(name)}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _headline(indicator: str) -> bool:
    """An economy-wide indicator (``real_gdp``, ``absorption_ratio``), not a per-account one."""
    return "[" not in indicator


def _pretty(column: str) -> str:
    return column.replace("elasticity:", "").replace("shock:", "").replace(":", " ")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")
