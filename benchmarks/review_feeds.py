"""Real-feeds review (issue 16): run jjfeed over ~570 real feed files and read what it made.

It runs jjfeed as a user would: ``python -m jjfeed ingest FOLDER`` in a subprocess, with a
temporary feeds.yaml (publishing everything), ``--db`` and ``--output``, one db per corpus
folder (feeds-review/netnewswire, feeds-review/feedjira, feeds-real/gofeed,
feeds-real/rss-parser under ``../shared/data``); then reads ``export``, ``dupes --json``
and the published ``feed.atom``, and compares them with what feedparser (or, for a JSON
Feed, its ``items``) sees in each file. It reports:

- tracebacks in the CLI's stderr (must be 0) and every command's exit code;
- entries failed and why: jjfeed's warnings about skipped, failed or rejected entries/files;
- items dropped: feed entries with no stored article (matched by guid, link, title), and
  how many of those no warning accounts for; stored articles that match no feed entry;
- entries dated by the run although the source dated them (stored and published);
- entries without an author although the entry or the feed names one, and published
  Atom entries without an author in a feed without one (RFC 4287);
- the 20 most frequent auto tags (published categories that are not the entry's own);
- cleaning: published lines that match a feed furniture class (the review's own
  patterns, ``LEAKS``), and story paragraphs and links of each feed body missing
  from the published text, with examples to read;
- every merged cluster and story link, one block each under a stable key (a hash of the
  members' file|guid) for issue 17's labels; ``--json`` writes counts and clusters.

Usage: python benchmarks/review_feeds.py [--only review|real|all] [--json out.json]
       [--data DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import html
import json
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import feedparser
import lxml.etree
import lxml.html

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FOLDERS = {
    "review": ["feeds-review/netnewswire", "feeds-review/feedjira"],
    "real": ["feeds-real/gofeed", "feeds-real/rss-parser"],
}
FAILED = re.compile(r"skipped|failed|rejected|refused|dropped|kept the first|truncat", re.I)
ATOM = "{http://www.w3.org/2005/Atom}"
SLACK = timedelta(minutes=1)


def run_cli(name: str, args: list[str], timeout: float) -> dict:
    """Run one jjfeed command; a hang or a crash becomes a value, never our exception."""
    cmd = [sys.executable, "-m", "jjfeed", *args]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, errors="replace")
        return {"cmd": name, "rc": p.returncode, "stdout": p.stdout, "stderr": p.stderr}
    except subprocess.TimeoutExpired as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr or ""
        return {"cmd": name, "rc": "timeout", "stdout": "", "stderr": err}


def run_folder(folder: Path, work: Path, limit: int, timeout: float) -> dict:
    """Ingest one folder into its own db, then read back the export, dupes and feed.atom."""
    work.mkdir(parents=True)
    cfg = work / "feeds.yaml"
    cfg.write_text(f"title: review\nlink: https://review.example/\nid: urn:review\n"
                   f"limit: {limit}\nsources: []\n")  # fmt: skip
    base = ["--config", str(cfg), "--db", str(work / "db.sqlite"), "--output", str(work / "out")]
    start = datetime.now(UTC)
    ingest = run_cli("ingest", [*base, "ingest", str(folder)], timeout)
    window = (start - SLACK, datetime.now(UTC) + SLACK)
    export = run_cli("export", [*base, "export"], timeout)
    dupes = run_cli("dupes", [*base, "dupes", "--limit", "1000000", "--json"], timeout)
    rows = json_lines(export["stdout"])
    return {"calls": [ingest, export, dupes], "window": window, "atom": work / "out" / "feed.atom",
            "rows": rows, "by_id": {r.get("id"): r for r in rows}, "entry_of": {},
            "dupes": json_lines(dupes["stdout"])}  # fmt: skip


def json_lines(text: str) -> list[dict]:
    """The JSON objects of a JSONL text; a line that is not one is skipped."""
    return [o for o in map(loads, text.splitlines()) if isinstance(o, dict)]


def loads(text: str | bytes) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def norm_url(url: object) -> str:
    if not isinstance(url, str) or not url.strip():
        return ""
    try:
        s = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    parts = (s.scheme.lower(), s.netloc.lower(), s.path.rstrip("/"), s.query, s.fragment)
    return urlunsplit(parts)


def norm_title(title: object) -> str:
    """Words only: markup (escaped or not) and control characters do not count."""
    text = re.sub(r"[\x00-\x1f\x7f]", "", title if isinstance(title, str) else "")
    for _ in range(2):
        text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return " ".join(re.findall(r"\w+", text.casefold()))


def parsed_date(t: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(calendar.timegm(t), tz=UTC) if t else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def iso_date(value: object) -> datetime | None:
    try:
        d = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


BARE_EMAIL = re.compile(r"(?:mailto:)?[^\s@()<>]+@[^\s@()<>]+")


def names(*values: object) -> bool:
    """True when any value names a person: a string, or a dict/list holding a name.

    A bare e-mail address (``robot@craigslist.org``, ``webmaster@...``) names no
    one; jjfeed does not take it for an author, and neither does this count.
    """
    for v in values:
        if isinstance(v, str) and v.strip() and not BARE_EMAIL.fullmatch(v.strip()):
            return True
        if isinstance(v, dict) and names(v.get("name")):
            return True
        if isinstance(v, list) and any(names(x) for x in v):
            return True
    return False


class Entry(NamedTuple):
    """What a reader library sees of one feed entry."""

    id: str
    link: str
    title: str
    dated: bool  # the source gives it a date (published, updated, dc:date, date_modified)
    date: datetime | None
    author: bool  # the entry or its feed names an author
    cats: set[str]  # its own categories, normalised
    text: str = ""  # the start of its body, normalised: the key of last resort
    body: str = ""  # the whole body as the feed gives it (HTML or plain text)


def make_entry(keys: list, dates: list, author: bool, cats: list) -> Entry:
    id_, link, title, text = (str(k) if isinstance(k, str | int) else "" for k in keys)
    when = next((d for d in dates if isinstance(d, datetime)), None)
    # A category of keywords joined by bare commas ("DASDING,Interview") is the
    # entry's own keywords, each published as a tag of its own.
    parts = [p for c in cats if c for p in [str(c), *re.split(r",(?=\S)", str(c))]]
    normalised = {" ".join(p.split()).casefold() for p in parts if p.strip()}
    return Entry(
        id_, link, title, any(dates), when, author, normalised, norm_title(text)[:80], text
    )


def json_feed_entries(doc: dict) -> list[Entry]:
    feed_author = names(doc.get("author"), doc.get("authors"))
    out = []
    for item in doc["items"]:
        item = item if isinstance(item, dict) else {}
        raw = [item.get("date_published"), item.get("date_modified")]
        dates = [iso_date(d) or True for d in raw if isinstance(d, str) and d.strip()]
        tags = item.get("tags")
        tags = tags.split(",") if isinstance(tags, str) else tags if isinstance(tags, list) else []
        author = feed_author or names(item.get("author"), item.get("authors"))
        body = item.get("content_text") or item.get("content_html") or item.get("summary")
        keys = [item.get("id"), item.get("url"), item.get("title"), body]
        out.append(make_entry(keys, dates, author, tags))
    return out


def feed_entries(path: Path) -> list[Entry]:
    """The entries a reader library sees in one file (feedparser, or the JSON Feed items)."""
    raw = path.read_bytes()
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        doc = loads(raw.decode("utf-8-sig", errors="replace"))
        valid = isinstance(doc, dict) and isinstance(doc.get("items"), list)
        return json_feed_entries(doc) if valid else []
    d = feedparser.parse(raw)
    feed_author = names(d.feed.get("author"), d.feed.get("author_detail"), d.feed.get("authors"))
    out = []
    for e in d.entries:
        stamps = [dict.get(e, k) for k in ("published_parsed", "updated_parsed", "created_parsed")]
        dates = [parsed_date(s) or True for s in stamps if s]
        author = feed_author or names(e.get("author"), e.get("author_detail"), e.get("authors"))
        cats = [t.get("term") or t.get("label") for t in e.get("tags") or []]
        body = (e.get("content") or [{}])[0].get("value") or e.get("summary")
        # FeedBurner's article link (feedburner:origLink) stands for its tracker's, as in
        # jjfeed; with no <guid>, the id feedparser makes is that link too.
        link = e.get("feedburner_origlink") or e.get("link")
        id_ = link if e.get("id") == e.get("link") else e.get("id")
        keys = [id_, link, e.get("title"), body]
        out.append(make_entry(keys, dates, author, cats))
    return out


def index_rows(rows: list[dict]) -> dict[str, dict[str, list[dict]]]:
    """Stored articles by guid, normalised URL and normalised title."""
    idx: dict = {k: defaultdict(list) for k in ("guid", "url", "title", "text")}
    for r in rows:
        idx["guid"][str(r.get("guid") or "")].append(r)
        idx["url"][norm_url(r.get("url"))].append(r)
        idx["title"][norm_title(r.get("title"))].append(r)
        idx["text"][norm_title(r.get("text"))[:80]].append(r)
    return idx


def match(e: Entry, idx: dict, claimed: set, taken: dict) -> dict | None:
    """The stored article for one entry: the same guid (an entry may repeat one), else a link,
    title or text not yet claimed in this file. Articles no other file took come first; a
    title or text match must not point at another host (two blogs' posts called "JSON Feed")."""
    hashed = "sha256:" + hashlib.sha256(e.id.encode()).hexdigest()  # jjfeed's bounded guid
    keys = [("guid", e.id), ("guid", hashed if e.id else ""), ("url", norm_url(e.link))]
    keys += [("title", norm_title(e.title))]  # a keyless entry's body may become its title:
    keys += [("text", e.text), ("title", e.text)] * (not (e.id or e.link or e.title))
    for kind, key in keys:
        rows = sorted(idx[kind].get(key, []) if key else [], key=lambda r: r.get("id") in taken)
        for r in rows:
            if kind == "guid" or r.get("id") not in claimed and same_host(kind, e.link, r):
                return r
    return None


def same_host(kind: str, link: str, r: dict) -> bool:
    if kind == "url":
        return True
    hosts = []
    for url in (link, r.get("url")):
        try:
            hosts.append(urlsplit(str(url or "")).netloc.lower().removeprefix("www."))
        except ValueError:
            hosts.append("")
    return "" in hosts or hosts[0] == hosts[1]


def in_window(d: datetime | None, window: tuple) -> bool:
    return d is not None and window[0] <= d <= window[1]


def said_why(notes: list[str], i: int) -> bool:
    """Whether a warning about this file accounts for its entry i (or for the whole file)."""
    for note in notes:
        numbered = re.search(r"\b(?:entry|item) (\d+)\b", note)
        if FAILED.search(note) and (numbered is None or numbered.group(1) == str(i)):
            return True
    return False


def check_file(name: str, entries: list[Entry], notes: list[str], run: dict, acc: dict) -> None:
    """Compare one file's entries with what jjfeed stored; add to the accumulators."""
    claimed: set = set()
    for i, e in enumerate(entries):
        acc["counts"]["feed_entries"] += 1
        r = match(e, run["idx"], claimed, run["entry_of"])
        if r is None:
            acc["dropped"][name].append(e.title or e.link or e.id or e.text or "(empty entry)")
            acc["counts"]["dropped_silently"] += not said_why(notes, i)
            continue
        claimed.add(r.get("id"))
        run["entry_of"].setdefault(r.get("id"), (name, e))
        shown = f"{name}: {r.get('title') or r.get('url')!s:.90}"
        pub = iso_date(r.get("published"))
        run_dated = pub is None or in_window(pub, run["window"])
        if e.dated and not in_window(e.date, run["window"]) and run_dated:
            acc["examples"]["run_dated"].append(f"{shown} (stored {r.get('published')})")
        if e.author and not str(r.get("author") or "").strip():
            acc["examples"]["authorless"].append(shown)
        acc["counts"]["external_urls"] += bool(r.get("external_url"))
        check_cleaning(name, e, r, acc)


# The feed furniture classes of issue 18, written here as the review's own
# patterns (not jjfeed's rules): a published line that matches one is a leak
# to read. Furniture lines are short, so only lines of up to LEAK_MAX_WORDS
# words are looked at; a story that talks about donations is longer.
LEAKS = {
    "appeared-first": re.compile(r"\b(appeared first|first appeared|erschien zuerst)\b", re.I),
    "glyph-line": re.compile(r"^[★☆◉●○■□◆◇▶►→»›¶∞§✦✱⁂#*]{1,3}$"),
    "read-on": re.compile(
        r"^(continue reading|read more|read the rest|weiterlesen|lire la suite)\b|"
        r"\[\s*(read more|more)\s*\]|\bread more\s*[»›→]?$",
        re.I,
    ),
    "sponsor": re.compile(
        r"^(sponsored by|this (episode|post) is sponsored|brought to you by)", re.I
    ),
    "related": re.compile(
        r"^(related( posts?| articles?| stories)?|you may also like|see also)\W*$", re.I
    ),
    "copyright": re.compile(r"^(copyright\b|©|\(c\) \d{4})", re.I),
    "link-row": re.compile(r"^(\w+ )?(link ?){2,}$", re.I),
    "support-appeal": re.compile(
        r"\b(patreon|ko-fi|buy me a coffee|become a (supporter|member|patron)|chip in|"
        r"donate|support (us|our|this) )",
        re.I,
    ),
    "podcast-app": re.compile(r"\bsubscribe\b.{0,40}\b(podcast app|apple podcasts|overcast)", re.I),
    "share": re.compile(r"^(share (this|on)|tweet this|follow (us|me) on)\b", re.I),
    "comments": re.compile(
        r"^(leave a comment|\d+ comments?$|let (us|me) know in the comments)", re.I
    ),
}
LEAK_MAX_WORDS = 30
# A story paragraph of the feed's body: this many words, ending like a sentence.
PROSE_WORDS = 12
PROSE_END = re.compile(r"[.!?…\"”’)]$")
WORDS = re.compile(r"\w+")
LEAF_BLOCKS = ("p", "li", "blockquote", "dd", "h2", "h3", "h4", "pre", "td")


def squashed(text: str) -> str:
    """Lowercased words (entities decoded), one space apart: how texts are compared."""
    return " ".join(WORDS.findall(html.unescape(text).lower()))


def body_blocks(body: str) -> tuple[list[str], list[str]]:
    """The feed body's leaf blocks' texts and its links' labels (plain text: its lines)."""
    if "<" not in body:
        return [line for line in body.splitlines() if line.strip()], []
    try:
        root = lxml.html.fragment_fromstring(body, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return [], []
    for annotation in list(root.iter("annotation", "annotation-xml")):
        annotation.drop_tree()  # MathML's TeX source: not what a reader sees
    for br in root.iter("br"):  # a line break parts words (text_content() would join them)
        br.tail = " " + (br.tail or "")
    blocks = []
    for el in root.iter(*LEAF_BLOCKS):
        if next(el.iterdescendants(*LEAF_BLOCKS), None) is None:
            blocks.append(" ".join(el.text_content().split()))
    if not blocks:  # a body of text and <br>s
        blocks = [" ".join(root.text_content().split())]
    links = [" ".join(a.text_content().split()) for a in root.iter("a")]
    return blocks, links


def _mostly_kept(words: str, kept: str) -> bool:
    """Whether the published text holds the paragraph's last or first three fifths in one
    run: its opening went ("by Anthony Vallone Ten years ago ..."), or its close, not it."""
    split = words.split()
    run = max(1, -(-3 * len(split) // 5))
    return f" {' '.join(split[-run:])} " in kept or f" {' '.join(split[:run])} " in kept


def check_cleaning(name: str, e: Entry, r: dict, acc: dict) -> None:
    """Furniture the published text still holds, and story text or links it lost."""
    text = str(r.get("text") or "")
    shown = f"{name}: {r.get('title') or r.get('url')!s:.60}"
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line or len(line.split()) > LEAK_MAX_WORDS:
            continue
        for kind, pattern in LEAKS.items():
            if pattern.search(line):
                acc["leaks"][kind].append(f"{shown} | {line[:100]}")
    # An untitled post's text may have become its title.
    kept = f" {squashed(str(r.get('title') or ''))} {squashed(text)} "
    blocks, links = body_blocks(e.body)
    for block in blocks:
        if len(block.split()) >= PROSE_WORDS and PROSE_END.search(block):
            acc["counts"]["prose_blocks"] += 1
            words = squashed(block)
            if f" {words} " in kept:
                continue
            kind = "prose_trimmed" if _mostly_kept(words, kept) else "prose_lost"
            acc["examples"][kind].append(f"{shown} | {block[:140]}")
    for label in links:
        words = squashed(label)
        if len(words.split()) >= 3 and not label.startswith(("http://", "https://")):
            acc["counts"]["story_links"] += 1
            if f" {words} " not in kept:
                acc["examples"]["links_lost"].append(f"{shown} | {label[:100]}")


def atom_text(el: ET.Element, path: str) -> str:
    return " ".join((el.findtext(path.replace("a:", ATOM)) or "").split())


def check_atom(label: str, run: dict, idx: dict, acc: dict) -> None:
    """The published feed.atom: authors (RFC 4287), run-time dates, and the auto tags."""
    root = ET.parse(run["atom"]).getroot()
    feed_author = atom_text(root, "a:author/a:name")
    c, ex = acc["counts"], acc["examples"]
    for el in root.findall(f"{ATOM}entry"):
        c["atom_entries"] += 1
        title = atom_text(el, "a:title")
        link = el.find(f"{ATOM}link[@rel='alternate']")
        href = link.get("href", "") if link is not None else ""
        r = match(Entry("", href, title, False, None, False, set()), idx, set(), {}) or {}
        name, e = run["entry_of"].get(r.get("id"), (label, None))
        if not feed_author and not atom_text(el, "a:author/a:name"):
            ex["atom_no_author"].append(f"{name}: {title:.90}")
        c["atom_updated_is_run"] += in_window(iso_date(atom_text(el, "a:updated")), run["window"])
        dated = e is not None and e.dated and not in_window(e.date, run["window"])
        if dated and in_window(iso_date(atom_text(el, "a:published")), run["window"]):
            ex["atom_run_dated"].append(f"{name}: {title:.90}")
        own = e.cats if e is not None else set()
        tags = [t.get("term", "") for t in el.findall(f"{ATOM}category")]
        acc["auto_tags"].update(t for t in tags if " ".join(t.split()).casefold() not in own)


def stable_key(prefix: str, pairs: list[str]) -> str:
    return prefix + hashlib.sha1("\n".join(sorted(pairs)).encode()).hexdigest()[:12]


def member(label: str, run: dict, m: dict, **extra: object) -> dict:
    """One cluster or story member: its file (stable across source renames), guid and title."""
    r = run["by_id"].get(m.get("id"), {})
    name = file_of(run, r, f"{label}/?")
    return {"file": name, "source": m.get("source"), "guid": r.get("guid", ""),
            "title": m.get("title") or "", "url": m.get("url") or "", **extra}  # fmt: skip


def file_of(run: dict, r: dict, default: str) -> str:
    """The file a stored article came from: its feed entry's, else its guid's or title's."""
    if r.get("id") in run["entry_of"]:
        return run["entry_of"][r.get("id")][0]
    return run["files"].get(r.get("guid")) or run["files"].get(r.get("title")) or default


def clusters_of(label: str, run: dict, acc: dict) -> None:
    """Every merged cluster and every story link, each with a key that labels can cite."""
    for d in run["dupes"]:
        if d.get("kind") not in ("cluster", "story"):
            continue
        kind, prefix, items, score = {
            "cluster": ("clusters", "c-", d.get("members"), "similarity"),
            "story": ("stories", "s-", d.get("clusters"), "link"),
        }[d["kind"]]
        ms = [member(label, run, m, rule=m.get("rule"), score=m.get(score),
                     representative=m.get("representative")) for m in items or []]  # fmt: skip
        key = stable_key(prefix, [f"{m['file']}|{m['guid']}" for m in ms])
        acc[kind].append({"key": key, "folder": label, "members": ms})
    for kind in ("clusters", "stories"):  # dupes lists newest first; a file's clusters together
        acc[kind].sort(key=lambda c: (c["folder"], min(m["file"] for m in c["members"]), c["key"]))


def read_stderr(label: str, call: dict, acc: dict) -> None:
    """Tracebacks, exit codes and the warnings that say an entry or a file was not kept."""
    err = call["stderr"]
    acc["calls"].append(f"{label.split('/')[-1]} {call['cmd']}={call['rc']}")
    acc["counts"]["nonzero_exits"] += call["rc"] != 0
    acc["counts"]["tracebacks"] += err.count("Traceback")
    if "Traceback" in err or call["rc"] != 0:
        tail = "\n".join(f"    {line}" for line in err.splitlines()[-8:])
        acc["tracebacks"].append(f"  {label} {call['cmd']} (exit {call['rc']}):\n{tail}")
    for line in err.splitlines():
        if ("WARNING" in line or "ERROR" in line) and FAILED.search(line):
            msg = re.sub(r"^jjfeed: \w+: ", "", line)
            reason = re.sub(r"\d+", "N", re.sub(r"(?:/[^\s:/]+)+/?", "<file>", msg))
            acc["warnings"][reason].append(msg.replace(str(DATA) + "/", ""))


def review_folder(label: str, folder: Path, work: Path, args: argparse.Namespace, acc: dict):
    """Ingest one corpus folder, then compare every file's entries with what came out."""
    run = run_folder(folder, work, args.limit, args.timeout)
    for call in run["calls"]:
        read_stderr(label, call, acc)
    acc["counts"]["stored"] += len(run["rows"])
    run["idx"] = idx = index_rows(run["rows"])
    warned = [x for c in run["calls"] for x in c["stderr"].splitlines() if "jjfeed: " in x]
    paths = sorted(p for p in folder.rglob("*") if p.is_file())
    files = {p: f"{label.split('/')[-1]}/{p.relative_to(folder)}" for p in paths}
    run["files"] = {p.as_uri(): name for p, name in files.items()}  # an article file's guid
    run["files"] |= {p.stem: name for p, name in files.items()}  # or its title
    for path, name in files.items():
        try:
            notes = [x for x in warned if f"{path}:" in x or x.endswith(str(path))]
            check_file(name, feed_entries(path), notes, run, acc)
        except Exception as e:  # one odd file must not end the review
            acc["errors"].append(f"{name}: {type(e).__name__}: {e}")
    for r in run["rows"]:
        if r.get("id") not in run["entry_of"]:
            name = file_of(run, r, label)
            acc["examples"]["unmatched"].append(f"{name}: {r.get('title') or r.get('url')!s:.90}")
    try:
        check_atom(label, run, idx, acc)
    except Exception as e:
        acc["errors"].append(f"{label}/feed.atom: {type(e).__name__}: {e}")
    clusters_of(label, run, acc)


COUNTS = ["tracebacks", "nonzero_exits", "failed_warnings", "feed_entries", "stored", "dropped",
          "dropped_silently", "unmatched", "run_dated", "atom_run_dated", "authorless",
          "atom_entries", "atom_no_author", "atom_updated_is_run", "clusters",
          "clustered_articles", "stories", "analysis_errors", "prose_blocks", "prose_lost",
          "prose_trimmed", "story_links", "links_lost", "furniture_leaks", "external_urls"]  # fmt: skip
EXAMPLES = {
    "unmatched": "stored articles matching no feed entry (pages, OPML, LICENSE...)",
    "run_dated": "dated by the run although the source dated them (stored undated, or run time)",
    "atom_run_dated": "published in feed.atom with the run's date although the source dated them",
    "authorless": "stored without an author although the entry or the feed names one",
    "atom_no_author": "published Atom entries without <author><name> in a feed without one",
    "prose_lost": "story paragraphs of a feed body (12+ words, a sentence) not in the published text",
    "prose_trimmed": "story paragraphs published without their opening or close (three fifths kept)",
    "links_lost": "links of a feed body (a label of 3+ words) whose label is not in the published text",
}


def summarise(acc: dict) -> dict:
    c = acc["counts"]
    c["failed_warnings"] = sum(len(v) for v in acc["warnings"].values())
    c["dropped"] = sum(len(v) for v in acc["dropped"].values())
    c.update({k: len(acc["examples"][k]) for k in EXAMPLES})
    c["clusters"], c["stories"] = len(acc["clusters"]), len(acc["stories"])
    c["clustered_articles"] = sum(len(x["members"]) for x in acc["clusters"])
    c["analysis_errors"] = len(acc["errors"])
    c["furniture_leaks"] = sum(len(v) for v in acc["leaks"].values())
    return {k: int(c[k]) for k in COUNTS}


def block(title: str, lines: list[str]) -> None:
    print(f"\n== {title} ==")
    for line in lines:
        print(line)


def item_block(item: dict) -> str:
    lines = [f"[{item['key']}] {item['folder']} ({len(item['members'])})"]
    for m in item["members"]:
        star = "*" if m.get("representative") else " "
        why = f"{m.get('rule')} {m.get('score') if m.get('score') is not None else ''}".strip()
        lines.append(f"  {star} {m['file']} | {m['title'][:80]!r} | {why} | {m['url'][:90]}")
    return "\n".join(lines)


def by_file(examples: list[str], files: int = 10) -> list[str]:
    """The files with the most examples, each with its count and its first example."""
    groups: dict[str, list[str]] = defaultdict(list)
    for x in examples:
        name, _, rest = x.partition(": ")
        groups[name].append(rest)
    top = sorted(groups.items(), key=lambda kv: -len(kv[1]))[:files]
    return [f"{len(v):5}  {name}  e.g. {v[0][:90]!r}" for name, v in top]


def report(acc: dict, counts: dict, header: str) -> None:
    print(header)
    block(f"tracebacks: {counts['tracebacks']}", ["exit codes: " + ", ".join(acc["calls"])])
    for tb in acc["tracebacks"]:
        print(tb)
    top = sorted(acc["warnings"].items(), key=lambda kv: -len(kv[1]))[:25]
    block(f"entries failed and why: {counts['failed_warnings']} warnings", [
        f"{len(v):5}  {reason[:150]}\n       e.g. {v[0][:150]}" for reason, v in top])  # fmt: skip
    worst = sorted(acc["dropped"].items(), key=lambda kv: -len(kv[1]))[:15]
    block(f"items dropped: {counts['dropped']} of {counts['feed_entries']} feed entries, "
          f"{counts['dropped_silently']} without a warning that says so",
          [f"{len(v):5}  {name}  e.g. {v[0][:70]!r}" for name, v in worst])  # fmt: skip
    empty = sum(v.count("(empty entry)") for v in acc["dropped"].values())
    print(f"(of which {empty} are empty entries: no id, link, title or text)")
    for key, title in EXAMPLES.items():
        total = f" of {counts['atom_entries']}" if key.startswith("atom") else ""
        block(f"{title}: {counts[key]}{total}", by_file(acc["examples"][key]))
    print(f"(published Atom entries with the run's <updated>: {counts['atom_updated_is_run']})")
    print(f"(of {counts['prose_blocks']} story paragraphs and {counts['story_links']} links)")
    block(f"feed furniture in published text, by class: {counts['furniture_leaks']} lines",
          [f"{len(v):5}  {kind}\n" + "\n".join(f"       {x}" for x in v[:8])
           for kind, v in sorted(acc["leaks"].items(), key=lambda kv: -len(kv[1]))])  # fmt: skip
    block("20 most frequent auto tags (published categories that are not the entry's own)",
          [f"{n:5}  {t}" for t, n in acc["auto_tags"].most_common(20)])  # fmt: skip
    block(f"merged clusters: {counts['clusters']} ({counts['clustered_articles']} articles)",
          [item_block(c) for c in acc["clusters"]])  # fmt: skip
    block(f"story links (Also covered by): {counts['stories']}",
          [item_block(s) for s in acc["stories"]])  # fmt: skip
    if acc["errors"]:
        block(f"analysis errors (the review's own): {len(acc['errors'])}", acc["errors"][:10])
    print("\nsummary: " + " ".join(f"{k}={v}" for k, v in counts.items()))


def commit() -> str:
    """HEAD's short hash, and which jjfeed ran: this repo's src/ (marked if it has
    uncommitted changes) or a tree on PYTHONPATH (say, a ``git archive HEAD`` export)."""
    root = Path(__file__).resolve().parents[1]

    def out(*cmd: str) -> str:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=root).stdout.strip()

    head = out("git", "rev-parse", "--short", "HEAD") or "unknown"
    where = Path(out(sys.executable, "-c", "import jjfeed; print(jjfeed.__file__)") or ".").parent
    if where == root / "src" / "jjfeed":
        return head + ("+dirty-src" if out("git", "status", "--porcelain", "src") else "")
    return f"{head} (jjfeed from {where})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="holds feeds-review/, feeds-real/")
    ap.add_argument("--only", choices=["review", "real", "all"], default="all")
    ap.add_argument("--json", type=Path, help="also write the counts, clusters and stories here")
    ap.add_argument("--limit", type=int, default=100000, help="feeds.yaml limit (default: all)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per jjfeed command")
    args = ap.parse_args(argv)
    folders = [f for k, v in FOLDERS.items() if args.only in (k, "all") for f in v]
    present = [f for f in folders if (args.data / f).is_dir()]
    header = (f"jjfeed real-feeds review, commit {commit()}, {datetime.now(UTC):%Y-%m-%d %H:%M}Z\n"
              f"data {args.data}: {', '.join(present) or 'no corpus folder found'}")  # fmt: skip
    acc: dict = {"counts": Counter(), "calls": [], "warnings": defaultdict(list), "errors": [],
                 "dropped": defaultdict(list), "examples": defaultdict(list), "tracebacks": [],
                 "auto_tags": Counter(), "clusters": [], "stories": [],
                 "leaks": defaultdict(list)}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="review-feeds-") as tmp:
        for i, label in enumerate(present):
            review_folder(label, args.data / label, Path(tmp) / str(i), args, acc)
    counts = summarise(acc)
    report(acc, counts, header)
    if args.json:
        out = {"commit": commit(), "folders": present, "counts": counts,
               "dropped_files": {k: len(v) for k, v in acc["dropped"].items()},
               "warnings": {k: len(v) for k, v in acc["warnings"].items()},
               "auto_tags": acc["auto_tags"].most_common(20), "examples": acc["examples"],
               "clusters": acc["clusters"], "stories": acc["stories"], "leaks": acc["leaks"],
               "errors": acc["errors"]}  # fmt: skip
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
