from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Item

AUDIENCE_CHOICES = [("", _("全部对象")), ("person", _("个人办事")), ("enterprise", _("法人办事"))]


class GuideSearchForm(forms.Form):
    """The guide index's search box and filters; choices come from the lists the view already loaded."""

    q = forms.CharField(label=_("搜索事项"), required=False, max_length=50)
    department = forms.TypedChoiceField(label=_("部门"), required=False, coerce=int, empty_value=None)
    theme = forms.ChoiceField(label=_("主题"), required=False)
    audience = forms.ChoiceField(label=_("服务对象"), required=False, choices=AUDIENCE_CHOICES)
    online = forms.BooleanField(label=_("只看全程网办"), required=False)

    def __init__(self, *args, departments=(), themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("全部部门"))] + [(d.pk, d.name) for d in departments]
        self.fields["theme"].choices = [("", _("全部主题"))] + [(t.code, t.name) for t in themes]
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("想办什么事？如“开饭店”“办营业执照”“药店”"), "autocomplete": "off", "type": "search"}
        )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": (data.get("q") or "").strip(),
            "department": data.get("department"),
            "theme": data.get("theme") or "",
            "audience": data.get("audience") or "",
            "online_only": bool(data.get("online")),
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("清单文件（.xlsx 或 .csv）"))
    dry_run = forms.BooleanField(label=_("仅校验，不写入（试运行）"), required=False, initial=True)
    publish = forms.BooleanField(label=_("导入后将新事项发布到现行清单"), required=False)

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        if upload.size > getattr(settings, "UPLOAD_MAX_BYTES", 20 * 1024 * 1024):
            raise forms.ValidationError(_("文件过大。"))
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只支持 .xlsx 和 .csv 文件。"))
        return upload


class ItemAdminForm(forms.ModelForm):
    """Multi-value code fields as checkboxes in the admin."""

    class Meta:
        model = Item
        fields = "__all__"
        widgets = {
            "legal_basis": forms.Textarea(attrs={"rows": 3}),
            "conditions": forms.Textarea(attrs={"rows": 4}),
            "procedure": forms.Textarea(attrs={"rows": 3}),
            "fee_text": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from catalog.codesets import Channel, ServiceObject

        for name, choices in (("channels", Channel.choices), ("service_objects", ServiceObject.choices)):
            field = self.fields[name]
            self.fields[name] = forms.TypedMultipleChoiceField(
                label=field.label, choices=choices, widget=forms.CheckboxSelectMultiple, required=True,
                help_text=field.help_text,
            )
            if self.instance.pk:
                self.initial[name] = getattr(self.instance, name)
