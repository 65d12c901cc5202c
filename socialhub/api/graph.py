"""/api/v1 routes for the social network's graph, on the same domain functions as the web app."""

from __future__ import annotations

from fastapi import APIRouter

from socialhub.api.errors import ERROR_RESPONSES

router = APIRouter(tags=["graph"], responses=ERROR_RESPONSES)
