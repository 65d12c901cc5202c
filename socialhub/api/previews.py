"""Link previews and search results for `/p/<id>` and `/u/<name>`.

Link crawlers run no JavaScript, and Reflex prerenders pages: for a dynamic route the production
server sends one static shell (`.web/build/client/404.html`, served with status 200 for any path
the app routes), whose head knows nothing of the post or profile. These routes, matched before
Reflex's static files, send that same shell with the page's title, description, canonical URL
and Open Graph / Twitter tags put in its head. They read as a visitor would (public content
only, nothing at all with PUBLIC_READS=false), whoever asks; every piece of user text is escaped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from socialhub.config import ROOT, get_settings
from socialhub.db import read_session
from socialhub.domain import posts, visitors
from socialhub.domain import users as users_domain
from socialhub.domain.errors import DomainError
from socialhub.models.post_views import PostView

# What the production server sends for a path without a prerendered file (reflex 0.10.1,
# reflex/utils/exec.py get_frontend_mount: StaticFiles(html=True) falls back to 404.html).
SHELL = ROOT / ".web" / "build" / "client" / "404.html"
DESCRIPTION_MAX = 200
TITLE_QUOTE_MAX = 60
# The head tags a page's own prerender may carry, replaced by the preview's.
_OWN_TAGS = re.compile(
    r"<title>.*?</title>"
    r"|<meta\s[^>]*(?:name|property)=\"(?:description|robots|og:[^\"]*|twitter:[^\"]*)\"[^>]*>"
    r"|<link\s[^>]*rel=\"canonical\"[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)
_BARE_SHELL = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head><body></body></html>'
)

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Preview:
    title: str
    description: str
    path: str
    kind: str = "website"  # og:type
    image: str | None = None
    indexable: bool = True


def _plain(text: str, limit: int) -> str:
    """One line of at most `limit` characters (no control characters)."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _absolute(url: str) -> str:
    return get_settings().public_url + url if url.startswith("/") else url


def _tags(preview: Preview) -> str:
    url = _absolute(preview.path)
    pairs = [
        ("name", "description", preview.description),
        ("property", "og:site_name", "SocialHub"),
        ("property", "og:type", preview.kind),
        ("property", "og:title", preview.title),
        ("property", "og:description", preview.description),
        ("property", "og:url", url),
        ("property", "og:image", _absolute(preview.image or "/icon-512.png")),
        ("name", "twitter:card", "summary_large_image" if preview.image else "summary"),
        ("name", "twitter:title", preview.title),
        ("name", "twitter:description", preview.description),
    ]
    if not preview.indexable:
        pairs.append(("name", "robots", "noindex"))
    esc = html.escape
    tags = [f"<title>{esc(preview.title)}</title>"]
    tags += [f'<meta {attr}="{esc(key)}" content="{esc(value)}">' for attr, key, value in pairs]
    tags.append(f'<link rel="canonical" href="{esc(url)}">')
    return "".join(tags)


def render(preview: Preview, shell: str) -> str:
    """`shell` with its own title, description and social tags replaced by the preview's."""
    head = _HEAD.search(shell)
    if head is None:
        shell, head = _BARE_SHELL, _HEAD.search(_BARE_SHELL)
        assert head is not None
    end = shell.lower().find("</head>", head.end())
    end = len(shell) if end < 0 else end
    inside = _OWN_TAGS.sub("", shell[head.end() : end])
    return shell[: head.end()] + _tags(preview) + inside + shell[end:]


def _shell() -> str:
    """The built shell (read each time: a rebuild replaces it under a running server)."""
    try:
        return Path(SHELL).read_text(encoding="utf-8")
    except OSError:
        return _BARE_SHELL


def post_preview(post_id: str) -> Preview | None:
    """A public post as a visitor sees it, or None (missing, hidden, or reads closed)."""
    try:
        with read_session() as db:
            view = posts.get_post(db, visitors.check_may_read(None, "post"), post_id)
    except DomainError:
        return None
    shown: PostView = view.repost_of or view
    name = shown.author.display_name or shown.author.username
    text = _plain(shown.body, DESCRIPTION_MAX)
    title = f"{name} on SocialHub"
    if text:
        title += f": “{_plain(shown.body, TITLE_QUOTE_MAX)}”"
    return Preview(
        title=title,
        description=text or f"A post by {name} (@{shown.author.username}) on SocialHub.",
        path=f"/p/{shown.id}",
        kind="article",
        image=shown.images[0].full_url if shown.images else shown.author.avatar_small_url,
    )


def profile_preview(username: str) -> Preview | None:
    """A profile as a visitor sees it, or None (missing, suspended, or reads closed)."""
    try:
        with read_session() as db:
            visitors.check_may_read(None, "profile")
            view = users_domain.user_view(users_domain.access_user(db, username))
    except DomainError:
        return None
    name = view.display_name or view.username
    return Preview(
        title=f"{name} (@{view.username}) · SocialHub",
        description=_plain(view.bio, DESCRIPTION_MAX)
        or f"{name} (@{view.username}) is on SocialHub.",
        path=f"/u/{view.username}",
        kind="profile",
        image=view.avatar_url,
    )


def _page(preview: Preview | None, fallback: Preview) -> Response:
    """The shell with the preview; a page nobody may see says so (404, not indexed), and the
    app in it still shows its "not found" page."""
    if preview is None:
        return HTMLResponse(render(fallback, _shell()), status_code=404)
    return HTMLResponse(render(preview, _shell()))


@router.api_route("/p/{post_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def post_page(post_id: str) -> Response:
    fallback = Preview(
        "Post · SocialHub", "This post is not available.", f"/p/{post_id}", indexable=False
    )
    return _page(post_preview(post_id), fallback)


@router.api_route("/u/{username}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def profile_page(username: str) -> Response:
    fallback = Preview(
        "Profile · SocialHub", "This account is not available.", f"/u/{username}", indexable=False
    )
    return _page(profile_preview(username), fallback)
