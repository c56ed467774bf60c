"""Tags for an article: from its source's config, its own categories and its text.

Pure functions. Tags are normalised (whitespace collapsed, compared without
case, synonyms from feeds.yaml folded into one spelling) so one topic is one
tag. Two kinds come from the text at publish time, when the configuration is
at hand: tags from the rules in feeds.yaml, and the salient names of the
article (people, shows, organisations, places), found by
:func:`salient_names`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

from ..model import Article, Cluster, Tagging, TagRule
from .names import (
    Candidates,
    candidates,
    choose_names,
    common_words,
    house_names,
    salient_names,
)

MAX_TAG_LENGTH = 64


def normalise_tag(tag: str) -> str | None:
    """A tag with whitespace collapsed, or None when nothing usable is left."""
    cleaned = re.sub(r"\s+", " ", tag).strip(" \t#,;|•·")
    if not cleaned or len(cleaned) > MAX_TAG_LENGTH:
        return None
    return cleaned


def merge_tags(*groups: Iterable[str]) -> tuple[str, ...]:
    """All tags of all groups in order, each topic once (case-insensitive)."""
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for raw in group:
            tag = normalise_tag(raw)
            if tag is None or tag.casefold() in seen:
                continue
            seen.add(tag.casefold())
            out.append(tag)
    return tuple(out)


def tags_for(
    source_tags: Iterable[str], entry_tags: Iterable[str], recovered: Iterable[str]
) -> tuple[str, ...]:
    """The article's tags: the source's config first, then the entry's, then those found in the text."""
    feed_given = (t for group in (entry_tags, recovered) for t in group if not is_placeholder(t))
    return merge_tags(source_tags, feed_given)


# -- rules ---------------------------------------------------------------------


def rule_pattern(rule: TagRule) -> re.Pattern[str]:
    """One case-insensitive pattern for a rule: any phrase or regex, as whole words.

    A phrase's words may be separated by any whitespace; a regex is wrapped so
    it cannot match inside a word ("art" does not tag "start").
    """
    parts = [r"\s+".join(re.escape(w) for w in phrase.split()) for phrase in rule.phrases]
    parts += [f"(?:{p})" for p in rule.patterns]
    if not parts:
        return re.compile(r"(?!)")
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=32)
def _compiled(rules: tuple[TagRule, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((rule.tag, rule_pattern(rule)) for rule in rules)


def rule_tags(rules: Sequence[TagRule], title: str, text: str) -> tuple[str, ...]:
    """The tags of every rule that matches the title or the text, in rule order."""
    found = []
    for tag, pattern in _compiled(tuple(rules)):
        if pattern.search(title) or pattern.search(text):
            found.append(tag)
    return tuple(found)


# -- synonyms and spelling -----------------------------------------------------


def apply_synonyms(tags: Iterable[str], synonyms: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """Each tag replaced by its configured spelling (variants compared without case)."""
    table = _synonym_table(tuple(synonyms))
    return merge_tags(table.get(t.casefold(), t) for t in (normalise_tag(t) or "" for t in tags))


@lru_cache(maxsize=32)
def _synonym_table(synonyms: tuple[tuple[str, str], ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for variant, canonical in synonyms:
        norm_variant, norm_canonical = normalise_tag(variant), normalise_tag(canonical)
        if norm_variant and norm_canonical:
            table[norm_variant.casefold()] = norm_canonical
            table.setdefault(norm_canonical.casefold(), norm_canonical)
    return table


def unify_spellings(
    tag_lists: Sequence[tuple[str, ...]], fixed: Iterable[str] = ()
) -> list[tuple[str, ...]]:
    """One spelling per topic across all entries, so a reader sees one tag, not three.

    A spelling in ``fixed`` (the synonyms' targets) always wins; otherwise the
    most used spelling, then a capitalised one over all-capitals over lower
    case ("News", "NEWS", "news"), then the first in code-point order, so the
    choice never depends on the order of entries.
    """
    counts: Counter[str] = Counter(t for tags in tag_lists for t in tags)
    best: dict[str, str] = {}
    for spelling in sorted(counts, key=lambda s: (-counts[s], _case_rank(s), s)):
        best.setdefault(spelling.casefold(), spelling)
    for spelling in fixed:
        best[spelling.casefold()] = spelling
    return [merge_tags(best.get(t.casefold(), t) for t in tags) for tags in tag_lists]


def _case_rank(text: str) -> int:
    if text[:1].isupper() and not text.isupper():
        return 0
    return 1 if text.isupper() else 2


# What a blog engine files a post under when nobody chose a category: no tag.
_PLACEHOLDER_TAGS = frozenset(
    t.casefold()
    for t in (
        "Uncategorized", "Uncategorised", "Uncategorized posts", "General", "Allgemein",
        "Non classé", "Non classe", "Sans catégorie", "Sin categoría", "Sin categoria",
        "Senza categoria", "Geen categorie", "Ongecategoriseerd", "Nezařazené", "Nezaradené",
        "Sem categoria", "Unkategorisiert", "Okategoriserade", "Ukategoriseret",
        "Bez kategorii", "Без рубрики",
    )
)  # fmt: skip


def is_placeholder(tag: str) -> bool:
    """True for a category that says nothing: WordPress's "Uncategorized" and its kin."""
    return " ".join(tag.split()).casefold() in _PLACEHOLDER_TAGS


def entry_tags(
    cluster: Cluster, tagging: Tagging, auto: Sequence[str] | None = None
) -> tuple[str, ...]:
    """A cluster's tags: every member's, then the rules', then the article's salient names.

    ``auto`` are the names when already chosen (see :func:`auto_tags`).
    """
    rep = cluster.representative.article
    members = [
        t
        for m in (cluster.representative, *cluster.members)
        for t in m.article.tags
        if not is_placeholder(t)
    ]
    rules = rule_tags(tagging.rules, rep.title, rep.text)
    if auto is None:
        auto = salient_names(rep.title, rep.text, tagging.auto_max, (rep.source,))
    auto = auto if tagging.auto else ()
    return apply_synonyms(merge_tags(members, rules, auto), tagging.synonyms)


def auto_tags(
    articles: Sequence[Article],
    limit: int = 5,
    recent: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> list[tuple[str, ...]]:
    """Each article's salient names, judged against the others.

    A one-word name the feed mostly writes in lower case is a word
    (:func:`common_words`); a name a source repeats in most of its posts, or
    its own name, is the source's (:func:`house_names`), learned from
    ``recent`` (source -> its recent ``(title, text)``) where given, else from
    its articles among these.
    """
    found = [candidates(a.title, a.text) for a in articles]
    common = common_words(found)
    by_source: dict[str, list[Candidates]] = {}
    for article, f in zip(articles, found, strict=True):
        by_source.setdefault(article.source, []).append(f)
    house = {
        source: house_names((recent or {}).get(source) or own) for source, own in by_source.items()
    }
    return [
        choose_names(f, limit, (a.source, *house[a.source]), common)
        for a, f in zip(articles, found, strict=True)
    ]


def tag_clusters(
    clusters: Sequence[Cluster],
    tagging: Tagging,
    recent: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> list[Cluster]:
    """Every cluster with its final tags, spelled one way across the whole feed.

    ``recent`` (source -> its recent ``(title, text)``) is what
    :func:`auto_tags` learns each source's own names from; without it, from
    the source's entries among ``clusters``.
    """
    reps = [c.representative.article for c in clusters]
    auto = auto_tags(reps, tagging.auto_max, recent) if tagging.auto else [()] * len(reps)
    tag_lists = [entry_tags(c, tagging, a) for c, a in zip(clusters, auto, strict=True)]
    fixed = [canonical for _, canonical in tagging.synonyms]
    unified = unify_spellings(tag_lists, (t for t in (normalise_tag(f) for f in fixed) if t))
    return [replace(c, tags=tags) for c, tags in zip(clusters, unified, strict=True)]
