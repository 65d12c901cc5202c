"""Posts on screen: the card, its poll, the composer, the feed list and the comment thread."""

from __future__ import annotations

from typing import Any

import reflex as rx

from socialhub.components.confirm import confirm_event
from socialhub.components.link_preview import link_preview_card
from socialhub.components.report import report_button
from socialhub.components.stories import story_avatar
from socialhub.components.ui import (
    IMAGE_TYPES,
    choice,
    counted,
    load_more,
    upload_zone,
    user_avatar,
)
from socialhub.components.visitor import members_form, members_only_row, members_row
from socialhub.state.feed import (
    COMMENT_MAX,
    POLL_HOURS,
    POLL_OPTION_MAX,
    POST_IMAGES_UPLOAD_ID,
    POST_MAX,
    CommentRow,
    FeedState,
    PollOptionRow,
    PostCard,
)
from socialhub.state.session import SessionState
from socialhub.state.uploads import UploadState


def poll_option(post: rx.Var[PostCard], option: rx.Var[PollOptionRow]) -> rx.Component:
    bar = rx.box(
        position="absolute",
        inset="0",
        width=option.percent.to(str) + "%",
        background_color=rx.cond(option.chosen, rx.color("accent", 5), rx.color("gray", 4)),
        border_radius="6px",
    )
    label = rx.hstack(
        rx.cond(option.chosen, rx.icon("circle-check", size=14)),
        rx.text(option.text, size="2", weight=rx.cond(option.chosen, "bold", "regular")),
        rx.spacer(),
        rx.text(option.percent.to(str) + "%", size="2", class_name="poll-percent"),
        align="center",
        position="relative",
        padding="0.35em 0.6em",
    )
    look = {
        "position": "relative",
        "width": "100%",
        "border": f"1px solid {rx.color('gray', 6)}",
        "border_radius": "6px",
        "class_name": "poll-option",
    }
    return rx.cond(
        post.poll_closed | ~SessionState.is_authenticated,
        rx.box(bar, label, **look),
        rx.box(
            bar,
            label,
            cursor="pointer",
            on_click=FeedState.vote(post.id, option.id),
            role="button",
            aria_label="Vote " + option.text,
            aria_pressed=option.chosen.to(str),
            **look,
        ),
    )


def poll_block(post: rx.Var[PostCard]) -> rx.Component:
    return rx.vstack(
        rx.foreach(post.poll_options, lambda option: poll_option(post, option)),
        rx.text(
            post.poll_voters.to(str),
            rx.cond(post.poll_voters == 1, " vote", " votes"),
            rx.cond(post.poll_closed, " · final results", ""),
            rx.cond(post.poll_multiple & ~post.poll_closed, " · choose any", ""),
            size="1",
            color_scheme="gray",
            class_name="poll-summary",
        ),
        width="100%",
        spacing="1",
        class_name="poll",
    )


def action_button(
    icon: str, count: rx.Var[int], label: rx.Var[str] | str, active: rx.Var[bool], **props: object
) -> rx.Component:
    return rx.button(
        rx.icon(icon, size=16),
        rx.text(count.to(str), size="1"),
        variant="ghost",
        color_scheme=rx.cond(active, "crimson", "gray"),
        aria_label=label,
        aria_pressed=active.to(str),
        **props,
    )


def edit_form(text: rx.Var[str], on_submit: Any, *, limit: int) -> rx.Component:
    """Edit a post's or comment's text in place."""
    return rx.form(
        rx.vstack(
            counted(
                rx.text_area(
                    name="body",
                    default_value=text,
                    aria_label="Edit text",
                    width="100%",
                    rows="3",
                    auto_focus=True,
                ),
                limit,
            ),
            rx.hstack(
                rx.button("Cancel", variant="soft", type="button", on_click=FeedState.cancel_edit),
                rx.button("Save", type="submit"),
                justify="end",
                width="100%",
            ),
            width="100%",
            spacing="2",
        ),
        on_submit=on_submit,
        width="100%",
    )


def quote_dialog() -> rx.Component:
    """Write a post quoting another (one dialog per page, opened by any Quote button)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Quote @", FeedState.quoting_author),
            rx.form(
                rx.vstack(
                    counted(
                        rx.text_area(
                            name="body",
                            placeholder="Add your comment",
                            aria_label="Quote text",
                            width="100%",
                            rows="3",
                        ),
                        POST_MAX,
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                        rx.button("Post quote", type="submit", id="publish-quote"),
                        justify="end",
                        width="100%",
                    ),
                    width="100%",
                ),
                on_submit=FeedState.publish_quote,
            ),
        ),
        open=FeedState.quoting_id != "",
        on_open_change=FeedState.set_quote_open,
    )


def collapsible_body(post: rx.Var[PostCard]) -> rx.Component:
    """The text of a post; `assets/posts.js` collapses it past about eight lines, measured in
    the browser, and shows the Show more / Show less button."""
    return rx.box(
        rx.html(post.html, class_name="post-body sh-rich"),
        rx.el.button(
            rx.el.span("Show more", class_name="sh-more-label"),
            rx.el.span("Show less", class_name="sh-less-label"),
            type="button",
            class_name="sh-more",
        ),
        class_name="sh-collapsible",
        data_post_id=post.id,
        width="100%",
    )


def post_image(url: rx.Var[str], full_url: rx.Var[str]) -> rx.Component:
    """An image of bounded height in the card; `assets/posts.js` opens it in the lightbox."""
    return rx.el.button(
        rx.image(
            src=url,
            alt="Image in the post",
            width="100%",
            loading="lazy",
            class_name="post-image",
        ),
        type="button",
        class_name="sh-image-open",
        data_full=full_url,
        aria_label="Open image",
    )


def post_card(post: rx.Var[PostCard]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.cond(
                post.reposted_by != "",
                rx.hstack(
                    rx.icon("repeat-2", size=14),
                    rx.text(post.reposted_by, " reposted", size="1"),
                    color=rx.color("gray", 11),
                    align="center",
                ),
            ),
            rx.hstack(
                story_avatar(post.author_avatar, post.author_name, post.author_username, size="2"),
                rx.vstack(
                    rx.link(
                        rx.text(post.author_name, weight="bold", size="2"),
                        href="/u/" + post.author_username,
                        underline="none",
                        color_scheme="gray",
                        high_contrast=True,
                        class_name="sh-target",
                    ),
                    rx.link(
                        rx.text(
                            "@",
                            post.author_username,
                            " · ",
                            post.when,
                            rx.cond(post.edited, " · edited", ""),
                            rx.cond(post.followers_only, " · followers", ""),
                            size="1",
                        ),
                        href="/p/" + post.id,
                        color_scheme="gray",
                        underline="none",
                        aria_label="Open post",
                        class_name="sh-target",
                    ),
                    spacing="0",
                ),
                rx.spacer(),
                rx.cond(
                    post.mine,
                    rx.hstack(
                        rx.icon_button(
                            rx.icon("pencil", size=14),
                            variant="ghost",
                            color_scheme="gray",
                            size="1",
                            on_click=FeedState.start_edit(post.id),
                            aria_label="Edit post",
                        ),
                        rx.icon_button(
                            rx.icon("trash-2", size=14),
                            variant="ghost",
                            color_scheme="gray",
                            size="1",
                            on_click=confirm_event("delete_post", post.id),
                            aria_label="Delete post",
                        ),
                        spacing="3",
                    ),
                    report_button("post", post.id, "@" + post.author_username + "'s post"),
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                FeedState.editing_id == post.id,
                edit_form(post.body, FeedState.save_edit, limit=POST_MAX),
                rx.cond(post.html != "", collapsible_body(post)),
            ),
            rx.cond(
                post.images.length() > 0,
                rx.grid(
                    rx.foreach(
                        post.images,
                        lambda url, index: post_image(url, post.full_images[index]),
                    ),
                    columns=rx.cond(post.images.length() > 1, "2", "1"),
                    gap="2",
                    width="100%",
                ),
            ),
            rx.cond(
                post.preview_url != "",
                rx.hstack(
                    link_preview_card(
                        post.preview_url,
                        post.preview_title,
                        post.preview_description,
                        post.preview_site,
                        post.preview_image,
                    ),
                    rx.cond(
                        post.mine,
                        rx.icon_button(
                            rx.icon("x", size=14),
                            variant="ghost",
                            color_scheme="gray",
                            size="1",
                            on_click=FeedState.remove_preview(post.id),
                            aria_label="Remove preview",
                        ),
                    ),
                    align="start",
                    width="100%",
                ),
            ),
            rx.cond(post.has_poll, poll_block(post)),
            rx.cond(
                (post.quote_html != "") | post.quote_unavailable,
                rx.box(
                    rx.cond(
                        post.quote_unavailable,
                        rx.text("This post is unavailable", size="2", color_scheme="gray"),
                        rx.vstack(
                            rx.text("@", post.quote_author, size="1", weight="bold"),
                            rx.html(post.quote_html, class_name="sh-rich"),
                            spacing="1",
                        ),
                    ),
                    border=f"1px solid {rx.color('gray', 6)}",
                    border_radius="8px",
                    padding="0.5em",
                    width="100%",
                    class_name="quoted-post",
                ),
            ),
            members_row(
                action_button(
                    "heart",
                    post.like_count,
                    rx.cond(post.liked, "Unlike", "Like"),
                    post.liked,
                    on_click=FeedState.toggle_like(post.id, post.liked),
                    class_name="like-button",
                ),
                rx.link(
                    action_button(
                        "message-circle",
                        post.comment_count,
                        "Comments",
                        rx.Var.create(False),
                        class_name="comment-count",
                    ),
                    href="/p/" + post.id,
                ),
                action_button(
                    "repeat-2",
                    post.repost_count,
                    rx.cond(post.reposted, "Undo repost", "Repost"),
                    post.reposted,
                    on_click=FeedState.toggle_repost(post.id, post.reposted),
                    disabled=post.followers_only,
                ),
                rx.icon_button(
                    rx.icon("quote", size=16),
                    variant="ghost",
                    color_scheme="gray",
                    on_click=FeedState.start_quote(post.id, post.author_username),
                    disabled=post.followers_only,
                    aria_label="Quote",
                ),
                spacing="5",
                padding_top="0.25em",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="post",
        data_post_id=post.id,
    )


def poll_editor() -> rx.Component:
    return rx.vstack(
        rx.foreach(
            FeedState.poll_options,
            lambda option, index: rx.input(
                default_value=option,
                placeholder="Option " + (index + 1).to(str),
                aria_label="Poll option " + (index + 1).to(str),
                max_length=POLL_OPTION_MAX,
                on_blur=lambda value: FeedState.set_poll_option(index, value),
                width="100%",
            ),
        ),
        rx.hstack(
            rx.button(
                "Add option",
                variant="ghost",
                size="1",
                on_click=FeedState.add_poll_option,
                type="button",
            ),
            rx.checkbox(
                "Several choices",
                checked=FeedState.poll_multiple,
                on_change=FeedState.set_poll_multiple,
            ),
            choice(
                POLL_HOURS,
                "Poll open for hours",
                value=FeedState.poll_hours,
                on_change=FeedState.set_poll_hours,
                size="1",
            ),
            rx.text("hours", size="1"),
            align="center",
            wrap="wrap",
        ),
        width="100%",
        spacing="2",
        class_name="poll-editor",
    )


def composer() -> rx.Component:
    return rx.card(
        rx.vstack(
            # Over the limit, the counter turns red and Post is refused by the server with a
            # toast; the draft stays.
            counted(
                rx.text_area(
                    id="post-draft",
                    placeholder="What's happening? #tags and @mentions work",
                    aria_label="New post",
                    default_value=FeedState.draft,
                    on_blur=FeedState.set_draft,
                    width="100%",
                    rows="3",
                ),
                POST_MAX,
            ),
            rx.cond(FeedState.poll_open, poll_editor()),
            rx.cond(
                rx.selected_files(POST_IMAGES_UPLOAD_ID).length() > 0,
                rx.text(
                    rx.selected_files(POST_IMAGES_UPLOAD_ID).join(", "),
                    size="1",
                    color_scheme="gray",
                    id="selected-images",
                ),
            ),
            rx.hstack(
                upload_zone(
                    "Add images",
                    rx.icon_button(
                        rx.icon("image", size=16),
                        variant="ghost",
                        type="button",
                        aria_label="Add images",
                    ),
                    id=POST_IMAGES_UPLOAD_ID,
                    multiple=True,
                    max_files=4,
                    accept=IMAGE_TYPES,
                    no_drag=True,
                    on_drop_rejected=UploadState.refuse,
                ),
                rx.icon_button(
                    rx.icon("chart-bar", size=16),
                    variant=rx.cond(FeedState.poll_open, "soft", "ghost"),
                    on_click=FeedState.toggle_poll,
                    type="button",
                    aria_label="Add a poll",
                ),
                # In a server's posts channel the channel decides who sees it.
                rx.cond(
                    FeedState.kind != "channel",
                    choice(
                        ["public", "followers"],
                        "Who can see it",
                        value=FeedState.visibility,
                        on_change=FeedState.set_visibility,
                        size="1",
                    ),
                ),
                rx.spacer(),
                rx.button(
                    "Post",
                    on_click=FeedState.publish(rx.upload_files(upload_id=POST_IMAGES_UPLOAD_ID)),
                    loading=FeedState.publishing,
                    id="publish-post",
                ),
                width="100%",
                align="center",
            ),
            width="100%",
            spacing="2",
        ),
        width="100%",
    )


def feed_list() -> rx.Component:
    return rx.vstack(
        rx.cond(
            FeedState.new_count > 0,
            rx.center(
                rx.button(
                    rx.icon("arrow-up", size=14),
                    FeedState.new_count.to(str),
                    rx.cond(FeedState.new_count == 1, " new post", " new posts"),
                    on_click=FeedState.show_new,
                    radius="full",
                    id="new-posts-pill",
                ),
                width="100%",
                position="sticky",
                top="0.5em",
                z_index="5",
            ),
        ),
        rx.foreach(FeedState.posts, post_card),
        quote_dialog(),
        rx.cond(
            FeedState.posts.length() == 0,
            rx.text("Nothing here yet.", color_scheme="gray", padding="1em"),
        ),
        load_more(FeedState.next_cursor, FeedState.load_more, FeedState.loading),
        width="100%",
        spacing="3",
        id="feed",
    )


def comment_row(comment: rx.Var[CommentRow]) -> rx.Component:
    return rx.hstack(
        user_avatar(comment.author_avatar, comment.author_name, size="1"),
        rx.vstack(
            rx.hstack(
                rx.link(
                    rx.text(comment.author_name, weight="bold", size="1"),
                    href="/u/" + comment.author_username,
                    class_name="sh-target",
                ),
                rx.text(
                    comment.when,
                    rx.cond(comment.edited, " · edited", ""),
                    size="1",
                    color_scheme="gray",
                ),
                spacing="2",
            ),
            rx.cond(
                FeedState.editing_comment_id == comment.id,
                edit_form(comment.body, FeedState.save_comment_edit, limit=COMMENT_MAX),
                rx.html(comment.html, class_name="comment-body sh-rich"),
            ),
            members_only_row(
                rx.button(
                    "Reply",
                    variant="ghost",
                    size="1",
                    on_click=FeedState.start_reply(
                        rx.cond(comment.reply, comment.parent_id, comment.id), comment.author_name
                    ),
                ),
                rx.cond(
                    comment.can_edit,
                    rx.button(
                        "Edit",
                        variant="ghost",
                        size="1",
                        on_click=FeedState.start_comment_edit(comment.id),
                        aria_label="Edit comment",
                    ),
                ),
                rx.cond(
                    comment.can_delete,
                    rx.button(
                        "Delete",
                        variant="ghost",
                        size="1",
                        color_scheme="red",
                        on_click=confirm_event("delete_comment", comment.id),
                        aria_label="Delete comment",
                    ),
                ),
                rx.cond(
                    comment.author_username != SessionState.username,
                    report_button(
                        "comment", comment.id, "@" + comment.author_username + "'s comment"
                    ),
                ),
                spacing="3",
            ),
            spacing="0",
            align="start",
        ),
        padding_left=rx.cond(comment.reply, "2.5em", "0"),
        width="100%",
        class_name="comment",
        align="start",
    )


def comment_thread() -> rx.Component:
    return rx.vstack(
        rx.heading("Comments", size="3", as_="h2"),
        members_form(
            rx.vstack(
                rx.cond(
                    FeedState.reply_to_id != "",
                    rx.hstack(
                        rx.text("Replying to ", FeedState.reply_to_name, size="1"),
                        rx.button(
                            "Cancel",
                            variant="ghost",
                            size="1",
                            type="button",
                            on_click=FeedState.cancel_reply,
                        ),
                        align="center",
                    ),
                ),
                rx.hstack(
                    counted(
                        rx.input(
                            name="body",
                            id="comment-input",
                            placeholder="Write a comment",
                            aria_label="Comment",
                            width="100%",
                        ),
                        COMMENT_MAX,
                    ),
                    rx.button("Comment", type="submit"),
                    width="100%",
                ),
                width="100%",
                spacing="1",
            ),
            on_submit=FeedState.add_comment,
            width="100%",
        ),
        rx.foreach(FeedState.comments, comment_row),
        width="100%",
        spacing="3",
        id="comments",
    )
