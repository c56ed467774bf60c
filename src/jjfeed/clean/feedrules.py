"""Feed furniture (issue 18): the lines feeds and blog engines add around a post.

Each rule is a predicate over one block's text, like those in ``rules``, which
lists them among its standalone rules.
"""

from __future__ import annotations

import re

from jjfeed.clean.wording import has_hint as _has_hint
from jjfeed.clean.wording import normalise, sentences, word_count

# A permalink or end-of-post mark alone on a line: "★", "◉", "∞", "#", "¶", "→".
_GLYPH_LINE = re.compile(r"^[★☆◉●○∞#¶→⇢➝➜⁂✱✦⚓🔗\s]{1,5}$")
# A link to the rest of the post, in the languages of the review corpus and the
# engines' defaults: "Continue reading on Medium »", "[read more]", "Weiterlesen",
# "Read More Here →" (DC Rainmaker), "Read on Inside OmniFocus" (a site's name after it),
# "Permalink" (Katie Floyd's posts end with one), "Read it on The Sweet Setup" (a link
# post's pointer to where it was published: the site's name capitalised).
_READ_ON = re.compile(
    r"^(?:\.\.\.|…)?\s*[\[(]?\s*(?:(?:continue\s+reading|read\s+more|read\s+the\s+rest"
    r"|keep\s+reading|read\s+the\s+full\s+(?:post|article|story))(?:\s+here)?"
    r"|read\s+on(?:\s+(?-i:[A-Z])[\w.'-]*){0,4}|permalink|weiterlesen|mehr\s+lesen"
    r"|read\s+(?:it|the\s+(?:post|article|story))\s+(?:on|at)(?:\s+(?-i:[A-Z])[\w.'-]*){1,4}"
    r"|lire\s+la\s+suite|leer\s+m[aá]s|continuar\s+leyendo|continua\s+a\s+leggere|leggi\s+tutto"
    r"|lees\s+verder|ler\s+mais|czytaj\s+dalej|läs\s+mer|les\s+mer|læs\s+mere)"
    r"(?:\s+(?:on|at|auf|sur|en|su|op)(?:\s+[\w.'-]+){0,4})?\s*[\])]?\s*(?:\.\.\.|…)?$",
    re.IGNORECASE,
)
READ_ON_MAX_WORDS = 8
# The label that opens a sponsor block: "Sponsored by:", "This episode is
# brought to you by:", "This episode of Mac Power Users is sponsored by:",
# "Sponsor: Linode". The promo lines under it go too (see
# ``blocks``); "The audit was sponsored by the CNCF." is a sentence, not a label.
_SPONSOR_LABEL = re.compile(
    r"^(?:(?:this|today's|this\s+week's)\s+(?:episode|show|post|newsletter|video|issue|podcast)"
    r"(?:\s+of\s+[^:.!?]{1,40}?)?\s+is\s+)?"
    r"(?:(?:sponsored|brought\s+to\s+you|supported|made\s+possible)\s+by|sponsors?"
    r"|our\s+sponsors?|thanks\s+to\s+our\s+sponsors?)\s*(?::\s*(?P<rest>.*))?$",
    re.IGNORECASE,
)
SPONSOR_LABEL_MAX_WORDS = 12
_SPONSOR_HINTS: tuple[str, ...] = ("sponsor", "brought to you", "supported by", "made possible")
# A sponsor's thanks: "My thanks to MailButler for sponsoring the site this week. If
# you're interested in an RSS sponsorship, details can be found here." (Katie Floyd,
# Daring Fireball, most sponsored blogs and shows). The first sentence thanks someone
# for sponsoring; the rest of the block, if any, sells the next sponsorship.
_SPONSOR_THANKS = re.compile(
    r"^(?:(?:my|our|many|special|big|huge)\s+)?(?:thanks|thank\s+you)\s+(?:again\s+)?"
    r"(?:go(?:es)?\s+out\s+)?to\s+[^.!?]{1,80}?\s+for\s+"
    r"(?:(?:sponsoring|supporting)\s+(?:(?:the|this|our|my|today['’]s)\s+(?:site|show|podcast|"
    r"blog|feed|rss\s+feed|episode|newsletter|week|issue|video)\b|(?:this|last)\s+week\b)"
    r"|(?:sponsoring|their\s+sponsorship)\s*[.!])",
    re.IGNORECASE,
)
SPONSOR_THANKS_MAX_WORDS = 70
# A list of links under a "Related posts:" label in one block.
_RELATED_LIST = re.compile(
    r"^(?:related\s+(?:posts?|articles?|stories|links)"
    r"|more\s+(?:posts|stories)\s+like\s+this|ähnliche\s+beiträge|articles\s+similaires"
    r"|entradas\s+relacionadas|articoli\s+correlati)\s*:",
    re.IGNORECASE,
)
RELATED_LIST_MAX_WORDS = 60
# ... or longer when it is only a list: three or more titles between commas or
# dots, and no sentence starting inside it ("Related Posts: A, B, C, ...").
RELATED_LIST_LONG_MAX_WORDS = 200
_LIST_ITEM_SEPARATOR = re.compile(r",\s+|\s+[·•|]\s+")
_SENTENCE_INSIDE = re.compile(r"[.!?]\s+[a-z]")
# "Subscribe now in your podcast app!", "Follow the show on Apple Podcasts".
_PODCAST_PITCH = re.compile(
    r"^(?:please\s+)?(?:subscribe|follow|listen|download|rate(?:\s+and\s+review)?|find)"
    r"\b[^.!?:]{0,60}\b(?:(?:your|any|a|the)\s+(?:favou?rite\s+)?podcast\s+(?:app|player|apps)"
    r"|apple\s+podcasts|itunes|spotify|overcast|pocket\s+casts|google\s+podcasts|castro)\b",
    re.IGNORECASE,
)
PODCAST_PITCH_MAX_WORDS = 25
_PODCAST_HINTS: tuple[str, ...] = ("podcast", "itunes", "spotify", "overcast", "casts", "castro")
# A tip line: "Got a story? Email newsdesk@... or message us on WhatsApp.",
# "Have a news tip? Contact us." A question that asks for tips, then a way to
# send them.
_TIP_QUESTION = re.compile(
    r"^(?:(?:have\s+you\s+)?got|do\s+you\s+have|have)\s+(?:a\s+|any\s+)?"
    r"(?:news\s+)?(?:story|stories|tip|tips|tip-off|news\s+tip|scoop|lead)"
    r"(?:\s+(?:for\s+us|to\s+share|idea))?\s*\?",
    re.IGNORECASE,
)
_TIP_CONTACT = re.compile(
    r"@|\b(?:e-?mail|contact|message|call|text|write\s+to|get\s+in\s+touch|whatsapp|signal"
    r"|send|submit|tell\s+us|drop\s+us)\b",
    re.IGNORECASE,
)
TIP_LINE_MAX_WORDS = 35
# A caption whose credit is a bare name after it: "Yusuf Marchetti with his
# telescope in Glenarrow. Kelderholm Observatory". One short sentence, then two
# to four capitalised words with no verb and no full stop, on the same line: a
# summary with its publication's name on a line below ("... older adults.\n
# Medscape News UK") is a story's summary, and stays.
_CAPTION_NAME_TAIL = re.compile(
    r"^[^.!?:\n]{8,200}\.[ \t]+(?P<credit>[A-Z][\w&'’-]*(?:[ \t]+(?:[A-Z][\w&'’-]*|of|and|the|for)){1,3})$"
)
CAPTION_NAME_TAIL_MAX_WORDS = 30
CAPTION_MIN_WORDS = 5
_ABBREVIATIONS = frozenset({"vs", "etc", "inc", "corp", "univ", "dept", "approx"})
# A line of section or tag labels: "Science · Wire", "News • Environment". (A bar joins table cells.)
_LABEL_SEPARATOR = re.compile(r"\s+[·•]\s+")
_LABEL = re.compile(r"^[A-Z][\w&'’-]*(?:\s+(?:[A-Z&][\w&'’-]*|of|and|the|&)){0,2}$")
LABEL_LINE_MAX_WORDS = 12


# A row of link buttons left as text, each label a link word with at most one
# word before it: "Amazon Link Link", "Website Link · Download Link".
_LINK_ROW = re.compile(r"^(?:(?:[\w.'’-]+\s+)?links?(?:\s*[|·•,/]\s*|\s+|$)){2,4}$", re.IGNORECASE)


def is_link_row(text: str) -> bool:
    """Two to four link labels and nothing else: "Amazon Link Link"."""
    return _LINK_ROW.match(text.strip()) is not None


def is_glyph_line(text: str) -> bool:
    """A permalink or end mark alone on a line: "★", "◉", "∞", "#", "¶", "→"."""
    stripped = text.strip()
    return bool(stripped) and _GLYPH_LINE.match(stripped) is not None


def is_read_on(text: str) -> bool:
    """A link to the rest of the post: "Continue reading on Medium »", "[read more]"."""
    if word_count(text) > READ_ON_MAX_WORDS:
        return False
    line = re.sub(r"\s+", " ", text).strip().rstrip(" .:!?»›>→-–—")
    return _READ_ON.match(line) is not None


def sponsor_label(text: str) -> str | None:
    """What follows a sponsor label on its line ("" for a bare "Sponsored by:"),
    or None when the block is not one."""
    if word_count(text) > SPONSOR_LABEL_MAX_WORDS or not _has_hint(text, _SPONSOR_HINTS):
        return None
    found = _SPONSOR_LABEL.match(normalise(text) if ":" not in text else text.strip())
    if found is None:
        return None
    return (found.group("rest") or "").strip()


def is_sponsor_label(text: str) -> bool:
    """A sponsor block's label: "Sponsored by:", "This episode is brought to you by: X"."""
    return sponsor_label(text) is not None


def is_sponsor_thanks(text: str) -> bool:
    """ "My thanks to X for sponsoring the site this week.", and the pitch for the next
    sponsor after it in the same block."""
    if word_count(text) > SPONSOR_THANKS_MAX_WORDS or not _has_hint(text, ("sponsor",)):
        return False
    return _SPONSOR_THANKS.match(text.strip()) is not None


def is_related_list(text: str) -> bool:
    """ "Related Posts: A · B · C" in one block: a label and the titles it lists."""
    words = word_count(text)
    stripped = text.strip()
    found = _RELATED_LIST.match(stripped)
    if found is None or words > RELATED_LIST_LONG_MAX_WORDS:
        return False
    if words <= RELATED_LIST_MAX_WORDS:
        return True
    rest = stripped[found.end() :]
    return len(_LIST_ITEM_SEPARATOR.split(rest)) >= 3 and _SENTENCE_INSIDE.search(rest) is None


def is_podcast_pitch(text: str) -> bool:
    """ "Subscribe now in your podcast app!": every sentence asks to subscribe or follow."""
    if word_count(text) > PODCAST_PITCH_MAX_WORDS or not _has_hint(text, _PODCAST_HINTS):
        return False
    parts = sentences(text)
    return bool(parts) and all(_PODCAST_PITCH.match(part.strip()) for part in parts)


def is_tip_line(text: str) -> bool:
    """ "Got a story? Email newsdesk@... or message us.": a call for tips and where to send them."""
    if word_count(text) > TIP_LINE_MAX_WORDS:
        return False
    stripped = text.strip()
    found = _TIP_QUESTION.match(stripped)
    return found is not None and _TIP_CONTACT.search(stripped[found.end() :]) is not None


def is_caption_with_name(text: str) -> bool:
    """A short caption sentence followed by a bare credit: "X in Glenarrow. Kelderholm Observatory"."""
    if word_count(text) > CAPTION_NAME_TAIL_MAX_WORDS or ". " not in text:
        return False
    found = _CAPTION_NAME_TAIL.match(text.strip())
    if found is None:
        return False
    head = text.strip()[: found.start("credit")].rstrip()
    last = head.rsplit(None, 1)[-1].rstrip(".!?").lower()
    return word_count(head) >= CAPTION_MIN_WORDS and len(last) > 3 and last not in _ABBREVIATIONS


def is_label_line(text: str) -> bool:
    """A line of section or tag labels joined by a middle dot or bar: "Science · Wire"."""
    if word_count(text) > LABEL_LINE_MAX_WORDS or ("·" not in text and "•" not in text):
        return False
    parts = _LABEL_SEPARATOR.split(text.strip())
    return len(parts) >= 2 and all(_LABEL.match(part) for part in parts)


# A credit naming the source, alone on the entry's last line: "Medscape News UK",
# "Medscape Business of Medicine", "Medscape.". A few capitalised words (with the
# small words of a name between them) and no sentence: "The findings were first
# reported by Medscape Medical News." is a closing sentence, and stays.
_CREDIT = re.compile(r"^[A-Z][\w&'’-]*(?:\s+(?:[A-Z&][\w&'’-]*|of|and|the|for|on|in|&)){0,5}\.?$")
SOURCE_CREDIT_MAX_WORDS = 6
# Labels of a host name that say nothing of whose site it is.
_HOST_NOISE = frozenset({"www", "feeds", "feed", "rss", "com", "org", "net", "co", "m"})
_HOST_WORD_MIN_CHARS = 3


def source_words(url: str | None) -> frozenset[str]:
    """The words of a source's own name, as its address spells them:
    ``https://www.medscape.com/viewarticle/x`` gives ``{"medscape"}``."""
    if not url:
        return frozenset()
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower()).split("/", 1)[0]
    labels = host.split(":", 1)[0].split(".")[:-1]  # the top-level domain says nothing
    return frozenset(
        label for label in labels if label not in _HOST_NOISE and len(label) >= _HOST_WORD_MIN_CHARS
    )


def is_source_credit(text: str, names: frozenset[str]) -> bool:
    """A line that only names the source or one of its sections: a few
    capitalised words, one of them the source's own name (``source_words``)."""
    line = " ".join(text.split())
    if not names or not line or word_count(line) > SOURCE_CREDIT_MAX_WORDS:
        return False
    if _CREDIT.match(line) is None:
        return False
    return any(word.casefold() in names for word in re.findall(r"\w+", line))
