"""The applicant's pages: registration and identities, agents' consents, the online application in steps
(form, materials, review, submit), "my applications" with the timeline, notices, supplements and withdrawal,
the permission-checked file download and the public progress lookup.

Thin: parse input, call a selector or a service, render. Someone else's application or file answers 404
(the selectors only return what the user may see); a service's refusal is shown as its Chinese message.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from portal.documents import render_pdf
from portal.filenames import content_disposition
from portal.web import error_messages, flash_error, safe_next, stored_file_response
from applications import forms, licences, receipts, rows, selectors, services, steps
from applications.ratings import selectors as rating_selectors
from portal import navigation
from portal.errors import Throttled
from applications.models import Commitment, Status
from catalog import selectors as catalog_selectors
from portal.roles import Role
from portal.services import client_ip

PAGE_SIZE = 20


# --- helpers -------------------------------------------------------------------------------------------------


def _mine(request, pk: int):
    """One of the user's applications with everything its pages show; anyone else's answers 404."""
    application = selectors.application_detail(request.user, pk)
    if application is None:
        raise Http404(_("办件不存在。"))
    return application


def _editable(request, pk: int):
    """An application the user may fill in (the applicant's side, or a clerk for a walk-in); else 404."""
    application = selectors.editable_application(request.user, pk)
    if application is None:
        raise Http404(_("办件不存在。"))
    return application


def _material(application, material_pk: int):
    for material in application.materials.all():
        if material.pk == material_pk:
            return material
    raise Http404(_("材料不存在。"))


def _after_draft(application) -> str:
    """Where a finished (no longer draft) application goes: its detail page, or the confirmation page."""
    return reverse("applications:detail", args=[application.pk])


STEP_LABELS = {"form": _("填写申请表"), "materials": _("上传材料"), "review": _("确认提交")}


def _held(materials) -> dict:
    """The registry licences already read by selectors.with_registry, by material id (for services.readiness)."""
    return {m.pk: m.registry_licence for m in materials if getattr(m, "registry_licence", None) is not None}


def _steps(current: str, ready: services.Readiness) -> list[dict]:
    """The step indicator: a step shows done only when its content is complete (applications.steps)."""
    done = steps.completed_steps(missing_fields=ready.missing_fields, missing_materials=ready.missing_materials,
                                 missing_commitments=ready.missing_commitments)
    return [{**mark, "label": STEP_LABELS[mark["key"]], "url_name": f"applications:step_{mark['key']}"}
            for mark in steps.step_marks(current, done)]


# --- registration and identities -----------------------------------------------------------------------------


CODE_FIELD_ERRORS = {"code_expired", "code_locked", "code_wrong"}
MOBILE_FIELD_ERRORS = {"mobile_taken", "invalid"}


@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    """Self-registration with a mobile number, an SMS code (获取验证码) and a password; signed in at once."""
    if request.user.is_authenticated:
        return redirect(safe_next(request, reverse("portal:home")))
    code_sent = False
    if request.method == "POST":
        sending = request.POST.get("action") == "send_code"
        form = forms.RegistrationForm(request.POST, sending=sending)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if sending:
                    services.send_registration_code(data["mobile"], request=request)
                    code_sent = True
                else:
                    user = services.register_account(data["mobile"], data["code"], data["password"],
                                                      real_name=data.get("real_name") or "", request=request)
                    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                    messages.success(request, _("注册成功，欢迎使用一窗通。请先添加申请主体（本人身份或企业）。"))
                    return redirect(safe_next(request, reverse("applications:applicants")))
            except ValidationError as exc:
                code = getattr(exc, "code", None)
                if code in CODE_FIELD_ERRORS:
                    form.add_error("code", exc)
                elif code in MOBILE_FIELD_ERRORS:
                    form.add_error("mobile", exc)
                elif isinstance(exc, Throttled) or sending:
                    form.add_error(None, exc)
                else:  # the password validators
                    form.add_error("password", exc)
    else:
        form = forms.RegistrationForm()
    return render(request, "applications/register.html", {
        "form": form, "code_sent": code_sent, "next": safe_next(request),
        "code_minutes": services.CODE_TTL_MINUTES,
    })


@login_required
@require_http_methods(["GET", "POST"])
def applicants(request):
    """“我代表的主体”: the account's own identity and the enterprises it represents; add either."""
    person_form = forms.PersonIdentityForm(prefix="person")
    enterprise_form = forms.EnterpriseForm(prefix="enterprise")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "person":
                person_form = forms.PersonIdentityForm(request.POST, prefix="person")
                if person_form.is_valid():
                    services.add_person_identity(request.user, person_form.cleaned_data["real_name"],
                                                 person_form.cleaned_data["citizen_id"], request=request)
                    messages.success(request, _("已绑定本人身份。"))
                    return redirect(safe_next(request, reverse("applications:applicants")))
            elif action == "enterprise":
                enterprise_form = forms.EnterpriseForm(request.POST, prefix="enterprise")
                if enterprise_form.is_valid():
                    applicant = services.add_enterprise(request.user, request=request, **enterprise_form.cleaned_data)
                    messages.success(request, _("已添加企业：%(name)s。") % {"name": applicant.name})
                    return redirect(safe_next(request, reverse("applications:applicants")))
        except ValidationError as exc:
            target = person_form if action == "person" else enterprise_form
            field = {"citizen_id": "citizen_id", "credit_code": "credit_code"}.get(getattr(exc, "code", None))
            target.add_error(field, exc)
    representations = selectors.representations_of(request.user)
    return render(request, "applications/applicants.html", {
        "representations": representations,
        "has_self": any(r.relation == "self" for r in representations),
        "person_form": person_form, "enterprise_form": enterprise_form, "next": safe_next(request),
    })


@login_required
@require_http_methods(["GET", "POST"])
def consents(request):
    """Consents the account's applicants gave to agents (grant, revoke), and, for an agent, those it holds."""
    applicant_list = selectors.applicants_of(request.user)
    agent_list = list(selectors.agents())
    items = list(catalog_selectors.published_items().only("pk", "name").order_by("name"))
    bundles = list(catalog_selectors.published_bundles())
    form_kwargs = {"applicants": applicant_list, "agents": agent_list, "items": items, "bundles": bundles}
    form = forms.ConsentForm(**form_kwargs)
    if request.method == "POST":
        form = forms.ConsentForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            item_pk, bundle_pk = form.scope_parts()
            try:
                consent = services.grant_agent_consent(
                    request.user, next(a for a in applicant_list if a.pk == data["applicant"]),
                    next(u for u in agent_list if u.pk == data["agent"]), purpose=data["purpose"],
                    valid_until=data["valid_until"], request=request,
                    item=next((i for i in items if i.pk == item_pk), None),
                    bundle=next((b for b in bundles if b.pk == bundle_pk), None),
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, error_messages(exc))
            else:
                messages.success(request, _("已授权 %(agent)s 代办。") % {"agent": consent.agent})
                return redirect("applications:consents")
    given = Paginator(selectors.consents_given(request.user).order_by("-granted_at", "-id"), PAGE_SIZE)
    held = None
    if request.user.has_role(Role.AGENT):
        held = selectors.consents_held(request.user).order_by("-granted_at", "-id")[:100]
    return render(request, "applications/consents.html", {
        "form": form, "page": given.get_page(request.GET.get("page")), "held": held,
        "can_grant": bool(applicant_list), "has_agents": bool(agent_list),
    })


@login_required
@require_POST
def consent_revoke(request, pk: int):
    consent = selectors.consents_given(request.user).filter(pk=pk).first()
    if consent is None:
        raise Http404(_("授权不存在。"))
    services.revoke_agent_consent(consent, request.user, request=request)
    messages.success(request, _("已撤销对 %(agent)s 的代办授权。") % {"agent": consent.agent})
    return redirect("applications:consents")


# --- starting an application ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def apply_item(request, pk: int):
    item = catalog_selectors.guide_item(pk)
    if item is None:
        raise Http404(_("事项不存在或未发布。"))
    return _apply(request, item=item)


@login_required
@require_http_methods(["GET", "POST"])
def apply_bundle(request, pk: int):
    bundle = catalog_selectors.guide_bundle(pk)
    if bundle is None:
        raise Http404(_("一件事不存在或未发布。"))
    return _apply(request, bundle=bundle)


def _apply(request, *, item=None, bundle=None):
    """Choose the applicant (self, an enterprise represented, or for an agent a consenting applicant)."""
    choices = selectors.applicants_for_filing(request.user, item=item, bundle=bundle)
    error = ""
    if request.method == "POST":
        chosen = next((a for a, _c in choices if str(a.pk) == request.POST.get("applicant", "")), None)
        if chosen is None:
            error = _("请选择申请人。")
        else:
            try:
                application = services.start_application(request.user, chosen, item=item, bundle=bundle,
                                                         request=request)
            except (ValidationError, PermissionDenied) as exc:
                error = " ".join(error_messages(exc))
            else:
                messages.success(request, _("已创建申请草稿，填写内容会随时保存，可在“我的办件”中继续填写。"))
                return redirect("applications:step_form", application.pk)
    return render(request, "applications/apply.html", {
        "item": item, "bundle": bundle, "title": item.name if item else bundle.title, "choices": choices,
        "drafts": selectors.drafts_for(request.user, item=item, bundle=bundle), "error": error,
    }, status=400 if error else 200)


# --- the steps of a draft ------------------------------------------------------------------------------------


def _draft(request, pk: int):
    application = _editable(request, pk)
    if application.status != Status.DRAFT:
        return application, redirect(_after_draft(application))
    return application, None


@login_required
@require_http_methods(["GET"])
def resume(request, pk: int):
    """Continue a draft at its first incomplete step (the form, the materials, else the review)."""
    application, done = _draft(request, pk)
    if done:
        return done
    ready = services.readiness(application)
    step = steps.first_incomplete_step(missing_fields=ready.missing_fields, missing_materials=ready.missing_materials,
                                       missing_commitments=ready.missing_commitments)
    return redirect(f"applications:step_{step}", application.pk)


@login_required
@require_http_methods(["GET", "POST"])
def step_form(request, pk: int):
    """Step 1: the form built from the catalogue; "保存草稿" keeps what is valid, "下一步" needs it complete."""
    application, done = _draft(request, pk)
    if done:
        return done
    spec = services.form_spec(application)
    if request.method == "POST":
        final = request.POST.get("action") != "save"
        try:
            errors = services.save_form(application, request.user, request.POST, final=final, request=request)
        except (ValidationError, PermissionDenied) as exc:
            flash_error(request, exc)
            return redirect(_after_draft(application))
        if not errors:
            if final:
                return redirect("applications:step_materials", application.pk)
            messages.success(request, _("草稿已保存。"))
            return redirect("applications:step_form", application.pk)
        form = forms.application_form(spec, data=request.POST)
        form.is_valid()
        for key, text in errors.items():
            form.add_error(key, text)
        messages.warning(request, _("填写无误的内容已保存为草稿；请修改标出的各项。"))
        status = 400
    else:
        form = forms.application_form(spec, initial=application.form_data)
        status = 200
    return render(request, "applications/step_form.html", {
        "application": application, "form": form, "steps": _steps("form", services.readiness(application)),
    }, status=status)


@login_required
@require_http_methods(["GET"])
def step_materials(request, pk: int):
    """Step 2: each material with its files; shared ones are never asked; 容缺 where tolerated."""
    application, done = _draft(request, pk)
    if done:
        return done
    materials = selectors.with_registry(application)
    tolerated = [m for m in materials if m.tolerance_requested]
    signed = {c.kind: c for c in application.commitments.all()}
    ready = services.readiness(application, _held(materials))
    return render(request, "applications/step_materials.html", {
        "application": application, "materials": materials, "steps": _steps("materials", ready),
        "upload_form": forms.UploadForm(), "tolerated": tolerated,
        "tolerance_commitment": signed.get(Commitment.Kind.TOLERANCE),
        "tolerance_text": services.commitment_text(application, Commitment.Kind.TOLERANCE) if tolerated else "",
        "sign_form": forms.SignCommitmentForm(initial={"signatory_name": application.applicant.name}),
        "bad_credit": application.applicant.bad_credit,
        "accept": ",".join([".pdf", ".jpg", ".jpeg", ".png", ".ofd"]),
        "max_mb": int(getattr(settings, "UPLOAD_MAX_BYTES", 20 * 1024 * 1024)) // (1024 * 1024),
    })


@login_required
@require_http_methods(["GET"])
def step_review(request, pk: int):
    """Step 3: everything at a glance, what is still missing, 告知承诺 where the items allow it, submit."""
    application, done = _draft(request, pk)
    if done:
        return done
    spec = services.form_spec(application)
    allowed = services.commitment_allowed(application) and not application.applicant.bad_credit
    signed = {c.kind: c for c in application.commitments.all()}
    materials = selectors.with_registry(application)
    ready = services.readiness(application, _held(materials))
    return render(request, "applications/step_review.html", {
        "application": application, "steps": _steps("review", ready),
        "fields": [(f.label, application.form_data.get(f.key, "")) for f in spec.fields],
        "materials": materials,
        "readiness": ready,
        "commitment_allowed": allowed,
        "licensing_commitment": signed.get(Commitment.Kind.LICENSING),
        "tolerance_commitment": signed.get(Commitment.Kind.TOLERANCE),
        "licensing_text": services.commitment_text(application, Commitment.Kind.LICENSING) if allowed else "",
        "sign_form": forms.SignCommitmentForm(initial={"signatory_name": application.applicant.name}),
    })


def _back(request, application, default_step: str = "materials") -> str:
    default = reverse(f"applications:step_{default_step}", args=[application.pk]) if application.is_editable \
        else reverse("applications:detail", args=[application.pk])
    return safe_next(request, default)


@login_required
@require_POST
def upload(request, pk: int, material_pk: int):
    """Attach one or several files to one material (drafts, supplements, tolerated materials after acceptance);
    each file is checked on its own, so one refused file does not stop the others."""
    application = _editable(request, pk)
    material = _material(application, material_pk)
    form = forms.UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for text in form.errors.get("file", []):
            messages.error(request, f"{material.name}：{text}")
        return redirect(_back(request, application))
    try:
        stored, refused = services.upload_files(application, material, request.user, form.cleaned_data["file"],
                                                replace=form.cleaned_data["replace"], request=request)
    except PermissionDenied as exc:
        flash_error(request, exc)
        return redirect(_back(request, application))
    for _name, exc in refused:  # the upload checks name the file in their messages
        for text in error_messages(exc):
            messages.error(request, f"{material.name}：{text}")
    if stored:
        messages.success(request, _("“%(m)s”已上传：%(f)s。") % {
            "m": material.name, "f": "、".join(f"{f.original_name}（{f.display_size}）" for f in stored)})
    return redirect(_back(request, application))


@login_required
@require_POST
def file_delete(request, public_id):
    stored = selectors.file_for(request.user, public_id)
    if stored is None:
        raise Http404(_("文件不存在。"))
    application = stored.application
    try:
        services.delete_file(stored, request.user, request=request)
    except (ValidationError, PermissionDenied) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已删除文件：%(f)s。") % {"f": stored.original_name})
    return redirect(_back(request, application))


@login_required
@require_POST
def tolerance(request, pk: int, material_pk: int):
    """Ask (or stop asking) to supply a tolerable material after acceptance (容缺后补)."""
    application = _editable(request, pk)
    material = _material(application, material_pk)
    requested = request.POST.get("requested") == "1"
    try:
        services.request_tolerance(application, material, request.user, requested)
    except (ValidationError, PermissionDenied) as exc:
        flash_error(request, exc)
    else:
        if requested:
            messages.success(request, _("已申请“%(m)s”容缺后补，请签署容缺受理承诺书。") % {"m": material.name})
        else:
            messages.success(request, _("已取消“%(m)s”的容缺申请。") % {"m": material.name})
    return redirect(_back(request, application))


@login_required
@require_POST
def commitment_sign(request, pk: int, kind: str):
    application = _editable(request, pk)
    if kind not in Commitment.Kind.values:
        raise Http404()
    form = forms.SignCommitmentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    else:
        try:
            commitment = services.sign_commitment(application, request.user, kind,
                                                  form.cleaned_data["signatory_name"], request=request)
        except (ValidationError, PermissionDenied) as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("已签署%(k)s。") % {"k": commitment.get_kind_display()})
    return redirect(_back(request, application, "review"))


@login_required
@require_POST
def commitment_withdraw(request, pk: int, kind: str):
    application = _editable(request, pk)
    if kind not in Commitment.Kind.values:
        raise Http404()
    try:
        services.withdraw_commitment(application, request.user, kind)
    except (ValidationError, PermissionDenied) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已撤回承诺书。"))
    return redirect(_back(request, application, "review"))


@login_required
@require_POST
def submit(request, pk: int):
    application = _editable(request, pk)
    try:
        application = services.submit(application, request.user, request=request)
    except (ValidationError, PermissionDenied) as exc:
        flash_error(request, exc)
        if application.status == Status.DRAFT:
            return redirect("applications:step_review", application.pk)
        return redirect(_after_draft(application))
    return redirect("applications:submitted", application.pk)


@login_required
@require_http_methods(["GET"])
def submitted(request, pk: int):
    """The page after submission: the case number and what happens next."""
    application = _editable(request, pk)
    if application.status == Status.DRAFT:
        return redirect("applications:step_review", application.pk)
    return render(request, "applications/submitted.html", {"application": application})


def _submitted(request, pk: int):
    """One of the user's submitted applications (a draft has no receipt: 404)."""
    application = _mine(request, pk)
    if application.status == Status.DRAFT:
        raise Http404(_("草稿没有回执。"))
    return application


@login_required
@require_http_methods(["GET"])
def receipt(request, pk: int):
    """The submission receipt (回执), printable (print CSS), with a QR code to the public progress lookup."""
    application = _submitted(request, pk)
    return render(request, "applications/receipt.html", receipts.receipt_context(application))


@login_required
@require_http_methods(["GET"])
def receipt_pdf(request, pk: int):
    """The same receipt as a PDF from the document engine (rendered on request: it is not an issued document)."""
    application = _submitted(request, pk)
    pdf = render_pdf("applications/receipt_pdf.html", receipts.receipt_context(application))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(f"回执-{application.case_number}.pdf", attachment=False)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def discard(request, pk: int):
    application = _editable(request, pk)
    try:
        services.discard_draft(application, request.user)
    except (ValidationError, PermissionDenied) as exc:
        flash_error(request, exc)
        return redirect(_after_draft(application))
    messages.success(request, _("草稿已删除。"))
    return redirect("applications:list")


# --- my applications -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def application_list(request):
    form = forms.ListFilterForm(request.GET or None)
    filters = form.filters()
    paginator = Paginator(selectors.my_application_values(request.user, **filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "applications/list.html", {
        "form": form, "page": page, "rows": rows.render_rows(list(page.object_list)),
        "filtering": any(filters.values()), "query_string": params.urlencode(),
    })


@login_required
@require_http_methods(["GET"])
def application_detail(request, pk: int):
    application = _mine(request, pk)
    if application.status == Status.DRAFT:
        return redirect("applications:resume", application.pk)
    supplement = selectors.open_supplement(application)
    materials = list(application.materials.all())
    by_pk = {m.pk: m for m in materials}
    to_supply = []
    if supplement is not None:
        for entry in supplement.items.all():
            material = by_pk.get(entry.material_id, entry.material)
            new_files = [f for f in material.files.all() if f.uploaded_at >= supplement.requested_at]
            to_supply.append({"entry": entry, "material": material, "new_files": new_files})
    timeline, notices = selectors.timeline_and_notices(application)
    return render(request, "applications/detail.html", {
        "application": application,
        "items": list(application.items.all()),
        "materials": materials,
        "timeline": timeline,
        "notices": notices,
        # Certificates follow a decision, so none before acceptance (and no registry query).
        "licences": licences.of_application(application.pk) if application.accepted_at else [],
        "licences_url": navigation.action_url("my_licences"),
        "supplement": supplement,
        "to_supply": to_supply,
        "all_supplied": bool(to_supply) and all(row["new_files"] for row in to_supply),
        "tolerated": [m for m in materials if m.tolerance_outstanding],
        "commitments": list(application.commitments.all()),
        "withdraw_form": forms.WithdrawForm(),
        "upload_form": forms.UploadForm(),
        "may_edit": services.may_edit(request.user, application),
        "rating_prompt": rating_selectors.rating_prompt(application),
    })


@login_required
@require_POST
def resubmit(request, pk: int):
    application = _mine(request, pk)
    try:
        services.resubmit(application, request.user, request=request)
    except (ValidationError, PermissionDenied) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("补正材料已重新提交，等待窗口受理。"))
    return redirect("applications:detail", application.pk)


@login_required
@require_POST
def withdraw(request, pk: int):
    application = _mine(request, pk)
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        for text in form.errors.get("reason", []):
            messages.error(request, text)
        return redirect("applications:detail", application.pk)
    try:
        services.withdraw(application, request.user, form.cleaned_data["reason"], request=request)
    except (ValidationError, PermissionDenied) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("申请已撤回。"))
    return redirect("applications:detail", application.pk)


@login_required
@require_http_methods(["GET"])
def file_download(request, public_id):
    """The only way to an uploaded file: the user's own application's, or the back office's."""
    stored = selectors.file_for(request.user, public_id)
    if stored is None:
        raise Http404(_("文件不存在。"))
    return stored_file_response(stored, as_attachment=request.GET.get("download") == "1")


# --- the public progress lookup ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def progress(request):
    """Case number plus the tail of the applicant's ID number; no sign-in; no personal data shown."""
    if request.method == "POST":
        form = forms.ProgressLookupForm(request.POST)
    else:  # the receipt's QR code: the case number filled in, the ID number's ending still asked
        form = forms.ProgressLookupForm(initial={"case_number": request.GET.get("case", "")[:50]})
    result = None
    steps = []
    searched = False
    if request.method == "POST" and form.is_valid():
        searched = True
        try:
            result = services.lookup_progress(form.cleaned_data["case_number"], form.cleaned_data["id_tail"],
                                              ip=client_ip(request))
        except Throttled as exc:
            form.add_error(None, exc)
        else:
            if result is not None:
                steps = selectors.timeline(result)
    return render(request, "applications/progress.html", {
        "form": form, "result": result, "steps": steps, "searched": searched,
    })
