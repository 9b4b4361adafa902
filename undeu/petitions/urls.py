from django.urls import path

from undeu.petitions import views

app_name = "petitions"
urlpatterns = [
    path("", views.home, name="home"),
    path("petitions/", views.petition_list, name="list"),
    path("p/<slug:slug>/", views.detail, name="detail"),
    path("p/<slug:slug>/all/", views.all_versions, name="all_versions"),
]
