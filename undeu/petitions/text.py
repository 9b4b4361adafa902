"""Petition text: Markdown rendered to HTML that cannot run script, and text prepared for search."""

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

# Raw HTML in the source is not passed through ("html": False) and what Markdown produces is
# sanitised again by nh3 with a short allow-list, so a link can never be javascript: and no
# attribute can carry an event handler.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "code",
    "pre",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_HEADING = re.compile(r"<(/?)h1>")


def render_body(source: str) -> str:
    html = _markdown.render(source)
    # The page title is the only h1; a starter's top-level heading becomes h2.
    html = _HEADING.sub(r"<\1h2>", html)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )


def fold(text: str) -> str:
    """Case- and compatibility-folded text, so "ҚАЗАҚ" finds "қазақ" on every database."""
    return unicodedata.normalize("NFKC", text).casefold()


def search_document(*parts: str) -> str:
    return fold("\n".join(parts))


_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str, limit: int = 8) -> list[str]:
    """The words of a search query, folded; at most `limit` of them."""
    return _WORD.findall(fold(query))[:limit]
