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


def test_the_worker_lowers_its_autogroup_too(monkeypatch, tmp_path):
    # Linux shares the CPU between autogroups (one per session) before nice values count.
    from undeu.mail.management.commands import worker

    niced = []
    monkeypatch.setattr(worker.os, "nice", niced.append)
    autogroup = tmp_path / "autogroup"
    autogroup.write_text("/autogroup-7 nice 0\n")
    worker.lower_priority(19, autogroup)
    assert niced == [19]
    assert autogroup.read_text() == "19"


def test_no_autogroup_leaves_the_nice_value_alone(monkeypatch, tmp_path):
    from undeu.mail.management.commands import worker

    niced = []
    monkeypatch.setattr(worker.os, "nice", niced.append)
    worker.lower_priority(19, tmp_path / "missing" / "autogroup")
    assert niced == [19]


def test_the_web_server_runs_processes_of_one_thread_by_default(monkeypatch):
    from undeu.core.management.commands import serve

    sqlite, postgresql = "undeu.core.sqlite", "undeu.core.postgresql"
    monkeypatch.setattr(serve.os, "sched_getaffinity", lambda pid: {0, 1})
    assert serve.default_workers(sqlite) == 2
    # One more on PostgreSQL, to fill each process's waits for the database.
    assert serve.default_workers(postgresql) == 3
    monkeypatch.setattr(serve.os, "sched_getaffinity", lambda pid: {0})
    assert serve.default_workers(sqlite) == 2
    monkeypatch.setattr(serve.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert serve.default_workers(sqlite) == 4
    assert serve.default_workers(postgresql) == 5
    monkeypatch.setattr(serve.os, "sched_getaffinity", lambda pid: set(range(64)))
    assert serve.default_workers(sqlite) == 8
    assert serve.default_workers(postgresql) == 9


def test_the_web_server_takes_its_default_from_the_configured_database(monkeypatch, settings):
    from undeu.core.management.commands import serve

    monkeypatch.setattr(serve.os, "sched_getaffinity", lambda pid: {0, 1})
    engine = settings.DATABASES["default"]["ENGINE"]
    assert serve.default_workers() == (3 if "postgresql" in engine else 2)


def test_the_wal_checkpoint_has_a_scheduler_thread_of_its_own():
    from undeu.core.periodic import PERIODIC_JOBS, scheduled_together

    groups = scheduled_together(PERIODIC_JOBS)
    assert [job.name for job in groups[0]] == ["sqlite-checkpoint"]
    assert sorted(job.name for group in groups for job in group) == sorted(
        job.name for job in PERIODIC_JOBS
    )
    assert len(groups) == 2


def test_a_long_job_does_not_hold_back_a_job_that_runs_alone():
    """A recount of millions of signatures takes seconds; the checkpoint must go on meanwhile."""
    import threading
    import time

    from undeu.core.periodic import PeriodicJob, scheduled_together
    from undeu.mail.management.commands.worker import Scheduler

    long_job_running, quick_runs = threading.Event(), []

    def long_job():
        long_job_running.set()
        time.sleep(3.5)

    jobs = [
        PeriodicJob("long", 100, long_job),
        PeriodicJob("quick", 0.1, lambda: quick_runs.append(time.monotonic()), alone=True),
    ]
    stop = threading.Event()
    schedulers = [Scheduler(group, stop) for group in scheduled_together(jobs)]
    for scheduler in schedulers:
        scheduler.start()
    try:
        assert long_job_running.wait(5)
        started = len(quick_runs)
        time.sleep(2.6)
        # The scheduler looks every 0.5 s: about 5 runs in 2.6 s, all during the long job (with
        # one thread for both, none); 3 leaves room for a slow machine.
        assert len(quick_runs) - started >= 3
    finally:
        stop.set()
        for scheduler in schedulers:
            scheduler.join(5)
