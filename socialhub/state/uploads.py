"""Every image picker refuses a wrong file the same way: one clear message, never the
framework's own rejection text.

The pickers offer only images (`accept`), so the browser's dropzone refuses anything else before
it is sent; Reflex's default for that shows a "Files not Accepted" toast with react-dropzone's
wording while the drop handler still runs with no file (and said "choose an image first"): two
toasts that contradict each other. Every `rx.upload.root` passes `on_drop_rejected=REFUSE` and
its handler ignores an empty drop, so the one message below is all a user sees. What passes
the browser is checked again by the server (sniffed by content, size-limited) and refused there
with the domain's message.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec

from socialhub.config import get_settings

IMAGE_KINDS = "JPEG, PNG, WebP or GIF"


def refusal_message(rejected: list[dict[str, Any]]) -> str:
    """What to tell about the files the browser refused, from react-dropzone's error codes."""
    codes = {
        str(error.get("code", ""))
        for item in rejected
        if isinstance(item, dict)
        for error in item.get("errors", []) or []
        if isinstance(error, dict)
    }
    limit_mb = get_settings().avatar_max_bytes // (1024 * 1024)
    if "too-many-files" in codes:
        return "Too many files at once: a post takes up to 4 images, a picture one."
    if "file-too-large" in codes and "file-invalid-type" not in codes:
        return f"That image is too large: the limit is {limit_mb} MB."
    return (
        f"That file is not an image we accept: choose a {IMAGE_KINDS} image"
        f" of at most {limit_mb} MB."
    )


class UploadState(rx.State):
    @rx.event
    def refuse(self, rejected: list[dict[str, Any]]) -> EventSpec:
        """The one message for files an image picker refused (the same toast id, so a second
        refusal replaces the first rather than stacking)."""
        toast: EventSpec = rx.toast.error(
            refusal_message(rejected), id="upload_refused", close_button=True
        )
        return toast


REFUSE = UploadState.refuse
