"""Output safety: whatever markup a source sends, the published feeds carry nothing executable.

The published Atom and RSS are parsed (lxml), and every field a reader may
render as HTML (content, summary, description, and, because RSS readers
disagree on it, titles, authors and categories too) is parsed again as
HTML the way a browser does (html5lib implements the WHATWG algorithm) and
searched for scripts, event handlers, dangerous URLs, CSS
expressions, forms, frames, embedded objects and SVG/MathML. Links must be
http(s). The payloads are a hand-written list of known XSS vectors,
delivered in every field a feed has, plus hypothesis-generated markup.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import html5lib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from jjfeed import pipeline, publish
from jjfeed.model import Article, Cluster, FeedInfo, StoredArticle
from jjfeed.parse import parse_feed

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"
DC_NS = "{http://purl.org/dc/elements/1.1/}"

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src=x onerror="alert(1)">',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<img src=\"jav&#x09;ascript:alert('XSS');\">",
    "<img src=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href=" &#14;  javascript:alert(1)">click</a>',
    '<a href="JAVASCRIPT:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="livescript:alert(1)">x</a>',
    "<body onload=alert(1)>",
    "<div onmouseover=alert(1)>hover</div>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<frameset><frame src="javascript:alert(1)"></frameset>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    "<input onfocus=alert(1) autofocus>",
    "<textarea onfocus=alert(1) autofocus>",
    '<div style="width: expression(alert(1))">css</div>',
    "<div style=\"background:url('javascript:alert(1)')\">css</div>",
    '<div style="behavior: url(x.htc)">css</div>',
    "<style>@import 'javascript:alert(1)';</style>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<video><source onerror="alert(1)"></video>',
    "<audio src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<marquee onstart=alert(1)>m</marquee>",
    '<isindex action="javascript:alert(1)" type=submit>',
    '<a href="#" onclick="alert(1)">x</a>',
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</p></div></body></html><script>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<title><img src=x onerror=alert(1)></title>",
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    "<listing>&lt;img src=x onerror=alert(1)&gt;</listing>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    '<a href="https://ok.example/" style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</a>',
    '<img srcset="javascript:alert(1) 1x">',
    '<a href="https://ok.example/" target="_blank" rel="opener">tabnab</a>',
    '<object type="text/x-scriptlet" data="https://evil.example/x.sct"></object>',
    "<applet code=X.class></applet>",
    "<plaintext><script>alert(1)</script>",
    "<div>\x00<script>alert(1)</script></div>",
]

# Elements no published entry may contain, and URL schemes no attribute may carry.
FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "option", "base", "meta", "link", "style", "svg", "math",
    "template", "isindex", "xmp", "plaintext", "noscript", "marquee", "audio", "video", "source",
}  # fmt: skip
URL_ATTRS = {"href", "src", "action", "formaction", "background", "poster", "data", "srcset",
             "xlink:href", "cite", "longdesc", "dynsrc", "lowsrc", "ping", "codebase"}  # fmt: skip
BAD_SCHEME = re.compile(r"^(javascript|vbscript|livescript|data|mocha):", re.I)
CSS_DANGER = re.compile(
    r"expression\s*\(|url\s*\(|javascript:|behavior\s*:|-moz-binding|@import", re.I
)
# What a browser ignores inside a URL scheme.
URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")


def dangers(markup: str, where: str) -> list[str]:
    """Everything executable in ``markup`` read as an HTML fragment, described."""
    if not markup.strip():
        return []
    found = []
    if re.search(r"<!--\[if|<!\[endif", markup, re.I):
        found.append(f"{where}: conditional comment")
    root = html5lib.parseFragment(markup, treebuilder="etree", namespaceHTMLElements=False)
    for element in root.iter():
        tag = _local(element.tag) if isinstance(element.tag, str) else "#comment"
        if tag.lower() in FORBIDDEN_TAGS:
            found.append(f"{where}: <{tag}>")
        for name, value in element.attrib.items():
            lname = _local(name).lower()
            if lname.startswith("on"):
                found.append(f"{where}: <{tag} {name}>")
            if lname in URL_ATTRS and BAD_SCHEME.match(URL_NOISE.sub("", html.unescape(value))):
                found.append(f"{where}: <{tag} {name}={value!r}>")
            if lname == "style" and CSS_DANGER.search(value):
                found.append(f"{where}: <{tag} style={value!r}>")
            if lname == "srcdoc":
                found.append(f"{where}: <{tag} srcdoc>")
    return found


def _local(name: str) -> str:
    """``{namespace}name`` -> ``name`` (html5lib puts SVG and xlink names in namespaces)."""
    return name.rsplit("}", 1)[-1]


def check_link(url: str | None, where: str) -> list[str]:
    if url is None:
        return []
    if not re.match(r"^https?://", url):
        return [f"{where}: link {url!r}"]
    return []


def published_dangers(atom: bytes, rss: bytes) -> list[str]:
    """Parse both published feeds and collect every danger in every renderable field."""
    found: list[str] = []
    atom_root = etree.fromstring(atom)
    for i, entry in enumerate(atom_root.iter(f"{ATOM}entry")):
        for field in ("content", "summary", "title"):
            for node in entry.iter(f"{ATOM}{field}"):
                found += dangers(node.text or "", f"atom entry {i} {field}")
        for node in entry.iter(f"{ATOM}name", f"{ATOM}category"):
            found += dangers(node.text or node.get("term") or "", f"atom entry {i} {node.tag}")
        for link in entry.iter(f"{ATOM}link"):
            found += check_link(link.get("href"), f"atom entry {i}")
    rss_root = etree.fromstring(rss)
    for i, item in enumerate(rss_root.iter("item")):
        for tag in ("description", f"{CONTENT_NS}encoded", "title", "category", "author",
                    f"{DC_NS}creator"):  # fmt: skip
            for node in item.iter(tag):
                found += dangers(node.text or "", f"rss item {i} {tag}")
        for node in item.iter("link", "comments"):
            found += check_link(node.text, f"rss item {i} {node.tag}")
    return found


def json_and_page_dangers(folder: Path) -> list[str]:
    """The other two published formats: JSON Feed's HTML and URL fields, the HTML page's body."""
    found: list[str] = []
    feed = json.loads((folder / "feed.json").read_text(encoding="utf-8"))
    for i, item in enumerate(feed.get("items", [])):
        found += dangers(item.get("content_html", ""), f"json item {i} content_html")
        for key in ("url", "external_url", "image"):
            if item.get(key):
                found += check_link(item[key], f"json item {i} {key}")
    page = (folder / "index.html").read_text(encoding="utf-8")
    head, _, body = page.partition("<body>")
    assert body, "index.html has no <body>"
    found += dangers(body.replace("</body>", "").replace("</html>", ""), "index.html body")
    if "<script" in head.lower():
        found.append("index.html head: <script>")
    return found


def test_the_json_and_page_checker_finds_what_it_looks_for(tmp_path: Path) -> None:
    item = {"content_html": "<p onclick=alert(1)>x</p>", "url": "javascript:alert(1)"}
    (tmp_path / "feed.json").write_text(json.dumps({"items": [item]}))
    (tmp_path / "index.html").write_text("<html><head></head><body><script>1</script></body>")
    assert len(json_and_page_dangers(tmp_path)) == 3


def test_the_checker_finds_what_it_looks_for() -> None:
    """Without this, a checker that sees nothing would pass every test below."""
    missed = [p for p in PAYLOADS if not dangers(p, "raw")]
    # Inert in a browser too: comments, CDATA text, split tags, escaped text, a plain link.
    assert len(missed) <= 12, missed
    for payload in ("<script>alert(1)</script>", '<a href=" &#14;  javascript:alert(1)">click</a>',
                    '<svg><a xlink:href="javascript:alert(1)"><text>XSS</text></a></svg>',
                    '<div style="width: expression(alert(1))">css</div>'):  # fmt: skip
        assert dangers(payload, "raw"), payload
    assert check_link("javascript:alert(1)", "x") and not check_link("https://a.example/", "x")


# -- the payload list, through the real CLI ----------------------------------------


def _payload_rss() -> bytes:
    items = []
    for i, payload in enumerate(PAYLOADS):
        escaped = html.escape(payload)
        link = "javascript:alert(1)" if i % 3 == 0 else f"https://example.org/p{i}"
        items.append(
            f"<item><title>Payload {i} {escaped}</title><link>{html.escape(link)}</link>"
            f'<guid isPermaLink="false">p{i}</guid><author>{escaped}</author>'
            f"<category>{escaped}</category>"
            f"<description>{html.escape(payload + ' A summary sentence about harbour ferries.')}</description>"
            f"<content:encoded>{html.escape('<p>Harbour council story number ' + str(i) + '.</p>' + payload + '<p>Residents asked about the tram budget and the ferry timetable again.</p>')}</content:encoded>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>xss</title>'
        "<link>https://example.org/</link>" + "".join(items) + "</channel></rss>"
    ).encode()


def _payload_atom() -> bytes:
    entries = []
    for i, payload in enumerate(PAYLOADS):
        entries.append(
            f'<entry><id>urn:atom:{i}</id><title type="html">{html.escape(payload)} atom {i}</title>'
            f'<link href="{html.escape("vbscript:x" if i % 2 else "https://example.org/a" + str(i))}"/>'
            f"<author><name>{html.escape(payload)}</name></author>"
            f'<summary type="html">{html.escape(payload)}</summary>'
            f'<content type="html">{html.escape("<p>Atom entry about the river bridge " + str(i) + ".</p>" + payload)}</content>'
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>xss atom</title><id>urn:x</id>" + "".join(entries) + "</feed>"
    ).encode()


def _payload_json() -> bytes:
    items = [
        {
            "id": f"j{i}",
            "url": "javascript:alert(1)" if i % 2 else f"https://example.org/j{i}",
            "title": payload,
            "content_html": f"<p>JSON item {i} about the tram line.</p>{payload}",
            "summary": payload,
            "tags": [payload],
            "authors": [{"name": payload}],
        }
        for i, payload in enumerate(PAYLOADS)
    ]
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "xss json", "items": items}
    ).encode()


def _page(payload: str, i: int) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>Page {i} {html.escape(payload)}</title>"
        f'<meta property="og:title" content="{html.escape(payload)}"></head><body><article>'
        f"<h1>Page {i}</h1><p>The harbour council met on Tuesday to vote on the ferry timetable "
        f"and the budget for the new tram line, which residents have asked about for years.</p>"
        f"{payload}<p>Engineers said the bridge repairs would start in the summer season.</p>"
        "</article></body></html>"
    ).encode()


def test_xss_payload_list_never_reaches_the_published_feeds(tmp_path: Path) -> None:
    folder = tmp_path / "xss"
    folder.mkdir()
    (folder / "payloads.rss").write_bytes(_payload_rss())
    (folder / "payloads.atom").write_bytes(_payload_atom())
    (folder / "payloads.json").write_bytes(_payload_json())
    for i, payload in enumerate(PAYLOADS[::4]):
        (folder / f"page{i:02d}.html").write_bytes(_page(payload, i))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    (tmp_path / "feeds.yaml").write_text("limit: 1000\n")
    result = subprocess.run(
        [sys.executable, "-m", "jjfeed", "--db", "db/j.db", "--output", "out", "ingest", "xss"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    atom = (tmp_path / "out" / "feed.atom").read_bytes()
    rss = (tmp_path / "out" / "feed.rss").read_bytes()
    entries = len(etree.fromstring(atom).findall(f"{ATOM}entry"))
    assert entries >= 3 * len(PAYLOADS) * 0.9  # the payload entries were published, not dropped
    assert published_dangers(atom, rss) == []
    assert json_and_page_dangers(tmp_path / "out") == []


# -- hypothesis-generated markup -------------------------------------------------

TAGS = ["script", "img", "a", "svg", "iframe", "style", "div", "p", "b", "form", "math",
        "object", "embed", "textarea", "title", "noscript", "template", "table", "body"]  # fmt: skip
ATTRS = ["onerror", "onload", "onclick", "href", "src", "style", "action", "formaction",
         "xlink:href", "srcdoc", "class", "background", "data"]  # fmt: skip
VALUES = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java&#x09;script:alert(1)",
          "vbscript:x", "data:text/html,<script>alert(1)</script>", "expression(alert(1))",
          "url(javascript:alert(1))", "alert(1)", "x", "https://ok.example/", ""]  # fmt: skip
PIECES = ["<", ">", "</", "/>", "<!--", "-->", "<![CDATA[", "]]>", '"', "'", "=", " ",
          "&lt;", "&gt;", "&amp;", "&#60;", "&#x3c;", "\x00", "\n", "alert(1)"]  # fmt: skip


@st.composite
def markup(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["element", "piece", "text"]))
        if kind == "element":
            tag = draw(st.sampled_from(TAGS))
            attrs = "".join(
                f' {draw(st.sampled_from(ATTRS))}="{draw(st.sampled_from(VALUES))}"'
                for _ in range(draw(st.integers(0, 3)))
            )
            close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}", "<"]))
            parts.append(f"<{tag}{attrs}>{draw(st.sampled_from(VALUES))}{close}")
        elif kind == "piece":
            parts.append(draw(st.sampled_from(PIECES)))
        else:
            parts.append(draw(st.text(max_size=20)))
    return "".join(parts)


def _publish_one(title: str, body: str, tmp_path: Path) -> tuple[bytes, bytes]:
    """One entry carrying ``body`` in content and summary and ``title`` everywhere else,
    through parse, clean and publish (the store is a plain row here: no SQL runs)."""
    doc = (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>h</title>'
        f"<item><title>{html.escape(title)}</title><guid>https://example.org/h</guid>"
        f"<link>https://example.org/h</link><author>{html.escape(title)}</author>"
        f"<category>{html.escape(title)}</category>"
        f"<description>{html.escape(body)}</description>"
        f"<content:encoded>{html.escape('<p>Lead paragraph of the story.</p>' + body)}</content:encoded>"
        "</item></channel></rss>"
    ).encode()
    parsed = parse_feed(doc, source="gen", url="gen.xml")
    articles = [pipeline.clean_article(a) for a in parsed.articles]
    now = datetime(2026, 11, 1, tzinfo=UTC)
    members = [StoredArticle(i, a, None, "h", "c", now) for i, a in enumerate(articles)]
    clusters = [
        Cluster(f"00000000-0000-5000-8000-{i:012d}", (m,), m, now) for i, m in enumerate(members)
    ]
    publish.publish(clusters, FeedInfo(), tmp_path)
    return (tmp_path / "feed.atom").read_bytes(), (tmp_path / "feed.rss").read_bytes()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=markup(), body=markup())
def test_generated_markup_never_reaches_the_published_feeds(
    tmp_path: Path, title: str, body: str
) -> None:
    atom, rss = _publish_one(title, body, tmp_path)
    assert published_dangers(atom, rss) == []
    assert json_and_page_dangers(tmp_path) == []


def test_escaped_markup_in_a_summary_is_not_markup_in_rss(tmp_path: Path) -> None:
    """A summary of ``&lt;script&gt;`` is the text "<script>"; RSS readers render
    <description> as HTML, so that text must not come out as a tag."""
    body = "&lt;script&gt;alert(1)&lt;/script&gt; and &lt;img src=x onerror=alert(1)&gt;"
    atom, rss = _publish_one("Escaped", body, tmp_path)
    assert published_dangers(atom, rss) == []


def test_text_fallback_summary_is_not_markup_in_rss(tmp_path: Path) -> None:
    """An entry with no summary of its own gets its first block of text as one; text that
    reads "<script>" (escaped in the source) must not become a tag in RSS <description>."""
    doc = (
        b'<rss version="2.0"><channel><title>h</title><item><title>x</title>'
        b"<guid>https://example.org/1</guid><description>&lt;p&gt;&amp;lt;script&amp;gt;"
        b"alert(1)&amp;lt;/script&amp;gt; code sample&lt;/p&gt;</description></item></channel></rss>"
    )
    atom, rss = _publish_article(
        pipeline.clean_article(parse_feed(doc, source="s").articles[0]), tmp_path
    )
    assert published_dangers(atom, rss) == []


def _publish_article(article: Article, folder: Path) -> tuple[bytes, bytes]:
    """One cleaned article published alone: its Atom and RSS feeds."""
    now = datetime(2026, 11, 1, tzinfo=UTC)
    member = StoredArticle(1, article, None, "h", "c", now)
    cluster = Cluster("00000000-0000-5000-8000-000000000001", (member,), member, now)
    publish.publish([cluster], FeedInfo(), folder)
    return (folder / "feed.atom").read_bytes(), (folder / "feed.rss").read_bytes()


def test_a_title_made_from_the_text_of_an_untitled_entry_is_not_markup(tmp_path: Path) -> None:
    """An entry with no title is titled by its opening words; text that reads
    "<img src=x onerror=...>" (escaped in the source) must not become a tag in a title
    that a reader takes for HTML."""
    doc = (
        b'<rss version="2.0"><channel><title>h</title><item>'
        b"<guid>https://example.org/1</guid><description>&lt;p&gt;&amp;lt;img src=x "
        b"onerror=alert(1)&amp;gt; is how the worm began&lt;/p&gt;</description></item>"
        b"</channel></rss>"
    )
    article = pipeline.clean_article(parse_feed(doc, source="s").articles[0])
    assert not article.title and article.text.startswith("<img")
    atom, rss = _publish_article(article, tmp_path)
    assert published_dangers(atom, rss) == []
