"""Open data: the daily petitions.csv and petitions.json, written atomically, served with
validators and CORS, described on a translated page, and never holding anything about a signer."""

import csv
import io
import json
import os
import time

import pytest
from django.core.management import call_command
from django.test import Client

from tests.api_world import make_api_world, personal_strings
from undeu.api import opendata
from undeu.core.periodic import PERIODIC_JOBS

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_petition, settings, no_limits, tmp_path):
    settings.VAR_DIR = tmp_path
    return make_api_world(make_petition, settings)


def published() -> tuple[dict, list[list[str]]]:
    document = json.loads(opendata.path_of("petitions.json").read_bytes())
    text = opendata.path_of("petitions.csv").read_bytes().decode()
    assert text.startswith("\ufeff")  # so Excel reads it as UTF-8
    return document, list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_files_hold_every_public_petition_and_nothing_else(world, settings):
    settings.UNDEU_OPEN_DATA_LICENCE = "ODbL 1.0"
    assert opendata.publish() is True
    document, rows = published()
    assert document["licence"] == "ODbL 1.0"
    by_slug = {petition["slug"]: petition for petition in document["petitions"]}
    assert set(by_slug) == {"park", "river", "formula"}
    assert by_slug["park"]["count"] == 3 and by_slug["river"]["count"] == 2
    assert by_slug["river"]["result"]["result"] == "victory"
    assert [v["language"] for v in by_slug["park"]["versions"]] == ["kk", "en", "ru"]
    assert by_slug["park"]["thresholds"][0]["reached"] is True

    header, *lines = rows
    assert header == opendata.CSV_COLUMNS
    assert {line[header.index("slug")] for line in lines} == {"park", "river", "formula"}
    park = next(line for line in lines if line[1] == "park")
    assert park[header.index("count")] == "3"
    assert park[header.index("languages")] == "kk en ru"
    assert park[header.index("title_ru")] == 'Сохраним парк <script>alert("x")</script>'
    assert park[header.index("thresholds_reached")] == "response"
    assert park[header.index("counts_by_country")] == "KZ:2 RU:1"
    assert park[header.index("counts_by_region")] == "KZ-19:1 KZ-75:1"
    assert by_slug["park"]["counts_by_country"] == {"KZ": 2, "RU": 1}


def test_the_csv_cannot_run_as_a_spreadsheet_formula(world):
    opendata.publish()
    _, (header, *lines) = published()
    formula = next(line for line in lines if line[1] == "formula")
    assert formula[header.index("title_en")] == '\'=HYPERLINK("http://evil.example","x")'
    assert formula[header.index("demand_en")] == "'+1 @SUM(1+1) -2"
    for line in lines:
        for cell in line[6:14]:  # titles, demands and targets: what people typed
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_files_hold_nothing_about_one_signer(world):
    opendata.publish()
    secrets = personal_strings()
    for name in opendata.FILES:
        text = opendata.path_of(name).read_bytes().decode()
        for secret in secrets:
            assert secret not in text and json.dumps(secret)[1:-1] not in text, (name, secret)


def test_the_job_writes_once_a_day(world):
    assert opendata.publish() is True
    assert opendata.publish() is False  # fresh: left as it is
    day_old = time.time() - opendata.REFRESH_SECONDS - 1
    for name in opendata.FILES:
        os.utime(opendata.path_of(name), (day_old, day_old))
    assert opendata.publish() is True
    assert any(job.run is opendata.publish for job in PERIODIC_JOBS)


def test_a_file_is_replaced_whole_or_not_at_all(world, monkeypatch):
    opendata.publish()
    path = opendata.path_of("petitions.json")
    before = path.read_bytes()
    reader = path.open("rb")  # a download in progress keeps reading the file it opened

    def broken_disk(descriptor):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_disk)
    with pytest.raises(OSError):
        opendata.publish(force=True)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(opendata.FILES)  # no leftovers

    monkeypatch.undo()
    opendata.replace_atomically(path, b'{"new": true}')
    assert path.read_bytes() == b'{"new": true}'
    assert reader.read() == before
    reader.close()


def test_the_files_are_served_with_validators_and_cors(world):
    client = Client()
    assert client.get("/open-data/petitions.json").status_code == 404  # not written yet
    opendata.publish()
    for name, content_type in (
        ("petitions.csv", "text/csv"),
        ("petitions.json", "application/json"),
    ):
        response = client.get(f"/open-data/{name}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith(content_type)
        assert b"".join(response.streaming_content) == opendata.path_of(name).read_bytes()
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "public" in response["Cache-Control"] and not response.cookies
        again = client.get(f"/open-data/{name}", headers={"If-None-Match": response["ETag"]})
        assert again.status_code == 304
        since = client.get(
            f"/open-data/{name}", headers={"If-Modified-Since": response["Last-Modified"]}
        )
        assert since.status_code == 304
    assert client.get("/open-data/secrets.txt").status_code == 404
    assert client.get("/open-data/..%2Fsecret_key").status_code == 404


@pytest.mark.parametrize(
    ("language", "heading", "licence_sentence"),
    [
        ("en", "Open data", "You may reuse the data under the licence"),
        ("ru", "Открытые данные", "Данные можно использовать по лицензии"),
        ("kk", "Ашық деректер", "Деректерді"),
    ],
)
def test_the_page_says_what_is_published_and_under_what_licence(
    world, settings, language, heading, licence_sentence
):
    settings.UNDEU_OPEN_DATA_LICENCE = "CC BY-SA 4.0"
    opendata.publish()
    response = Client().get(f"/{language}/open-data/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page and licence_sentence in page
    assert "CC BY-SA 4.0" in page
    assert 'href="/open-data/petitions.csv"' in page and 'href="/open-data/petitions.json"' in page
    assert f'href="/{language}/api/"' in page


def test_an_operator_can_write_the_files_at_once(world):
    out = io.StringIO()
    call_command("publish_open_data", stdout=out)
    assert str(opendata.directory()) in out.getvalue()
    assert all(opendata.path_of(name).exists() for name in opendata.FILES)
