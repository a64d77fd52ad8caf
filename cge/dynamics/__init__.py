"""Recursive dynamics: a path of periods, each a warm-started re-solve of one model.

``spec.py`` the ``dynamics:`` block and its time paths (:class:`Dynamics`,
:class:`TimePath`); ``engine.py`` the period loop (:class:`DynamicModel`);
``results.py`` the per-period results and welfare (:class:`PathResult`,
:class:`DynamicRun`). See ``docs/dynamics.md``.
"""

from .engine import DynamicModel, PeriodState
from .results import DynamicRun, PathResult
from .spec import DYNAMICS_KEYS, Dynamics, TimePath

__all__ = ["DYNAMICS_KEYS", "Dynamics", "DynamicModel", "DynamicRun", "PathResult",
           "PeriodState", "TimePath"]
