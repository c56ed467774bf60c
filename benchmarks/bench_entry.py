"""What cleaning one feed entry of about 5 KB costs (``jjfeed.clean.clean_html``).

The entries are real HTML: the ``content:encoded`` / Atom ``content`` /
``summary`` bodies of the feeds in ``../shared/data/feeds-real`` and the
article HTML trafilatura extracts from the first WCXB pages (what a
full-text feed carries), keeping those between 4,000 and 6,000 characters.

Each entry is cleaned ``--repeat`` times; its cost is the median of those
runs. The table gives the median and the 90th percentile over entries, next
to a floor measured in the same run on the same entries: parsing the entry
with lxml and writing it back out, the least any HTML cleaner must do. The
ratio to the floor is what to compare between runs on this shared machine.

Usage: python benchmarks/bench_entry.py [--repeat N] [--pages N]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import feedparser
import lxml.html
import trafilatura
from lxml import etree

from jjfeed.clean import clean_html

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
MIN_CHARS, MAX_CHARS = 4_000, 6_000


def feed_entries(root: Path) -> list[str]:
    """Entry bodies of the real feeds, content first, then summaries."""
    bodies: list[str] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in {".xml", ".rss", ".atom"}:
            continue
        parsed = feedparser.parse(path.read_bytes())
        for entry in parsed.entries:
            bodies += [c.get("value", "") for c in entry.get("content", []) or []]
            bodies.append(str(entry.get("summary") or ""))
    return bodies


def article_entries(root: Path, pages: int) -> list[str]:
    """Article HTML as trafilatura extracts it from the first ``pages`` WCXB pages."""
    bodies: list[str] = []
    for path in sorted((root / "html").glob("*.html.gz"))[:pages]:
        page = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        extracted = trafilatura.extract(page, output_format="html", include_comments=False)
        if extracted:
            bodies.append(extracted)
    return bodies


def floor(entry: str) -> None:
    """Parse and serialise: the least an HTML cleaner does."""
    etree.tostring(lxml.html.document_fromstring(entry), encoding="unicode", method="html")


def median_ms(work: Callable[[str], object], entry: str, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        work(entry)
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per entry (median kept)")
    parser.add_argument("--pages", type=int, default=150, help="WCXB pages to take articles from")
    args = parser.parse_args(argv)
    if not (SHARED / "feeds-real").is_dir():
        print(f"no shared data at {SHARED}", file=sys.stderr)
        return 1
    candidates = feed_entries(SHARED / "feeds-real") + article_entries(
        SHARED / "wcxb-dev", args.pages
    )
    entries = [e for e in candidates if MIN_CHARS <= len(e) <= MAX_CHARS]
    if not entries:
        print("no entries of the wanted size", file=sys.stderr)
        return 1
    for entry in entries[:5]:  # warm caches and imports
        clean_html(entry)
    ours = [median_ms(clean_html, entry, args.repeat) for entry in entries]
    base = [median_ms(floor, entry, args.repeat) for entry in entries]
    mean_chars = statistics.mean(len(e) for e in entries)
    print(f"{len(entries)} entries of {MIN_CHARS:,}-{MAX_CHARS:,} chars (mean {mean_chars:,.0f})")
    print("| work | median ms | p90 ms | entries/s (median) |")
    print("|---|---|---|---|")
    for name, costs in (("clean_html", ours), ("floor: lxml parse + serialise", base)):
        p90 = statistics.quantiles(costs, n=10)[-1]
        med = statistics.median(costs)
        print(f"| {name} | {med:.2f} | {p90:.2f} | {1000 / med:,.0f} |")
    ratio = statistics.median(o / b for o, b in zip(ours, base, strict=True))
    print(f"\nclean_html / floor (median of per-entry ratios): {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
