"""A cron run over feeds it has read before: what re-reading unchanged entries costs.

Most runs of a cron job fetch feeds whose entries are mostly stored
already (many servers answer 200 with the same bytes, not 304). This writes
the corpus of ``bench_pipeline.py`` (``--entries``, 20 RSS files), ingests it
once into a store, and then times ``jjfeed ingest`` of the same folder again,
each time into a fresh copy of that store, so every run starts from the same
state and finds every entry unchanged. Beside it, in the same run, feedparser
alone on the same files (the floor) and the first ingest.

``--code DIR`` (repeatable) times the rerun with each given ``src`` folder
on ``PYTHONPATH`` instead of the installed package, alternating, so two
versions are compared in the same hour: each makes its own first ingest and
reruns over copies of that store.

``--new N``: the feeds carry N more entries at the rerun than at the first
ingest (a cron run that finds a few new posts among the stored ones).

``--profile`` instead ingests once and reruns once in this process (one
worker process: none), the rerun under cProfile, and prints where its time
goes (the installed code, or ``PYTHONPATH``'s).

Run: ``python benchmarks/bench_rerun.py [--entries 3000] [--runs 3] [--new 0] [--code A/src --code B/src]``
or ``python benchmarks/bench_rerun.py --entries 1000 --profile``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_pipeline  # noqa: E402  (the corpus and the floor are that benchmark's)


def ingest(folder: Path, db: Path, code: str | None) -> tuple[float, str]:
    """Seconds and summary line of one ``jjfeed ingest folder`` into ``db``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    if code:
        env["PYTHONPATH"] = code
    cmd = [sys.executable, "-m", "jjfeed", "--db", str(db), "--output", str(db.parent / "out")]
    start = time.perf_counter()
    done = subprocess.run(
        [*cmd, "ingest", str(folder)], check=True, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    return elapsed, (done.stdout.strip().splitlines() or [""])[0]


def fresh_copy(store: Path, work: Path) -> Path:
    """A copy of the stored state (the database and its WAL), to rerun over."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for part in store.parent.glob(store.name + "*"):
        shutil.copy2(part, work / part.name)
    return work / store.name


def profile(folder: Path, work: Path) -> None:
    """Ingest once, then profile a rerun in this process; print the biggest cumulative costs."""
    import cProfile
    import pstats

    from jjfeed import pipeline
    from jjfeed.config import Config

    config = Config(database=work / "p.db", output=work / "pout", processes=1)
    pipeline.ingest_inputs(config, [str(folder)], now=bench_pipeline.NOW)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(pipeline.ingest_inputs, config, [str(folder)], now=bench_pipeline.NOW)
    print(f"rerun in one process, under cProfile: {time.perf_counter() - start:.2f} s")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--code", action="append", help="a src folder to time (repeatable)")
    parser.add_argument("--profile", action="store_true", help="profile one rerun in-process")
    parser.add_argument("--new", type=int, default=0, help="entries added for the rerun")
    args = parser.parse_args(argv)
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="jjfeed-rerun-") as tmp:
            bench_pipeline.write_feeds(Path(tmp) / "feeds", args.entries)
            profile(Path(tmp) / "feeds", Path(tmp))
        return 0
    versions = args.code or [None]
    with tempfile.TemporaryDirectory(prefix="jjfeed-rerun-") as tmp:
        root = Path(tmp)
        folder, before = root / "feeds", root / "feeds-before"
        bench_pipeline.write_feeds(folder, args.entries + args.new)
        bench_pipeline.write_feeds(before, args.entries)  # the same entries, less the new
        firsts: dict[str | None, Path] = {}
        for n, version in enumerate(versions):
            firsts[version] = root / f"first-{n}" / "j.db"
            firsts[version].parent.mkdir()
            first, summary = ingest(before, firsts[version], version)
            print(f"first ingest ({version or 'installed'}): {first:.2f} s  [{summary}]")
        floors: list[float] = []
        times: dict[str | None, list[float]] = {v: [] for v in versions}
        for _ in range(args.runs):
            floors.append(bench_pipeline.floor(folder)[0])
            for version in versions:
                db = fresh_copy(firsts[version], root / "rerun")
                elapsed, summary = ingest(folder, db, version)
                times[version].append(elapsed)
                print(f"  rerun ({version or 'installed'}): {elapsed:.2f} s  [{summary}]")
        floor = statistics.median(floors)
        print(f"feedparser alone: {floor:.2f} s (median of {len(floors)})")
        for version, seconds in times.items():
            median = statistics.median(seconds)
            print(
                f"rerun, {version or 'installed'}: median {median:.2f} s "
                f"({min(seconds):.2f}-{max(seconds):.2f}), {median / floor:.2f}x feedparser, "
                f"{args.entries / median:.0f} entries/s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
