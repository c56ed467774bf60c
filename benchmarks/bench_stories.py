"""Story grouping on labelled news: jjfeed.story and the pipeline against naive title Jaccard.

Two data sets, both read from ``../shared/data/stories-dev/``:

- ``uci``: ``uci-headlines-dev.csv`` (UCI News Aggregator headlines; 3,632
  headlines in 44 story clusters; titles only). Each headline is dated by its
  TIMESTAMP and its source is its PUBLISHER. Split in halves by a hash of
  the STORY id.
- ``ecbplus``: ``ecbplus-events.jsonl`` (ECB+; 982 full-text articles in 86
  events of 43 topics, two similar events per topic: two rehab stays of two
  actresses, two heavyweight title defences of one boxer). No dates, so
  every article is inside every other's window. Ingested as 20 feeds
  (articles dealt to feeds by a hash of their id, filed feed after feed).
  Split in halves by a hash of the TOPIC, so both events of a topic fall in
  the same half.

Thresholds are swept on the dev half only; the value chosen there is
reported on the held-out half and on the whole set. What is swept:

- on ``uci`` (titles: title Jaccard) the average-link ``threshold`` and the
  ``evidence`` floor of :func:`jjfeed.story.choose_story`;
- on ``ecbplus`` (bodies: the text cosine) the ``floor`` and ``scale`` of
  :func:`jjfeed.story.story_similarity`, with the decision thresholds
  shipped (those the UCI dev half chose).

Methods:

- ``pipeline``: every article, in filing order, through jjfeed's own
  ``_Deduper`` on a real SQLite store: the story MinHash keys and their
  per-key cap, the window, the shipped thresholds. What a user gets.
- ``baseline``: single-link over raw title word Jaccard (lower-cased
  ``\\w+`` words, nothing removed), threshold swept on dev.
- ``online``: the pipeline's rule with exhaustive candidates (every earlier
  article sharing a word): each article joins the story :func:`choose_story`
  picks, else founds one; stories never merge.
- ``online-idf``: the same with :class:`TermWeights` over the articles filed
  so far (the window's document frequencies, as the pipeline would keep them).
- ``online-source``: the same with :func:`member_similarity` (two posts of
  one source count only on strong evidence).
- ``exhaustive`` (``--exhaustive``): the pipeline's decision with every
  earlier article a candidate: :func:`window_similarity` (the weighted
  cosine of count vectors, squared window IDF counted as articles arrive,
  the plain rule below :data:`jjfeed.story.MIN_WINDOW_DOCS`), two posts of
  one source on strong evidence only, :func:`link_threshold`. The ceiling
  of what the pipeline's candidate finding can reach; ``--sweep`` adds the
  weighted floor, scale and link swept on dev.

Metrics: pairwise precision / recall / F1 and B-cubed P / R / F1.

Run: ``python benchmarks/bench_stories.py [--data uci|ecbplus|both] [--sweep]
[--pipeline-only] [--exhaustive]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jjfeed import dedup, pipeline, story
from jjfeed.config import Config
from jjfeed.model import Article
from jjfeed.store import Store

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "stories-dev"
DEFAULT_CSV = DATA / "uci-headlines-dev.csv"
DEFAULT_ECB = DATA / "ecbplus-events.jsonl"
PRECISION_TARGET = 0.95
RECALL_TARGET = 0.70
ECB_FEEDS = 20
NOW = datetime(2024, 1, 1, tzinfo=UTC)
_RAW_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Item:
    """One labelled article: its gold story, and the group it is split by."""

    title: str
    story: str
    group: str
    date: datetime | None
    text: str = ""
    source: str = ""
    id: str = ""


def _hash(value: str) -> bytes:
    return hashlib.sha1(value.encode()).digest()


def is_dev(group: str) -> bool:
    return _hash(group)[0] % 2 == 0


def load_uci(path: Path) -> list[Item]:
    """UCI headlines in time order; the group is the story."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    items = [
        Item(
            title=r["TITLE"],
            story=r["STORY"],
            group=r["STORY"],
            date=datetime.fromtimestamp(int(r["TIMESTAMP"]) / 1000, tz=UTC),
            source=r["PUBLISHER"],
            id=r["ID"],
        )
        for r in rows
    ]
    return sorted(items, key=lambda h: (h.date, h.id))


def load_ecbplus(path: Path) -> list[Item]:
    """ECB+ as 20 feeds filed one after another; the group is the topic."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    dealt = sorted(range(len(rows)), key=lambda i: _hash(rows[i]["id"]))
    feed = {i: k % ECB_FEEDS for k, i in enumerate(dealt)}
    order = sorted(dealt, key=lambda i: (feed[i], _hash(rows[i]["id"])))
    return [
        Item(
            title=rows[i]["title"],
            story=rows[i]["event"],
            group=str(rows[i]["topic"]),
            date=None,
            text=rows[i]["text"],
            source=f"feed{feed[i]:02d}",
            id=rows[i]["id"],
        )
        for i in order
    ]


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

    @property
    def met(self) -> bool:
        return self.p >= PRECISION_TARGET and self.r >= RECALL_TARGET

    def row(self) -> str:
        return (
            f"P {self.p:.3f} R {self.r:.3f} F1 {self.f1:.3f} | "
            f"B3 P {self.bp:.3f} R {self.br:.3f} F1 {self.bf1:.3f} | {self.clusters} clusters"
        )


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(pred: Sequence[object], gold: Sequence[str]) -> Scores:
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


def false_pairs_within_groups(
    pred: Sequence[object], gold: Sequence[str], groups: Sequence[str]
) -> tuple[int, int]:
    """Pairs put in one story that are not one, and how many of them share a group.

    On ECB+ a group is a topic of two similar events: the second number is
    the false pairs that join a topic's two events.
    """

    def pairs(c: Counter) -> int:
        return sum(v * (v - 1) // 2 for v in c.values())

    false = pairs(Counter(pred)) - pairs(Counter(zip(pred, gold, strict=True)))
    in_group = pairs(Counter(zip(pred, groups, strict=True))) - pairs(
        Counter(zip(pred, groups, gold, strict=True))
    )
    return false, in_group


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


def baseline(items: Sequence[Item], threshold: float) -> list[int]:
    """Single link over raw title word Jaccard: the naive method."""
    sets = [frozenset(_RAW_WORD.findall(h.title.casefold())) for h in items]
    postings: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        for t in s:
            postings[t].append(i)
    pairs = {(i, j) for i, s in enumerate(sets) for t in s for j in postings[t] if j > i}
    edges = [
        (i, j)
        for i, j in sorted(pairs)
        if within(items[i], items[j])
        and len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= threshold
    ]
    return single_link(len(sets), edges)


def within(a: Item, b: Item, window: timedelta = story.WINDOW) -> bool:
    return story.within_window(a.date, b.date, window)


@dataclass
class Online:
    """The pipeline's rule with exhaustive candidates, in filing order."""

    threshold: float = story.STORY_LINK
    evidence: float = story.STORY_EVIDENCE
    floor: float = story.TEXT_FLOOR
    scale: float = story.TEXT_SCALE
    idf: bool = False
    same_source: bool = False
    window: timedelta = story.WINDOW
    # The pipeline's weighted rule (story.window_similarity) and its parameters.
    weighted: bool = False
    text_link: float = story.TEXT_STORY_LINK
    wfloor: float = story.WEIGHTED_FLOOR
    wscale: float = story.WEIGHTED_SCALE

    def __call__(self, items: Sequence[Item], sets: Sequence[frozenset[str]]) -> list[int]:
        words = [story.term_words(s) for s in sets]
        postings: dict[str, list[int]] = defaultdict(list)
        weights = story.TermWeights() if self.idf else None
        if self.weighted:
            weights = story.TermWeights(power=story.IDF_POWER)
        label = list(range(len(items)))
        members: dict[int, list[int]] = defaultdict(list)
        for i, terms in enumerate(sets):
            if weights is not None:
                weights.add(terms)
            if len(terms) >= story.MIN_TERMS:
                label[i] = self._decide(i, items, sets, words, postings, label, members, weights)
                for w in words[i]:
                    postings[w].append(i)
            members[label[i]].append(i)
        return label

    def _decide(
        self,
        i: int,
        items: Sequence[Item],
        sets: Sequence[frozenset[str]],
        words: Sequence[set[str]],
        postings: dict[str, list[int]],
        label: list[int],
        members: dict[int, list[int]],
        weights: story.TermWeights | None,
    ) -> int:
        candidates = {j for w in words[i] for j in postings[w]}
        sims: dict[str, list[float]] = defaultdict(list)
        for j in candidates:
            if not within(items[i], items[j], self.window):
                continue
            one_source = items[i].source == items[j].source
            sim = self._similarity(sets[i], sets[j], weights, one_source)
            if self.same_source:
                series = one_source and story.numbered_apart(items[i].title, items[j].title)
                sim = story.member_similarity(sim, one_source, series)
            if sim > 0:
                sims[str(label[j])].append(sim)
        sizes = {
            sid: sum(within(items[i], items[m], self.window) for m in members[int(sid)])
            for sid in sims
        }
        chosen = story.choose_story(sims, sizes, self._link(sets[i], weights), self.evidence)
        return i if chosen is None else int(chosen)

    def _similarity(
        self,
        a: frozenset[str],
        b: frozenset[str],
        weights: story.TermWeights | None,
        one_source: bool,
    ) -> float:
        if self.weighted and one_source:  # as story.StoryWindow.score: the plain rule
            return story.source_similarity(a, b, weights)
        if self.weighted:
            return story.window_similarity(a, b, weights, floor=self.wfloor, scale=self.wscale)
        return story.story_similarity(a, b, weights, floor=self.floor, scale=self.scale)

    def _link(self, terms: frozenset[str], weights: story.TermWeights | None) -> float:
        docs = weights.docs if self.weighted and weights is not None else 0
        if story.link_threshold(terms, docs) != story.STORY_LINK:
            return self.text_link
        return self.threshold


@contextmanager
def salted_keys(salt: str) -> Iterator[None]:
    """Story keys from salted terms: another draw of the MinHash, same terms and rule.

    The pipeline never merges stories, so one candidate LSH missed early
    can split a big story for good: its figures move with the draw
    (pairwise recall by up to 0.2 on the UCI halves). Each draw is a
    different salt; the empty salt is what a run uses.
    """
    if not salt:
        yield
        return
    plain = dedup.story_keys
    dedup.story_keys = lambda terms: plain(salt + t for t in terms)
    try:
        yield
    finally:
        dedup.story_keys = plain


def through_pipeline(
    items: Sequence[Item],
    window: timedelta = story.WINDOW,
    salt: str = "",
    vectors: bool = Config().story_vectors,
) -> list[str]:
    """Each article, in filing order, through the pipeline's own dedup and story code.

    A real SQLite store, the story MinHash keys and their per-key cap, the
    window and the thresholds exactly as a run uses them: what a user gets.
    Undated articles are first seen at one moment, so all share a window.
    ``vectors``: with the story window's count vectors (``dedup.story_vectors``).
    """
    dates = [h.date for h in items if h.date is not None]
    now = max(dates) if dates else NOW
    with (
        salted_keys(salt),
        tempfile.TemporaryDirectory() as tmp,
        Store(Path(tmp) / "j.db") as store,
    ):
        order = sorted(range(len(items)), key=lambda i: (items[i].date or now, i))
        guid = {}
        deduper = pipeline._Deduper(store, now, story_window=window, story_vectors=vectors)
        deduper.prepare()
        with store.transaction():
            for i in order:
                h = items[i]
                guid[i] = f"bench:{h.id}:{i}"
                article = Article(
                    source=h.source or "bench",
                    guid=guid[i],
                    title=h.title,
                    url=None,
                    published=h.date,
                    text=h.text,
                )
                deduper.file(article, 0)
        stories = store.cluster_stories()
        cluster = {s.article.guid: s.cluster for s in store.articles()}
        return [stories[cluster[guid[i]]] for i in range(len(items))]


# -- the run ------------------------------------------------------------------------


@dataclass
class Subset:
    name: str
    items: list[Item]
    _sets: list[frozenset[str]] | None = field(default=None, repr=False)

    @property
    def gold(self) -> list[str]:
        return [h.story for h in self.items]

    _counted: list[frozenset[str]] | None = field(default=None, repr=False)

    @property
    def sets(self) -> list[frozenset[str]]:
        if self._sets is None:
            self._sets = [story.story_terms(h.title, h.text) for h in self.items]
        return self._sets

    @property
    def counted(self) -> list[frozenset[str]]:
        """The term sets with their count vectors (the weighted rule's)."""
        if self._counted is None:
            self._counted = [story.story_terms(h.title, h.text, counts=True) for h in self.items]
        return self._counted


def subsets(items: list[Item]) -> dict[str, Subset]:
    return {
        "dev": Subset("dev", [h for h in items if is_dev(h.group)]),
        "held-out": Subset("held-out", [h for h in items if not is_dev(h.group)]),
        "whole": Subset("whole", items),
    }


Params = dict[str, float]
Method = Callable[[Subset, Params], list[int]]


def _online(**fixed: object) -> Method:
    def run(sub: Subset, params: Params) -> list[int]:
        sets = sub.counted if fixed.get("weighted") else sub.sets
        return Online(**{**fixed, **params})(sub.items, sets)  # type: ignore[arg-type]

    return run


def _grid(data: str) -> list[Params]:
    if data == "uci":
        return [
            {"threshold": t, "evidence": e}
            for t in (0.01, 0.02, 0.03, 0.05)
            for e in (0.1, 0.15, 0.2, 0.25, 0.3)
        ]
    return [
        {"floor": f, "scale": s}
        for f in (0.2, 0.25, 0.3, 0.35, 0.4)
        for s in (1.0, 2.0, 3.0, 4.0, 6.0)
    ]


def choose(results: dict[int, Scores]) -> int:
    """The dev pick, precision first (a wrong "Also covered by" costs more than a missing one).

    The best recall with precision at target; if none gets there, the best
    precision with recall at target; else the best F1.
    """
    ok = [k for k, s in results.items() if s.p >= PRECISION_TARGET]
    if ok:
        return max(ok, key=lambda k: (results[k].r, results[k].p))
    ok = [k for k, s in results.items() if s.r >= RECALL_TARGET]
    if ok:
        return max(ok, key=lambda k: (results[k].p, results[k].r))
    return max(results, key=lambda k: (results[k].f1, results[k].p))


def _spread(draws: Sequence[Scores]) -> str:
    def one(name: str, values: list[float]) -> str:
        return f"{name} {sum(values) / len(values):.3f} [{min(values):.3f}-{max(values):.3f}]"

    return " ".join(
        [one("P", [d.p for d in draws]), one("R", [d.r for d in draws])]
        + [one("F1", [d.f1 for d in draws])]
    )


def _line(label: str, s: Scores) -> str:
    return f"  {label:9}{'*' if s.met else ' '} {s.row()}"


def run_data(data: str, items: list[Item], args: argparse.Namespace) -> None:
    parts = subsets(items)
    for sub in parts.values():
        print(f"{data} {sub.name}: {len(sub.items)} articles, {len(set(sub.gold))} stories")
    print(f"targets: pairwise P >= {PRECISION_TARGET}, R >= {RECALL_TARGET} (* = met)\n")

    started = time.perf_counter()
    vectors = args.story_vectors
    with_vectors = ", story vectors" if vectors else ""
    print(f"{data} pipeline (jjfeed's store, story LSH and shipped thresholds{with_vectors})")
    for sub in parts.values():
        pred = through_pipeline(sub.items, vectors=vectors)
        print(_line(sub.name, score(pred, sub.gold)), flush=True)
    false, in_group = false_pairs_within_groups(pred, sub.gold, [h.group for h in sub.items])
    print(f"  false pairs ({sub.name}): {false}, of which {in_group} join stories of one group")
    if args.draws > 1:
        print(f"  over {args.draws} MinHash draws (salted story keys): mean [min-max]")
        for sub in parts.values():
            draws = [
                score(
                    through_pipeline(sub.items, salt=f"{k}:" if k else "", vectors=vectors),
                    sub.gold,
                )
                for k in range(args.draws)
            ]
            print(f"  {sub.name:9}  " + _spread(draws), flush=True)
    print(f"  ({time.perf_counter() - started:.1f} s)\n")
    if args.exhaustive:
        run_exhaustive(data, parts, args)
    if args.pipeline_only or args.exhaustive:
        return

    started = time.perf_counter()
    dev = parts["dev"]
    base = {i: score(baseline(dev.items, t), dev.gold) for i, t in enumerate(_BASELINE)}
    pick = choose(base)
    print(f"{data} baseline: single-link raw title Jaccard, t={_BASELINE[pick]} (chosen on dev)")
    for sub in parts.values():
        s = (
            base[pick]
            if sub.name == "dev"
            else score(baseline(sub.items, _BASELINE[pick]), sub.gold)
        )
        print(_line(sub.name, s))
    print(f"  ({time.perf_counter() - started:.1f} s)\n")

    methods: dict[str, Method] = {
        "online": _online(),
        "online-idf": _online(idf=True),
        "online-source": _online(same_source=True),
    }
    grid = _grid(data)
    for name, method in methods.items():
        started = time.perf_counter()
        print(f"{name} with the shipped parameters")
        for sub in parts.values():
            print(_line(sub.name, score(method(sub, {}), sub.gold)), flush=True)
        if name == "online" or args.sweep:
            _tune_on_dev(name, method, grid, parts, show=args.sweep)
        print(f"  ({time.perf_counter() - started:.1f} s)\n")


def _tune_on_dev(
    name: str, method: Method, grid: list[Params], parts: dict[str, Subset], *, show: bool
) -> None:
    """Score every parameter set of ``grid`` on the dev half, pick the best, report every part."""
    dev = parts["dev"]
    sweep = {k: score(method(dev, p), dev.gold) for k, p in enumerate(grid)}
    if show:
        for k, s in sweep.items():
            print(f"    dev {grid[k]} {s.row()}", flush=True)
    pick = choose(sweep)
    print(f"{name} with {grid[pick]} (chosen on dev)")
    for sub in parts.values():
        s = sweep[pick] if sub.name == "dev" else score(method(sub, grid[pick]), sub.gold)
        print(_line(sub.name, s), flush=True)


def run_exhaustive(data: str, parts: dict[str, Subset], args: argparse.Namespace) -> None:
    """The pipeline's weighted decision with every earlier article a candidate (the ceiling)."""
    started = time.perf_counter()
    method = _online(weighted=True, same_source=True)
    print(f"{data} exhaustive (every earlier article a candidate; the shipped rule)")
    for sub in parts.values():
        print(_line(sub.name, score(method(sub, {}), sub.gold)), flush=True)
    if args.sweep:
        grid: list[Params] = [
            {"wfloor": f, "wscale": 4.0, "text_link": t}
            for f in (0.1, 0.15, 0.2)
            for t in (0.1, 0.2, 0.3)
        ]
        _tune_on_dev("exhaustive", method, grid, parts, show=True)
    print(f"  ({time.perf_counter() - started:.1f} s)\n")


_BASELINE = [round(0.15 + 0.025 * k, 3) for k in range(15)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", choices=("uci", "ecbplus", "both"), default="both")
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--ecbplus", type=Path, default=DEFAULT_ECB)
    parser.add_argument("--sweep", action="store_true", help="print every dev setting, sweep all")
    parser.add_argument(
        "--pipeline-only", action="store_true", help="only the run through the pipeline"
    )
    parser.add_argument(
        "--exhaustive",
        action="store_true",
        help="also the shipped weighted rule with every earlier article a candidate (the ceiling)",
    )
    parser.add_argument(
        "--story-vectors",
        action=argparse.BooleanOptionalAction,
        default=Config().story_vectors,
        help="run the pipeline with the story window's count vectors (dedup.story_vectors;"
        " the default's)",
    )
    parser.add_argument(
        "--draws", type=int, default=5, help="MinHash draws to run the pipeline with (default 5)"
    )
    parser.add_argument(
        "--windows",
        help="story windows in hours to run the pipeline with on uci, comma-separated (then stop)",
    )
    parser.add_argument(
        "--shared-keys",
        metavar="TITLE,TEXT",
        help="story keys a candidate must share with a headline and with a body vector "
        f"(default {story.MIN_SHARED_KEYS},{story.MIN_SHARED_KEYS_TEXT})",
    )
    args = parser.parse_args(argv)
    if args.shared_keys:
        title_keys, text_keys = (int(n) for n in args.shared_keys.split(","))
        story.decision.MIN_SHARED_KEYS = title_keys
        story.decision.MIN_SHARED_KEYS_TEXT = text_keys
    wanted = ("uci", "ecbplus") if args.data == "both" else (args.data,)
    paths = {"uci": args.csv, "ecbplus": args.ecbplus}
    for data in wanted:
        if not paths[data].exists():
            print(f"missing {paths[data]}", file=sys.stderr)
            return 1
    if args.windows:
        parts = subsets(load_uci(args.csv))
        for hours in (float(h) for h in args.windows.split(",")):
            row = []
            for sub in parts.values():
                pred = through_pipeline(
                    sub.items, timedelta(hours=hours), vectors=args.story_vectors
                )
                s = score(pred, sub.gold)
                row.append(f"{sub.name} P {s.p:.3f} R {s.r:.3f}")
            print(f"window {hours:g} h: " + " | ".join(row), flush=True)
        return 0
    for data in wanted:
        items = load_uci(args.csv) if data == "uci" else load_ecbplus(args.ecbplus)
        run_data(data, items, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
