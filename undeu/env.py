"""Typed readers for settings that come from the environment.

Every setting an operator can change is read here, so a bad value fails at
start-up with a message that names the variable instead of surfacing later as
a confusing error in a request.
"""

import ipaddress
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number; got {raw!r}") from None
    if value != value or (minimum is not None and value < minimum):  # NaN, or too small
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {raw!r}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (for Docker/systemd secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE points to {path!r}, which cannot be read: {exc}"
            ) from None
    return os.environ.get(name, default)


def env_thresholds(name: str, default: str) -> list[tuple[int, str]]:
    """Signature counts that change what a petition's page says, as "10000:response,100000:debate".

    Returns (count, name) pairs sorted by count. An empty value means no thresholds.
    """
    raw = os.environ.get(name, default)
    thresholds: dict[str, int] = {}
    for item in raw.split(","):
        if not item.strip():
            continue
        count, _, label = (part.strip() for part in item.partition(":"))
        valid_count = count.isascii() and count.isdigit() and int(count) > 0
        valid_name = label.replace("_", "").isascii() and label.replace("_", "").isalnum()
        if not valid_count or not valid_name or len(label) > 40:
            raise ImproperlyConfigured(
                f"{name} must look like 10000:response,100000:debate (a positive count, a colon,"
                f" a name of up to 40 letters, digits or _); got {item.strip()!r}"
            )
        if label in thresholds:
            raise ImproperlyConfigured(f"{name} names {label!r} more than once")
        thresholds[label] = int(count)
    return sorted(((count, label) for label, count in thresholds.items()), key=lambda t: t[0])


_RATE_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def env_rates(name: str, default: str) -> list[tuple[int, int]]:
    """Rate limits as "10/minute,100/day": (count, seconds) pairs, shortest window first.

    A count of 0 or an empty value means no limit. The units are second, minute, hour and day,
    optionally with a number in front ("30/10minute" is 30 in ten minutes).
    """
    raw = os.environ.get(name, default)
    rates = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        count, _, unit = (part.strip() for part in item.partition("/"))
        digits = len(unit) - len(unit.lstrip("0123456789"))
        multiple, unit = unit[:digits], unit[digits:].strip().removesuffix("s")
        valid = count.isascii() and count.isdigit() and unit in _RATE_UNITS
        valid = valid and (not multiple or int(multiple) > 0)
        if not valid:
            raise ImproperlyConfigured(
                f"{name} must look like 10/minute,100/day (a count, a slash, and second, minute,"
                f" hour or day, optionally with a number before it); got {item!r}"
            )
        if int(count) > 0:
            rates.append((int(count), int(multiple or 1) * _RATE_UNITS[unit]))
    return sorted(rates, key=lambda rate: rate[1])


def env_mapping(name: str, default: str) -> dict[str, str]:
    """Pairs as "googlemail.com=gmail.com,ya.ru=yandex.ru", lower-cased."""
    raw = os.environ.get(name, default)
    mapping = {}
    for item in raw.split(","):
        if not item.strip():
            continue
        key, equals, value = (part.strip().lower() for part in item.partition("="))
        if not key or not equals or not value:
            raise ImproperlyConfigured(
                f"{name} must look like googlemail.com=gmail.com,ya.ru=yandex.ru; got {item!r}"
            )
        mapping[key] = value
    return mapping


def env_ip_ports(name: str, *, default_port: int) -> list[tuple[str, int]]:
    """IP addresses, each with an optional port, as "10.0.0.53,10.0.0.54:5353,[2001:db8::53]:53";
    an empty value means none. Addresses only: a host name would itself need resolving."""
    pairs = []
    for item in env_list(name):
        try:
            pairs.append(_ip_port(item, default_port))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must look like 10.0.0.53,10.0.0.54:5353,[2001:db8::53]:53 (IP addresses,"
                f" each optionally with a port); got {item!r}"
            ) from None
    return pairs


def _ip_port(item: str, default_port: int) -> tuple[str, int]:
    if item.startswith("["):  # [IPv6] or [IPv6]:port
        address, bracket, rest = item[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(item)
        port = rest[1:] if rest else str(default_port)
    elif item.count(":") == 1:  # IPv4:port
        address, _, port = item.partition(":")
    else:  # IPv4, or a bare IPv6 address
        address, port = item, str(default_port)
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(item)
    return str(ipaddress.ip_address(address)), int(port)


def env_fernet_keys(name: str) -> tuple[str, ...]:
    """Fernet keys from NAME, or from the file named by NAME_FILE: newest first, separated by
    commas or whitespace (one a line in a file). Empty when unset; each must be a real key (32
    random bytes in URL-safe base64, as `Fernet.generate_key()` makes)."""
    from cryptography.fernet import Fernet

    keys = tuple(key for key in env_secret(name).replace(",", " ").split())
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must hold Fernet keys (32 random bytes in URL-safe base64, e.g. from"
                f" `manage.py rotate_signer_keys --new-key`), newest first, separated by commas;"
                f" key number {position} is not one"
            ) from None
    if len(set(keys)) != len(keys):
        raise ImproperlyConfigured(f"{name} names the same key more than once")
    return keys


def derived_fernet_key(secret: str, purpose: str) -> str:
    """A Fernet key derived from a secret with HKDF-SHA256 (RFC 5869), a different one per
    purpose: a development default, never a production key (its secret may be rotated)."""
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode())).decode()
