from django.shortcuts import render

from undeu.privacy.page import facts


def privacy(request):
    """The privacy page, generated from this instance's settings (see page.py)."""
    return render(request, "privacy/page.html", facts())
