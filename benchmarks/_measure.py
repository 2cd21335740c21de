"""Peak memory of a benchmark's fresh process, measured one way (bench_pdf.py, bench_limits.py).

Memory is measured in a fresh interpreter (`python -c SCRIPT`), so the script carries the measuring
code with it: `SCRIPT = HWM + r\"\"\"...\"\"\"` puts `hwm_mb` (its source, `HWM`) at the top.
"""

from __future__ import annotations

import inspect


def hwm_mb() -> float:
    """The peak resident set of this process in MB (VmHWM in /proc/self/status; 0 where there is
    none). Not getrusage's ru_maxrss: on Linux that survives exec, so a fresh child would report
    the size of the benchmark that started it."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


HWM = "\n" + inspect.getsource(hwm_mb)  # the function as source, for a script's top
