"""Tags: rules, synonyms, one spelling per topic, and salient names from the text."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import SEEDS
from jjfeed import pipeline, tag
from jjfeed.config import parse_config
from jjfeed.errors import ConfigError
from jjfeed.model import Article, Cluster, StoredArticle, Tagging, TagRule

T = datetime(2026, 11, 1, tzinfo=UTC)


def _cluster(cid: str, title: str, text: str, *member_tags: tuple[str, ...]) -> Cluster:
    members = tuple(
        StoredArticle(
            i, Article(f"S{i}", f"g{i}", None, title, text=text, tags=tags), None, "h", cid, T
        )
        for i, tags in enumerate(member_tags or ((),))
    )
    return Cluster(cid, members, members[0], T)


def _seed_articles() -> list[Article]:
    paths = sorted(str(p) for p in SEEDS.glob("*.txt"))
    assert len(paths) == 5, f"expected the five seed articles in {SEEDS}"
    out = []
    for _, article in pipeline.extract(paths):
        assert isinstance(article, Article), article
        out.append(article)
    return out


@pytest.mark.needs_shared(SEEDS)
def test_jessica_jones_is_a_salient_name_of_every_seed_article() -> None:
    for article in _seed_articles():
        names = tag.salient_names(article.title, article.text, 5)
        assert len(names) <= 5
        assert names[0] == "Jessica Jones", (article.title, names)


@pytest.mark.needs_shared(SEEDS)
def test_seed_names_are_names() -> None:
    found: set[str] = set()
    more: set[str] = set()
    for article in _seed_articles():
        found.update(tag.salient_names(article.title, article.text, 5))
        more.update(tag.salient_names(article.title, article.text, 10))
    assert {"Krysten Ritter", "Kilgrave", "Melissa Rosenberg"} <= found
    # Named once in four seeds (no tag there), three times in the fifth, where
    # eight names are mentioned more: a tag when more than five are wanted.
    assert "David Tennant" in more - found
    # Words capitalised for other reasons are not names.
    for word in ("Season", "The", "It", "Netflix Announces", "Warning", "March"):
        assert word not in more


def test_salient_names_rules() -> None:
    text = (
        "Monday was busy. The council met Ada Lovelace in Harbour Town. "
        "Later Ada spoke to reporters about the Harbour Town tram. "
        "Lovelace said the New York office agreed. Trams run again."
    )
    names = tag.salient_names("Tram news", text)
    assert names[:2] == ("Ada Lovelace", "Harbour Town")
    assert "Monday" not in names and "Trams" not in names and "Later" not in names
    # Only ever at the start of a sentence: no evidence it is a name.
    assert "Lovelace said" not in names
    # A name matters when it is in the title or met twice: one mention is not enough.
    assert tag.salient_names("", "One mention of Grace Hopper only.", 5) == ()
    assert tag.salient_names("Grace Hopper", "One mention of Grace Hopper.", 5) == ("Grace Hopper",)
    assert tag.salient_names("", "Nothing capitalised here.", 5) == ()
    assert tag.salient_names("", text, 1) == ("Ada Lovelace",)


def test_possessives_initials_and_the() -> None:
    text = (
        "We watched The Defenders again. Fans of The Defenders know Marvel’s plans. "
        "J.R. Ramirez joins as Oscar, and J.R. Ramirez's role is small."
    )
    names = tag.salient_names("", text)
    assert "The Defenders" in names
    assert "J.R. Ramirez" in names


def test_rules_match_whole_words_without_case() -> None:
    rules = (
        TagRule("Art", phrases=("art",)),
        TagRule("Trams", phrases=("tram line",)),
        TagRule("Season 2", patterns=(r"season\s+(?:2|two)",)),
    )
    assert tag.rule_tags(rules, "Start of the TRAM\nline", "") == ("Trams",)
    assert tag.rule_tags(rules, "", "Art and Season Two") == ("Art", "Season 2")
    assert tag.rule_tags(rules, "", "seasons 22 of smart art-deco") == ("Art",)
    assert tag.rule_tags(rules, "", "Season 22") == ()


def test_synonyms_and_one_spelling_across_the_feed() -> None:
    synonyms = (("marvel's jessica jones", "Jessica Jones"), ("tv", "Television"))
    assert tag.apply_synonyms(["Marvel’s Jessica Jones", "TV", " tv "], synonyms) == (
        "Marvel’s Jessica Jones",
        "Television",
    )
    assert tag.apply_synonyms(["Marvel's  Jessica Jones", "JESSICA JONES"], synonyms) == (
        "Jessica Jones",
    )
    unified = tag.unify_spellings([("news", "Local"), ("News",), ("NEWS", "local")])
    assert unified == [("News", "Local"), ("News",), ("News", "Local")]


def test_tag_clusters_merges_every_kind() -> None:
    tagging = Tagging(
        rules=(TagRule("Transport", phrases=("tram",)),),
        synonyms=(("local news", "Local"),),
        auto_max=2,
    )
    text = (
        "Ada Lovelace opened the tram. Crowds cheered Ada Lovelace and Grace Hopper twice. "
        "Grace Hopper waved."
    )
    a = _cluster("a", "Tram opens", text, ("local news", "Wire"), ("Opening",))
    b = _cluster("b", "Other", "Nothing here.", ("local",))
    tagged = tag.tag_clusters([a, b], tagging)
    assert tagged[0].tags == (
        "Local", "Wire", "Opening", "Transport", "Ada Lovelace", "Grace Hopper"
    )  # fmt: skip
    assert tagged[1].tags == ("Local",)
    off = tag.tag_clusters([a], Tagging(auto=False))
    assert "Ada Lovelace" not in off[0].tags


def test_tags_config_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    config = parse_config(
        "tags:\n"
        "  auto: false\n"
        "  auto_max: 3\n"
        "  synonyms:\n"
        "    Television: [tv, telly]\n"
        "    Jessica Jones: marvel's jessica jones\n"
        "  rules:\n"
        "    - tag: Netflix\n"
        "      words: netflix\n"
        "    - tag: Season 2\n"
        "      regex: ['season\\s+(2|two)']\n"
        "      words: [second season]\n",
        path,
    )
    t = config.tagging
    assert (t.auto, t.auto_max) == (False, 3)
    assert t.synonyms == (
        ("tv", "Television"),
        ("telly", "Television"),
        ("marvel's jessica jones", "Jessica Jones"),
    )
    assert t.rules == (
        TagRule("Netflix", phrases=("netflix",)),
        TagRule("Season 2", phrases=("second season",), patterns=(r"season\s+(2|two)",)),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tags:\n  auto: maybe\n", r"feeds.yaml:2: tags.auto: must be true or false"),
        ("tags:\n  rules:\n    - words: [x]\n", r"feeds.yaml:3: tags.rules\[0\]: missing .*'tag'"),
        ("tags:\n  rules:\n    - tag: X\n", r"feeds.yaml:3: tags.rules\[0\]: give 'words' or"),
        (
            "tags:\n  rules:\n    - tag: X\n      regex: '(unclosed'\n",
            r"feeds.yaml:4: tags.rules\[0\].regex: bad regex",
        ),
        ("tags:\n  colour: red\n", r"feeds.yaml:2: tags.colour: unknown key"),
    ],
)
def test_bad_tags_config_names_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(text, tmp_path / "feeds.yaml")
