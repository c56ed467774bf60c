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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .model import Cluster, Tagging, TagRule

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
    return merge_tags(source_tags, entry_tags, recovered)


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


# -- salient names -------------------------------------------------------------

# Capitalised words that are not names, or not names on their own: function
# words that start sentences, calendar words, numbers, honorifics, and the
# generic nouns of headlines and captions.
_NOT_NAMES = frozenset(
    """
    a an the this that these those there here then than thus so such it its it's i i'm i've i'd
    he she we they you me him her us them his hers our ours their theirs your yours my mine who
    whom whose what which when where why how whether while if unless until after before since
    because although though as at by for from in into of off on onto out over to up with within
    without about above across against along among around behind below beneath beside between
    beyond during except inside near through throughout toward towards under upon via and but or
    nor yet also still even just only not no yes all any both each every few many more most much
    other some one two three four five six seven eight nine ten first second third last next
    is are was were be been being am do does did have has had will would shall should can
    could may might must let lets however meanwhile instead indeed perhaps maybe already now today
    tonight tomorrow yesterday later earlier again once well oh ok okay please thanks thank hey so
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december spring summer autumn fall winter
    mr mrs ms miss dr prof sir dame lord lady st mt
    councillor mayor president minister senator governor judge chief professor captain inspector
    detective officer sergeant coach showrunner director
    season seasons episode episodes series part chapter volume issue photo photos picture pictures
    image images video videos trailer teaser clip update updates warning spoiler spoilers review
    reviews interview news report exclusive breaking live watch read more click share related
    advertisement sponsored subscribe sign login comments comment source sources credit credits
    getty via continue story stories page home menu search cookies privacy terms
    """.split()
)
_CONNECTORS = frozenset({"of", "de", "del", "der", "van", "von", "da", "di", "du", "la", "le", "&"})
_HONORIFIC = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Prof|Sir|St|Mt)\.?$")
_INITIALS = re.compile(r"^(?:[A-Z]\.)+[A-Z]?\.?$")
_TOKEN = re.compile(r"^([^\w&]*)([\w&][\w&'’.\-]*?[\w&]?)([^\w&]*)$")
_POSSESSIVE = re.compile(r"['’]s?$")
_SENTENCE_END = re.compile(r"[.!?:;]['\"’”)\]]*$|^[—–-]+$")


@dataclass
class _Name:
    spellings: Counter[str] = field(default_factory=Counter)
    count: int = 0
    mid_sentence: bool = False
    first: int = 0


def salient_names(title: str, text: str, limit: int = 5) -> tuple[str, ...]:
    """The names an article is about, most salient first, at most ``limit``.

    A name is a run of capitalised words ("Jessica Jones", "New York Police
    Department"), cut at punctuation and at words that are capitalised for
    other reasons (sentence starts, "Season", "Monday"). A lone word that is
    part of a longer name ("Jessica", "Jones") counts for that name. A
    one-word name must be met mid-sentence at least once (a sentence's first
    word proves nothing), and every name must score at least 2: one per mention, one more for being in
    the title, one more for having several words.
    """
    names: dict[str, _Name] = {}
    position = 0
    for run, mid in _name_runs(text):
        display = " ".join(run)
        key = _key(display)
        if not key:
            continue
        name = names.get(key)
        if name is None:
            name = names[key] = _Name(first=position)
        name.spellings[display] += 1
        name.count += 1
        # Two capitalised words in a row are a name wherever they stand.
        name.mid_sentence = name.mid_sentence or mid or len(run) > 1
        position += 1
    _absorb_single_words(names)
    folded_title = " " + " ".join(re.findall(r"[\w&'’.\-]+", title)).casefold() + " "
    scored = []
    for key, name in names.items():
        if not name.mid_sentence:
            continue
        score = name.count + (1 if " " in key else 0)
        if f" {key} " in folded_title:
            score += 1
        if score >= 2:
            scored.append((-score, name.first, _spelling(name)))
    return tuple(spelling for _, _, spelling in sorted(scored)[:limit])


def _key(display: str) -> str:
    words = display.split()
    if words and words[0].casefold() == "the" and len(words) > 1:
        words = words[1:]
    return " ".join(words).casefold()


def _spelling(name: _Name) -> str:
    return min(name.spellings, key=lambda s: (-name.spellings[s], -len(s), s))


def _absorb_single_words(names: dict[str, _Name]) -> None:
    """Credit "Jessica" and "Jones" to "Jessica Jones" when the longer name was seen."""
    longer = [k for k in names if 1 < len(k.split()) <= 3]
    for key in [k for k in names if " " not in k]:
        holders = [k for k in longer if key in (k.split()[0], k.split()[-1])]
        if not holders:
            continue
        target = max(holders, key=lambda k: (names[k].count, -names[k].first))
        single = names.pop(key)
        names[target].count += single.count
        names[target].first = min(names[target].first, single.first)


def _name_runs(text: str) -> Iterable[tuple[list[str], bool]]:
    """Each run of capitalised words, and whether it started mid-sentence."""
    for paragraph in text.split("\n"):
        run: list[str] = []
        run_mid = False
        sentence_start = True
        for raw in paragraph.split():
            match = _TOKEN.match(raw)
            if match is None:
                yield from _finish(run, run_mid)
                run = []
                sentence_start = bool(_SENTENCE_END.search(raw)) or sentence_start
                continue
            lead, core, trail = match.groups()
            if _INITIALS.match(core + trail) and not core.endswith("."):
                core, trail = core + trail[:1], trail[1:]
            honorific = bool(_HONORIFIC.match(core))
            possessive = _POSSESSIVE.search(core)
            if possessive:
                core = core[: possessive.start()]
            if lead:
                yield from _finish(run, run_mid)
                run = []
            capital = core[:1].isupper() and core.casefold().rstrip(".") not in _NOT_NAMES
            # "The" mid-sentence opens a name ("of The Defenders"); at a sentence start it may not.
            the = core == "The" and not sentence_start and not trail
            if the and run and run[-1] in _CONNECTORS:
                yield from _finish(run, run_mid)
                run = []
            capital = capital or (the and not run)
            if capital and not honorific:
                if not run:
                    run_mid = not sentence_start
                run.append(core)
            elif run and core in _CONNECTORS and not trail:
                run.append(core)
            else:
                yield from _finish(run, run_mid)
                run = []
            if trail or possessive:
                yield from _finish(run, run_mid)
                run = []
            sentence_start = bool(_SENTENCE_END.search(trail)) and not honorific
        yield from _finish(run, run_mid)


def _finish(run: list[str], mid: bool) -> Iterable[tuple[list[str], bool]]:
    while run and run[-1] in _CONNECTORS:
        run = run[:-1]
    if run and len(run) <= 5:
        yield run, mid


# -- the tag stage at publish time ---------------------------------------------


def entry_tags(cluster: Cluster, tagging: Tagging) -> tuple[str, ...]:
    """A cluster's tags: every member's, then the rules', then the article's salient names."""
    rep = cluster.representative.article
    members = [t for m in (cluster.representative, *cluster.members) for t in m.article.tags]
    rules = rule_tags(tagging.rules, rep.title, rep.text)
    auto = salient_names(rep.title, rep.text, tagging.auto_max) if tagging.auto else ()
    return apply_synonyms(merge_tags(members, rules, auto), tagging.synonyms)


def tag_clusters(clusters: Sequence[Cluster], tagging: Tagging) -> list[Cluster]:
    """Every cluster with its final tags, spelled one way across the whole feed."""
    tag_lists = [entry_tags(c, tagging) for c in clusters]
    fixed = [canonical for _, canonical in tagging.synonyms]
    unified = unify_spellings(tag_lists, (t for t in (normalise_tag(f) for f in fixed) if t))
    return [replace(c, tags=tags) for c, tags in zip(clusters, unified, strict=True)]
