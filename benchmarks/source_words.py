"""Two posts of one source: which pairs would link as one story, under which rule (issue 17, item 4).

Ingests the real-feeds folders (``../shared/data/feeds-review/*`` and
``feeds-real/*``) with jjfeed's pipeline, one store per folder, then, per
source, compares every two of its stored articles dated within a day with
:func:`jjfeed.story.story_similarity` on their story terms made three ways:

- ``plain``: the terms as the pipeline makes them;
- ``recurring@S``: the source's recurring title words (in a share ``S`` of
  its titles, :func:`jjfeed.story.recurring_terms`) and its name's words
  (:func:`jjfeed.story.name_terms`) left out, as issue 17 item 4 proposes;
- ``series``: the plain terms, but installments of one series
  (:func:`jjfeed.story.numbered_apart`) never link;
- ``series, bar B``: the same against a same-source bar of ``B`` (``--bars``).

A pair "links" when its similarity reaches the same-source bar
(:data:`jjfeed.story.SAME_SOURCE_LINK`). Pairs the hand labels of
``tests/data/real_merges.json`` cover (both members in one labelled story
link, ``stories`` and ``stories_real``) are counted as true or false links;
the rest as unlabelled.

Run: ``python benchmarks/source_words.py [--shares 0.2,0.3,0.5] [--show]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from jjfeed import pipeline, story
from jjfeed.config import Config
from jjfeed.model import FeedInfo

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "data" / "real_merges.json"
DATA = REPO.parent / "shared" / "data"
FOLDERS = (
    "feeds-review/netnewswire",
    "feeds-review/feedjira",
    "feeds-real/gofeed",
    "feeds-real/rss-parser",
)

Row = dict[str, object]
Key = tuple[str, str]


def filed(data: Path, folder: str, tmp: Path) -> list[Row]:
    config = Config(database=tmp / "j.db", output=tmp / "out", processes=1, feed=FeedInfo(limit=10))
    pipeline.ingest_inputs(config, [str(data / folder)])
    return list(pipeline.export(config))


def labelled_pairs(shared: Path) -> dict[frozenset[Key], bool]:
    labels = json.loads(LABELS.read_text())
    uri = shared.resolve().as_uri()
    pairs: dict[frozenset[Key], bool] = {}
    for label in labels["stories"] + labels.get("stories_real", []):
        keys = [(m["source"], m["guid"].replace("{shared}", uri)) for m in label["members"]]
        for a, b in itertools.combinations(keys, 2):
            pairs[frozenset((a, b))] = label["same"]
    return pairs


def _when(row: Row) -> str:
    return str(row.get("published") or row.get("updated") or "")


def within_a_day(a: Row, b: Row) -> bool:
    ta, tb = _when(a), _when(b)
    if not ta or not tb:
        return True
    return abs((datetime.fromisoformat(ta) - datetime.fromisoformat(tb)).total_seconds()) <= 86400


Rule = Callable[[list[Row]], Callable[[int, int], float]]


def plain_rule(rows: list[Row]) -> Callable[[int, int], float]:
    terms = [story.story_terms(str(r["title"]), str(r["text"])) for r in rows]
    return lambda i, j: story.story_similarity(terms[i], terms[j])


def recurring_rule(share: float) -> Rule:
    def rule(rows: list[Row]) -> Callable[[int, int], float]:
        ignore = story.recurring_terms([str(r["title"]) for r in rows], share=share)
        ignore |= story.name_terms(str(rows[0]["source"]))
        terms = [story.story_terms(str(r["title"]), str(r["text"]), ignore=ignore) for r in rows]
        return lambda i, j: story.story_similarity(terms[i], terms[j])

    return rule


def series_rule(rows: list[Row]) -> Callable[[int, int], float]:
    plain = plain_rule(rows)

    def sim(i: int, j: int) -> float:
        if story.numbered_apart(str(rows[i]["title"]), str(rows[j]["title"])):
            return 0.0
        return plain(i, j)

    return sim


def count(
    sources: dict[str, list[Row]],
    rules: dict[str, Rule],
    labels: dict[frozenset[Key], bool],
    bars: dict[str, float],
) -> tuple[dict[str, dict[str, int]], list[str]]:
    counts = {name: {"true": 0, "false": 0, "unlabelled": 0} for name in rules}
    shown: list[str] = []
    for rows in sources.values():
        if len(rows) < 2:
            continue
        sims = {
            name: (rule(rows), bars.get(name, story.SAME_SOURCE_LINK))
            for name, rule in rules.items()
        }
        for i, j in itertools.combinations(range(len(rows)), 2):
            if not within_a_day(rows[i], rows[j]):
                continue
            key = frozenset(
                (
                    (str(rows[i]["source"]), str(rows[i]["guid"])),
                    (str(rows[j]["source"]), str(rows[j]["guid"])),
                )
            )
            label = labels.get(key)
            kind = "unlabelled" if label is None else ("true" if label else "false")
            links = {name: sim(i, j) >= bar for name, (sim, bar) in sims.items()}
            for name, linked in links.items():
                counts[name][kind] += linked
            if len(set(links.values())) > 1:
                marks = " ".join(f"{n}={'Y' if v else '-'}" for n, v in links.items())
                shown.append(
                    f"  {kind:10} {marks} | {str(rows[i]['source'])[:24]} | "
                    f"{str(rows[i]['title'])[:50]} | {str(rows[j]['title'])[:50]}"
                )
    return counts, shown


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="holds feeds-review/, feeds-real/")
    parser.add_argument("--shares", default="0.2,0.3,0.5", help="recurring shares to try")
    parser.add_argument("--show", action="store_true", help="print the pairs the rules disagree on")
    parser.add_argument(
        "--bars", default="0.6,0.7", help="same-source bars to try with the series rule"
    )
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the ingest's warnings about the folders' odd files
    rules: dict[str, Rule] = {"plain": plain_rule}
    for share in args.shares.split(","):
        rules[f"recurring@{share}"] = recurring_rule(float(share))
    rules["series"] = series_rule
    bars: dict[str, float] = {}
    for bar in args.bars.split(",") if args.bars else ():
        rules[f"series, bar {bar}"] = series_rule
        bars[f"series, bar {bar}"] = float(bar)
    sources: dict[str, list[Row]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="source-words-") as tmp:
        for k, folder in enumerate(FOLDERS):
            where = Path(tmp) / str(k)
            where.mkdir()
            for row in filed(args.data, folder, where):
                sources[f"{folder}|{row['source']}"].append(row)
    counts, shown = count(sources, rules, labelled_pairs(args.data.parent), bars)
    print("same-source pairs within a day linking at story.SAME_SOURCE_LINK, by rule:")
    print(f"  {'rule':18} {'true':>5} {'false':>6} {'unlabelled':>11}")
    for name, c in counts.items():
        print(f"  {name:18} {c['true']:5d} {c['false']:6d} {c['unlabelled']:11d}")
    if args.show:
        print("pairs the rules disagree on:")
        print("\n".join(shown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
