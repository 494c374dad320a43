"""Template filters of the legal clock: `{% if day|provisional %}` marks a due date that lies past the last
year the working-day calendar holds (counted by the Monday-Friday rule until that year is entered)."""
from django import template

from portal import clock

register = template.Library()


@register.filter
def provisional(day) -> bool:
    return clock.is_provisional(day)
