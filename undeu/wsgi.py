import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undeu.settings")
django.setup(set_prefix=False)  # as get_wsgi_application() does

# The production application: Django's handler with the signing lane at its front, behind the
# page cache. Both need the settings set up above.
from undeu.core.page_cache import wrap  # noqa: E402
from undeu.signatures.front import FrontLaneHandler  # noqa: E402

application = wrap(FrontLaneHandler())
