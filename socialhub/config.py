"""Settings, all read from the environment (see .env.example)."""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name).lower()
    return raw in ("1", "true", "yes", "on") if raw else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw else default


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to generate a new key, or set SECRET_KEY")
    return key


def _secret_key(data_dir: Path) -> str:
    """An explicit SECRET_KEY wins; otherwise one is generated once and kept under data/.

    Processes starting together must end up with one key, and nobody may read it on the way: the
    key is written to a private (0600 from creation) temporary file, synced, then hard-linked to
    its final name. Linking never replaces, so the first writer wins and the others read its key.
    """
    explicit = _env("SECRET_KEY")
    if explicit:
        return explicit
    path = data_dir / "secret_key"
    if path.exists():
        return _read_key(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    temp = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(8)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    _fsync_dir(data_dir)
    return _read_key(path)


def _fsync_dir(directory: Path) -> None:
    """Make the new name durable, so a crash cannot bring back a state without the key."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _own_origins(public_url: str) -> tuple[str, ...]:
    """The own origin; on localhost also as 127.0.0.1 (browsers treat the two apart)."""
    if "://localhost:" in public_url:
        return (public_url, public_url.replace("://localhost:", "://127.0.0.1:"))
    return (public_url,)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str
    secret_key: str
    public_url: str
    cors_origins: tuple[str, ...]
    media_dir: Path
    storage_backend: str = "local"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = field(default="", repr=False)
    s3_region: str = "us-east-1"
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    browser_session_days: int = 30
    avatar_max_bytes: int = 10 * 1024 * 1024
    group_max_members: int = 256
    rate_limit_login: str = "10/minute"
    rate_limit_signup: str = "5/minute"
    rate_limit_report: str = "20/hour"
    rate_limit_post: str = "30/minute"
    rate_limit_comment: str = "60/minute"
    rate_limit_story: str = "30/hour"
    rate_limit_message: str = "60/minute"
    rate_limit_reaction: str = "60/minute"
    rate_limit_typing: str = "60/minute"
    rate_limit_forward: str = "30/minute"
    rate_limit_group: str = "20/hour"
    rate_limit_member_add: str = "60/hour"
    rate_limit_follow: str = "100/hour"
    rate_limit_friend_request: str = "30/hour"
    rate_limit_avatar: str = "20/hour"
    rate_limit_group_picture: str = "20/hour"
    rate_limit_poll_vote: str = "60/minute"
    rate_limit_server_invite: str = "30/hour"
    rate_limit_join_request: str = "10/hour"
    rate_limit_webhook: str = "30/minute"
    rate_limit_upload: str = "120/hour"
    bcrypt_rounds: int = 12
    public_reads: bool = True
    log_level: str = "INFO"
    log_json: bool = True
    outbound_allow_private: bool = False
    outbound_timeout_seconds: float = 5.0
    outbound_max_response_bytes: int = 64 * 1024
    outbound_allow_hosts: frozenset[str] = frozenset()
    jobs_immediate: bool = False
    command_deadline_seconds: float = 10.0
    upload_max_image_bytes: int = 16 * 1024 * 1024
    upload_max_video_bytes: int = 100 * 1024 * 1024
    upload_max_audio_bytes: int = 16 * 1024 * 1024
    upload_max_document_bytes: int = 100 * 1024 * 1024
    upload_max_file_bytes: int = 100 * 1024 * 1024
    upload_quota_bytes: int = 2 * 1024 * 1024 * 1024
    media_jobs_max: int = 2

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


STORAGE_BACKENDS = ("local", "s3")


def _storage_backend() -> str:
    backend = _env("STORAGE_BACKEND", "local").lower()
    if backend not in STORAGE_BACKENDS:
        raise RuntimeError(f"STORAGE_BACKEND must be one of {', '.join(STORAGE_BACKENDS)}")
    if backend == "s3" and not _env("S3_BUCKET"):
        raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET")
    return backend


def load_settings() -> Settings:
    data_dir = Path(_env("DATA_DIR", str(ROOT / "data"))).resolve()
    database_url = _env("DATABASE_URL") or f"sqlite:///{data_dir / 'socialhub.db'}"
    public_url = _env("PUBLIC_URL", f"http://localhost:{_env('PORT', '3000')}").rstrip("/")
    origins = _env("CORS_ORIGINS")
    cors = tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip()) or _own_origins(
        public_url
    )
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=_env("REDIS_URL"),
        secret_key=_secret_key(data_dir),
        public_url=public_url,
        cors_origins=cors,
        media_dir=Path(_env("MEDIA_DIR", str(data_dir / "media"))).resolve(),
        # Media on local disk (MEDIA_DIR) or in an S3-compatible bucket; either way it is served
        # through our own signed URLs, never by the bucket.
        storage_backend=_storage_backend(),
        s3_endpoint_url=_env("S3_ENDPOINT_URL"),
        s3_bucket=_env("S3_BUCKET"),
        s3_access_key=_env("S3_ACCESS_KEY"),
        s3_secret_key=_env("S3_SECRET_KEY"),
        s3_region=_env("S3_REGION", "us-east-1"),
        access_token_minutes=_env_int("ACCESS_TOKEN_MINUTES", 15),
        refresh_token_days=_env_int("REFRESH_TOKEN_DAYS", 30),
        browser_session_days=_env_int("BROWSER_SESSION_DAYS", 30),
        avatar_max_bytes=_env_int("AVATAR_MAX_BYTES", 10 * 1024 * 1024),
        # Every member of a group gets each of its events live: past a few hundred, one message
        # is a few hundred pushes (the load benches raise it to measure a 1,000-member group).
        group_max_members=_env_int("GROUP_MAX_MEMBERS", 256),
        rate_limit_login=_env("RATE_LIMIT_LOGIN", "10/minute"),
        rate_limit_signup=_env("RATE_LIMIT_SIGNUP", "5/minute"),
        rate_limit_report=_env("RATE_LIMIT_REPORT", "20/hour"),
        rate_limit_post=_env("RATE_LIMIT_POST", "30/minute"),
        rate_limit_comment=_env("RATE_LIMIT_COMMENT", "60/minute"),
        rate_limit_story=_env("RATE_LIMIT_STORY", "30/hour"),
        # Limits on repeatable writes, per account: what a heavy but honest user never reaches,
        # well below what a script flooding others' chats, notifications or our CPU would need.
        # A quick chatter sends a message every few seconds; 60/minute is one a second for a
        # whole minute (an offline outbox resent on reconnect waits and retries past it).
        rate_limit_message=_env("RATE_LIMIT_MESSAGE", "60/minute"),
        # Each reaction (added or removed) is an event to every member of the chat.
        rate_limit_reaction=_env("RATE_LIMIT_REACTION", "60/minute"),
        # The composer signals at most once per 2 s (30/minute); twice that covers two tabs.
        rate_limit_typing=_env("RATE_LIMIT_TYPING", "60/minute"),
        # Counted per chat forwarded to (one forward may reach up to 20 chats).
        rate_limit_forward=_env("RATE_LIMIT_FORWARD", "30/minute"),
        rate_limit_group=_env("RATE_LIMIT_GROUP", "20/hour"),
        # Counted per request (each may add many people): an admin adding a club one by one.
        rate_limit_member_add=_env("RATE_LIMIT_MEMBER_ADD", "60/hour"),
        # Follows and friend requests notify the other person: enough for following a whole
        # list of suggestions, not for notifying thousands of strangers.
        rate_limit_follow=_env("RATE_LIMIT_FOLLOW", "100/hour"),
        rate_limit_friend_request=_env("RATE_LIMIT_FRIEND_REQUEST", "30/hour"),
        # Every upload is decoded and re-encoded at three sizes: trying a few crops is fine.
        rate_limit_avatar=_env("RATE_LIMIT_AVATAR", "20/hour"),
        rate_limit_group_picture=_env("RATE_LIMIT_GROUP_PICTURE", "20/hour"),
        # Votes, changed votes and retractions: one click each, every update pushed to viewers.
        rate_limit_poll_vote=_env("RATE_LIMIT_POLL_VOTE", "60/minute"),
        # Server invites made, and requests to join servers (over all servers), per account.
        rate_limit_server_invite=_env("RATE_LIMIT_SERVER_INVITE", "30/hour"),
        rate_limit_join_request=_env("RATE_LIMIT_JOIN_REQUEST", "10/hour"),
        # Messages one incoming webhook may post (Discord allows 30 a minute per webhook).
        rate_limit_webhook=_env("RATE_LIMIT_WEBHOOK", "30/minute"),
        # Files sent (photos, videos, voice notes, documents), each processed by a job: an album
        # of 10 counts 10.
        rate_limit_upload=_env("RATE_LIMIT_UPLOAD", "120/hour"),
        bcrypt_rounds=_env_int("BCRYPT_ROUNDS", 12),
        # Visitors without an account may read public posts and profiles, explore and hashtags.
        public_reads=_env_bool("PUBLIC_READS", True),
        log_level=_env("LOG_LEVEL", "INFO").upper(),
        log_json=_env("LOG_FORMAT", "json") == "json",
        # Requests the server makes on users' behalf (outgoing webhooks) reach only public
        # addresses; tests turn this on to reach a server of their own on 127.0.0.1.
        outbound_allow_private=_env_bool("OUTBOUND_ALLOW_PRIVATE", False),
        outbound_timeout_seconds=float(_env("OUTBOUND_TIMEOUT_SECONDS", "5")),
        outbound_max_response_bytes=_env_int("OUTBOUND_MAX_RESPONSE_BYTES", 64 * 1024),
        # Link previews' fetches run in the app's own process (a thread after the commit)
        # instead of on the job queue: a single process with no job worker, as the browser tests.
        jobs_immediate=_env_bool("JOBS_IMMEDIATE", False),
        # `host:port` pairs (as in the URL) exempt from the address rule, comma-separated.
        outbound_allow_hosts=frozenset(
            h.strip().lower() for h in _env("OUTBOUND_ALLOW_HOSTS", "").split(",") if h.strip()
        ),
        # How long a bot has to answer a slash command before the member reads "the bot did
        # not answer" (Discord gives 3 s; a bot on a home server deserves more).
        command_deadline_seconds=float(_env("COMMAND_DEADLINE_SECONDS", "10")),
        # The largest upload of each kind (the kind is sniffed from the bytes), and what one
        # account may keep stored in all (originals of every upload it made).
        upload_max_image_bytes=_env_int("UPLOAD_MAX_IMAGE_BYTES", 16 * 1024 * 1024),
        upload_max_video_bytes=_env_int("UPLOAD_MAX_VIDEO_BYTES", 100 * 1024 * 1024),
        upload_max_audio_bytes=_env_int("UPLOAD_MAX_AUDIO_BYTES", 16 * 1024 * 1024),
        upload_max_document_bytes=_env_int("UPLOAD_MAX_DOCUMENT_BYTES", 100 * 1024 * 1024),
        upload_max_file_bytes=_env_int("UPLOAD_MAX_FILE_BYTES", 100 * 1024 * 1024),
        upload_quota_bytes=_env_int("UPLOAD_QUOTA_BYTES", 2 * 1024 * 1024 * 1024),
        # Heavy media jobs (decoding and re-encoding) running at once in one worker process.
        media_jobs_max=max(1, _env_int("MEDIA_JOBS_MAX", 2)),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
