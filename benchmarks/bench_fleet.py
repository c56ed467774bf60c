"""Several workers, one merged feed: one PostgreSQL store against the Redis design (issue 20).

The corpus is ``bench_pipeline.py``'s (``--entries`` articles of about 500
words from the WCXB ground truth, one in ten an edited copy of an earlier
one), written as ``--feeds`` RSS feeds and served over HTTP on 127.0.0.1 by
this script, so the workers fetch and schedule them as real feeds. Then,
in the same run, ``--workers`` processes ``jjfeed run`` at once:

- **postgres**: every worker runs the whole feeds.yaml against one
  PostgreSQL database (``database: postgresql://...``): they claim the
  sources among themselves and file into the one store;
- **redis**: the design before it: each worker runs ``--shard i/N`` with
  its own SQLite store and ``dedup.backend: redis``;
- **sqlite** (only with ``--workers 1``): one process, one SQLite store,
  the reference.

Reported per design: wall time from the first start to the last exit,
entries per second for the whole fleet, articles stored, clusters (a copy
caught once makes one cluster with its original: the corpus has
``entries - entries // 10`` of them), and feeds fetched more than once.
Servers: a throwaway PostgreSQL cluster (tests/postgres_server.py) and a
redis-server, both started here on 127.0.0.1.

Run: ``python benchmarks/bench_fleet.py [--entries 10000] [--feeds 80] [--workers 4]``
"""

from __future__ import annotations

import argparse
import contextlib
import html
import multiprocessing
import os
import platform
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import bench_pipeline  # noqa: E402  (its corpus)
import bench_redis  # noqa: E402  (its redis-server)

import postgres_server  # noqa: E402
from jjfeed.config import load_config  # noqa: E402
from jjfeed.model import Article  # noqa: E402
from jjfeed.store import Store  # noqa: E402


def feeds(count: int, files: int) -> dict[str, bytes]:
    """The corpus as ``files`` RSS documents, by URL path."""
    items: list[list[str]] = [[] for _ in range(files)]
    for n, (title, body, _) in enumerate(bench_pipeline.entries(count)):
        content = "".join(f"<p>{html.escape(p)}</p>" for p in body)
        when = format_datetime(bench_pipeline.NOW - timedelta(minutes=n))
        items[n % files].append(
            f"<item><title>{html.escape(title)}</title>"
            f"<link>https://site{n % files}.example/{n}</link>"
            f'<guid isPermaLink="false">bench-{n}</guid><pubDate>{when}</pubDate>'
            f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
        )
    return {
        f"/site-{i:03}.rss": (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>Site {i}</title><link>https://site{i}.example/</link>"
            "<description>benchmark feed</description>" + "".join(chunk) + "</channel></rss>"
        ).encode()
        for i, chunk in enumerate(items)
    }


class Server:
    """The feeds over HTTP on 127.0.0.1; counts the requests per path."""

    def __init__(self, routes: dict[str, bytes]) -> None:
        self.hits: Counter[str] = Counter()
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                body = routes.get(self.path)
                hits[self.path] += 1
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"


def write_config(folder: Path, server: Server, paths: list[str], head: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [*head, "output: out", "time_budget: 3600", "sources:"]
    for path in paths:
        lines += [
            f"  - name: {path.strip('/').removesuffix('.rss')}",
            f"    url: {server.base}{path}",
        ]
    config = folder / "feeds.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def fleet(commands: list[tuple[list[str], Path]], processes: int) -> float:
    """Start every worker at once; seconds until the last one is done."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    env["JJFEED_PROCESSES"] = str(processes)
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for cmd, cwd in commands
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=7200)
        if proc.returncode != 0:
            sys.exit(f"a worker failed ({proc.returncode}): {err[-2000:]}")
    return time.perf_counter() - start


def stored(databases: list[Path | str]) -> tuple[int, int]:
    """Articles stored and distinct clusters, over these stores."""
    articles, clusters = 0, set()
    for database in databases:
        with Store(database, must_exist=True) as store:
            for article in store.articles():
                articles += 1
                clusters.add(article.cluster)
    return articles, len(clusters)


UNIT = 50
"""Articles filed per transaction in the filing part (one source's worth of entries)."""


def _file_share(
    design: str, target: str, articles: list[Article], ready: Any, go: Any, out: Any
) -> None:
    """One worker of the filing part: file ``articles`` (features made before the clock)."""
    from jjfeed.pipeline.filing import _Deduper
    from jjfeed.pipeline.prepare import _features

    prepared = [(a, _features(a)) for a in articles]
    with contextlib.ExitStack() as stack:
        if design in ("postgres", "sqlite"):
            store = stack.enter_context(Store(target if design == "postgres" else Path(target)))
            index = None
        else:
            from jjfeed.dedup.redis_index import RedisIndex

            store = stack.enter_context(Store(Path(tempfile.mkdtemp(prefix="fleet-")) / "j.db"))
            index = stack.enter_context(RedisIndex(target, "fleet"))
        deduper = _Deduper(store, bench_pipeline.NOW, index=index)
        deduper.prepare()
        held = [0.0]  # seconds inside the Redis design's one lock (its deciding())
        if index is not None:
            deciding = index.deciding

            @contextlib.contextmanager
            def timed() -> Iterator[None]:
                with deciding():
                    entered = time.perf_counter()
                    try:
                        yield
                    finally:
                        held[0] += time.perf_counter() - entered

            index.deciding = timed  # type: ignore[method-assign]
        ready.wait()
        go.wait()
        start = time.perf_counter()
        duplicates = 0
        for i in range(0, len(prepared), UNIT):
            with deduper.unit():
                for article, features in prepared[i : i + UNIT]:
                    duplicates += deduper.file_isolated(article, 0, features) == "duplicate"
        out.put((time.perf_counter() - start, len(prepared), duplicates, held[0]))


def filing(design: str, target: str, shares: list[list[Article]]) -> tuple[float, int, int, float]:
    """Every worker files its share at once: seconds until the last is done, articles,
    duplicates, and the seconds spent inside the design's one lock (Redis; none in PostgreSQL)."""
    ctx = multiprocessing.get_context("spawn")
    ready, go, out = ctx.Barrier(len(shares) + 1), ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_file_share, args=(design, target, share, ready, go, out))
        for share in shares
    ]
    for proc in procs:
        proc.start()
    ready.wait(timeout=600)
    start = time.perf_counter()
    go.set()
    results: list[tuple[float, int, int, float]] = []
    while len(results) < len(procs):
        try:
            results.append(out.get(timeout=5))
        except queue.Empty:
            failed = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if failed:
                for proc in procs:
                    proc.kill()
                sys.exit(f"a {design} filing worker failed (exit {failed[0]}); see above")
    seconds = time.perf_counter() - start
    for proc in procs:
        proc.join(timeout=60)
    return (
        seconds,
        sum(r[1] for r in results),
        sum(r[2] for r in results),
        sum(r[3] for r in results),
    )


def corpus_articles(count: int, files: int) -> list[list[Article]]:
    """The corpus as articles, one list per feed (source ``site-NNN``)."""
    by_feed: list[list[Article]] = [[] for _ in range(files)]
    for n, (title, body, _) in enumerate(bench_pipeline.entries(count)):
        source = f"site-{n % files:03}"
        by_feed[n % files].append(
            Article(source=source, guid=f"bench-{n}", url=None, title=title, text="\n\n".join(body))
        )
    return by_feed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--feeds", type=int, default=80)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--processes", type=int, default=1, help="JJFEED_PROCESSES per worker")
    parser.add_argument(
        "--only",
        choices=("postgres", "redis", "sqlite"),
        action="append",
        help="sqlite: one process and one SQLite store, no fleet (the reference; --workers 1)",
    )
    parser.add_argument("--part", choices=("filing", "run"), action="append")
    args = parser.parse_args(argv)
    designs = args.only or ["postgres", "redis"]
    parts = args.part or ["filing", "run"]
    expected = args.entries - args.entries // 10
    print(f"{args.entries} entries in {args.feeds} feeds, {args.workers} workers of "
          f"{args.processes} process(es); {expected} distinct articles; {platform.node()}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    if "sqlite" in designs and args.workers != 1:
        parser.error("--only sqlite is one process: give --workers 1")
    for part in parts:
        for design in designs:
            with _servers(design) as target:
                if part == "filing":
                    _filing_part(design, target, args)
                else:
                    _run_part(design, target, args)
    return 0


@contextlib.contextmanager
def _servers(design: str) -> Iterator[str]:
    """A fresh PostgreSQL database (its URL), Redis server (its URL) or SQLite file, gone afterwards."""
    if design == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="bench-fleet-sqlite-"))
        try:
            yield str(folder / "j.db")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if design == "postgres":
        folder, url = postgres_server.start()
        try:
            postgres_server.wait_until_ready(url, 30)
            subprocess.run(["psql", url, "-qc", "CREATE DATABASE fleet"], check=True)
            database = url.rsplit("/", 1)[0] + "/fleet"
            Store(database).close()  # the schema, before the clock starts
            yield database
        finally:
            postgres_server.stop(folder)
        return
    proc, url, folder = bench_redis.start_server()
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _filing_part(design: str, target: str, args: argparse.Namespace) -> None:
    by_feed = corpus_articles(args.entries, args.feeds)
    shares = [
        [a for f in range(w, args.feeds, args.workers) for a in by_feed[f]]
        for w in range(args.workers)
    ]
    seconds, articles, duplicates, held = filing(design, target, shares)
    ceiling = f"{articles / held:6.0f} articles/s" if held else "none (no store-wide lock)"
    print(
        f"filing {design:8}: {seconds:7.2f} s, {articles / seconds:6.1f} articles/s for the "
        f"fleet; {duplicates} duplicates (expected {args.entries // 10}); one lock held "
        f"{1000 * held / articles:.2f} ms an article, so at most {ceiling} for any fleet",
        flush=True,
    )


def _run_part(design: str, target: str, args: argparse.Namespace) -> None:
    routes = feeds(args.entries, args.feeds)
    paths = sorted(routes)
    server = Server(routes)
    work = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    jjfeed = bench_pipeline.jjfeed_command()
    try:
        if design in ("postgres", "sqlite"):
            configs = [
                write_config(work / f"pg{i}", server, paths, [f"database: {target}"])
                for i in range(1, args.workers + 1)
            ]
            commands = [([*jjfeed, "--config", str(c), "run"], c.parent) for c in configs]
            databases: list[Path | str] = [target if design == "postgres" else Path(target)]
        else:
            head = ["database: j.db", "dedup:", "  backend: redis", "redis:", f"  url: {target}"]
            configs = [
                write_config(work / f"redis{i}", server, paths, head)
                for i in range(1, args.workers + 1)
            ]
            commands = [
                ([*jjfeed, "--config", str(c), "run", "--shard", f"{i}/{args.workers}"], c.parent)
                for i, c in enumerate(configs, start=1)
            ]
            databases = [load_config(c).database for c in configs]
        seconds = fleet(commands, args.processes)
        articles, clusters = stored(databases)
        twice = sum(1 for n in server.hits.values() if n > 1)
        expected = args.entries - args.entries // 10
        print(
            f"run    {design:8}: {seconds:7.2f} s, {articles / seconds:6.1f} entries/s for the "
            f"fleet; {articles} articles stored, {clusters} clusters (expected {expected}), "
            f"{len(server.hits)} feeds fetched, {twice} more than once",
            flush=True,
        )
    finally:
        server.httpd.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
