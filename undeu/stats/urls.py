from django.urls import path

from undeu.stats import views

app_name = "stats"
urlpatterns = [
    path("p/<slug:slug>/stats/", views.petition_stats, name="petition"),
    path("stats/", views.site_stats, name="site"),
]
