from django.urls import path

from undeu.sharing import feeds, views

app_name = "sharing"
urlpatterns = [
    path("p/<slug:slug>/embed/", views.embed, name="embed"),
    path("p/<slug:slug>/qr.png", views.qr_png, name="qr_png"),
    path("p/<slug:slug>/qr.svg", views.qr_svg, name="qr_svg"),
    path("p/<slug:slug>/poster.pdf", views.poster_pdf, name="poster"),
    path("p/<slug:slug>/share.png", views.share_card, name="card"),
    path("p/<slug:slug>/updates.atom", feeds.petition_updates, name="updates_feed"),
    path("petitions/new.atom", feeds.new_petitions, name="new_feed"),
]
