"""Salient names: the people, shows, organisations and places an article is about.

Pure functions over text; :mod:`jjfeed.tag` turns the names into tags.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

# -- salient names -------------------------------------------------------------
#
# A name is a run of capitalised words. What is capitalised for other reasons
# is left out by class, not phrase by phrase: function words of every language
# the feeds are written in (they start sentences), articles (dropped from the
# start of a sentence, "Der Preis" is "Preis"), contractions ("I’m"), single
# letters, shouting and code, German nouns (capitalised everywhere, but they
# follow an article), and words the same text also writes in lower case
# ("Value" beside "value"): an ordinary word capitalised by a heading.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words that are never part of a name, in four classes.
# Function words, which start sentences: English, German, French, Dutch, Spanish,
# Italian, Portuguese, Czech/Slovak (pronouns, prepositions, conjunctions, auxiliaries).
_FUNCTION_WORDS = _words(
    """
    a an this that these those there here then than thus so such it its it's i he she we
    they you me him her us them his hers our ours their theirs your yours my mine who whom
    whose what which when where why how whether while if unless until after before since
    because although though as at by for from in into of off on onto out over to up with
    within without about above across against along among around behind below beneath beside
    between beyond during except inside near through throughout toward towards under upon via
    and but or nor yet also still even just only not no yes all any both each every few many
    more most much other some one two three four five six seven eight nine ten first second
    third last next is are was were be been being am do does did have has had will would shall
    should can could may might must let lets however meanwhile instead indeed perhaps maybe
    already now today tonight tomorrow yesterday later earlier again once well oh ok okay please
    thanks thank hey hi hello yeah wow myself yourself himself herself itself ourselves
    themselves someone something everyone everything anyone anything nobody nothing somebody
    everybody whatever whoever either neither same several very too quite rather almost always
    never often sometimes usually really actually anyway therefore otherwise besides moreover
    furthermore nevertheless unlike like plus per get got make use using see note edit
    ich du er sie es wir ihr mich dich sich uns euch mir dir ihm ihnen man und oder aber denn
    doch sondern dass daß weil wenn als ob wie wo was wer wann warum auch noch schon nur sehr
    nicht kein keine keinen ja nein mit für von zu zum zur bei beim im am ins vom aus auf an
    nach über unter vor hinter neben zwischen durch gegen ohne um bis seit während dann jetzt
    hier dort heute morgen gestern da so also mein meine dein deine sein seine ihre unser
    unsere dieser diese dieses jeder jede jedes alle ist sind war waren wird werden wurde hat
    haben hatte kann können muss soll will gibt viele mehr wieder immer
    je tu il elle on nous vous ils elles moi toi lui leur leurs mon ma mes ton ta tes son sa
    ses notre nos votre vos ce cet cette ces et ou mais donc ni car que qui quoi dont où avec
    pour dans par sur sous sans chez vers comme quand si ne pas plus très aussi déjà est sont
    était être avoir été voici voilà tout tous toute toutes aujourd'hui hier demain
    ik jij je hij zij wij jullie mij mijn jouw zijn haar ons onze hun dit dat deze die en of
    maar want omdat als dan ook nog niet geen wel met voor van naar bij uit aan op over onder
    door tegen zonder tot na om is zijn was waren wordt werd heeft hebben er hier daar nu
    vandaag morgen gisteren hoe wat wie waar waarom
    yo tú él ella nosotros vosotros ellos ellas usted ustedes mi mis tu tus su sus nuestro
    nuestra y o pero que con para por en sin sobre entre como cuando donde este esta estos
    estas ese esa eso aquel muy más también ya sí hay es son fue ser estar hoy ayer
    io tu lui lei noi voi loro mio mia tuo tua suo sua nostro nostra e ed ma che con per tra
    fra di da su come quando dove questo questa questi queste quello quella non più anche già
    molto sono è era essere oggi ieri nel nella nei sul sulla del della dei delle al alla
    eu ele ela nós eles elas meu minha seu sua não mas com para em sem sobre como quando onde
    isto isso aquilo muito mais também já é são foi ser hoje ontem no na nos nas do da dos
    das ao
    já ty on ona ono my vy oni ony můj moje tvůj náš váš jeho její jejich ten ta to ty tento
    tato toto tyto a i o u v z k s na do od po pro při za je jsou jsem jsme jste byl byla bylo
    se si že ale jak jako který která které kde když už tak také podle před nad pod mezi bez
    aby až či nebo ani co kdo dnes včera zítra ja som sú sa aj ako alebo ktorý ktorá ktoré
    pre pri zo vo ku so ešte len iba tiež však teda potom
    """
)
# Calendar words.
_CALENDAR = _words(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december
    """
)
# Honorifics and job titles, which stand before a name.
_TITLES = _words(
    """
    mr mrs ms miss dr prof sir dame lord lady st mt
    councillor mayor president minister senator governor judge chief professor captain
    inspector detective officer sergeant coach showrunner director ceo cfo cto coo vp founder
    cofounder co-founder chairman chairwoman spokesman spokeswoman spokesperson host editor
    reporter correspondent columnist analyst
    """
)
# The generic nouns of headlines and captions, in those languages too.
_LABELS = _words(
    """
    season seasons episode episodes series part chapter volume issue photo photos picture
    pictures image images video videos trailer teaser clip update updates warning spoiler
    spoilers review reviews interview news report exclusive breaking live watch read more click
    share related advertisement sponsored subscribe sign login comments comment source sources
    credit credits getty continue story stories page home menu search cookies privacy terms
    folge folgen staffel teil kapitel aflevering afleveringen seizoen épisode saison chapitre
    episodio temporada capítulo capitolo stagione díl epizoda série
    """
)
# Articles and determiners: part of a name mid-sentence ("of The Defenders",
# "in Los Angeles"), dropped from the start of a sentence, never a name alone.
_ARTICLES = _words(
    "the der die das den dem des ein eine le la les l un une el los las lo il gli uno una het de een"
)
_NOT_NAMES = (_FUNCTION_WORDS | _CALENDAR | _TITLES | _LABELS) - _ARTICLES
# A capitalised stop word mid-sentence shows a capitalised phrase ("A Line Which Forms a
# Volume", "Cyber Monday"): the names beside it are cut from something longer.
_PHRASE_WORDS = (_FUNCTION_WORDS | _CALENDAR) - _ARTICLES - {"i"}
# A capitalised word right after one of these is a German noun, not a name ("der Preis").
_NOUN_MARKERS = _words(
    """
    der die das den dem des ein eine einen einem einer eines kein keine keinen keinem keiner
    mein meine meinen meinem meiner dein deine deinen seine seinen seinem seiner ihre ihren
    ihrem unsere unseren unserem dieser diese dieses diesen diesem jeder jede jedes jeden
    jedem welche welcher welches im zum zur vom beim ins ans
    """
)
# All-capital words are acronyms (MIT, US, IT), not the function words they spell, except these.
_SHOUTED_NOT_NAMES = _words(
    "OK AM PM FAQ PS RE FW FYI ETC TL DR AKA ASAP NB LOL OMG BTW IMO IMHO TBA TBD"
)
# Acronyms that are common nouns ("the URL", "its UI", "the CEO"), and their plurals: a
# thing of every article, no name of this one, though part of names ("Apple TV").
_GENERIC_ACRONYMS = frozenset(
    f"{w}{plural}"
    for w in _words("url uri id ui ux tv api pdf ceo cfo cto coo vp hr pr diy")
    for plural in ("", "s")
)
# What an elided article or preposition leaves in front of a word: l’Europe, dell’Unione.
_ELISIONS = _words("l d j c m n s t qu dell dall nell all sull un quell")
_CONNECTORS = frozenset({"of", "de", "del", "der", "van", "von", "da", "di", "du", "la", "le", "&"})
_HONORIFIC = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Prof|Sir|St|Mt)\.?$")
_INITIALS = re.compile(r"^(?:[A-Z]\.)+[A-Z]?\.?$")
_TOKEN = re.compile(r"^([^\w&]*)([\w&][\w&'’.\-]*?[\w&]?)([^\w&]*)$")
_POSSESSIVE = re.compile(r"['’]s?$")
_APOSTROPHE = re.compile(r"['’]")
# iPhone, eBay, macOS, watchOS; not code's readWholeFile or startPhase.
_CAMEL = re.compile(r"^(?:[a-z][A-Z]|[a-z]+OS\b)")
_SENTENCE_END = re.compile(r"[.!?:;]['\"’”)\]]*$|^[—–-]+$")
_CODE_MARK = re.compile(r"[{}();=<>\[\]]|->|::")
_FOOTNOTE = re.compile(r"^(\D+?[^\W\d_])([.!?])\d{1,2}$")
_LOWER_WORD = re.compile(r"^[^\w]*([^\W\d_A-Z][^\W\d_]*)[^\w]*$")


@dataclass
class _Name:
    spellings: Counter[str] = field(default_factory=Counter)
    count: int = 0
    evidence: bool = False  # met where a capital means a name: mid-sentence, or two in a row
    noun: bool = False  # met right after a German article: a noun
    first: int = 0


@dataclass(frozen=True)
class _Run:
    words: tuple[str, ...]
    mid: bool  # started mid-sentence
    noun: bool = False  # right after a German article
    # Cut from a longer capitalised phrase by a word that is no name ("Cyber" of "Cyber
    # Monday", "Line" of "A Line Which Forms a Volume"): a title's words, not a name.
    fragment: bool = False


@dataclass(frozen=True)
class Candidates:
    """Every capitalised run of one article, counted, before any is chosen as a tag."""

    names: dict[str, _Name]
    title: str  # the title's words, case-folded, space-padded
    lower: frozenset[str]  # the words the title and text write in lower case
    title_names: frozenset[str]  # the capitalised runs of the title, keyed
    german: bool = False  # written in German, where every noun is capitalised
    lower_text: str = ""  # its runs of lower-case words (see _lower_text)

    def mentioned(self) -> frozenset[str]:
        """Every name the title or text mentions (case-folded), for counting over a source."""
        return frozenset(self.names) | self.title_names


def salient_names(
    title: str, text: str, limit: int = 5, exclude: Iterable[str] = ()
) -> tuple[str, ...]:
    """The names an article is about, most salient first, at most ``limit``.

    A name is a run of capitalised words ("Jessica Jones", "New York Police
    Department"), cut at punctuation and at words that are capitalised for
    other reasons (sentence starts, "Season", "Monday", "Der"). A lone word
    that is part of a longer name ("Jessica", "Jones") counts for that name.
    A name matters when it is in the title or met twice; a one-word name must
    also be met mid-sentence once (a sentence's first word proves nothing),
    never right after a German article, and never written in lower case in
    the same article. Names inside a phrase of ``exclude`` (a source's own
    name, what it repeats in every post: see :func:`house_names`) are left out.
    """
    return choose_names(candidates(title, text), limit, exclude)


def candidates(title: str, text: str) -> Candidates:
    """The article's capitalised runs, counted and keyed, with the evidence for each."""
    names: dict[str, _Name] = {}
    german = _is_german(text)
    lower_text = _lower_text(f"{title}\n{text}")
    lower = frozenset(lower_text.split()) - {"|"}
    for position, run in enumerate(_name_runs(text, german)):
        words = run.words
        if not run.mid and len(words) > 1 and _ordinary_word(words[0], lower):
            # "Supposedly Apple", "Paying Gmail": a sentence's first word is no part of the name.
            words = words[1:]
            while words and (words[0] in _CONNECTORS or words[0].casefold() in _ARTICLES):
                words = words[1:]
            run = _Run(words, run.mid, run.noun, run.fragment)
        display = " ".join(words)
        key = _key(display) if words else ""
        if not key:
            continue
        name = names.get(key)
        if name is None:
            name = names[key] = _Name(first=position)
        name.spellings[display] += 1
        name.count += 1
        # Two capitalised words in a row are a name wherever they stand, but in German
        # ("Höchste Zeit", "Welches Problem") only mid-sentence.
        name.evidence = name.evidence or (
            not run.fragment and (run.mid or (len(words) > 1 and not german))
        )
        name.noun = name.noun or (run.noun and " " not in key)
    if not german:  # where every noun is capitalised, "Programmierung" is no part of a name
        _absorb_single_words(names)
    folded_title = f" {' '.join(_title_words(title)).casefold()} "
    title_runs = list(_name_runs(title, german))
    for run in title_runs:  # "... wechseln erneut den Besitzer"
        name = names.get(_key(" ".join(run.words)))
        if run.noun and name is not None and len(run.words) == 1:
            name.noun = True
    in_title = frozenset(_key(" ".join(r.words)) for r in title_runs) - {""}
    return Candidates(names, folded_title, lower, in_title, german, lower_text)


def choose_names(
    found: Candidates,
    limit: int = 5,
    exclude: Iterable[str] = (),
    common: Collection[str] = frozenset(),
) -> tuple[str, ...]:
    """The ``limit`` names that matter most of ``found``.

    Leaves out names inside a phrase of ``exclude`` and one-word names in
    ``common`` (case-folded words that the feed mostly writes in lower case,
    see :func:`common_words`).
    """
    house = [f" {' '.join(p.casefold().split())} " for p in exclude]
    scored = []
    for key, name in found.names.items():
        in_title = f" {key} " in found.title
        if not name.evidence or not (in_title or name.count >= 2):
            continue
        # In German a lone capitalised word is most often a noun: only the title's count.
        if found.german and " " not in key and not in_title:
            continue
        spelling = _spelling(name)
        # "List" beside "list" is a word; so is "CUSTOMER" beside "customer"; "US" is not "us".
        word_like = all(w == w.capitalize() for w in spelling.split() if w[:1].isupper()) or (
            spelling.isupper() and len(key) >= 4
        )
        lower = found.lower | frozenset(common) if word_like else frozenset()
        if " " in key and word_like and f" {key} " in found.lower_text:
            continue  # "Push Notifications" where the text also says "push notifications"
        if _ordinary(key, name, lower) or any(f" {key} " in h for h in house):
            continue
        if key in _GENERIC_ACRONYMS:
            continue
        # Ranked by mentions, one more for the title, one more for a name of several words.
        score = name.count + in_title + (" " in key)
        scored.append((-score, name.first, spelling))
    return tuple(spelling for _, _, spelling in sorted(scored)[:limit])


def common_words(articles: Iterable[Candidates], min_articles: int = 2) -> frozenset[str]:
    """Words more articles write in lower case than as a name mid-sentence ("List", "Code").

    Measured over a feed's articles: a brand that is also a word ("Apple",
    "Swift") is written as a name far more often than as the word.
    """
    lower: Counter[str] = Counter()
    named: Counter[str] = Counter()
    for found in articles:
        lower.update(found.lower)
        named.update(k for k, n in found.names.items() if n.evidence and " " not in k)
    return frozenset(w for w, n in lower.items() if n >= min_articles and n > named[w])


def house_names(
    articles: Iterable[Candidates | tuple[str, str]], share: float = 0.5, min_articles: int = 10
) -> frozenset[str]:
    """The names one source repeats in most of its articles: its show, its own name, its hosts.

    ``articles`` are the source's recent articles, as ``(title, text)`` pairs or
    their :func:`candidates`. A name (case-folded) met in at least ``share`` of
    them is the source's, not a topic of any one article; with fewer than
    ``min_articles`` articles nothing is learned (a topic covered three times
    is not a show name).
    """
    found = [a if isinstance(a, Candidates) else candidates(*a) for a in articles]
    if len(found) < min_articles:
        return frozenset()
    counts = Counter(key for c in found for key in c.mentioned())
    return frozenset(k for k, n in counts.items() if n >= share * len(found) and n >= 2)


_GERMAN = _words(
    "der die das und ist nicht mit sich auch ein eine den dem für auf ich wir sie es von wird sind oder aber wie noch bei nach aus kann wenn dass werden"
)
_ENGLISH = _words("the and is of to that it with for on are this was you be have not but")


def _is_german(text: str) -> bool:
    """Whether the text is German: its commonest function words outnumber English ones."""
    words = [w.casefold() for w in text.split()[:2000]]
    german = sum(w in _GERMAN for w in words)
    return german >= 5 and german > sum(w in _ENGLISH for w in words)


def _title_words(title: str) -> Iterable[str]:
    """The title's words as names are spelled: no quotes around them, no possessive."""
    for raw in title.split():
        match = _TOKEN.match(raw)
        if match is None:
            yield from re.findall(r"[\w&]+", raw)
            continue
        core, trail = match.group(2), match.group(3)
        if _INITIALS.match(core + trail[:1]):
            core += trail[:1]
        yield _POSSESSIVE.sub("", core)


def _ordinary(key: str, name: _Name, lower: frozenset[str]) -> bool:
    """Single letters, German nouns, and words written in lower case too (``lower``)."""
    words = [w for w in key.split() if w not in _CONNECTORS and w not in _ARTICLES]
    if not words or all(sum(c.isalpha() for c in w) < 2 for w in words):
        return True  # "K", "X", "C.", "D. D"
    if len(words) == 1:
        return name.noun or words[0] in lower
    return _spelling(name).isupper() and all(w in lower for w in words)  # "WILD INGREDIENTS"


def _ordinary_word(word: str, lower: frozenset[str]) -> bool:
    """A word the article also writes in lower case, or an English adverb or gerund."""
    folded = word.casefold()
    return folded in lower or (folded.endswith(("ly", "ing")) and word == word.capitalize())


def _lower_text(text: str) -> str:
    """The text's runs of words in lower case, " | " where anything else stood.

    Links, handles and file names are not words. "push notifications" is in it
    when the text writes the phrase so.
    """
    out = []
    for token in text.split():
        match = _LOWER_WORD.match(token)
        if match and "/" not in token and "@" not in token:
            out.append(match.group(1))
            if token[-1:] in ',.;:!?)]"”’':
                out.append("|")
        elif out[-1:] != ["|"]:
            out.append("|")
    return f" {' '.join(out)} "


def _key(display: str) -> str:
    words = display.split()
    while len(words) > 1 and words[0].casefold() in _ARTICLES:
        words = words[1:]
    return " ".join(words).casefold()


def _spelling(name: _Name) -> str:
    # The commonest spelling; of two as common, not the one in capitals ("TIM COOK").
    return min(name.spellings, key=lambda s: (-name.spellings[s], s.isupper(), -len(s), s))


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
        names[target].noun = False


def _skipped(line: str) -> bool:
    """Code (a line ending in a brace or semicolon, or mostly brackets) and shouting."""
    words = line.split()
    if not words:
        return True
    if line.rstrip()[-1] in "{};" or len(_CODE_MARK.findall(line)) * 2 >= max(len(words), 3):
        return True
    if sum(w.isupper() for w in words) < 3:  # too few to be 60% of 4 or more words
        return False
    letters = [w for w in words if sum(c.isalpha() for c in w) >= 2]
    shouted = [w for w in letters if w.isupper()]
    return len(letters) >= 4 and len(shouted) >= 0.6 * len(letters)


def _name_runs(text: str, german: bool = False) -> Iterable[_Run]:
    """Each run of capitalised words, with where it stood; code and shouting are skipped."""
    for paragraph in text.split("\n"):
        if not _skipped(paragraph):
            yield from _paragraph_runs(paragraph, german)


def _paragraph_runs(paragraph: str, german: bool) -> Iterable[_Run]:
    # In a line in title case (a heading, a title quoted) capitals prove nothing.
    run = _Open(title_case=_title_case(paragraph))
    sentence_start = True
    previous = ""  # the word before, as written, when no punctuation stood between
    for raw, skipped in _tokens(paragraph, run):
        sentence_start, previous = sentence_start and not skipped, skipped or previous
        match = _TOKEN.match(raw)
        if match is None:
            yield from run.close()
            sentence_start = bool(_SENTENCE_END.search(raw)) or sentence_start
            previous = ""
            continue
        lead, core, trail, honorific, possessive, contraction = _word(match, sentence_start)
        if lead:
            yield from run.close()
            previous = ""
        folded = core.casefold().rstrip(".")
        upper = core[:1].isupper()
        shouted = core.isupper() and len(core) > 1
        capital = (
            (upper or bool(_CAMEL.match(core)))
            and not _not_a_name(core, folded, shouted)
            and not contraction
        )
        # A function word capitalised mid-sentence: a title's words, not a name's.
        phrase = upper and not sentence_start and not shouted and folded in _PHRASE_WORDS
        article = folded in _ARTICLES and upper and not trail
        if article and sentence_start and not run.words:
            # "Der Preis", "Die Jahre", "The end": the next word is still a sentence's first.
            previous = ""
            continue
        if article and run.words:
            yield from run.close()
        connector = not german and not trail and bool(run.words) and _joins(run.words, core)
        if capital and not honorific:
            if not run.words:
                run.start(not sentence_start, previous in _NOUN_MARKERS, previous == _PHRASE)
            run.words.append(core)
        elif connector:
            run.words.append(core)
        else:
            yield from run.close(cut_by_phrase=phrase and not lead)
        if trail or possessive:
            yield from run.close()
        sentence_start = bool(_SENTENCE_END.search(trail)) and not honorific
        previous = "" if trail else (_PHRASE if phrase else core)
    yield from run.close()


def _tokens(paragraph: str, run: _Open) -> Iterator[tuple[str, str]]:
    """Each word to read, with the last bare lower-case word passed over before it ("" if none).

    Most words are lower case and stand outside any run: they change nothing
    but the sentence's start and the word before, so they are not tokenised.
    """
    skipped = ""
    for raw in paragraph.split():
        if not run.words and raw.isalpha() and raw.islower():
            skipped = raw
            continue
        yield raw, skipped
        skipped = ""


def _word(match: re.Match[str], sentence_start: bool) -> tuple[str, str, str, bool, bool, bool]:
    """A token's ``(lead, core, trail, honorific, possessive, contraction)``.

    The core is the word itself: initials keep their dot ("J."), a footnote
    number goes to the trail ("Pros.1"), a possessive and an elided article
    come off ("Apple's", "l'Europe").
    """
    lead, core, trail = match.groups()
    if _INITIALS.match(core + trail) and not core.endswith("."):
        core, trail = core + trail[:1], trail[1:]
    footnote = _FOOTNOTE.match(core)  # "MacBook Pros.1 Multi-core"
    if footnote:
        core, trail = footnote.group(1), footnote.group(2) + trail
    honorific = bool(_HONORIFIC.match(core))
    possessive = _POSSESSIVE.search(core)
    if possessive:
        core = core[: possessive.start()]
    core, contraction = _elide(core, sentence_start)
    return lead, core, trail, honorific, possessive is not None, contraction


def _not_a_name(core: str, folded: str, shouted: bool) -> bool:
    """A word capitalised for another reason: a function word, or one shouted."""
    if shouted:  # an acronym ("US", "IT"), unless a longer function word shouted ("THE")
        return core in _SHOUTED_NOT_NAMES or (len(core) > 2 and folded in _FUNCTION_WORDS)
    return folded in _NOT_NAMES


_PHRASE = "\0phrase"  # ``previous`` when the word before was a capitalised function word


@dataclass
class _Open:
    """The run being read."""

    words: list[str] = field(default_factory=list)
    mid: bool = False
    noun: bool = False
    fragment: bool = False
    title_case: bool = False

    def start(self, mid: bool, noun: bool, fragment: bool) -> None:
        self.mid, self.noun, self.fragment = mid, noun, fragment

    def close(self, cut_by_phrase: bool = False) -> Iterable[_Run]:
        words, self.words = self.words, []
        while words and (words[-1] in _CONNECTORS or words[-1].casefold() in _ARTICLES):
            words = words[:-1]
        words = _undouble(words)
        if words and len(words) <= 5:
            fragment = self.fragment or cut_by_phrase or self.title_case
            yield _Run(tuple(words), self.mid, self.noun, fragment)


def _title_case(line: str) -> bool:
    """A heading or a title quoted: one sentence whose words, bar function words, are capitalised.

    Prose has verbs and nouns in lower case even where it is full of names.
    """
    if re.search(r"[.!?]\s+\S", line.strip()):
        return False
    words = [w.strip("\"'“”‘’()[],.:;!?—–-") for w in line.split()]
    content = [w for w in words if w[:1].isalpha() and w.casefold() not in _FUNCTION_WORDS]
    lower = sum(w[:1].islower() and not _CAMEL.match(w) for w in content)
    return len(content) >= 3 and lower == 0


def _joins(run: list[str], core: str) -> bool:
    """A lower-case connector inside a name: "Prince of Persia", "State of the Union"."""
    if core in _CONNECTORS:
        return True
    return core in _ARTICLES and core.islower() and run[-1] in _CONNECTORS


def _elide(core: str, sentence_start: bool) -> tuple[str, bool]:
    """The word without an elided article ("l’Europe" is "Europe"), and whether it is a contraction.

    "I’m", "don’t", "we’ve", "c’est": what follows the apostrophe is lower
    case, so this is no name. "O’Neill" keeps its apostrophe.
    """
    parts = _APOSTROPHE.split(core)
    if len(parts) < 2:
        return core, False
    head, rest = parts[0], "’".join(parts[1:])
    if head.casefold() in _ELISIONS and (head.islower() or sentence_start) and rest:
        return rest, not rest[:1].isupper()
    return core, parts[-1][:1].islower() or parts[-1].casefold() in {
        "m",
        "ve",
        "ll",
        "d",
        "re",
        "t",
    }


def _undouble(run: list[str]) -> list[str]:
    """A phrase said twice in a row is said once: "Soft Voice Soft Voice" is "Soft Voice"."""
    half = len(run) // 2
    if half >= 2 and len(run) % 2 == 0 and run[:half] == run[half:]:
        return run[:half]
    return run


# -- the tag stage at publish time ---------------------------------------------
