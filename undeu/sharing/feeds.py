"""Atom feeds: the newest public petitions in a language, and one petition's updates.

A Feed instance serves every request (and every thread), so nothing about a request is kept on
it: get_object() gathers what a feed says, absolute links included, into a FeedSource, and the
items are Entries built from it.

Atom's <summary> is HTML to feed readers: a demand is plain text, so it is escaped (and its
line breaks kept); an update's text is the sanitised HTML the page shows. Titles are text.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from undeu.petitions.models import Petition
from undeu.petitions.views import cacheable_for_anonymous, public_petition
from undeu.sharing.links import absolute, petition_url
from undeu.updates.models import Update, UpdateText

NEWEST = 50


@dataclass
class Entry:
    title: str
    link: str
    summary: str
    published: datetime
    updated: datetime | None = None
    author: str = ""


@dataclass
class FeedSource:
    title: str
    link: str
    feed_url: str
    subtitle: str
    entries: list[Entry] = field(default_factory=list)


class AtomFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        return cacheable_for_anonymous(request, response)

    def title(self, source: FeedSource) -> str:
        return source.title

    def link(self, source: FeedSource) -> str:
        return source.link

    def feed_url(self, source: FeedSource) -> str:
        return source.feed_url

    def subtitle(self, source: FeedSource) -> str:
        return source.subtitle

    def feed_guid(self, source: FeedSource) -> str:
        return source.feed_url

    def items(self, source: FeedSource) -> list[Entry]:
        return source.entries

    def item_title(self, entry: Entry) -> str:
        return entry.title

    def item_link(self, entry: Entry) -> str:
        return entry.link

    def item_guid(self, entry: Entry) -> str:
        return entry.link

    def item_description(self, entry: Entry) -> str:
        return entry.summary

    def item_pubdate(self, entry: Entry) -> datetime:
        return entry.published

    def item_updateddate(self, entry: Entry) -> datetime:
        return entry.updated or entry.published

    def item_author_name(self, entry: Entry) -> str:
        return entry.author


class NewPetitionsFeed(AtomFeed):
    """Published petitions, newest first, each in the feed's language where it has a version."""

    def get_object(self, request):
        language = get_language()
        petitions = (
            Petition.objects.public()
            .exclude(published_at=None)
            .prefetch_related("versions")
            .order_by("-published_at", "-id")[:NEWEST]
        )
        entries = []
        for petition in petitions:
            version = petition.version_for(language)
            entries.append(
                Entry(
                    title=version.title,
                    link=petition_url(request, petition, language),
                    summary=linebreaksbr(version.demand, autoescape=True),
                    published=petition.published_at,
                    updated=petition.updated_at or petition.published_at,
                    author=petition.starter_name,
                )
            )
        return FeedSource(
            title=_("New petitions on %(site)s") % {"site": settings.SITE_NAME},
            link=absolute(request, reverse("petitions:list") + "?sort=newest"),
            feed_url=absolute(request, request.path),
            subtitle=_("Petitions as they are published."),
            entries=entries,
        )


class PetitionUpdatesFeed(AtomFeed):
    """One petition's updates, newest first, in the feed's language where written in it."""

    def get_object(self, request, slug):
        petition = public_petition(slug)
        language = get_language()
        version = petition.version_for(language)
        page = petition_url(request, petition, language)
        updates = list(
            Update.objects.filter(petition=petition).order_by("-created_at", "-id")[:NEWEST]
        )
        texts: dict[int, list[UpdateText]] = {}
        for text in UpdateText.objects.filter(update__in=updates):
            texts.setdefault(text.update_id, []).append(text)
        entries = []
        for update in updates:
            if update.pk not in texts:
                continue
            update.petition = petition  # text_for() reads its primary language
            text = update.text_for(language, texts[update.pk])
            entries.append(
                Entry(
                    title=text.title,
                    link=f"{page}#update-{update.pk}",
                    summary=text.body_html,
                    published=update.created_at,
                    author=petition.starter_name,
                )
            )
        return FeedSource(
            title=_("Updates: %(title)s") % {"title": version.title},
            link=page,
            feed_url=absolute(request, request.path),
            subtitle=version.demand,
            entries=entries,
        )


new_petitions = NewPetitionsFeed()
petition_updates = PetitionUpdatesFeed()
