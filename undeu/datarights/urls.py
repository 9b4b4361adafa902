from django.urls import path

from undeu.datarights import views

app_name = "datarights"
urlpatterns = [
    path("my-signatures/", views.request_link, name="request"),
    path("my-signatures/sent/", views.link_sent, name="sent"),
    path("my-signatures/<str:token>/", views.manage, name="manage"),
]
