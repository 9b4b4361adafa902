from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from undeu.api import urls as api_urls
from undeu.core import views as core_views
from undeu.mail import views as mail_views
from undeu.petitions import views as petition_views
from undeu.privacy import views as privacy_views
from undeu.sharing import views as sharing_views
from undeu.starting.views import media as starting_media

urlpatterns = [
    path("p/<slug:slug>/count.json", petition_views.count_json, name="count_json"),
    # Petition images, for instances without a web server in front (see starting/views/media.py).
    path("media/petitions/<path:name>", starting_media.petition_image, name="petition_image"),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sharing_views.sitemap_index, name="sitemap_index"),
    path("sitemap-<str:section>.xml", sharing_views.sitemap, name="sitemap"),
    *api_urls.urlpatterns,
]
if settings.UNDEU_MAIL == "local":
    urlpatterns.append(path("dev/mail/", mail_views.mailbox, name="mailbox"))

urlpatterns += i18n_patterns(
    path("", include("undeu.petitions.urls")),
    path("", include("undeu.signatures.urls")),
    path("accounts/", include("undeu.accounts.urls")),
    path("moderation/defence/", include("undeu.defence.urls")),
    path("moderation/", include("undeu.moderation.urls")),
    path("", include("undeu.moderation.public_urls")),
    path("", include("undeu.starting.urls")),
    path("", include("undeu.updates.urls")),
    path("", include("undeu.delivery.urls")),
    path("", include("undeu.datarights.urls")),
    path("", include("undeu.sharing.urls")),
    path("", include("undeu.stats.urls")),
    path("cookies/", core_views.cookie_settings, name="cookie_settings"),
    path("privacy/", privacy_views.privacy, name="privacy"),
    *api_urls.page_patterns,
    prefix_default_language=True,
)

handler400 = "undeu.core.views.bad_request"
handler403 = "undeu.core.views.permission_denied"
handler404 = "undeu.core.views.page_not_found"
handler500 = "undeu.core.views.server_error"
