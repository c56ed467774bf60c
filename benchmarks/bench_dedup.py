"""Duplicate-detection benchmark (issue 4): a labelled corpus through the real CLI.

Builds a deterministic corpus from the WCXB development articles
(``../shared/data/wcxb-dev/ground-truth/*.json``): for each base article an
original and, sampled, the variants a reader should see as one entry (wire
copies in other sites' real boilerplate, summary-only entries with "Read
more", updated versions, the same URL with tracking parameters), plus hard
negatives that must stay apart (different short articles in identical site
furniture, short generic entries repeated across feeds). The items are
written as one RSS 2.0 file per fictional site, fed through one
``jjfeed ingest`` subprocess, read back with ``jjfeed export`` and scored:
pairwise and B-cubed precision/recall, recall per variant kind, the false
merges with titles, ingest entries/s, and the signature throughput of
:func:`jjfeed.dedup.signature` on 500-word texts.

    python benchmarks/bench_dedup.py [--articles N] [--seed S] [--keep DIR]

Targets (issue 4): pairwise precision >= 0.995, recall >= 0.98; signatures
>= 5,000 articles/s on one core.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("JJFEED_SHARED", REPO.parent / "shared"))
GROUND_TRUTH = SHARED / "data" / "wcxb-dev" / "ground-truth"

MIN_BASE_WORDS = 150
HOLDOUT_FRACTION = 0.10  # eligible articles kept out of the bases, used as hard negatives
# Pairs of WCXB pages whose main_content is itself near-identical (measured:
# 0463/3035 Jaccard 0.60, containment 0.98; 4759/4761 containment 0.64). The
# second of each is left out so the ground truth is not wrong by construction.
EXCLUDED = frozenset({"3035", "4761"})

P_WIRE = 0.5
P_SUMMARY = 0.5
P_UPDATED = 0.5
P_URL = 0.4
EDIT_RATE = 0.10

TARGET_PRECISION = 0.995
TARGET_RECALL = 0.98
TARGET_SIGNATURES = 5000

SITES = [
    # name, host, furnished (wraps its items in boilerplate)
    ("harbor-gazette", "www.harborgazette.example", True),
    ("northwind-times", "northwindtimes.example", True),
    ("metro-ledger", "www.metroledger.example", True),
    ("valley-courier", "valleycourier.example", True),
    ("coastline-post", "www.coastlinepost.example", True),
    ("summit-herald", "summitherald.example", True),
    ("riverside-daily", "www.riversidedaily.example", True),
    ("capital-wire", "capitalwire.example", False),
    ("lakeside-news", "www.lakesidenews.example", False),
    ("prairie-observer", "prairieobserver.example", False),
]

GENERIC_TEXTS = [
    "Photo gallery",
    "Podcast episode 12",
    "Podcast episode 13",
    "Watch the video",
    "Video",
    "Live updates",
    "Newsletter",
    "Listen to the full episode on our podcast page and subscribe for more.",
    "Click through the gallery to see all of this week's best photos from readers.",
    "Our daily briefing is here. Sign up to get it in your inbox every morning.",
    "Join us live at noon for a conversation with our reporters and editors.",
    "Corrections and clarifications for the past week are listed on this page.",
    "Weather forecast for the weekend: sunny with a chance of showers later.",
]

HTTP_SITES = frozenset({"valley-courier", "prairie-observer"})
READ_MORE = ["Read more", "Continue reading", "Read the full story", "Read more »"]
TRACKING = [
    "utm_source=rss&utm_medium=feed&utm_campaign=news",
    "utm_source=twitter&utm_medium=social",
    "fbclid=IwAR0abc123def",
    "utm_source=newsletter&utm_medium=email&mc_cid=9f8e7d",
    "ref=feed",
    "gclid=Cj0KCQ",
]
UPDATE_TITLES = [
    "Updated: {t}",
    "{t} (updated)",
    "{t}: what we know now",
    "UPDATE – {t}",
]


# -- corpus --------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    paragraphs: tuple[str, ...]
    without: tuple[str, ...]

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


@dataclass(frozen=True)
class Item:
    site: str
    guid: str
    link: str
    title: str
    html: str
    label: str  # the true cluster: the base article id, or a negative's own id
    kind: str  # original, wire, summary, updated, url, furniture-neg, generic
    published: str


def load_pages(folder: Path = GROUND_TRUTH) -> list[Page]:
    pages = []
    for path in sorted(folder.glob("*.json")):
        gt = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
        paras = tuple(
            p.strip() for p in re.split(r"\n\s*\n", gt.get("main_content") or "") if p.strip()
        )
        without = tuple(s.strip() for s in gt.get("without") or [] if s and s.strip())
        pages.append(Page(path.stem, (gt.get("title") or "").strip(), paras, without))
    return pages


def _slug(title: str, n: int) -> str:
    words = re.findall(r"[a-z0-9]+", title.casefold())[:8]
    return "-".join(words or ["story"]) + f"-{n}"


def _html(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


class CorpusBuilder:
    """Deterministic corpus generation; every random choice goes through ``self.rng``."""

    def __init__(self, pages: list[Page], *, articles: int | None, seed: int) -> None:
        self.rng = random.Random(seed)
        eligible = [p for p in pages if p.words >= MIN_BASE_WORDS and p.id not in EXCLUDED]
        self.rng.shuffle(eligible)
        if articles is None:
            n_hold = round(len(eligible) * HOLDOUT_FRACTION)
            self.holdout, self.bases = eligible[:n_hold], eligible[n_hold:]
        else:
            self.bases = eligible[:articles]
            rest = eligible[articles:]
            self.holdout = rest[: max(20, articles // 10)]
        self.bases.sort(key=lambda p: p.id)
        self.holdout.sort(key=lambda p: p.id)
        self.snippet_pages = [p for p in pages if p.without]
        self.vocab = sorted(
            {w for p in pages for para in p.paragraphs for w in para.split() if w.isalpha()}
        )
        self.counter = Counter[str]()
        self.furniture = {
            name: self._furniture() if furnished else ([], []) for name, _, furnished in SITES
        }
        self.hosts = {name: host for name, host, _ in SITES}
        self.start = datetime(2025, 3, 1, tzinfo=UTC)

    # furniture: real boilerplate snippets from other pages, fixed per site
    def _furniture(self) -> tuple[list[str], list[str]]:
        snippets: list[str] = []
        while len(snippets) < 7:
            page = self.rng.choice(self.snippet_pages)
            usable = [s for s in page.without if 2 <= len(s.split()) <= 30 and s not in snippets]
            snippets += self.rng.sample(usable, min(len(usable), 3))
        head = self.rng.randint(1, 3)
        return snippets[:head], snippets[head : head + self.rng.randint(3, 5)]

    def _wrap(self, site: str, body: list[str]) -> list[str]:
        head, tail = self.furniture[site]
        return [*head, *body, *tail]

    def _next(self, site: str) -> tuple[str, int]:
        self.counter[site] += 1
        n = self.counter[site]
        return f"{site}-{n:05d}", n

    def _link(self, site: str, title: str, n: int) -> str:
        scheme = "http" if site in HTTP_SITES else "https"
        return f"{scheme}://{self.hosts[site]}/2025/03/{_slug(title, n)}"

    def _date(self) -> str:
        when = self.start + timedelta(minutes=self.rng.randint(0, 14 * 24 * 60))
        return when.strftime("%a, %d %b %Y %H:%M:%S +0000")

    def _item(
        self,
        site: str,
        title: str,
        paragraphs: list[str],
        label: str,
        kind: str,
        *,
        link: str | None = None,
        extra_html: str = "",
    ) -> Item:
        guid, n = self._next(site)
        link = link or self._link(site, title, n)
        body = _html(paragraphs) + extra_html
        return Item(site, guid, link, title, body, label, kind, self._date())

    def build(self) -> list[Item]:
        items: list[Item] = []
        site_names = [s for s, _, _ in SITES]
        furnished = [s for s, _, f in SITES if f]
        for page in self.bases:
            label = page.id
            origin = self.rng.choice(site_names)
            paras = list(page.paragraphs)
            original = self._item(origin, page.title, self._wrap(origin, paras), label, "original")
            items.append(original)
            if self.rng.random() < P_WIRE:
                copies = self.rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
                others = [s for s in furnished if s != origin]
                for site in self.rng.sample(others, copies):
                    items.append(
                        self._item(site, page.title, self._wrap(site, paras), label, "wire")
                    )
            if self.rng.random() < P_SUMMARY:
                site = self.rng.choice(site_names)
                guid, n = self._next(site)
                link = self._link(site, page.title, n)
                more = f'<p><a href="{html.escape(link)}">{self.rng.choice(READ_MORE)}</a></p>'
                items.append(
                    Item(
                        site,
                        guid,
                        link,
                        page.title,
                        _html(summary_of(paras)) + more,
                        label,
                        "summary",
                        self._date(),
                    )
                )
            if self.rng.random() < P_UPDATED:
                site = self.rng.choice(site_names)
                title = self.rng.choice(UPDATE_TITLES).format(t=page.title)
                new = self.updated(paras)
                items.append(self._item(site, title, self._wrap(site, new), label, "updated"))
            if self.rng.random() < P_URL:
                site = self.rng.choice([s for s in site_names if s != origin])
                teaser = " ".join(paras[0].split()[:18])
                items.append(
                    self._item(
                        site,
                        page.title,
                        [f"Via {origin}: {teaser}"],
                        label,
                        "url",
                        link=self.tracked(original.link),
                    )
                )
        for page in self.holdout:
            site = self.rng.choice(furnished)
            brief = brief_of(list(page.paragraphs), self.rng.randint(40, 200))
            items.append(
                self._item(
                    site, page.title, self._wrap(site, brief), f"neg-{page.id}", "furniture-neg"
                )
            )
        for site in site_names:
            for text in self.rng.sample(GENERIC_TEXTS, self.rng.randint(2, 4)):
                guid, _ = self._next(site)
                items.append(self._item(site, text, [text], f"generic-{guid}", "generic"))
        return items

    def updated(self, paras: list[str]) -> list[str]:
        """About 10% of words changed in short runs, and one paragraph added or dropped."""
        out = list(paras)
        if len(out) >= 3 and self.rng.random() < 0.5:
            del out[self.rng.randrange(1, len(out))]
        else:
            n = self.rng.randint(25, 50)
            added = "Update: " + " ".join(self.rng.choice(self.vocab) for _ in range(n)) + "."
            out.insert(self.rng.randint(1, len(out)), added)
        tokens = [p.split() for p in out]
        positions = [(i, j) for i, t in enumerate(tokens) for j in range(len(t))]
        target = round(len(positions) * EDIT_RATE)
        changed: set[tuple[int, int]] = set()
        while len(changed) < target:
            start = self.rng.randrange(len(positions))
            for pos in positions[start : start + self.rng.randint(1, 3)]:
                if pos not in changed:
                    changed.add(pos)
                    tokens[pos[0]][pos[1]] = self.rng.choice(self.vocab)
        return [" ".join(t) for t in tokens]

    def tracked(self, link: str) -> str:
        """The same page's URL as a share or newsletter would give it."""
        scheme, rest = link.split("://", 1)
        host, path = rest.split("/", 1)
        if self.rng.random() < 0.5:
            scheme = "http" if scheme == "https" else "https"
        if self.rng.random() < 0.5:
            host = host[4:] if host.startswith("www.") else "www." + host
        if self.rng.random() < 0.3:
            path += "/"
        url = f"{scheme}://{host}/{path}?{self.rng.choice(TRACKING)}"
        if self.rng.random() < 0.2:
            url += "#comments"
        return url


def summary_of(paras: list[str]) -> list[str]:
    """The first paragraph(s), about 50-90 words; cut to 60 words with an ellipsis if longer."""
    out: list[str] = []
    count = 0
    for p in paras:
        out.append(p)
        count += len(p.split())
        if count >= 50:
            break
    if count > 90:
        flat = " ".join(out).split()
        return [" ".join(flat[:60]) + " …"]
    return out


def brief_of(paras: list[str], limit: int) -> list[str]:
    """The first paragraphs up to about ``limit`` words: a short article."""
    out: list[str] = []
    count = 0
    for p in paras:
        words = p.split()
        if count + len(words) > limit:
            if not out:
                out.append(" ".join(words[:limit]))
            break
        out.append(p)
        count += len(words)
    return out


def write_feeds(items: list[Item], folder: Path, rng: random.Random) -> list[Path]:
    """One RSS 2.0 file per site, in ``folder/<site>/feed.xml`` (the folder names the source)."""
    by_site: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_site[item.site].append(item)
    paths = []
    for site, _, _ in SITES:
        site_items = list(by_site[site])
        rng.shuffle(site_items)
        entries = "".join(
            "<item>"
            f"<title>{xml_escape(it.title)}</title>"
            f"<link>{xml_escape(it.link)}</link>"
            f'<guid isPermaLink="false">{xml_escape(it.guid)}</guid>'
            f"<pubDate>{it.published}</pubDate>"
            f"<description>{xml_escape(it.html)}</description>"
            "</item>\n"
            for it in site_items
        )
        xml = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{site}</title><link>https://{site}.example/</link>"
            f"<description>{site}</description>\n{entries}</channel></rss>\n"
        )
        path = folder / site / "feed.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(xml, encoding="utf-8")
        paths.append(path)
    return paths


# -- running jjfeed ------------------------------------------------------------


def jjfeed_bin() -> list[str]:
    exe = Path(sys.executable).with_name("jjfeed")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "jjfeed"]


def run_jjfeed(work: Path, feeds: list[Path]) -> tuple[float, list[dict[str, object]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    base = [*jjfeed_bin(), "--db", str(work / "j.db"), "--output", str(work / "out")]
    start = time.perf_counter()
    subprocess.run([*base, "-q", "ingest", *map(str, feeds)], cwd=work, env=env, check=True)
    elapsed = time.perf_counter() - start
    out = subprocess.run(
        [*base, "export"], cwd=work, env=env, check=True, capture_output=True, text=True
    ).stdout
    (work / "export.jsonl").write_text(out, encoding="utf-8")
    return elapsed, [json.loads(line) for line in out.splitlines() if line.strip()]


# -- scoring -------------------------------------------------------------------


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def score(truth: list[str], pred: list[str]) -> dict[str, float]:
    """Pairwise and B-cubed precision/recall/F1 of a predicted clustering against the truth."""
    cells = Counter(zip(truth, pred, strict=True))
    t_sizes, p_sizes = Counter(truth), Counter(pred)
    tp = sum(_pairs(c) for c in cells.values())
    p_pairs = sum(_pairs(c) for c in p_sizes.values())
    t_pairs = sum(_pairs(c) for c in t_sizes.values())
    prec = tp / p_pairs if p_pairs else 1.0
    rec = tp / t_pairs if t_pairs else 1.0
    n = len(truth)
    b_p = sum(cells[t, p] / p_sizes[p] for t, p in zip(truth, pred, strict=True)) / n
    b_r = sum(cells[t, p] / t_sizes[t] for t, p in zip(truth, pred, strict=True)) / n
    return {
        "pairs_true": t_pairs,
        "pairs_pred": p_pairs,
        "pairs_tp": tp,
        "precision": prec,
        "recall": rec,
        "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
        "b3_precision": b_p,
        "b3_recall": b_r,
        "b3_f1": 2 * b_p * b_r / (b_p + b_r) if b_p + b_r else 0.0,
    }


def signature_throughput(pages: list[Page], n: int = 2000, repeats: int = 3) -> dict[str, float]:
    """Articles per second for ``jjfeed.dedup.signature`` on 500-word texts, one core."""
    from jjfeed import dedup

    shingle = getattr(dedup, "shingle_hashes", None) or getattr(dedup, "shingles", None)
    assert shingle is not None
    texts: list[str] = []
    for page in pages:
        words = " ".join(page.paragraphs).split()
        for i in range(0, len(words) - 499, 500):
            texts.append(" ".join(words[i : i + 500]))
    texts = texts[:n]
    best = {"signature": float("inf"), "shingles": float("inf")}
    for _ in range(repeats):
        t = time.perf_counter()
        for text in texts:
            shingle(text)
        best["shingles"] = min(best["shingles"], time.perf_counter() - t)
        t = time.perf_counter()
        for text in texts:
            dedup.signature(text)
        best["signature"] = min(best["signature"], time.perf_counter() - t)
    return {
        "texts": len(texts),
        "signature_per_s": len(texts) / best["signature"],
        "shingles_per_s": len(texts) / best["shingles"],
    }


# -- the report ----------------------------------------------------------------


def evaluate(items: list[Item], records: list[dict[str, object]]) -> dict[str, object]:
    by_key = {(it.site, it.guid): it for it in items}
    found: list[tuple[Item, dict[str, object]]] = []
    for rec in records:
        it = by_key.get((str(rec["source"]), str(rec["guid"])))
        if it is not None:
            found.append((it, rec))
    missing = [it for it in items if (it.site, it.guid) not in {(i.site, i.guid) for i, _ in found}]
    truth = [it.label for it, _ in found]
    pred = [str(rec["cluster"]) for _, rec in found]
    overall = score(truth, pred)

    # recall per kind: does the variant sit in its original's predicted cluster?
    cluster_of = {(it.site, it.guid): str(rec["cluster"]) for it, rec in found}
    original_cluster = {
        it.label: cluster_of[it.site, it.guid] for it, _ in found if it.kind == "original"
    }
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for it, rec in found:
        if it.kind in ("wire", "summary", "updated", "url"):
            kinds[it.kind][0] += 1
            kinds[it.kind][1] += original_cluster.get(it.label) == str(rec["cluster"])
    # pairwise recall per kind: true pairs that include an item of that kind
    members: dict[str, list[tuple[Item, str]]] = defaultdict(list)
    for it, rec in found:
        members[it.label].append((it, str(rec["cluster"])))
    pair_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for group in members.values():
        for (a, ca), (b, cb) in combinations(group, 2):
            for k in {a.kind, b.kind} - {"original"} or {"original"}:
                pair_kind[k][0] += 1
                pair_kind[k][1] += ca == cb

    # false merges: predicted clusters holding more than one true label
    texts = {(it.site, it.guid): str(rec.get("text") or "") for it, rec in found}
    by_pred: dict[str, list[Item]] = defaultdict(list)
    for it, rec in found:
        by_pred[str(rec["cluster"])].append(it)
    false_pairs = []
    false_kinds = Counter[str]()
    for group in by_pred.values():
        for a, b in combinations(group, 2):
            if a.label != b.label:
                false_kinds[" / ".join(sorted((a.kind, b.kind)))] += 1
                false_pairs.append((a, b))
    return {
        "items": len(items),
        "found": len(found),
        "missing": missing,
        "overall": overall,
        "kinds": dict(kinds),
        "pair_kinds": dict(pair_kind),
        "false_pairs": false_pairs,
        "false_kinds": false_kinds,
        "texts": texts,
        "clusters_true": len(set(truth)),
        "clusters_pred": len(set(pred)),
    }


def _why(a: Item, b: Item, texts: dict[tuple[str, str], str]) -> str:
    from jjfeed import dedup

    ta, tb = texts[a.site, a.guid], texts[b.site, b.guid]
    reasons = []
    if dedup.canonical_url(a.link) == dedup.canonical_url(b.link):
        reasons.append("same canonical URL")
    if dedup.hash_key(ta) and dedup.hash_key(ta) == dedup.hash_key(tb):
        reasons.append("same content hash")
    sim = dedup.similarity(ta, tb)
    reasons.append(
        f"J={sim.jaccard:.2f} C={sim.containment:.2f} words={len(dedup.words(ta))}/{len(dedup.words(tb))}"
    )
    return "; ".join(reasons)


def report(
    result: dict[str, object],
    sig: dict[str, float],
    ingest_s: float,
    args: argparse.Namespace,
    builder: CorpusBuilder,
    diagnosis: Diagnosis,
) -> str:
    o = result["overall"]
    assert isinstance(o, dict)
    kinds_count = Counter(it.kind for it in builder_items(result))
    lines = [
        "# Duplicate detection benchmark (issue 4)",
        "",
        f"Corpus: seed {args.seed}, {len(builder.bases)} base articles, "
        f"{len(builder.holdout)} held-out articles as short furniture negatives, "
        f"{len(SITES)} RSS feeds, {result['items']} items "
        f"({', '.join(f'{k} {v}' for k, v in sorted(kinds_count.items()))}); "
        f"{result['clusters_true']} true clusters, {result['clusters_pred']} predicted.",
        f"Exported {result['found']} of {result['items']} items"
        + (f"; **{len(result['missing'])} missing**" if result["missing"] else "")
        + ".",
        "",
        "| measure | value | target |",
        "| --- | --- | --- |",
        f"| pairwise precision | {o['precision']:.4f} | ≥ {TARGET_PRECISION} "
        f"{_mark(o['precision'] >= TARGET_PRECISION)} |",
        f"| pairwise recall | {o['recall']:.4f} | ≥ {TARGET_RECALL} {_mark(o['recall'] >= TARGET_RECALL)} |",
        f"| pairwise F1 | {o['f1']:.4f} | |",
        f"| B-cubed precision | {o['b3_precision']:.4f} | |",
        f"| B-cubed recall | {o['b3_recall']:.4f} | |",
        f"| B-cubed F1 | {o['b3_f1']:.4f} | |",
        f"| true pairs / predicted pairs / correct | {o['pairs_true']} / {o['pairs_pred']} / {o['pairs_tp']} | |",
        f"| ingest (one `jjfeed ingest`, {result['items']} entries) | {ingest_s:.1f} s, "
        f"{result['items'] / ingest_s:.0f} entries/s | |",
        f"| `dedup.signature`, 500-word texts ({sig['texts']:.0f}) | {sig['signature_per_s']:.0f} /s "
        f"(shingles alone {sig['shingles_per_s']:.0f} /s) | ≥ {TARGET_SIGNATURES} "
        f"{_mark(sig['signature_per_s'] >= TARGET_SIGNATURES)} |",
        "",
        "## Recall by variant kind",
        "",
        "| kind | variants | joined the original's cluster | pairwise recall (true pairs with this kind) |",
        "| --- | --- | --- | --- |",
    ]
    kinds = result["kinds"]
    pair_kinds = result["pair_kinds"]
    assert isinstance(kinds, dict) and isinstance(pair_kinds, dict)
    for k in ("wire", "summary", "updated", "url"):
        n, hit = kinds.get(k, (0, 0))
        pn, phit = pair_kinds.get(k, (0, 0))
        lines.append(
            f"| {k} | {n} | {hit} ({hit / n:.3f}) | {phit}/{pn} ({phit / pn if pn else 1:.3f}) |"
            if n
            else f"| {k} | 0 | | |"
        )
    false_pairs = result["false_pairs"]
    false_kinds = result["false_kinds"]
    assert isinstance(false_pairs, list) and isinstance(false_kinds, Counter)
    lines += ["", f"## False merges: {len(false_pairs)} pairs", ""]
    if false_kinds:
        lines.append(
            "By kinds: " + ", ".join(f"{k} {v}" for k, v in false_kinds.most_common()) + "."
        )
        lines += ["", "| a | b | why |", "| --- | --- | --- |"]
        texts = result["texts"]
        assert isinstance(texts, dict)
        for a, b in false_pairs[:20]:
            lines.append(
                f"| {a.kind} `{a.site}/{a.guid}` {_short(a.title)} "
                f"| {b.kind} `{b.site}/{b.guid}` {_short(b.title)} | {_why(a, b, texts)} |"
            )
    texts = result["texts"]
    assert isinstance(texts, dict)
    misses = missed(result, diagnosis)
    if misses:
        causes = Counter((it.kind, cause) for it, _, cause in misses)
        lines += [
            "",
            "## Why variants were missed",
            "",
            "| kind | cause | variants |",
            "| --- | --- | --- |",
        ]
        lines += [f"| {k} | {c} | {n} |" for (k, c), n in sorted(causes.items())]
        lines += [
            "",
            "First 15 missed variants:",
            "",
            "| kind | item | title | vs its original |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| {it.kind} | `{it.site}/{it.guid}` | {_short(it.title)} | {_why(it, orig, texts)} |"
            for it, orig, _ in misses[:15]
        ]
    return "\n".join(lines)


def builder_items(result: dict[str, object]) -> list[Item]:
    items = result["_items"]
    assert isinstance(items, list)
    return items


class Diagnosis:
    """Why a variant is not in its original's cluster, judged with ``jjfeed.dedup`` itself."""

    def __init__(self, records: list[dict[str, object]]) -> None:
        from jjfeed import dedup

        self.dedup = dedup
        self.index = dedup.Index()
        self.ids: dict[tuple[str, str], int] = {}
        for rec in records:
            key = (str(rec["source"]), str(rec["guid"]))
            self.ids[key] = int(str(rec["id"]))
            sig = dedup.signature(str(rec.get("text") or ""))
            if sig is not None:
                self.index.add(self.ids[key], sig)

    def cause(self, a: Item, b: Item, texts: dict[tuple[str, str], str]) -> str:
        d = self.dedup
        ta, tb = texts[a.site, a.guid], texts[b.site, b.guid]
        exact = d.canonical_url(a.link) == d.canonical_url(b.link) or (
            d.hash_key(ta) is not None and d.hash_key(ta) == d.hash_key(tb)
        )
        if exact:
            return "bridge: an exact key matches, but it joined another cluster"
        if not d.similarity(ta, tb).duplicate:
            return "verdict: below the thresholds"
        sig = d.signature(ta)
        if sig is None or self.ids[b.site, b.guid] not in self.index.candidates(sig):
            return "LSH: verdict would say duplicate, but not a candidate"
        return "bridge: verdict says duplicate, but it joined another cluster"


def missed(result: dict[str, object], diagnosis: Diagnosis) -> list[tuple[Item, Item, str]]:
    texts = result["texts"]
    clusters = result["_clusters"]
    assert isinstance(texts, dict) and isinstance(clusters, dict)
    originals = {it.label: it for it in builder_items(result) if it.kind == "original"}
    rows = []
    for it in builder_items(result):
        orig = originals.get(it.label)
        key = (it.site, it.guid)
        if it.kind == "original" or orig is None or key not in clusters:
            continue
        okey = (orig.site, orig.guid)
        if okey in clusters and clusters[key] != clusters[okey]:
            rows.append((it, orig, diagnosis.cause(it, orig, texts)))
    return rows


def _short(title: str, n: int = 50) -> str:
    title = title.replace("|", "/")
    return title if len(title) <= n else title[: n - 1] + "…"


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--articles", type=int, default=None, help="base articles (default: all eligible)"
    )
    parser.add_argument("--seed", type=int, default=4, help="corpus seed (default 4)")
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep feeds, database and export here"
    )
    parser.add_argument(
        "--no-signature-bench", action="store_true", help="skip the signature timing"
    )
    args = parser.parse_args(argv)

    pages = load_pages()
    builder = CorpusBuilder(pages, articles=args.articles, seed=args.seed)
    items = builder.build()
    work = Path(tempfile.mkdtemp(prefix="bench_dedup_")) if args.keep is None else args.keep
    if args.keep is not None:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    try:
        feeds = write_feeds(items, work / "feeds", random.Random(args.seed))
        (work / "truth.jsonl").write_text(
            "".join(json.dumps(asdict(it)) + "\n" for it in items), encoding="utf-8"
        )
        print(
            f"running jjfeed ingest on {len(items)} items in {len(feeds)} feeds ...",
            file=sys.stderr,
        )
        ingest_s, records = run_jjfeed(work, feeds)
        result = evaluate(items, records)
        result["_items"] = items
        result["_clusters"] = {
            (str(r["source"]), str(r["guid"])): str(r["cluster"]) for r in records
        }
        if args.no_signature_bench:
            sig = {"texts": 0, "signature_per_s": float("nan"), "shingles_per_s": float("nan")}
        else:
            sig = signature_throughput(pages)
        print(report(result, sig, ingest_s, args, builder, Diagnosis(records)))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
