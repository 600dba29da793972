"""Shared helpers for the benchmark scripts: timing, percentiles, machine facts, scratch PostgreSQL
databases and JSON results.

A benchmark script prints exactly one JSON object on stdout (progress goes to stderr); sizes are
command-line parameters with small defaults. ``run_all.py`` runs every script and writes
``results/<name>.json`` with the machine facts added; a script may also write that file itself with
``write_result``.
"""

from __future__ import annotations

import json
import math
import os
import platform as pyplatform
import re
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


# --------------------------------------------------------------------------------------------------
# Timing and statistics
# --------------------------------------------------------------------------------------------------


class Stopwatch:
    """``with Stopwatch() as t: …`` then ``t.seconds`` / ``t.ms``."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self.started

    @property
    def ms(self) -> float:
        return self.seconds * 1000


def percentile(samples: Iterable[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of the samples: a value that was actually observed."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(samples: Iterable[float], unit: str = "ms", digits: int = 3) -> dict[str, float | int | str]:
    """n, median, p90, p99, mean, min, max of the samples."""
    values = list(samples)
    if not values:
        return {"n": 0, "unit": unit}
    return {"n": len(values), "unit": unit, "median": round(statistics.median(values), digits),
            "p90": round(percentile(values, 90), digits), "p99": round(percentile(values, 99), digits),
            "mean": round(statistics.fmean(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits)}


def ratio(value: float, baseline: float, digits: int = 3) -> float | None:
    """``value / baseline`` (None when the baseline is zero or missing)."""
    if not baseline or baseline != baseline:
        return None
    return round(value / baseline, digits)


def time_repeated(work: Any, repeat: int, warmup: int = 0) -> list[float]:
    """Milliseconds of ``work()`` per call, ``repeat`` times after ``warmup`` untimed calls."""
    for _ in range(warmup):
        work()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


# --------------------------------------------------------------------------------------------------
# Machine facts
# --------------------------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return pyplatform.processor() or pyplatform.machine()


def postgres_version(url: str | None) -> str | None:
    if not url:
        return None
    try:
        from sqlalchemy import create_engine, text

        from xinyong.store.db import normalise_url

        engine = create_engine(normalise_url(url), pool_pre_ping=True)
        try:
            with engine.connect() as conn:
                return str(conn.execute(text("SHOW server_version")).scalar())
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - no server is a fact too
        return None


def machine(pg_url: str | None = None) -> dict[str, Any]:
    """CPU model, cores, RAM, OS, Python, SQLite and PostgreSQL versions, the commit measured."""
    facts: dict[str, Any] = {"cpu": _cpu_model(), "logical_cpus": os.cpu_count(),
                             "os": pyplatform.platform(), "python": pyplatform.python_version(),
                             "sqlite": sqlite3.sqlite_version}
    try:
        import psutil

        facts["physical_cpus"] = psutil.cpu_count(logical=False)
        facts["ram_gb"] = round(psutil.virtual_memory().total / 1024**3, 1)
    except ImportError:  # pragma: no cover - psutil is a dev dependency
        pass
    facts["postgresql"] = postgres_version(pg_url)
    try:
        import sqlalchemy

        facts["sqlalchemy"] = sqlalchemy.__version__
    except ImportError:  # pragma: no cover
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=HERE, timeout=10, check=False)
        facts["commit"] = commit.stdout.strip() or None
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=HERE,
                               timeout=10, check=False)
        facts["uncommitted_changes"] = bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        facts["commit"] = None
    return facts


# --------------------------------------------------------------------------------------------------
# Scratch PostgreSQL databases
# --------------------------------------------------------------------------------------------------


@contextmanager
def pg_scratch(server_url: str, prefix: str = "xinyong_bench") -> Iterator[str]:
    """A new, empty database on the server of ``server_url`` (dropped afterwards); yields its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from xinyong.store.db import normalise_url

    base = make_url(normalise_url(server_url))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_reachable(url: str | None) -> bool:
    return postgres_version(url) is not None


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


def ratios_in(data: Any, prefix: str = "") -> dict[str, float]:
    """Every ``ratio…`` value anywhere in a result, keyed by its dotted path."""
    found: dict[str, float] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if str(key).startswith("ratio") and isinstance(value, int | float) and not isinstance(value, bool):
                found[path] = value
            else:
                found.update(ratios_in(value, path))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.update(ratios_in(value, f"{prefix}[{i}]"))
    return found


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_result(name: str, data: dict[str, Any], folder: Path = RESULTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def emit(data: dict[str, Any]) -> None:
    """Print the one JSON object a benchmark script reports (run_all reads the last line)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def last_json_object(text: str) -> dict[str, Any]:
    """The JSON object a script printed: the whole output, or its last line that parses as one."""
    stripped = text.strip()
    try:
        data = json.loads(stripped)
        if isinstance(data, dict):
            return data
    except ValueError:
        pass
    for line in reversed(stripped.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict):
                return data
    match = re.search(r"^\{.*\}\s*\Z", stripped, re.S | re.M)
    if match:
        return json.loads(match.group(0))
    raise ValueError("the script printed no JSON object")
