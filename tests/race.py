"""Firing real simultaneous work at the database, to prove a race is closed."""

import threading

from django.db import connection


def simultaneously(count, action):
    """Run `action(i)` in `count` threads released at the same instant; return the results, or
    the exception each raised (so the test can report it)."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = action(i)
        except Exception as exc:  # reported by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results
