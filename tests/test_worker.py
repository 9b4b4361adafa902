"""The worker command's own behaviour (its loops run for real in the browser and crash tests)."""

from django.db import OperationalError

from undeu.mail.management.commands.worker import run_until_stopped


class FlakyWorker:
    """Fails like django-tasks-db's loop does when SQLite stays locked, then runs and stops."""

    def __init__(self, failures: int):
        self.failures = failures
        self.running = True
        self.runs = 0

    def run(self):
        self.runs += 1
        if self.runs <= self.failures:
            raise OperationalError("database is locked")
        self.running = False


def test_a_locked_database_is_waited_out_not_fatal(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    worker = FlakyWorker(failures=2)
    run_until_stopped(worker)
    assert worker.runs == 3


def test_a_worker_told_to_stop_does_not_start_again(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    worker = FlakyWorker(failures=5)
    worker.running = False
    run_until_stopped(worker)
    assert worker.runs == 1
