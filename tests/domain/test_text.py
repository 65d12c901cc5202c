"""The markdown subset and mentions render to safe HTML."""

from __future__ import annotations

import re

import pytest

from socialhub.domain.text import mentions, plain, render


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("**bold** and _it_", "<p><strong>bold</strong> and <em>it</em></p>"),
        ("`x < y`", "<p><code>x &lt; y</code></p>"),
        ("a\nb", "<p>a<br>\nb</p>"),
        (
            "[site](https://example.com)",
            '<p><a href="https://example.com" rel="noopener noreferrer nofollow">site</a></p>',
        ),
        (
            "hi @Bob!",
            '<p>hi <a href="/u/bob" class="mention" rel="noopener noreferrer nofollow">'
            "@Bob</a>!</p>",
        ),
        ("`@bob` and mail@example.com", "<p><code>@bob</code> and mail@example.com</p>"),
    ],
    ids=["emphasis", "code", "breaks", "link", "mention", "no-mention"],
)
def test_markdown_subset(source: str, html: str) -> None:
    assert render(source) == html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "# heading ![img](https://tracker.example/pixel.png)",
    ],
    ids=["script", "img", "js-link", "raw-a", "data-url", "heading-image"],
)
def test_hostile_markup_stays_inert(hostile: str) -> None:
    html = render(hostile)
    # Only allow-listed elements are real markup; anything else was escaped into text.
    assert set(re.findall(r"<([a-z0-9]+)", html)) <= {"p", "br", "strong", "em", "code", "pre", "a"}
    for href in re.findall(r'<a href="([^"]*)"', html):
        assert href.startswith(("https://", "http://", "mailto:", "/u/"))


def test_mentions_are_extracted_once_in_order() -> None:
    assert mentions("hey @Bob and @alice, @bob again; a@b.com") == ["bob", "alice"]


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("**loud** hi _there_", "loud hi there"),
        ("line one\nline two", "line one line two"),
        ("[site](https://example.com) and `co*de`", "site and co*de"),
        ("bob_x and snake_case_name", "bob_x and snake_case_name"),
        ("```\nsome **code**\n```\nafter", "some **code** after"),
        (r"\*literal\* stars", "*literal* stars"),
        ("<b>raw</b> html", "<b>raw</b> html"),
        ("hi @bob #tag", "hi @bob #tag"),
        ("", ""),
    ],
    ids=[
        "emphasis",
        "lines",
        "link-code",
        "underscores",
        "fence",
        "escapes",
        "html",
        "tags",
        "empty",
    ],
)
def test_plain_drops_the_markdown_marks_and_keeps_the_words(source: str, shown: str) -> None:
    assert plain(source) == shown
