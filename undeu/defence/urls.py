from django.urls import path

from undeu.defence import views

app_name = "defence"
urlpatterns = [
    path("", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert, name="alert"),
    path("alerts/<int:alert_id>/dismiss/", views.dismiss_alert, name="dismiss_alert"),
    path("site/", views.site_defence, name="site"),
    path("p/<slug:slug>/", views.petition_defence, name="petition"),
    path(
        "p/<slug:slug>/accept/<int:signature_id>/",
        views.accept_signature,
        name="accept_signature",
    ),
    path("p/<slug:slug>/bulk/", views.bulk_page, name="bulk"),
    path("p/<slug:slug>/bulk/start/", views.bulk_start, name="bulk_start"),
    path("actions/<int:action_id>/", views.action_page, name="action"),
    path("actions/<int:action_id>/cancel/", views.action_cancel, name="action_cancel"),
    path("actions/<int:action_id>/undo/", views.action_undo, name="action_undo"),
]
