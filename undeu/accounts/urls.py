"""allauth's pages (sign-up, sign-in, email, password, two-factor) and our account page.

No app_name here: allauth's views reverse their own names ("account_login", ...) without a
namespace. Our own views keep the "accounts" namespace through the nested include.
"""

from django.urls import include, path

from undeu.accounts import views

own_patterns = [
    path("", views.home, name="home"),
]

urlpatterns = [
    path("", include((own_patterns, "accounts"))),
    path("", include("allauth.urls")),
]
