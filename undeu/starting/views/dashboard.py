from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from undeu.starting.dashboard import starter_petitions


@login_required
@never_cache
@require_GET
def dashboard(request):
    return render(
        request, "starting/dashboard.html", {"summaries": starter_petitions(request.user)}
    )
