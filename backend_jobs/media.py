"""Uploads' processing jobs: each is enqueued once its upload's row commits
(`uploads.register_processor`), takes the row with a conditional status change, and ends in the
same state however often it runs (`socialhub/domain/upload_images.py`). A sweep every few minutes
enqueues image uploads whose job was lost (a crash between the commit and the enqueue, or a
worker that died while processing).
"""

from __future__ import annotations

from huey import crontab

from backend_jobs.queue import huey
from socialhub.db import read_session, transaction
from socialhub.domain import media, upload_images, uploads
from socialhub.models.base import utcnow
from socialhub.models.uploads import Upload, UploadKind


def run_image(upload_id: str) -> str:
    """Process one image upload: 'ready', 'failed' (with its reason on the row) or 'skipped'
    (not there to take: done already, or another job has it)."""
    with transaction() as session:
        claimed = upload_images.do_claim(session, upload_id, now=utcnow())
    if claimed is None:
        # Done before: finish what a crash after the last commit may have left undone.
        with read_session() as session:
            upload = session.get(Upload, upload_id)
        if upload is not None:
            upload_images.drop_original(upload)
        return "skipped"
    try:
        try:
            data = media.get_storage().get(claimed.storage_key)
        except FileNotFoundError:
            rendered: upload_images.RenderedImage | str = "missing_original"
        else:
            try:
                rendered = upload_images.render_bounded(data)
            except upload_images.ImageRefused as refused:
                rendered = refused.code
        if isinstance(rendered, str):
            with transaction() as session:
                done = upload_images.do_record_failed(session, upload_id, rendered)
        else:
            upload_images.store_renditions(upload_id, rendered)
            with transaction() as session:
                done = upload_images.do_record_ready(session, upload_id, rendered)
    except Exception:
        # Ours, not the image's (storage or database down): let the retry take it again.
        with transaction() as session:
            upload_images.do_release(session, upload_id)
        raise
    if done is None:
        return "skipped"
    upload_images.drop_original(done)
    return "failed" if isinstance(rendered, str) else "ready"


@huey.task(retries=3, retry_delay=30)  # type: ignore[untyped-decorator]
def process_image_upload(upload_id: str) -> str:
    return run_image(upload_id)


@huey.periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def sweep_image_uploads() -> int:
    """Enqueue the image uploads whose job was lost; returns how many."""
    with read_session() as session:
        stale = upload_images.stale_image_uploads(session, now=utcnow())
    for upload_id in stale:
        process_image_upload(upload_id)
    return len(stale)


uploads.register_processor(UploadKind.image, process_image_upload)
