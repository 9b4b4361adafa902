"""A petition's optional deadline: a day, ending at midnight where the site is.

The day is what a starter picks and what people read; it is stored as the last moment of that
day in the site's time zone, so the periodic job closes the petition when the day is over.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from undeu.core.l10n import localised_date

MAX_DAYS = 365


def today() -> datetime.date:
    return timezone.localdate()


def default_deadline_day() -> datetime.date:
    return today() + datetime.timedelta(days=min(settings.UNDEU_DEFAULT_DEADLINE_DAYS, MAX_DAYS))


def latest_deadline_day() -> datetime.date:
    return today() + datetime.timedelta(days=MAX_DAYS)


def end_of_day(day: datetime.date) -> datetime.datetime:
    last_moment = datetime.datetime.combine(day, datetime.time.max).replace(microsecond=0)
    return timezone.make_aware(last_moment, timezone.get_current_timezone())


def deadline_day(deadline: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(deadline) if deadline else None


def check_deadline_day(day: datetime.date) -> None:
    """A deadline must be after today and at most MAX_DAYS away."""
    if day <= today():
        raise ValidationError(_("Choose a day after today."), code="past")
    if day > latest_deadline_day():
        raise ValidationError(
            ngettext(
                "Choose a day at most %(days)d day from today (by %(last)s).",
                "Choose a day at most %(days)d days from today (by %(last)s).",
                MAX_DAYS,
            )
            % {"days": MAX_DAYS, "last": localised_date(latest_deadline_day())},
            code="too_far",
        )
