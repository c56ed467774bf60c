"""Story clustering on real headlines: jjfeed.story against naive title Jaccard.

Data: ``../shared/data/stories-dev/uci-headlines-dev.csv`` (UCI News
Aggregator headlines; columns ID, TITLE, URL, PUBLISHER, CATEGORY, STORY,
HOSTNAME, TIMESTAMP; 3,632 headlines in 44 story clusters). Titles only, no
body text; each headline's TIMESTAMP (the data set's approximate publication
time) is its date, with the default story window (``--windows`` sweeps it).

The stories are split in two halves by a hash of the STORY id: thresholds are
swept on the dev half, and the threshold chosen there is reported on the
held-out half and on the whole set. Methods:

- ``baseline``: single-link over title word Jaccard (lower-cased ``\\w+``
  words, nothing removed), the naive method the issue quotes.
- ``single``: single-link over :func:`jjfeed.story.same_story`.
- ``average``: agglomerative average-link over :func:`story_similarity`
  (merge while the mean similarity between two clusters >= threshold).
- ``average-idf``: the same with IDF-weighted Jaccard (:class:`TermWeights`
  built from the headlines being clustered, as the store would from its window).
- ``online``: the pipeline's shape: headlines in time order, each joins the
  story with the highest :func:`story_link` if :func:`joins_story`, else
  founds one; stories never merge (stable ids).

Metrics: pairwise precision / recall / F1 and B-cubed P / R / F1.

Run: ``python benchmarks/bench_stories.py [--csv PATH]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import heapq
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jjfeed import pipeline, story
from jjfeed.model import Article
from jjfeed.store import Store

DEFAULT_CSV = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "stories-dev"
    / "uci-headlines-dev.csv"
)
PRECISION_TARGET = 0.90
RECALL_TARGET = 0.60

_RAW_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Headline:
    title: str
    story: str
    date: datetime
    id: str = ""
    url: str = ""


def load(path: Path) -> list[Headline]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        when = datetime.fromtimestamp(int(r["TIMESTAMP"]) / 1000, tz=UTC)
        out.append(Headline(r["TITLE"], r["STORY"], when, r["ID"], r["URL"]))
    return out


def is_dev(story_id: str) -> bool:
    return hashlib.sha1(story_id.encode()).digest()[0] % 2 == 0


# -- metrics --------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    p: float
    r: float
    f1: float
    bp: float
    br: float
    bf1: float
    clusters: int

    def row(self) -> str:
        return (
            f"P {self.p:.3f} R {self.r:.3f} F1 {self.f1:.3f} | "
            f"B3 P {self.bp:.3f} R {self.br:.3f} F1 {self.bf1:.3f} | {self.clusters} clusters"
        )


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(pred: Sequence[int], gold: Sequence[str]) -> Scores:
    def pairs(c: Counter) -> int:
        return sum(v * (v - 1) // 2 for v in c.values())

    joint = Counter(zip(pred, gold, strict=True))
    pred_sizes, gold_sizes = Counter(pred), Counter(gold)
    tp, pp, gp = pairs(joint), pairs(pred_sizes), pairs(gold_sizes)
    p = tp / pp if pp else 1.0
    r = tp / gp if gp else 1.0
    n = len(pred)
    bp = sum(joint[(c, g)] / pred_sizes[c] for c, g in zip(pred, gold, strict=True)) / n
    br = sum(joint[(c, g)] / gold_sizes[g] for c, g in zip(pred, gold, strict=True)) / n
    return Scores(p, r, _f1(p, r), bp, br, _f1(bp, br), len(pred_sizes))


# -- similarities ---------------------------------------------------------------

Pairs = dict[tuple[int, int], float]


def candidate_pairs(sets: Sequence[frozenset[str]]) -> list[tuple[int, int]]:
    """Every pair sharing at least one term (what LSH would propose, without misses)."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        for t in s:
            postings[t].append(i)
    out = set()
    for i, s in enumerate(sets):
        for t in s:
            for j in postings[t]:
                if j > i:
                    out.add((i, j))
    return sorted(out)


def similarities(
    sets: Sequence[frozenset[str]],
    dates: Sequence[datetime],
    weight: story.Weight | None = None,
) -> Pairs:
    sims = {}
    for i, j in candidate_pairs(sets):
        if story.within_window(dates[i], dates[j]):
            s = story.story_similarity(sets[i], sets[j], weight)
            if s > 0:
                sims[(i, j)] = s
    return sims


# -- clusterings ------------------------------------------------------------------


def single_link(n: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in edges:
        parent[find(i)] = find(j)
    return [find(i) for i in range(n)]


def average_link(n: int, sims: Pairs, threshold: float) -> list[int]:
    """Agglomerative UPGMA over a sparse similarity graph (absent pairs are 0)."""
    links: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), s in sims.items():
        links[i][j] = s
        links[j][i] = s
    size = dict.fromkeys(range(n), 1)
    members = {i: [i] for i in range(n)}
    heap = [(-s, i, j) for (i, j), s in sims.items() if s >= threshold]
    heapq.heapify(heap)
    while heap:
        neg, i, j = heapq.heappop(heap)
        if i not in size or j not in size:
            continue
        current = links[i].get(j, 0.0) / (size[i] * size[j])
        if abs(current + neg) > 1e-12:
            continue
        if len(links[i]) < len(links[j]):
            i, j = j, i
        for k, v in links.pop(j).items():
            if k == i:
                continue
            links[i][k] = links[i].get(k, 0.0) + v
            del links[k][j]
            links[k][i] = links[i][k]
        links[i].pop(j, None)
        size[i] += size.pop(j)
        members[i].extend(members.pop(j))
        for k, v in links[i].items():
            mean = v / (size[i] * size[k])
            if mean >= threshold:
                heapq.heappush(heap, (-mean, min(i, k), max(i, k)))
    label = [0] * n
    for c, ms in members.items():
        for m in ms:
            label[m] = c
    return label


def online(n: int, sims: Pairs, order: Sequence[int], threshold: float) -> list[int]:
    """Time order, join the best story by average link, never merge stories."""
    neighbours: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), s in sims.items():
        neighbours[i][j] = s
        neighbours[j][i] = s
    label = [-1] * n
    size: Counter[int] = Counter()
    for i in order:
        per_story: dict[int, list[float]] = defaultdict(list)
        for j, s in neighbours[i].items():
            if label[j] >= 0:
                per_story[label[j]].append(s)
        best: tuple[float, int] | None = None
        for sid, values in per_story.items():
            if story.joins_story(values, size[sid], threshold):
                link = story.story_link(values, size[sid])
                if best is None or link > best[0]:
                    best = (link, sid)
        label[i] = best[1] if best else i
        size[label[i]] += 1
    return label


def through_pipeline(items: Sequence[Headline], window: timedelta = story.WINDOW) -> list[str]:
    """Each headline, in time order, through the pipeline's own dedup and story code.

    A real SQLite store, the story MinHash keys and their per-key cap, the
    window and the thresholds exactly as a run uses them: what a user gets.
    """
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "j.db") as store:
        order = sorted(range(len(items)), key=lambda i: (items[i].date, i))
        guid = {}
        deduper = pipeline._Deduper(store, max(h.date for h in items), story_window=window)
        deduper.prepare()
        with store.transaction():
            for i in order:
                h = items[i]
                guid[i] = f"uci:{h.id}:{i}"
                deduper.file(
                    Article(
                        source="uci",
                        guid=guid[i],
                        title=h.title,
                        url=None,
                        published=h.date,
                        text="",
                    ),
                    0,
                )
        stories = store.cluster_stories()
        cluster = {s.article.guid: s.cluster for s in store.articles()}
        return [stories[cluster[guid[i]]] for i in range(len(items))]


# -- the run ------------------------------------------------------------------------


@dataclass
class Subset:
    name: str
    items: list[Headline]

    @property
    def gold(self) -> list[str]:
        return [h.story for h in self.items]


Method = Callable[[Subset, float], list[int]]


def make_methods() -> dict[str, tuple[Method, list[float]]]:
    cache: dict[tuple[str, str], object] = {}

    def cached(key: tuple[str, str], build: Callable[[], object]) -> object:
        if key not in cache:
            cache[key] = build()
        return cache[key]

    def raw_sets(sub: Subset) -> list[frozenset[str]]:
        return cached(
            ("raw", sub.name),
            lambda: [frozenset(_RAW_WORD.findall(h.title.casefold())) for h in sub.items],
        )  # type: ignore[return-value]

    def terms(sub: Subset) -> list[frozenset[str]]:
        return cached(("terms", sub.name), lambda: [story.story_terms(h.title) for h in sub.items])  # type: ignore[return-value]

    def dates(sub: Subset) -> list[datetime]:
        return [h.date for h in sub.items]

    def plain_sims(sub: Subset) -> Pairs:
        return cached(("sims", sub.name), lambda: similarities(terms(sub), dates(sub)))  # type: ignore[return-value]

    def idf_sims(sub: Subset) -> Pairs:
        def build() -> Pairs:
            sets = terms(sub)
            return similarities(sets, dates(sub), story.TermWeights(sets))

        return cached(("idf", sub.name), build)  # type: ignore[return-value]

    def baseline(sub: Subset, t: float) -> list[int]:
        sets = raw_sets(sub)
        sims = cached(
            ("rawsims", sub.name),
            lambda: {
                (i, j): story.story_similarity(sets[i], sets[j]) for i, j in candidate_pairs(sets)
            },
        )
        return single_link(len(sets), [p for p, s in sims.items() if s >= t])  # type: ignore[attr-defined]

    def single(sub: Subset, t: float) -> list[int]:
        sets, ds = terms(sub), dates(sub)
        edges = [
            (i, j)
            for (i, j) in plain_sims(sub)
            if story.same_story(sets[i], sets[j], a_time=ds[i], b_time=ds[j], threshold=t)
        ]
        return single_link(len(sets), edges)

    def average(sub: Subset, t: float) -> list[int]:
        return average_link(len(sub.items), plain_sims(sub), t)

    def average_idf(sub: Subset, t: float) -> list[int]:
        return average_link(len(sub.items), idf_sims(sub), t)

    def online_avg(sub: Subset, t: float) -> list[int]:
        order = sorted(range(len(sub.items)), key=lambda i: sub.items[i].date)
        return online(len(sub.items), plain_sims(sub), order, t)

    fine = [round(0.02 + 0.01 * k, 2) for k in range(19)]
    coarse = [round(0.15 + 0.025 * k, 3) for k in range(15)]
    return {
        "baseline": (baseline, coarse),
        "single": (single, coarse),
        "average": (average, fine),
        "average-idf": (average_idf, fine),
        "online": (online_avg, fine),
    }


def choose(results: dict[float, Scores]) -> tuple[float, float]:
    """Best-F1 threshold, and the threshold with best recall at precision >= target."""
    best_f1 = max(results, key=lambda t: (results[t].f1, -t))
    ok = [t for t, s in results.items() if s.p >= PRECISION_TARGET]
    at_p = max(ok, key=lambda t: (results[t].r, -t)) if ok else best_f1
    return best_f1, at_p


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--sweep", action="store_true", help="print every dev threshold")
    parser.add_argument(
        "--pipeline-only", action="store_true", help="only the run through the pipeline"
    )
    parser.add_argument(
        "--windows",
        help="story windows in hours to run the pipeline with, comma-separated (then stop)",
    )
    args = parser.parse_args(argv)
    if not args.csv.exists():
        print(f"missing {args.csv}", file=sys.stderr)
        return 1
    items = load(args.csv)
    subsets = {
        "dev": Subset("dev", [h for h in items if is_dev(h.story)]),
        "held-out": Subset("held-out", [h for h in items if not is_dev(h.story)]),
        "whole": Subset("whole", items),
    }
    for sub in subsets.values():
        print(f"{sub.name}: {len(sub.items)} headlines, {len(set(sub.gold))} stories")
    print(f"targets: pairwise P >= {PRECISION_TARGET}, R >= {RECALL_TARGET}\n")

    if args.windows:
        for hours in (float(h) for h in args.windows.split(",")):
            row = []
            for sub in subsets.values():
                s = score(through_pipeline(sub.items, timedelta(hours=hours)), sub.gold)
                row.append(f"{sub.name} P {s.p:.3f} R {s.r:.3f}")
            print(f"window {hours:g} h: " + " | ".join(row), flush=True)
        return 0
    started = time.perf_counter()
    print("pipeline (jjfeed's store, story LSH and thresholds as a run uses them)")
    for sub in subsets.values():
        s = score(through_pipeline(sub.items), sub.gold)
        met = "*" if s.p >= PRECISION_TARGET and s.r >= RECALL_TARGET else " "
        print(f"  {sub.name:9}{met} {s.row()}")
    print(f"  ({time.perf_counter() - started:.1f} s)\n")
    if args.pipeline_only:
        return 0

    for name, (method, thresholds) in make_methods().items():
        started = time.perf_counter()
        dev = subsets["dev"]
        sweep = {t: score(method(dev, t), dev.gold) for t in thresholds}
        if args.sweep:
            for t, s in sweep.items():
                print(f"  {name} dev t={t:<6} {s.row()}")
        best_f1, at_p = choose(sweep)
        for label, t in (("best F1", best_f1), (f"P>={PRECISION_TARGET}", at_p)):
            if label != "best F1" and t == best_f1:
                continue
            print(f"{name:12} t={t:<6} ({label} on dev)")
            for sub in subsets.values():
                s = sweep[t] if sub.name == "dev" else score(method(sub, t), sub.gold)
                met = "*" if s.p >= PRECISION_TARGET and s.r >= RECALL_TARGET else " "
                print(f"  {sub.name:9}{met} {s.row()}")
        whole = subsets["whole"]
        in_sample = {t: score(method(whole, t), whole.gold) for t in thresholds}
        for label, t in zip(
            ("best F1", f"best R at P>={PRECISION_TARGET}"), choose(in_sample), strict=True
        ):
            s = in_sample[t]
            met = "*" if s.p >= PRECISION_TARGET and s.r >= RECALL_TARGET else " "
            print(f"  whole    {met} {s.row()}  <- t={t}, {label} swept on whole (in-sample)")
        print(f"  ({time.perf_counter() - started:.1f} s)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
