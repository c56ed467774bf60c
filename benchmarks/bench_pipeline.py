"""End-to-end ingest speed, next to its floor: feedparser alone on the same files.

Writes 10,000 feed entries (about 500 words each, from the WCXB ground-truth
sentences, fixed seed) into 20 RSS 2.0 files, 10% of them near-duplicates
(an edited copy of an earlier entry: a paragraph dropped, a
sentence added, a new title and link). Then, alternating, several times:

- the floor: ``feedparser.parse`` on each file's bytes, one process;
- ``jjfeed ingest <folder>`` in a subprocess, into a fresh store, with its
  peak memory (``ru_maxrss`` of the child).

It reports medians, entries per second and the ratio of jjfeed's time to the
floor's (the issue's target: at least 1,000 entries/s and at most 1.5x).

Run: ``python benchmarks/bench_pipeline.py [--entries 10000] [--runs 3]``;
``--profile`` runs the ingest once in this process under pyinstrument instead
and prints where the time goes; ``--filing-cpu`` runs it once in this process
and prints its CPU time and the part the run index's story search takes;
``--per-process`` runs one ingest and prints each of its processes' CPU
(sampled from /proc); ``--processes N`` sets ``JJFEED_PROCESSES``; ``--story-vectors`` ingests with
``dedup.story_vectors`` (the story window's count vectors, on by default;
``--no-story-vectors``: the plain rule).
"""

from __future__ import annotations

import argparse
import ctypes
import html
import json
import logging
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import feedparser

SHARED = Path(os.environ.get("JJFEED_SHARED", Path(__file__).resolve().parents[2] / "shared"))
GROUND_TRUTH = SHARED / "data" / "wcxb-dev" / "ground-truth"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
FILES = 20
ADDED = "A later version of this report added this sentence with one more detail."


def load_sentences() -> tuple[list[str], list[str]]:
    """Sentences of at least six words, and titles, from the WCXB ground truth.

    Paragraphs are built from sentences drawn at random rather than reused
    whole: 10,000 articles of 500 words would use each of the 21,894 real
    paragraphs about four times, and a paragraph that recurs across a
    source's articles is exactly what furniture learning removes.
    """
    sentences, titles = [], []
    for path in sorted(GROUND_TRUTH.glob("*.json")):
        gt = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
        titles.append((gt.get("title") or "").strip() or path.stem)
        for p in re.split(r"\n\s*\n", gt.get("main_content") or ""):
            for sentence in re.split(r"(?<=[.!?])\s+", " ".join(p.split())):
                if len(sentence.split()) >= 6:
                    sentences.append(sentence)
    return sentences, titles


def entries(count: int, seed: int = 7) -> list[tuple[str, list[str], bool]]:
    """``count`` (title, paragraphs, is_copy) triples; one in ten edits an earlier one."""
    rng = random.Random(seed)
    sentences, titles = load_sentences()
    out: list[tuple[str, list[str], bool]] = []
    for n in range(count):
        if n % 10 == 9:
            title, body, _ = out[rng.randrange(len(out))]
            body = list(body)
            del body[rng.randrange(len(body))]
            body.append(ADDED)
            out.append((f"{title} (updated)", body, True))
            continue
        body = []
        while sum(len(p.split()) for p in body) < 480:
            body.append(" ".join(rng.choice(sentences) for _ in range(rng.randint(3, 5))))
        out.append((f"{rng.choice(titles)} #{n}", body, False))
    return out


def write_feeds(folder: Path, count: int) -> int:
    """Write the corpus as ``FILES`` RSS files; return its size in bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    items: list[list[str]] = [[] for _ in range(FILES)]
    for n, (title, body, _) in enumerate(entries(count)):
        content = "".join(f"<p>{html.escape(p)}</p>" for p in body)
        items[n % FILES].append(
            f"<item><title>{html.escape(title)}</title>"
            f"<link>https://site{n % FILES}.example/{n}</link>"
            f'<guid isPermaLink="false">bench-{n}</guid>'
            f"<pubDate>{format_datetime(NOW - timedelta(minutes=n))}</pubDate>"
            f"<description>{html.escape(body[0][:200])}</description>"
            f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
        )
    size = 0
    for i, chunk in enumerate(items):
        data = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>Site {i}</title><link>https://site{i}.example/</link>"
            "<description>benchmark feed</description>" + "".join(chunk) + "</channel></rss>"
        )
        (folder / f"site-{i:02}.rss").write_text(data, encoding="utf-8")
        size += len(data.encode())
    return size


def floor(folder: Path) -> tuple[float, int]:
    """Seconds for feedparser alone to parse every file, and the entries it found."""
    blobs = [p.read_bytes() for p in sorted(folder.glob("*.rss"))]
    start = time.perf_counter()
    found = sum(len(feedparser.parse(b).entries) for b in blobs)
    return time.perf_counter() - start, found


def jjfeed_command() -> list[str]:
    exe = Path(sys.executable).with_name("jjfeed")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "jjfeed"]


def adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans (Linux).

    The ingest's worker processes are children of multiprocessing's
    forkserver, which outlives the ingest by a moment: orphaned, it was reaped
    by init, and its CPU time and that of the workers it reaped never reached
    ``RUSAGE_CHILDREN`` here (the figures before session 13 missed them).
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


_PR_SET_CHILD_SUBREAPER = 36


def reap_orphans(within: float = 10.0) -> None:
    """Wait (at most ``within`` seconds) for the orphans :func:`adopt_orphans` took on."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def timed_ingest(
    folder: Path, work: Path, workers: int | None, vectors: bool = False
) -> tuple[float, float, str, float]:
    """Seconds, peak MiB, the summary line and the CPU seconds of one ``jjfeed ingest``.

    The CPU time (user + system, of the ingest, its forkserver and its worker
    processes) is what a busy shared machine changes least: it stretches wall
    time.
    ``vectors``: with ``dedup.story_vectors`` (the story window's count vectors).
    """
    for stale in work.glob("j.db*"):
        stale.unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    if workers is not None:
        env["JJFEED_PROCESSES"] = str(workers)
    cmd = [*jjfeed_command(), "--db", str(work / "j.db"), "--output", str(work / "out")]
    config = work / "vectors.yaml"
    config.write_text(f"dedup:\n  story_vectors: {str(vectors).lower()}\n", encoding="utf-8")
    cmd += ["--config", str(config)]
    adopt_orphans()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [*cmd, "ingest", str(folder)], check=True, env=env, cwd=work, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = after.ru_maxrss / 1024
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    summary = (done.stdout.strip().splitlines() or [""])[-1]
    return elapsed, peak, summary, cpu


def profile(folder: Path, work: Path, vectors: bool = False) -> None:
    from dataclasses import replace

    from pyinstrument import Profiler

    from jjfeed import pipeline
    from jjfeed.config import load_config

    config = load_config(
        work / "none.yaml", required=False, database=work / "p.db", output=work / "pout"
    )
    config = replace(config, story_vectors=vectors)
    profiler = Profiler(interval=0.002)
    profiler.start()
    pipeline.ingest_inputs(config, [str(folder)], now=NOW)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def _timed(owner: Any, name: str, spent: dict[str, float], label: str) -> None:
    """Add the process time of ``owner.name``'s calls to ``spent[label]``."""
    plain = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return plain(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - started

    setattr(owner, name, timed)


class _FilingLine(logging.Handler):
    """Keeps the run's "filing: N entries, X s of CPU" line (what ``jjfeed -v`` prints)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.line = ""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("filing:"):
            self.line = message


def filing_cpu(folder: Path, work: Path, vectors: bool = False) -> None:
    """One in-process ingest: its CPU time, and the part in the run index's story search.

    ``vectors``: with ``dedup.story_vectors``, and the parts of the story window.
    """
    from dataclasses import replace

    from jjfeed import pipeline, story
    from jjfeed.config import load_config
    from jjfeed.pipeline import archive
    from jjfeed.story import window

    spent = {"search": 0.0, "similarity": 0.0, "calls": 0.0}
    # The run index scores its candidates with story_similarities since session 13
    # (one call per search); story_similarity before (main's older code, for comparison).
    scorer = "story_similarities" if hasattr(story, "story_similarities") else "story_similarity"
    search, similarity = archive.RunIndex.cousins, getattr(story, scorer)

    def timed_search(self: archive.RunIndex, *args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return search(self, *args, **kwargs)
        finally:
            spent["search"] += time.process_time() - started
            spent["calls"] += 1

    def timed_similarity(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return similarity(*args, **kwargs)
        finally:
            spent["similarity"] += time.process_time() - started

    archive.RunIndex.cousins = timed_search  # type: ignore[method-assign]
    setattr(story, scorer, timed_similarity)
    if hasattr(archive, "text_similarities"):  # the run index's numpy scorer (session 13)
        _timed(archive, "text_similarities", spent, "similarity")
    parts: dict[str, float] = {}
    if vectors:
        _timed(window.StoryWindow, "candidates", parts, "window candidates")
        _timed(window.StoryWindow, "_query", parts, "reading the count vector")
        _timed(window._Query, "cosines", parts, "scoring (cosines)")
        _timed(window.StoryWindow, "_row_norms", parts, "norms")
        _timed(window.StoryWindow, "add", parts, "window add")
        # counted_terms since session 12 (story_terms before: main's code, for comparison).
        made = "counted_terms" if hasattr(story, "counted_terms") else "story_terms"
        _timed(story, made, parts, "count vectors made in the main process")
    config = load_config(
        work / "none.yaml", required=False, database=work / "p.db", output=work / "pout"
    )
    config = replace(config, story_vectors=vectors)
    filing = _FilingLine()
    logging.getLogger("jjfeed.pipeline").addHandler(filing)
    logging.getLogger("jjfeed.pipeline").setLevel(logging.INFO)
    started = time.process_time()
    pipeline.ingest_inputs(config, [str(folder)], now=NOW)
    total = time.process_time() - started
    print(filing.line or "no filing line was logged")
    print(
        f"run's process CPU {total:.2f} s; run index story search {spent['search']:.2f} s "
        f"over {spent['calls']:.0f} lookups: similarities {spent['similarity']:.2f} s, "
        f"finding the candidates {spent['search'] - spent['similarity']:.2f} s"
    )
    for label, seconds in parts.items():
        print(f"  {label}: {seconds:.2f} s")


def _descendants_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) so far of ``root`` and every process below it, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    parent, cpu = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        parent[int(name)] = int(fields[1])
        cpu[int(name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, ppid in parent.items() if ppid in tree} - tree
        tree |= below
        grew = bool(below)
    return {pid: cpu[pid] for pid in tree if pid in cpu}


def per_process(folder: Path, work: Path, workers: int | None) -> None:
    """One ``jjfeed ingest``, its processes' CPU sampled from /proc every 50 ms (Linux).

    The run's process, the forkserver and each worker: what bounds the run
    (the run's process alone, or the CPU of them all on the cores there are).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    if workers is not None:
        env["JJFEED_PROCESSES"] = str(workers)
    cmd = [*jjfeed_command(), "--db", str(work / "pp.db"), "--output", str(work / "pp")]
    seen: dict[int, tuple[float, float]] = {}  # pid: (CPU, first seen)
    start = time.perf_counter()
    child = subprocess.Popen(
        [*cmd, "ingest", str(folder)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = start + 3600
    while child.poll() is None and time.perf_counter() < deadline:
        for pid, cpu in _descendants_cpu(child.pid).items():
            seen[pid] = (cpu, seen.get(pid, (0.0, time.perf_counter() - start))[1])
        time.sleep(0.05)
    child.wait()
    wall = time.perf_counter() - start
    print(f"wall {wall:.2f} s; CPU by process (sampled every 50 ms, so a little under):")
    for pid, (cpu, first) in sorted(seen.items(), key=lambda item: item[1][1]):
        role = "the run" if pid == child.pid else f"started at {first:.2f} s"
        print(f"  pid {pid}: {cpu:.2f} s ({role})")
    print(f"  all: {sum(cpu for cpu, _ in seen.values()):.2f} s")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str] | None = None) -> int:
    from jjfeed.config import Config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", type=int, help="JJFEED_PROCESSES for the ingest runs")
    parser.add_argument("--profile", action="store_true", help="profile one in-process ingest")
    parser.add_argument(
        "--per-process", action="store_true", help="one ingest, each process's CPU (from /proc)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--story-vectors",
        action=argparse.BooleanOptionalAction,
        default=Config().story_vectors,
        help="ingest with dedup.story_vectors (the story window's count vectors; the default's)",
    )
    parser.add_argument(
        "--filing-cpu",
        action="store_true",
        help="CPU of one in-process ingest, and its story search",
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="jjfeed-pipeline-"))
    folder = work / "feeds"
    size = write_feeds(folder, args.entries)
    print(f"{args.entries:,} entries in {FILES} files, {size / 1e6:.1f} MB; {machine()}")
    if args.profile:
        profile(folder, work, args.story_vectors)
        return 0
    if args.per_process:
        per_process(folder, work, args.processes)
        return 0
    if args.filing_cpu:
        filing_cpu(folder, work, args.story_vectors)
        return 0
    floors, runs, peaks, cpus = [], [], [], []
    summary = ""
    for i in range(args.runs):
        seconds, found = floor(folder)
        floors.append(seconds)
        elapsed, peak, summary, cpu = timed_ingest(folder, work, args.processes, args.story_vectors)
        runs.append(elapsed)
        peaks.append(peak)
        cpus.append(cpu)
        print(
            f"run {i + 1}: feedparser {seconds:.2f} s ({found:,} entries), "
            f"jjfeed ingest {elapsed:.2f} s ({cpu:.2f} s CPU), ratio {elapsed / seconds:.2f}, "
            f"peak {peak:.0f} MiB",
            flush=True,
        )
    base, total = statistics.median(floors), statistics.median(runs)
    figures = {
        "entries": args.entries,
        "feedparser_s": round(base, 2),
        "feedparser_eps": round(args.entries / base),
        "jjfeed_s": round(total, 2),
        "jjfeed_eps": round(args.entries / total),
        "ratio": round(total / base, 2),
        "peak_mib": round(max(peaks)),
        "jjfeed_cpu_s": round(statistics.median(cpus), 2),
        "summary": summary,
    }
    print(f"jjfeed says: {summary}")
    print(
        f"median: feedparser {base:.2f} s ({figures['feedparser_eps']:,}/s), "
        f"jjfeed {total:.2f} s ({figures['jjfeed_eps']:,}/s, {figures['jjfeed_cpu_s']} s CPU), "
        f"ratio {total / base:.2f}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
