"""The public side of moderation: readers' abuse reports, under the petition's address."""

from django.urls import path

from undeu.moderation import public_views

app_name = "abuse"
urlpatterns = [
    path("p/<slug:slug>/report/", public_views.report, name="report"),
    path("p/<slug:slug>/report/sent/", public_views.report_sent, name="report_sent"),
]
