"""py-spy over the server during a harness's send phase, and the top functions of its record.

`start` runs `py-spy record --subprocesses --format raw` on the server's root process (so the
granian worker that runs the app is sampled too; py-spy itself leaves idle threads out), and
`finish` waits for it and reads the raw file (one folded stack a line: `process ...;frame;...;leaf
COUNT`, root first, each frame `function (file:line)`) into the functions with the most samples,
by self (the leaf) and inclusive (anywhere in the stack, once per sample).

    .venv/bin/python bench/profile_top.py /tmp/socialhub-bench-xyz/profile.raw [--top 25]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY_SPY = ROOT / ".venv" / "bin" / "py-spy"
# Leaves that are a thread waiting, not working: an event loop in its selector, a worker thread
# waiting for a job. py-spy's own idle detection misses some of them (a GIL-releasing C call).
IDLE_LEAVES = (
    ("selectors.py", ""),
    ("threading.py", "wait"),
    ("threading.py", "_wait_for_tstate_lock"),
    ("queue.py", "get"),
    ("concurrent/futures/thread.py", "_worker"),
    ("multiprocessing/popen_fork.py", "poll"),
)
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def start(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """Sample `pid` and its child processes for `seconds`, without pausing them."""
    return subprocess.Popen(
        [
            str(PY_SPY),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--duration",
            str(max(1, round(seconds))),
            "--format",
            "raw",
            "-o",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish(recording: subprocess.Popen[bytes], out: Path, top: int = 25) -> dict[str, Any]:
    """Wait for `recording` to end, print its top functions to stderr and return them."""
    try:
        _, error = recording.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        recording.kill()
        _, error = recording.communicate()
    if recording.returncode != 0 or not out.exists():
        message = error.decode(errors="replace").strip()[-500:]
        print(f"py-spy failed: {message}", file=sys.stderr)
        return {"file": str(out), "error": message}
    summary = top_functions(out, top)
    print(render(summary), file=sys.stderr)
    return summary


def top_functions(raw: Path, top: int = 25) -> dict[str, Any]:
    """The `top` functions by self and by inclusive samples (idle leaves left out), with the
    samples of each sampled process."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    processes: Counter[str] = Counter()
    busy = idle = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        python = [f for f in frames if not f.startswith("process ")]
        process = next((f for f in reversed(frames) if f.startswith("process ")), "")
        if not python or _is_idle(python[-1]):
            idle += count
            continue
        busy += count
        processes[process.split(":", 1)[0]] += count
        own[_function(python[-1])] += count
        for function in {_function(f) for f in python}:
            inclusive[function] += count
    return {
        "file": str(raw),
        "busy_samples": busy,
        "idle_samples_left_out": idle,
        "samples_by_process": dict(processes.most_common()),
        "self": _ranked(own, busy, top),
        "inclusive": _ranked(inclusive, busy, top),
    }


def render(summary: dict[str, Any]) -> str:
    lines = [f"py-spy: {summary['busy_samples']} busy samples ({summary['file']})"]
    for kind in ("self", "inclusive"):
        lines.append(f"  top by {kind} samples:")
        lines += [
            f"    {r['percent']:5.1f}%  {r['samples']:6d}  {r['function']}" for r in summary[kind]
        ]
    return "\n".join(lines)


def _function(frame: str) -> str:
    """`name (file:line)` without the line: one row per function, not per line."""
    match = _FRAME.match(frame)
    return f"{match['function']} ({match['file']})" if match else frame


def _is_idle(frame: str) -> bool:
    match = _FRAME.match(frame)
    if match is None:
        return False
    name = match["function"].rsplit(".", 1)[-1]
    return any(
        match["file"].endswith(file) and (not function or name == function)
        for file, function in IDLE_LEAVES
    )


def _ranked(counts: Counter[str], total: int, top: int) -> list[dict[str, Any]]:
    return [
        {"function": f, "samples": n, "percent": round(100 * n / max(total, 1), 1)}
        for f, n in counts.most_common(top)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("raw", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args()
    summary = top_functions(args.raw, args.top)
    print(json.dumps(summary, indent=2) if args.json else render(summary))


if __name__ == "__main__":
    main()
