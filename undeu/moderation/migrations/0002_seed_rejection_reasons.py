"""The reasons a moderator can give from day one; operators edit the list in the admin."""

from django.db import migrations

REASONS = [
    (
        "duplicate",
        "Бұрыннан бар петицияны қайталайды",
        "Повторяет уже существующую петицию",
        "Duplicates an existing petition",
    ),
    (
        "offensive",
        "Қорлайтын немесе өшпенділікті қоздыратын мазмұн",
        "Оскорбительное или разжигающее ненависть содержание",
        "Offensive or hateful content",
    ),
    (
        "not-a-petition",
        "Петиция емес: нақты талап жоқ",
        "Не петиция: нет ясного требования",
        "Not a petition: there is no clear demand",
    ),
    (
        "unlawful",
        "Заңға қайшы мазмұн",
        "Противоправное содержание",
        "Unlawful content",
    ),
    (
        "personal-data",
        "Біреудің дербес деректерін жариялайды немесе жала жабады",
        "Раскрывает чьи-то персональные данные или содержит клевету",
        "Publishes someone's personal data or is defamatory",
    ),
    (
        "outside-targets-power",
        "Талап адресаттардың өкілеттігіне жатпайды",
        "Требование вне полномочий адресатов",
        "The demand is not within the power of those it is addressed to",
    ),
    (
        "spam",
        "Спам немесе жарнама",
        "Спам или реклама",
        "Spam or advertising",
    ),
]


def seed(apps, schema_editor):
    RejectionReason = apps.get_model("moderation", "RejectionReason")
    for position, (code, kk, ru, en) in enumerate(REASONS, start=1):
        RejectionReason.objects.update_or_create(
            code=code,
            defaults={"label_kk": kk, "label_ru": ru, "label_en": en, "position": position * 10},
        )


def unseed(apps, schema_editor):
    RejectionReason = apps.get_model("moderation", "RejectionReason")
    RejectionReason.objects.filter(code__in=[code for code, *_ in REASONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
