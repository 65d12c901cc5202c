"""Servers' jobs: removing every row of the servers their owners deleted.

A deleted server is invisible from the moment `deleted_at` is set; the row itself is the job's
queue entry, so a deletion survives a worker restart and running the job twice does no harm.
"""

from __future__ import annotations

from huey import crontab

from backend_jobs.queue import huey
from socialhub.db import transaction
from socialhub.domain import commands, servers

# Messages removed per transaction, so a big server does not hold the write lock for long.
PURGE_BATCH = 2000


@huey.periodic_task(crontab(minute="*"), retries=2, retry_delay=10)  # type: ignore[untyped-decorator]
def purge_deleted_servers() -> int:
    """Remove the deleted servers' rows in batches; returns how many servers are gone."""
    with transaction() as session:
        pending = servers.deleted_servers(session)
    for server_id in pending:
        done = False
        while not done:
            with transaction() as session:
                done = servers.do_purge_server(session, server_id, batch=PURGE_BATCH)
    return len(pending)


@huey.periodic_task(crontab(minute="*"), retries=2, retry_delay=10)  # type: ignore[untyped-decorator]
def expire_commands() -> int:
    """Time out the slash commands whose deadline passed in a process that did not live to do
    it (`socialhub/delivery/deadlines.py` does it on time in the process that took them)."""
    with transaction() as session:
        return commands.expire_due(session)
