"""The background worker: runs queued tasks and the periodic jobs.

The task loop is django-tasks-db's own worker. Beside it a scheduler thread runs the periodic
jobs (the outbox sweep, the count refresh and recount). Each job is safe to run in several
workers at once, so an operator can run as many workers as they like.
"""

import logging
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from undeu.core.periodic import PERIODIC_JOBS

logger = logging.getLogger("undeu.worker")


class Scheduler(threading.Thread):
    def __init__(self, jobs, stop: threading.Event):
        super().__init__(name="undeu-scheduler", daemon=True)
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


class Command(BaseCommand):
    help = "Run background tasks (emails) and periodic jobs (counts, retries)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.2, help="Seconds between polls.")
        parser.add_argument(
            "--no-periodic", action="store_true", help="Only run tasks, not periodic jobs."
        )

    def handle(self, *args, interval, no_periodic, **options):
        stop = threading.Event()
        if not no_periodic:
            Scheduler(PERIODIC_JOBS, stop).start()
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
            worker.run()
        finally:
            stop.set()
