"""Link previews, fetched from a real website on 127.0.0.1 started by each test: Open Graph tags
read as plain text, the image re-encoded without metadata, the card cached per URL, private
addresses refused (also behind a redirect), a huge page cut at the size limit."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

from PIL import Image
from sqlmodel import Session, select

from backend_jobs import link_previews as preview_jobs
from socialhub.db import transaction
from socialhub.delivery import outbound
from socialhub.domain import link_previews, media, messages
from socialhub.models.link_previews import LinkPreview, MessageLinkPreview, PreviewStatus
from tests.support.chat import Events, load_user, only, open_dm, send
from tests.support.images import photo_with_exif
from tests.support.website import Page, website

ARTICLE = b"""<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="The &lt;b&gt;big&lt;/b&gt; story">
<meta property="og:description" content="What happened, in short.">
<meta property="og:site_name" content="Example News">
<meta property="og:image" content="/cover.jpg">
</head><body><p>Hello</p></body></html>"""


def _preview(session: Session, message_id: str) -> LinkPreview:
    session.expire_all()
    link = session.get(MessageLinkPreview, message_id)
    assert link is not None
    preview = session.get(LinkPreview, link.preview_id)
    assert preview is not None
    return preview


def _pair(make_user: Callable[..., int]) -> tuple[int, int, str]:
    alice, bob = make_user("alice"), make_user("bob")
    return alice, bob, open_dm(alice, "bob")


def test_first_link_is_found_and_normalised() -> None:
    assert link_previews.first_link("see (https://Example.COM:443/a?b=1#top).") == (
        "https://example.com/a?b=1"
    )
    assert link_previews.first_link("ftp://x.org and http://a.org/x, http://b.org") == (
        "http://a.org/x"
    )
    assert link_previews.first_link("no link here") is None


def test_og_tags_and_the_image_make_a_card_that_viewers_hear_about(
    make_user: Callable[..., int],
    session: Session,
    events: Events,
    lower_limits: Callable[..., None],
) -> None:
    lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
    alice, bob, chat = _pair(make_user)
    with website() as site:
        site.pages["/story"] = Page(ARTICLE)
        site.pages["/cover.jpg"] = Page(photo_with_exif(size=(1200, 900)), "image/jpeg")
        message = send(alice, chat, f"look {site.url('/story')} !")
        preview = _preview(session, message.id)
        assert preview.status == PreviewStatus.pending.value
        events.clear()

        assert preview_jobs.run_fetch(preview.id) == "ready"
        assert site.paths() == ["/story", "/cover.jpg"]
        assert all("cookie" not in headers for _, headers in site.hits)
        assert preview_jobs.run_fetch(preview.id) == "skipped"  # idempotent
        assert len(site.hits) == 2

    preview = _preview(session, message.id)
    assert (preview.title, preview.description, preview.site_name) == (
        "The <b>big</b> story",  # the page's markup is kept as text, never rendered
        "What happened, in short.",
        "Example News",
    )
    assert preview.fetched_at is not None
    stored = media.get_storage().get(preview.image_key)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "WEBP"
        assert max(image.size) == link_previews.IMAGE_SIZE
        assert not image.getexif()
        assert "exif" not in image.info
        assert "icc_profile" not in image.info
    assert b"SpyCam" not in stored

    # One event, heard by both members.
    edit, *_ = only(events, "message", "edit")
    assert {e["data"]["id"] for e in only(events, "message", "edit")} == {message.id}
    assert edit["data"]["preview"]["title"] == "The <b>big</b> story"
    assert edit["data"]["preview"]["image_url"].startswith("/api/v1/media/link-previews/")
    assert {k for k, e in events if e["op"] == "edit"} == {f"user:{alice}", f"user:{bob}"}
    [view] = messages.list_messages(session, load_user(session, bob), chat)
    assert view.preview is not None
    assert view.preview.site_name == "Example News"


def test_a_second_message_with_the_same_url_reuses_the_card(
    make_user: Callable[..., int],
    session: Session,
    events: Events,
    lower_limits: Callable[..., None],
) -> None:
    lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
    alice, bob, chat = _pair(make_user)
    with website() as site:
        site.pages["/story"] = Page(ARTICLE.replace(b'<meta property="og:image"', b"<x"))
        first = send(alice, chat, site.url("/story"))
        assert preview_jobs.run_fetch(_preview(session, first.id).id) == "ready"
        events.clear()
        second = send(bob, chat, f"{site.url('/story')}#comments again")
        assert site.paths() == ["/story"]  # fetched once
    assert _preview(session, second.id).id == _preview(session, first.id).id
    assert session.exec(select(LinkPreview)).all() == [_preview(session, first.id)]
    edit, *_ = only(events, "message", "edit")  # shown at once, no job
    assert {e["data"]["id"] for e in only(events, "message", "edit")} == {second.id}
    assert edit["data"]["preview"]["title"] == "The <b>big</b> story"


def test_title_markup_and_scripts_stay_inert_text(
    make_user: Callable[..., int], session: Session, lower_limits: Callable[..., None]
) -> None:
    lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
    alice, _, chat = _pair(make_user)
    page = (
        b"<html><head><title><script>alert(1)</script>Plain "
        b"<img src=x onerror=alert(2)></title>"
        b'<meta name="description" content="<script>alert(3)</script> \x07 words">'
        b"<script>document.title='evil'</script></head></html>"
    )
    with website() as site:
        site.pages["/x"] = Page(page)
        message = send(alice, chat, site.url("/x"))
        assert preview_jobs.run_fetch(_preview(session, message.id).id) == "ready"
    preview = _preview(session, message.id)
    assert preview.title == "Plain"
    assert preview.description == "<script>alert(3)</script> words"
    assert preview.image_key == ""


def test_a_private_address_is_refused_without_the_setting(
    make_user: Callable[..., int], session: Session, lower_limits: Callable[..., None]
) -> None:
    lower_limits(OUTBOUND_ALLOW_PRIVATE="false")
    alice, _, chat = _pair(make_user)
    with website() as site:
        site.pages["/story"] = Page(ARTICLE)
        message = send(alice, chat, site.url("/story"))
        assert preview_jobs.run_fetch(_preview(session, message.id).id) == "failed"
        assert site.hits == []
    preview = _preview(session, message.id)
    assert preview.status == PreviewStatus.failed.value
    assert preview.error.startswith("address_refused")
    [view] = messages.list_messages(session, load_user(session, alice), chat)
    assert view.preview is None


def test_a_redirect_to_a_private_address_is_refused(
    make_user: Callable[..., int], session: Session, lower_limits: Callable[..., None]
) -> None:
    alice, _, chat = _pair(make_user)
    with website() as site, website() as inside:
        inside.pages["/secret"] = Page(ARTICLE)
        # Only the first site is let through; what it redirects to is checked again.
        lower_limits(
            OUTBOUND_ALLOW_PRIVATE="false",
            OUTBOUND_ALLOW_HOSTS=site.base.removeprefix("http://"),
        )
        site.pages["/go"] = Page(b"", status=302, headers={"Location": inside.url("/secret")})
        message = send(alice, chat, site.url("/go"))
        assert preview_jobs.run_fetch(_preview(session, message.id).id) == "failed"
        assert site.paths() == ["/go"]
        assert inside.hits == []
    preview = _preview(session, message.id)
    assert preview.status == PreviewStatus.failed.value
    assert preview.error.startswith("address_refused")


def test_redirects_are_followed_and_relative_images_resolved(
    make_user: Callable[..., int], session: Session, lower_limits: Callable[..., None]
) -> None:
    lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
    alice, _, chat = _pair(make_user)
    with website() as site:
        site.pages["/old"] = Page(b"", status=301, headers={"Location": "/news/story"})
        site.pages["/news/story"] = Page(ARTICLE.replace(b"/cover.jpg", b"cover.png"))
        site.pages["/news/cover.png"] = Page(b"<svg onload=alert(1)>", "image/png")
        message = send(alice, chat, site.url("/old"))
        assert preview_jobs.run_fetch(_preview(session, message.id).id) == "ready"
        assert site.paths() == ["/old", "/news/story", "/news/cover.png"]
    preview = _preview(session, message.id)
    assert preview.title == "The <b>big</b> story"
    assert preview.image_key == ""  # not an image once sniffed: the card has none


def test_a_huge_page_is_cut_at_the_size_limit(
    make_user: Callable[..., int], session: Session, lower_limits: Callable[..., None]
) -> None:
    lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
    alice, _, chat = _pair(make_user)
    huge = (
        b"<html><head><title>Big page</title>"
        + b"<!--"
        + b"x" * (20 * 1024 * 1024)
        + b"-->"
        + b'<meta name="description" content="past the limit"></head></html>'
    )
    with website() as site:
        site.pages["/huge"] = Page(huge)
        cut = outbound.get(site.url("/huge"), max_bytes=link_previews.PAGE_MAX_BYTES, truncate=True)
        assert cut.truncated
        assert len(cut.body) == link_previews.PAGE_MAX_BYTES
        message = send(alice, chat, site.url("/huge"))
        assert preview_jobs.run_fetch(_preview(session, message.id).id) == "ready"
        assert site.sent["/huge"] < len(huge)  # we stopped reading: the rest was never sent
    preview = _preview(session, message.id)
    assert (preview.title, preview.description) == ("Big page", "")


def test_a_page_that_is_not_html_fails(
    make_user: Callable[..., int], session: Session, lower_limits: Callable[..., None]
) -> None:
    lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
    alice, _, chat = _pair(make_user)
    with website() as site:
        site.pages["/data"] = Page(b'{"a": 1}', "application/json")
        message = send(alice, chat, site.url("/data"))
        assert preview_jobs.run_fetch(_preview(session, message.id).id) == "failed"
    assert _preview(session, message.id).error.startswith("not an HTML page")


def test_the_job_is_enqueued_after_the_commit(
    make_user: Callable[..., int], lower_limits: Callable[..., None]
) -> None:
    from backend_jobs.queue import huey

    huey.flush()
    alice, _, chat = _pair(make_user)
    send(alice, chat, "no link")
    assert huey.pending_count() == 0
    send(alice, chat, "https://example.org/a")
    send(alice, chat, "again https://example.org/a")  # cached: no second job
    [job] = huey.pending()
    assert job.name == "fetch_link_preview"
    huey.flush()


def test_lost_jobs_are_swept_and_a_failure_is_retried_later(
    make_user: Callable[..., int], session: Session, lower_limits: Callable[..., None]
) -> None:
    from backend_jobs.queue import huey

    lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
    alice, _, chat = _pair(make_user)
    with website() as site:
        site.pages["/later"] = Page(b"down", "text/plain", status=503)
        message = send(alice, chat, site.url("/later"))
        preview_id = _preview(session, message.id).id
        huey.flush()  # the job is lost
        assert preview_jobs.sweep_link_previews.call_local() == 0  # not overdue yet
        with transaction() as s:
            row = s.get(LinkPreview, preview_id)
            assert row is not None
            row.created_at = row.created_at - timedelta(minutes=5)
            s.add(row)
        assert preview_jobs.sweep_link_previews.call_local() == 1
        [job] = huey.pending()
        assert job.args == (preview_id,)
        huey.flush()
        assert preview_jobs.run_fetch(preview_id) == "failed"

        # A new link to it soon after: still failed, no fetch; an hour later, fetched again.
        site.pages["/later"] = Page(b"<title>Back up</title>")
        send(alice, chat, site.url("/later"))
        assert huey.pending_count() == 0
        with transaction() as s:
            row = s.get(LinkPreview, preview_id)
            assert row is not None
            assert row.fetched_at is not None
            row.fetched_at = row.fetched_at - link_previews.RETRY_FAILED_AFTER
            s.add(row)
        again = send(alice, chat, site.url("/later"))
        assert huey.pending_count() == 1
        huey.flush()
        assert preview_jobs.run_fetch(preview_id) == "ready"
    assert _preview(session, message.id).title == "Back up"
    views = messages.list_messages(session, load_user(session, alice), chat)
    assert [v.preview.title if v.preview else None for v in views] == ["Back up"] * 3
    assert views[-1].id == again.id


def test_a_forwarded_link_shows_its_card_at_once(
    make_user: Callable[..., int], session: Session, lower_limits: Callable[..., None]
) -> None:
    lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
    alice, _, chat = _pair(make_user)
    make_user("carol")
    other = open_dm(alice, "carol")
    with website() as site:
        site.pages["/story"] = Page(ARTICLE.replace(b'<meta property="og:image"', b"<x"))
        message = send(alice, chat, site.url("/story"))
        assert preview_jobs.run_fetch(_preview(session, message.id).id) == "ready"
        with transaction() as s:
            [copy] = messages.check_forward(s, load_user(s, alice), message.id, [other])
            [view] = messages.message_views(s, [copy])
        assert len(site.hits) == 1
    assert view.preview is not None
    assert view.preview.title == "The <b>big</b> story"
