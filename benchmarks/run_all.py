"""Run every benchmark in ``benchmarks/`` and write one JSON result per benchmark (``make bench``).

    python benchmarks/run_all.py                 # small default sizes (a few minutes)
    python benchmarks/run_all.py --full          # the sizes the issues name (hours)
    python benchmarks/run_all.py --only ingest load
    python benchmarks/run_all.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres

Every ``benchmarks/*.py`` except this file and the ``_``-prefixed helpers is a benchmark: it prints one
JSON object on stdout (progress on stderr) and takes its sizes as parameters with small defaults. With
``--full`` each gets the full sizes of its issue (``FULL`` below; a script not listed there gets
``--full`` if its ``--help`` offers it). PostgreSQL runs use scratch databases on the server of
``--pg-url`` (default ``XINYONG_BENCH_PG_URL``, else the local server if it answers), passed to the
scripts as ``XINYONG_BENCH_PG_URL``; without a server they run on SQLite only.

``results/<name>.json`` gets: the machine (CPU model, cores, RAM, OS, Python, SQLite and PostgreSQL
versions, commit), the command and parameters, every median/p99 figure found in the script's output
(``figures``), every ratio against a baseline measured in the same run (``ratios``), and the script's
whole output (``result``). ``results/summary.json`` lists the runs. The exit code is non-zero if any
benchmark failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402 - the helpers sit beside this script
    DEFAULT_PG_URL,
    HERE,
    RESULTS,
    last_json_object,
    machine,
    now_iso,
    pg_reachable,
    ratios_in,
    write_result,
)

FULL: dict[str, list[str]] = {
    "ingest": ["--rows", "1000000"],                                  # issue: one million rows
    "inquiry": ["--subjects", "1000000", "--records", "10000000"],    # issue: 10M records
    "load": ["--records", "1000000", "--duration", "120", "--bulk-rows", "20000"],   # issue 6: 2 min, 1M
    "sweep": ["--duties", "1000000"],                                 # issue 13: one million open duties
}
MEDIAN_KEYS = ("median", "median_ms", "p50", "p50_ms")
P99_KEYS = ("p99", "p99_ms")


def _previous_runs() -> list[dict[str, Any]]:
    try:
        runs = json.loads((RESULTS / "summary.json").read_text(encoding="utf-8")).get("runs", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [run for run in runs if isinstance(run, dict)]


def scripts() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_") and p.name != "run_all.py")


def full_args(script: Path) -> list[str]:
    if script.stem in FULL:
        return FULL[script.stem]
    helped = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True,
                            timeout=120, check=False)
    return ["--full"] if "--full" in helped.stdout else []


def figures_in(data: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every object in the output that reports a median (or p50) and a p99, keyed by its dotted path."""
    found: dict[str, dict[str, Any]] = {}
    if isinstance(data, dict):
        median = next((data[k] for k in MEDIAN_KEYS if k in data), None)
        p99 = next((data[k] for k in P99_KEYS if k in data), None)
        if median is not None and p99 is not None:
            entry = {"median": median, "p99": p99}
            for extra in ("unit", "n", "p90", "p90_ms", "max", "max_ms", "mean", "mean_ms"):
                if extra in data:
                    entry[extra] = data[extra]
            found[prefix or "."] = entry
        for key, value in data.items():
            found.update(figures_in(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.update(figures_in(value, f"{prefix}[{i}]"))
    return found


def run_one(script: Path, extra: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    command = [sys.executable, str(script), *extra]
    print(f"\n=== {script.stem}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=None, text=True, env=env, timeout=timeout,
                              check=False, cwd=HERE.parent)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s", "seconds": round(time.perf_counter() - started, 1),
                "command": command[1:]}
    seconds = round(time.perf_counter() - started, 1)
    if done.returncode != 0:
        return {"error": f"exit code {done.returncode}", "seconds": seconds, "command": command[1:],
                "stdout_tail": done.stdout[-2000:]}
    try:
        result = last_json_object(done.stdout)
    except ValueError as exc:
        return {"error": str(exc), "seconds": seconds, "command": command[1:], "stdout_tail": done.stdout[-2000:]}
    return {"seconds": seconds, "command": command[1:], "result": result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the full sizes the issues name")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks (file stems)")
    parser.add_argument("--pg-url", default=os.environ.get("XINYONG_BENCH_PG_URL"),
                        help=f"PostgreSQL server for scratch databases (default: {DEFAULT_PG_URL} if it answers)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per benchmark (default 1 h, 12 h --full)")
    args = parser.parse_args()

    pg_url = None if args.no_pg else (args.pg_url or (DEFAULT_PG_URL if pg_reachable(DEFAULT_PG_URL) else None))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("XINYONG_BENCH_PG_URL", None)
    if pg_url:
        env["XINYONG_BENCH_PG_URL"] = pg_url
    timeout = args.timeout or (12 * 3600 if args.full else 3600)
    facts = machine(pg_url)
    chosen = [s for s in scripts() if not args.only or s.stem in args.only]
    missing = set(args.only or ()) - {s.stem for s in chosen}
    if missing:
        parser.error(f"no such benchmark: {', '.join(sorted(missing))}")

    summary: list[dict[str, Any]] = []
    for script in chosen:
        extra = full_args(script) if args.full else []
        at = now_iso()
        outcome = run_one(script, extra, env, timeout)
        result = outcome.get("result")
        record = {"benchmark": script.stem, "at": at, "full": args.full, "machine": facts,
                  "command": outcome["command"], "seconds": outcome["seconds"],
                  "postgresql_server": bool(pg_url)}
        if result is not None:
            record |= {"parameters": result.get("parameters") or result.get("params"), "figures": figures_in(result),
                       "ratios": ratios_in(result), "result": result}
        else:
            record |= {"error": outcome["error"], "stdout_tail": outcome.get("stdout_tail")}
        path = write_result(script.stem, record)
        summary.append({"benchmark": script.stem, "ok": result is not None, "seconds": outcome["seconds"],
                        "file": str(path.relative_to(HERE.parent)), "ratios": record.get("ratios", {}),
                        "error": record.get("error")})
        status = "ok" if result is not None else f"FAILED ({record['error']})"
        print(f"=== {script.stem}: {status} in {outcome['seconds']} s -> {path}", file=sys.stderr, flush=True)

    # Runs of benchmarks not chosen this time stay listed (``--only`` re-runs some, not all).
    kept = [run for run in _previous_runs() if run.get("benchmark") not in {r["benchmark"] for r in summary}]
    write_result("summary", {"at": now_iso(), "full": args.full, "machine": facts, "runs": kept + summary})
    print(f"\nresults in {RESULTS}", file=sys.stderr)
    for row in summary:
        ratios = ", ".join(f"{k}={v}" for k, v in row["ratios"].items()) or "-"
        print(f"  {row['benchmark']:<10} {'ok' if row['ok'] else 'FAILED':<7} {row['seconds']:>8} s  {ratios}",
              file=sys.stderr)
    return 0 if all(row["ok"] for row in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
