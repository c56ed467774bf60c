"""What each block rule costs on the entries ``bench_entry.py`` cleans.

The blocks are those ``judge_blocks`` is given while ``clean_html`` cleans
the 45 real entries of ``bench_entry.py``. Each standalone rule of
``jjfeed.clean.rules.STANDALONE_RULES`` is timed on every block within its
reach (a long block meets only the rules that judge long blocks), as are the
metadata lines and ``judge_blocks`` as a whole; the figures are milliseconds
per entry, the median of ``--repeat`` passes.

Usage: python benchmarks/rule_costs.py [--repeat N] [--pages N] [--top N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence

import bench_entry

from jjfeed.clean import blocks, html, rules


def entry_blocks(bodies: Sequence[str]) -> list[list[str]]:
    """The blocks judge_blocks is given for each body, as clean_html cleans it."""
    seen: list[list[str]] = []
    judge = html.judge_blocks

    def recording(texts: Sequence[str], **kwargs: bool) -> blocks.Judgement:
        seen.append(list(texts))
        return judge(texts, **kwargs)

    html.judge_blocks = recording  # type: ignore[assignment]
    try:
        for body in bodies:
            html.clean_html(body)
    finally:
        html.judge_blocks = judge
    return seen


def per_entry_ms(work: Callable[[], object], entries: int, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        runs.append(time.perf_counter() - start)
    return 1000 * statistics.median(runs) / entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", type=int, default=150, help="WCXB pages to take articles from")
    parser.add_argument("--top", type=int, default=12, help="rules to list, costliest first")
    args = parser.parse_args(argv)
    shared = bench_entry.SHARED
    bodies = bench_entry.feed_entries(shared / "feeds-real") + bench_entry.article_entries(
        shared / "wcxb-dev", args.pages
    )
    bodies = [b for b in bodies if bench_entry.MIN_CHARS <= len(b) <= bench_entry.MAX_CHARS]
    judged = entry_blocks(bodies)
    texts = [t for group in judged for t in group]
    n = len(bodies)

    def within(name: str, reach: int) -> list[str]:
        long_ok = name in rules.LONG_BLOCK_RULES
        return [
            t
            for t in texts
            if rules.word_count(t) <= reach
            and (long_ok or rules.word_count(t) <= rules.RULE_REACH_WORDS)
        ]

    costs = {}
    for name, reach, rule in rules.STANDALONE_RULES:
        mine = within(name, reach)
        costs[name] = per_entry_ms(lambda r=rule, m=mine: [r(t) for t in m], n, args.repeat)
    short = within("", rules.RULE_REACH_WORDS)
    meta = per_entry_ms(
        lambda: [blocks._read_meta_line(t, blocks.Found()) for t in short], n, args.repeat
    )
    whole = per_entry_ms(
        lambda: [blocks.judge_blocks(g, plain=False, find_title=False) for g in judged],
        n,
        args.repeat,
    )
    print(f"{n} entries, {len(texts)} blocks; ms per entry, median of {args.repeat}")
    print("| work | ms per entry |\n|---|---|")
    print(f"| judge_blocks, whole | {whole:.3f} |")
    print(f"| standalone rules, all | {sum(costs.values()):.3f} |")
    print(f"| metadata lines | {meta:.3f} |")
    for name, cost in sorted(costs.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"| rule: {name} | {cost:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
