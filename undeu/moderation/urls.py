from django.urls import path

from undeu.moderation import abuse_views, audit_views, views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("p/<slug:slug>/", views.review, name="review"),
    path("p/<slug:slug>/approve/", views.approve, name="approve"),
    path("p/<slug:slug>/reject/", views.reject, name="reject"),
    path("p/<slug:slug>/restore/", views.restore, name="restore"),
    path("p/<slug:slug>/take-down/", views.take_down, name="take_down"),
    path("p/<slug:slug>/release/", views.release, name="release"),
    path("reports/", abuse_views.report_queue, name="reports"),
    path("reports/<int:report_id>/dismiss/", abuse_views.dismiss_report, name="dismiss_report"),
    path(
        "reports/<int:report_id>/take-down/",
        abuse_views.take_down_reported,
        name="take_down_reported",
    ),
    path("audit/", audit_views.audit_log, name="audit_log"),
]
