"""The background worker: sends the outbox, runs queued tasks and the periodic jobs.

The task loop is django-tasks-db's own worker. Beside it a sender thread sends the outbox in
batches and scheduler threads run the periodic jobs (expired leases, the count refresh and
recount; SQLite's WAL checkpoint on a thread of its own, core/periodic.py). Each is safe to
run in several workers at once, so an operator can run as many workers as they like.

The worker lowers its own CPU priority (UNDEU_WORKER_NICE): when it shares a machine with the
web server, a surge of signatures keeps the CPU and the confirmation emails queue up and catch
up after, instead of every signer waiting longer for the page.
"""

import contextlib
import logging
import os
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from undeu.core.periodic import PERIODIC_JOBS, scheduled_together
from undeu.mail.outbox import send_batch

logger = logging.getLogger("undeu.worker")


class Scheduler(threading.Thread):
    def __init__(self, jobs, stop: threading.Event):
        name = jobs[0].name if len(jobs) == 1 else "shared"
        super().__init__(name=f"undeu-scheduler-{name}", daemon=True)
        self.jobs = jobs
        self.stop = stop
        self.next_run = {job.name: 0.0 for job in jobs}

    def run(self):
        try:
            while not self.stop.is_set():
                now = time.monotonic()
                for job in self.jobs:
                    if now >= self.next_run[job.name]:
                        self.next_run[job.name] = now + job.every_seconds
                        self.run_job(job)
                self.stop.wait(0.5)
        finally:
            connection.close()

    def run_job(self, job):
        close_old_connections()
        try:
            job.run()
        except Exception:
            logger.exception("periodic job %s failed; it will run again", job.name)


class Sender(threading.Thread):
    """Sends due outbox messages; looks again at once after a full batch, else after a pause."""

    def __init__(self, stop: threading.Event):
        super().__init__(name="undeu-sender", daemon=True)
        self.stop = stop

    def run(self):
        try:
            while not self.stop.is_set():
                close_old_connections()
                try:
                    full = send_batch() >= settings.UNDEU_MAIL_BATCH
                except Exception:
                    logger.exception("sending the outbox failed; trying again")
                    full = False
                if not full:
                    self.stop.wait(settings.UNDEU_MAIL_POLL_SECONDS)
        finally:
            connection.close()


class Command(BaseCommand):
    help = "Run background tasks (emails) and periodic jobs (counts, retries)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.2, help="Seconds between polls.")
        parser.add_argument(
            "--no-periodic", action="store_true", help="Only run tasks, not periodic jobs."
        )
        parser.add_argument(
            "--nice",
            type=int,
            default=settings.UNDEU_WORKER_NICE,
            help="CPU priority to lower the worker by (0: as the web server).",
        )

    def handle(self, *args, interval, no_periodic, nice, **options):
        if nice > 0:
            lower_priority(nice)
        stop = threading.Event()
        Sender(stop).start()
        if not no_periodic:
            for jobs in scheduled_together(PERIODIC_JOBS):
                Scheduler(jobs, stop).start()
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self.stdout.write("Worker started.")
        try:
            run_until_stopped(worker)
        finally:
            stop.set()


def lower_priority(nice: int, autogroup: Path = Path("/proc/self/autogroup")) -> None:
    """Lower this process's CPU priority, and its autogroup's where Linux has one.

    Linux puts each session (the worker is started in its own, so `serve` can stop it as a
    group) in an autogroup, and shares the CPU fairly between autogroups before a process's nice
    value counts, so nice alone left the worker half the CPU beside the web server (measured:
    1.4 of 2 cores during a signing surge). An autogroup's own nice value is what weighs.
    """
    os.nice(nice)
    # No autogroups (a cgroup-managed service), or not allowed: the nice value stands.
    with contextlib.suppress(OSError):
        autogroup.write_text(str(nice))


def run_until_stopped(worker) -> None:
    """Run the task loop; a database that is busy for longer than its timeout (SQLite held by a
    long migration or bulk job) is waited out instead of stopping the worker, and with it
    `serve`."""
    while True:
        try:
            worker.run()
            return
        except OperationalError as exc:
            if not worker.running:
                return
            logger.warning("the database is unavailable (%s); trying again in a second", exc)
            time.sleep(1)
