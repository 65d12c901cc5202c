"""Lighthouse against the production build, with Debian's Chromium.

Starts `reflex run --env prod` on a throwaway database, seeds two people, a public post and a DM
through the API, signs `alice` in through the web form (as `bench/reflex_client.py` does) and runs
the pinned Lighthouse CLI (bench/lighthouse/package.json) on every page with the mobile and the
desktop preset: signed in on `/`, `/messages`, `/explore` and a profile; signed out on the public
pages (`/`, `/explore`, a profile, a post), where the SEO category counts. Private pages are
meant to be `noindex` (issue 10, item 9), so their SEO score is reported but not held against
the target.

    .venv/bin/python bench/lighthouse.py [--port 3400] [--only /explore] [--out DIR] [--serve]

Prints one row per page and preset with the four scores, and for every score under the target
what weighs: the opportunities (estimated savings) and the failing audits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import reflex_client as rc
from load_chat import PASSWORD, Server

HERE = Path(__file__).resolve().parent / "lighthouse"
CLI = HERE / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGET = 95
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync"
)


@dataclass(frozen=True)
class Run:
    path: str
    signed_in: bool
    preset: str

    @property
    def counts_seo(self) -> bool:
        return not self.signed_in

    @property
    def who(self) -> str:
        return "in" if self.signed_in else "out"


def install() -> None:
    """The pinned CLI, installed from the npm registry into bench/lighthouse/node_modules."""
    if not CLI.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def seed(base: str) -> dict[str, str]:
    with httpx.Client(base_url=base, timeout=60) as client:
        tokens = {}
        for name in ("alice", "bob"):
            answer = client.post(
                "/api/v1/auth/register",
                json={
                    "username": name,
                    "email": f"{name}@bench.example",
                    "password": PASSWORD,
                    "display_name": name.title(),
                },
            )
            answer.raise_for_status()
            tokens[name] = answer.json()["access_token"]
        alice = {"Authorization": f"Bearer {tokens['alice']}"}
        bob = {"Authorization": f"Bearer {tokens['bob']}"}
        post = client.post(
            "/api/v1/posts",
            data={"body": "Hello from the Lighthouse run #bench", "visibility": "public"},
            headers=alice,
        )
        post.raise_for_status()
        client.post("/api/v1/users/alice/follow", headers=bob).raise_for_status()
        chat = client.post("/api/v1/chats/dm", json={"username": "bob"}, headers=alice)
        chat.raise_for_status()
        client.post(
            f"/api/v1/chats/{chat.json()['id']}/messages",
            json={"body": "Hi Bob"},
            headers=alice,
        ).raise_for_status()
        return {"post": post.json()["id"]}


def lighthouse(base: str, run: Run, cookie: str, out: Path) -> dict[str, Any]:
    report = out / f"{run.who}{run.path.replace('/', '_')}-{run.preset}"
    command = [
        str(CLI),
        base + run.path,
        "--output=json",
        f"--output-path={report}.json",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if run.preset == "desktop":
        command.append("--preset=desktop")
    if run.signed_in:
        headers = out / "headers.json"
        headers.write_text(json.dumps({"Cookie": cookie}))
        command.append(f"--extra-headers={headers}")
    env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    subprocess.run(command, check=True, env=env, cwd=HERE)
    data: dict[str, Any] = json.loads(Path(f"{report}.json").read_text())
    return data


def scores(report: dict[str, Any]) -> dict[str, int]:
    return {
        name: round(100 * (report["categories"][name]["score"] or 0))
        for name in CATEGORIES
        if name in report["categories"]
    }


def what_weighs(report: dict[str, Any], category: str) -> list[str]:
    """The audits that cost this category points, heaviest first."""
    audits = report["audits"]
    lines = []
    refs = report["categories"][category]["auditRefs"]
    for ref in sorted(refs, key=lambda r: -float(r.get("weight", 0))):
        audit = audits[ref["id"]]
        if audit.get("score") is None or audit["score"] >= 0.9:
            continue
        if ref.get("weight", 0) == 0 and audit.get("scoreDisplayMode") != "metricSavings":
            continue
        value = audit.get("displayValue", "")
        lines.append(f"{audit['title']}{': ' + value if value else ''}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=3400)
    parser.add_argument("--only", action="append", default=[], help="just these paths")
    parser.add_argument("--out", type=Path, default=None, help="keep the JSON reports here")
    parser.add_argument(
        "--serve",
        action="store_true",
        help="only start and seed the server, print alice's cookie, and wait (for DevTools)",
    )
    args = parser.parse_args()
    install()
    data = Path(tempfile.mkdtemp(prefix="socialhub-lighthouse-"))
    out = args.out or data / "reports"
    out.mkdir(parents=True, exist_ok=True)
    server = Server(args.port, data)
    server.start()
    try:
        seeded = seed(server.url)
        cookie = asyncio.run(rc.sign_in(server.url, "alice", PASSWORD))
        if args.serve:
            print(f"{server.url} post {seeded['post']}\n{cookie}", flush=True)
            stop = {signal.SIGINT, signal.SIGTERM}
            signal.pthread_sigmask(signal.SIG_BLOCK, stop)
            signal.sigwait(stop)
            return
        pages = [(p, True) for p in ("/", "/messages", "/explore", "/u/bob")]
        pages += [(p, False) for p in ("/", "/explore", "/u/alice", f"/p/{seeded['post']}")]
        runs = [
            Run(path, signed_in, preset)
            for path, signed_in in pages
            if not args.only or path in args.only
            for preset in ("mobile", "desktop")
        ]
        print("| page | signed | preset | " + " | ".join(CATEGORIES) + " |")
        print("|---|---|---|" + "---|" * len(CATEGORIES))
        notes = []
        for run in runs:
            report = lighthouse(server.url, run, cookie, out)
            got = scores(report)
            noindex = "" if run.counts_seo else " (noindex)"
            cells = [f"{got[c]}{noindex if c == 'seo' else ''}" for c in CATEGORIES]
            print(
                f"| {run.path} | {run.who} | {run.preset} | " + " | ".join(cells) + " |",
                flush=True,
            )
            for category in CATEGORIES:
                if got[category] < TARGET and (category != "seo" or run.counts_seo):
                    notes.append(
                        f"{run.path} ({run.who}, {run.preset}) "
                        f"{category} {got[category]}: " + "; ".join(what_weighs(report, category))
                    )
        print("\nUnder the target:" if notes else "\nEvery counted score reaches the target.")
        for note in notes:
            print("- " + note)
        print(f"\nReports: {out}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
