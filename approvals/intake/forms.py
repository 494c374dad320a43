"""Forms of the window clerk's pages: they parse and check the shape of input; the rules live in services."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import ApplicationMaterial
from approvals.intake.models import Handover
from portal.forms import IdentifierField

REQUIRED = {"required": _("此项为必填项。")}
DATE_INVALID = _("请输入有效的日期，例如 2026-05-20。")


class QueueFilterForm(forms.Form):
    SCOPES = [("", _("全部")), ("mine", _("我认领的")), ("claimed", _("已认领")), ("unclaimed", _("未认领"))]

    scope = forms.ChoiceField(label=_("范围"), choices=SCOPES, required=False)
    q = forms.CharField(label=_("办件编号或申请人"), max_length=50, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("办件编号、申请人或事项")}))

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        scope = data.get("scope") or ""
        return {
            "mine": scope == "mine",
            "claimed": True if scope == "claimed" else False if scope == "unclaimed" else None,
            "query": (data.get("q") or "").strip(),
        }


class AcceptForm(forms.Form):
    opinion = forms.CharField(label=_("受理意见"), max_length=500, required=False,
                              widget=forms.TextInput(attrs={"placeholder": _("例如：材料齐全，符合法定形式")}))


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("不予受理理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请写明不予受理的理由。")})
    refer_to = forms.CharField(label=_("告知向其申请的机关"), max_length=200, required=False,
                               help_text=_("申请事项不属于本机关职权范围的，写明应向哪个行政机关申请。"))


class SupplementForm(forms.Form):
    """一次性告知: tick each missing or faulty material and give its reason, plus free-text lines for materials
    not on the list ("材料名称：原因", one a line). Everything goes into ONE notice."""

    extra = forms.CharField(
        label=_("清单外需补正的材料"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一项，格式：材料名称：补正原因"),
    )
    note = forms.CharField(label=_("补充说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label=_("补正期限"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               error_messages={"invalid": DATE_INVALID},
                               help_text=_("不填则按规定的补正期限（工作日）自动计算。"))

    def __init__(self, *args, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.materials = [m for m in materials if m.asked]
        for material in self.materials:
            self.fields[f"m{material.pk}"] = forms.BooleanField(label=material.name, required=False)
            label = _("“%(name)s”的补正原因") % {"name": material.name}
            self.fields[f"r{material.pk}"] = forms.CharField(
                label=label, max_length=300, required=False,
                widget=forms.TextInput(attrs={"placeholder": _("缺少 / 不清晰 / 已过期 / 与原件不符……"),
                                              "aria-label": label}))

    def rows(self):
        """(material, checkbox field, reason field) for the template."""
        return [(m, self[f"m{m.pk}"], self[f"r{m.pk}"]) for m in self.materials]

    def clean(self):
        data = super().clean()
        entries: list[tuple[ApplicationMaterial | str, str]] = []
        for material in self.materials:
            reason = (data.get(f"r{material.pk}") or "").strip()
            if data.get(f"m{material.pk}"):
                if not reason:
                    self.add_error(f"r{material.pk}", _("请写明“%(name)s”需要补正的原因。") % {"name": material.name})
                entries.append((material, reason))
        for number, line in enumerate((data.get("extra") or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            name, sep, reason = line.replace(":", "：").partition("：")
            if not sep or not name.strip() or not reason.strip():
                self.add_error("extra", _("第 %(n)s 行应为“材料名称：补正原因”。") % {"n": number})
                continue
            entries.append((name.strip(), reason.strip()))
        if not entries and not self.errors:
            raise forms.ValidationError(_("请至少勾选一项需要补正的材料并写明原因。"), code="empty")
        data["entries"] = entries
        return data


class ToleranceForm(forms.Form):
    """容缺受理: only the materials the item marks tolerable; a due date per material (defaults to, and may not
    be later than, the promised completion date); the commitment (paper signature at the window)."""

    paper_signatory = forms.CharField(
        label=_("纸质承诺书承诺人姓名"), max_length=200, required=False,
        help_text=_("申请人未在线签署容缺承诺书的，请其在窗口签署纸质承诺书后录入承诺人姓名。"))
    opinion = forms.CharField(label=_("受理意见"), max_length=500, required=False)

    def __init__(self, *args, materials=(), latest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.latest = latest
        self.materials = [m for m in materials if m.tolerable and m.asked]
        self.latest_of = {}
        for material in self.materials:
            # In a bundle each material's own items set its latest due date (see services.tolerance_limits).
            own_latest = getattr(material, "tolerance_latest", None) or latest
            self.latest_of[material.pk] = own_latest
            self.fields[f"t{material.pk}"] = forms.BooleanField(label=material.name, required=False,
                                                               initial=material.tolerance_requested)
            attrs = {"type": "date", "aria-label": _("“%(name)s”补交期限") % {"name": material.name}}
            if own_latest:
                attrs["max"] = own_latest.isoformat()
            self.fields[f"d{material.pk}"] = forms.DateField(
                label=_("“%(name)s”补交期限") % {"name": material.name}, required=False,
                widget=forms.DateInput(attrs=attrs, format="%Y-%m-%d"), initial=own_latest,
                error_messages={"invalid": DATE_INVALID})

    def rows(self):
        return [(m, self[f"t{m.pk}"], self[f"d{m.pk}"]) for m in self.materials]

    def clean(self):
        data = super().clean()
        tolerated = {}
        for material in self.materials:
            if data.get(f"t{material.pk}"):
                due = data.get(f"d{material.pk}")
                latest = self.latest_of.get(material.pk)
                if due and latest and due > latest:
                    self.add_error(f"d{material.pk}", _("补交期限不能晚于承诺办结日期 %(d)s。") % {"d": latest})
                tolerated[material.pk] = due
        if not tolerated and not self.errors:
            raise forms.ValidationError(_("请勾选容缺的材料。"), code="empty")
        data["tolerated"] = tolerated
        return data


class CommitmentForm(forms.Form):
    """告知承诺制: the commitment text is shown; signed online by the applicant or on paper at the window."""

    paper_signatory = forms.CharField(
        label=_("纸质承诺书承诺人姓名"), max_length=200, required=False,
        help_text=_("申请人未在线签署告知承诺书的，请其在窗口签署纸质承诺书后录入承诺人姓名。"))
    decide_now = forms.BooleanField(label=_("当场办结（当场作出准予许可决定）"), required=False)
    opinion = forms.CharField(label=_("受理意见"), max_length=500, required=False)


class InstantForm(forms.Form):
    opinion = forms.CharField(label=_("决定意见"), max_length=500, required=False,
                              widget=forms.TextInput(attrs={"placeholder": _("材料齐全，符合法定条件，当场准予许可。")}))


# --- the issuing window (统一窗口出件) ---------------------------------------------------------------------------


class IssuingFilterForm(forms.Form):
    q = forms.CharField(label=_("办件编号、申请人或证件号码"), max_length=50, required=False,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("办件编号、申请人姓名或名称、证件号码")}))

    def query(self) -> str:
        return (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""


class HandoverForm(forms.Form):
    """统一出件: at the window (who, which ID, checked, the signed paper receipt) or by post (carrier, tracking
    number). The shape is checked here; what each way needs, the service checks (and shows next to the fields)."""

    method = forms.ChoiceField(label=_("出件方式"), choices=Handover.Method.choices, initial=Handover.Method.WINDOW,
                               widget=forms.RadioSelect, error_messages={"required": _("请选择出件方式。")})
    recipient_name = forms.CharField(label=_("领取人（收件人）姓名"), max_length=64,
                                     error_messages={"required": _("请填写领取人（收件人）姓名。")})
    relation = forms.ChoiceField(label=_("与申请人关系"), required=False,
                                 choices=[("", _("请选择")), *Handover.Relation.choices])
    id_type = forms.ChoiceField(label=_("证件类型"), required=False, initial=Handover.IdType.CITIZEN_ID,
                                choices=[("", _("请选择")), *Handover.IdType.choices])
    id_number = forms.CharField(label=_("证件号码"), max_length=40, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    id_checked = forms.BooleanField(label=_("已当面核验领取人的身份证件原件"), required=False)
    receipt_signed = forms.BooleanField(label=_("领取人已在纸质领取回执上签字"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("例如：委托书已留存")}))
    carrier = forms.ChoiceField(label=_("寄递企业"), required=False,
                                choices=[("", _("请选择")), *Handover.Carrier.choices])
    tracking_number = forms.CharField(label=_("运单号"), max_length=40, required=False)

    def service_arguments(self) -> dict:
        return dict(self.cleaned_data)


# --- walk-in (无差别综合受理) ------------------------------------------------------------------------------------


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(label=_("查找事项或一件事"), max_length=50, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("事项名称、编码或关键词")}))


class WalkInApplicantForm(forms.Form):
    """Find the applicant at the counter by ID number; name etc. only when registering a new one."""

    target = forms.RegexField(regex=r"^(item|bundle):\d+$", widget=forms.HiddenInput,
                              error_messages={"required": _("请先选择要申请的事项或一件事。"),
                                              "invalid": _("请先选择要申请的事项或一件事。")})
    # Normalised (full-width digits, spaces) here; the service tells an ID number from a credit code and checks it.
    id_number = IdentifierField(label=_("证件号码（居民身份证号码或统一社会信用代码）"), error_messages=REQUIRED)
    name = forms.CharField(label=_("姓名或企业名称"), max_length=200, required=False,
                           help_text=_("新申请人登记时填写；已登记的申请人按证件号码自动找到。"))
    legal_representative = forms.CharField(label=_("法定代表人（企业）"), max_length=64, required=False)
    contact_mobile = forms.CharField(label=_("联系电话"), max_length=11, required=False)
    address = forms.CharField(label=_("住所或地址"), max_length=200, required=False)

    def target_parts(self) -> tuple[str, int]:
        kind, _sep, pk = self.cleaned_data["target"].partition(":")
        return kind, int(pk)


class WalkInUploadForm(forms.Form):
    material = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("扫描件"), error_messages={
        "required": _("请选择要上传的扫描件。"), "empty": _("上传的文件是空文件。"),
        "invalid": _("没有收到文件，请重新选择。"),
    })


class SupplementFilterForm(forms.Form):
    q = forms.CharField(label=_("办件编号、证件号码或申请人"), max_length=50, required=False,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("办件编号、身份证号码或申请人姓名")}))

    def query(self) -> str:
        return (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""
