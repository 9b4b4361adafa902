from django.contrib import admin
from django.db import models

from undeu.petitions.models import Petition, PetitionVersion, Target


class PetitionVersionInline(admin.StackedInline):
    model = PetitionVersion
    extra = 0


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    list_display = [
        "slug",
        "state",
        "starter_name",
        "primary_language",
        "signature_count",
        "published_at",
    ]
    list_filter = ["state", "primary_language"]
    search_fields = ["slug", "starter_name", "versions__title"]
    date_hierarchy = "created_at"
    inlines = [PetitionVersionInline, TargetInline]
    readonly_fields = ["signature_count"]
    # A video link typed without a scheme is taken as https:// (Django 6's default already).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
