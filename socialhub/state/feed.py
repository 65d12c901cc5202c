"""Feeds and posts in the browser: home, explore, hashtag and profile timelines, a post's page
with its comments, and the composer. Kept live by the tab's realtime listener."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from pydantic import BaseModel
from reflex.event import EventSpec
from sqlmodel import Session

from socialhub.domain import comments as comments_domain
from socialhub.domain import feeds, likes, media, polls, posts
from socialhub.domain import trending as trending_domain
from socialhub.domain.errors import NotFound
from socialhub.domain.visitors import PublicRead
from socialhub.models import User
from socialhub.models.interaction_views import CommentView
from socialhub.models.poll_views import PollSpec
from socialhub.models.post_views import FeedPage, PostView
from socialhub.models.report_views import TrendingTag
from socialhub.state.base import (
    Failed,
    reader_redirect,
    run_as_reader,
    run_as_user,
    signed_in,
)
from socialhub.state.clock import Clock, tab_clock
from socialhub.state.realtime import topics_position, watch_topics

POST_IMAGES_UPLOAD_ID = "post-images"
# The domain's limits, for the components' inputs.
POST_MAX, COMMENT_MAX = posts.BODY_MAX, comments_domain.BODY_MAX
POLL_OPTION_MAX = polls.OPTION_MAX_LENGTH
POLL_HOURS = ["1", "6", "24", "72", "168"]
# The feed keeps at most this many posts in the tab's state (older ones reload on scroll).
WINDOW = 60


class PollOptionRow(BaseModel):
    id: int
    text: str
    votes: int
    percent: int
    chosen: bool


class PostCard(BaseModel):
    id: str
    author_name: str
    author_username: str
    author_avatar: str
    body: str
    html: str
    when: str
    edited: bool
    followers_only: bool
    images: list[str]
    full_images: list[str]  # the same images fitted in 1600 px: the lightbox
    like_count: int
    comment_count: int
    repost_count: int
    liked: bool
    reposted: bool
    mine: bool
    reposted_by: str  # the reposter's name when this card is a repost
    quote_author: str
    quote_html: str
    quote_unavailable: bool
    has_poll: bool
    poll_options: list[PollOptionRow]
    poll_voters: int
    poll_closed: bool
    poll_multiple: bool
    # The card of the post's first link ("" url for none): plain text, shown as text.
    preview_url: str = ""
    preview_title: str = ""
    preview_description: str = ""
    preview_site: str = ""
    preview_image: str = ""


class TrendRow(BaseModel, extra="ignore"):
    tag: str
    authors: int


class CommentRow(BaseModel):
    id: str
    parent_id: str
    author_name: str
    author_username: str
    author_avatar: str
    body: str
    html: str
    when: str
    edited: bool
    can_edit: bool
    can_delete: bool
    reply: bool


def post_card(view: PostView, clock: Clock) -> PostCard:
    """One card; a repost shows the original's content under "X reposted"."""
    shown = view.repost_of or view
    poll = shown.poll
    return PostCard(
        id=shown.id,
        author_name=shown.author.display_name or shown.author.username,
        author_username=shown.author.username,
        author_avatar=shown.author.avatar_small_url or "",
        body=shown.body,
        html=shown.html,
        when=clock.day_time(shown.created_at),
        edited=shown.edited,
        followers_only=shown.visibility == "followers",
        images=[image.url for image in shown.images],
        full_images=[image.full_url for image in shown.images],
        like_count=shown.like_count,
        comment_count=shown.comment_count,
        repost_count=shown.repost_count,
        liked=shown.liked_by_me,
        reposted=shown.reposted_by_me,
        mine=shown.is_mine,
        reposted_by=(view.author.display_name or view.author.username) if view.repost_of else "",
        quote_author=shown.quote_of.author.username if shown.quote_of else "",
        quote_html=shown.quote_of.html if shown.quote_of else "",
        quote_unavailable=shown.quote_unavailable,
        has_poll=poll is not None,
        poll_options=[
            PollOptionRow(id=o.id, text=o.text, votes=o.votes, percent=o.percent, chosen=o.chosen)
            for o in (poll.options if poll else [])
        ],
        poll_voters=poll.voters if poll else 0,
        poll_closed=poll.closed if poll else False,
        poll_multiple=poll.multiple if poll else False,
        preview_url=shown.preview.url if shown.preview else "",
        preview_title=shown.preview.title if shown.preview else "",
        preview_description=shown.preview.description if shown.preview else "",
        preview_site=shown.preview.site_name if shown.preview else "",
        preview_image=shown.preview.image_url if shown.preview else "",
    )


def comment_rows(views: list[CommentView], clock: Clock) -> list[CommentRow]:
    rows = []
    for view in views:
        for item in [view, *view.replies]:
            rows.append(
                CommentRow(
                    id=item.id,
                    parent_id=item.parent_id or "",
                    author_name=item.author.display_name or item.author.username,
                    author_username=item.author.username,
                    author_avatar=item.author.avatar_small_url or "",
                    body=item.body,
                    html=item.html,
                    when=clock.day_time(item.created_at),
                    edited=item.edited,
                    can_edit=item.can_edit,
                    can_delete=item.can_delete,
                    reply=item.parent_id is not None,
                )
            )
    return rows


# What each page reads, as visitors.check_may_read knows it (home is for members only).
READS = {
    "home": "home",
    "explore": PublicRead.explore,
    "tag": PublicRead.hashtag,
    "profile": PublicRead.timeline,
    "post": PublicRead.post,
    # A server's posts channel: members only (the channel's permission decides who).
    "channel": "channel",
}

# The event types the feed reacts to (the tab listener loads FeedState only for these).
FEED_TYPES = frozenset({"post", "poll", "comment", "trending"})


@dataclass
class FeedChange:
    """What a batch of live events asks of the feed: posts to reload, new ones to count."""

    reload: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    new_posts: int = 0
    comments: bool = False
    trending: list[TrendRow] | None = None

    def needs_database(self) -> bool:
        return bool(self.reload) or self.comments

    def touches_screen(self) -> bool:
        return bool(
            self.reload
            or self.removed
            or self.counts
            or self.new_posts
            or self.comments
            or self.trending is not None
        )


class FeedState(rx.State):
    kind: str = ""  # home | explore | tag | profile | post | channel (a server's posts channel)
    title: str = ""
    posts: list[PostCard] = []
    next_cursor: str = ""
    new_count: int = 0
    loading: bool = False
    not_found: bool = False
    trending: list[TrendRow] = []  # explore and hashtag pages
    # Editing a post or a comment in place, and the quote dialog
    editing_id: str = ""
    editing_comment_id: str = ""
    quoting_id: str = ""
    quoting_author: str = ""
    # The post page
    comments: list[CommentRow] = []
    reply_to_id: str = ""
    reply_to_name: str = ""
    # The composer
    draft: str = ""
    visibility: str = "public"
    poll_open: bool = False
    poll_options: list[str] = ["", ""]
    poll_multiple: bool = False
    poll_hours: str = "24"
    publishing: bool = False
    _argument: str = ""  # the tag, username, post id or posts channel id of the page

    def _route(self) -> tuple[str, str]:
        parts = [p for p in self.router.url.path.split("/") if p]
        if not parts:
            return "home", ""
        if parts[0] == "explore":
            return "explore", ""
        if parts[0] == "tag" and len(parts) > 1:
            return "tag", parts[1]
        if parts[0] == "u" and len(parts) > 1:
            return "profile", parts[1]
        if parts[0] == "p" and len(parts) > 1:
            return "post", parts[1]
        return "home", ""

    def _page(self, session: Session, user: User, before: str | None) -> FeedPage:
        if self.kind == "explore":
            return feeds.explore_feed(session, user, before=before)
        if self.kind == "tag":
            return feeds.hashtag_feed(session, user, self._argument, before=before)
        if self.kind == "profile":
            return feeds.profile_feed(session, user, self._argument, before=before)
        if self.kind == "channel":
            return feeds.channel_feed(session, user, self._argument, before=before)
        return feeds.home_feed(session, user, before=before)

    def _watch(self, since: int | None = None) -> list[Any] | None:
        """Follow the posts on screen; given the position before their read, the reload if
        they changed meanwhile (`watch_topics`)."""
        topics = {f"post:{card.id}" for card in self.posts}
        if self.kind == "explore":
            topics.add("explore")
        token = self.router.session.client_token
        # The reload reads the feed on screen again (a server's posts channel has no route).
        reload = FeedState.show_new
        return watch_topics(token, topics, owner="feed", since=since, reload=reload) or None

    @rx.event
    async def load(self) -> Any:
        redirect = await reader_redirect(self)
        if redirect is not None:
            return redirect
        return await self._load(self._route())

    async def _open_channel(self, channel_id: str) -> Any:
        """A server's posts channel in the server page's pane (ServerState opens it)."""
        return await self._load(("channel", channel_id))

    async def _load(self, route: tuple[str, str]) -> Any:
        self.kind, self._argument = route
        if self.kind == "home" and not await signed_in(self):
            self.kind = "explore"  # a visitor's front page
        self.title = {
            "home": "Home",
            "explore": "Explore",
            "tag": f"#{self._argument}",
            "profile": "Posts",
            "post": "Post",
            "channel": "Posts",
        }[self.kind]
        self.new_count, self.not_found, self.comments = 0, False, []
        self.reply_to_id = self.reply_to_name = ""
        since = topics_position()
        if self.kind == "post":
            return await self._load_post(since)

        with_trending = self.kind in ("explore", "tag")

        def work(session: Session, user: User) -> tuple[FeedPage, list[TrendingTag]]:
            page = self._page(session, user, None)
            return page, trending_domain.list_trending(session) if with_trending else []

        result = await run_as_reader(self, READS[self.kind], work)
        if isinstance(result, Failed):
            self.posts, self.next_cursor, self.not_found = [], "", True
            # A missing profile's page says so itself (ProfileState): no toast on top.
            return None if isinstance(result.error, NotFound) else result.toast
        page, tags = result
        self.trending = [TrendRow(tag=t.tag, authors=t.authors) for t in tags]
        self.posts = [post_card(view, tab_clock(self)) for view in page.posts]
        self.next_cursor = page.next_cursor or ""
        return self._watch(since)

    async def _load_post(self, since: int) -> Any:
        post_id = self._argument
        result = await run_as_reader(
            self, PublicRead.post, lambda s, u: _post_and_thread(s, u, post_id)
        )
        if isinstance(result, Failed):  # the page says it is not found, no toast
            self.posts, self.not_found = [], True
            return self._watch()
        view, comment_views = result
        self.posts = [post_card(view, tab_clock(self))]
        self.next_cursor = ""
        self.comments = comment_rows(comment_views, tab_clock(self))
        return self._watch(since)

    @rx.event
    async def load_more(self) -> Any:
        if not self.next_cursor or self.loading:
            return
        self.loading = True
        yield
        before = self.next_cursor
        page = await run_as_reader(self, READS[self.kind], lambda s, u: self._page(s, u, before))
        if isinstance(page, Failed):
            self.loading = False
            yield page.toast
            return
        clock = tab_clock(self)
        self.posts = (self.posts + [post_card(view, clock) for view in page.posts])[-WINDOW * 2 :]
        self.next_cursor = page.next_cursor or ""
        self.loading = False
        self._watch()

    @rx.event
    async def show_new(self) -> Any:
        """The "N new posts" pill: reload the top of the feed."""
        self.new_count = 0
        return await self._load((self.kind, self._argument))

    # Composer ------------------------------------------------------------------------------------

    @rx.event
    def set_draft(self, value: str) -> None:
        self.draft = value

    @rx.event
    def set_visibility(self, value: str) -> None:
        self.visibility = value

    @rx.event
    def toggle_poll(self) -> None:
        self.poll_open = not self.poll_open

    @rx.event
    def set_poll_option(self, index: int, value: str) -> None:
        if 0 <= index < len(self.poll_options):
            self.poll_options[index] = value

    @rx.event
    def add_poll_option(self) -> None:
        if len(self.poll_options) < polls.OPTIONS_MAX:
            self.poll_options.append("")

    @rx.event
    def set_poll_multiple(self, value: bool) -> None:
        self.poll_multiple = bool(value)

    @rx.event
    def set_poll_hours(self, value: str) -> None:
        self.poll_hours = value

    def _poll_spec(self) -> PollSpec | None:
        if not self.poll_open:
            return None
        hours = int(self.poll_hours) if self.poll_hours.isdigit() else 24
        return PollSpec(
            options=[option for option in self.poll_options if option.strip()],
            multiple=self.poll_multiple,
            closes_in_minutes=hours * 60,
        )

    @rx.event
    async def publish(self, files: list[rx.UploadFile]) -> Any:
        """Post the draft with the selected images (read up to the size limit each)."""
        if self.publishing:
            return
        self.publishing = True
        yield
        images = [await file.read(media.image_read_limit()) for file in files]
        body, visibility, poll = self.draft, self.visibility, self._poll_spec()
        channel_id = self._argument if self.kind == "channel" else None

        def work(session: Session, user: User) -> PostView:
            post = posts.check_create_post(
                session,
                user,
                body=body,
                visibility=visibility,
                images=images,
                poll=poll,
                channel_id=channel_id,
            )
            return posts.post_view(session, user, post)

        view = await run_as_user(self, work)
        self.publishing = False
        if isinstance(view, Failed):
            yield view.toast
            return
        self.draft = ""
        self.poll_open, self.poll_options, self.poll_multiple = False, ["", ""], False
        self._prepend(view)
        yield [
            rx.set_value("post-draft", ""),
            rx.clear_selected_files(POST_IMAGES_UPLOAD_ID),
            rx.toast.success("Posted"),
        ]

    def _prepend(self, view: PostView) -> None:
        """Put a post you just wrote on top of your home feed or your own profile on screen (a
        quote written on someone else's profile does not belong to their timeline)."""
        mine = self.kind == "profile" and self._argument.lower() == view.author.username.lower()
        here = self.kind == "channel" and view.channel_id == self._argument
        if (self.kind == "home" and not view.channel_id) or mine or here:
            self.posts = [post_card(view, tab_clock(self)), *self.posts][:WINDOW]
            self._watch()

    # Actions on a post ---------------------------------------------------------------------------

    async def _refresh(self, post_id: str, action: Callable[[Session, User], object]) -> Any:
        """Run `action(session, user)` and show the post as it is afterwards."""

        def work(session: Session, user: User) -> PostView:
            action(session, user)
            return posts.get_post(session, user, post_id)

        view = await run_as_user(self, work)
        if isinstance(view, Failed):
            return view.toast
        self._replace([view])
        return None

    def _replace(self, views: list[PostView]) -> None:
        clock = tab_clock(self)
        fresh = {card.id: card for card in (post_card(view, clock) for view in views)}
        for i, card in enumerate(self.posts):
            if card.id in fresh:
                replacement = fresh[card.id]
                replacement.reposted_by = card.reposted_by
                self.posts[i] = replacement

    @rx.event
    async def toggle_like(self, post_id: str, liked: bool) -> Any:
        action = likes.check_unlike if liked else likes.check_like
        return await self._refresh(post_id, lambda s, u: action(s, u, post_id))

    @rx.event
    async def toggle_repost(self, post_id: str, reposted: bool) -> Any:
        action = posts.check_undo_repost if reposted else posts.check_repost
        return await self._refresh(post_id, lambda s, u: action(s, u, post_id))

    @rx.event
    async def vote(self, post_id: str, option_id: int) -> Any:
        card = next((c for c in self.posts if c.id == post_id), None)
        chosen = {o.id for o in card.poll_options if o.chosen} if card else set()
        if card is not None and card.poll_multiple:
            ballot = sorted(chosen ^ {option_id})
        else:
            ballot = [option_id]
        if not ballot:
            return await self._refresh(
                post_id, lambda s, u: polls.check_retract_vote(s, u, post_id)
            )
        return await self._refresh(post_id, lambda s, u: polls.check_vote(s, u, post_id, ballot))

    @rx.event
    def start_edit(self, post_id: str) -> None:
        self.editing_id = post_id

    @rx.event
    def cancel_edit(self) -> None:
        self.editing_id = self.editing_comment_id = ""

    @rx.event
    async def save_edit(self, form: dict[str, Any]) -> Any:
        """Save the edited text of the post being edited (it shows as edited)."""
        post_id, body = self.editing_id, str(form.get("body", ""))
        if not post_id:
            return None
        result = await self._refresh(
            post_id, lambda s, u: posts.check_edit_post(s, u, post_id, body=body)
        )
        if result is None:
            self.editing_id = ""
        return result

    @rx.event
    def start_quote(self, post_id: str, author: str) -> None:
        self.quoting_id, self.quoting_author = post_id, author

    @rx.event
    def set_quote_open(self, value: bool) -> None:
        if not value:
            self.quoting_id = self.quoting_author = ""

    @rx.event
    async def publish_quote(self, form: dict[str, Any]) -> Any:
        """Publish a post quoting the post in the dialog."""
        quoted, body = self.quoting_id, str(form.get("body", ""))

        def work(session: Session, user: User) -> PostView:
            post = posts.check_create_post(session, user, body=body, quote_of_id=quoted)
            return posts.post_view(session, user, post)

        view = await run_as_user(self, work)
        if isinstance(view, Failed):
            return view.toast
        self.quoting_id = self.quoting_author = ""
        self._prepend(view)
        return rx.toast.success("Quoted")

    @rx.event
    async def remove_preview(self, post_id: str) -> Any:
        failed = await self._refresh(
            post_id, lambda s, u: posts.check_remove_preview(s, u, post_id)
        )
        return failed or rx.toast.success("Preview removed")

    @rx.event
    async def delete_post(self, post_id: str) -> Any:
        done = await run_as_user(self, lambda s, u: posts.check_delete_post(s, u, post_id))
        if isinstance(done, Failed):
            return done.toast
        self.posts = [card for card in self.posts if card.id != post_id]
        if self.kind == "post":
            return rx.redirect("/")
        return rx.toast.success("Post deleted")

    # Comments (the post page) --------------------------------------------------------------------

    @rx.event
    def start_reply(self, comment_id: str, name: str) -> Any:
        self.reply_to_id, self.reply_to_name = comment_id, name
        return rx.set_focus("comment-input")

    @rx.event
    def cancel_reply(self) -> None:
        self.reply_to_id = self.reply_to_name = ""

    async def _reload_comments(self, action: Callable[[Session, User], object]) -> EventSpec | None:
        """Run `action(session, user)` and show the open post and its comments afterwards."""
        post_id = self._argument

        def work(session: Session, user: User) -> tuple[PostView, list[CommentView]]:
            action(session, user)
            return _post_and_thread(session, user, post_id)

        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            return result.toast
        view, comment_views = result
        self._replace([view])
        self.comments = comment_rows(comment_views, tab_clock(self))
        return None

    @rx.event
    async def add_comment(self, form: dict[str, Any]) -> Any:
        body, reply_to, post_id = (
            str(form.get("body", "")),
            self.reply_to_id or None,
            self._argument,
        )
        result = await self._reload_comments(
            lambda s, u: comments_domain.check_add_comment(
                s, u, post_id, body=body, reply_to_id=reply_to
            )
        )
        if result is not None:
            return result
        self.reply_to_id = self.reply_to_name = ""
        return rx.set_value("comment-input", "")

    @rx.event
    def start_comment_edit(self, comment_id: str) -> None:
        self.editing_comment_id = comment_id

    @rx.event
    async def save_comment_edit(self, form: dict[str, Any]) -> Any:
        comment_id, body = self.editing_comment_id, str(form.get("body", ""))
        if not comment_id:
            return None
        result = await self._reload_comments(
            lambda s, u: comments_domain.check_edit_comment(s, u, comment_id, body=body)
        )
        if result is None:
            self.editing_comment_id = ""
        return result

    @rx.event
    async def delete_comment(self, comment_id: str) -> Any:
        return await self._reload_comments(
            lambda s, u: comments_domain.check_delete_comment(s, u, comment_id)
        )

    # Live events (called by the realtime listener) -----------------------------------------------

    def _feed_change(self, events: list[dict[str, Any]], me: int) -> FeedChange:
        """What these events change on screen (read under the state lock, no database)."""
        change = FeedChange()
        shown = {card.id for card in self.posts}
        for event in events:
            kind = (event.get("type"), event.get("op"))
            data = event.get("data", {})
            post_id = str(data.get("post_id", ""))
            if kind == ("post", "add"):
                # A server's posts channel is not home's nor explore's, only its own.
                if data.get("author_id") != me and (
                    (not data.get("channel_id") and self.kind in ("home", "explore"))
                    or (self.kind == "channel" and data.get("channel_id") == self._argument)
                ):
                    change.new_posts += 1
            elif kind == ("trending", "update") and self.kind == "explore":
                change.trending = [TrendRow(**t) for t in data.get("tags", [])]
            elif post_id in shown:
                if kind == ("post", "counts"):
                    change.counts[post_id] = data
                elif kind == ("post", "delete"):
                    change.removed.add(post_id)
                elif kind in (("post", "edit"), ("poll", "update"), ("poll", "closed")):
                    change.reload.add(post_id)
                elif kind[0] == "comment" and self.kind == "post":
                    # The thread is shown only while its post is: reload both.
                    change.comments = True
                    change.reload.add(post_id)
        return change

    @staticmethod
    def _load_change(
        session: Session, user: User, change: FeedChange, post_id: str
    ) -> tuple[list[PostView], list[CommentView] | None]:
        """The database side of a change (outside the state lock), by the rules of the first
        read: a post the user may no longer see is left out (and leaves the screen)."""
        views = posts.get_posts(session, user, change.reload) if change.reload else []
        thread = None
        if change.comments and post_id in {view.id for view in views}:
            thread = comments_domain.list_comments(session, user, post_id, limit=100).comments
        return views, thread

    def _apply_change(
        self, change: FeedChange, views: list[PostView], thread: list[CommentView] | None
    ) -> None:
        if change.new_posts:
            self.new_count += change.new_posts
        if change.trending is not None:
            self.trending = change.trending
        for card in self.posts:
            counts = change.counts.get(card.id)
            if counts:
                card.like_count = int(counts.get("like_count", card.like_count))
                card.comment_count = int(counts.get("comment_count", card.comment_count))
                card.repost_count = int(counts.get("repost_count", card.repost_count))
        gone = change.removed | (change.reload - {view.id for view in views})
        if gone:
            self.posts = [card for card in self.posts if card.id not in gone]
            if self._open_post_id() in gone:
                self.not_found, self.comments = True, []
        self._replace(views)
        if thread is not None:
            self.comments = comment_rows(thread, tab_clock(self))

    def _open_post_id(self) -> str:
        return self._argument if self.kind == "post" else ""


def _post_and_thread(
    session: Session, user: User, post_id: str
) -> tuple[PostView, list[CommentView]]:
    """A post's page: the post and its first comments, or NotFound."""
    view = posts.get_post(session, user, post_id)
    return view, comments_domain.list_comments(session, user, post_id, limit=100).comments
