"""Auto tags at publish time: how long finding an article's salient names takes.

Every run publishes the feed's newest entries (100 by default) and finds
each representative's salient names again (``tag.auto_tags``), so this cost
is paid by every cron run, new articles or not. It times ``auto_tags`` over
the articles of ``bench_pipeline.py``'s corpus (about 500 words each, from
the WCXB ground truth, fixed seed), in feeds of ``--limit`` entries.

Run: ``python benchmarks/bench_tags.py [--articles 1000] [--limit 100] [--runs 3]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_pipeline  # noqa: E402  (its corpus)

from jjfeed import tag  # noqa: E402
from jjfeed.model import Article  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    articles = [
        Article(source=f"site{n % 20}", guid=str(n), url=None, title=title, text="\n\n".join(body))
        for n, (title, body, _) in enumerate(bench_pipeline.entries(args.articles))
    ]
    feeds = [articles[i : i + args.limit] for i in range(0, len(articles), args.limit)]
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for feed in feeds:
            tag.auto_tags(feed)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(
        f"auto_tags over {len(articles)} articles in feeds of {args.limit}: median {median:.2f} s "
        f"({min(times):.2f}-{max(times):.2f}), {1000 * median / len(articles):.2f} ms an article"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
