from django.urls import path

from undeu.delivery import views

app_name = "delivery"
urlpatterns = [
    path("p/<slug:slug>/manage/", views.manage, name="manage"),
    path("p/<slug:slug>/manage/close/", views.close_early, name="close"),
    path("p/<slug:slug>/manage/delivered/", views.delivered, name="delivered"),
    path("p/<slug:slug>/manage/outcome/", views.outcome, name="outcome"),
    path("p/<slug:slug>/manage/package.pdf", views.package_pdf_download, name="pdf"),
    path("p/<slug:slug>/manage/signatures.csv", views.package_csv_download, name="csv"),
]
