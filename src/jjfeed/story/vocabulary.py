"""The vocabulary of story terms: stop words by language, word normalising, content words.

Pure and stdlib only: what counts as a word of a headline or a body, in
which language, and how it is spelled as a term.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    s t d ll m re ve amp via vs v may might must shall us get gets got go goes going let lets
    one's it's that's here's what's who's i'm i've i'll i'd you're we're they're don't doesn't
    didn't isn't aren't wasn't can't won't
    says say said saying tells told report reports reported reportedly update updated updates
    new news video videos photo photos pic pics watch watching read more breaking exclusive
    today week just latest first look
    com www http https html
    """.split()
)
"""English function words, headline filler, and the pieces of a web address."""

STOPWORDS_BY_LANGUAGE: dict[str, frozenset[str]] = {
    "de": frozenset(
        """
        aber alle allem allen aller alles als also am an ans auch auf aus bei beim bin bis bist
        da dadurch daher darum das dass daß dein deine dem den denn der des dessen deshalb die
        dies diese diesem diesen dieser dieses doch dort du durch ein eine einem einen einer
        eines er es euer eure für fürs gegen hat hatte hatten hier hin hinter ich ihm ihn ihnen
        ihr ihre ihrem ihren ihrer im in ins ist ja jede jedem jeden jeder jedes jetzt kann
        kein keine keinem keinen keiner können könnte man mehr mein meine mich mir mit muss
        müssen nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner
        sich sie sind so soll sollen sollte sondern über um und uns unser unsere unter vom von
        vor wann war waren warum was weil welche welchem welchen welcher welches wenn wer wie
        wieder wir wird wo wurde wurden zu zum zur zwischen neu neue neuen neuer neues jetzt
        heute gibt geht
        """.split()
    ),
    "fr": frozenset(
        """
        à au aux avec ce ces cet cette dans de des du elle elles en est et été être eux il ils
        je la le les leur leurs lui ma mais me même mes moi mon ne nos notre nous on ont ou où
        par pas pour qu que qui sa sans se ses son sont sur ta te tes toi ton tu un une vos
        votre vous y c d j l m n s t a fait plus comme tout tous toute toutes aussi après avant
        chez entre sous très peut doit sera selon depuis contre nouveau nouvelle
        """.split()
    ),
    "nl": frozenset(
        """
        aan al alles als bij daar dan dat de der deze die dit doch door dus een en er ge geen
        had heb hebben heeft het hier hij hoe hun iets ik in is ja je kan kon maar me meer men
        met mij mijn na naar niet niets nog nu of om omdat ook op over te tegen toch toen tot u
        uit uw van veel voor want was wat we wel werd wie wij wil worden wordt zal ze zelf zich
        zij zijn zo zonder zou nieuwe nieuw
        """.split()
    ),
    "es": frozenset(
        """
        a al algo algunos ante antes como con contra cual cuando de del desde donde durante e
        el ella ellas ellos en entre era es esa esas ese eso esos esta estas este esto estos
        fue fueron ha han hasta hay la las le les lo los más me mi mis muy nada ni no nos o
        otra otro para pero por porque que quien se ser si sin sobre su sus también tan te
        tiene todo todos tu un una uno unos y ya nuevo nueva según
        """.split()
    ),
    "it": frozenset(
        """
        a ad al alla alle agli ai anche che chi ci come con contro cui da dal dalla dei del
        della delle dello di e è ed gli ha hanno i il in la le lo ma mi ne nei nel nella non
        o per più poi quando questa questo se si sono su sua sue suo sul sulla tra un una uno
        dopo senza nuovo nuova ancora essere stato
        """.split()
    ),
    "pt": frozenset(
        """
        a ao aos as à às com como da das de do dos e é em entre era essa esse esta este eu foi
        há isso já mais mas me muito na nas não no nos o os ou para pela pelo por que se sem
        ser seu seus sua suas também tem um uma umas uns novo nova após sobre
        """.split()
    ),
}
"""Function words of the other languages jjfeed meets most in feeds.

Only the detected language's list is used (:func:`language`): German "die",
"war" and "man", or French "son", are content words in an English headline
("Three die in bank riot").
"""

_ALSO_ENGLISH = frozenset(
    """
    a al also am an ante bin chi come con da dan de del den di die do door dos e ed er era eu
    ge had han hat hay hin hoe hun i il in is kan la lo ma man me men met mi mis mon na nada
    nas ne no non nos nova nu nun o of om on op os over par para per plus poi pour sa sans se
    sem si sin so son sono sue tan te to tot tu u um un uno van want war was wat we will wo ze
    """.split()
)
"""Other languages' function words that are English words or abbreviations too ("die", "war")."""

_UNMISTAKABLE = frozenset().union(*STOPWORDS_BY_LANGUAGE.values()) - _ALSO_ENGLISH
"""Function words of the other languages that no English text uses as a word."""

NUMBER_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
    "hundred": "100",
    "thousand": "1000",
    "million": "mln",
    "mln": "mln",
    "billion": "bln",
    "bln": "bln",
    "bn": "bln",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
}
"""Spelled-out numbers as digits, so "Season Two" and "Season 2" agree.

"first" is deliberately absent: "first look", "first time" are filler.
"""

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(r"""[.!?:;]["'”’)\]]*\s+|\n""")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_ELISIONS = frozenset("l d j m n s t c qu jusqu lorsqu puisqu dell all nell sull dall un".split())
"""French and Italian elided articles: "l'État" is "État", "dell'anno" is "anno"."""

_LANGUAGE_SAMPLE = 400
"""Words read to guess an article's language."""


def language(text: str) -> str:
    """The language of ``text`` by its function words: "en", "de", "fr", "nl", "es", "it", "pt".

    English unless another language's function words are at least two and
    strictly more frequent: a tie ("Three die in bank riot": "die" and "in"
    are German too) and a lone "war" stay English.
    """
    counts = Counter(w.casefold().replace("’", "'") for w in _WORD.findall(text)[:_LANGUAGE_SAMPLE])
    words = counts.keys()
    best, best_hits = "en", max(1, sum(counts[w] for w in words & STOPWORDS))
    elided = sum(n for w, n in counts.items() if "'" in w and w.split("'", 1)[0] in _ELISIONS)
    for lang, stops in STOPWORDS_BY_LANGUAGE.items():
        hits = sum(counts[w] for w in words & stops)
        if lang in ("fr", "it"):  # "l'État", "dell'anno"
            hits += elided
        if hits > best_hits:
            best, best_hits = lang, hits
    return best


@functools.cache
def stopwords_for(lang: str) -> frozenset[str]:
    """The stop words of an article in ``lang``.

    English's, those of ``lang``, and the other languages' function words
    that are no English word ("im", "und", "les", "het"): a German label in
    an English-looking title ("Xbox One X im 4K-Test") is still no term.
    """
    return STOPWORDS | _UNMISTAKABLE | STOPWORDS_BY_LANGUAGE.get(lang, frozenset())


def normalise(word: str) -> str:
    """One word as a story term: case, possessive, plural ``-s``, number words.

    Deliberately light (no stemmer): "launches" -> "launch", "prices" ->
    "price", "Ritter's" -> "ritter", "two" -> "2", "3rd" -> "3".
    """
    w = word.casefold().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    head, apostrophe, tail = w.partition("'")
    if apostrophe and head in _ELISIONS and tail:
        w = tail
    w = w.replace("'", "")
    if w in NUMBER_WORDS:
        return NUMBER_WORDS[w]
    ordinal = _ORDINAL.match(w)
    if ordinal:
        return ordinal.group(1)
    if len(w) > 3 and w.isalpha():
        if w.endswith("ies") and len(w) > 4:
            return w[:-3] + "y"
        if w.endswith(("sses", "shes", "ches", "xes", "zes")):
            return w[:-2]
        if w.endswith("s") and not w.endswith(("ss", "us", "is")):
            return w[:-1]
    return w


def _content_tokens(text: str, stopwords: frozenset[str]) -> list[tuple[str, bool]]:
    """``(term, salient)`` for each content word.

    Salient: a name (capitalised inside a sentence) or a number. These are
    what tell one event from another of its kind ("Thompson" or "Rahman",
    "58-3" or "52-3"); the common words of the body are shared by every
    story on the subject, and without the window's document frequencies
    nothing would tell them from the words that matter.
    """
    terms = _terms_of(stopwords)
    out = []
    for sentence in _SENTENCE_END.split(text):
        for k, token in enumerate(_WORD.findall(sentence)):
            w = terms.get(token)
            if w is None:
                w = terms[token] = _term(token, stopwords)
            if w:
                out.append((w, (k > 0 and token[0].isupper()) or w[0].isdigit()))
    return out


def _term(token: str, stopwords: frozenset[str]) -> str:
    """``token`` as a term, or "" for a stop word or a lone letter."""
    if token.casefold().replace("’", "'") in stopwords:
        return ""
    w = normalise(token)
    if w in stopwords or (len(w) == 1 and w.isalpha()):
        return ""
    return w


_TERMS: dict[frozenset[str], dict[str, str]] = {}
_TERMS_KEPT = 1 << 16


def _terms_of(stopwords: frozenset[str]) -> dict[str, str]:
    """Each word's term under ``stopwords``, as far as worked out (:func:`_term`).

    Remembered, since a text's words repeat and working them out is most of
    what its terms cost. A few stop-word sets are in use (one per language);
    a set's memory starts again past ``_TERMS_KEPT`` words.
    """
    terms = _TERMS.get(stopwords)
    if terms is None or len(terms) > _TERMS_KEPT:
        if len(_TERMS) > 16:
            _TERMS.clear()
        terms = _TERMS[stopwords] = {}
    return terms


def content_words(text: str, stopwords: frozenset[str] | None = None) -> list[str]:
    """Normalised words of ``text`` without stop words or lone letters, in order.

    ``stopwords`` defaults to those of the language :func:`language` finds.
    """
    stops = stopwords if stopwords is not None else stopwords_for(language(text))
    return [w for w, _ in _content_tokens(text, stops)]


def title_terms(title: str) -> frozenset[str]:
    """The content words of a headline (without the ``t:`` prefix)."""
    return frozenset(content_words(title))


def name_terms(name: str) -> frozenset[str]:
    """The words of a source's name ("RSS.com Blog" -> rss, blog): they identify the source.

    Pass them, with :func:`recurring_terms`, as ``ignore`` to :func:`story_terms`.
    """
    return frozenset(content_words(name, stopwords_for(language(name))))
