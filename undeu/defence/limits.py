"""Rate limits on signing: per address, per network, per email domain and per petition, each
with a burst and a sustained window (UNDEU_LIMIT_PER_*).

A signature over a limit is not refused: it is stored flagged and left out of the count, and its
signer sees the usual pages, so a bot learns nothing from the answer and an honest signer behind
a busy address loses nothing (a moderator can accept them).

Windows are fixed (the minute, the day...), counted where every process sees the same numbers:
in Redis when REDIS_URL is set (one script call per signature), otherwise in the database (one
multi-row UPSERT per signature). On PostgreSQL that UPSERT is its own short transaction, so the
row of a busy petition is never held locked while a signature commits; on SQLite, where writers
take turns anyway, it joins the signature's transaction (`with_signature`), which saves a commit
and a second turn at the write lock per signature. If the store fails, signing goes on
unflagged: a limit must never lose a signature.
"""

import contextlib
import logging
import math
import time
from dataclasses import dataclass
from functools import cache, lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.dispatch import receiver

from undeu.core.prepared import prepared_cursor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    scope: str  # ip, network, domain, petition
    limit: int
    seconds: int

    @property
    def name(self) -> str:
        """What a flagged signature's `flags` says: "network-60s"."""
        return f"{self.scope}-{self.seconds}s"


@cache
def rules() -> tuple[Rule, ...]:
    """The configured rules, built once (every signature asks for them) and again when a
    limit's setting changes."""
    configured = {
        "ip": settings.UNDEU_LIMIT_PER_IP,
        "network": settings.UNDEU_LIMIT_PER_NETWORK,
        "domain": settings.UNDEU_LIMIT_PER_DOMAIN,
        "petition": settings.UNDEU_LIMIT_PER_PETITION,
    }
    return tuple(
        Rule(scope, limit, seconds)
        for scope, rates in configured.items()
        for limit, seconds in rates
    )


@receiver(setting_changed)
def _limits_changed(setting, **kwargs):
    if setting.startswith("UNDEU_LIMIT_PER_"):
        rules.cache_clear()


def tightened(limit: int) -> int:
    return max(1, math.floor(limit * settings.UNDEU_UNDER_ATTACK_LIMIT_FACTOR))


def windows(petition_id: int, values: dict[str, str]) -> list[tuple[Rule, str]]:
    """Each rule that applies to one signature on `petition_id` from `values` (scope -> the
    address, network or domain; an empty value is not counted), with its current window's key:
    worked out before the signature's transaction, which then holds only the count."""
    return [
        (rule, _key(rule, petition_id, values.get(rule.scope, "")))
        for rule in rules()
        if rule.scope == "petition" or values.get(rule.scope)
    ]


def count_over(checked: list[tuple[Rule, str]], *, tight: bool = False) -> list[str]:
    """Add one hit to each window and return the names of the rules gone over."""
    if not checked:
        return []
    hits = count_hits([(key, rule.seconds) for rule, key in checked])
    return [
        rule.name
        for (rule, key) in checked
        if hits[key] > (tightened(rule.limit) if tight else rule.limit)
    ]


def count_hits(keys: list[tuple[str, int]]) -> dict[str, int]:
    """Add one hit to each (key, window seconds) and return each key's hits in its window so
    far; all zero if the store fails (a limit must never stop what it limits)."""
    try:
        return _store().hit(keys)
    except Exception:
        logger.exception("the rate-limit store failed; nothing is limited meanwhile")
        return dict.fromkeys((key for key, _seconds in keys), 0)


def with_signature():
    """The transaction to count a signature's hits and then store it in: one for both where the
    database serialises writers (SQLite), none of its own otherwise."""
    if _store().joins_transaction():
        return transaction.atomic()
    return contextlib.nullcontext()


def window_key(name: str, seconds: int) -> str:
    """A key for `name` in the current window of `seconds`. It starts with when the window can
    be forgotten, one window after it ends, in fixed-width seconds since the epoch, so keys
    sort by it (forget_expired)."""
    window = int(time.time()) // seconds
    return f"rl:{(window + 2) * seconds:0{_EXPIRY_DIGITS}d}:{name}:{seconds}"


# Wide enough for any moment until the year 5138.
_EXPIRY_DIGITS = 11


def _key(rule: Rule, petition_id: int, value: str) -> str:
    subject = "" if rule.scope == "petition" else f":{value}"
    return window_key(f"{petition_id}:{rule.scope}{subject}", rule.seconds)


class RedisStore:
    # One round trip and one command for all of a signature's windows; a window's key expires
    # one window after it ends.
    HIT = """
    local hits = {}
    for i, key in ipairs(KEYS) do
      hits[i] = redis.call('INCR', key)
      if hits[i] == 1 then redis.call('EXPIRE', key, ARGV[i]) end
    end
    return hits
    """

    def __init__(self, url: str, prefix: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.script = self.client.register_script(self.HIT)

    def hit(self, keys: list[tuple[str, int]]) -> dict[str, int]:
        hits = self.script(
            keys=[f"{self.prefix}:{key}" for key, _seconds in keys],
            args=[2 * seconds for _key, seconds in keys],
        )
        return {key: int(n) for (key, _seconds), n in zip(keys, hits, strict=True)}

    def joins_transaction(self) -> bool:
        return False

    def clear(self) -> None:
        for key in self.client.scan_iter(f"{self.prefix}:rl:*"):
            self.client.delete(key)


class DatabaseStore:
    def joins_transaction(self) -> bool:
        return connection.vendor == "sqlite"

    def hit(self, keys: list[tuple[str, int]]) -> dict[str, int]:
        # Sorted, so that two signatures lock their shared rows in the same order (PostgreSQL
        # would otherwise be free to deadlock them).
        params = sorted(key for key, _seconds in keys)
        sql = _upsert_sql(len(params))
        # Outside a transaction (PostgreSQL), one statement in autocommit is a transaction of
        # its own: one round trip instead of three (BEGIN, the UPSERT, COMMIT). Inside the
        # signature's transaction on SQLite, a statement that fails undoes only itself and the
        # transaction goes on, so the signature is still stored (unflagged) without a savepoint
        # around this one (two statements more each). Elsewhere a failed statement spoils the
        # transaction around it (in tests, the test's own): a savepoint keeps it usable.
        needs_savepoint = connection.in_atomic_block and connection.vendor != "sqlite"
        with (
            transaction.atomic() if needs_savepoint else contextlib.nullcontext(),
            prepared_cursor() as cursor,
        ):
            cursor.execute(sql, params)
            return dict(cursor.fetchall())

    def clear(self) -> None:
        from undeu.defence.models import RateWindow

        RateWindow.objects.all().delete()


@lru_cache(maxsize=16)
def _upsert_sql(rows: int) -> str:
    """The UPSERT of `rows` windows (built once per number of windows)."""
    from undeu.defence.models import RateWindow

    quote = connection.ops.quote_name
    table, key, hits = (quote(name) for name in (RateWindow._meta.db_table, "key", "hits"))
    values = ", ".join(["(%s, 1)"] * rows)
    # Identifiers from the model's metadata, quoted; every value is a parameter.
    return (
        f"INSERT INTO {table} ({key}, {hits}) VALUES {values}"  # noqa: S608  # nosec B608
        f" ON CONFLICT ({key}) DO UPDATE SET {hits} = {table}.{hits} + 1"
        f" RETURNING {key}, {hits}"
    )


@cache
def _store():
    if settings.REDIS_URL:
        return RedisStore(settings.REDIS_URL, settings.CACHES["default"].get("KEY_PREFIX", ""))
    return DatabaseStore()


def clear() -> None:
    """Forget every count (tests; an operator after a false alarm)."""
    _store().clear()


def forget_expired() -> int:
    """Delete the database's finished windows (a periodic job; Redis expires its own)."""
    from undeu.defence.models import RateWindow

    # Every key starts with "rl:" and the same number of digits, so the keys before this one
    # are the finished windows, in any collation (digits sort the same in all of them).
    now = f"rl:{int(time.time()):0{_EXPIRY_DIGITS}d}"
    deleted, _ = RateWindow.objects.filter(key__lt=now).delete()
    return deleted
