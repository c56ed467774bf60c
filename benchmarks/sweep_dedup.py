"""Sweep the near-duplicate verdict's parameters on the bench_dedup corpus (issue 4).

No CLI and no LSH: every item of the corpus from ``bench_dedup.py`` (same
seed, same generator) is cleaned with :func:`jjfeed.clean.clean_html`, as the
pipeline cleans feed HTML, and the exact verdict (Jaccard of word
``k``-shingles, or containment of the smaller set in the larger) is scored
on labelled pairs:

- positives: each original with each of its wire, summary and updated
  variants (the URL variants carry a teaser and match by URL only, so they
  are left out), and separately every true pair among those kinds;
- negatives: every pair of different articles on the same site (identical
  furniture), every pair of short texts (under 40 words: generic entries,
  teasers), and every other pair that shares a word 3-shingle that occurs
  in at most 20 items.

Pairs with the same content hash are decided before the verdict and are
left out. For each ``k`` in {2, 3, 4, 5}, Jaccard threshold, containment
threshold and minimum length (in words, of the smaller text, for any
near-duplicate verdict) it prints precision and recall.

    python benchmarks/sweep_dedup.py [--articles N] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from itertools import combinations, product
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dedup import CorpusBuilder, Item, load_pages  # noqa: E402

from jjfeed import dedup  # noqa: E402
from jjfeed.clean import clean_html  # noqa: E402

KS = (2, 3, 4, 5)
JACCARDS = (0.3, 0.4, 0.5, 0.6, 0.7)
CONTAINMENTS = (0.6, 0.7, 0.8, 0.9)
MIN_WORDS = (0, 10, 25, 40)
MIN_CONTAINMENT_SHINGLES = dedup.MIN_CONTAINMENT_SHINGLES
SHORT = 40
RARE = 20


def shingle_set(text: str, k: int) -> set[tuple[str, ...]]:
    """Word ``k``-shingles as exact tuples (no hashing: the sweep measures the verdict itself)."""
    tokens = dedup.words(text)
    if len(tokens) <= k:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + k]) for i in range(len(tokens) - k + 1)}


def candidate_pairs(
    items: list[Item], texts: list[str]
) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(positive pairs original-variant, negative pairs) as index pairs, i < j."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        by_label[it.label].append(i)
    positives: set[tuple[int, int]] = set()
    for members in by_label.values():
        usable = [i for i in members if items[i].kind in ("original", "wire", "summary", "updated")]
        positives.update(combinations(sorted(usable), 2))
    negatives: set[tuple[int, int]] = set()
    by_site: dict[str, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        by_site[it.site].append(i)
    for members in by_site.values():
        negatives.update(
            p for p in combinations(sorted(members), 2) if items[p[0]].label != items[p[1]].label
        )
    lengths = [len(dedup.words(t)) for t in texts]
    short = [i for i, n in enumerate(lengths) if n < SHORT]
    negatives.update(p for p in combinations(short, 2) if items[p[0]].label != items[p[1]].label)
    postings: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, t in enumerate(texts):
        for s in shingle_set(t, 3):
            postings[s].append(i)
    for docs in postings.values():
        if 2 <= len(docs) <= RARE:
            negatives.update(
                p for p in combinations(docs, 2) if items[p[0]].label != items[p[1]].label
            )
    return positives, negatives


def _jaccard(a: str, b: str, k: int) -> float:
    sa, sb = shingle_set(a, k), shingle_set(b, k)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def _pct(values: list[float], f: float) -> float:
    return values[min(len(values) - 1, int(len(values) * f))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=None)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)

    builder = CorpusBuilder(load_pages(), articles=args.articles, seed=args.seed)
    items = builder.build()
    texts = [clean_html(it.html, base_url=it.link).text for it in items]
    positives, negatives = candidate_pairs(items, texts)
    hashes = [dedup.hash_key(t) for t in texts]

    def undecided(p: tuple[int, int]) -> bool:
        return hashes[p[0]] is None or hashes[p[0]] != hashes[p[1]]

    decided_pos = sum(not undecided(p) for p in positives)
    decided_neg = sum(not undecided(p) for p in negatives)
    positives = {p for p in positives if undecided(p)}
    negatives = {p for p in negatives if undecided(p)}
    orig_pos = {p for p in positives if "original" in (items[p[0]].kind, items[p[1]].kind)}
    lengths = [len(dedup.words(t)) for t in texts]
    print(f"# Verdict sweep (seed {args.seed}, {len(items)} items)\n")
    print(
        f"Pairs after exact content hash: {len(orig_pos)} original-variant positives, "
        f"{len(positives)} positives in all, {len(negatives)} hard negatives "
        f"(the content hash already joined {decided_pos} positive and {decided_neg} negative pairs).\n"
    )
    kind_of = {p: next(items[i].kind for i in p if items[i].kind != "original") for p in orig_pos}
    rows = []
    margins = []
    for k in KS:
        sets = [shingle_set(t, k) for t in texts]

        def stats(
            p: tuple[int, int], sets: list[set[tuple[str, ...]]] = sets
        ) -> tuple[float, float, int]:
            a, b = sets[p[0]], sets[p[1]]
            if not a or not b:
                return 0.0, 0.0, 0
            inter = len(a & b)
            small = min(len(a), len(b))
            cont = inter / small if small >= MIN_CONTAINMENT_SHINGLES else 0.0
            return inter / len(a | b), cont, min(lengths[p[0]], lengths[p[1]])

        pos = {p: stats(p) for p in positives}
        neg = [stats(p) for p in negatives]
        margins.append((k, pos, neg))
        pos_arr = np.array([pos[p] for p in sorted(positives)]).reshape(-1, 3)
        orig_list = sorted(orig_pos)
        orig_arr = np.array([pos[p] for p in orig_list]).reshape(-1, 3)
        orig_kind = np.array([kind_of[p] for p in orig_list])
        neg_arr = np.array(neg).reshape(-1, 3)
        for jt, ct, mw in product(JACCARDS, CONTAINMENTS, MIN_WORDS):

            def dup(a: np.ndarray, jt: float = jt, ct: float = ct, mw: int = mw) -> np.ndarray:
                return (a[:, 2] >= mw) & ((a[:, 0] >= jt) | (a[:, 1] >= ct))

            hit = dup(orig_arr)
            by_kind = {
                x: [int((orig_kind == x).sum()), int(hit[orig_kind == x].sum())]
                for x in ("wire", "summary", "updated")
            }
            rows.append(
                (
                    k,
                    jt,
                    ct,
                    mw,
                    int(hit.sum()),
                    int(dup(neg_arr).sum()),
                    int(dup(pos_arr).sum()),
                    by_kind,
                )
            )

    print("## Margins: worst positive against best negative\n")
    print(
        "| k | wire J min | updated J min / 1% / 5% | summary C min / 1% | "
        "negatives ≥ 25 words: J max / C max | negatives < 25 words: J max |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for k, pos, neg in margins:

        def q(kind: str, i: int, pos: dict = pos) -> list[float]:
            return sorted(pos[p][i] for p in orig_pos if kind_of[p] == kind) or [float("nan")]

        wire, upd, summ = q("wire", 0), q("updated", 0), q("summary", 1)
        long_neg = [s for s in neg if s[2] >= 25] or [(0.0, 0.0, 0)]
        short_neg = [s for s in neg if s[2] < 25] or [(0.0, 0.0, 0)]
        print(
            f"| {k} | {wire[0]:.2f} | {upd[0]:.2f} / {_pct(upd, 0.01):.2f} / {_pct(upd, 0.05):.2f} | "
            f"{summ[0]:.2f} / {_pct(summ, 0.01):.2f} | "
            f"{max(s[0] for s in long_neg):.2f} / {max(s[1] for s in long_neg):.2f} | "
            f"{max(s[0] for s in short_neg):.2f} |"
        )
    header = (
        "| k | Jaccard ≥ | containment ≥ | min words | FP | precision | recall (orig–variant) | "
        "recall wire / summary / updated | recall (all true pairs) |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    sections = [
        (
            "Jaccard threshold (containment ≥ 0.8, min 25 words)",
            lambda r: r[2] == 0.8 and r[3] == 25,
        ),
        (
            "Containment threshold (Jaccard ≥ 0.5, min 25 words)",
            lambda r: r[1] == 0.5 and r[3] == 25,
        ),
        (
            "Minimum length (Jaccard ≥ 0.5, containment ≥ 0.8)",
            lambda r: r[1] == 0.5 and r[2] == 0.8,
        ),
    ]
    for title, keep in sections:
        print(f"\n## {title}\n\n{header}")
        for k, jt, ct, mw, tp_o, fp, tp_all, by_kind in filter(keep, rows):
            prec = tp_o / (tp_o + fp) if tp_o + fp else 1.0
            kinds = " / ".join(
                f"{by_kind[x][1] / by_kind[x][0]:.3f}" if by_kind.get(x) else "-"
                for x in ("wire", "summary", "updated")
            )
            print(
                f"| {k} | {jt} | {ct} | {mw} | {fp} | {prec:.4f} | {tp_o / len(orig_pos):.4f} | "
                f"{kinds} | {tp_all / len(positives):.4f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
