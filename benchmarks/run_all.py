"""Run every benchmark, one after the other, and keep each one's output.

``python benchmarks/run_all.py`` runs them all with the arguments that
produced the figures in ``docs/benchmarks.md`` (about an hour on the
2-core machine, most of it the growth stores and the WCXB pages);
``--quick`` runs each on a small slice to check that they all still work
(a few minutes); ``--only pipeline,growth`` picks some. Each benchmark's
output goes to ``<out>/<name>.txt`` and a summary of exit codes and times
is printed at the end. The figures are copied into ``docs/benchmarks.md``
by hand, with the machine's description (printed first).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name: (script, full arguments, quick arguments)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "pipeline": ("bench_pipeline.py", ["--runs", "3"], ["--entries", "500", "--runs", "1"]),
    "growth": (
        "bench_growth.py",
        ["--sizes", "0,10000,100000,1000000", "--plot"],
        ["--sizes", "0,2000", "--new", "200"],
    ),
    "clean": ("bench_clean.py", [], ["--limit", "40"]),
    "parse": ("bench_parse.py", [], ["--repeats", "1"]),
    "dedup": ("bench_dedup.py", [], ["--articles", "150", "--no-signature-bench"]),
    "stories": ("bench_stories.py", [], ["--pipeline-only"]),
    "fetch": ("bench_fetch.py", [], ["--items", "2", "--feeds-per-host", "2"]),
    "redis": ("bench_redis.py", [], ["--docs", "100", "--repeats", "1"]),
}


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}; {os.cpu_count()} CPUs; Python {platform.python_version()}; "
        f"{platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small slices, to check they run")
    parser.add_argument("--only", help="comma-separated names: " + ",".join(BENCHMARKS))
    parser.add_argument("--out", type=Path, help="folder for the outputs (default: a temp dir)")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    out = args.out or Path(tempfile.mkdtemp(prefix="jjfeed-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}\noutputs: {out}", flush=True)
    summary = []
    for name in names:
        script, full, quick = BENCHMARKS[name]
        cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        print(f"\n== {name}: {' '.join(cmd[1:])}", flush=True)
        started = time.perf_counter()
        with (out / f"{name}.txt").open("w", encoding="utf-8") as log:
            done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=HERE.parent)
        seconds = time.perf_counter() - started
        tail = (out / f"{name}.txt").read_text(encoding="utf-8").strip().splitlines()[-8:]
        print("\n".join(tail), flush=True)
        summary.append((name, done.returncode, seconds))
    print("\n| benchmark | exit | seconds |\n| --- | --- | --- |")
    for name, code, seconds in summary:
        print(f"| {name} | {code} | {seconds:.0f} |")
    return max((code for _, code, _ in summary), default=0)


if __name__ == "__main__":
    raise SystemExit(main())
