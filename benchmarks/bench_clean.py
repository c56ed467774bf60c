"""Benchmark the page path of the clean stage against trafilatura alone.

Runs, over the WCXB development split in ``../shared/data/wcxb-dev`` (709
article pages with hand-checked ground truth), both

- **jjfeed**: ``jjfeed.clean.clean_page(page, url)``, whose ``Cleaned.text`` is
  compared (the title is kept apart in ``Cleaned.title`` and WCXB's
  ``main_content`` leaves the headline out too, so neither side is scored on
  it), and
- **trafilatura**: ``trafilatura.extract(page, url=url)`` with its default
  settings,

on the same decoded page text, and prints one markdown table.

Scores, as in the field's extraction benchmarks:

- word F1 / precision / recall: multiset overlap of lowercased ``\\w+`` tokens
  between the output and ``main_content``; precision = overlap / predicted,
  recall = overlap / reference; computed per page and averaged over pages. An
  empty output scores 0 on all three.
- with kept: share of all ``with`` snippets found in the output; without
  leaked: share of all ``without`` snippets found in it (whitespace-normalised,
  case-insensitive substring match, pooled over the pages).
- title: the same text after lower-casing, unifying quotes and dashes and
  dropping everything but letters and digits; author: the ground-truth author
  contained in ours or ours in it, case-insensitively (so "Jane Doe" matches
  "By Jane Doe" either way round, an empty guess never does); date: the same
  calendar day as ``publish_date``. Each is a share of the pages whose ground
  truth states a value. trafilatura's metadata comes from its own
  ``extract_metadata`` (run outside the timed part, since ``extract`` with
  default settings does not return metadata; the row ``trafilatura+meta``
  times it too, which is the job jjfeed's page path does).
- pages/s: pages divided by the summed wall time of the calls alone (loading
  and scoring excluded); overhead = trafilatura's pages/s over ours, minus one.

Rows are given for all pages, the even-numbered pages (the ones the rules
were tuned on) and the odd-numbered ones (held out).

Usage: python benchmarks/bench_clean.py [--limit N] [--data PATH] [--only even|odd]
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import pstats
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import trafilatura
from trafilatura.metadata import extract_metadata

from jjfeed.clean import clean_page, pagemeta
from jjfeed.clean import page as page_module

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "wcxb-dev"
_WORD = re.compile(r"\w+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Case:
    number: int
    url: str
    page: str
    truth: dict[str, object]


@dataclass(frozen=True)
class Output:
    text: str
    title: str | None
    author: str | None
    published: date | None
    seconds: float


@dataclass
class Tally:
    """Running sums for one extractor over one set of pages."""

    pages: int = 0
    f1: float = 0.0
    precision: float = 0.0
    recall: float = 0.0
    with_total: int = 0
    with_kept: int = 0
    without_total: int = 0
    without_leaked: int = 0
    meta_total: Counter[str] = field(default_factory=Counter)
    meta_right: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def add(self, case: Case, out: Output) -> None:
        truth = case.truth
        self.pages += 1
        self.seconds += out.seconds
        p, r, f = word_scores(out.text, str(truth.get("main_content") or ""))
        self.precision += p
        self.recall += r
        self.f1 += f
        haystack = squash(out.text)
        for snippet in _strings(truth.get("with")):
            self.with_total += 1
            self.with_kept += squash(snippet) in haystack
        for snippet in _strings(truth.get("without")):
            self.without_total += 1
            self.without_leaked += squash(snippet) in haystack
        checks = (
            ("title", truth.get("title"), same_title, out.title),
            ("author", truth.get("author"), same_author, out.author),
            ("date", truth.get("publish_date"), same_day, out.published),
        )
        for name, expected, check, got in checks:
            if expected:
                self.meta_total[name] += 1
                self.meta_right[name] += bool(check(str(expected), got))

    def row(self, label: str) -> list[str]:
        n = max(self.pages, 1)

        def share(name: str) -> str:
            return f"{self.meta_right[name] / max(self.meta_total[name], 1):.3f}"

        return [
            label,
            str(self.pages),
            f"{self.f1 / n:.3f}",
            f"{self.precision / n:.3f}",
            f"{self.recall / n:.3f}",
            f"{self.with_kept / max(self.with_total, 1):.3f}",
            f"{self.without_leaked / max(self.without_total, 1):.3f}",
            share("title"),
            share("author"),
            share("date"),
            f"{self.pages / self.seconds:.1f}" if self.seconds else "-",
        ]


def _strings(value: object) -> list[str]:
    return [str(v) for v in value if v] if isinstance(value, list) else []


def tokens(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def word_scores(predicted: str, reference: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the token multisets."""
    ours, theirs = tokens(predicted), tokens(reference)
    if not ours or not theirs:
        return (0.0, 0.0, 0.0)
    overlap = sum((ours & theirs).values())
    precision = overlap / sum(ours.values())
    recall = overlap / sum(theirs.values())
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return (precision, recall, f1)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _title_key(text: str) -> str:
    text = text.lower().replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    return "".join(ch for ch in text if ch.isalnum())


def same_title(expected: str, got: object) -> bool:
    return isinstance(got, str) and _title_key(expected) == _title_key(got)


def same_author(expected: str, got: object) -> bool:
    if not isinstance(got, str) or not got.strip():
        return False
    a, b = squash(expected), squash(got)
    return a in b or b in a


def same_day(expected: str, got: object) -> bool:
    try:
        wanted = date.fromisoformat(expected[:10])
    except ValueError:
        return False
    if isinstance(got, datetime):
        got = got.date()
    return isinstance(got, date) and got == wanted


def decode(raw: bytes) -> str:
    """Bytes to text the way a browser would roughly: BOM/meta charset, else UTF-8."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    match = _CHARSET.search(raw[:4096])
    encoding = match.group(1).decode("ascii", "ignore") if match else "utf-8"
    try:
        return raw.decode(encoding, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def load(data: Path, limit: int | None, only: str | None) -> Iterator[Case]:
    paths = sorted((data / "html").glob("*.html.gz"))
    if only is not None:
        parity = 0 if only == "even" else 1
        paths = [p for p in paths if int(p.name.split(".")[0]) % 2 == parity]
    for path in paths[:limit]:
        number = int(path.name.split(".")[0])
        record = json.loads((data / "ground-truth" / f"{number:04d}.json").read_text("utf-8"))
        yield Case(
            number=number,
            url=str(record.get("url") or ""),
            page=decode(gzip.decompress(path.read_bytes())),
            truth=dict(record["ground_truth"]),
        )


def run_jjfeed(case: Case) -> Output:
    start = time.perf_counter()
    cleaned = clean_page(case.page, case.url or None)
    seconds = time.perf_counter() - start
    published = cleaned.published.date() if cleaned.published else None
    return Output(cleaned.text, cleaned.title, cleaned.author, published, seconds)


def run_trafilatura(case: Case, *, favor_recall: bool = False, meta_timed: bool = False) -> Output:
    """trafilatura's text, and its metadata for the title, author and date scores.

    ``meta_timed``: the metadata's time counts too, so the row does the job
    jjfeed's page path does (text, title, author, date); by default only the
    text is timed, the comparison the issue's speed budget was written against.
    """
    start = time.perf_counter()
    text = trafilatura.extract(case.page, url=case.url or None, favor_recall=favor_recall) or ""
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    found = extract_metadata(case.page, default_url=case.url or None)
    if meta_timed:
        seconds += time.perf_counter() - start
    published = None
    if found is not None and found.date:
        try:
            published = date.fromisoformat(str(found.date)[:10])
        except ValueError:
            published = None
    title = found.title if found is not None else None
    author = found.author if found is not None else None
    return Output(text, title, author, published, seconds)


HEADER = [
    "extractor",
    "pages",
    "word F1",
    "precision",
    "recall",
    "with kept",
    "without leaked",
    "title",
    "author",
    "date",
    "pages/s",
]


def table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def compare_dates(cases: Iterator[Case]) -> int:
    """Where the page's declared publication date and htmldate's differ, which is right.

    Declared: the page's metadata (``pagemeta.read_page_meta``); htmldate: its
    quick search for the original date (``pagemeta.page_date``). Only pages
    whose ground truth has a date count.
    """
    tally: Counter[str] = Counter()
    for case in cases:
        expected = str(case.truth.get("publish_date") or "")
        tree = page_module.parse_page(case.page)
        if not expected or tree is None:
            continue
        declared = pagemeta.read_page_meta(tree).published
        read = pagemeta.page_date(tree, case.url or None)
        tally["pages"] += 1
        if declared is None or read is None:
            continue
        tally["both"] += 1
        tally["declared right"] += same_day(expected, declared.date())
        tally["htmldate right"] += same_day(expected, read.date())
        if abs((declared.date() - read.date()).days) > page_module.DATE_AGREEMENT_DAYS:
            tally["disagree"] += 1
            tally["disagree, declared right"] += same_day(expected, declared.date())
            tally["disagree, htmldate right"] += same_day(expected, read.date())
    for key in (
        "pages", "both", "declared right", "htmldate right",
        "disagree", "disagree, declared right", "disagree, htmldate right",
    ):  # fmt: skip
        print(f"{key}: {tally[key]}")
    return 0


def profile(cases: list[Case]) -> int:
    """Where the page path's time goes: the top of cProfile's cumulative list."""
    profiler = cProfile.Profile()
    profiler.enable()
    for case in cases:
        clean_page(case.page, case.url or None)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return 0


RUNNERS: tuple[tuple[str, Callable[[Case], Output]], ...] = (
    ("trafilatura", run_trafilatura),
    ("trafilatura+meta", lambda case: run_trafilatura(case, meta_timed=True)),
    ("jjfeed", run_jjfeed),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the wcxb-dev folder")
    parser.add_argument("--only", choices=("even", "odd"), help="only even or odd pages")
    parser.add_argument("--dump", type=Path, help="write per-page jjfeed scores as JSON lines")
    parser.add_argument(
        "--dates", action="store_true", help="only compare declared dates with htmldate's"
    )
    parser.add_argument(
        "--profile", type=int, metavar="N", help="cProfile clean_page over the first N pages"
    )
    args = parser.parse_args(argv)
    if not (args.data / "html").is_dir():
        print(f"no WCXB data at {args.data}", file=sys.stderr)
        return 1
    if args.profile:
        return profile(list(load(args.data, args.profile, args.only)))
    if args.dates:
        return compare_dates(load(args.data, args.limit, args.only))

    tallies: dict[tuple[str, str], Tally] = {}
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    for case in load(args.data, args.limit, args.only):
        split = "even" if case.number % 2 == 0 else "odd"
        for name, runner in RUNNERS:
            out = runner(case)
            for group in ("all", split):
                tallies.setdefault((name, group), Tally()).add(case, out)
            if dump is not None:
                p, r, f = word_scores(out.text, str(case.truth.get("main_content") or ""))
                leaked = [
                    s for s in _strings(case.truth.get("without")) if squash(s) in squash(out.text)
                ]
                lost = [
                    s for s in _strings(case.truth.get("with")) if squash(s) not in squash(out.text)
                ]
                record = {"page": case.number, "by": name, "p": p, "r": r, "f1": f}
                dump.write(json.dumps({**record, "leaked": leaked, "lost": lost}) + "\n")
    if dump is not None:
        dump.close()

    rows = []
    for group in ("all", "even", "odd"):
        for name, _ in RUNNERS:
            tally = tallies.get((name, group))
            if tally is not None:
                rows.append(tally.row(f"{name} ({group})"))
    print(table(rows))
    ours = tallies.get(("jjfeed", "all"))
    if ours is not None:
        print(
            f"\njjfeed (all): F1 {ours.f1 / max(ours.pages, 1):.4f}, without leaked "
            f"{ours.without_leaked} of {ours.without_total} "
            f"({ours.without_leaked / max(ours.without_total, 1):.4f}), with kept "
            f"{ours.with_kept} of {ours.with_total}"
        )
    for name, job in (("trafilatura", "text alone"), ("trafilatura+meta", "text and metadata")):
        theirs = tallies.get((name, "all"))
        if ours and theirs and ours.seconds and theirs.seconds:
            overhead = ours.seconds / theirs.seconds - 1
            print(f"Overhead of jjfeed's page path over trafilatura's {job}: {overhead:+.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
