from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.publicity import selectors


class PublicitySearchForm(forms.Form):
    """The listing's filters (GET); choices come from the lists the view loaded. An invalid field is left out of
    the filters, the others still apply."""

    q = forms.CharField(label=_("关键词"), required=False, max_length=selectors.KEYWORD_MAX_LENGTH)
    # Plain ids checked against the lists the view loaded (the template writes the options itself; a choice field
    # would copy hundreds of choices into every form).
    department = forms.IntegerField(label=_("部门"), required=False, min_value=1)
    item = forms.IntegerField(label=_("事项"), required=False, min_value=1)
    date_from = forms.DateField(label=_("决定日期自"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("至"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    outcome = forms.ChoiceField(label=_("决定"), required=False)

    def __init__(self, *args, departments=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.known = {"department": {d.pk for d in departments}, "item": {i.pk for i in items}}
        self.fields["outcome"].choices = [("", _("全部")), *selectors.OUTCOME_LABELS.items()]
        if not selectors.lists_denials():
            del self.fields["outcome"]
        self.fields["q"].widget.attrs.update({
            "placeholder": _("单位名称、统一社会信用代码或完整的决定书文号"), "autocomplete": "off", "type": "search"})

    def _known(self, name: str):
        value = self.cleaned_data.get(name)
        if value is not None and value not in self.known[name]:
            raise forms.ValidationError(_("请从列表中选择。"))
        return value

    def clean_department(self):
        return self._known("department")

    def clean_item(self):
        return self._known("item")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
            data.pop("date_from", None)  # neither end applies until the range is put right
        return data

    def filters(self) -> selectors.Filters:
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        return selectors.Filters(
            department=data.get("department"), item=data.get("item"), date_from=data.get("date_from"),
            date_to=data.get("date_to"), outcome=data.get("outcome") or "",
            keyword=" ".join((data.get("q") or "").split()),
        )
