"""Trending hashtags: the tags most people used over the last 24 hours, recent use weighing more.

A tag scores one point per distinct author, weighed by how recent that author's latest use of it
is (halved every `HALF_LIFE`): fifty posts by one account count once, and a tag that was busy
yesterday morning fades behind one busy now. Only public posts by active accounts count, since
the ranking is shown to everyone (no post of a posts channel, which only its viewers see).
`do_refresh_trending` rewrites the ranking (the periodic job in backend_jobs/social.py runs it
every 5 minutes); readers only read the stored ranking.

Event: when the top `SHOWN` (tags, order or author counts) change, the new top is pushed on topic
"explore" (type "trending", op "update", data {"tags": [TrendingTag...]}).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from socialhub.models import Post, PostHashtag, PostVisibility, TrendingHashtag, User
from socialhub.models.base import utcnow
from socialhub.models.report_views import TrendingTag
from socialhub.realtime.events import publish_on_commit

WINDOW = timedelta(hours=24)
HALF_LIFE = timedelta(hours=6)
KEPT = 50  # tags stored per refresh
SHOWN = 10  # tags on explore, and in the event


def _view(row: TrendingHashtag) -> TrendingTag:
    return TrendingTag(
        tag=row.tag,
        rank=row.rank,
        score=row.score,
        authors=row.authors,
        refreshed_at=row.refreshed_at,
    )


def list_trending(session: Session, limit: int = SHOWN) -> list[TrendingTag]:
    """The latest ranking, top first (at most `KEPT` tags)."""
    rows = session.exec(
        select(TrendingHashtag)
        .order_by(col(TrendingHashtag.rank))
        .limit(max(1, min(limit, KEPT)))
        .execution_options(populate_existing=True)
    ).all()
    return [_view(row) for row in rows]


def _scores(session: Session, now: datetime) -> tuple[dict[str, float], Counter[str]]:
    """Each tag's decayed score and its number of distinct authors within the window."""
    latest_use = func.max(col(PostHashtag.created_at))
    rows = session.exec(
        select(PostHashtag.tag, latest_use)
        .join(Post, col(Post.id) == col(PostHashtag.post_id))
        .join(User, col(User.id) == col(PostHashtag.author_id))
        .where(
            col(PostHashtag.created_at) > now - WINDOW,
            col(PostHashtag.created_at) <= now,
            col(Post.visibility) == PostVisibility.public.value,
            col(Post.channel_id).is_(None),
            col(User.suspended_at).is_(None),
        )
        .group_by(col(PostHashtag.tag), col(PostHashtag.author_id))
    ).all()
    scores: dict[str, float] = defaultdict(float)
    authors: Counter[str] = Counter()
    for tag, used_at in rows:
        scores[tag] += 0.5 ** ((now - used_at) / HALF_LIFE)
        authors[tag] += 1
    return scores, authors


def do_refresh_trending(session: Session, *, now: datetime | None = None) -> list[TrendingTag]:
    """Recompute the ranking as of `now` and store it in place of the previous one."""
    moment = now or utcnow()
    scores, authors = _scores(session, moment)
    ranked = sorted(scores, key=lambda tag: (-scores[tag], -authors[tag], tag))[:KEPT]
    shown_before = [(t.tag, t.authors) for t in list_trending(session, SHOWN)]
    session.execute(sa.delete(TrendingHashtag))
    if ranked:
        session.execute(
            sa.insert(TrendingHashtag),
            [
                {
                    "tag": tag,
                    "rank": rank,
                    "score": round(scores[tag], 4),
                    "authors": authors[tag],
                    "refreshed_at": moment,
                }
                for rank, tag in enumerate(ranked, start=1)
            ],
        )
    ranking = list_trending(session, KEPT)
    if [(t.tag, t.authors) for t in ranking[:SHOWN]] != shown_before:
        publish_on_commit(
            session,
            type="trending",
            op="update",
            data={"tags": [t.model_dump(mode="json") for t in ranking[:SHOWN]]},
            topics=["explore"],
        )
    return ranking
