"""What changed in a published petition: its revisions, each shown as a readable diff.

The text after a revision is the next revision of the same language, or the version as it is
now; so each diff is fixed once written and can be cached by revision. Texts are compared by
lines first and by words within changed lines, which is fast on long texts and reads well.
Everything is escaped; removed and added text is marked with <del> and <ins> and with words
that screen readers speak, since most do not announce those elements.
"""

import hashlib
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.core.cache import cache
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from undeu.petitions.models import Petition
from undeu.starting.models import PetitionRevision

# A word with the spaces after it, a punctuation mark with its spaces, or leading spaces.
_TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+", re.UNICODE)
# Beyond this many tokens a changed block is shown as removed-then-added, not word by word.
MAX_WORD_DIFF_TOKENS = 3000
FIELDS = (
    ("title", gettext_lazy("Title")),
    ("demand", gettext_lazy("What the petition asks")),
    ("body", gettext_lazy("Why it matters")),
)


def _removed(text: str) -> SafeString:
    return format_html(
        '<del><span class="visually-hidden">[{}] </span>{}<span class="visually-hidden">'
        " [{}]</span></del>",
        _("removed:"),
        text,
        _("end of removed text"),
    )


def _added(text: str) -> SafeString:
    return format_html(
        '<ins><span class="visually-hidden">[{}] </span>{}<span class="visually-hidden">'
        " [{}]</span></ins>",
        _("added:"),
        text,
        _("end of added text"),
    )


def _diff_tokens(before: list[str], after: list[str], inner=None) -> list[str]:
    parts = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(before[i1:i2]), "".join(after[j1:j2])
        if operation == "equal":
            parts.append(escape(old))
        elif operation == "replace" and inner is not None:
            parts.append(inner(old, new))
        else:
            if old:
                parts.append(_removed(old))
            if new:
                parts.append(_added(new))
    return parts


def _word_diff(before: str, after: str) -> str:
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    if len(old) + len(new) > MAX_WORD_DIFF_TOKENS:
        return "".join(_diff_tokens([before], [after]))
    return "".join(_diff_tokens(old, new))


def text_diff(before: str, after: str) -> SafeString:
    """HTML showing how `before` became `after`, by lines and then by words."""
    lines_before = before.splitlines(keepends=True)
    lines_after = after.splitlines(keepends=True)
    html = "".join(_diff_tokens(lines_before, lines_after, inner=_word_diff))
    return mark_safe(html)  # noqa: S308 - every part is escaped or built by format_html  # nosec B308 B703


@dataclass
class FieldChange:
    label: str
    diff: SafeString


@dataclass
class Change:
    revision: PetitionRevision
    added_version: bool
    fields: list[FieldChange]


def _cached_diff(revision_id: int, field: str, before: str, after: str) -> SafeString:
    digest = hashlib.sha256(f"{before}\0{after}".encode()).hexdigest()[:16]
    key = f"starting:diff:{get_language()}:{revision_id}:{field}:{digest}"
    html = cache.get(key)
    if html is None:
        html = str(text_diff(before, after))
        cache.set(key, html, timeout=24 * 3600)
    return mark_safe(html)  # noqa: S308 - built by text_diff, which escapes every part  # nosec B308 B703


def revisions_with_next_text(petition: Petition) -> list[tuple[PetitionRevision, object]]:
    """(revision, what came after it) for every revision, newest first."""
    revisions = list(
        PetitionRevision.objects.filter(petition=petition).order_by("created_at", "id")
    )
    after: dict[int, object] = {}
    latest: dict[str, PetitionRevision] = {}
    for revision in revisions:
        if revision.language in latest:
            after[latest[revision.language].pk] = revision
        latest[revision.language] = revision
    current = petition.versions_by_language
    pairs = []
    for revision in reversed(revisions):
        following = after.get(revision.pk) or current.get(revision.language)
        if following is not None:
            pairs.append((revision, following))
    return pairs


def describe(revision: PetitionRevision, following) -> Change:
    fields = [
        FieldChange(
            str(label),
            _cached_diff(revision.pk, name, getattr(revision, name), getattr(following, name)),
        )
        for name, label in FIELDS
        if getattr(revision, name) != getattr(following, name)
    ]
    return Change(revision, added_version=not revision.title, fields=fields)
