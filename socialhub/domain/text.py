"""User text to safe HTML: a small markdown subset (bold, italic, code, links), @mentions and
#hashtags.

Raw HTML in the source is escaped (markdown-it with html off), the output is cleaned against an
allow-list (nh3), and links get only http(s)/mailto schemes and rel=noopener nofollow.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Protocol

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "a", "picture", "source", "img"}
_MENTION = re.compile(r"(?<![\w@/])@([a-z0-9_]{3,30})\b", re.IGNORECASE)
# A hashtag has at least one letter (so "#1" is not one); "&#39;" entities are not hashtags.
_HASHTAG = re.compile(r"(?<![\w#&/])#(\w*[^\W\d_]\w*)")
HASHTAG_MAX = 100
_TAG_SPLIT = re.compile(r"(<[^>]+>)")
# A custom emoji's `<:name:id>` as markdown escaped it (domain/custom_emoji.py).
_CUSTOM_EMOJI = re.compile(r"&lt;:([a-z0-9_]{2,32}):([0-9a-f]{32})&gt;")
_CUSTOM_TOKEN = re.compile(r"<:([a-z0-9_]{2,32}):([0-9a-f]{32})>")
REDUCED_MOTION = "(prefers-reduced-motion: reduce)"


class Image(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def still_url(self) -> str: ...


def image_html(image: Image, css_class: str) -> str:
    """A custom emoji or sticker: an animated one shows its still frame under reduced motion."""
    alt = html_lib.escape(f":{image.name}:")
    tag = f'<img src="{html_lib.escape(image.url)}" alt="{alt}" title="{alt}" class="{css_class}">'
    if not image.still_url:
        return tag
    still = html_lib.escape(image.still_url)
    return f'<picture><source srcset="{still}" media="{REDUCED_MOTION}">{tag}</picture>'


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("zero", {"html": False, "breaks": True}).enable(
        ["emphasis", "backticks", "link", "autolink", "newline", "escape", "fence", "code"]
    )


def mentions(text: str) -> list[str]:
    """The usernames mentioned in `text`, lowercased, in order, without repeats."""
    return list(dict.fromkeys(m.lower() for m in _MENTION.findall(text)))


def hashtags(text: str) -> list[str]:
    """The hashtags in `text`, lowercased, in order, without repeats."""
    return list(dict.fromkeys(t.lower() for t in _HASHTAG.findall(text) if len(t) <= HASHTAG_MAX))


def _link_hashtag(match: re.Match[str]) -> str:
    tag = match.group(1)
    if len(tag) > HASHTAG_MAX:
        return match.group(0)
    return f'<a href="/tag/{tag.lower()}" class="hashtag">#{tag}</a>'


def _link_mentions(html: str, emoji: Mapping[str, Image] | None = None) -> str:
    """Turn @name and #tag in text (not inside code or links) into links to the profile or the
    hashtag page, and `<:name:id>` into the custom emoji's image (`:name:` once it is gone)."""
    out: list[str] = []
    inside = 0
    for part in _TAG_SPLIT.split(html):
        if part.startswith("<"):
            name = part.strip("</>").split()[0].lower() if part.strip("</>") else ""
            if name in ("code", "a", "pre"):
                inside += -1 if part.startswith("</") else 1
            out.append(part)
        elif inside:
            out.append(part)
        else:
            linked = _MENTION.sub(
                lambda m: f'<a href="/u/{m.group(1).lower()}" class="mention">@{m.group(1)}</a>',
                part,
            )
            linked = _HASHTAG.sub(_link_hashtag, linked)
            if emoji is not None and "&lt;:" in linked:
                linked = _CUSTOM_EMOJI.sub(lambda m: _emoji_html(m, emoji), linked)
            out.append(linked)
    return "".join(out)


def _emoji_html(match: re.Match[str], emoji: Mapping[str, Image]) -> str:
    image = emoji.get(match.group(2))
    return image_html(image, "sh-emoji") if image else f":{match.group(1)}:"


def plain(text: str) -> str:
    """User text as plain words, for one-line previews: the markdown marks gone (the link's
    text stays, its address goes), lines and blocks joined by single spaces. Not HTML: the
    caller renders it as text."""
    parts: list[str] = []
    for token in _markdown().parse(text):
        if token.type == "inline":
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
        elif token.nesting == -1:
            parts.append(" ")  # the end of a paragraph or block
    return _CUSTOM_TOKEN.sub(r":\1:", " ".join("".join(parts).split()))


def render(text: str, *, emoji: Mapping[str, Image] | None = None) -> str:
    """`emoji`: the custom emoji that `<:name:id>` in the text may show, by id (none: the
    tokens stay text)."""
    html = _link_mentions(_markdown().render(text), emoji)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={
            "a": {"href", "class"},
            "img": {"src", "alt", "title", "class"},
            "source": {"srcset", "media"},
        },
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
