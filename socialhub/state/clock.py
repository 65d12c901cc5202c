"""Times as the viewer reads them: in the browser's time zone, not the server's UTC.

A tiny script in the page's head writes the browser's zone (`Intl.DateTimeFormat()`) into the
`sh_tz` cookie before the app connects, so the websocket's handshake carries it
(`router.headers.cookie`). Every time a state formats goes through the tab's `Clock`; a missing
or unknown zone reads as UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import reflex as rx

from socialhub.state.base import cookie_value

TZ_COOKIE = "sh_tz"
# The longest IANA zone names are about 30 characters.
_ZONE_MAX = 64

# Runs in the head, before the app's scripts: the first websocket handshake carries the zone.
TZ_SCRIPT = (
    "try{document.cookie='sh_tz='+encodeURIComponent("
    "Intl.DateTimeFormat().resolvedOptions().timeZone||'UTC')"
    "+';path=/;max-age=31536000;samesite=lax'}catch(e){}"
)


@dataclass(frozen=True)
class Clock:
    zone: tzinfo

    @property
    def name(self) -> str:
        return str(self.zone)

    def local(self, at: datetime) -> datetime:
        # SQLite hands back naive datetimes: they are UTC like everything stored.
        aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        return aware.astimezone(self.zone)

    def time(self, at: datetime) -> str:
        return self.local(at).strftime("%H:%M")

    def day_time(self, at: datetime) -> str:
        return self.local(at).strftime("%d %b %H:%M")

    def date_time(self, at: datetime) -> str:
        return self.local(at).strftime("%Y-%m-%d %H:%M")

    def month_year(self, at: datetime) -> str:
        return self.local(at).strftime("%B %Y")

    def day(self, at: datetime) -> str:
        """The viewer's calendar day of `at`, as an ISO date."""
        return self.local(at).date().isoformat()

    def day_label(self, day: str, now: datetime) -> str:
        """A date separator: "Today", "Yesterday", "Monday, 30 November" this year, else with
        the year."""
        if not day:
            return ""
        shown, today = date.fromisoformat(day), self.local(now).date()
        if shown == today:
            return "Today"
        if shown == today - timedelta(days=1):
            return "Yesterday"
        if shown.year == today.year:
            return f"{shown:%A}, {shown.day} {shown:%B}"
        return f"{shown.day} {shown:%B %Y}"


UTC_CLOCK = Clock(UTC)


@lru_cache(maxsize=256)
def clock_for(zone: str) -> Clock:
    """The clock of an IANA zone name; UTC when it is empty or unknown."""
    name = zone.strip()
    if not name or len(name) > _ZONE_MAX:
        return UTC_CLOCK
    try:
        return Clock(ZoneInfo(name))
    except (ZoneInfoNotFoundError, ValueError):
        # ValueError: not a zone key at all (an absolute path, "..").
        return UTC_CLOCK


def zone_from_cookies(cookie_header: str) -> str:
    return unquote(cookie_value(cookie_header, TZ_COOKIE))


def tab_clock(state: rx.State) -> Clock:
    """The clock of the browser this tab runs in."""
    return clock_for(zone_from_cookies(state.router.headers.cookie))
