"""The demo mailbox of `make run`: only in local mail mode, never on a real instance."""

import pytest
from django.core.mail import EmailMultiAlternatives
from django.http import Http404
from django.test import RequestFactory

from undeu.mail.views import mailbox


def test_the_mailbox_is_not_routed_on_a_real_instance(client, db):
    assert client.get("/dev/mail/").status_code == 404


def test_the_view_refuses_outside_local_mode(settings):
    settings.UNDEU_MAIL = "smtp"
    with pytest.raises(Http404):
        mailbox(RequestFactory().get("/dev/mail/"))


def test_local_mode_shows_the_messages_newest_first(settings, tmp_path, db):
    settings.UNDEU_MAIL = "local"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    for subject in ("Растаңыз: бірінші", "Second <b>message</b>"):
        EmailMultiAlternatives(subject, f"Body of {subject}", to=["a@example.com"]).send()
    request = RequestFactory().get("/dev/mail/")
    request.COOKIES = {}
    page = mailbox(request).content.decode()
    assert "<h2>Растаңыз: бірінші</h2>" in page
    assert "Second &lt;b&gt;message&lt;/b&gt;" in page
    assert page.index("Second") < page.index("бірінші")
