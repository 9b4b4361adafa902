"""Run the production application server (granian, WSGI) and the worker together.

This is what `make run` starts and what an operator can run under a process supervisor. Ctrl-C
(or SIGTERM) stops both; if either dies the other is stopped too, so a supervisor sees it.
"""

import contextlib
import os
import signal
import subprocess  # nosec B404 # it starts our own server and worker, with our arguments
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


def default_workers(engine: str | None = None) -> int:
    """One process of one thread per CPU (at least 2, at most 8), and one more on PostgreSQL.

    Processes rather than threads: threads of one process share the GIL, and a thread that
    holds SQLite's write turn waits for the GIL behind the others. On SQLite one per CPU: the
    writers take turns anyway, and on 2 CPUs signing reached 1,451 to 1,512 signatures/s with 2
    processes against 1,299 to 1,383 with 3 (the task worker running). On PostgreSQL a process
    waits for the database on every statement, and one more process fills those waits: 782 to
    872 with 3 against 701 to 715 with 2 and 736 to 754 with 4 (docs/performance.md).
    """
    engine = engine or settings.DATABASES["default"]["ENGINE"]
    cpus = max(2, min(8, len(os.sched_getaffinity(0))))
    return cpus + 1 if "postgresql" in engine else cpus


class Command(BaseCommand):
    help = "Serve the site with granian and run the background worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_WORKERS", 0)) or None,
            help="Web worker processes (default: one per CPU, 2 to 8, and one more on PostgreSQL).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", "1")),
            help="Blocking threads per web worker.",
        )
        parser.add_argument("--no-worker", action="store_true", help="Serve the site only.")

    def handle(self, *args, host, port, workers, threads, no_worker, **options):
        python = sys.executable
        web = [
            python,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers or default_workers()),
            "--blocking-threads",
            str(threads),
            "--no-access-log",
            "--respawn-failed-workers",
            "undeu.wsgi:application",
        ]
        manage = str(settings.BASE_DIR / "manage.py")
        # Each child gets its own process group: Ctrl-C in a terminal reaches only this process,
        # which then stops each child once and in order (granian does not shut down cleanly when
        # its workers receive the terminal's SIGINT directly), and can kill a whole group that
        # does not stop in time. Our own commands and arguments, never through a shell.
        children = [subprocess.Popen(web, start_new_session=True)]  # noqa: S603  # nosec B603
        if not no_worker:
            worker = subprocess.Popen([python, manage, "worker"], start_new_session=True)  # noqa: S603  # nosec B603
            children.append(worker)

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        shown = host if ":" not in host else f"[{host}]"
        self.stdout.write(f"Undeu is running on http://{shown}:{port}/  (Ctrl-C stops it)")
        if settings.UNDEU_MAIL == "local":
            self.stdout.write(
                f"Emails are not sent in this mode: read them on http://{shown}:{port}/dev/mail/"
                f" (files in {settings.EMAIL_FILE_PATH})"
            )
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)  # and anything it left behind
        if not stopping:
            raise SystemExit(1)
