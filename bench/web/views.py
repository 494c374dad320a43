"""The minimal view: what any page of the portal costs at least on this machine, measured by the same client in the
same run, so that every page's throughput can be given as a share of it (a ratio survives a noisy machine).

One indexed query (the 20 newest applications: a backward scan of the primary key), a plain template (no base
layout, no context processors), through the whole middleware stack like every page."""
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from applications.models import Application

ROWS = 20


@require_GET
def minimal(request):
    rows = list(Application.objects.order_by("-id").values_list("id", "case_number", "title", "status")[:ROWS])
    return HttpResponse(render_to_string("bench/minimal.html", {"rows": rows}))
