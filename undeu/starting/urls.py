from django.urls import path

from undeu.starting.views import dashboard, decision_makers, image, public, review, steps, versions

app_name = "starting"
urlpatterns = [
    path("start/", steps.start, name="start"),
    path("start/<int:pk>/what/", steps.what, name="what"),
    path("start/<int:pk>/why/", steps.why, name="why"),
    path("start/<int:pk>/targets/", decision_makers.decision_makers, name="targets"),
    path("start/<int:pk>/targets/<int:position>/", decision_makers.target_edit, name="target_edit"),
    path(
        "start/<int:pk>/targets/<int:position>/delete/",
        decision_makers.target_delete,
        name="target_delete",
    ),
    path("start/<int:pk>/versions/", versions.versions, name="versions"),
    path("start/<int:pk>/versions/<str:language>/", versions.version, name="version"),
    path("start/<int:pk>/image/", image.image, name="image"),
    path("start/<int:pk>/details/", steps.details, name="details"),
    path("start/<int:pk>/review/", review.review, name="review"),
    path("start/<int:pk>/preview/", review.preview, name="preview"),
    path("start/<int:pk>/submit/", review.submit, name="submit"),
    path("start/<int:pk>/submitted/", review.submitted, name="submitted"),
    path("my/petitions/", dashboard.dashboard, name="dashboard"),
    path("p/<slug:slug>/changes/", public.changes, name="changes"),
]
