"""Does a run's cost grow with the new articles or with the archive?

Builds stores of several sizes from real text (``../shared/data/wcxb-dev``
main_content: each synthetic article is a deterministic mix of paragraphs
from different real articles, so no two are duplicates), then times one
``jjfeed ingest`` of the same 1,000 new entries (20 RSS files, 10% of them
near-duplicates of archived articles) against each, in a subprocess, with
its peak memory (``ru_maxrss`` of the child).

The archive is filled through the pipeline's own dedup and store code
(:class:`jjfeed.pipeline._Deduper`) with already-clean text, so it has real
signatures, LSH rows, story terms and clusters; only cleaning is skipped
there, because the archive's cleaning is not what is being measured. The
measured run does everything: parse, clean, dedup, stories, store, publish.

Run: ``python benchmarks/bench_growth.py [--sizes 0,10000,100000] [--new 1000]``
(the 100k store takes several minutes to build; ``--keep DIR`` reuses stores).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from jjfeed import pipeline
from jjfeed.model import Article
from jjfeed.store import Store

SHARED = Path(os.environ.get("JJFEED_SHARED", Path(__file__).resolve().parents[2] / "shared"))
GROUND_TRUTH = SHARED / "data" / "wcxb-dev" / "ground-truth"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def load_paragraphs() -> tuple[list[str], list[str]]:
    """Paragraphs of at least 20 words, and titles, from the WCXB ground truth."""
    paragraphs, titles = [], []
    for path in sorted(GROUND_TRUTH.glob("*.json")):
        gt = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
        titles.append((gt.get("title") or "").strip() or path.stem)
        for p in re.split(r"\n\s*\n", gt.get("main_content") or ""):
            if len(p.split()) >= 20:
                paragraphs.append(p.strip())
    return paragraphs, titles


class Synth:
    """Deterministic article generator: ~500 words from five to eight random paragraphs."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.paragraphs, self.titles = load_paragraphs()

    def article(self, n: int) -> tuple[str, list[str]]:
        title = f"{self.rng.choice(self.titles)} ({n})"
        body: list[str] = []
        while sum(len(p.split()) for p in body) < 450:
            body.append(self.rng.choice(self.paragraphs))
        return title, body


def build_store(path: Path, size: int, seed: int = 1) -> float:
    """Fill a store with ``size`` archived articles; return the seconds it took."""
    synth = Synth(seed)
    started = time.perf_counter()
    with Store(path) as store:
        done = store.counts()["articles"]
        deduper = pipeline._Deduper(store, NOW - timedelta(days=1))
        deduper.prepare()
        batch = 1000
        for start in range(done, size, batch):
            with store.transaction():
                for n in range(start, min(size, start + batch)):
                    title, body = synth.article(n)
                    published = NOW - timedelta(days=1, minutes=n % (60 * 24 * 20))
                    deduper.file(
                        Article(
                            source=f"archive-{n % 50}",
                            guid=f"https://archive.example/{n}",
                            title=title,
                            url=f"https://archive{n % 50}.example/{n}",
                            published=published,
                            text="\n\n".join(body),
                        ),
                        0,
                    )
            print(f"  store {path.name}: {min(size, start + batch)}/{size}", file=sys.stderr)
    return time.perf_counter() - started


def write_new_feeds(folder: Path, new: int, archive: int, seed: int = 2) -> list[Path]:
    """``new`` entries in 20 RSS files; 10% are edited copies of archived articles."""
    rng = random.Random(seed)
    synth = Synth(seed + 100)
    archive_synth = Synth(1)
    archived = [archive_synth.article(n) for n in range(min(archive, 5000))]
    folder.mkdir(parents=True, exist_ok=True)
    items: list[list[str]] = [[] for _ in range(20)]
    for n in range(new):
        if archived and n % 10 == 0:
            title, body = rng.choice(archived)
            body = [*body[:-1], "An update added one more paragraph to this report today."]
        else:
            title, body = synth.article(10_000_000 + n)
        when = format_datetime(NOW - timedelta(minutes=n))
        content = "".join(f"<p>{html.escape(p)}</p>" for p in body)
        items[n % 20].append(
            f"<item><title>{html.escape(title)}</title>"
            f"<link>https://new{n % 20}.example/{n}</link>"
            f'<guid isPermaLink="false">new-{n}</guid><pubDate>{when}</pubDate>'
            f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
        )
    paths = []
    for i, entries in enumerate(items):
        path = folder / f"feed-{i:02}.rss"
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>New {i}</title><link>https://new{i}.example/</link>"
            "<description>bench</description>" + "".join(entries) + "</channel></rss>",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def timed_ingest(db: Path, feeds: list[Path], work: Path) -> tuple[float, float]:
    """Seconds and peak MiB of one ``jjfeed ingest`` subprocess."""
    exe = Path(sys.executable).with_name("jjfeed")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "jjfeed"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(
        [*cmd, "--db", str(db), "--output", str(work / "out"), "-q", "ingest", *map(str, feeds)],
        check=True,
        env=env,
        cwd=work,
    )
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,10000,100000")
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="folder for the stores (reused when present)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    root = args.keep or Path(tempfile.mkdtemp(prefix="jjfeed-growth-"))
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in sizes:
        store_path = root / f"store-{size}.db"
        built = build_store(store_path, size)
        work = Path(tempfile.mkdtemp(prefix=f"run-{size}-", dir=root))
        db = work / "j.db"
        db.write_bytes(store_path.read_bytes())
        feeds = write_new_feeds(work / "feeds", args.new, size)
        seconds, peak = timed_ingest(db, feeds, work)
        rows.append((size, built, seconds, peak))
        print(
            f"store {size:>9,}: built in {built:7.1f} s; run adding {args.new} entries: "
            f"{seconds:6.2f} s ({args.new / seconds:5.0f} entries/s), peak {peak:6.0f} MiB",
            flush=True,
        )
    print("\n| articles in store | run adding new entries | entries/s | peak memory |")
    print("| --- | --- | --- | --- |")
    for size, _, seconds, peak in rows:
        print(f"| {size:,} | {seconds:.2f} s | {args.new / seconds:.0f} | {peak:.0f} MiB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
