"""`get_<field>_display()` without re-translating every choice on every call.

Django's own version builds `dict(make_hashable(field.flatchoices))` each time it is called: hashing each lazy
label translates it, so a list page of 20 rows with a status column ran ~300 gettext calls, several milliseconds
of every 我的办件 page (bench/approvals_bench.py, issue 14). This one keeps, per field and per language, the
labels already translated, and answers what Django's answers: the label of a known value, the value itself for
one outside the choices. Installed for every model at start (PortalConfig.ready); a model that defines its own
`get_<field>_display` keeps it.
"""
from __future__ import annotations

from functools import partialmethod

from django.utils.encoding import force_str
from django.utils.translation import get_language


def _fast_display(field):
    by_language: dict[str | None, dict] = {}

    def get_display(self):
        value = getattr(self, field.attname)
        language = get_language()
        labels = by_language.get(language)
        if labels is None:
            labels = by_language[language] = {
                key: force_str(label, strings_only=True) for key, label in field.flatchoices
            }
        try:
            return labels.get(value, force_str(value, strings_only=True))
        except TypeError:  # an unhashable value (a list in a JSON field): Django's answer
            return force_str(value, strings_only=True)

    get_display.__name__ = f"get_{field.name}_display"
    return get_display


def install(models) -> int:
    """Replace Django's generated method on these model classes; returns how many were replaced."""
    replaced = 0
    for model in models:
        for field in model._meta.get_fields():
            if not getattr(field, "choices", None) or not getattr(field, "attname", None):
                continue
            name = f"get_{field.name}_display"
            for cls in model.__mro__:
                if name in cls.__dict__:
                    if isinstance(cls.__dict__[name], partialmethod) and cls is model:
                        setattr(model, name, _fast_display(field))
                        replaced += 1
                    break
    return replaced
