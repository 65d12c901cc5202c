"""/api/v1/posts/{id}/poll and /vote: results, voting, changing and retracting, and bad ballots."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from socialhub.db import transaction
from socialhub.domain import polls
from socialhub.models import Follow, Poll, Post
from socialhub.models.base import utcnow
from socialhub.models.poll_views import PollSpec
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code

Tokens = dict[str, str]


def user_id(tokens: Tokens) -> int:
    return int(tokens["user"]["id"])  # type: ignore[index]


def poll_post(author: Tokens, *, multiple: bool = False, visibility: str = "public") -> str:
    """A post with a poll written straight to the database (post creation is another part's)."""
    with transaction() as s:
        post = Post(author_id=user_id(author), body="which?", visibility=visibility)
        s.add(post)
        s.flush()
        polls.do_attach_poll(s, post, PollSpec(options=["red", "green", "blue"], multiple=multiple))
        return post.id


@pytest.fixture
async def trio(signup: Signup) -> tuple[Tokens, Tokens, Tokens]:
    return await signup("alice"), await signup("bob"), await signup("carol")


async def options(client: httpx.AsyncClient, me: Tokens, post_id: str) -> list[int]:
    response = await client.get(f"/api/v1/posts/{post_id}/poll", headers=bearer(me))
    assert response.status_code == 200, response.text
    return [o["id"] for o in response.json()["options"]]


async def test_vote_change_repeat_and_retract(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, carol = trio
    post_id = poll_post(alice)
    url = f"/api/v1/posts/{post_id}"
    red, green, _ = await options(client, bob, post_id)

    voted = await client.post(f"{url}/vote", json={"option_ids": [red]}, headers=bearer(bob))
    assert voted.status_code == 200, voted.text
    body = voted.json()
    assert (body["post_id"], body["voters"], body["voted"], body["closed"]) == (
        post_id,
        1,
        True,
        False,
    )
    assert [(o["text"], o["votes"], o["percent"], o["chosen"]) for o in body["options"]] == [
        ("red", 1, 100, True),
        ("green", 0, 0, False),
        ("blue", 0, 0, False),
    ]
    # Voting twice with the same choice is no change; another choice replaces the ballot.
    again = await client.post(f"{url}/vote", json={"option_ids": [red]}, headers=bearer(bob))
    assert (again.status_code, again.json()["voters"]) == (200, 1)
    changed = await client.post(f"{url}/vote", json={"option_ids": [green]}, headers=bearer(bob))
    assert [o["votes"] for o in changed.json()["options"]] == [0, 1, 0]
    await client.post(f"{url}/vote", json={"option_ids": [green]}, headers=bearer(carol))

    seen = (await client.get(f"{url}/poll", headers=bearer(alice))).json()
    assert (seen["voters"], seen["total_votes"], seen["voted"]) == (2, 2, False)
    assert (await client.delete(f"{url}/vote", headers=bearer(bob))).status_code == 204
    assert (await client.delete(f"{url}/vote", headers=bearer(bob))).status_code == 204
    after = (await client.get(f"{url}/poll", headers=bearer(bob))).json()
    assert ([o["votes"] for o in after["options"]], after["voted"]) == ([0, 1, 0], False)


async def test_multiple_choice(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, _ = trio
    post_id = poll_post(alice, multiple=True)
    red, green, blue = await options(client, bob, post_id)
    voted = await client.post(
        f"/api/v1/posts/{post_id}/vote", json={"option_ids": [red, blue]}, headers=bearer(bob)
    )
    body = voted.json()
    assert (body["multiple"], body["voters"], body["total_votes"]) == (True, 1, 2)
    assert [o["chosen"] for o in body["options"]] == [True, False, True]
    assert green not in [o["id"] for o in body["options"] if o["chosen"]]


async def test_bad_ballots(client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]) -> None:
    alice, bob, carol = trio
    single = poll_post(alice)
    other = poll_post(alice)
    hidden = poll_post(alice, visibility="followers")
    closed = poll_post(alice)
    with transaction() as s:
        s.add(Post(id="f" * 32, author_id=user_id(alice), body="no poll"))
        s.add(Follow(follower_id=user_id(carol), followee_id=user_id(alice)))
    red, green, _ = await options(client, bob, single)
    foreign = (await options(client, bob, other))[0]
    closing = (await options(client, bob, closed))[0]
    await client.post(
        f"/api/v1/posts/{closed}/vote", json={"option_ids": [closing]}, headers=bearer(bob)
    )
    with transaction() as s:
        poll = s.get(Poll, closed)
        assert poll is not None
        poll.closes_at = utcnow() - timedelta(seconds=1)
        s.add(poll)

    cases: list[tuple[str, object, int, str]] = [
        (single, {"option_ids": [red, green]}, 422, "single_choice"),
        (single, {"option_ids": [red, red]}, 422, "duplicate_option"),
        (single, {"option_ids": []}, 422, "bad_option"),
        (single, {"option_ids": [foreign]}, 422, "bad_option"),
        (single, {"option_ids": list(range(11))}, 422, "validation_error"),
        (single, {"option_ids": ["red"]}, 422, "validation_error"),
        (single, {}, 422, "missing_field"),
        (closed, {"option_ids": [closing]}, 409, "poll_closed"),
        ("0" * 32, {"option_ids": [red]}, 404, "post_not_found"),
        (hidden, {"option_ids": [red]}, 404, "post_not_found"),
        ("f" * 32, {"option_ids": [red]}, 404, "poll_not_found"),
    ]
    for post_id, body, status, code in cases:
        response = await client.post(
            f"/api/v1/posts/{post_id}/vote", json=body, headers=bearer(bob)
        )
        assert (response.status_code, error_code(response)) == (status, code), (post_id, body)

    retract = await client.delete(f"/api/v1/posts/{closed}/vote", headers=bearer(bob))
    assert (retract.status_code, error_code(retract)) == (409, "poll_closed")
    final = (await client.get(f"/api/v1/posts/{closed}/poll", headers=bearer(carol))).json()
    assert (final["closed"], final["voters"], final["options"][0]["percent"]) == (True, 1, 100)
    for post_id, code in (("0" * 32, "post_not_found"), (hidden, "post_not_found")):
        response = await client.get(f"/api/v1/posts/{post_id}/poll", headers=bearer(bob))
        assert (response.status_code, error_code(response)) == (404, code)
    follower_view = await client.get(f"/api/v1/posts/{hidden}/poll", headers=bearer(carol))
    assert follower_view.status_code == 200
    unauthenticated = await client.post(f"/api/v1/posts/{single}/vote", json={"option_ids": [red]})
    assert (unauthenticated.status_code, error_code(unauthenticated)) == (
        401,
        "not_authenticated",
    )
