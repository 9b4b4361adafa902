"""Open data: every public petition and its aggregate counts as petitions.csv and petitions.json,
written once a day by the worker (core/periodic.py) under UNDEU_VAR_DIR/open-data/.

Each file is written beside its final name and renamed over it, so a reader gets the old file or
the new one, never half of one, and two workers writing at once each leave a whole file. A file
younger than a day is left as it is, so the job can run as often as the worker likes. Nothing is
read from the signatures: counts come from the count shards, as on the pages. The CSV's text
cells are made inert for spreadsheets (delivery/package_csv.py). Counts by country and region
come from the tallies (stats/tallies.py), never from the signatures.
"""

import csv
import io
import json
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from undeu.api import reading
from undeu.delivery.package_csv import BOM, inert
from undeu.petitions.models import Petition
from undeu.signatures.counting import stored_count

FILES = ("petitions.csv", "petitions.json")
REFRESH_SECONDS = 24 * 3600
BATCH = 500


def directory() -> Path:
    return Path(settings.VAR_DIR) / "open-data"


def path_of(name: str) -> Path:
    if name not in FILES:
        raise ValueError(name)
    return directory() / name


def records() -> list[dict]:
    """Every public petition as the API's detail shows it, in the order they were published."""
    base_url = settings.SITE_URL
    petitions = (
        Petition.objects.public()
        .order_by("published_at", "id")
        .prefetch_related("versions", "targets")
    )
    return [
        reading.detail(petition, base_url, count=stored_count(petition.pk))
        for petition in petitions.iterator(chunk_size=BATCH)
    ]


def as_json(found: list[dict], generated_at) -> bytes:
    document = {
        "generated_at": generated_at,
        "licence": settings.UNDEU_OPEN_DATA_LICENCE,
        "licence_url": settings.UNDEU_OPEN_DATA_LICENCE_URL,
        "petitions": found,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


CSV_COLUMNS = [
    "id", "slug", "url", "state", "primary_language", "languages",
    "title_kk", "title_ru", "title_en", "demand_kk", "demand_ru", "demand_en",
    "targets", "starter_name", "published_at", "closed_at", "deadline", "count",
    "counts_by_country", "counts_by_region", "thresholds_reached",
    "delivered_at", "outcome", "outcome_at",
]  # fmt: skip


def _pairs(counts: dict[str, int]) -> str:
    return " ".join(f"{key}:{count}" for key, count in counts.items())


def _csv_row(record: dict) -> list:
    versions = {v["language"]: v for v in record["versions"]}
    dates = {
        name: value.isoformat() if value else ""
        for name, value in (
            ("published_at", record["published_at"]),
            ("closed_at", record["closed_at"]),
            ("deadline", record["deadline"]),
            ("delivered_at", record["result"]["delivered_at"]),
            ("outcome_at", record["result"]["recorded_at"]),
        )
    }
    row = {
        "id": record["id"],
        "slug": record["slug"],
        "url": record["url"],
        "state": record["state"],
        "primary_language": record["primary_language"],
        "languages": " ".join(record["languages"]),
        **{
            f"{field}_{language}": inert(versions[language][field]) if language in versions else ""
            for field in ("title", "demand")
            for language in ("kk", "ru", "en")
        },
        "targets": inert(" | ".join(target["name"] for target in record["targets"])),
        "starter_name": inert(record["starter_name"]),
        "count": record["count"],
        # "KZ:120 RU:14": codes and numbers only, so nothing to make inert.
        "counts_by_country": _pairs(record["counts_by_country"]),
        "counts_by_region": _pairs(record["counts_by_region"]),
        "thresholds_reached": " ".join(t["name"] for t in record["thresholds"] if t["reached"]),
        "outcome": record["outcome"] or "",
        **dates,
    }
    return [row[column] for column in CSV_COLUMNS]


def as_csv(found: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for record in found:
        writer.writerow(_csv_row(record))
    return (BOM + out.getvalue()).encode()


def replace_atomically(path: Path, content: bytes) -> None:
    """Write `content` to a new file in the same directory and rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # read by the web server, which may be another user
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def is_fresh(now: float | None = None) -> bool:
    now = time.time() if now is None else now
    try:
        return all(now - path_of(name).stat().st_mtime < REFRESH_SECONDS for name in FILES)
    except FileNotFoundError:
        return False


def publish(*, force: bool = False) -> bool:
    """Write both files unless they are less than a day old; True when they were written."""
    if not force and is_fresh():
        return False
    found = records()
    generated_at = timezone.now()
    replace_atomically(path_of("petitions.json"), as_json(found, generated_at))
    replace_atomically(path_of("petitions.csv"), as_csv(found))
    return True
