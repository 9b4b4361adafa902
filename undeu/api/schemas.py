"""What the public API answers, as pydantic models: django-ninja builds the OpenAPI document from
them and checks every answer against them.

Only what a petition's page shows everyone, and aggregates: never a signer's name (not even the
public ones a page lists), email, address or anything else about one signer. Every description
is marked for translation (gettext_noop) so the HTML reference can show it in kk, ru and en while
the OpenAPI document itself stays in English.
"""

from datetime import datetime
from typing import Any, Literal

from django.utils.translation import gettext_noop
from ninja import Field, Schema

State = Literal["open", "closed"]
Language = Literal["kk", "ru", "en"]
OutcomeCode = Literal["victory", "response", "no_response"]
Sort = Literal["popular", "newest"]


class Problem(Schema):
    detail: str = Field(description=gettext_noop("What went wrong, in English."))


class Gone(Schema):
    detail: Literal["removed"] = Field(
        description=gettext_noop("The petition was taken down by the moderators.")
    )
    reason: str = Field(
        description=gettext_noop(
            "Why it was taken down, as the code of one of the instance's moderation reasons, or "
            "empty."
        )
    )


class ValidationProblem(Schema):
    detail: list[dict[str, Any]] = Field(
        description=gettext_noop("One entry for each parameter that was refused, with its place.")
    )


class Target(Schema):
    name: str = Field(description=gettext_noop("A decision-maker the petition is addressed to."))
    role: str = Field(description=gettext_noop("Their role or office; may be empty."))
    language: Language | Literal[""] = Field(
        description=gettext_noop(
            "The language of this spelling of the name; empty when it reads the same in every "
            "language."
        )
    )


class VersionSummary(Schema):
    language: Language = Field(description=gettext_noop("Language of this version."))
    title: str = Field(description=gettext_noop("The petition's title in this language."))
    demand: str = Field(description=gettext_noop("What the petition asks, in this language."))


class Version(VersionSummary):
    body: str = Field(description=gettext_noop("Why, as the starter wrote it (Markdown)."))
    body_html: str = Field(
        description=gettext_noop("The same rendered as sanitised HTML (no scripts, no styles).")
    )


class Outcome(Schema):
    result: OutcomeCode | None = Field(
        description=gettext_noop(
            "What came of the petition: victory, response, no_response; null while none is "
            "recorded."
        )
    )
    text: str = Field(description=gettext_noop("The response received, as the starter gave it."))
    recorded_at: datetime | None = Field(description=gettext_noop("When the outcome was recorded."))
    delivered_at: datetime | None = Field(
        description=gettext_noop("When the starter delivered the petition to its targets.")
    )


class Threshold(Schema):
    name: str = Field(
        description=gettext_noop(
            "The threshold's code (response, debate, or a name the instance chose)."
        )
    )
    signatures: int = Field(description=gettext_noop("The count that reaches it."))
    reached: bool = Field(description=gettext_noop("Whether the current count reaches it."))
    reached_at: datetime | None = Field(
        description=gettext_noop("When the count last reached it, once recorded.")
    )


class PetitionSummary(Schema):
    id: int = Field(description=gettext_noop("The petition's number, stable for ever."))
    slug: str = Field(description=gettext_noop("The petition's address on the site."))
    url: str = Field(description=gettext_noop("Its page, in its primary language."))
    state: State = Field(
        description=gettext_noop("open (signing) or closed (no longer signing), as a code.")
    )
    primary_language: Language = Field(
        description=gettext_noop("The language the petition was written in first.")
    )
    languages: list[Language] = Field(
        description=gettext_noop("Every language the petition has a version in.")
    )
    versions: list[VersionSummary] = Field(
        description=gettext_noop("Its title and demand in each language.")
    )
    count: int = Field(description=gettext_noop("Confirmed signatures, at most a few seconds old."))
    published_at: datetime | None = Field(description=gettext_noop("When it opened for signing."))
    closed_at: datetime | None = Field(description=gettext_noop("When it closed."))
    deadline: datetime | None = Field(description=gettext_noop("When it closes by itself."))
    outcome: OutcomeCode | None = Field(
        description=gettext_noop("victory, response, no_response, or null.")
    )


class PetitionPage(Schema):
    total: int = Field(description=gettext_noop("How many petitions match, on every page."))
    page: int = Field(description=gettext_noop("This page's number, from 1."))
    page_size: int = Field(description=gettext_noop("Petitions per page."))
    pages: int = Field(description=gettext_noop("How many pages there are."))
    results: list[PetitionSummary] = Field(description=gettext_noop("The petitions on this page."))


class PetitionDetail(PetitionSummary):
    versions: list[Version] = Field(  # type: ignore[assignment]
        description=gettext_noop("Every language version, in full.")
    )
    starter_name: str = Field(
        description=gettext_noop("The starter's public name, as the petition's page shows it.")
    )
    targets: list[Target] = Field(description=gettext_noop("Who the petition is addressed to."))
    image_url: str | None = Field(
        description=gettext_noop("The petition’s picture, if it has one.")
    )
    video_url: str | None = Field(description=gettext_noop("A video the starter linked, if any."))
    created_at: datetime = Field(description=gettext_noop("When the starter began writing it."))
    updated_at: datetime | None = Field(
        description=gettext_noop("When its text last changed after publishing.")
    )
    goal: int = Field(description=gettext_noop("The next round number the count climbs towards."))
    progress: int = Field(description=gettext_noop("Percent of the way to the goal (0-100)."))
    counts_by_country: dict[str, int] = Field(
        description=gettext_noop(
            "Counted signatures by the signers' country (ISO 3166-1 alpha-2 codes), most first; "
            "a few seconds behind the count."
        )
    )
    counts_by_region: dict[str, int] = Field(
        description=gettext_noop(
            "Counted signatures by region of Kazakhstan (ISO 3166-2:KZ codes), most first; "
            "signatures without a region are not in it."
        )
    )
    thresholds: list[Threshold] = Field(
        description=gettext_noop("The counts at which this instance promises something.")
    )
    result: Outcome = Field(
        description=gettext_noop("Delivery to the targets and what came of it.")
    )


class Count(Schema):
    count: int = Field(description=gettext_noop("Confirmed signatures, at most a few seconds old."))
    goal: int = Field(description=gettext_noop("The next round number the count climbs towards."))
    progress: int = Field(description=gettext_noop("Percent of the way to the goal (0-100)."))


class TrendingPetition(Schema):
    petition: PetitionSummary
    gained: int = Field(
        description=gettext_noop(
            "Signatures confirmed in the last 24 hours that still count (by the hour: the "
            "current hour and the 23 before it)."
        )
    )


class Trending(Schema):
    hours: int = Field(description=gettext_noop("The window the gains are counted over."))
    computed_at: datetime = Field(description=gettext_noop("When this list was worked out."))
    results: list[TrendingPetition] = Field(
        description=gettext_noop("Open petitions by signatures gained, most first.")
    )
