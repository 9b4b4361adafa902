"""What the bench puts in its database and reads back, through the project's own models.

Imported only in a process where Django is set up with the bench environment.
"""

import secrets

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from undeu.petitions.models import Petition, PetitionState, PetitionVersion, Target
from undeu.signatures.counting import recount
from undeu.signatures.identity import email_digest
from undeu.signatures.models import Signature, SignatureState
from undeu.signatures.signing import token_digest

PETITIONS = 10
HOT = "bench-0"  # the petition of the flash crowd
SHOWN_SIGNERS = 30
TOKENS_PER_RUN = 60000  # more than a run of confirmations uses (the table shows any shortfall)

BODY = """Қала әкімдігі саябақтың үштен бір бөлігінде көпқабатты тұрақ салуды жоспарлап отыр.

## Неге бұл маңызды

- Саябақтағы ағаштар жазда ауданды салқындатады және ауаны тазартады.
- Балалар алаңы мен жүгіру жолы — маңайдағы мектептердің жалғыз жасыл аймағы.

Біз әкімдіктен жоба бойынша **қоғамдық тыңдау** өткізуді сұраймыз.
"""


def slugs() -> list[str]:
    return [f"bench-{i}" for i in range(PETITIONS)]


@transaction.atomic
def seed() -> None:
    """Open petitions with two language versions, targets and some confirmed signers, like a
    real petition page shows."""
    for slug in slugs():
        if Petition.objects.filter(slug=slug).exists():
            continue
        petition = open_petition(slug)
        pending_signatures(petition, SHOWN_SIGNERS, tag=f"seed-{slug}", state="confirmed")
        recount(petition.pk)


def open_petition(slug: str) -> Petition:
    """An open petition in Kazakh and Russian with its targets, published three days ago."""
    petition = Petition.objects.create(
        slug=slug,
        state=PetitionState.OPEN,
        starter_name="Сәуле Қасымова",
        primary_language="kk",
        published_at=timezone.now() - timezone.timedelta(days=3),
    )
    for language, title in [("kk", "Саябақты сақтайық"), ("ru", "Сохраним парк")]:
        PetitionVersion.objects.create(
            petition=petition,
            language=language,
            title=f"{title} ({slug})",
            demand=f"{title}: қоғамдық тыңдау өткізуді сұраймыз.",
            body=BODY,
        )
        Target.objects.create(petition=petition, language=language, name="Әкімдік")
    return petition


def pending_signatures(petition, count: int, *, tag: str, state: str = "pending") -> list[str]:
    """Make `count` signatures on `petition` directly in the database, as signing would, with
    tokens the bench knows (a real token is only ever in an email); returns the tokens."""
    now = timezone.now()
    tokens = [secrets.token_urlsafe(32) for _ in range(count)]
    rows = []
    for i, token in enumerate(tokens):
        email = f"{tag}-{i}@example.org"
        rows.append(
            Signature(
                petition=petition,
                full_name=f"Айгерім Сапарова {i}",
                email=email,
                email_digest=email_digest(email),
                country="KZ",
                city="Алматы",
                language="kk",
                show_name=True,
                state=state,
                token_digest=token_digest(token),
                confirmed_at=now if state == SignatureState.CONFIRMED else None,
            )
        )
    Signature.objects.bulk_create(rows, batch_size=500)
    return tokens


def new_tokens_for(signatures) -> list[str]:
    """Give pending signatures made over HTTP tokens the bench knows, to confirm a sample."""
    tokens = []
    for signature in signatures:
        token = secrets.token_urlsafe(32)
        signature.token_digest = token_digest(token)
        tokens.append(token)
    Signature.objects.bulk_update(signatures, ["token_digest"], batch_size=500)
    return tokens


def last_signature_id() -> int:
    return Signature.objects.aggregate(last=Max("pk"))["last"] or 0


def tagged(petition, tag: str, *, after_id: int) -> list[tuple[int, str, str]]:
    """(id, state, email) of the petition's signatures after `after_id` made with this tag's
    addresses: compared in Python, since emails are encrypted at rest."""
    rows = Signature.objects.filter(petition=petition, pk__gt=after_id).order_by("pk")
    return [
        row
        for row in rows.values_list("pk", "state", "email").iterator(5000)
        if row[2].startswith(f"{tag}-")
    ]


def confirmed(petition) -> int:
    return Signature.objects.filter(petition=petition, state=SignatureState.CONFIRMED).count()
