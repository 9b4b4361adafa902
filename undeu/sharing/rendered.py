"""Generated files (share pictures, posters, QR codes) kept in the shared cache.

A share picture shows the count, so it goes stale; making one costs tens of milliseconds and a
poster hundreds, too much to do for every request of a surge (a link shared to a big group makes
every messenger fetch the picture at once). So each is made at most once per `seconds` per
petition and language, across every process when the cache is Redis: when a copy is older, one
request (the one that wins a cache add()) makes the new one while the others keep answering with
the old copy, which stays in the cache for STALE_FACTOR times as long.
"""

import time
from collections.abc import Callable

from django.core.cache import cache

STALE_FACTOR = 4
# How long the request making a new copy holds the claim; another one may try after.
CLAIM_SECONDS = 30


def cached_bytes(key: str, seconds: int, make: Callable[[], bytes]) -> bytes:
    if seconds <= 0:
        return make()
    key = f"sharing:{key}"
    stored = cache.get(key)
    now = time.time()
    if stored is not None:
        made_at, data = stored
        if now < made_at + seconds or not cache.add(f"{key}:claim", 1, CLAIM_SECONDS):
            return data
    data = make()
    cache.set(key, (now, data), seconds * STALE_FACTOR)
    cache.delete(f"{key}:claim")
    return data
