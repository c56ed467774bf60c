"""The clean stage: boilerplate out, article text and its metadata kept.

Three entry points, one per kind of input the pipeline meets:

- ``clean_text``: plain text scraped from a page;
- ``clean_html``: an HTML fragment from a feed entry;
- ``clean_page``: a whole HTML page, whose main content is found first.

All are pure functions returning ``jjfeed.model.Cleaned``.
"""

from jjfeed.clean.html import clean_html
from jjfeed.clean.page import clean_page
from jjfeed.clean.text import clean_text, has_prose

__all__ = ["clean_html", "clean_page", "clean_text", "has_prose"]
