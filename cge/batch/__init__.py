"""Batches of counterfactuals: expansion, execution (local processes or Dask), result store.

>>> from cge.batch import read_batch, run_batch, load_results     # doctest: +SKIP
>>> summary = run_batch(read_batch("sensitivity.yaml"), "out/sensitivity", workers=2)
>>> frames = load_results("out/sensitivity")
"""

from __future__ import annotations

from .execute import Summary, run_batch
from .spec import Batch, expand_batch, read_batch, read_scenario_sheet, scenario_id
from .store import ResultStore, load_results
from .worker import WorkerStartError

__all__ = ["Batch", "ResultStore", "Summary", "WorkerStartError", "expand_batch", "load_results",
           "read_batch", "read_scenario_sheet", "run_batch", "scenario_id"]
