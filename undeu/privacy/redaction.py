"""Keeping emails, names and tokens out of the logs, whatever writes to them.

The code never logs personal data on purpose; this filter (on the log handler, so it sees every
logger's records) catches what gets there by accident:

- SQL logged by django.db.backends (at DEBUG, or with DEBUG on) carries every value of every
  statement, the signer's name, email and confirmation token among them, both in the SQL (the
  database's own rendering, values quoted inline) and in its parameters: every quoted literal
  is replaced by '…' and the parameters are dropped;
- anything that looks like an email address becomes [email];
- any run of 32 or more URL-safe characters (a confirmation or unsubscribe token, a digest,
  a key) becomes [token], so a path such as /kk/confirm/<token>/ logged by django.request
  loses its secret;
- exception text and stack traces are redacted the same way (an SMTP error names its
  recipient).

A name outside SQL cannot be recognised as such: it must simply never be logged, which
tests/test_privacy_logs.py checks over a whole signing path.
"""

import logging
import re

EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,}")
_IDENTIFIER = re.compile(r"\w")
_EXCEPTIONS = logging.Formatter()


def redact_text(text: str) -> str:
    return TOKEN.sub("[token]", EMAIL.sub("[email]", text))


def redact_sql(sql: str) -> str:
    """The statement with every quoted literal replaced by '…'.

    PostgreSQL's E'...' strings take backslash escapes, standard strings double their quotes;
    an unterminated literal is redacted to the end, so a parsing surprise hides too much rather
    than too little.
    """
    parts = []
    i, end = 0, len(sql)
    while i < end:
        quote = sql.find("'", i)
        if quote < 0:
            parts.append(sql[i:])
            break
        before = sql[quote - 1] if quote > 0 else ""
        escapes = before in ("e", "E") and (quote < 2 or not _IDENTIFIER.match(sql[quote - 2]))
        parts.append(sql[i:quote])
        j = quote + 1
        while j < end:
            if escapes and sql[j] == "\\":
                j += 2
                continue
            if sql[j] == "'":
                if j + 1 < end and sql[j + 1] == "'":
                    j += 2
                    continue
                break
            j += 1
        parts.append("'…'")
        i = j + 1
    return "".join(parts)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "sql"):
            self._redact_sql(record)
        else:
            try:
                message = record.getMessage()
            except Exception:  # a broken format string must not lose the record
                message = f"{record.msg} {record.args!r}"
            record.msg, record.args = redact_text(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _EXCEPTIONS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True

    @staticmethod
    def _redact_sql(record: logging.LogRecord) -> None:
        sql = redact_text(redact_sql(str(record.sql or "")))
        values = "[redacted]" if getattr(record, "params", None) else None
        record.sql, record.params = sql, None
        if hasattr(record, "duration"):
            record.msg = "(%.3f) %s; args=%s; alias=%s"
            record.args = (record.duration, sql, values, getattr(record, "alias", ""))
        else:
            record.msg, record.args = "%s; args=%s", (sql, values)
