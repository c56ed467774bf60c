"""Learned furniture on versus off: how much of a site's boilerplate leaks.

No single page tells a site's furniture from its story; several articles of
the same site do. WCXB pages come from different sites, so sites are
synthesised from real material: site *i* gets the real boilerplate of WCXB
page *i* (its ground-truth ``without`` snippets, each a block of its own,
half before and half after the story) around the real stories
(``main_content`` paragraphs) of ``--per-site`` other WCXB pages. The site's
articles arrive as feed entries in runs of ``--batch``, as a polled feed
publishes them.

- **off**: each entry through ``clean_html`` alone (the block rules);
- **on**: the same entries through ``pipeline.clean_batch`` with a real
  SQLite store, which counts each block fingerprint per source and removes
  blocks seen in enough distinct articles (``clean/furniture.py``).

Scores: ``without`` leaked = share of the inserted boilerplate snippets found
in the output text; story recall = share of the story's words kept (token
multiset, as in bench_clean.py); both pooled over all articles, and also for
the articles after each site's first ``MIN_ARTICLES`` (by then the evidence
exists). Even-numbered pages give the sites' furniture for the tuned split,
odd-numbered for the held-out split.

Usage: python benchmarks/bench_furniture.py [--sites N] [--per-site K] [--batch B]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from jjfeed.clean import clean_html
from jjfeed.clean.furniture import MIN_ARTICLES
from jjfeed.model import Article, Source
from jjfeed.pipeline import clean_batch
from jjfeed.store import Store

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "wcxb-dev"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Page:
    number: int
    story: list[str]
    furniture: list[str]


@dataclass
class Score:
    snippets: int = 0
    leaked: int = 0
    story_words: int = 0
    story_kept: int = 0
    late_snippets: int = 0
    late_leaked: int = 0
    articles: int = 0

    def add(self, output: str, page: Page, story: list[str], position: int) -> None:
        haystack = squash(output)
        leaked = sum(squash(s) in haystack for s in page.furniture)
        self.articles += 1
        self.snippets += len(page.furniture)
        self.leaked += leaked
        if position >= MIN_ARTICLES:
            self.late_snippets += len(page.furniture)
            self.late_leaked += leaked
        want = Counter(_WORD.findall(" ".join(story).lower()))
        got = Counter(_WORD.findall(output.lower()))
        self.story_words += sum(want.values())
        self.story_kept += sum((want & got).values())

    def row(self, label: str) -> str:
        return (
            f"| {label} | {self.articles} | {self.leaked / max(self.snippets, 1):.3f} "
            f"| {self.late_leaked / max(self.late_snippets, 1):.3f} "
            f"| {self.story_kept / max(self.story_words, 1):.3f} |"
        )


@dataclass
class Tallies:
    off: Score = field(default_factory=Score)
    on: Score = field(default_factory=Score)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def load(data: Path, parity: int) -> list[Page]:
    pages = []
    for path in sorted((data / "ground-truth").glob("*.json")):
        number = int(path.stem)
        if number % 2 != parity:
            continue
        truth = json.loads(path.read_text("utf-8"))["ground_truth"]
        story = [p.strip() for p in str(truth.get("main_content") or "").split("\n") if p.strip()]
        furniture = [str(s).strip() for s in truth.get("without") or [] if str(s).strip()]
        if story and furniture:
            pages.append(Page(number, story, furniture))
    return pages


def entry_html(furniture: list[str], story: list[str]) -> str:
    half = len(furniture) // 2
    blocks = [*furniture[:half], *story, *furniture[half:]]
    return "".join(f"<p>{escape(block)}</p>" for block in blocks)


def run_split(pages: list[Page], sites: int, per_site: int, batch: int) -> Tallies:
    tallies = Tallies()
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        for site_index, site in enumerate(pages[:sites]):
            source = Source(name=f"site-{site.number}", url=f"https://site{site.number}.example/")
            stories = [pages[(site_index + k + 1) % len(pages)].story for k in range(per_site)]
            articles = [
                Article(
                    source=source.name,
                    guid=f"{source.url}{k}",
                    url=f"{source.url}{k}",
                    title=f"Story {k}",
                    raw=entry_html(site.furniture, story),
                )
                for k, story in enumerate(stories)
            ]
            for k, article in enumerate(articles):
                tallies.off.add(clean_html(article.raw, article.url).text, site, stories[k], k)
            for start in range(0, len(articles), batch):
                cleaned = clean_batch(store, source, articles[start : start + batch], now)
                for offset, article in enumerate(cleaned):
                    k = start + offset
                    tallies.on.add(article.text, site, stories[k], k)
    return tallies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the wcxb-dev folder")
    parser.add_argument("--sites", type=int, default=120, help="sites per split")
    parser.add_argument("--per-site", type=int, default=8, help="articles per site")
    parser.add_argument("--batch", type=int, default=2, help="articles per feed fetch")
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth").is_dir():
        print(f"no WCXB data at {args.data}", file=sys.stderr)
        return 1
    print(
        f"{args.per_site} articles per site, arriving {args.batch} per fetch; "
        f"furniture after {MIN_ARTICLES} articles"
    )
    print("| learning | articles | without leaked | leaked after evidence | story words kept |")
    print("|---|---|---|---|---|")
    for name, parity in (("even", 0), ("odd", 1)):
        tallies = run_split(load(args.data, parity), args.sites, args.per_site, args.batch)
        print(tallies.off.row(f"off ({name})"))
        print(tallies.on.row(f"on ({name})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
