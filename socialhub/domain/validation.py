"""Shared input rules: text cleaning and length checks."""

from __future__ import annotations

import re
import unicodedata

from socialhub.domain.errors import InvalidInput

_CONTROL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
# Text with something left once cleaned: one character neither blank nor removed.
VISIBLE_PATTERN = f"[^\\s{_CONTROL_CHARS}]"


def clean_text(value: str, *, field: str, max_length: int, multiline: bool = False) -> str:
    """Normalise user text (NFC, no control or bidi-override characters) and bound its length.

    Text is stored as typed; making it inert is the renderer's job (React escapes, the API is JSON).
    """
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", field=field)
    text = unicodedata.normalize("NFC", value)
    text = _CONTROL.sub("", text)
    if not multiline:
        text = " ".join(text.split())
    text = text.strip()
    if len(text) > max_length:
        label = "Text" if field == "body" else field.replace("_", " ").capitalize()
        raise InvalidInput(
            f"{label} is too long: {len(text):,} characters, the limit is {max_length:,}",
            field=field,
            code="too_long",
            details={"max_length": max_length},
        )
    return text
