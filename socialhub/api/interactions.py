"""/api/v1 routes for likes, comments and reposts, on the web app's domain functions."""

from __future__ import annotations

from fastapi import APIRouter

from socialhub.api.errors import ERROR_RESPONSES

router = APIRouter(tags=["interactions"], responses=ERROR_RESPONSES)
