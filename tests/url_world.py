"""Every URL pattern of the project, filled in with real objects of a small world.

The patterns are read from the resolver, so a page added later is covered by the tests that use
this without editing them. A parameter is filled by its name (a petition's slug, a draft's id, a
confirmation token...), else from a model of that name ("report_id": an abuse report), else by
its converter; the filled address must resolve to the same pattern again, or the test says which
parameter needs a value here.
"""

import re
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import URLResolver, get_resolver, resolve
from django.utils import timezone, translation

from tests.conftest import signature_request
from undeu.defence import bulk
from undeu.defence.models import Alert
from undeu.mail.models import OutgoingEmail
from undeu.moderation.models import AbuseReport
from undeu.petitions.models import Petition, PetitionState
from undeu.signatures.models import Signature
from undeu.signatures.signing import Origin, sign
from undeu.starting import drafts, targets
from undeu.updates.unsubscribe import unsubscribe_token

LANGUAGES = ("kk", "ru", "en")
_ROUTE_PARAMETER = re.compile(r"(?<!\?P)<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Pattern:
    route: str  # as the resolver reports it: the prefixes and the pattern, joined
    language: str


@dataclass
class World:
    starter: object
    moderator: object
    petition: Petition  # open, the starter's
    queued: Petition  # waiting for review
    draft: Petition  # the starter's
    confirm_token: str
    unsubscribe_token: str
    report: AbuseReport
    alert: Alert
    flagged: Signature  # kept, not counted: it tripped the honeypot
    action: object  # a bulk invalidation, waiting for the worker


def make_world(make_petition) -> World:
    user_model = get_user_model()
    starter = user_model.objects.create_user("starter", "starter@example.com", None)
    EmailAddress.objects.create(user=starter, email=starter.email, primary=True, verified=True)
    # Staff with a second factor reach every page; a superuser reaches every admin page.
    moderator = user_model.objects.create_user(
        "moderator", "moderator@example.com", None, is_staff=True, is_superuser=True
    )
    moderator.user_permissions.add(Permission.objects.get(codename="moderate"))
    EmailAddress.objects.create(user=moderator, email=moderator.email, primary=True, verified=True)
    TOTP.activate(moderator, generate_totp_secret())

    petition = make_petition("park", starter=starter)
    queued = make_petition(
        "queued", languages=("ru", "kk"), state=PetitionState.SUBMITTED, starter=starter
    )
    Petition.objects.filter(pk=queued.pk).update(published_at=None, submitted_at=timezone.now())
    draft = drafts.create_draft(
        starter,
        title="Сохраним парк у реки",
        demand="Акимат должен отменить застройку парка.",
        language="ru",
        starter_name="Сәуле Қасымова",
    )
    targets.add_decision_maker(draft, starter, name="Акимат Алматы", role="", in_languages={})

    sign(petition.pk, signature_request("pending@example.com"), base_url="http://testserver")
    confirm_token = OutgoingEmail.objects.latest("pk").context["token"]
    sign(
        petition.pk,
        signature_request("reader@example.com", wants_updates=True),
        base_url="http://testserver",
    )
    reader = Signature.objects.for_email("reader@example.com").get()
    report = AbuseReport.objects.create(petition=petition, reason="spam", text="Спам <b>x</b>")
    sign(
        petition.pk,
        signature_request("bot@bots.example", full_name="Bot <b>x</b>"),
        base_url="http://testserver",
        origin=Origin("203.0.113.9", "203.0.113.0/24"),
        flags=["honeypot"],
    )
    flagged = Signature.objects.for_email("bot@bots.example").get()
    alert = Alert.objects.create(
        petition=petition,
        dimension=Alert.Dimension.NETWORK,
        value="203.0.113.0/24",
        signatures=40,
        expected=1.5,
        total=45,
        evidence={"sample": ["Bot <b>x</b>"]},
    )
    action = bulk.start(
        petition,
        "invalidate",
        {"network": "203.0.113.0/24"},
        actor=moderator,
        reason="Бот <b>x</b>",
    )
    return World(
        starter=starter,
        moderator=moderator,
        petition=petition,
        queued=queued,
        draft=draft,
        confirm_token=confirm_token,
        unsubscribe_token=unsubscribe_token(reader.pk),
        report=report,
        alert=alert,
        flagged=flagged,
        action=action,
    )


def every_pattern() -> list[Pattern]:
    """Each pattern once, the language-prefixed ones in turn in Kazakh, Russian and English."""
    with translation.override(LANGUAGES[0]):
        routes = list(_walk(get_resolver().url_patterns, ""))
    found = []
    for index, route in enumerate(routes):
        language = LANGUAGES[index % len(LANGUAGES)]
        prefix = f"{LANGUAGES[0]}/"
        if route.startswith(prefix):
            route = f"{language}/{route.removeprefix(prefix)}"
        found.append(Pattern(route, language))
    return found


def _walk(patterns, prefix: str):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        else:
            yield route


def fill(pattern: Pattern, world: World, **overrides: str) -> str:
    """The address of `pattern` with its parameters filled in (`overrides` by name)."""
    route = pattern.route

    def value(name: str, converter: str) -> str:
        if name in overrides:
            return overrides[name]
        return parameter_value(route, name, converter, world)

    path = _ROUTE_PARAMETER.sub(lambda m: value(m["name"], m["converter"] or "str"), route)
    path = _fill_regex_groups(path, lambda name: value(name, "regex"))
    path = "/" + path.replace("^", "").replace("$", "")
    if not overrides:
        with translation.override(pattern.language):
            match = resolve(path.split("?")[0])
        # The resolver drops the ^ of a nested regular expression from the route it reports.
        same = match.route.replace("^", "") == route.replace("^", "")
        assert same, f"{route}: {path} resolves to {match.route}; give its parameters a value"
    return path


def parameter_value(route: str, name: str, converter: str, world: World) -> str:
    # The review queue's pages are about a petition waiting for review; the defence pages about an
    # open one, with signatures.
    in_review = "moderation/" in route and "moderation/defence/" not in route
    petition_slug = world.queued.slug if in_review else world.petition.slug
    named = {
        "slug": petition_slug,
        "pk": world.draft.pk,
        "position": 1,
        "language": world.draft.primary_language,
        "token": world.unsubscribe_token if "unsubscribe" in route else world.confirm_token,
        "app_label": "petitions",
        "url": "no-such-page/",
        "content_type_id": ContentType.objects.get_for_model(Petition).pk,
        "id": world.starter.pk,
        "uidb36": "1",
        "key": "no-such-key",
        "name": "2026/01/no-such-picture.png",
    }
    admin_model = re.match(r"admin/(\w+)/(\w+)/", route)
    if name == "object_id" and admin_model:
        return str(_first_pk(*admin_model.groups()) or 1)
    if name == "object_id":
        return str(world.petition.pk)
    if name in named:
        return str(named[name])
    if name == "alert_id":
        return str(world.alert.pk)
    if name == "action_id":
        return str(world.action.pk)
    if name == "signature_id":
        return str(world.flagged.pk)
    if name.endswith("_id"):
        return str(_first_pk_of_model_named(name.removesuffix("_id")) or 1)
    return {"int": "1", "slug": petition_slug}.get(converter, "x")


def _first_pk(app_label: str, model_name: str):
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return None
    return model.objects.order_by("pk").values_list("pk", flat=True).first()


def _first_pk_of_model_named(name: str):
    """The first of the model whose name ends so: "report" is an AbuseReport."""
    for model in apps.get_models():
        if model._meta.model_name.endswith(name.replace("_", "")):
            found = model.objects.order_by("pk").values_list("pk", flat=True).first()
            if found is not None:
                return found
    return None


def _fill_regex_groups(path: str, value) -> str:
    """Replace each (?P<name>...) group, nested parentheses included, by its value."""
    while (start := path.find("(?P<")) != -1:
        name = path[start + 4 : path.index(">", start)]
        depth, end = 0, start
        while True:
            if path[end] == "\\":
                end += 2
                continue
            depth += {"(": 1, ")": -1}.get(path[end], 0)
            end += 1
            if depth == 0:
                break
        path = path[:start] + value(name) + path[end:]
    return path
