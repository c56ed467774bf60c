"""Feed parsing on real feeds: feedparser's own passes, and jjfeed's parse on top of it.

Reads every RSS/Atom/RDF file under ``../shared/data/feeds-review`` (real
feeds saved from blogs, podcasts and news sites, with the HTML bodies real
feeds carry) and, for each setting, parses all of them ``--repeats`` times
in this process, as a web feed (``Content-Location`` set, as a fetch gives):

- feedparser with its defaults (sanitising and resolving relative links
  inside markup);
- without sanitising (jjfeed sanitises with nh3 itself);
- without sanitising and without resolving links inside markup (jjfeed's
  setting: the clean stage resolves them against the entry's link);
- ``jjfeed.parse.parse_feed``: that feedparser call plus jjfeed's reading
  of every entry (dates, authors, identity keys, bodies).

Prints the median seconds per pass over all files and entries per second; the
settings take turns in each round, so a busy moment falls on all of them alike.

Run: ``python benchmarks/bench_parse.py [--repeats 5] [--data PATH]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import feedparser

from jjfeed.parse import parse_feed

SHARED = Path(os.environ.get("JJFEED_SHARED", Path(__file__).resolve().parents[2] / "shared"))
REVIEW = SHARED / "data" / "feeds-review"
SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
BASE = "https://feeds.example/feed"
HEADERS = {"content-location": BASE, "content-type": "application/xml"}


def feedparser_with(**options: bool) -> Callable[[bytes], int]:
    def run(data: bytes) -> int:
        return len(feedparser.parse(data, response_headers=HEADERS, **options).entries)

    return run


def jjfeed_parse(data: bytes) -> int:
    try:
        return len(parse_feed(data, HEADERS, source="bench", url=BASE).articles)
    except Exception:  # a file that is not a feed counts no entries, as for feedparser
        return 0


def timed(
    settings: list[tuple[str, Callable[[bytes], int]]], files: list[bytes], repeats: int
) -> list[tuple[float, int]]:
    """Median seconds and entries per setting, the settings taking turns in each round.

    Round-robin, so a busy moment on a shared machine falls on every setting
    alike rather than on whichever ran then.
    """
    times: list[list[float]] = [[] for _ in settings]
    entries = [0] * len(settings)
    for _ in range(repeats):
        for i, (_, run) in enumerate(settings):
            start = time.perf_counter()
            entries[i] = sum(run(data) for data in files)
            times[i].append(time.perf_counter() - start)
    return [(statistics.median(t), n) for t, n in zip(times, entries, strict=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", type=Path, default=REVIEW)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"needs the shared data: {args.data} not found", file=sys.stderr)
        return 2
    paths = sorted(p for p in args.data.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    files = [p.read_bytes() for p in paths]
    size = sum(map(len, files)) / 1e6
    print(f"{len(files)} feed files, {size:.1f} MB, from {args.data}; median of {args.repeats}")
    print()
    print("| setting | seconds per pass | entries | entries/s |")
    print("|---|---|---|---|")
    settings: list[tuple[str, Callable[[bytes], int]]] = [
        ("feedparser, defaults", feedparser_with()),
        ("feedparser, sanitize_html=False", feedparser_with(sanitize_html=False)),
        (
            "feedparser, sanitize_html=False, resolve_relative_uris=False (jjfeed's)",
            feedparser_with(sanitize_html=False, resolve_relative_uris=False),
        ),
        ("jjfeed.parse.parse_feed (the above + reading entries)", jjfeed_parse),
    ]
    for (label, _), (seconds, entries) in zip(
        settings, timed(settings, files, args.repeats), strict=True
    ):
        print(f"| {label} | {seconds:.3f} | {entries} | {entries / seconds:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
