"""How often each block rule fires on story text and on boilerplate.

Every line of every ``main_content`` in the WCXB development split (709 pages,
``../shared/data/wcxb-dev``) is story text a rule must leave alone; every
``without`` snippet is boilerplate it may take. Each rule of
``jjfeed.clean.rules.STANDALONE_RULES`` is run on both, within its reach, and
the counts are printed as one markdown table: a rule that fires on story lines
more than now and then is too broad.

The metadata lines (bylines, datelines) are left out: they are meant to fire
on lines that hold facts, wherever they stand.

Usage: python benchmarks/rule_hits.py [--data PATH] [--show RULE]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from jjfeed.clean import rules

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "wcxb-dev"
_LIST_MARKS = "-*#>| "


def story_lines(data: Path) -> list[tuple[str, str]]:
    """(page, line) for each non-empty line of each ``main_content``."""
    out = []
    for path in sorted((data / "ground-truth").glob("*.json")):
        truth = json.loads(path.read_text("utf-8"))["ground_truth"]
        for line in str(truth.get("main_content") or "").split("\n"):
            line = line.strip().lstrip(_LIST_MARKS).strip()
            if line:
                out.append((path.stem, line))
    return out


def boilerplate(data: Path) -> list[tuple[str, str]]:
    """(page, snippet) for each ``without`` snippet."""
    out = []
    for path in sorted((data / "ground-truth").glob("*.json")):
        truth = json.loads(path.read_text("utf-8"))["ground_truth"]
        out += [(path.stem, str(s).strip()) for s in truth.get("without") or [] if str(s).strip()]
    return out


def fires(reach: int, rule: rules.Rule, text: str) -> bool:
    return rules.word_count(text) <= reach and rule(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show", help="print the lines one rule fires on")
    args = parser.parse_args(argv)
    story, furniture = story_lines(args.data), boilerplate(args.data)
    on_story: Counter[str] = Counter()
    on_furniture: Counter[str] = Counter()
    for name, reach, rule in rules.STANDALONE_RULES:
        for page, line in story:
            if fires(reach, rule, line):
                on_story[name] += 1
                if name == args.show:
                    print(f"story   {page} {line[:120]!r}")
        for page, snippet in furniture:
            if fires(reach, rule, snippet):
                on_furniture[name] += 1
                if name == args.show:
                    print(f"without {page} {snippet[:120]!r}")
    print(f"{len(story):,} story lines, {len(furniture):,} `without` snippets\n")
    print("| rule | fires on story lines | fires on `without` snippets |")
    print("|---|---|---|")
    for name, _, _ in rules.STANDALONE_RULES:
        print(f"| {name} | {on_story[name]} | {on_furniture[name]} |")
    print(f"| all | {sum(on_story.values())} | {sum(on_furniture.values())} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
