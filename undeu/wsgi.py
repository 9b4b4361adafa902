import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undeu.settings")
application = get_wsgi_application()

from undeu.core.page_cache import wrap  # noqa: E402 - needs the settings set up above

application = wrap(application)
