"""Train the page block scorer, and measure it the honest way: held out by site.

1. Collect: every WCXB development page goes through ``clean_page`` with a
   recording decider, which keeps the rules' verdicts and notes what the
   tree shows of each leaf block (``features.BlockFacts``).
2. Label: a block is content when its words appear, in order, in the page's
   ``main_content`` (short blocks near where the previous match ended, so a
   lone "Share" is not taken for content because the word occurs somewhere;
   elsewhere, it is left out), and
   boilerplate when its words mostly do not or it is mostly a ``without``
   snippet; blocks in between are left out of training.
3. Cross-validate: 5 folds grouped by site (the page URL's host, ``www.``
   dropped), so no site is in both the training and the scored fold. Each
   held-out page is cleaned again with its fold's model and scored like
   ``bench_clean.py`` does, beside the rules alone and trafilatura alone on
   the same pages.
4. Ship: the model trained on every page, written to
   ``src/jjfeed/clean/block_model.json``.

Usage:
  python benchmarks/train_blocks.py                 # collect, CV, write the model
  python benchmarks/train_blocks.py --no-write      # CV only
  python benchmarks/train_blocks.py --compare       # block-level CV of the candidate learners
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from bench_clean import (
    DEFAULT_DATA,
    Case,
    Tally,
    load,
    run_trafilatura,
    squash,
    table,
    tokens,
)

from jjfeed.clean import clean_page
from jjfeed.clean import page as page_module
from jjfeed.clean import scorer as scorer_module
from jjfeed.clean.features import CONTENT, BlockFacts, needs_judging, page_rows
from jjfeed.clean.html import BlockDecider

DEFAULT_RECALL_MAX_WORDS = page_module.RECALL_MAX_WORDS
FOLDS = 5
SEED = 18
MODEL_PATH = Path(__file__).resolve().parents[1] / "src" / "jjfeed" / "clean" / "block_model.json"
_WORD = re.compile(r"\w+")
# A short block must match within this many characters after the previous match.
SHORT_WORDS = 6
INNER_FOLDS = 4
# The keep thresholds a nested search chooses from.
THRESHOLDS = tuple(round(0.2 + 0.05 * step, 2) for step in range(13))
SHORT_REACH = 400
LONG_SHARE = 0.9
OUT_SHARE = 0.5


@dataclass
class PageBlocks:
    case: Case
    site: str
    calls: list[list[BlockFacts]]
    labels: list[list[int | None]]


def site_of(url: str) -> str:
    host = (urlsplit(url).hostname or url or "?").lower()
    return host.removeprefix("www.")


def collect(cases: Sequence[Case]) -> list[PageBlocks]:
    pages = []
    for case in cases:
        calls: list[list[BlockFacts]] = []

        def record(
            facts: Sequence[BlockFacts], calls: list[list[BlockFacts]] = calls
        ) -> list[bool]:
            calls.append(list(facts))
            return [block.reason == "content" for block in facts]

        clean_page(case.page, case.url or None, decide=record, recall=True)
        labels = [label_blocks(call, case.truth) for call in calls]
        pages.append(PageBlocks(case, site_of(case.url), calls, labels))
    return pages


def label_blocks(blocks: Sequence[BlockFacts], truth: dict[str, object]) -> list[int | None]:
    main_words = _WORD.findall(str(truth.get("main_content") or "").lower())
    main = " " + " ".join(main_words) + " "
    main_counts = Counter(main_words)
    withouts = [squash(str(s)) for s in truth.get("without") or [] if s]  # type: ignore[union-attr]
    cursor = 0
    labels: list[int | None] = []
    for block in blocks:
        words = _WORD.findall(block.text.lower())
        if not words:
            labels.append(None)
            continue
        text = squash(block.text)
        if any(w and w in text and len(w) >= 0.5 * len(text) for w in withouts):
            labels.append(0)
            continue
        needle = " " + " ".join(words) + " "
        if len(words) <= SHORT_WORDS:
            at = main.find(needle, cursor)
            if at != -1 and at - cursor <= SHORT_REACH:
                cursor = at + len(needle) - 1
                labels.append(1)
            else:
                # Somewhere else in the article: a heading or cell out of order, or
                # the same words by chance; too unsure to learn from.
                labels.append(None if needle in main else 0)
            continue
        at = main.find(needle)
        if at != -1:
            cursor = at + len(needle) - 1
            labels.append(1)
            continue
        share = sum((Counter(words) & main_counts).values()) / len(words)
        labels.append(1 if share >= LONG_SHARE else 0 if share < OUT_SHARE else None)
    return labels


def matrix(pages: Sequence[PageBlocks]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, ys, rule = [], [], []
    for page in pages:
        for call, labels in zip(page.calls, page.labels, strict=True):
            asked = [i for i, block in enumerate(call) if needs_judging(block)]
            asked = [i for i in asked if labels[i] is not None]
            for row, index in zip(page_rows(call, asked), asked, strict=True):
                rows.append(row)
                ys.append(labels[index])
                rule.append(call[index].reason == "content")
    return np.array(rows, dtype=np.float64), np.array(ys), np.array(rule)


def site_folds(pages: Sequence[PageBlocks], folds: int = FOLDS, seed: int = SEED) -> list[int]:
    """Fold of each page: sites shuffled with a fixed seed, dealt to balance pages."""
    sites = sorted({page.site for page in pages})
    rng = np.random.default_rng(seed)
    rng.shuffle(sites)
    count = Counter(page.site for page in pages)
    load_: list[int] = [0] * folds
    fold_of: dict[str, int] = {}
    for site in sorted(sites, key=lambda s: -count[s]):
        fold = min(range(folds), key=lambda f: load_[f])
        fold_of[site] = fold
        load_[fold] += count[site]
    return [fold_of[page.site] for page in pages]


def page_proxy(
    page: PageBlocks, model: object
) -> tuple[np.ndarray, list[int], list[BlockFacts], Counter[str]]:
    """What a threshold needs to score one page without cleaning it again:
    the model's probabilities for the blocks it is asked about in the page's
    first judged call (the recall region, or trafilatura's article), their
    indexes, the blocks, and the page's ``main_content`` words."""
    call = page.calls[0] if page.calls else []
    asked = [i for i, block in enumerate(call) if needs_judging(block)]
    rows = page_rows(call, asked) if asked else []
    proba = (
        model.predict_proba(np.array(rows, dtype=np.float64))[:, 1]  # type: ignore[attr-defined]
        if rows
        else np.zeros(0)
    )
    return proba, asked, call, tokens(str(page.case.truth.get("main_content") or ""))


def proxy_f1(
    proba: np.ndarray, asked: list[int], call: list[BlockFacts], truth: Counter[str], cut: float
) -> float:
    """Word F1 of the blocks a threshold keeps, joined, against ``main_content``
    (as ``bench_clean`` scores a page, but without cleaning it again)."""
    keep = [block.reason == CONTENT for block in call]
    for index, p in zip(asked, proba, strict=True):
        keep[index] = bool(p >= cut)
    keep = page_module.keep_extras_if_many(call, keep) if call else keep
    ours = tokens(" ".join(block.text for block, kept in zip(call, keep, strict=True) if kept))
    if not ours or not truth:
        return 0.0
    overlap = sum((ours & truth).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(ours.values()), overlap / sum(truth.values())
    return 2 * precision * recall / (precision + recall)


def nested_threshold(pages: Sequence[PageBlocks], trees: int = 0) -> float:
    """The keep threshold chosen inside ``pages`` alone (a training fold).

    The pages' sites are dealt into ``INNER_FOLDS`` folds again; each inner
    fold's pages are judged by a model fitted on the others, and the
    threshold of ``THRESHOLDS`` whose kept blocks, joined, have the best
    word F1 against ``main_content`` (averaged over pages, as the page
    figure is) wins. The scored fold of the outer cross-validation is never
    seen here.
    """
    inner = site_folds(pages, INNER_FOLDS, SEED + 1)
    scored = []
    for fold in range(INNER_FOLDS):
        train = [p for p, f in zip(pages, inner, strict=True) if f != fold]
        x, y, _ = matrix(train)
        model = fit_lightgbm(x, y, trees)
        scored += [page_proxy(p, model) for p, f in zip(pages, inner, strict=True) if f == fold]

    def f1(cut: float) -> float:
        return sum(proxy_f1(*one, cut) for one in scored) / max(len(scored), 1)

    curve = {cut: f1(cut) for cut in THRESHOLDS}
    print(
        "  inner F1 by threshold: " + " ".join(f"{c}:{v:.4f}" for c, v in curve.items()),
        file=sys.stderr,
    )
    return max(THRESHOLDS, key=curve.__getitem__)


# -- learners ------------------------------------------------------------------------


def fit_lightgbm(x: np.ndarray, y: np.ndarray, trees: int = 0) -> object:
    import lightgbm

    model = lightgbm.LGBMClassifier(
        n_estimators=trees or scorer_module.TREES,
        num_leaves=31,
        max_depth=scorer_module.MAX_DEPTH,
        learning_rate=0.05,
        min_child_samples=20,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        random_state=SEED,
        n_jobs=1,
        verbose=-1,
    )
    # Word F1 weighs long blocks more: so does the fit, gently.
    model.fit(x, y, sample_weight=1 + x[:, 0])
    return model


def fit_histgb(x: np.ndarray, y: np.ndarray) -> object:
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(
        max_iter=scorer_module.TREES,
        max_leaf_nodes=15,
        max_depth=scorer_module.MAX_DEPTH,
        learning_rate=0.08,
        random_state=SEED,
    )
    model.fit(x, y)
    return model


def fit_logistic(x: np.ndarray, y: np.ndarray) -> object:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
    model.fit(x, y)
    return model


LEARNERS = {
    "lightgbm": fit_lightgbm,
    "sklearn-histgb": fit_histgb,
    "sklearn-logistic": fit_logistic,
}


def compare(pages: Sequence[PageBlocks], folds: Sequence[int]) -> None:
    """Block-level accuracy of each learner on held-out sites, beside the rules'."""
    from sklearn.metrics import roc_auc_score

    print("| learner | accuracy | AUC | dropped-content rate | kept-boilerplate rate | fit s |")
    print("|---|---|---|---|---|---|")
    rule_right = rule_total = 0
    for name, fit in LEARNERS.items():
        right = total = 0
        lost = kept_bad = positives = negatives = 0
        scores, truths = [], []
        seconds = 0.0
        for fold in range(FOLDS):
            train = [p for p, f in zip(pages, folds, strict=True) if f != fold]
            test = [p for p, f in zip(pages, folds, strict=True) if f == fold]
            x, y, _ = matrix(train)
            tx, ty, trule = matrix(test)
            start = time.perf_counter()
            model = fit(x, y)
            seconds += time.perf_counter() - start
            proba = model.predict_proba(tx)[:, 1]  # type: ignore[attr-defined]
            keep = proba >= 0.5
            right += int((keep == ty).sum())
            total += len(ty)
            lost += int((~keep & (ty == 1)).sum())
            kept_bad += int((keep & (ty == 0)).sum())
            positives += int((ty == 1).sum())
            negatives += int((ty == 0).sum())
            scores += list(proba)
            truths += list(ty)
            if name == "lightgbm":
                rule_right += int((trule == ty).sum())
                rule_total += len(ty)
        auc = roc_auc_score(truths, scores)
        print(
            f"| {name} | {right / total:.4f} | {auc:.4f} | {lost / positives:.4f} | "
            f"{kept_bad / negatives:.4f} | {seconds:.1f} |"
        )
    print(f"| rules | {rule_right / rule_total:.4f} | - | - | - | - |")


# -- page-level cross-validation ----------------------------------------------------------


def cross_validate(
    pages: Sequence[PageBlocks],
    folds: Sequence[int],
    thresholds: Sequence[float],
    region_words: Sequence[int] = (),
    only: Sequence[str] = (),
    nested: bool = False,
    trees_count: int = 0,
) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for fold in range(FOLDS):
        train = [p for p, f in zip(pages, folds, strict=True) if f != fold]
        test = [p for p, f in zip(pages, folds, strict=True) if f == fold]
        x, y, _ = matrix(train)
        trees = export(fit_lightgbm(x, y, trees_count))
        chosen = {}
        if nested:
            chosen["nested"] = nested_threshold(train, trees_count)
            print(f"fold {fold + 1}: nested threshold {chosen['nested']}", file=sys.stderr)
        runners = [
            ("trafilatura", run_trafilatura),
            # trafilatura's own way to more recall, for its cost beside ours.
            ("trafilatura-recall", lambda c: run_trafilatura(c, favor_recall=True)),
            # What jjfeed's page path does: text, and title, author and date.
            ("trafilatura+meta", lambda c: run_trafilatura(c, meta_timed=True)),
            ("rules", lambda c: run_page(c, scorer_module.rules_only)),
        ]
        for threshold in [*thresholds, *chosen]:
            cut = chosen.get(str(threshold), threshold)
            model = scorer_module.BlockScorer.from_dict(trees, keep_threshold=float(cut))
            runners.append((f"learned@{threshold}", lambda c, m=model: run_page(c, m)))
            runners.append((f"recall@{threshold}", lambda c, m=model: run_page(c, m, True)))
            for words in region_words:
                runners.append(
                    (
                        f"recall@{threshold}/{words}",
                        lambda c, m=model, w=words: run_page(c, m, True, w),
                    )
                )
        if only:
            runners = [(name, run) for name, run in runners if name in only]
        for page in test:
            case = page.case
            for name, runner in runners:
                out = runner(case)
                for group in (name, f"{name} fold {fold + 1}"):
                    tallies.setdefault(group, Tally()).add(case, out)
    return tallies


def run_page(case: Case, model: BlockDecider, recall: bool = False, words: int = 0):  # noqa: ANN201
    from bench_clean import Output

    from jjfeed.clean import page

    page.RECALL_MAX_WORDS = words or DEFAULT_RECALL_MAX_WORDS
    start = time.perf_counter()
    cleaned = clean_page(case.page, case.url or None, decide=model, recall=recall)
    seconds = time.perf_counter() - start
    published = cleaned.published.date() if cleaned.published else None
    return Output(cleaned.text, cleaned.title, cleaned.author, published, seconds)


def export(model: object) -> dict[str, object]:
    """A LightGBM model as the plain trees ``scorer.BlockScorer`` reads."""
    booster = model.booster_  # type: ignore[attr-defined]
    return scorer_module.trees_from_lightgbm(booster.dump_model())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--cache", type=Path, help="pickle of collected blocks (read or write)")
    parser.add_argument("--compare", action="store_true", help="block-level CV of the learners")
    parser.add_argument("--no-cv", action="store_true", help="skip the page-level CV")
    parser.add_argument("--no-write", action="store_true", help="do not write the model")
    parser.add_argument(
        "--threshold",
        type=float,
        nargs="+",
        default=[scorer_module.KEEP_THRESHOLD],
        help="keep thresholds to cross-validate (the shipped one is scorer.KEEP_THRESHOLD)",
    )
    parser.add_argument(
        "--region-words",
        type=int,
        nargs="*",
        default=[],
        help="also cross-validate the recall path with page.RECALL_MAX_WORDS at each of these",
    )
    parser.add_argument("--only", nargs="*", default=[], help="cross-validate only these runners")
    parser.add_argument(
        "--nested",
        action="store_true",
        help="also cross-validate with the threshold chosen inside each training fold",
    )
    parser.add_argument("--trees", type=int, default=0, help="trees (default scorer.TREES)")
    args = parser.parse_args(argv)
    if args.cache and args.cache.exists():
        pages = pickle.loads(args.cache.read_bytes())
    else:
        start = time.perf_counter()
        pages = collect(list(load(args.data, args.limit, None)))
        print(
            f"collected {len(pages)} pages in {time.perf_counter() - start:.0f} s", file=sys.stderr
        )
        if args.cache:
            args.cache.write_bytes(pickle.dumps(pages))
    folds = site_folds(pages)
    x, y, rule = matrix(pages)
    print(
        f"{len(y)} labelled blocks, {int(y.sum())} content; rules agree on {(rule == y).mean():.4f}"
    )
    if args.compare:
        compare(pages, folds)
    if not args.no_cv:
        tallies = cross_validate(
            pages, folds, args.threshold, args.region_words, args.only, args.nested, args.trees
        )
        names = ["trafilatura", "trafilatura+meta", "trafilatura-recall", "rules"]
        cuts = [*args.threshold, *(["nested"] if args.nested else [])]
        names += [f"{kind}@{t}" for t in cuts for kind in ("learned", "recall")]
        names += [f"recall@{t}/{w}" for t in args.threshold for w in args.region_words]
        names = [name for name in names if not args.only or name in args.only]
        rows = [tallies[name].row(name) for name in names]
        rows += [
            tallies[f"{name} fold {fold + 1}"].row(f"{name} fold {fold + 1}")
            for fold in range(FOLDS)
            for name in names
        ]
        print(table(rows))
    if not args.no_write:
        trees = export(fit_lightgbm(x, y))
        MODEL_PATH.write_text(json.dumps(trees, separators=(",", ":")) + "\n", "utf-8")
        print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
