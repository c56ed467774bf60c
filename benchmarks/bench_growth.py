"""Does a run's cost grow with the new articles or with the archive?

Builds stores of several sizes from real text, then times one ``jjfeed
ingest`` of the same 1,000 new entries (20 RSS files, 10% of them edited
copies of archived articles) against a fresh copy of each, in a
subprocess, with its peak memory (``ru_maxrss`` of that child).

The text: every synthetic article is a deterministic mix of sentences from
the WCXB main_content (``../shared/data/wcxb-dev``), about 500 words in
paragraphs of three or four sentences, its title the opening words of
another sentence. Mixing sentences rather than whole paragraphs matters at
a million articles: with 22,000 paragraphs every paragraph would recur in
hundreds of articles, the leads of articles would collide in the LSH index
and every title would be shared by a thousand others, which no real archive
looks like.

The archive is written in bulk (:meth:`jjfeed.store.Store.insert_filed`)
with the rows the pipeline's dedup stage stores for each article, computed
by the real functions (signature and band keys, content hash, canonical
URL, story terms and story keys) in a process pool. Every tenth archived
article is an edited copy of one of the fifty before it and joins its
cluster, as the pipeline files it. What the bulk load does not replay is
the story search: each archived cluster founds its own story. ``--check N``
files the first N archived articles through the pipeline's ``_Deduper``
too and counts where the two stores differ.

Dates: the archive grows at a fixed rate (``--per-day``, 10,000 articles a
day by default), its newest article fetched at the moment the store was
built, so a bigger store is an older one, as archives grow; the dedup
window (30 days) and the story window (3 days) hold what that rate puts in
them. Built stores are kept under ``--keep DIR`` and reused.

Run: ``python benchmarks/bench_growth.py --sizes 0,10000,100000,1000000
--keep /tmp/jjfeed-growth --runs 3 --plot docs/growth.png``.
``--index-rebuild 100000`` times building the in-memory key indexes of
100,000 articles' packed rows instead (see :func:`index_rebuild`);
``--window-load 1000000`` loading the story window of the 1M store, one
article at a time and in bulk (see :func:`window_load`).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from multiprocessing import Pool
from pathlib import Path

from jjfeed import dedup, pipeline, story
from jjfeed.config import Config
from jjfeed.model import Article
from jjfeed.store import Filed, Store

SHARED = Path(os.environ.get("JJFEED_SHARED", Path(__file__).resolve().parents[2] / "shared"))
GROUND_TRUTH = SHARED / "data" / "wcxb-dev" / "ground-truth"
ARCHIVE_SEED = 1
NEW_SEED = 2
SOURCES = 50
COPY_EVERY = 10
EDIT = "An update added one more paragraph to this report today."
# Story terms as a run with the default settings stores them (with the window's count
# vectors when dedup.story_vectors is on by default), so the measured run rebuilds nothing.
VECTORS = Config().story_vectors

# -- text ----------------------------------------------------------------------


def load_sentences() -> list[str]:
    """Sentences of at least eight words from the WCXB ground truth, in file order."""
    sentences = []
    for path in sorted(GROUND_TRUTH.glob("*.json")):
        gt = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
        for paragraph in re.split(r"\n\s*\n", gt.get("main_content") or ""):
            for sentence in re.split(r"(?<=[.!?])\s+", paragraph.strip()):
                if len(sentence.split()) >= 8:
                    sentences.append(" ".join(sentence.split()))
    if not sentences:
        raise SystemExit(f"{GROUND_TRUTH}: no WCXB ground truth found (set JJFEED_SHARED)")
    return sentences


_SENTENCES: list[str] = []


def _sentences() -> list[str]:
    if not _SENTENCES:
        _SENTENCES.extend(load_sentences())
    return _SENTENCES


def synth(seed: int, n: int) -> tuple[str, list[str]]:
    """Article ``n`` of series ``seed``: a title and about 500 words in paragraphs.

    Seeded by ``(seed, n)`` alone, so any worker makes the same article in
    any order.
    """
    pool = _sentences()
    rng = random.Random(f"{seed}:{n}")
    words = rng.choice(pool).rstrip(".!?").split()
    title = " ".join(words[: rng.randint(6, 10)])
    paragraphs: list[str] = []
    count = 0
    while count < 480:
        chunk = [rng.choice(pool) for _ in range(rng.randint(3, 4))]
        count += sum(len(s.split()) for s in chunk)
        paragraphs.append(" ".join(chunk))
    return title, paragraphs


def is_copy(n: int) -> bool:
    return n % COPY_EVERY == COPY_EVERY // 2 and n >= 100


def copied_from(n: int) -> int:
    """The archived original article ``n`` is an edited copy of (never itself a copy)."""
    j = random.Random(f"copy:{n}").randrange(5)
    return n - (COPY_EVERY * j + 1)


def archived_body(n: int) -> tuple[str, list[str]]:
    if is_copy(n):
        title, paragraphs = synth(ARCHIVE_SEED, copied_from(n))
        return title, [*paragraphs[:-1], EDIT]
    return synth(ARCHIVE_SEED, n)


# -- the archive ---------------------------------------------------------------


def archived_article(n: int, size: int, anchor: datetime, per_day: int) -> tuple[Article, datetime]:
    """Archived article ``n`` of a ``size``-article store and when it was fetched."""
    title, paragraphs = archived_body(n)
    fetched = anchor - timedelta(seconds=(size - 1 - n) * 86400 / per_day)
    source = f"archive-{n % SOURCES}"
    article = Article(
        source=source,
        guid=f"https://archive.example/{n}",
        title=title,
        url=f"https://archive{n % SOURCES}.example/{n}",
        published=(fetched - timedelta(minutes=n % 120)).replace(microsecond=0),
        text="\n\n".join(paragraphs),
        html="".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs),
    )
    return article, fetched.replace(microsecond=0)


def filed(n: int, size: int, anchor: datetime, per_day: int) -> Filed:
    """Archived article ``n`` with the rows the pipeline's dedup stage stores for it."""
    article, fetched = archived_article(n, size, anchor, per_day)
    root = copied_from(n) if is_copy(n) else n
    cluster = dedup.new_cluster_id(f"archive-{root % SOURCES}", f"https://archive.example/{root}")
    sig, bands = dedup.lsh_keys(article.text)
    terms = story.story_terms(article.title, article.text, counts=VECTORS)
    keyed = story.key_terms(terms)
    keys = dedup.story_keys(keyed) if len(keyed) >= story.MIN_TERMS else []
    return Filed(
        article=article,
        canonical_url=dedup.canonical_url(article.url),
        content_hash=dedup.content_hash(article.text),
        cluster=cluster,
        fetched_at=fetched,
        signature=sig,
        bands=tuple(bands),
        terms=terms,
        story_keys=tuple(keys),
    )


def _filed_chunk(job: tuple[int, int, int, datetime, int]) -> list[Filed]:
    start, stop, size, anchor, per_day = job
    return [filed(n, size, anchor, per_day) for n in range(start, stop)]


def build_store(path: Path, size: int, per_day: int, chunk: int = 2000) -> float:
    """Fill a new store with ``size`` archived articles; return the seconds it took.

    Two worker processes compute the rows, this one writes them, 20,000
    articles per transaction. An interrupted build resumes where its last
    transaction ended, with the anchor it started with.
    """
    resume, anchor = 0, datetime.now(UTC).replace(second=0, microsecond=0)
    if path.exists():
        with Store(path) as store:
            if store.get_meta("bench_built") == str(size):
                return 0.0
            stored = store.get_meta("bench_anchor")
            if stored is not None:
                resume, anchor = store.counts()["articles"], datetime.fromisoformat(stored)
    started = time.perf_counter()
    jobs = [(s, min(size, s + chunk), size, anchor, per_day) for s in range(resume, size, chunk)]
    groups = [jobs[i : i + 10] for i in range(0, len(jobs), 10)]
    with Store(path, cache_mib=1024) as store, Pool(2) as pool:
        store.set_meta("lsh_params", dedup.LSH_PARAMS)
        store.set_meta("story_params", pipeline.story_params(VECTORS))
        store.set_meta("bench_anchor", anchor.isoformat())
        done = resume
        # Double-buffered: the workers compute the next group while this
        # process writes the last one, and never more than one group waits.
        pending = pool.map_async(_filed_chunk, groups[0]) if groups else None
        for number in range(len(groups)):
            assert pending is not None
            ready = pending.get()
            if number + 1 < len(groups):
                pending = pool.map_async(_filed_chunk, groups[number + 1])
            batch = [row for rows in ready for row in rows]
            with store.transaction():
                store.insert_filed(batch)
            done += len(batch)
            rate = (done - resume) / (time.perf_counter() - started)
            print(f"  {path.name}: {done:,}/{size:,} ({rate:,.0f}/s)", file=sys.stderr)
        store.set_meta("bench_built", str(size))
    return time.perf_counter() - started


def store_anchor(path: Path) -> datetime:
    with Store(path) as store:
        value = store.get_meta("bench_anchor")
    return datetime.fromisoformat(value) if value else datetime.now(UTC).replace(microsecond=0)


def check_bulk(size: int, per_day: int, root: Path) -> int:
    """File the first ``size`` archived articles through ``_Deduper`` and compare with bulk.

    Returns how many articles differ in cluster, signature, band keys or
    story terms; prints how many the pipeline put in an older story.
    """
    anchor = datetime.now(UTC).replace(second=0, microsecond=0)
    bulk_path, slow_path = root / "check-bulk.db", root / "check-pipeline.db"
    for p in root.glob("check-*.db*"):
        p.unlink()
    rows = _filed_chunk((0, size, size, anchor, per_day))
    with Store(bulk_path) as bulk, bulk.transaction():
        bulk.insert_filed(rows)
    with Store(slow_path) as slow:
        for n in range(size):
            article, fetched = archived_article(n, size, anchor, per_day)
            with slow.transaction():
                pipeline._Deduper(slow, fetched).file(article, 0)
    differ = joined = 0
    with Store(bulk_path) as bulk, Store(slow_path) as slow:
        sigs, bulk_sigs = dict(slow.signatures()), dict(bulk.signatures())
        for a, b in zip(bulk.articles(), slow.articles(), strict=True):
            same = (
                a.cluster == b.cluster
                and a.content_hash == b.content_hash
                and a.canonical_url == b.canonical_url
                and a.article == b.article
                and sigs.get(b.id) == bulk_sigs.get(a.id)
                and bulk.band_keys(a.id) == slow.band_keys(b.id)
                and bulk.story_keys_of(a.id) == slow.story_keys_of(b.id)
            )
            differ += not same
        stories = slow.cluster_stories()
        joined = sum(1 for c, s in stories.items() if c != s)
    print(
        f"check: {size} articles filed one by one through _Deduper and in bulk: "
        f"{differ} differ in rows; the pipeline put {joined} of {len(stories)} clusters "
        "into an older story (the bulk load founds a story per cluster)"
    )
    return differ


# -- the measured run ----------------------------------------------------------


def write_new_feeds(
    folder: Path, new: int, archive: int, anchor: datetime, per_day: int
) -> list[Path]:
    """``new`` entries in 20 RSS files; 10% are edited copies of last day's archived articles."""
    rng = random.Random(NEW_SEED)
    recent = [n for n in range(max(0, archive - per_day), archive) if not is_copy(n)]
    folder.mkdir(parents=True, exist_ok=True)
    items: list[list[str]] = [[] for _ in range(20)]
    for n in range(new):
        if recent and n % COPY_EVERY == 0:
            title, body = synth(ARCHIVE_SEED, rng.choice(recent))
            body = [*body[:-1], EDIT]
        else:
            title, body = synth(NEW_SEED, n)
        when = format_datetime(anchor - timedelta(minutes=n))
        content = "".join(f"<p>{html.escape(p)}</p>" for p in body)
        items[n % 20].append(
            f"<item><title>{html.escape(title)}</title>"
            f"<link>https://new{n % 20}.example/{n}</link>"
            f'<guid isPermaLink="false">new-{n}</guid><pubDate>{when}</pubDate>'
            f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
        )
    paths = []
    for i, entries in enumerate(items):
        path = folder / f"feed-{i:02}.rss"
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>New {i}</title><link>https://new{i}.example/</link>"
            "<description>bench</description>" + "".join(entries) + "</channel></rss>",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


_FILING = re.compile(r"filing: (\d+) entries, ([\d.]+) s of CPU")


def timed_ingest(
    db: Path, feeds: list[Path], work: Path, profile: Path | None = None, vectors: bool = VECTORS
) -> tuple[float, float, float, float]:
    """Wall seconds, CPU seconds and peak MiB (this child's own rusage) of one ``jjfeed ingest``,
    and the filing step's own CPU per entry in ms (the run logs it with ``-v``).

    CPU time (user + system) is reported next to the wall time because this
    shared machine's other jobs stretch the wall time of a run without
    changing the work it does. It is the run's own process: the workers it
    cleans with are its forkserver's children, not counted here. ``vectors``:
    ``dedup.story_vectors`` for the run (the store's story terms serve both).
    """
    config = work / "feeds.yaml"
    config.write_text(f"dedup:\n  story_vectors: {str(vectors).lower()}\n", encoding="utf-8")
    cmd = [sys.executable]
    if profile is not None:
        cmd += ["-m", "cProfile", "-o", str(profile)]
    cmd += ["-m", "jjfeed", "--config", str(config), "--db", str(db)]
    cmd += ["--output", str(work / "out"), "-v", "ingest"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    log = work / "ingest.log"
    start = time.perf_counter()
    with log.open("wb") as err:
        child = subprocess.Popen(
            [*cmd, *map(str, feeds)], env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=err
        )
        _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"jjfeed ingest against {db} failed with exit code {child.returncode}")
    found = _FILING.search(log.read_text(encoding="utf-8", errors="replace"))
    filing = 1000 * float(found.group(2)) / int(found.group(1)) if found else float("nan")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, filing


def fresh_copy(store_path: Path, work: Path) -> Path:
    """A copy of the built store for one run, so every run starts from the same archive."""
    db = work / "j.db"
    shutil.copyfile(store_path, db)
    return db


def new_article_counts(db: Path) -> tuple[int, int]:
    with Store(db) as store:
        counts = store.counts()
    return counts["articles"], counts["clusters"]


# -- report --------------------------------------------------------------------


def plot(rows: list[dict[str, float]], new: int, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [max(r["size"], 1000) for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    ax.plot(sizes, [r["median"] for r in rows], "o-", label=f"run adding {new:,} entries (median)")
    ax.fill_between(
        sizes, [r["min"] for r in rows], [r["max"] for r in rows], alpha=0.2, label="min to max"
    )
    ax.plot(sizes, [r["cpu"] for r in rows], "d-", label="CPU time of the run (median)")
    ax.plot(
        sizes,
        [r["cpu"] - rows[0]["cpu"] for r in rows],
        "s--",
        label="archive-dependent CPU time (minus the empty-store run's)",
    )
    ax.set_xscale("log")
    ax.set_xlabel("articles already in the store (0 drawn at 1,000)")
    ax.set_ylabel("seconds")
    ax.set_ylim(bottom=min(0.0, *[r["cpu"] - rows[0]["cpu"] for r in rows]) - 0.5)
    ax.grid(True, which="both", alpha=0.3)
    mem = ax.twinx()
    mem.plot(sizes, [r["peak"] for r in rows], "^:", color="grey", label="peak memory (MiB)")
    mem.set_ylabel("peak memory, MiB")
    mem.set_ylim(bottom=0)
    lines = ax.get_legend_handles_labels()
    more = mem.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left", fontsize=8)
    ax.set_title("jjfeed ingest cost against store size")
    fig.tight_layout()
    fig.savefig(out)


def prepared(args: argparse.Namespace, size: int, root: Path) -> Path:
    """The built store of ``size`` articles (built now if missing, migrated if older)."""
    store_path = root / f"store-{size}-{args.per_day}.db"
    built = build_store(store_path, size, args.per_day)
    if built:
        gib = store_path.stat().st_size / 2**30
        print(f"store {size:,}: built in {built:.0f} s ({gib:.2f} GiB)", flush=True)
    # What the store's first run leaves for the next (a no-op once there, or below its size).
    # (Code from before snapshots, run with PYTHONPATH to compare, has none to write.)
    anchor, rows = store_anchor(store_path), 0
    with Store(store_path) as store:
        if hasattr(store, "refresh_key_snapshot"):
            rows = store.refresh_key_snapshot(anchor - Config().window, anchor)
    if rows:
        print(f"store {size:,}: band index snapshot of {rows:,} articles written", flush=True)
    return store_path


def one_run(
    args: argparse.Namespace, size: int, store_path: Path, root: Path, profile: Path | None
) -> tuple[float, float, float, float]:
    """One timed ingest against a fresh copy of the built store."""
    work = Path(tempfile.mkdtemp(prefix=f"run-{size}-", dir=root))
    try:
        db = fresh_copy(store_path, work)
        if not args.snapshot:  # a cache: without it, the run builds its indexes from the rows
            with sqlite3.connect(db) as raw:
                raw.execute("DELETE FROM key_snapshots")
        anchor = store_anchor(store_path)
        feeds = write_new_feeds(work / "feeds", args.new, size, anchor, args.per_day)
        seconds, cpu, peak, filing = timed_ingest(db, feeds, work, profile, args.story_vectors)
        articles, _ = new_article_counts(db)
        print(
            f"store {size:>9,}: {seconds:6.2f} s ({cpu:6.2f} s CPU), "
            f"{args.new / seconds:5.0f} entries/s, peak {peak:5.0f} MiB, "
            f"filing {filing:.3f} ms CPU/entry, {articles - size} articles stored",
            flush=True,
        )
        if args.rerun:  # the same feeds again: a cron run that finds every entry stored
            again, again_cpu, again_peak, _ = timed_ingest(
                db, feeds, work, None, args.story_vectors
            )
            print(
                f"store {size:>9,}: the same feeds again {again:6.2f} s ({again_cpu:6.2f} s CPU),"
                f" peak {again_peak:5.0f} MiB",
                flush=True,
            )
        return seconds, cpu, peak, filing
    finally:
        shutil.rmtree(work, ignore_errors=True)


def window_load(store_path: Path, runs: int = 2) -> None:
    """Time loading a built store's story window, one article at a time and in bulk.

    What a run does when it starts (``_Deduper.prepare``): the story terms of
    two story windows back and one ahead, read from the store, then counted
    into a :class:`jjfeed.story.StoryWindow`, article by article (``add``) or
    all at once (``load``, what a run does). CPU seconds of this process.
    """
    span = Config().story_window
    with Store(store_path, reader=True) as store:
        anchor = store_anchor(store_path)
        for run in range(runs):
            started = time.process_time()
            rows = list(store.story_terms_between(anchor - 2 * span, anchor + span))
            read = time.process_time() - started
            timed = {}
            for way in ("add", "load"):
                window = story.StoryWindow()
                started = time.process_time()
                if way == "add":
                    for row in rows:
                        window.add(*row)
                else:
                    window.load(rows)
                timed[way] = time.process_time() - started
            print(
                f"window of {len(rows):,} articles, run {run + 1}: read {read:.2f} s, "
                f"one by one {timed['add']:.2f} s, in bulk {timed['load']:.2f} s of CPU",
                flush=True,
            )


def index_rebuild(size: int, root: Path, runs: int = 3) -> None:
    """Time building the in-memory key indexes of ``size`` articles' packed rows.

    The rows are synthetic (random 64-bit keys, as many per article as the
    real ones: 73 band keys, 32 story keys; first fetches spread over the
    dedup window): what is timed is reading the packed rows of the window
    and indexing them, in a fresh reading connection, as a worker does at
    its first lookup of a run. Then the cost of one lookup.
    """
    import resource

    rng = random.Random(3)
    db = root / f"rebuild-{size}.db"
    now = datetime(2026, 11, 20, tzinfo=UTC)
    if not db.exists():
        with Store(db) as store, store.transaction():
            for start in range(0, size, 20_000):
                store.insert_filed(
                    [
                        Filed(
                            Article(
                                source="s", guid=f"g{n}", url=None, title="t", text="w", html="w"
                            ),
                            None,
                            f"h{n}",
                            f"c{n}",
                            now - timedelta(days=30) * (n / size),
                            bands=tuple(rng.getrandbits(64) - 2**63 for _ in range(73)),
                            story_keys=tuple(rng.getrandbits(64) - 2**63 for _ in range(32)),
                        )
                        for n in range(start, min(size, start + 20_000))
                    ]
                )
    since = now - timedelta(days=31)
    probe = [rng.getrandbits(64) - 2**63 for _ in range(73)]
    with sqlite3.connect(db) as raw:  # built from the rows, not from an earlier run's snapshot
        raw.execute("DELETE FROM key_snapshots")
    for run in range(runs):
        with Store(db, reader=True) as reader:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            reader.band_candidates(probe, since=since)
            bands = time.perf_counter() - started
            started = time.perf_counter()
            reader.story_candidate_terms(probe[:32], since, now, per_key=50, min_shared=2)
            stories = time.perf_counter() - started
            grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
            started = time.perf_counter()
            for _ in range(1000):
                reader.band_candidates(probe, since=since)
                reader.story_candidate_terms(probe[:32], since, now, per_key=50, min_shared=2)
            lookup = (time.perf_counter() - started) / 1000
        print(
            f"rebuild {size:,} articles, run {run + 1}: band index {bands:.3f} s "
            f"({size * 73:,} keys), story index {stories:.3f} s ({size * 32:,} keys), "
            f"peak memory +{grown:.0f} MiB; then one band + one story lookup {lookup * 1e3:.3f} ms",
            flush=True,
        )
    # The same band index restored from a snapshot (what a run does once one is kept).
    with Store(db) as store:
        store.refresh_key_snapshot(since, now, min_rows=0)
    for run in range(runs):
        with Store(db, reader=True) as reader:
            cpu = time.process_time()
            reader.band_candidates(probe, since=since)
            restored = time.process_time() - cpu
            started = time.perf_counter()
            for _ in range(1000):
                reader.band_candidates(probe, since=since)
            lookup = (time.perf_counter() - started) / 1000
        print(
            f"restore {size:,} articles, run {run + 1}: band index from its snapshot "
            f"{restored:.3f} s of CPU; then one band lookup {lookup * 1e3:.3f} ms",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="0,10000,100000")
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-day", type=int, default=10_000, help="archive growth rate")
    parser.add_argument("--keep", type=Path, help="folder for the stores (reused when present)")
    parser.add_argument("--plot", type=Path, help="write the cost-against-size PNG here")
    parser.add_argument("--profile", action="store_true", help="cProfile the first run of each")
    parser.add_argument("--build-only", action="store_true", help="build the stores, time nothing")
    parser.add_argument("--check", type=int, default=0, help="compare bulk with _Deduper on N")
    parser.add_argument(
        "--index-rebuild", type=int, default=0, help="time the key indexes of N articles"
    )
    parser.add_argument(
        "--window-load", type=int, default=0, help="time loading the story window of size N"
    )
    parser.add_argument(
        "--story-vectors",
        action=argparse.BooleanOptionalAction,
        default=VECTORS,
        help="runs with dedup.story_vectors (the default's; stores are built with count vectors"
        " when the default has them, and serve runs either way)",
    )
    parser.add_argument(
        "--rerun", action="store_true", help="after each run, time one more over the same feeds"
    )
    parser.add_argument(
        "--snapshot",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="runs against a store holding the band index snapshot an earlier run left"
        " (--no-snapshot: a store's first run, which writes it at its end)",
    )
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="jjfeed-growth-"))
    root.mkdir(parents=True, exist_ok=True)
    if args.window_load:
        window_load(prepared(args, args.window_load, root))
        return 0
    if args.index_rebuild:
        index_rebuild(args.index_rebuild, root)
        return 0
    if args.check:
        return 1 if check_bulk(args.check, args.per_day, root) else 0
    if args.build_only:
        for size in [int(s) for s in args.sizes.split(",")]:
            built = build_store(root / f"store-{size}-{args.per_day}.db", size, args.per_day)
            print(f"store {size:,}: built in {built:.0f} s", flush=True)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    stores = {size: prepared(args, size, root) for size in sizes}
    measured: dict[int, list[tuple[float, float, float, float]]] = {size: [] for size in sizes}
    # Rounds, each size once per round in turn, so that a busy spell on the
    # shared machine falls on every size alike rather than on one.
    for run in range(args.runs):
        for size in sizes:
            profile = root / f"profile-{size}.prof" if args.profile and run == 0 else None
            measured[size].append(one_run(args, size, stores[size], root, profile))
    rows = []
    for size in sizes:
        seconds = [s for s, _, _, _ in measured[size]]
        rows.append(
            {
                "size": size,
                "median": statistics.median(seconds),
                "min": min(seconds),
                "max": max(seconds),
                "cpu": statistics.median(c for _, c, _, _ in measured[size]),
                "peak": max(p for _, _, p, _ in measured[size]),
                "filing_ms": statistics.median(f for _, _, _, f in measured[size]),
            }
        )
    base, base_cpu = rows[0]["median"], rows[0]["cpu"]
    print(
        f"\n| articles in store | run adding {args.new:,} entries (median of {args.runs}) "
        "| min-max | entries/s | ratio to first | archive-dependent part "
        "| CPU time (median) | CPU ratio to first | peak memory | filing CPU per entry |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['size']:,} | {r['median']:.2f} s | {r['min']:.2f}-{r['max']:.2f} s "
            f"| {args.new / r['median']:.0f} | {r['median'] / base:.2f} "
            f"| {r['median'] - base:+.2f} s | {r['cpu']:.2f} s | {r['cpu'] / base_cpu:.2f} "
            f"| {r['peak']:.0f} MiB | {r['filing_ms']:.3f} ms |"
        )
    saved = root / "results.json"
    history = json.loads(saved.read_text()) if saved.exists() else {}
    history.update({str(r["size"]): r for r in rows})
    saved.write_text(json.dumps(history, indent=1))
    if args.plot:
        # Every size measured so far under --keep (a 1M session can add its
        # row to an earlier one); the ratios above are within this session.
        plot([history[k] for k in sorted(history, key=int)], args.new, args.plot)
        print(f"plot written to {args.plot} (sizes {', '.join(sorted(history, key=int))})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
