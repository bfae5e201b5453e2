"""CPU and memory of a process and its children (media workers), read from /proc."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (media workers, if any)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parent = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def cpu_seconds(pid: int) -> float:
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    """The process and its descendants."""
    return sum(own_rss_mb(member) for member in process_tree(pid))


def own_rss_mb(pid: int) -> float:
    """The process alone; 0 once it has gone."""
    with contextlib.suppress(OSError):
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE / 2**20
    return 0.0


def machine_ticks() -> tuple[int, int]:
    """Every CPU since boot, in clock ticks: (busy, total), from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal; guest time is already inside user.
    total = sum(fields[:8])
    return total - fields[3] - fields[4], total


def cpu_seconds_of(command: str) -> float:
    """Every running process named `command` (e.g. all of PostgreSQL's), added up."""
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                name, rest = stat.split(" (", 1)[1].rsplit(")", 1)
                if name == command:
                    fields = rest.split()
                    total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS
