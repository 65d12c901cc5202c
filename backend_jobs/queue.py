"""The job queue: SQLite storage under data/ by default, Redis when REDIS_URL is set."""

from __future__ import annotations

from huey import Huey, RedisHuey, SqliteHuey

from socialhub.config import get_settings


def make_queue() -> Huey:
    settings = get_settings()
    if settings.redis_url:
        return RedisHuey("socialhub", url=settings.redis_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("socialhub", filename=str(settings.data_dir / "jobs.db"))


huey = make_queue()
