"""The image pickers' one refusal: what the browser refused is told once, in our words."""

from __future__ import annotations

from typing import Any

import pytest
from reflex.state import State

from socialhub.state.settings import SettingsState
from socialhub.state.uploads import UploadState, refusal_message
from tests.state.conftest import SignedInTab
from tests.state.test_form_errors import toasts


def rejected(*codes: str) -> list[dict[str, Any]]:
    return [
        {
            "file": {"path": "./notes.txt"},
            "errors": [{"code": code, "message": "react-dropzone's text"} for code in codes],
        }
    ]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (("file-invalid-type",), "That file is not an image we accept: choose a JPEG, PNG,"),
        (("file-too-large",), "That image is too large: the limit is 10 MB."),
        (("file-invalid-type", "file-too-large"), "That file is not an image we accept"),
        (("too-many-files",), "Too many files at once"),
        ((), "That file is not an image we accept"),
    ],
)
def test_refusal_is_told_in_our_words(codes: tuple[str, ...], expected: str) -> None:
    message = refusal_message(rejected(*codes))
    assert message.startswith(expected)
    assert "react-dropzone" not in message


async def test_refuse_is_one_toast_with_one_id() -> None:
    tab = await State(_reflex_internal_init=True).get_state(UploadState)
    event = UploadState.refuse.fn(tab, rejected("file-invalid-type"))
    shown = toasts([event])
    assert len(shown) == 1
    assert "upload_refused" in shown[0]
    assert "not an image we accept" in shown[0]


async def test_an_empty_drop_after_a_refusal_says_nothing_more(
    make_user: Any, signed_in_tab: SignedInTab
) -> None:
    tab = await (await signed_in_tab(make_user("ava"), "/settings")).get_state(SettingsState)
    events = [e async for e in SettingsState.upload_avatar.fn(tab, [])]
    assert toasts(events) == []
    assert not tab.uploading
