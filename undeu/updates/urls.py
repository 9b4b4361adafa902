from django.urls import path

from undeu.updates import views

app_name = "updates"
urlpatterns = [
    path("p/<slug:slug>/updates/new/", views.new_update, name="new"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
