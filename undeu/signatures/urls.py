from django.urls import path

from undeu.signatures import views

app_name = "signatures"
urlpatterns = [
    path("p/<slug:slug>/sign/", views.sign_petition, name="sign"),
    path("p/<slug:slug>/check-email/", views.check_email, name="check_email"),
    path("confirm/<str:token>/", views.confirm_signature, name="confirm"),
]
