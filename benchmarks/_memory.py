"""Peak resident memory of this process, for the benchmarks that report it."""

from __future__ import annotations

import resource


def peak_mib() -> float:
    """Peak resident memory of this process in MiB: the high-water mark of its own memory
    (``VmHWM``), since on Linux ``ru_maxrss`` of a child also counts the parent it was
    forked from (a benchmark run by ``run.py`` would report ``run.py``'s peak)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(x.split()[1]) for x in f if x.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
