"""What the shared Redis index costs: per article, per lock, per stored document.

Real text: ``--docs`` articles of about 500 words, each a deterministic mix
of paragraphs from ``../shared/data/wcxb-dev`` main_content, 10% of them
near-copies (a paragraph dropped, a few words changed) of an earlier one.
Against a redis-server this script starts on 127.0.0.1 (or ``--url``):

- filing: each article judged and filed through :class:`RedisIndex` under
  its lock (what ``_Deduper.file`` does with ``dedup.backend: redis``),
  against the floor measured in the same run: the same verdict's own work
  with no store at all (signatures, shingles, the exact check on the same
  candidates), and next to the SQLite index doing the same job;
- the lock alone: acquire + release per second, one client and two
  processes at once (the most any number of workers can file together);
- memory: Redis ``used_memory`` per filed article.

Medians of ``--repeats`` runs. Run: ``python benchmarks/bench_redis.py``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

from jjfeed import dedup, pipeline
from jjfeed.dedup.redis_index import RedisIndex
from jjfeed.model import Article
from jjfeed.store import Store

SHARED = Path(os.environ.get("JJFEED_SHARED", Path(__file__).resolve().parents[2] / "shared"))
GROUND_TRUTH = SHARED / "data" / "wcxb-dev" / "ground-truth"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def corpus(n: int, seed: int = 11) -> list[Article]:
    """``n`` articles of ~500 words; every tenth is a near-copy of an earlier one."""
    paragraphs = []
    for path in sorted(GROUND_TRUTH.glob("*.json")):
        gt = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
        paragraphs += [
            p.strip()
            for p in re.split(r"\n\s*\n", gt.get("main_content") or "")
            if len(p.split()) >= 20
        ]
    rng = random.Random(seed)
    texts: list[str] = []
    for i in range(n):
        if i % 10 == 9:
            words = texts[rng.randrange(len(texts))].split()
            cut = rng.randrange(len(words) // 2)
            words = words[:cut] + words[cut + 40 :]
            for j in rng.sample(range(len(words)), 5):
                words[j] = f"changed{i}"
            texts.append(" ".join(words))
            continue
        body: list[str] = []
        while sum(len(p.split()) for p in body) < 500:
            body.append(rng.choice(paragraphs))
        texts.append("\n\n".join(body))
    return [
        Article(source=f"s{i % 20}", guid=f"g{i}", url=None, title=f"t{i}", text=t)
        for i, t in enumerate(texts)
    ]


def start_server() -> tuple[subprocess.Popen[bytes], str, Path]:
    server = shutil.which("redis-server")
    if server is None:
        sys.exit("redis-server is not installed (Debian: apt-get install redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder), "--logfile", str(folder / "redis.log")],
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    client.close()
    return proc, url, folder


def file_redis(url: str, articles: list[Article]) -> tuple[float, int, int, float, int]:
    """Seconds to file every article, duplicates found, Redis bytes used by them; then
    seconds to forget them all (as a run does once they leave the window), bytes left."""
    ns = f"bench{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(url)
    before = int(client.info("memory")["used_memory"])
    dups = 0
    with RedisIndex(url, ns) as index:
        index.prepare()
        since = NOW - timedelta(days=30)
        start = time.perf_counter()
        for i, article in enumerate(articles):
            with index.deciding():
                verdict = index.verdict(article, None, None, since)
                index.add(i, NOW)
            dups += verdict.status == "duplicate"
        elapsed = time.perf_counter() - start
        used = int(client.info("memory")["used_memory"]) - before
        start = time.perf_counter()
        index.forget_before(NOW + timedelta(seconds=1))
        forgetting = time.perf_counter() - start
    left = int(client.info("memory")["used_memory"]) - before
    keys = list(client.scan_iter(match=f"{ns}:*", count=10_000))
    for chunk in range(0, len(keys), 10_000):
        client.delete(*keys[chunk : chunk + 10_000])
    client.close()
    return elapsed, dups, used, forgetting, left


def file_sqlite(articles: list[Article]) -> tuple[float, int]:
    """The same job for the SQLite index (exact keys, band table, texts), one transaction."""
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "db.sqlite") as store:
        index = pipeline._SqliteIndex(store)
        index.prepare()
        dups = 0
        since = NOW - timedelta(days=30)
        start = time.perf_counter()
        with store.transaction():
            for article in articles:
                verdict = index.verdict(article, None, None, since)
                store.create_cluster(verdict.cluster, NOW)
                article_id = store.insert(
                    article,
                    canonical_url=None,
                    content_hash=dedup.content_hash(article.text),
                    cluster=verdict.cluster,
                    priority=0,
                    when=NOW,
                )
                index.add(article_id, NOW)
                dups += verdict.status == "duplicate"
        return time.perf_counter() - start, dups


def floor(articles: list[Article]) -> float:
    """The verdict's own computation with no index: signatures, shingles, exact keys."""
    start = time.perf_counter()
    for article in articles:
        dedup.signatures(article.text)
        dedup.shingle_hashes(article.text)
        dedup.hash_key(article.text)
    return time.perf_counter() - start


def _lock_loop(url: str, name: str, seconds: float, out: multiprocessing.Queue[int]) -> None:
    client = redis.Redis.from_url(url)
    count = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        lock = client.lock(name, timeout=30, blocking_timeout=30)
        lock.acquire()
        lock.release()
        count += 1
    client.close()
    out.put(count)


def lock_rate(url: str, workers: int, seconds: float = 3.0) -> float:
    """Acquire+release pairs per second, all workers together, on one lock key."""
    name = f"benchlock{uuid.uuid4().hex[:8]}"
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_lock_loop, args=(url, name, seconds, queue))
        for _ in range(workers)
    ]
    for p in procs:
        p.start()
    total = sum(queue.get(timeout=seconds + 30) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    return total / seconds


def ping_seconds(url: str, n: int = 2000) -> float:
    client = redis.Redis.from_url(url)
    client.ping()
    start = time.perf_counter()
    for _ in range(n):
        client.ping()
    elapsed = (time.perf_counter() - start) / n
    client.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--url", default=None, help="an existing Redis (default: start one)")
    args = parser.parse_args()
    proc = folder = None
    url = args.url
    if url is None:
        proc, url, folder = start_server()
    try:
        articles = corpus(args.docs)
        redis_runs, sqlite_runs, floors, memory = [], [], [], []
        forget_runs, memory_left = [], []
        for _ in range(args.repeats):
            floors.append(floor(articles))
            seconds, dups_redis, used, forgetting, left = file_redis(url, articles)
            redis_runs.append(seconds)
            memory.append(used / len(articles))
            forget_runs.append(forgetting)
            memory_left.append(left)
            seconds, dups_sqlite = file_sqlite(articles)
            sqlite_runs.append(seconds)
        rtt = ping_seconds(url)
        locks = {w: statistics.median(lock_rate(url, w) for _ in range(3)) for w in (1, 2)}
        med = statistics.median
        n = len(articles)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
              f"Python {platform.python_version()}, redis-py {redis.__version__}, "
              f"{redis.Redis.from_url(url).info('server')['redis_version']} redis-server")  # fmt: skip
        print(f"articles: {n} (~500 words, 10% near-copies); medians of {args.repeats} runs")
        print(f"floor (signatures+shingles, no index): {n / med(floors):,.0f}/s")
        print(
            f"redis index, lock per article: {n / med(redis_runs):,.0f}/s "
            f"({med(redis_runs) / med(floors):.1f}x the floor), "
            f"{med(redis_runs) / n * 1000:.2f} ms/article, {dups_redis} duplicates"
        )
        print(
            f"sqlite index: {n / med(sqlite_runs):,.0f}/s "
            f"({med(sqlite_runs) / med(floors):.1f}x the floor), {dups_sqlite} duplicates"
        )
        print(f"redis memory: {med(memory):,.0f} bytes per article")
        print(
            f"forgetting them (forget_before): {n / med(forget_runs):,.0f}/s, "
            f"{med(memory_left):,.0f} bytes left of {med(memory) * n:,.0f}"
        )
        print(f"redis round trip (PING): {rtt * 1e6:.0f} us")
        print(f"lock acquire+release: {locks[1]:,.0f}/s one client, {locks[2]:,.0f}/s two")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
