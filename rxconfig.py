"""Reflex configuration, derived from SocialHub's settings (see .env.example)."""

import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from socialhub.config import get_settings

settings = get_settings()
port = int(os.environ.get("PORT", "3000"))
# An extra API/websocket worker (scale-out) serves no frontend of its own.
backend_only = os.environ.get("REFLEX_BACKEND_ONLY", "").lower() in ("1", "true")

config = rx.Config(
    app_name="socialhub",
    db_url=settings.database_url,
    redis_url=settings.redis_url or None,
    # One process without Redis: state in memory (the database is the truth; a tab whose state
    # is gone re-reads its page). With Redis, Reflex keeps state there for every worker.
    state_manager_mode=(
        rx.constants.StateManagerMode.REDIS
        if settings.redis_url
        else rx.constants.StateManagerMode.MEMORY
    ),
    frontend_port=None if backend_only else port,
    backend_port=port,
    api_url=os.environ.get("API_URL") or f"http://localhost:{port}",
    deploy_url=settings.public_url,
    cors_allowed_origins=list(settings.cors_origins),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="violet", radius="large"))],
)
