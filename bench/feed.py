"""The home feed on a big database: 1M posts by 20,000 authors, a viewer following 1,000 of them.

Generates the data with bulk Core inserts on a fresh database migrated by alembic, then times the
feed calls the app makes (the domain functions behind `GET /api/v1/feed/...`: the page query and
the post views), each in its own session like an API request:

- home, first page; home, a deep page (`before=` a random post of the viewer's feed);
- home "new posts" count (`count_new_home_posts` above a post ~50 posts down the feed);
- home of a second viewer who follows only a few authors (the other way the feed is found);
- explore first page, a hashtag page and a profile timeline (as a stranger), for comparison;
- the story tray (`GET /api/v1/stories`): a quarter of all authors have live stories.

1 in 200 authors is suspended, the viewer has blocks either way, 10% of posts are followers-only,
2% are reposts and 10% carry a hashtag. On PostgreSQL the tables are vacuumed and analysed after
loading (autovacuum would); SQLite keeps no statistics, as in production.

    .venv/bin/python bench/feed.py                      (SQLite, full size)
    .venv/bin/python bench/feed.py --postgres           (a fresh PostgreSQL database)
    .venv/bin/python bench/feed.py --posts 100000 --authors 5000 --calls 100   (quick)
    .venv/bin/python bench/feed.py --explain            (also print the home query's plan)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from throwaway import create_database, drop_database  # noqa: E402 (bench/ is the script's folder)

CHUNK = 20_000
TAGS = 1_000
DAYS = 60


def uuid7_hex(moment_ms: int, sequence: int) -> str:
    """A UUIDv7 for a given time (the app makes them with the current time): ordered by time,
    then by `sequence` within the millisecond."""
    value = (moment_ms << 80) | (0x7 << 76) | ((sequence >> 62) & 0xFFF) << 64
    value |= (0b10 << 62) | (sequence & ((1 << 62) - 1))
    return f"{value:032x}"


def chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class World:
    """What was generated: the viewer and the ids to page from."""

    viewer_id: int
    sparse_viewer_id: int
    home_ids: list[str]  # the viewer's home feed, newest first (for cursors)
    tag: str
    profile: str


def generate(posts: int, authors: int, follows: int, sparse_follows: int, seed: int) -> World:
    import sqlalchemy as sa
    from sqlmodel import col

    from socialhub.db import get_engine
    from socialhub.models import Block, Follow, Post, PostHashtag, User

    rng = random.Random(seed)
    engine = get_engine()
    now = datetime.now(UTC)
    start = now - timedelta(days=DAYS)
    world = World()
    t0 = time.perf_counter()

    def users() -> Iterator[dict[str, Any]]:
        for i in range(authors + 2):
            name = f"user{i}"
            yield {
                "username": name,
                "username_lower": name,
                "email": f"{name}@example.com",
                "email_lower": f"{name}@example.com",
                "password_hash": "!",
                "display_name": f"User {i}",
                "display_name_lower": f"user {i}",
                "created_at": start,
                "updated_at": start,
                # 1 in 200 authors is suspended: the feeds must leave them out.
                "suspended_at": now if i > 1 and i % 200 == 0 else None,
            }

    with engine.begin() as conn:
        for batch in chunks(users()):
            conn.execute(sa.insert(User), batch)
        ids = cast(list[int], conn.scalars(sa.select(col(User.id)).order_by(col(User.id))).all())
    viewer, sparse_viewer, everyone = ids[0], ids[1], ids[2:]
    world.viewer_id, world.sparse_viewer_id = viewer, sparse_viewer
    followed = rng.sample(everyone, follows)
    strangers = list(set(everyone) - set(followed))
    blocked = rng.sample(strangers, 20)  # some either way: blocks end follows, so strangers
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Follow),
            [{"follower_id": viewer, "followee_id": f, "created_at": start} for f in followed]
            + [
                {"follower_id": sparse_viewer, "followee_id": f, "created_at": start}
                for f in rng.sample(strangers, sparse_follows)
            ],
        )
        # The viewer's followers, so their own posts fan out somewhere (not timed here).
        conn.execute(
            sa.insert(Follow),
            [
                {"follower_id": f, "followee_id": viewer, "created_at": start}
                for f in rng.sample(strangers, 200)
                if f not in blocked
            ],
        )
        conn.execute(
            sa.insert(Block),
            [
                {"blocker_id": viewer, "blocked_id": b, "created_at": start}
                if i % 2
                else {"blocker_id": b, "blocked_id": viewer, "created_at": start}
                for i, b in enumerate(blocked)
            ],
        )
    print(f"users and graph: {time.perf_counter() - t0:.1f} s", flush=True)

    span_ms = DAYS * 86_400_000
    start_ms = int(start.timestamp() * 1000)
    tag_rows: list[dict[str, Any]] = []
    recent_public: list[str] = []
    reposted: set[tuple[int, str]] = set()

    def post_rows() -> Iterator[dict[str, Any]]:
        for n in range(posts):
            moment_ms = start_ms + n * span_ms // posts
            author = viewer if n % 997 == 0 else rng.choice(everyone)
            post_id = uuid7_hex(moment_ms, n)
            created = datetime.fromtimestamp(moment_ms / 1000, UTC)
            repost_of = None
            if n % 50 == 1 and recent_public:  # 2% reposts of a recent public post
                original = rng.choice(recent_public)
                if (author, original) not in reposted:
                    reposted.add((author, original))
                    repost_of = original
            visibility = "followers" if repost_of is None and rng.random() < 0.1 else "public"
            body = "" if repost_of else f"post {n} by {author}"
            if repost_of is None and n % 10 == 0:
                tag = f"tag{rng.randrange(TAGS)}"
                body += f" #{tag}"
                tag_rows.append(
                    {"tag": tag, "post_id": post_id, "author_id": author, "created_at": created}
                )
            if visibility == "public" and repost_of is None:
                recent_public.append(post_id)
                if len(recent_public) > 1000:
                    del recent_public[:500]
            yield {
                "id": post_id,
                "author_id": author,
                "body": body,
                "visibility": visibility,
                "images": [],
                "repost_of_id": repost_of,
                "quote_of_id": None,
                "has_poll": False,
                "like_count": 0,
                "comment_count": 0,
                "repost_count": 0,
                "created_at": created,
                "edited_at": None,
            }

    t1 = time.perf_counter()
    done = 0
    for batch in chunks(post_rows()):
        with engine.begin() as conn:
            conn.execute(sa.insert(Post), batch)
            if tag_rows:
                conn.execute(sa.insert(PostHashtag), tag_rows)
                tag_rows.clear()
        done += len(batch)
        if done % 200_000 == 0:
            rate = done / (time.perf_counter() - t1)
            print(f"  {done:,} posts ({rate:,.0f}/s)", flush=True)
    print(f"posts: {time.perf_counter() - t1:.1f} s", flush=True)

    generate_stories(engine, rng, everyone, viewer, set(followed), now)

    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    with engine.begin() as conn:
        world.home_ids = [
            row[0]
            for row in conn.execute(
                sa.select(col(Post.id))
                .where(sa.or_(col(Post.author_id).in_(followed), col(Post.author_id) == viewer))
                .order_by(col(Post.id).desc())
            )
        ]
        world.tag = str(
            conn.execute(
                sa.select(col(PostHashtag.tag))
                .group_by(col(PostHashtag.tag))
                .order_by(sa.func.count().desc())
                .limit(1)
            ).scalar_one()
        )
    world.profile = f"user{rng.randrange(1, authors)}"
    print(
        f"generated in {time.perf_counter() - t0:.1f} s: {posts:,} posts, {authors:,} authors, "
        f"viewer follows {follows:,} ({len(world.home_ids):,} posts in their feed), "
        f"second viewer {sparse_follows}",
        flush=True,
    )
    return world


def generate_stories(
    engine: Any,
    rng: random.Random,
    everyone: list[int],
    viewer: int,
    followed: set[int],
    now: datetime,
) -> None:
    """A quarter of the authors have 1-3 live stories (written over the last 24 hours); each
    story has 20 viewers, the viewer among them for half of the stories they may see."""
    import sqlalchemy as sa

    from socialhub.models import Story, StoryView

    t0 = time.perf_counter()
    stories: list[dict[str, Any]] = []
    views: list[dict[str, Any]] = []
    for author in everyone:
        if rng.random() >= 0.25:
            continue
        for _ in range(rng.randint(1, 3)):
            created = now - timedelta(minutes=rng.randrange(24 * 60))
            story_id = uuid.uuid4().hex
            stories.append(
                {
                    "id": story_id,
                    "author_id": author,
                    "kind": "text",
                    "body": "story",
                    "background": "indigo",
                    "image": None,
                    "created_at": created,
                    "expires_at": created + timedelta(hours=24),
                }
            )
            watchers = set(rng.sample(everyone, 20)) - {author, viewer}
            if author in followed and rng.random() < 0.5:
                watchers.add(viewer)
            views += [{"story_id": story_id, "viewer_id": w, "viewed_at": now} for w in watchers]
    with engine.begin() as conn:
        for batch in chunks(iter(stories)):
            conn.execute(sa.insert(Story), batch)
        for batch in chunks(iter(views)):
            conn.execute(sa.insert(StoryView), batch)
    print(
        f"stories: {len(stories):,} live, {len(views):,} views, {time.perf_counter() - t0:.1f} s",
        flush=True,
    )


def timed(name: str, calls: int, call: Callable[[int], Any]) -> None:
    for i in range(min(10, calls)):  # warm-up: caches, prepared statements
        call(i)
    durations = []
    for i in range(calls):
        started = time.perf_counter()
        call(i)
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    p95 = durations[max(0, int(len(durations) * 0.95) - 1)]
    print(
        f"{name:<34} p50 {statistics.median(durations):7.2f} ms   p95 {p95:7.2f} ms   "
        f"max {durations[-1]:7.2f} ms   ({calls} calls)",
        flush=True,
    )


def measure(world: World, calls: int, seed: int, explain: bool) -> None:
    import sqlalchemy as sa

    from socialhub.db import get_engine, read_session
    from socialhub.domain import feeds, stories
    from socialhub.models import User

    rng = random.Random(seed + 1)
    deep = [rng.choice(world.home_ids[len(world.home_ids) // 3 :]) for _ in range(calls + 10)]
    near_top = world.home_ids[50]

    def as_viewer(work: Callable[[Any, User], Any], viewer_id: int = world.viewer_id) -> Any:
        with read_session() as session:
            viewer = session.get(User, viewer_id)
            assert viewer is not None
            return work(session, viewer)

    first = as_viewer(lambda s, u: feeds.home_feed(s, u))
    assert len(first.posts) == 20, "the viewer's home feed should fill a page"
    if explain:
        engine = get_engine()
        for viewer_id in (world.viewer_id, world.sparse_viewer_id):
            seen: list[tuple[str, Any]] = []

            def capture(_c: Any, _cur: Any, statement: str, params: Any, *_a: Any) -> None:
                seen.append((statement, params))  # noqa: B023 (used before the next loop)

            sa.event.listen(engine, "before_cursor_execute", capture)
            as_viewer(lambda s, u: feeds.home_feed(s, u), viewer_id)
            sa.event.remove(engine, "before_cursor_execute", capture)
            statement, params = next(x for x in seen if "ORDER BY posts.id DESC" in x[0])
            prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            print(f"  home query plan, viewer {viewer_id}:")
            with engine.connect() as conn:
                for row in conn.exec_driver_sql(prefix + statement, params):
                    print("   ", row[-1])

    timed("home, first page (20)", calls, lambda i: as_viewer(lambda s, u: feeds.home_feed(s, u)))
    timed(
        "home, deep page (before=, 20)",
        calls,
        lambda i: as_viewer(lambda s, u: feeds.home_feed(s, u, before=deep[i])),
    )
    timed(
        "home, new-posts count (50 above)",
        calls,
        lambda i: as_viewer(lambda s, u: feeds.count_new_home_posts(s, u, near_top)),
    )
    timed(
        "home, following few: first page",
        calls,
        lambda i: as_viewer(lambda s, u: feeds.home_feed(s, u), world.sparse_viewer_id),
    )
    timed(
        "explore, first page (20)",
        calls,
        lambda i: as_viewer(lambda s, u: feeds.explore_feed(s, u)),
    )
    timed(
        f"hashtag #{world.tag}, first page",
        calls,
        lambda i: as_viewer(lambda s, u: feeds.hashtag_feed(s, u, world.tag)),
    )
    timed(
        "profile timeline, first page",
        calls,
        lambda i: as_viewer(lambda s, u: feeds.profile_feed(s, u, world.profile)),
    )
    timed(
        "story tray (1,000 followed)",
        calls,
        lambda i: as_viewer(lambda s, u: stories.story_tray(s, u)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--authors", type=int, default=20_000)
    parser.add_argument("--follows", type=int, default=1_000)
    parser.add_argument("--sparse-follows", type=int, default=20, help="the second viewer's")
    parser.add_argument("--calls", type=int, default=300, help="timed calls per measurement")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database")
    parser.add_argument("--explain", action="store_true", help="print the home query's plan")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    args = parser.parse_args()
    url, data = create_database("feedbench", postgres=args.postgres)
    print(f"database: {url.split('@')[-1]}", flush=True)
    try:
        world = generate(args.posts, args.authors, args.follows, args.sparse_follows, args.seed)
        measure(world, args.calls, args.seed, args.explain)
    finally:
        if not args.keep:
            drop_database(url, data)  # about 0.5 GB at full size


if __name__ == "__main__":
    main()
