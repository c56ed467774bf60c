"""The page block scorer: features from plain facts, trees walked the way LightGBM does."""

from __future__ import annotations

import gzip
import json

import pytest

from conftest import SHARED
from jjfeed.clean import clean_page
from jjfeed.clean import page as page_module
from jjfeed.clean import scorer as scorer_module
from jjfeed.clean.features import CONTENT, FEATURE_COUNT, BlockFacts, page_rows
from jjfeed.clean.html import clean_tree, parse_body
from jjfeed.clean.scorer import (
    BlockScorer,
    rules_only,
    shipped_scorer,
    trees_from_lightgbm,
)

STORY = (
    "The council voted on Tuesday to reopen the old mill bridge to cyclists, after a "
    "two-year closure that pushed commuters onto the ring road."
)


def _leaf(value: float) -> dict[str, float]:
    return {"leaf_value": value}


def _split(feature: int, threshold: float, left: dict, right: dict) -> dict:
    return {
        "split_feature": feature,
        "threshold": threshold,
        "decision_type": "<=",
        "left_child": left,
        "right_child": right,
    }


def _dump(*trees: dict) -> dict:
    return {
        "feature_names": [f"f{i}" for i in range(FEATURE_COUNT)],
        "tree_info": [{"tree_structure": tree} for tree in trees],
    }


def test_trees_are_walked_like_lightgbm() -> None:
    # Feature 0 is log1p(words): a one-word block goes left, a long one right.
    deep = _split(0, 1.0, _split(2, 0.5, _leaf(-3.0), _leaf(-1.0)), _leaf(2.0))
    flat = _leaf(0.5)
    scorer = BlockScorer.from_dict(trees_from_lightgbm(_dump(deep, flat)))
    short = BlockFacts(text="Share", tag="p")
    linked = BlockFacts(text="Home", tag="p", link_chars=4)
    rows = page_rows([short, linked, BlockFacts(text=STORY, tag="p")])
    assert list(scorer.margins(rows)) == [-2.5, -0.5, 2.5]


def test_a_block_the_rules_dropped_stays_dropped() -> None:
    keep_all = BlockScorer.from_dict(trees_from_lightgbm(_dump(_leaf(5.0))))
    drop_all = BlockScorer.from_dict(trees_from_lightgbm(_dump(_leaf(-5.0))))
    blocks = [
        BlockFacts(text="Why the bridge closed", tag="h2"),
        BlockFacts(text="Share this article", tag="p", reason="furniture"),
    ]
    assert keep_all(blocks) == [True, False]
    assert drop_all(blocks) == [False, False]
    assert rules_only(blocks) == [True, False]


def test_finished_prose_is_kept_without_asking() -> None:
    drop_all = BlockScorer.from_dict(trees_from_lightgbm(_dump(_leaf(-5.0))))
    blocks = [BlockFacts(text=STORY, tag="p"), BlockFacts(text=STORY.rstrip("."), tag="p")]
    assert drop_all(blocks) == [True, False]


def test_the_threshold_decides_a_close_call() -> None:
    trees = trees_from_lightgbm(_dump(_leaf(0.0)))  # probability 0.5 for every block
    blocks = [BlockFacts(text="Why the bridge closed", tag="h2")]
    assert BlockScorer.from_dict(trees, keep_threshold=0.4)(blocks) == [True]
    assert BlockScorer.from_dict(trees, keep_threshold=0.6)(blocks) == [False]


def test_a_model_for_other_features_is_refused() -> None:
    trees = trees_from_lightgbm(_dump(_leaf(1.0)))
    trees["features"] = FEATURE_COUNT + 1
    with pytest.raises(ValueError, match="features"):
        BlockScorer.from_dict(trees)


def test_rows_see_the_neighbours() -> None:
    story = BlockFacts(text=STORY, tag="p")
    alone = page_rows([story, story])[0]
    beside_menu = page_rows([story, BlockFacts(text="Home", tag="li", link_chars=4)])[0]
    assert len(alone) == len(beside_menu) == FEATURE_COUNT
    assert alone != beside_menu


def test_the_shipped_model_drops_a_menu_trafilatura_left_out_under_a_story() -> None:
    scorer = shipped_scorer()
    assert scorer is shipped_scorer()  # read once
    story = [BlockFacts(text=STORY, tag="p"), BlockFacts(text="Why the bridge closed", tag="h2")]
    story += [BlockFacts(text=STORY, tag="p")] * 2
    menu = [
        BlockFacts(
            text=label,
            tag="li",
            ancestors=("ul", "div"),
            link_chars=len(label),
            agreed=0.0,
            marks=("menu-item", "site-menu"),
        )
        for label in ("Home", "News", "Sport", "Weather", "Contact us")
    ]
    assert scorer(story + menu) == [True] * len(story) + [False] * len(menu)


def test_clean_tree_asks_the_decider_about_every_leaf_block() -> None:
    seen: list[list[str]] = []

    def drop_second(blocks):  # type: ignore[no-untyped-def]
        seen.append([block.text for block in blocks])
        return [index != 1 for index in range(len(blocks))]

    body = parse_body(f"<div class='entry'><p>{STORY}</p><p>Second block</p><p>Third</p></div>")
    assert body is not None
    result = clean_tree(body, None, decide=drop_second)
    assert seen == [[STORY, "Second block", "Third"]]
    assert "Second block" not in result.text and "Third" in result.text


def test_clean_page_asks_the_decider_it_is_given() -> None:
    facts: list[BlockFacts] = []

    def record(blocks):  # type: ignore[no-untyped-def]
        facts.extend(blocks)
        return rules_only(blocks)

    page = (
        "<html><body><div id='main'><article class='post'>"
        + "".join(f"<p>{STORY} Paragraph {n}.</p>" for n in range(6))
        + "</article></div></body></html>"
    )
    cleaned = clean_page(page, "https://example.org/a", decide=record)
    assert facts and all(block.tag == "p" for block in facts)
    assert "Paragraph 5" in cleaned.text


WCXB = SHARED / "data" / "wcxb-dev"


@pytest.mark.needs_shared(WCXB / "html" / "0027.html.gz")
def test_recall_path_brings_back_a_section_trafilatura_left_out() -> None:
    # A real page of the WCXB development set (the shipped model has seen it:
    # an example, not a measure): trafilatura leaves a list of the article
    # out, the rules alone with it; the default page path, the shipped model
    # judging the region's blocks, brings it back.
    page = gzip.decompress((WCXB / "html" / "0027.html.gz").read_bytes()).decode("utf-8")
    record = json.loads((WCXB / "ground-truth" / "0027.json").read_text("utf-8"))
    truth = record["ground_truth"]
    wanted = "A place that feels especially peaceful to you, like the mountains or a beach"
    assert wanted in truth["main_content"]
    plain = clean_page(page, record["url"], decide=rules_only, recall=False)
    recalled = clean_page(page, record["url"])  # the default: the shipped model, recall path
    assert wanted not in plain.text
    assert wanted in recalled.text


def _long_page(paragraphs: int) -> str:
    return (
        "<html><body><div id='main'><article class='post'>"
        + "".join(f"<p>{STORY} Paragraph {n}.</p>" for n in range(paragraphs))
        + "</article><div class='related'><p>Other story</p></div></div></body></html>"
    )


def test_recall_path_that_loses_most_of_the_article_falls_back_to_trafilaturas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if trafilatura had left prose of the region out, so the region is judged.
    monkeypatch.setattr(page_module, "missed_prose", lambda main, agreement: 10**6)
    calls: list[list[BlockFacts]] = []

    def drop_all_first(blocks):  # type: ignore[no-untyped-def]
        calls.append(list(blocks))
        return [False] * len(blocks) if len(calls) == 1 else rules_only(blocks)

    page = _long_page(40)
    cleaned = clean_page(page, "https://example.org/a", decide=drop_all_first, recall=True)
    assert len(calls) == 2  # the region, then trafilatura's article
    assert "Paragraph 39" in cleaned.text


def test_a_short_article_takes_the_usual_path_even_with_recall(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tried: list[str] = []
    region = page_module._recall_region

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        tried.append("region")
        return region(*args, **kwargs)

    monkeypatch.setattr(page_module, "_recall_region", spy)
    short = _long_page(3)
    assert len(" ".join([STORY] * 3).split()) < page_module.RECALL_MIN_WORDS
    clean_page(short, "https://example.org/a", decide=rules_only, recall=True)
    assert tried == []
    clean_page(_long_page(40), "https://example.org/a", decide=rules_only, recall=True)
    assert tried == ["region"]


def test_a_region_with_no_missed_prose_is_not_judged() -> None:
    # trafilatura returned every paragraph of the region: judging the region
    # could add nothing, so only trafilatura's article is judged (once).
    calls: list[list[BlockFacts]] = []

    def record(blocks):  # type: ignore[no-untyped-def]
        calls.append(list(blocks))
        return rules_only(blocks)

    cleaned = clean_page(_long_page(40), "https://example.org/a", decide=record, recall=True)
    assert len(calls) == 1
    assert "Paragraph 39" in cleaned.text


def test_missed_prose_counts_only_prose_trafilatura_left_out() -> None:
    body = parse_body(
        "<div><p>The mayor opened the new bridge on Monday after three years of work.</p>"
        "<p>Engineers said the span would carry twelve thousand cars a day from June.</p>"
        "<ul><li>Home</li><li>Sign in to your account</li></ul>"
        "<p>Share</p></div>"
    )
    assert body is not None
    theirs = "The mayor opened the new bridge on Monday after three years of work."
    agreement = page_module.Agreement(theirs.lower().replace(".", "").split())
    # The second paragraph (13 words) is missed prose; the menu and the share
    # button are too short to be, and the first paragraph was returned.
    assert page_module.missed_prose(body, agreement) == 13


def _facts(tag: str, text: str, agreed: float = 1.0, reason: str = CONTENT) -> BlockFacts:
    return BlockFacts(
        text=text, tag=tag, ancestors=("div",), link_chars=0, reason=reason, agreed=agreed
    )


def test_a_subheading_goes_with_the_section_it_opens() -> None:
    prose = "The showrunner promised a more personal story, with the Defenders in the past."
    blocks = [
        _facts("p", prose),
        _facts("h2", "What to expect"),
        _facts("p", prose),
        _facts("h3", "Related"),
        _facts("p", "Luke Cage is cancelled, and other news from the week.", agreed=0.0),
        _facts("h3", "More"),
        _facts("p", "Short line"),
    ]
    # The model dropped every heading; only the one that opens kept prose
    # trafilatura returned comes back ("Related" opens a teaser trafilatura
    # left out, "More" a line that is not prose).
    keep = [True, False, True, False, True, False, True]
    assert scorer_module.keep_section_headings(blocks, keep) == [
        True,
        True,
        True,
        False,
        True,
        False,
        True,
    ]
    # A heading a phrase rule dropped stays dropped.
    ruled = [*blocks[:1], _facts("h2", "Share this", reason="prompt"), *blocks[2:3]]
    assert scorer_module.keep_section_headings(ruled, [True, False, True]) == [True, False, True]
