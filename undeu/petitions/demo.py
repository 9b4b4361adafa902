"""Demo content for `make run`: petitions written for the demo, in the three languages."""

import hashlib

from django.db import transaction
from django.utils import timezone

from undeu.petitions.models import Petition, PetitionState, PetitionVersion, Target
from undeu.signatures.counting import recount
from undeu.signatures.identity import email_digest
from undeu.signatures.models import Signature, SignatureState
from undeu.stats.tallying import rebuild as rebuild_tallies

PARK_KK = """Алматыдағы Көктем саябағы — мыңдаған отбасының демалатын жері. Қала әкімдігі саябақтың
үштен бір бөлігінде көпқабатты тұрақ салуды жоспарлап отыр.

## Неге бұл маңызды

- Саябақтағы ағаштар жазда ауданды салқындатады және ауаны тазартады.
- Балалар алаңы мен жүгіру жолы — маңайдағы мектептердің жалғыз жасыл аймағы.
- Тұрақ салу туралы шешім тұрғындармен ашық талқыланбады.

Біз әкімдіктен жоба бойынша **қоғамдық тыңдау** өткізуді және саябақтың шекарасын
бас жоспарда бекітуді сұраймыз."""

PARK_RU = """Парк «Коктем» в Алматы — место отдыха тысяч семей. Акимат города планирует построить
многоэтажную парковку на трети территории парка.

## Почему это важно

- Деревья парка охлаждают район летом и очищают воздух.
- Детская площадка и беговая дорожка — единственная зелёная зона для соседних школ.
- Решение о строительстве не обсуждалось с жителями открыто.

Мы просим акимат провести **общественные слушания** по проекту и закрепить границы парка
в генеральном плане."""

DATA_EN = """Every year the city adopts a budget of hundreds of billions of tenge, but residents can
only read it as scanned PDF files that cannot be searched or analysed.

## What we ask

1. Publish the adopted budget and its quarterly execution as machine-readable open data
   (CSV or JSON) within ten days of adoption.
2. Keep every past year online, under an open licence.
3. Show spending by district, so residents can see what is done where they live.

Open budget data lets journalists, researchers and citizens check how public money is spent.
[Open data charters](https://opendatacharter.org/) describe how other cities already do this."""

BIKE_KK = """Астанада велосипедпен жүретіндер жыл сайын көбейіп келеді, бірақ қауіпсіз
велосипед жолдары әлі де аз. Көп жолдар тротуарға сызылған, жаяу жүргіншілермен қатар жүреді.

Біз қала әкімдігінен бөлек, қоршалған велосипед жолдарының желісін салуды сұраймыз:
алдымен мектептер мен университеттерге апаратын көшелерде."""

BIKE_RU = """В Астане с каждым годом всё больше людей ездит на велосипеде, но безопасных
велодорожек по-прежнему мало. Многие из них нарисованы прямо на тротуаре, среди пешеходов.

Мы просим акимат города построить сеть отделённых велодорожек: в первую очередь на улицах,
ведущих к школам и университетам."""

BIKE_EN = """More and more people cycle in Astana every year, but safe bike lanes are still rare.
Many are painted on the pavement, among pedestrians.

We ask the city to build a network of protected bike lanes, starting with the streets that
lead to schools and universities."""

SIGNERS = [
    ("Айгерім Сапарова", "KZ-71", "Астана"),
    ("Данияр Омаров", "KZ-71", "Астана"),
    ("Мария Ким", "KZ-71", "Астана"),
    ("Ерлан Жақсылықов", "KZ-35", "Қарағанды"),
    ("Анна Петрова", "KZ-71", "Астана"),
    ("Нұрлан Бекұлы", "", ""),
    ("Асель Тулегенова", "KZ-75", "Алматы"),
    ("John Smith", "KZ-71", "Astana"),
    ("Гүлнар Әбенова", "KZ-71", "Астана"),
    ("Тимур Ахметов", "KZ-11", "Косшы"),
]


def _petition(slug, *, starter, primary, video="", days_ago=30, updated_days_ago=None):
    now = timezone.now()
    return Petition.objects.create(
        slug=slug,
        state=PetitionState.OPEN,
        starter_name=starter,
        primary_language=primary,
        video_url=video,
        created_at=now - timezone.timedelta(days=days_ago + 2),
        published_at=now - timezone.timedelta(days=days_ago),
        updated_at=now - timezone.timedelta(days=updated_days_ago) if updated_days_ago else None,
    )


def _confirmed_signatures(petition, count, *, now):
    rows = []
    for i in range(count):
        name, region, city = SIGNERS[i % len(SIGNERS)]
        email = f"demo-signer-{petition.slug}-{i}@example.invalid"
        rows.append(
            Signature(
                petition=petition,
                full_name=name,
                email=email,
                email_digest=email_digest(email),
                country="KZ",
                region=region,
                city=city,
                language="kk" if i % 2 else "ru",
                show_name=i % 3 != 2,
                state=SignatureState.CONFIRMED,
                token_digest=hashlib.sha256(email.encode()).hexdigest(),
                created_at=now - timezone.timedelta(hours=count - i + 1),
                confirmed_at=now - timezone.timedelta(hours=count - i),
            )
        )
    Signature.objects.bulk_create(rows)


@transaction.atomic
def load_demo() -> list[str]:
    """Create the demo petitions that do not exist yet; return the slugs created."""
    created = []
    now = timezone.now()
    if not Petition.objects.filter(slug="koktem-park").exists():
        park = _petition(
            "koktem-park",
            starter="Сәуле Қасымова",
            primary="kk",
            video="https://www.youtube.com/watch?v=aqz-KE-bpKQ",
            days_ago=12,
            updated_days_ago=3,
        )
        PetitionVersion.objects.create(
            petition=park,
            language="kk",
            title="Көктем саябағын тұраққа бермейік!",
            demand="Алматы қаласының әкімдігінен Көктем саябағында тұрақ салуды тоқтатып, "
            "жоба бойынша қоғамдық тыңдау өткізуді сұраймыз.",
            body=PARK_KK,
        )
        PetitionVersion.objects.create(
            petition=park,
            language="ru",
            title="Не отдадим парк «Коктем» под парковку!",
            demand="Просим акимат Алматы остановить строительство парковки в парке «Коктем» "
            "и провести общественные слушания по проекту.",
            body=PARK_RU,
        )
        Target.objects.create(
            petition=park, language="kk", name="Алматы қаласының әкімдігі", position=0
        )
        Target.objects.create(petition=park, language="ru", name="Акимат города Алматы", position=0)
        Target.objects.create(
            petition=park, language="kk", name="Алматы қалалық мәслихаты", position=1
        )
        Target.objects.create(
            petition=park, language="ru", name="Маслихат города Алматы", position=1
        )
        _confirmed_signatures(park, 1, now=now)
        created.append(park.slug)
    if not Petition.objects.filter(slug="open-city-budget").exists():
        budget = _petition(
            "open-city-budget", starter="Open Budget Initiative", primary="en", days_ago=40
        )
        PetitionVersion.objects.create(
            petition=budget,
            language="en",
            title="Publish the city budget as open data",
            demand="Publish the adopted city budget and its execution as machine-readable open "
            "data, by district, within ten days of adoption.",
            body=DATA_EN,
        )
        Target.objects.create(
            petition=budget, name="City Maslikhat", role="adopts the budget", position=0
        )
        Target.objects.create(
            petition=budget, name="Akimat", role="executes the budget", position=1
        )
        _confirmed_signatures(budget, 7, now=now)
        created.append(budget.slug)
    if not Petition.objects.filter(slug="astana-bike-lanes").exists():
        bike = _petition("astana-bike-lanes", starter="Арман Нұров", primary="kk", days_ago=20)
        for language, title, demand, body in [
            (
                "kk",
                "Астанада қауіпсіз велосипед жолдары керек",
                "Астана әкімдігінен мектептерге апаратын көшелерден бастап бөлек, қоршалған "
                "велосипед жолдарын салуды сұраймыз.",
                BIKE_KK,
            ),
            (
                "ru",
                "Безопасные велодорожки для Астаны",
                "Просим акимат Астаны построить отделённые велодорожки, начиная с улиц, ведущих "
                "к школам.",
                BIKE_RU,
            ),
            (
                "en",
                "Safe bike lanes for Astana",
                "We ask the Akimat of Astana to build protected bike lanes, starting with the "
                "streets that lead to schools.",
                BIKE_EN,
            ),
        ]:
            PetitionVersion.objects.create(
                petition=bike, language=language, title=title, demand=demand, body=body
            )
        Target.objects.create(
            petition=bike, language="kk", name="Астана қаласының әкімі", position=0
        )
        Target.objects.create(petition=bike, language="ru", name="Аким города Астаны", position=0)
        Target.objects.create(petition=bike, language="en", name="Akim of Astana", position=0)
        _confirmed_signatures(bike, 47, now=now)
        created.append(bike.slug)
    for petition in Petition.objects.filter(slug__in=created):
        recount(petition.pk)
        rebuild_tallies(petition.pk)  # the demo's signatures have no events for the worker
        Petition.objects.filter(pk=petition.pk).update(
            signature_count=Signature.objects.filter(
                petition=petition, state=SignatureState.CONFIRMED
            ).count()
        )
    return created
