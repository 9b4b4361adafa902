"""Jobs the worker runs on a timer. Each is idempotent and safe to run concurrently."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from undeu.mail.outbox import sweep
from undeu.petitions.lifecycle import close_expired
from undeu.signatures.counting import recount_all, refresh_sort_counts


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[], object]


PERIODIC_JOBS = [
    PeriodicJob("outbox-sweep", 5, sweep),
    PeriodicJob("sort-counts", 10, refresh_sort_counts),
    PeriodicJob("recount", settings.UNDEU_RECOUNT_SECONDS, recount_all),
    PeriodicJob("close-expired", 60, close_expired),
]
