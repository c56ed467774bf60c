"""ECB+ twin events: how far a learned pair score goes where one cosine stops.

A study, not a benchmark of shipped code. ECB+ (``../shared/data/stories-dev/
ecbplus-events.jsonl``) has two similar events per topic and no dates; the
pipeline's story rule (one body cosine, average link) stays under precision
0.95 there (``bench_stories.py``). This script asks whether a few more
similarities, weighed by a logistic model fitted on the dev topics, tell
the twins apart, and what the clustering makes of it on the held-out topics.

Each half is clustered alone, as the pipeline's rule would (average link,
every earlier article a candidate, articles in ``bench_stories``'s filing
order, no windows since there are no dates): an article joins the story
with the best mean score over its members when that mean reaches the
threshold, else founds a story. The halves are ``bench_stories``'s (a hash
of the topic). Scores:

- ``shipped``: :func:`jjfeed.story.story_similarity` on the shipped terms
  (``story_terms``), what the pipeline uses by default;
- ``tfidf``: cosine of ``1 + ln(count)`` times IDF over every content word
  (title counted three times), IDF over the half's own articles;
- ``model``: a logistic regression on the dev half's pairs over six
  features: that cosine, the title cosine, the lead's (first 40 words and
  title) cosine, the IDF cosine of capitalised words, how many of each
  article's three most distinctive capitalised words the other has, and the
  Jaccard of the numbers both texts hold. ``--drop N`` leaves feature N
  out (0-5, in that order).
- ``terms``: the same kind of model on what the pipeline stores of an
  article (``story_terms(..., counts=True)``): the IDF cosine of the count
  vectors, the Jaccard of the ``t:`` title terms, the IDF cosine of the
  body vector (the names and numbers, by level), and the Jaccard of the
  numbers in the count vectors. Whether the model needs new features
  stored, or only a new score over the stored ones.

Pairwise precision / recall per half, thresholds swept; pick on dev.

``--variants``: where the pipeline loses against this clustering, on the
shipped code: ECB+ through ``bench_stories.through_pipeline`` as dealt
(20 feeds), with the 61 articles that have no text left out (their
"title" is the first sentence; they are compared by title words with
the headline rule), and with every article its own source (the dealt
feeds put two outlets' reports in one "source", under the same-source bar).

The shipped rule does not use this model; ``git checkout story-model``
holds a pipeline with it (names terms stored, the fit shipped, ``--pipeline``
sweeps it through the pipeline) and ``docs/benchmarks.md`` ("Stories: a
learned score for twin events") says why it is not merged.

``--false-pairs``: the pipeline's false pairs on each half, counted by how
many of the two articles have text, with the story window and without.

Run: ``python benchmarks/story_pair_study.py [--drop N] [--variants] [--false-pairs]``
(about a minute each).
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_stories  # noqa: E402  (its data, halves and filing order)

from jjfeed import story  # noqa: E402

_WORD = re.compile(r"[A-Za-z][\w'’-]+|\d[\d,.]*")
_CAPITAL = re.compile(r"\b[A-Z][a-z][\w'-]+")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_STOP = frozenset(
    "the a an in on at of for and but or if it its he she they we i you his her their this "
    "that these those when where what who why how as by from to with after before is was were "
    "be been has have had said says will would not no than more also s".split()
)
LEAD = 40
MIN_COSINE = 0.1
"""Pairs under this tf-idf cosine score 0 and are not trained on (most cross-topic pairs)."""

Vector = dict[str, float]


def _words(text: str) -> Counter[str]:
    return Counter(w.lower() for w in _WORD.findall(text) if w.lower() not in _STOP)


def _weigh(counts: Counter[str], idf: dict[str, float]) -> Vector:
    v = {w: (1 + math.log(c)) * idf.get(w, 0.0) for w, c in counts.items()}
    norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {w: x / norm for w, x in v.items() if x}


def _cos(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


def _idf(bags: Sequence[Counter[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = len(bags)
    return {w: math.log(n / c) for w, c in df.items()}


class Features:
    """The six pair features of one half's articles, worked out once."""

    def __init__(self, items: Sequence[bench_stories.Item]) -> None:
        titles = [_words(i.title) for i in items]
        bodies = [_words(i.text) for i in items]
        leads = [
            _words(" ".join(i.text.split()[:LEAD])) + t for i, t in zip(items, titles, strict=True)
        ]
        whole = [t + t + t + b for t, b in zip(titles, bodies, strict=True)]
        idf = _idf(whole)
        self.all = [_weigh(c, idf) for c in whole]
        self.title = [_weigh(c, idf) for c in titles]
        self.lead = [_weigh(c, idf) for c in leads]
        caps = [Counter(_CAPITAL.findall(i.title + " " + i.text)) for i in items]
        cap_idf = _idf(caps)
        self.caps = [_weigh(c, cap_idf) for c in caps]
        self.top = [set(sorted(v, key=lambda w, v=v: -v[w])[:3]) for v in self.caps]
        self.numbers = [set(_NUMBER.findall(i.title + " " + i.text)) for i in items]

    def __call__(self, i: int, j: int) -> list[float]:
        nums = self.numbers[i] | self.numbers[j]
        return [
            _cos(self.all[i], self.all[j]),
            _cos(self.title[i], self.title[j]),
            _cos(self.lead[i], self.lead[j]),
            _cos(self.caps[i], self.caps[j]),
            (len(self.top[i] & self.caps[j].keys()) + len(self.top[j] & self.caps[i].keys())) / 3,
            len(self.numbers[i] & self.numbers[j]) / len(nums) if nums else 0.0,
        ]


def fit(x: np.ndarray, y: np.ndarray, steps: int = 3000, rate: float = 0.5) -> np.ndarray:
    """Logistic regression by plain gradient descent (the last column is the bias)."""
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= rate * x.T @ (p - y) / len(y)
    return w


def cluster(n: int, score: Callable[[int, int], float], threshold: float) -> list[list[int]]:
    """Average link in filing order: the best story whose mean score reaches ``threshold``."""
    stories: list[list[int]] = []
    for i in range(n):
        best: tuple[float, int] | None = None
        for sid, members in enumerate(stories):
            link = sum(score(m, i) for m in members) / len(members)
            if link >= threshold and (best is None or link > best[0]):
                best = (link, sid)
        if best is None:
            stories.append([i])
        else:
            stories[best[1]].append(i)
    return stories


def pairwise(items: Sequence[bench_stories.Item], stories: list[list[int]]) -> tuple[float, float]:
    sizes = Counter(i.story for i in items)
    gold = sum(k * (k - 1) // 2 for k in sizes.values())
    tp = fp = 0
    for members in stories:
        for a, b in itertools.combinations(members, 2):
            if items[a].story == items[b].story:
                tp += 1
            else:
                fp += 1
    return tp / max(1, tp + fp), tp / max(1, gold)


def _idf_cosine(a: dict[str, float], b: dict[str, float], idf: dict[str, float]) -> float:
    dot = sum(x * b[w] * idf[w] ** 2 for w, x in a.items() if w in b)
    if not dot:
        return 0.0
    na = math.sqrt(sum((x * idf[w]) ** 2 for w, x in a.items()))
    nb = math.sqrt(sum((x * idf[w]) ** 2 for w, x in b.items()))
    return dot / (na * nb)


class StoredFeatures:
    """Four pair features read from the pipeline's stored story terms."""

    def __init__(self, terms: Sequence[frozenset[str]]) -> None:
        self.counts = [story.count_vector(t) for t in terms]
        self.levels = [{w: float(n) for w, n in _levels(t).items()} for t in terms]
        self.titles = [frozenset(x for x in t if x.startswith(story.TITLE_PREFIX)) for t in terms]
        self.numbers = [{w for w in c if w[:1].isdigit()} for c in self.counts]
        self.count_idf = _idf([Counter(c) for c in self.counts])
        self.level_idf = _idf([Counter(v) for v in self.levels])

    def __call__(self, i: int, j: int) -> list[float]:
        nums = self.numbers[i] | self.numbers[j]
        titles = self.titles[i] | self.titles[j]
        return [
            _idf_cosine(self.counts[i], self.counts[j], self.count_idf),
            len(self.titles[i] & self.titles[j]) / len(titles) if titles else 0.0,
            _idf_cosine(self.levels[i], self.levels[j], self.level_idf),
            len(self.numbers[i] & self.numbers[j]) / len(nums) if nums else 0.0,
        ]


def _levels(terms: frozenset[str]) -> dict[str, int]:
    levels: dict[str, int] = {}
    for t in terms:
        if story.COUNT_MARK in t or t.startswith(story.TITLE_PREFIX):
            continue
        word, mark, n = t.partition(story.LEVEL_MARK)
        levels[word] = max(levels.get(word, 0), int(n) if mark and n.isdigit() else 1)
    return levels


class Half:
    """One half's articles, its features and a cache of pair scores."""

    def __init__(self, items: list[bench_stories.Item]) -> None:
        self.items = items
        self.features = Features(items)
        self.terms = [story.story_terms(i.title, i.text) for i in items]
        self.stored = StoredFeatures(
            [story.story_terms(i.title, i.text, counts=True) for i in items]
        )
        self._f: dict[tuple[int, int], list[float]] = {}
        self._s: dict[tuple[int, int], list[float]] = {}

    def f(self, i: int, j: int) -> list[float]:
        key = (min(i, j), max(i, j))
        if key not in self._f:
            self._f[key] = self.features(*key)
        return self._f[key]

    def s(self, i: int, j: int) -> list[float]:
        key = (min(i, j), max(i, j))
        if key not in self._s:
            self._s[key] = self.stored(*key)
        return self._s[key]

    def training(
        self, features: Callable[[int, int], list[float]], keep: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        x, y = [], []
        for i, j in itertools.combinations(range(len(self.items)), 2):
            f = features(i, j)
            if f[0] < MIN_COSINE:
                continue
            x.append([f[k] for k in keep] + [1.0])
            y.append(self.items[i].story == self.items[j].story)
        return np.array(x), np.array(y, dtype=float)

    def scorers(
        self, w: np.ndarray, keep: list[int], ws: np.ndarray
    ) -> dict[str, Callable[[int, int], float]]:
        def logistic(f: list[float], keep: Sequence[int], w: np.ndarray) -> float:
            if f[0] < MIN_COSINE:
                return 0.0
            return float(1 / (1 + math.exp(-(np.dot([f[k] for k in keep], w[:-1]) + w[-1]))))

        def model(i: int, j: int) -> float:
            return logistic(self.f(i, j), keep, w)

        def terms(i: int, j: int) -> float:
            return logistic(self.s(i, j), range(4), ws)

        return {
            "shipped": lambda i, j: story.story_similarity(self.terms[i], self.terms[j]),
            "tfidf": lambda i, j: self.f(i, j)[0],
            "model": model,
            "terms": terms,
        }


THRESHOLDS = {
    "shipped": (0.1, 0.15, 0.2, 0.3),
    "tfidf": (0.15, 0.2, 0.25, 0.3),
    "model": (0.4, 0.45, 0.5, 0.55, 0.6, 0.7),
    "terms": (0.4, 0.45, 0.5, 0.55, 0.6, 0.7),
}


def variants(items: Sequence[bench_stories.Item]) -> None:
    """The shipped pipeline on ECB+ as dealt, without its text-less articles, and with
    every article its own source; each half on its own."""
    cases = {
        "as dealt": list(items),
        "with text only": [i for i in items if i.text.strip()],
        "own sources": [replace(i, source=f"own{k}") for k, i in enumerate(items)],
    }
    print(f"{'through the pipeline':22} {'articles':>8}  {'dev P/R':>11}  {'held-out P/R':>12}")
    for name, case in cases.items():
        row = []
        for dev in (True, False):
            half = [i for i in case if bench_stories.is_dev(i.group) == dev]
            s = bench_stories.score(bench_stories.through_pipeline(half), [i.story for i in half])
            row.append(f"{s.p:.3f}/{s.r:.3f}")
        print(f"{name:22} {len(case):8}  {row[0]}  {row[1]}", flush=True)


def false_pairs(items: Sequence[bench_stories.Item]) -> None:
    """The pipeline's false pairs per half, by how many of the two articles have text,
    with the story window and with the plain rule."""
    print(
        f"{'through the pipeline':22} {'half':9} {'P/R':>11}  false pairs: both texts / one / none"
    )
    for vectors in (True, False):
        for dev in (True, False):
            half = [i for i in items if bench_stories.is_dev(i.group) == dev]
            pred = bench_stories.through_pipeline(half, vectors=vectors)
            s = bench_stories.score(pred, [i.story for i in half])
            kinds: Counter[int] = Counter()
            for a, b in itertools.combinations(range(len(half)), 2):
                if pred[a] == pred[b] and half[a].story != half[b].story:
                    kinds[bool(half[a].text.strip()) + bool(half[b].text.strip())] += 1
            setting = "story window" if vectors else "plain rule"
            label = "dev" if dev else "held-out"
            print(
                f"{setting:22} {label:9} {s.p:.3f}/{s.r:.3f}  {kinds[2]} / {kinds[1]} / {kinds[0]}",
                flush=True,
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=bench_stories.DEFAULT_ECB)
    parser.add_argument("--drop", type=int, action="append", default=[], help="leave feature N out")
    parser.add_argument("--variants", action="store_true", help="the pipeline on data variants")
    parser.add_argument(
        "--false-pairs",
        action="store_true",
        help="the pipeline's false pairs, with and without text",
    )
    args = parser.parse_args(argv)
    items = bench_stories.load_ecbplus(args.data)
    if args.variants:
        variants(items)
        return 0
    if args.false_pairs:
        false_pairs(items)
        return 0
    dev = Half([i for i in items if bench_stories.is_dev(i.group)])
    held = Half([i for i in items if not bench_stories.is_dev(i.group)])
    keep = [k for k in range(6) if k not in args.drop]
    w = fit(*dev.training(dev.f, keep))
    ws = fit(*dev.training(dev.s, range(4)))
    print(f"dev {len(dev.items)} articles, held-out {len(held.items)}; features {keep}")
    print("model weights (last: bias): " + " ".join(f"{v:.2f}" for v in w))
    print("terms weights (last: bias): " + " ".join(f"{v:.2f}" for v in ws))
    dev_scores, held_scores = dev.scorers(w, keep, ws), held.scorers(w, keep, ws)
    print(f"{'score':8} {'threshold':>9}  {'dev P/R':>11}  {'held-out P/R':>12}")
    for name, thresholds in THRESHOLDS.items():
        for t in thresholds:
            dp, dr = pairwise(dev.items, cluster(len(dev.items), dev_scores[name], t))
            hp, hr = pairwise(held.items, cluster(len(held.items), held_scores[name], t))
            print(f"{name:8} {t:9.2f}  {dp:.3f}/{dr:.3f}  {hp:.3f}/{hr:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
