"""The starter's path: writing a petition step by step, previewing it, submitting it, changing a
published text (and the public list of changes), the starter's dashboard, and the petition image.

Strings carry markup and Cyrillic on purpose; expected messages are computed from the msgids the
application uses, in the language of the address, so a missing translation fails here too.
"""

import datetime
import io
import re
import struct
import xml.etree.ElementTree as ET
import zlib
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext
from PIL import ExifTags, Image

from tests.race import simultaneously
from undeu.audit.models import AuditEntry
from undeu.petitions.lifecycle import transition
from undeu.petitions.models import Petition, PetitionState, PetitionVersion, Target
from undeu.signatures.models import Signature
from undeu.starting import drafts, targets
from undeu.starting.changes import text_diff
from undeu.starting.deadlines import end_of_day
from undeu.starting.images import MAX_BYTES
from undeu.starting.models import PetitionImageText, PetitionRevision
from undeu.starting.slugs import slug_base, transliterate
from undeu.stats import tallying

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
SCRIPT = "<script>alert('undeu')</script>"
SVG = "{http://www.w3.org/2000/svg}"


# --- The world ------------------------------------------------------------------------------


def make_user(django_user_model, email, *, verified=True):
    # No password (force_login needs none): hashing one with Argon2 would slow every test.
    user = django_user_model.objects.create_user(email.split("@")[0], email, password=None)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


@pytest.fixture
def starter(django_user_model):
    return make_user(django_user_model, "saule@example.com")


@pytest.fixture
def other_user(django_user_model):
    return make_user(django_user_model, "bolat@example.com")


@pytest.fixture
def as_starter(client, starter):
    client.force_login(starter)
    return client


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def new_draft(user, title="Сохраним парк у реки", language="ru", *, complete=True):
    petition = drafts.create_draft(
        user,
        title=title,
        demand="Акимат должен отменить застройку парка.",
        language=language,
        starter_name="Сәуле Қасымова",
    )
    if complete:
        drafts.save_why(petition, user, body="## Почему\n\nПарк — **единственный** в районе.")
        targets.add_decision_maker(petition, user, name="Акимат Алматы", role="", in_languages={})
    petition.refresh_from_db()
    return petition


@pytest.fixture
def draft(starter):
    return new_draft(starter)


def message(language, text, *args):
    with translation.override(language):
        if args:
            return ngettext(text, *args)
        return gettext(text)


def html(response) -> str:
    return response.content.decode()


def url(name, petition, language="en", *extra) -> str:
    suffix = {
        "what": "what/",
        "why": "why/",
        "targets": "targets/",
        "versions": "versions/",
        "image": "image/",
        "details": "details/",
        "review": "review/",
        "preview": "preview/",
        "submit": "submit/",
        "submitted": "submitted/",
    }[name]
    return f"/{language}/start/{petition.pk}/{suffix}" + "".join(extra)


def post_form(client, address, data):
    """POST urlencoded, as a browser sends these forms."""
    return client.post(address, urlencode(data), content_type=FORM)


# --- The whole flow through the views -------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, draft):
    for address in ("/en/start/", "/en/my/petitions/", url("review", draft), url("preview", draft)):
        response = client.get(address)
        assert response.status_code == 302, address
        assert "next=" in response["Location"], address


def test_starting_a_petition_step_by_step(as_starter, starter):
    # a. what you ask, and the language of this first version
    page = as_starter.get("/en/start/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in html(page)
    assert "no-store" in page["Cache-Control"]
    response = post_form(
        as_starter,
        "/en/start/",
        {
            "title": "Саябақты сақтайық",
            "demand": "Әкімдік саябақты сақтауы керек.",
            "language": "kk",
            "starter_name": "Сәуле Қасымова",
        },
    )
    petition = Petition.objects.get(starter=starter)
    assert response.status_code == 303
    assert response["Location"] == f"/en/start/{petition.pk}/why/"
    assert petition.state == PetitionState.DRAFT
    assert petition.slug == "sayabaqty-saqtayyq"
    assert petition.primary_language == "kk"
    assert petition.deadline == end_of_day(timezone.localdate() + datetime.timedelta(days=180))

    # b. why, with help on Markdown
    page = html(as_starter.get(url("why", petition)))
    assert "**" in page and "Markdown" in page
    response = post_form(as_starter, url("why", petition), {"body": "Саябақ — **жалғыз**."})
    assert response["Location"] == url("targets", petition)

    # c. targets, one with names of its own in two languages
    response = post_form(
        as_starter,
        url("targets", petition),
        {
            "name": "Akimat of Almaty",
            "role": "",
            "name_kk": "Алматы әкімдігі",
            "name_ru": "Акимат Алматы",
            "role_ru": "городская власть",
        },
    )
    assert response.status_code == 303
    rows = {t.language: (t.name, t.role) for t in Target.objects.filter(petition=petition)}
    assert rows == {
        "kk": ("Алматы әкімдігі", ""),
        "ru": ("Акимат Алматы", "городская власть"),
        "en": ("Akimat of Almaty", ""),
    }
    assert "Алматы әкімдігі" in html(as_starter.get(url("targets", petition)))

    # d. language versions: add Russian
    assert "Not written" in html(as_starter.get(url("versions", petition)))
    response = post_form(
        as_starter,
        url("versions", petition, "en", "ru/"),
        {"title": "Сохраним парк", "demand": "Акимат должен сохранить парк.", "body": "Парк."},
    )
    assert response["Location"] == url("versions", petition)
    assert set(petition.versions.values_list("language", flat=True)) == {"kk", "ru"}
    assert not PetitionRevision.objects.exists()  # drafts keep no revisions

    # f, g. video and deadline
    deadline = timezone.localdate() + datetime.timedelta(days=60)
    response = post_form(
        as_starter,
        url("details", petition),
        {"video_url": "https://youtu.be/dQw4w9WgXcQ", "deadline": deadline.isoformat()},
    )
    assert response["Location"] == url("review", petition)
    petition.refresh_from_db()
    assert petition.video_url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert petition.deadline == end_of_day(deadline)

    # review, then submit
    review = html(as_starter.get(url("review", petition)))
    assert url("preview", petition) in review and "/p/sayabaqty-saqtayyq/" in review
    response = as_starter.post(url("submit", petition))
    assert response.status_code == 303
    assert response["Location"] == url("submitted", petition)
    petition.refresh_from_db()
    assert petition.state == PetitionState.SUBMITTED and petition.submitted_at
    entry = AuditEntry.objects.get(action="petition.submit")
    assert entry.actor == starter and entry.petition == petition
    page = html(as_starter.get(response["Location"]))
    assert escape(message("en", "Awaiting moderation")) in page
    assert escape(message("en", "What happens next")) in page
    # The review page of a submitted petition leads to what happens next.
    assert as_starter.get(url("review", petition))["Location"] == url("submitted", petition)


def test_every_step_page_renders_in_every_language(as_starter, draft):
    for language in ("kk", "ru", "en"):
        for step in ("what", "why", "targets", "versions", "image", "details", "review"):
            response = as_starter.get(url(step, draft, language))
            assert response.status_code == 200, (language, step)
            assert f'<html lang="{language}">' in html(response)
            assert 'aria-current="step"' in html(response)
        assert as_starter.get(f"/{language}/start/").status_code == 200
        assert as_starter.get(url("versions", draft, language, "en/")).status_code == 200


def test_a_draft_is_kept_and_resumed(client, starter):
    petition = new_draft(starter, complete=False)
    client.force_login(starter)
    client.logout()
    client.force_login(starter)
    start = html(client.get("/en/start/"))
    # The draft is listed, and leads to the first step still to do.
    assert escape(message("en", "Your unfinished drafts")) in start
    assert f'href="{url("why", petition)}"' in start
    what = html(client.get(url("what", petition)))
    assert 'value="Сохраним парк у реки"' in what
    assert "Акимат должен отменить застройку парка." in what
    drafts.save_why(petition, starter, body="Потому что.")
    dashboard = html(client.get("/en/my/petitions/"))
    assert f'href="{url("targets", petition)}"' in dashboard


def test_changing_the_title_of_a_draft_changes_its_address(as_starter, draft):
    assert draft.slug == "sokhranim-park-u-reki"
    post_form(
        as_starter,
        url("what", draft),
        {
            "title": "Сохраним сквер",
            "demand": "Акимат должен.",
            "language": "ru",
            "starter_name": "Сәуле",
        },
    )
    draft.refresh_from_db()
    assert draft.slug == "sokhranim-skver"
    assert draft.versions.get().title == "Сохраним сквер"


def test_the_first_language_can_move_only_to_a_free_language(as_starter, starter, draft):
    PetitionVersion.objects.create(petition=draft, language="kk", title="Т", demand="Д", body="Б")
    data = {"title": "Сохраним парк", "demand": "Д", "starter_name": "Сәуле"}
    response = post_form(as_starter, url("what", draft), {**data, "language": "kk"})
    assert response.status_code == 400
    assert escape(
        message("en", "There is already a version in this language. Edit it under Languages.")
    ) in html(response)
    PetitionVersion.objects.filter(petition=draft, language="kk").delete()
    assert post_form(as_starter, url("what", draft), {**data, "language": "en"}).status_code == 303
    draft.refresh_from_db()
    assert draft.primary_language == "en"
    assert draft.versions.get().language == "en"


def test_decision_makers_can_be_edited_and_removed(as_starter, draft):
    position = Target.objects.get(petition=draft).position
    edit = f"/en/start/{draft.pk}/targets/{position}/"
    assert 'value="Акимат Алматы"' in html(as_starter.get(edit))
    post_form(as_starter, edit, {"name": "Мәслихат", "role": "депутаты", "name_en": "Maslikhat"})
    names = sorted(Target.objects.filter(petition=draft).values_list("language", "name", "role"))
    assert names == [
        ("en", "Maslikhat", "депутаты"),
        ("kk", "Мәслихат", "депутаты"),
        ("ru", "Мәслихат", "депутаты"),
    ]
    assert as_starter.get(edit + "delete/").status_code == 405
    assert as_starter.post(edit + "delete/").status_code == 303
    assert not Target.objects.filter(petition=draft).exists()
    assert as_starter.get(edit).status_code == 404


def test_a_petition_names_at_most_twenty_decision_makers(as_starter, starter, draft):
    for number in range(19):
        targets.add_decision_maker(draft, starter, name=f"Аким {number}", role="", in_languages={})
    response = post_form(as_starter, url("targets", draft), {"name": "Ещё один"})
    assert response.status_code == 400
    expected = message(
        "en",
        "A petition can name at most %(count)d decision-maker.",
        "A petition can name at most %(count)d decision-makers.",
        20,
    )
    assert escape(expected % {"count": 20}) in html(response)
    assert Target.objects.filter(petition=draft).count() == 20


def test_a_role_in_a_language_needs_a_name_in_it(as_starter, draft):
    response = post_form(as_starter, url("targets", draft), {"name": "Акимат", "role_kk": "билік"})
    assert response.status_code == 400
    assert 'id="id_name_kk_error"' in html(response)


# --- Preview --------------------------------------------------------------------------------


def article(page: str) -> str:
    return re.search(r'<article class="petition">.*</article>', page, re.S).group(0)


def test_the_preview_is_the_real_page_not_public_and_not_cached(client, as_starter, draft):
    response = as_starter.get(url("preview", draft))
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    preview = html(response)
    assert escape(message("en", "Preview — not public yet")) in preview
    assert '<fieldset disabled class="preview-sign-form">' in preview
    assert 'name="full_name"' in preview  # the real sign form, disabled
    # Nobody else sees it, and it is not public.
    assert client.get(f"/en/p/{draft.slug}/").status_code == 404

    # Once approved, the public page shows exactly what the preview showed.
    transition(draft, "submit", submitted_at=timezone.now())
    transition(draft, "approve", published_at=timezone.now())
    client.logout()
    public = html(client.get(f"/en/p/{draft.slug}/"))
    shown = re.sub(
        r'<fieldset disabled class="preview-sign-form"><legend>[^<]*</legend>', "", preview
    )
    shown = shown.replace("</fieldset>", "")
    assert article(shown) == article(public)
    assert "Сохраним парк у реки" in article(public)


def test_the_preview_of_another_version(as_starter, draft):
    PetitionVersion.objects.create(
        petition=draft, language="kk", title="Саябақ", demand="Сақтау", body="Себебі"
    )
    page = html(as_starter.get(url("preview", draft) + "?version=kk"))
    assert '<h1 lang="kk">Саябақ</h1>' in page


def test_similar_public_petitions_are_shown_before_submitting(as_starter, make_petition, draft):
    make_petition("park", languages=("kk", "ru"))  # "Сохраним парк <script>…"
    make_petition("roads", languages=("en",))  # "Save the park": no shared Russian words
    make_petition("hidden", languages=("ru",), state=PetitionState.SUBMITTED)
    page = html(as_starter.get(url("review", draft)))
    assert escape(message("en", "Similar petitions")) in page
    assert 'href="/en/p/park/"' in page
    assert 'href="/en/p/roads/"' not in page
    assert 'href="/en/p/hidden/"' not in page
    assert "<script>alert" not in page


def test_no_similar_petitions_no_section(as_starter, draft):
    page = html(as_starter.get(url("review", draft)))
    assert escape(message("en", "Similar petitions")) not in page


def test_at_most_five_similar_petitions(as_starter, make_petition, draft):
    for number in range(7):
        make_petition(f"park-{number}", languages=("ru",))
    page = html(as_starter.get(url("review", draft)))
    assert len(re.findall(r'href="/en/p/park-\d/"', page)) == 5


# --- Submitting -----------------------------------------------------------------------------


def test_submit_is_refused_without_a_verified_email(client, django_user_model):
    user = make_user(django_user_model, "new@example.com", verified=False)
    petition = new_draft(user)
    client.force_login(user)
    response = client.post(url("submit", petition, "ru"))
    assert response.status_code == 403
    page = html(response)
    assert '<html lang="ru">' in page
    assert escape(message("ru", "Confirm your email address first")) in page
    assert 'href="/ru/accounts/' in page  # where to verify it
    petition.refresh_from_db()
    assert petition.state == PetitionState.DRAFT
    # The review page says so before the starter tries.
    assert escape(message("ru", "Confirm your email address")) in html(
        client.get(url("review", petition, "ru"))
    )


def test_submit_is_refused_without_a_decision_maker(as_starter, starter):
    petition = new_draft(starter, complete=False)
    drafts.save_why(petition, starter, body="Потому что.")
    response = as_starter.post(url("submit", petition))
    assert response.status_code == 400
    assert escape(
        message("en", "Name at least one decision-maker who can do what you ask.")
    ) in html(response)
    petition.refresh_from_db()
    assert petition.state == PetitionState.DRAFT
    assert not AuditEntry.objects.exists()


def test_submit_is_refused_with_an_incomplete_version(as_starter, starter):
    petition = new_draft(starter, complete=False)
    targets.add_decision_maker(petition, starter, name="Акимат", role="", in_languages={})
    response = as_starter.post(url("submit", petition))
    assert response.status_code == 400
    expected = message("en", "A language version needs a title, a demand and a text: %(language)s.")
    assert escape(expected % {"language": "Russian"}) in html(response)


def test_submit_is_refused_when_the_deadline_has_passed(as_starter, draft):
    Petition.objects.filter(pk=draft.pk).update(deadline=timezone.now() - datetime.timedelta(1))
    response = as_starter.post(url("submit", draft))
    assert response.status_code == 400
    assert escape(message("en", "The deadline has passed. Choose a new one, or none.")) in html(
        response
    )


def test_nobody_else_can_see_or_change_a_draft(client, other_user, draft):
    client.force_login(other_user)
    for step in ("what", "why", "targets", "versions", "image", "details", "review", "preview"):
        assert client.get(url(step, draft)).status_code == 404, step
    assert client.post(url("submit", draft)).status_code == 404
    response = post_form(client, url("why", draft), {"body": "Захват"})
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.state == PetitionState.DRAFT
    assert "Захват" not in draft.versions.get().body


def test_a_petition_is_submitted_once(as_starter, draft):
    assert as_starter.post(url("submit", draft)).status_code == 303
    again = as_starter.post(url("submit", draft))
    assert again.status_code == 409
    assert escape(message("en", "This petition has already been submitted")) in html(again)
    assert AuditEntry.objects.filter(action="petition.submit").count() == 1


def test_submit_answers_only_post(as_starter, draft):
    assert as_starter.get(url("submit", draft)).status_code == 405


def test_a_submitted_petition_cannot_be_changed_by_its_starter(as_starter, draft):
    as_starter.post(url("submit", draft))
    for step, data in [
        ("why", {"body": "Иначе"}),
        ("targets", {"name": "Кто-то"}),
        ("details", {"video_url": ""}),
        ("what", {"title": "T", "demand": "D", "language": "ru", "starter_name": "S"}),
    ]:
        response = post_form(as_starter, url(step, draft), data)
        assert response.status_code == 409, step
        assert escape(message("en", "This cannot be changed now")) in html(response)
    response = post_form(
        as_starter, url("versions", draft, "en", "ru/"), {"title": "T", "demand": "D", "body": "B"}
    )
    assert response.status_code == 409
    assert draft.versions.get().body.startswith("## Почему")


def test_the_submit_page_needs_a_csrf_token(client, starter, draft):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(starter)
    assert strict.post(url("submit", draft)).status_code == 403
    draft.refresh_from_db()
    assert draft.state == PetitionState.DRAFT


# --- Slugs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Саябақты сақтайық!", "sayabaqty-saqtayyq"),
        ("Сохраним парк", "sokhranim-park"),
        ("Қоғамдық көлікке жаңа бағыттар", "qogamdyq-kolikke-zhana-bagyttar"),
        ("Өзен, үй, ұя, һәм, іс, ғалым, ң", "ozen-uy-uya-ham-is-galym-n"),
        ("Щёлково: съезд и объём", "shchyolkovo-sezd-i-obyom"),
        ("Save the park", "save-the-park"),
        ("Café <script>", "cafe-script"),
        ("\U0001f333\U0001f333", "petition"),
        ("!!!", "petition"),
    ],
)
def test_slugs_are_transliterated(title, slug):
    assert slug_base(title) == slug


def test_long_titles_are_cut_at_a_word():
    slug = slug_base("Сохраним " * 30)
    assert len(slug) <= 60 and not slug.endswith("-")
    assert set(slug.split("-")) == {"sokhranim"}
    assert transliterate("ЖАҢА") == "zhana"


def test_slugs_are_unique_with_a_suffix(starter, make_petition):
    make_petition("sokhranim-park-u-reki-2", languages=("ru",))
    first = new_draft(starter, complete=False)
    second = new_draft(starter, complete=False)
    third = new_draft(starter, complete=False)
    assert [first.slug, second.slug, third.slug] == [
        "sokhranim-park-u-reki",
        "sokhranim-park-u-reki-3",
        "sokhranim-park-u-reki-4",
    ]


# --- Video and deadline ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "stored"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://vimeo.com/76979871"),
        ("", ""),
    ],
)
def test_videos_from_the_allow_list_are_accepted(as_starter, draft, link, stored):
    response = post_form(as_starter, url("details", draft), {"video_url": link, "deadline": ""})
    assert response.status_code == 303
    draft.refresh_from_db()
    assert draft.video_url == stored
    assert draft.deadline is None


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)",
        "https://www.youtube.com/watch?v=too-short",
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "ftp://youtu.be/dQw4w9WgXcQ",
        "not a link",
    ],
)
def test_other_videos_are_refused(as_starter, draft, link):
    response = post_form(as_starter, url("details", draft, "ru"), {"video_url": link})
    assert response.status_code == 400
    expected = message(
        "ru",
        "Use a link to a video on YouTube or Vimeo. Videos from other sites cannot be shown.",
    )
    assert re.search(
        rf'id="id_video_url_error"[^>]*>{re.escape(escape(expected))}<', html(response)
    )
    draft.refresh_from_db()
    assert draft.video_url == ""


def test_deadline_bounds(as_starter, draft):
    today = timezone.localdate()

    def set_deadline(day):
        return post_form(as_starter, url("details", draft), {"deadline": day})

    assert set_deadline(today.isoformat()).status_code == 400
    assert escape(message("en", "Choose a day after today.")) in html(
        set_deadline((today - datetime.timedelta(days=3)).isoformat())
    )
    too_far = set_deadline((today + datetime.timedelta(days=366)).isoformat())
    assert too_far.status_code == 400
    assert "at most 365 days" in html(too_far)
    assert set_deadline("2026-02-30").status_code == 400
    last = today + datetime.timedelta(days=365)
    assert set_deadline(last.isoformat()).status_code == 303
    draft.refresh_from_db()
    assert draft.deadline == end_of_day(last)
    assert timezone.localtime(draft.deadline).time() == datetime.time(23, 59, 59)


def test_the_default_deadline_comes_from_the_setting(settings, starter):
    settings.UNDEU_DEFAULT_DEADLINE_DAYS = 30
    petition = new_draft(starter, complete=False)
    assert timezone.localdate(petition.deadline) == timezone.localdate() + datetime.timedelta(30)
    settings.UNDEU_DEFAULT_DEADLINE_DAYS = 5000  # never beyond the longest allowed
    petition = new_draft(starter, complete=False)
    assert timezone.localdate(petition.deadline) == timezone.localdate() + datetime.timedelta(365)


# --- Images ---------------------------------------------------------------------------------


def png_with_gps(size=(2400, 1200)) -> bytes:
    picture = Image.new("RGB", size, (20, 120, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 15.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (76.0, 57.0, 0.0)
    output = io.BytesIO()
    picture.save(output, format="PNG", exif=exif)
    return output.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes that claim to be a huge image (a decompression bomb's header)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


def upload(client, petition, content: bytes, name="photo.png", content_type="image/png", **data):
    data.setdefault("alt_ru", "Парк у реки летом")
    return client.post(
        url("image", petition), {"image": SimpleUploadedFile(name, content, content_type), **data}
    )


def test_a_picture_is_resized_and_stripped_of_its_metadata(as_starter, draft):
    original = png_with_gps()
    with Image.open(io.BytesIO(original)) as check:  # the test image does carry a position
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    response = upload(as_starter, draft, original)
    assert response.status_code == 303
    assert response["Location"] == url("details", draft)
    draft.refresh_from_db()
    assert re.fullmatch(r"petitions/\d{4}/\d{2}/[A-Za-z0-9_-]+\.png", draft.image.name)
    with Image.open(draft.image.path) as stored:
        assert stored.format == "PNG"
        assert stored.size == (1600, 800)
        assert not stored.getexif()
        assert "exif" not in stored.info
    assert PetitionImageText.objects.get(petition=draft, language="ru").alt == "Парк у реки летом"

    # Served from MEDIA_ROOT/petitions with its own content type, safely.
    served = as_starter.get(draft.image.url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert "sandbox" in served["Content-Security-Policy"]
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")


def test_a_jpeg_photo_keeps_its_format_and_loses_its_gps(as_starter, draft):
    picture = Image.new("RGB", (3200, 2400), (200, 30, 30))
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (43.0, 15.0, 0.0)
    exif[ExifTags.Base.Orientation] = 6  # taken sideways
    output = io.BytesIO()
    picture.save(output, format="JPEG", exif=exif)
    assert upload(as_starter, draft, output.getvalue(), "p.jpg", "image/jpeg").status_code == 303
    draft.refresh_from_db()
    with Image.open(draft.image.path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (1500, 2000)  # turned upright, then fitted into 1600 x 2000
        assert not stored.getexif()


def test_a_transparent_webp_stays_transparent(as_starter, draft):
    output = io.BytesIO()
    Image.new("RGBA", (2000, 2000), (0, 0, 0, 0)).save(output, format="WEBP")
    assert upload(as_starter, draft, output.getvalue(), "p.webp", "image/webp").status_code == 303
    draft.refresh_from_db()
    assert draft.image.name.endswith(".webp")
    with Image.open(draft.image.path) as stored:
        assert (stored.format, stored.mode, stored.size) == ("WEBP", "RGBA", (1600, 1600))
    assert as_starter.get(draft.image.url)["Content-Type"] == "image/webp"


def test_the_picture_appears_on_the_page_with_its_description(client, as_starter, draft):
    upload(as_starter, draft, png_with_gps((800, 400)))
    draft.refresh_from_db()
    preview = html(as_starter.get(url("preview", draft)))
    assert f'<img src="{draft.image.url}" alt="Парк у реки летом"' in preview
    assert PetitionImageText.objects.count() == 1
    # Removing it removes the file reference and its descriptions.
    assert as_starter.post(url("image", draft), {"action": "remove"}).status_code == 303
    draft.refresh_from_db()
    assert not draft.image and not PetitionImageText.objects.exists()


def test_a_picture_needs_a_description(as_starter, draft):
    response = upload(as_starter, draft, png_with_gps((400, 200)), alt_ru="")
    assert response.status_code == 400
    assert re.search(
        r'id="id_alt_ru_error"[^>]*>'
        + re.escape(escape(message("en", "Describe the picture for people who cannot see it."))),
        html(response),
    )
    draft.refresh_from_db()
    assert not draft.image


def test_a_picture_field_without_a_file_is_refused(as_starter, draft):
    response = as_starter.post(url("image", draft), {"image": "not a file", "alt_ru": "Парк"})
    assert response.status_code == 400
    assert escape(message("en", "Choose a picture to upload.")) in html(response)


def test_a_text_file_named_png_is_refused(as_starter, draft):
    response = upload(as_starter, draft, b"just some text, not a picture\n" * 20, "photo.png")
    assert response.status_code == 400
    expected = message(
        "en", "This file is not a picture we can use. Upload a JPEG, PNG or WebP image."
    )
    assert escape(expected) in html(response)
    draft.refresh_from_db()
    assert not draft.image


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a" + b"\x00" * 100,  # a format we do not take
        png_with_gps((300, 300))[:400],  # cut off
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"",
    ],
)
def test_broken_or_foreign_files_are_refused(as_starter, draft, content):
    response = upload(as_starter, draft, content)
    assert response.status_code == 400
    draft.refresh_from_db()
    assert not draft.image


@pytest.mark.parametrize(("width", "height"), [(30000, 30000), (8000, 8000), (100000, 1000)])
def test_decompression_bombs_are_refused(as_starter, draft, width, height):
    response = upload(as_starter, draft, png_claiming(width, height))
    assert response.status_code == 400
    expected = message(
        "en", "This picture has too many pixels. Upload a smaller one (at most 40 megapixels)."
    )
    assert escape(expected) in html(response)


def test_a_10_mb_upload_is_refused_before_it_is_read(as_starter, draft):
    response = upload(as_starter, draft, b"\x89PNG" + b"0" * (10 * 1024 * 1024))
    assert response.status_code == 413
    expected = message("en", "This file is too large. Upload a picture of at most 5 MB.")
    assert escape(expected) in html(response)


def test_a_file_just_over_the_limit_is_refused_by_the_form(as_starter, draft):
    response = upload(as_starter, draft, b"\x89PNG" + b"0" * MAX_BYTES)
    assert response.status_code == 400
    expected = message("en", "This file is too large. Upload a picture of at most 5 MB.")
    assert escape(expected) in html(response)


@pytest.mark.parametrize(
    "name",
    [
        "../../../etc/passwd",
        "2026/01/..%2F..%2Fsecret.png",
        "2026/01/x.svg",
        "2026/01/x.png.html",
        "2026/01/missing.png",
    ],
)
def test_only_petition_images_are_served(client, name):
    assert client.get(f"/media/petitions/{name}").status_code == 404


# --- Changes after publication --------------------------------------------------------------


@pytest.fixture
def published(make_petition, starter):
    return make_petition("published", languages=("kk", "ru"), starter=starter)


def edit_version(client, petition, language, **text):
    return post_form(client, url("versions", petition, "en", f"{language}/"), text)


def test_changing_a_published_version_keeps_the_earlier_text(client, as_starter, published):
    before = published.versions.get(language="ru")
    response = edit_version(
        as_starter,
        published,
        "ru",
        title="Сохраним городской парк",
        demand="Акимат должен сохранить парк.",
        body="Новый текст <b>без</b> разметки?",
    )
    assert response.status_code == 400  # HTML is refused
    assert not PetitionRevision.objects.exists()
    response = edit_version(
        as_starter,
        published,
        "ru",
        title="Сохраним городской парк",
        demand="Акимат должен сохранить парк.",
        body="Новый текст.",
    )
    assert response.status_code == 303
    revision = PetitionRevision.objects.get()
    assert (revision.language, revision.title, revision.demand, revision.body) == (
        "ru",
        before.title,
        before.demand,
        before.body,
    )
    assert published.versions.get(language="ru").body == "Новый текст."
    assert revision.edited_by.email == "saule@example.com"
    published.refresh_from_db()
    assert published.updated_at is not None
    assert AuditEntry.objects.get().action == "petition.version_changed"

    # The page says it was updated and links to the changes.
    client.logout()
    page = html(client.get("/ru/p/published/?version=ru"))
    assert 'href="/ru/p/published/changes/"' in page

    changes = client.get("/ru/p/published/changes/")
    assert changes.status_code == 200
    assert "public" in changes["Cache-Control"]
    text = html(changes)
    assert "<script>alert" not in text
    assert "<del>" in text and "<ins>" in text
    assert escape(message("ru", "removed:")) in text
    assert "городской" in re.search(r"<ins>.*?</ins>", text, re.S).group(0)
    # The old text, with the world's <script>, is shown escaped.
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


def test_saving_the_same_text_makes_no_revision(as_starter, published):
    version = published.versions.get(language="kk")
    edit_version(
        as_starter, published, "kk", title=version.title, demand=version.demand, body=version.body
    )
    assert not PetitionRevision.objects.exists()
    published.refresh_from_db()
    assert published.updated_at is None


def test_a_version_added_after_publication_is_listed(client, as_starter, published):
    response = edit_version(
        as_starter, published, "en", title="Save the park", demand="Keep it.", body="Because."
    )
    assert response.status_code == 303
    assert PetitionRevision.objects.get().title == ""
    assert AuditEntry.objects.get().action == "petition.version_added"
    page = html(client.get("/en/p/published/changes/"))
    added = message("en", "A new language version was added: %(language)s.")
    assert escape(added % {"language": "English"}) in page
    assert "Save the park" in page


def test_no_link_to_changes_without_revisions(client, published):
    Petition.objects.filter(pk=published.pk).update(updated_at=timezone.now())
    page = html(client.get("/en/p/published/"))
    assert "/changes/" not in page
    page = html(client.get("/en/p/published/changes/"))
    assert escape(message("en", "The text has not been changed since it was published.")) in page


def test_changes_of_drafts_are_not_public(client, draft):
    assert client.get(f"/en/p/{draft.slug}/changes/").status_code == 404


def test_the_diff_is_escaped_and_readable():
    diff = str(text_diff("Сохраним <b>парк</b> у реки", "Сохраним сквер у <script>реки"))
    assert "<b>" not in diff and "<script>" not in diff
    assert "&lt;" in diff and "парк&lt;/b&gt;" in diff
    assert re.search(r"<ins>.*сквер.*</ins>", diff)
    assert diff.startswith("Сохраним <ins>")
    assert diff.count("<del>") == diff.count("</del>")
    words = str(text_diff("one two three", "one 2 three"))
    assert "one " in words and re.search(r"<del>.*two.*</del>", words)


# --- Dashboard ------------------------------------------------------------------------------


def svgs_of(page: str) -> list[ET.Element]:
    """The charts, parsed as XML: they must be well-formed SVG, not only HTML-ish markup."""
    return [
        ET.fromstring(svg)  # noqa: S314 - our own page, rendered in this test
        for svg in re.findall(r"<svg.*?</svg>", page, re.S)
    ]


def test_the_dashboard_shows_counts_days_and_places(
    as_starter, starter, make_petition, sign_and_confirm
):
    petition = make_petition("mine", languages=("ru",), starter=starter)
    Petition.objects.filter(pk=petition.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=40)
    )
    for number, (country, city) in enumerate(
        [("KZ", "Алматы"), ("KZ", "АЛМАТЫ "), ("KZ", "Астана"), ("RU", ""), ("KZ", "<b>x</b>")]
    ):
        sign_and_confirm(petition, f"s{number}@example.com", country=country, city=city)
    today = timezone.localdate()
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    earlier = Signature.objects.for_email("s0@example.com") | Signature.objects.for_email(
        "s3@example.com"
    )
    earlier.update(confirmed_at=three_days_ago)
    tallying.catch_up()  # what the worker does every few seconds
    make_petition("not-mine", languages=("ru",))
    own_draft = new_draft(starter, title="Черновик", complete=False)

    response = as_starter.get("/en/my/petitions/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = html(response)
    assert "5 signatures" in page
    assert "/en/p/not-mine/" not in page
    assert escape(message("en", "Open for signatures")) in page

    # Two charts, from the statistics' tallies: the last 48 hours, and 30 days.
    hours, days = svgs_of(page)
    assert hours.get("role") == "img"
    assert hours.find(f"{SVG}title").text == message("en", "Signatures per hour")
    assert len(hours.findall(f"{SVG}g/{SVG}rect")) == 48
    assert sum(int(bar.get("data-count")) for bar in hours.findall(f"{SVG}g/{SVG}rect")) == 3
    assert days.find(f"{SVG}title").text == message("en", "Signatures per day")
    description = days.find(f"{SVG}desc").text
    assert "5 confirmed signatures in all" in description
    bars = days.findall(f"{SVG}g/{SVG}rect")
    assert len(bars) == 30
    by_day = {bar.get("data-at"): bar for bar in bars}
    assert by_day[today.isoformat()].get("data-count") == "3"
    assert by_day[(today - datetime.timedelta(days=3)).isoformat()].get("data-count") == "2"
    assert sum(int(bar.get("data-count")) for bar in bars) == 5
    tallest = max(bars, key=lambda bar: float(bar.get("height")))
    assert tallest.get("data-at") == today.isoformat()
    assert float(by_day[(today - datetime.timedelta(days=1)).isoformat()].get("height")) == 0
    assert float(by_day[(today - datetime.timedelta(days=3)).isoformat()].get("height")) == (
        pytest.approx(float(tallest.get("height")) * 2 / 3, abs=0.01)
    )
    # ... and the same numbers in a table for screen readers, and the statistics page's link.
    assert "<caption>Signatures per day</caption>" in page
    assert 'href="/en/p/mine/stats/"' in page

    # Countries by name in the reader's language, and cities whatever their case.
    assert re.search(r"Kazakhstan</th><td[^>]*>4<", page)
    assert re.search(r"Russia</th><td[^>]*>1<", page)
    assert re.search(r"Алматы</th><td[^>]*>2<", page)
    assert re.search(r"Астана</th><td[^>]*>1<", page)
    assert "<b>x</b>" not in page
    ru = html(as_starter.get("/ru/my/petitions/"))
    assert "Казахстан" in ru

    # What to do next.
    assert 'href="/en/p/mine/manage/"' in page
    assert f'href="{url("why", own_draft)}"' in page


def test_the_dashboard_says_what_comes_next_in_each_state(as_starter, starter, make_petition):
    for state in ("submitted", "closed", "rejected"):
        make_petition(state, languages=("en",), state=state, starter=starter)
    page = html(as_starter.get("/en/my/petitions/"))
    assert escape(message("en", "Awaiting moderation")) in page
    assert (
        escape(
            message("en", "Deliver the signatures to the decision-makers and record their answer.")
        )
        in page
    )
    assert 'href="/en/p/closed/manage/"' in page
    assert escape(message("en", "The moderators did not publish this petition.")) in page


def test_the_chart_of_a_petition_without_signatures(as_starter, starter, make_petition):
    make_petition("quiet", languages=("en",), starter=starter)
    for svg in svgs_of(html(as_starter.get("/kk/my/petitions/"))):
        assert all(float(bar.get("height")) == 0 for bar in svg.findall(f"{SVG}g/{SVG}rect"))
        assert svg.find(f"{SVG}desc").text


# --- Hostile input in every field -----------------------------------------------------------

LONG = "ж" * 10_000
TEXT_CASES = [
    ("nul", "Парк\x00", "Remove the control characters from this text."),
    ("control", "Парк\x01\x1b[31m", "Remove the control characters from this text."),
    ("bidi", "\u202eкрап", "Remove the control characters from this text."),
    (
        "script",
        SCRIPT,
        "HTML is not allowed here. Write plain text (Markdown where it is offered).",
    ),
]


def hostile_cases():
    what = {"title": "Парк", "demand": "Сохранить", "language": "ru", "starter_name": "Сәуле"}
    version = {"title": "Парк", "demand": "Сохранить", "body": "Потому что."}
    forms = [
        (
            "what",
            what,
            ["title", "demand", "starter_name"],
            {"title": 150, "starter_name": 120, "demand": 1000},
        ),
        ("why", {"body": "Текст"}, ["body"], {"body": 20000}),
        ("targets", {"name": "Акимат"}, ["name", "role", "name_kk", "role_en"], {}),
        (
            "versions/en/",
            version,
            ["title", "demand", "body"],
            {"title": 150, "demand": 1000, "body": 20000},
        ),
        ("details", {"video_url": ""}, ["video_url"], {"video_url": 500}),
    ]
    for step, valid, fields, limits in forms:
        for field in fields:
            for case, value, key in TEXT_CASES:
                yield pytest.param(
                    step, valid, field, value, key, None, id=f"{step}-{field}-{case}"
                )
            limit = limits.get(field, 200)
            value = "ж" * (limit + 1) if limit >= 10_000 else LONG
            yield pytest.param(step, valid, field, value, None, limit, id=f"{step}-{field}-long")


@pytest.mark.parametrize(("step", "valid", "field", "value", "key", "limit"), list(hostile_cases()))
def test_hostile_text_is_refused_with_a_message(
    as_starter, draft, step, valid, field, value, key, limit
):
    address = f"/ru/start/{draft.pk}/{step}" + ("" if step.endswith("/") else "/")
    response = post_form(as_starter, address, {**valid, field: value})
    assert response.status_code == 400, response.status_code
    page = html(response)
    assert '<html lang="ru">' in page
    if limit:
        expected = message(
            "ru", "Use at most %(limit)d character.", "Use at most %(limit)d characters.", limit
        ) % {"limit": limit}
    else:
        expected = message("ru", key)
    assert re.search(rf'id="id_{field}_error"[^>]*>{re.escape(escape(expected))}<', page), page[
        :3000
    ]
    assert f'aria-describedby="id_{field}' in page
    assert "<script>alert" not in page


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("language", "xx", "Choose Kazakh, Russian or English."),
        ("language", "\x00", "Choose Kazakh, Russian or English."),
        ("title", "", "This field is required."),
        ("title", "   ", "This field is required."),
        ("title", "\U0001f333 !!!", "Use words, not only symbols."),
    ],
)
def test_hostile_choices_and_empty_fields(as_starter, field, value, key):
    data = {"title": "Парк", "demand": "Сохранить", "language": "ru", "starter_name": "Сәуле"}
    response = post_form(as_starter, "/kk/start/", {**data, field: value})
    assert response.status_code == 400
    assert escape(message("kk", key)) in html(response)
    assert not Petition.objects.exists()


@pytest.mark.parametrize("value", ["\x00", "2026-13-01", "<script>", LONG, "31.12.2026"])
def test_hostile_deadlines(as_starter, draft, value):
    response = post_form(as_starter, url("details", draft), {"deadline": value})
    assert response.status_code == 400
    assert escape(message("en", "Enter a date like 2026-09-30, or leave the field empty.")) in html(
        response
    )


@pytest.mark.parametrize(
    "value",
    ["\x00", "Парк\x01", SCRIPT, LONG, "\U0001f333"],
    ids=["nul", "x01", "script", "long", "emoji"],
)
def test_hostile_image_descriptions(as_starter, draft, value):
    response = upload(as_starter, draft, png_with_gps((200, 100)), alt_ru=value)
    assert response.status_code == 400
    assert 'id="id_alt_ru_error"' in html(response)
    draft.refresh_from_db()
    assert not draft.image


def test_hostile_languages_and_positions_in_addresses(as_starter, draft):
    assert as_starter.get(url("versions", draft, "en", "xx/")).status_code == 404
    assert as_starter.get(url("versions", draft, "en", "%00/")).status_code == 400
    assert as_starter.get(f"/en/start/{draft.pk}/targets/999/").status_code == 404
    assert as_starter.get("/en/start/99999999999999999999/why/").status_code == 404


def test_a_body_at_the_limit_is_accepted(as_starter, draft):
    body = ("Саябақ керек. " * 1500)[:20000]
    assert post_form(as_starter, url("why", draft), {"body": body}).status_code == 303
    assert len(draft.versions.get().body) == len(body.strip())


# --- Simultaneous requests (PostgreSQL) -----------------------------------------------------


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is tested on PostgreSQL")


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_petition_submitted_twice_at_once_is_submitted_once(starter):
    petition = new_draft(starter)
    clients = [logged_in_client(starter) for _ in range(3)]
    statuses = simultaneously(3, lambda i: clients[i].post(url("submit", petition)).status_code)
    assert sorted(statuses) == [303, 409, 409], statuses
    assert AuditEntry.objects.filter(action="petition.submit").count() == 1


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_edits_of_a_published_text_lose_no_revision(make_petition, starter):
    petition = make_petition("race", languages=("ru",), starter=starter)
    original = petition.versions.get().body
    clients = [logged_in_client(starter) for _ in range(4)]

    def edit(i):
        data = {"title": "Сохраним парк", "demand": "Акимат должен.", "body": f"Текст {i}."}
        return post_form(clients[i], url("versions", petition, "en", "ru/"), data).status_code

    assert simultaneously(4, edit) == [303] * 4
    bodies = list(
        PetitionRevision.objects.order_by("created_at", "id").values_list("body", flat=True)
    )
    final = petition.versions.get().body
    # Each edit saved the text it replaced: the original, then each edit's text but the last.
    assert bodies[0] == original
    assert sorted([*bodies[1:], final]) == [f"Текст {i}." for i in range(4)]


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_drafts_with_the_same_title_at_once_get_different_addresses(starter):
    results = simultaneously(4, lambda _: new_draft(starter, complete=False).slug)
    assert sorted(results) == [
        "sokhranim-park-u-reki",
        "sokhranim-park-u-reki-2",
        "sokhranim-park-u-reki-3",
        "sokhranim-park-u-reki-4",
    ], results
