"""Fetch benchmark: 500 feeds on 50 loopback hosts, every response 100 ms late.

    python benchmarks/bench_fetch.py              # the issue's setting
    python benchmarks/bench_fetch.py --items 1 --delay 0.05

A server process binds 127.0.0.2 ... 127.0.0.51 (Linux routes all of
127/8 to the loopback interface), one threaded HTTP server per address on a
shared port, ten feeds each. Every answer waits ``--delay`` seconds first;
a request whose If-None-Match matches the feed's ETag gets a 304. The
server counts what it answered and the most requests it had in flight per
host.

The client is jjfeed itself with the default settings (16 workers, 2 per
host): a feeds.yaml listing the 500 feeds host by host (the order that
starves a naive pool), then two ``pipeline.run`` calls in a fresh folder.
Each run is timed whole (fetch, parse, clean, dedup, store, publish) and
its fetching alone is timed too: the same requests through
``fetch.fetch_all`` (first without validators, then with the stored ones).
The floor is delay x requests / workers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import random
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from jjfeed import fetch, pipeline  # noqa: E402
from jjfeed.config import load_config  # noqa: E402
from jjfeed.model import FetchSettings  # noqa: E402
from jjfeed.store import Store  # noqa: E402

HOSTS = [f"127.0.0.{i}" for i in range(2, 52)]
# A vocabulary big enough that generated stories do not look like copies of each other.
WORDS = (
    "council harbour tram station budget mayor river bridge library archive volunteers "
    "engineers museum festival weather storm coast ferry schedule residents survey report "
    "committee funding vote plan district school teachers students hospital nurses clinic "
    "market traders night stalls music lights winter summer season opening closing repairs "
    "delay contract builders steel concrete tunnel platform tickets fares passengers route "
    "north south east west island quay lighthouse fishing boats catch quota scientists data "
    "court judge appeal ruling police officers patrol arrest witness evidence trial verdict "
    "farm harvest wheat barley orchard cattle sheep dairy drought flood reservoir pipeline "
    "energy solar wind turbine grid battery prices inflation wages union strike talks deal "
    "election candidate ballot turnout campaign debate poll minister parliament law reform "
    "theatre choir gallery painter novel poet prize award film premiere audience critics "
    "league match goal striker keeper coach injury transfer stadium fans season title cup"
).split()


def feed_xml(host: int, feed: int, items: int) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>',
        f"<title>Feed {host}/{feed}</title><link>http://h{host}.example/</link>",
    ]
    for item in range(items):
        seed = (host * 1000 + feed) * 100 + item
        rng = random.Random(seed)
        text = " ".join(rng.choice(WORDS) for _ in range(120)).capitalize() + "."
        parts.append(
            f"<item><title>Story {seed}</title><link>http://h{host}.example/{feed}/{item}</link>"
            f"<guid>http://h{host}.example/{feed}/{item}</guid><description>&lt;p&gt;{text}"
            "&lt;/p&gt;</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def serve(port: int, delay: float, items: int, feeds_per_host: int, ready: mp.Event) -> None:  # type: ignore[valid-type]
    counts: Counter[str] = Counter()
    inflight: Counter[str] = Counter()
    peak: Counter[str] = Counter()
    lock = threading.Lock()
    bodies = {
        (h, f): feed_xml(h, f, items) for h in range(len(HOSTS)) for f in range(feeds_per_host)
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            host = self.server.server_address[0]  # type: ignore[index]
            if self.path == "/stats":
                body = json.dumps({"counts": counts, "peak_per_host": max(peak.values() or [0])})
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())
                return
            with lock:
                inflight[host] += 1
                peak[host] = max(peak[host], inflight[host])
            time.sleep(delay)
            h = HOSTS.index(host)
            f = int(self.path.strip("/").removesuffix(".xml").removeprefix("feed"))
            etag = f'"{h}-{f}"'
            fresh = self.headers.get("If-None-Match") == etag
            with lock:
                counts["conditional" if "If-None-Match" in self.headers else "unconditional"] += 1
                counts["304" if fresh else "200"] += 1
                # Out of flight before the first byte goes back: the client cannot have
                # the answer (and send its next request) before this count drops.
                inflight[host] -= 1
            if fresh:
                self.send_response(304)
                self.end_headers()
                return
            body = bodies[(h, f)]
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    servers = []
    for host in HOSTS:
        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        server.request_queue_size = 64
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    while True:
        time.sleep(3600)


def free_port() -> int:
    """A port free on every one of the loopback hosts (tries a few)."""
    for _ in range(20):
        probe = socket.socket()
        probe.bind((HOSTS[0], 0))
        port = int(probe.getsockname()[1])
        probe.close()
        sockets = []
        try:
            for host in HOSTS:
                s = socket.socket()
                s.bind((host, port))
                sockets.append(s)
            return port
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise SystemExit("no port free on all of 127.0.0.2-51")


def stats(port: int) -> dict[str, object]:
    with socket.create_connection((HOSTS[0], port), timeout=5) as s:
        s.sendall(b"GET /stats HTTP/1.0\r\n\r\n")
        data = b""
        for _ in range(1000):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return json.loads(data.split(b"\r\n\r\n", 1)[1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--items", type=int, default=2, help="items per feed")
    parser.add_argument("--feeds-per-host", type=int, default=10)
    args = parser.parse_args()

    port = free_port()
    ready = mp.get_context("spawn").Event()
    server = mp.get_context("spawn").Process(
        target=serve, args=(port, args.delay, args.items, args.feeds_per_host, ready), daemon=True
    )
    server.start()
    if not ready.wait(30):
        raise SystemExit("server did not start")
    settings = FetchSettings()
    n = len(HOSTS) * args.feeds_per_host
    floor = args.delay * n / settings.workers
    print(
        f"machine: {platform.processor() or platform.machine()}, {mp.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()}"
    )
    print(
        f"{n} feeds on {len(HOSTS)} hosts, {args.items} items each, delay {args.delay * 1000:.0f} ms"
    )
    print(
        f"defaults: {settings.workers} workers, {settings.per_host} per host; floor {floor:.2f} s"
    )

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lines = ["title: bench", "sources:"]
        urls = []
        for h, host in enumerate(HOSTS):
            for f in range(args.feeds_per_host):
                url = f"http://{host}:{port}/feed{f}.xml"
                urls.append(url)
                lines += [f"  - name: h{h}-f{f}", f"    url: {url}"]
        (root / "feeds.yaml").write_text("\n".join(lines) + "\n")
        config = load_config(root / "feeds.yaml")
        assert config.fetch == settings

        rows = []
        jobs = [fetch.Job(s, s.url or "") for s in config.sources]
        started = time.monotonic()
        with fetch.fetch_all(jobs, settings=settings) as fetching:
            fetched = list(fetching)
        rows.append(("fetch only, unconditional", time.monotonic() - started, fetched))

        for label in ("run 1 (first)", "run 2 (nothing changed)"):
            before = stats(port)["counts"]
            started = time.monotonic()
            report = pipeline.run(config)
            elapsed = time.monotonic() - started
            after = stats(port)["counts"]
            sent = {k: after.get(k, 0) - before.get(k, 0) for k in after}  # type: ignore[union-attr,attr-defined]
            statuses = Counter(r.status for r in report.results)
            print(
                f"{label:<28} {elapsed:6.2f} s  ({elapsed / floor:.2f}x floor)  "
                f"statuses {dict(statuses)}  server saw {sent}  "
                f"new {sum(r.new for r in report.results)} entries {report.entries}"
            )

        with Store(config.database) as store:
            jobs = [
                fetch.Job(s, s.url or "", state.validators)
                for s, state in zip(
                    config.sources, [store.get_source(s.name) for s in config.sources], strict=True
                )
                if state is not None
            ]
        started = time.monotonic()
        with fetch.fetch_all(jobs, settings=settings) as fetching:
            fetched = list(fetching)
        rows.append(("fetch only, conditional", time.monotonic() - started, fetched))
        for label, elapsed, results in rows:
            kinds = Counter(
                "304" if r.not_modified else (r.error_kind or str(r.status)) for r in results
            )
            print(f"{label:<28} {elapsed:6.2f} s  ({elapsed / floor:.2f}x floor)  {dict(kinds)}")
        print(f"peak requests in flight to one host: {stats(port)['peak_per_host']}")
    server.terminate()


if __name__ == "__main__":
    main()
