"""Form widgets rendered in Python, for the filter bars of the busiest pages.

Django renders a widget through its templates: a <select> is one template plus an include per option, which cost
more than a whole row table on a list page (bench/approvals_bench.py, issue 14). These give the same HTML from
one format_html: the attributes the bound field adds (id, required, maxlength, aria-describedby) come through
`build_attrs` as for Django's own. Flat choices only (no option groups).
"""
from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

SELECTED = mark_safe(" selected")


class QuickSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join("", '<option value="{}"{}>{}</option>',
                                   ((v, SELECTED if str(v) in chosen else "", label) for v, label in self.choices))
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)),
                           options)


class QuickTextInput(forms.TextInput):
    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        shown = format_html(' value="{}"', value) if value is not None else ""
        return format_html('<input type="{}" name="{}"{}{}>', self.input_type, name, shown,
                           flatatt(self.build_attrs(self.attrs, attrs)))
