"""Jobs the worker runs on a timer. Each is idempotent and safe to run concurrently."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from undeu.api import opendata
from undeu.core.sqlite.checkpoint import checkpoint
from undeu.datarights.links import forget_expired_links
from undeu.defence import bulk, limits, trending
from undeu.delivery.thresholds import record_thresholds
from undeu.mail.outbox import release_expired_leases
from undeu.petitions.lifecycle import close_expired
from undeu.privacy import addresses, retention
from undeu.signatures.counting import recount_all, refresh_sort_counts
from undeu.stats import tallying
from undeu.updates.mailing import resume_stalled_mailings


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[], object]
    # Runs on a scheduler thread of its own, so that a long job on the shared one (a recount
    # of millions of signatures) does not hold it back.
    alone: bool = False


PERIODIC_JOBS = [
    # Every second while people sign: a late checkpoint lets the WAL grow until a signer's
    # commit does it instead (core/sqlite/checkpoint.py).
    PeriodicJob(
        "sqlite-checkpoint", settings.UNDEU_SQLITE_CHECKPOINT_SECONDS, checkpoint, alone=True
    ),
    PeriodicJob("outbox-leases", 5, release_expired_leases),
    PeriodicJob("sort-counts", 10, refresh_sort_counts),
    PeriodicJob("recount", settings.UNDEU_RECOUNT_SECONDS, recount_all),
    PeriodicJob("tallies", settings.UNDEU_TALLY_SECONDS, tallying.catch_up),
    PeriodicJob("tally-rebuild", settings.UNDEU_TALLY_REBUILD_SECONDS, tallying.rebuild_due),
    PeriodicJob("close-expired", 60, close_expired),
    PeriodicJob("thresholds", 60, record_thresholds),
    PeriodicJob("resume-mailings", 60, resume_stalled_mailings),
    PeriodicJob("trending", settings.UNDEU_TRENDING_SECONDS, trending.raise_alerts),
    PeriodicJob("resume-bulk-actions", 60, bulk.resume_stalled),
    PeriodicJob("rate-windows", 60, limits.forget_expired),
    PeriodicJob("datarights-links", 600, forget_expired_links),
    PeriodicJob("erase-addresses", 3600, addresses.erase_expired),
    PeriodicJob("retention", 3600, retention.run),
    # Checks hourly; writes the files when they are a day old (or missing, as on a new site).
    PeriodicJob("open-data", 3600, opendata.publish),
]


def scheduled_together(jobs: list[PeriodicJob]) -> list[list[PeriodicJob]]:
    """The jobs grouped by the scheduler thread that runs them: each `alone` job by itself, the
    others together."""
    shared = [job for job in jobs if not job.alone]
    return [[job] for job in jobs if job.alone] + ([shared] if shared else [])
