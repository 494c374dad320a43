"""{% application_notes application %}: the lines other apps add to an application's pages
(applications.extensions), e.g. that it renews a licence, on the applicant's pages and the staff's."""
from django import template

from applications import extensions

register = template.Library()


@register.inclusion_tag("applications/_notes.html")
def application_notes(application):
    return {"notes": extensions.notes_for(application) if application is not None else []}
