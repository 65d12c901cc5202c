"""Link previews: the card (title, description, site name, image) of the first link of a
message or a post.

The first http(s) link of a new message or post is normalised and looked up in the cache
(`LinkPreview`, one row per URL): a known URL is reused as it is, a new one becomes a pending row
whose fetch job is dispatched after the commit (`backend_jobs/link_previews.py`). The job GETs
the page through the SSRF-safe client (`socialhub/delivery/outbound.py`: private addresses refused
unless `OUTBOUND_ALLOW_PRIVATE`, every redirect checked, no cookies, a time limit, the page cut at
`PAGE_MAX_BYTES`), reads its Open Graph tags (or `<title>` and the description meta) with the
standard library's HTML parser, keeps them as plain text only (cleaned and bounded: the page's
HTML is never rendered anywhere), and fetches its image the same way, re-encoded through the
image pipeline (sniffed, pixels bounded, metadata gone, WebP). Messages and posts then show the
card: a message's viewers hear a `message`/`edit` event carrying it (`messages.do_publish_preview`),
a post's watchers a `post`/`edit` that has them read it again (`posts.do_publish_preview`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from sqlmodel import Session, col, select

from socialhub.db import insert_once, on_commit
from socialhub.delivery import outbound
from socialhub.domain import media
from socialhub.domain.errors import DomainError
from socialhub.domain.validation import clean_text
from socialhub.models.base import new_id, utcnow
from socialhub.models.link_previews import (
    URL_MAX,
    LinkPreview,
    LinkPreviewView,
    MessageLinkPreview,
    PostLinkPreview,
    PreviewStatus,
)

TITLE_MAX = 300
DESCRIPTION_MAX = 1000
SITE_NAME_MAX = 200
ERROR_MAX = 500
# How much of a page is read (the head is near its start) and how big its image may be.
PAGE_MAX_BYTES = 512 * 1024
IMAGE_MAX_BYTES = 8 * 1024 * 1024
# The card's image, by longest side.
IMAGE_SIZE = 480
IMAGE_PREFIX = "link-previews"
USER_AGENT = "SocialHub-LinkPreview/1"
# A failed page is fetched again by a message linking to it this long after.
RETRY_FAILED_AFTER = timedelta(hours=1)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# A link as people type it: up to whitespace, without the punctuation that usually closes a
# sentence or a bracket around it.
_LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""

# Who runs the fetch of a new preview once its transaction committed (the job module registers
# itself).
_dispatchers: list[Callable[[str], None]] = []


def register_dispatcher(dispatch: Callable[[str], None]) -> None:
    if dispatch not in _dispatchers:
        _dispatchers.append(dispatch)


# Links -------------------------------------------------------------------------------------------


def normalise(url: str) -> str | None:
    """The cache key of a link: scheme and host lowercased, no default port, no fragment, no
    credentials; None for anything but a usable http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != (443 if scheme == "https" else 80):
        host = f"{host}:{port}"
    normal = urlunsplit((scheme, host, parts.path or "/", parts.query, ""))
    return normal if len(normal) <= URL_MAX else None


def first_link(body: str) -> str | None:
    """The first http(s) link of a message's text, normalised (None when it has none)."""
    for match in _LINK.finditer(body):
        url = normalise(match.group(0).rstrip(_TRAILING))
        if url is not None:
            return url
    return None


# Attaching ---------------------------------------------------------------------------------------


def do_cache(session: Session, body: str) -> LinkPreview | None:
    """The cached card of the first link of `body`: the row as it is, or a new pending one
    whose fetch is dispatched after the commit (None without a link)."""
    url = first_link(body)
    if url is None:
        return None
    preview_id = new_id()
    if insert_once(
        session,
        LinkPreview,
        id=preview_id,
        url=url,
        status=PreviewStatus.pending.value,
        title="",
        description="",
        site_name="",
        image_key="",
        error="",
        created_at=utcnow(),
    ):
        _dispatch_on_commit(session, preview_id)
    preview = session.exec(select(LinkPreview).where(LinkPreview.url == url)).one()
    if preview.status == PreviewStatus.failed.value and (
        preview.fetched_at is None or preview.fetched_at < utcnow() - RETRY_FAILED_AFTER
    ):
        # A page that failed a while ago (down, or slow) gets another chance.
        preview.status, preview.error = PreviewStatus.pending.value, ""
        session.add(preview)
        _dispatch_on_commit(session, preview.id)
    return preview


def do_attach(session: Session, message_id: str, body: str) -> LinkPreview | None:
    """Give a new message the card of its first link (see `do_cache`)."""
    preview = do_cache(session, body)
    if preview is not None:
        session.add(MessageLinkPreview(message_id=message_id, preview_id=preview.id))
        session.flush()
    return preview


def do_attach_to_post(session: Session, post_id: str, body: str) -> LinkPreview | None:
    """Give a new post the card of its first link (see `do_cache`)."""
    preview = do_cache(session, body)
    if preview is not None:
        session.add(PostLinkPreview(post_id=post_id, preview_id=preview.id))
        session.flush()
    return preview


def _dispatch_on_commit(session: Session, preview_id: str) -> None:
    for dispatch in _dispatchers:
        on_commit(session, lambda d=dispatch, i=preview_id: d(i))  # type: ignore[misc]


def stale_pending(session: Session, *, before: datetime, since: datetime) -> list[str]:
    """Previews created between `since` and `before` and still pending: their job was lost (a
    crash between the commit and the enqueue). Older ones are left alone, not retried forever."""
    return list(
        session.exec(
            select(LinkPreview.id)
            .where(
                LinkPreview.status == PreviewStatus.pending.value,
                col(LinkPreview.created_at) < before,
                col(LinkPreview.created_at) >= since,
            )
            .order_by(col(LinkPreview.created_at))
            .limit(100)
        ).all()
    )


def view(preview: LinkPreview) -> LinkPreviewView:
    return LinkPreviewView(
        url=preview.url,
        title=preview.title,
        description=preview.description,
        site_name=preview.site_name,
        image_url=media.signed_url(preview.image_key) if preview.image_key else "",
    )


def previews_for(session: Session, message_ids: Sequence[str]) -> dict[str, LinkPreviewView]:
    """The cards shown under these messages (ready ones, not removed): one query."""
    if not message_ids:
        return {}
    rows = session.exec(
        select(MessageLinkPreview.message_id, LinkPreview)
        .join(LinkPreview, col(LinkPreview.id) == col(MessageLinkPreview.preview_id))
        .where(
            col(MessageLinkPreview.message_id).in_(message_ids),
            col(MessageLinkPreview.removed_at).is_(None),
            LinkPreview.status == PreviewStatus.ready.value,
        )
    ).all()
    return {message_id: view(preview) for message_id, preview in rows}


def previews_for_posts(session: Session, post_ids: Sequence[str]) -> dict[str, LinkPreviewView]:
    """The cards shown under these posts (ready ones, not removed): one query."""
    if not post_ids:
        return {}
    rows = session.exec(
        select(PostLinkPreview.post_id, LinkPreview)
        .join(LinkPreview, col(LinkPreview.id) == col(PostLinkPreview.preview_id))
        .where(
            col(PostLinkPreview.post_id).in_(post_ids),
            col(PostLinkPreview.removed_at).is_(None),
            LinkPreview.status == PreviewStatus.ready.value,
        )
    ).all()
    return {post_id: view(preview) for post_id, preview in rows}


def posts_showing(session: Session, preview_id: str) -> list[str]:
    """The posts whose card is this preview (and not removed)."""
    return list(
        session.exec(
            select(PostLinkPreview.post_id).where(
                PostLinkPreview.preview_id == preview_id,
                col(PostLinkPreview.removed_at).is_(None),
            )
        ).all()
    )


def messages_showing(session: Session, preview_id: str) -> list[str]:
    """The messages whose card is this preview (and not removed)."""
    return list(
        session.exec(
            select(MessageLinkPreview.message_id).where(
                MessageLinkPreview.preview_id == preview_id,
                col(MessageLinkPreview.removed_at).is_(None),
            )
        ).all()
    )


# Fetching ----------------------------------------------------------------------------------------


class _HeadParser(HTMLParser):
    """The page's `<title>` text and `<meta>` tags, as text; scripts and styles ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = {k.lower(): v or "" for k, v in attrs}
            key = (values.get("property") or values.get("name") or "").lower().strip()
            if key and "content" in values and key not in self.meta:
                self.meta[key] = values["content"]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and not self._skip and len(self.title) < 4 * TITLE_MAX:
            self.title += data


def _text(value: str, *, field: str, limit: int) -> str:
    """Page text as we keep it: one line, no control characters, at most `limit` characters."""
    line = " ".join(value[: 4 * limit].split())[:limit]
    # Cleaning only removes characters, but NFC may compose or expand a few: bound it after.
    return clean_text(line, field=field, max_length=2 * limit)[:limit]


@dataclass(frozen=True)
class PageCard:
    title: str
    description: str
    site_name: str
    image_url: str


def _charset(content_type: str) -> str:
    match = re.search(r"charset=[\"']?([\w.-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else "utf-8"


def parse_page(html_bytes: bytes, *, base_url: str, content_type: str = "") -> PageCard:
    """The card's text from a page (Open Graph first, then `<title>` and the description)."""
    try:
        document = html_bytes.decode(_charset(content_type), errors="replace")
    except LookupError:
        document = html_bytes.decode("utf-8", errors="replace")
    parser = _HeadParser()
    parser.feed(document)
    parser.close()
    meta = parser.meta
    image = (meta.get("og:image") or meta.get("og:image:url") or "").strip()
    image_url = urljoin(base_url, image) if image else ""
    if image_url and normalise(image_url) is None:
        image_url = ""
    return PageCard(
        title=_text(meta.get("og:title") or parser.title, field="title", limit=TITLE_MAX),
        description=_text(
            meta.get("og:description") or meta.get("description") or "",
            field="description",
            limit=DESCRIPTION_MAX,
        ),
        site_name=_text(meta.get("og:site_name") or "", field="site_name", limit=SITE_NAME_MAX),
        image_url=image_url,
    )


@dataclass(frozen=True)
class FetchResult:
    card: PageCard | None
    image_key: str = ""
    error: str = ""


def fetch_card(url: str) -> FetchResult:
    """Fetch and read a page, and store its image (no database: the job records the result)."""
    try:
        page = outbound.get(
            url,
            headers={"Accept": "text/html,application/xhtml+xml"},
            max_bytes=PAGE_MAX_BYTES,
            truncate=True,
            user_agent=USER_AGENT,
        )
    except outbound.OutboundError as failure:
        return FetchResult(None, error=f"{failure.code}: {failure.message}"[:ERROR_MAX])
    if not page.ok:
        return FetchResult(None, error=f"the page answered HTTP {page.status}")
    content_type = page.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() not in _HTML_TYPES:
        return FetchResult(None, error=f"not an HTML page ({content_type[:100] or 'no type'})")
    card = parse_page(page.body, base_url=page.url or url, content_type=content_type)
    if not (card.title or card.description):
        return FetchResult(None, error="the page has no title or description")
    return FetchResult(card, image_key=_store_image(card.image_url) if card.image_url else "")


def _store_image(url: str) -> str:
    """The page's image, fetched under the same rules and re-encoded; "" when it cannot be."""
    try:
        response = outbound.get(url, max_bytes=IMAGE_MAX_BYTES, user_agent=USER_AGENT)
        if not response.ok:
            return ""
        processed = media.process_picture(
            response.body, max_bytes=IMAGE_MAX_BYTES, sizes=(IMAGE_SIZE,), field="image"
        )
    except (outbound.OutboundError, DomainError):
        return ""
    record = media.store_picture(IMAGE_PREFIX, processed)
    return f"{IMAGE_PREFIX}/{record['id']}-{IMAGE_SIZE}.webp"


def pending_url(session: Session, preview_id: str) -> str | None:
    """The URL of a preview still to fetch (None when there is nothing to do: idempotent)."""
    preview = session.get(LinkPreview, preview_id)
    if preview is None or preview.status != PreviewStatus.pending.value:
        return None
    return preview.url


def do_record_result(session: Session, preview_id: str, result: FetchResult) -> bool:
    """Store a fetch's outcome; True when the preview became ready (its messages are told)."""
    preview = session.get(LinkPreview, preview_id)
    if preview is None or preview.status != PreviewStatus.pending.value:
        return False
    preview.fetched_at = utcnow()
    if result.card is None:
        preview.status = PreviewStatus.failed.value
        preview.error = result.error[:ERROR_MAX]
    else:
        preview.status = PreviewStatus.ready.value
        preview.title = result.card.title
        preview.description = result.card.description
        preview.site_name = result.card.site_name
        preview.image_key = result.image_key
    session.add(preview)
    session.flush()
    return preview.status == PreviewStatus.ready.value
