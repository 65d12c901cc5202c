"""Time to ready for an uploaded photo: the path a client takes, in-process.

`POST /api/v1/uploads` through the real API (an in-process ASGI client, a throwaway SQLite
database migrated by alembic, media on local disk), then the image job as the Huey worker runs
it (`backend_jobs.media.process_image_upload`): decode under the pixel bound, orientation, three
WebP renditions, placeholder colour and blurhash, the original dropped. Prints, per photo size:
the upload's wall time, the job's wall and CPU time, and the process's peak RSS growth.

    .venv/bin/python bench/upload_images.py              (a 12 MP JPEG, 3 runs)
    .venv/bin/python bench/upload_images.py --mp 24 --runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import io
import resource
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from throwaway import create_database, drop_database  # noqa: E402 (bench/ is the script's folder)

PASSWORD = "bench-password-4821"  # noqa: S105 (a throwaway account on a throwaway database)


def photo(megapixels: float) -> bytes:
    """A camera-like JPEG: 4:3, noisy enough that the encoder works as on a real photo. Made in
    a child process, so its buffers do not count in this process's peak RSS."""
    with concurrent.futures.ProcessPoolExecutor(1) as pool:
        return pool.submit(_photo, megapixels).result()


def _photo(megapixels: float) -> bytes:
    from PIL import Image

    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    height = width * 3 // 4
    noise = Image.effect_noise((width, height), 60).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(noise, gradient, 0.5)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


async def run(megapixels: float, runs: int) -> None:
    import httpx

    from backend_jobs.media import process_image_upload
    from socialhub.api.app import create_api

    data = photo(megapixels)
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        name = f"u{uuid.uuid4().hex[:10]}"
        registered = await client.post(
            "/api/v1/auth/register",
            json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
        )
        registered.raise_for_status()
        headers = {
            "Authorization": f"Bearer {registered.json()['access_token']}",
            "Content-Type": "application/octet-stream",
        }
        uploads, walls, cpus, growth = [], [], [], []
        for _ in range(runs):
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            made = await client.post(
                "/api/v1/uploads", params={"name": "photo.jpg"}, content=data, headers=headers
            )
            made.raise_for_status()
            uploaded = time.perf_counter()
            cpu = time.process_time()
            assert process_image_upload.call_local(made.json()["id"]) == "ready"
            walls.append(time.perf_counter() - uploaded)
            cpus.append(time.process_time() - cpu)
            uploads.append(uploaded - started)
            growth.append((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024)
        # The peak over the API's and the job's own work, the app imported.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ready = statistics.median(u + w for u, w in zip(uploads, walls, strict=True))
    print(
        f"{megapixels:g} MP JPEG ({len(data) / 1e6:.1f} MB), {runs} runs: "
        f"upload p50 {statistics.median(uploads) * 1000:.0f} ms, "
        f"job wall p50 {statistics.median(walls):.2f} s, CPU p50 {statistics.median(cpus):.2f} s, "
        f"time to ready p50 {ready:.2f} s, "
        f"peak RSS growth (first run) {growth[0]:.0f} MB, process peak {peak:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mp", type=float, default=12)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url, folder = create_database("upload-images", postgres=False, RATE_LIMIT_UPLOAD="1000/hour")
    try:
        asyncio.run(run(args.mp, args.runs))
    finally:
        drop_database(url, folder)


if __name__ == "__main__":
    main()
