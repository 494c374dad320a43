"""The window clerk's pages (综合受理): the intake queue, the intake page with every outcome, the walk-in
(无差别综合受理) on the applicant's behalf, the notices, and staff access to uploaded files.

Thin: parse input, call a selector or a service, render. Every page needs the window-clerk role; an
administrator may look but not decide (the services refuse anyone but a clerk). A service's refusal is
shown as its own Chinese message.
"""
from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.web import error_messages, flash_error, problem_status, querystring_without_page, safe_next
from applications import selectors as app_selectors
from applications import services as app_services
from applications.models import Commitment, Status
from approvals import timers
from approvals.cases import selectors as case_selectors
from approvals.certificates import selectors as certificate_selectors
from approvals.certificates.registry import reading_label
from approvals.notices import notices_of
from approvals.intake import forms, policy, selectors, services
from catalog import selectors as catalog_selectors
from catalog.codesets import CaseType, Channel
from catalog.rules import search_terms
from portal.roles import Role

PAGE_SIZE = 20
SEARCH_PAGE_SIZE = 10
LOOKERS = policy.LOOKERS


# --- helpers -------------------------------------------------------------------------------------------------


def clerk_required(view=None, *, act: bool = False):
    """Signed in with the window-clerk role (administrators may look at the pages; `act`: clerks only)."""

    def decorate(func):
        @wraps(func)
        @login_required
        def wrapper(request, *args, **kwargs):
            roles = (Role.WINDOW_CLERK,) if act else LOOKERS
            if not request.user.has_role(*roles):
                raise PermissionDenied(_("只有综合窗口受理人员可以使用受理功能。"))
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def _application(request, pk: int):
    """A submitted (or later) application as the clerk sees it; drafts are the applicant's own business."""
    application = selectors.intake_application(request.user, pk)
    if application is None or application.status == Status.DRAFT:
        raise Http404(_("办件不存在。"))
    return application


# --- the queue -------------------------------------------------------------------------------------------------


@require_GET
@clerk_required
def queue(request):
    form = forms.QueueFilterForm(request.GET or None)
    filters = form.filters()
    paginator = Paginator(selectors.intake_queue(clerk=request.user, **filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "approvals/intake/queue.html", {
        "form": form, "page": page, "rows": selectors.queue_rows(page.object_list),
        "filtering": any(v for v in filters.values() if v is not None and v is not False),
        "query_string": querystring_without_page(request), "is_clerk": request.user.has_role(Role.WINDOW_CLERK),
        "limit_days": app_services.INTAKE_LIMIT_DAYS,
    })


@require_POST
@clerk_required(act=True)
def claim(request, pk: int):
    application = _application(request, pk)
    try:
        services.claim(application, request.user, request=request)
    except (ValidationError, PermissionDenied) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已认领办件 %(n)s。") % {"n": application.case_number})
    return redirect(safe_next(request, reverse("approvals:intake", args=[pk])))


@require_POST
@clerk_required(act=True)
def release(request, pk: int):
    application = _application(request, pk)
    try:
        services.release(application, request.user, request=request)
    except (ValidationError, PermissionDenied) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已释放办件 %(n)s，其他受理人员可以认领。") % {"n": application.case_number})
    return redirect(safe_next(request, reverse("approvals:queue")))


# --- the intake page -------------------------------------------------------------------------------------------


def _form_rows(application) -> list[tuple[str, str]]:
    spec = app_services.form_spec(application)
    data = application.form_data or {}
    return [(f.label, data.get(f.key, "")) for f in spec.fields if data.get(f.key) or f.required]


OUTCOME_FORMS = {
    "accept": forms.AcceptForm, "supplement": forms.SupplementForm, "refuse": forms.RefuseForm,
    "tolerance": forms.ToleranceForm, "commitment": forms.CommitmentForm, "instant": forms.InstantForm,
}


def _outcome_form(name: str, application, data=None):
    extra = {}
    if name in ("supplement", "tolerance"):
        extra["materials"] = list(application.materials.all())
    if name == "tolerance":
        extra["materials"] = list(getattr(application, "tolerable_materials", extra["materials"]))
        extra["latest"] = application.tolerance_latest
    return OUTCOME_FORMS[name](data, prefix=name, **extra)


def _outcome_forms(application, *, bound: dict | None = None) -> dict:
    """The outcome forms, unbound, except the one the clerk just posted (`bound`: name -> form)."""
    built = {name: _outcome_form(name, application) for name in OUTCOME_FORMS}
    built.update(bound or {})
    return built


def _decorate(application, user) -> None:
    """Facts the intake page shows, computed once from the prefetched rows (no queries: the clock is cached)."""
    versions = [ai.item_version for ai in application.items.all()]
    materials = list(application.materials.all())
    application.versions = versions
    registry = certificate_selectors.registry_certificates(materials)
    for material in materials:
        found = registry.get(material.pk)
        material.registry_certificate = found[0] if found else None
        material.registry_reading = reading_label(found[1].code) if found else ""
        material.registry_valid = bool(found) and found[1].is_valid
    seen = services.originals_seen(application)
    application.missing_required = [m for m in materials if m.asked and m.required and not m.current_files
                                    and not m.registry_valid and m.pk not in seen]
    # 容缺 per material: the rules of the items that ask for it decide (a bundle may mix items that allow it
    # and items that do not); never for an applicant with bad credit.
    allowing = {v.name for v in versions if v.snapshot.get("tolerance_allowed")}
    application.tolerable_materials = [
        m for m in materials if m.tolerable and m.asked and set(m.for_items or allowing) <= allowing]
    application.tolerance_notes = services.tolerance_notes(application, versions)
    application.tolerance_allowed = bool(application.tolerable_materials) and not application.applicant.bad_credit
    application.commitment_allowed = all(v.snapshot.get("commitment_allowed") for v in versions)
    application.all_instant = bool(versions) and all(v.snapshot.get("case_type") == CaseType.INSTANT for v in versions)
    application.preview_due = None
    application.tolerance_latest = None
    if application.status == Status.SUBMITTED and versions:
        dues = timers.due_dates(application, timezone.now())
        application.preview_due = max(d.promised for d in dues.values())
        application.preview_rows = [(v.name, dues[v.item_id]) for v in versions]
        application.tolerance_latest = min(d.promised for d in dues.values())
        limits = services.tolerance_limits(application, versions, dues)
        today = timezone.localdate()
        application.tolerable_materials = [m for m in application.tolerable_materials if limits[m.pk] > today]
        application.tolerance_allowed = application.tolerance_allowed and bool(application.tolerable_materials)
        for m in application.tolerable_materials:
            m.tolerance_latest = limits[m.pk]
    commitments = {c.kind: c for c in application.commitments.all()}
    application.tolerance_commitment = commitments.get(Commitment.Kind.TOLERANCE)
    application.licensing_commitment = commitments.get(Commitment.Kind.LICENSING)
    claim = application.claim
    is_clerk = user.has_role(Role.WINDOW_CLERK)
    application.claimed_by_other = claim is not None and claim.clerk_id != user.pk
    application.claimed_by_me = claim is not None and claim.clerk_id == user.pk
    application.can_decide = (application.status == Status.SUBMITTED and is_clerk
                              and not application.claimed_by_other)
    application.may_decide_instant = is_clerk and user.has_perm(policy.INSTANT_PERMISSION)


def _render_intake(request, application, *, bound: dict | None = None, problems=(), status: int = 200):
    if not hasattr(application, "versions"):
        _decorate(application, request.user)
    context = {
        "application": application,
        "applicant": application.applicant,
        "items": list(application.items.all()),
        "materials": list(application.materials.all()),
        "form_rows": _form_rows(application),
        "notices": notices_of(application),
        "cases": case_selectors.cases_of(application),
        "timeline": app_selectors.timeline(application, for_applicant=False),
        "supplement": app_selectors.open_supplement(application),
        "supplements": list(application.supplement_requests.all()),
        "forms": _outcome_forms(application, bound=bound),
        "licensing_text": (application.licensing_commitment.text if application.licensing_commitment else
                           app_services.commitment_text(application, Commitment.Kind.LICENSING)
                           if application.commitment_allowed and application.can_decide else ""),
        "is_clerk": request.user.has_role(Role.WINDOW_CLERK),
        "active": next(iter(bound)) if bound else "",
        "problems": list(problems),
    }
    return render(request, "approvals/intake/intake.html", context, status=status)


@require_GET
@clerk_required
def intake(request, pk: int):
    application = selectors.intake_application(request.user, pk)
    if application is not None and application.status == Status.DRAFT and application.channel == Channel.WINDOW:
        return redirect("approvals:walk_in_fill", pk=pk)
    if application is None or application.status == Status.DRAFT:
        raise Http404(_("办件不存在。"))
    return _render_intake(request, application)


def _run_outcome(name: str, application, form, user, request):
    """Call the service of one outcome with the form's cleaned data; returns the notices issued."""
    data = form.cleaned_data
    if name == "accept":
        return [services.accept(application, user, opinion=data["opinion"], request=request)]
    if name == "supplement":
        return [services.request_supplement(application, user, data["entries"], note=data["note"],
                                            due_date=data["due_date"], request=request)]
    if name == "refuse":
        return [services.refuse(application, user, reason=data["reason"], refer_to=data["refer_to"], request=request)]
    if name == "tolerance":
        return [services.accept_with_tolerance(application, user, data["tolerated"],
                                               paper_signatory=data["paper_signatory"], opinion=data["opinion"],
                                               request=request)]
    if name == "commitment":
        return services.accept_on_commitment(application, user, decide_now=data["decide_now"],
                                             paper_signatory=data["paper_signatory"], opinion=data["opinion"],
                                             request=request)
    if name == "instant":
        return services.accept_and_decide_instant(application, user, opinion=data["opinion"], request=request)
    raise Http404


OUTCOME_DONE = {
    "accept": _("已受理，受理通知书已出具。"),
    "supplement": _("已一次性告知补正，补正告知书已出具。"),
    "refuse": _("已作出不予受理决定，决定书已出具。"),
    "tolerance": _("已容缺受理，容缺受理通知书已出具。"),
    "commitment": _("已按告知承诺制受理。"),
    "instant": _("即办件已当场办结，准予许可决定书已出具。"),
}


@require_POST
@clerk_required(act=True)
def outcome(request, pk: int, name: str):
    """One intake decision posted from the intake page; the page comes back with the errors if it fails."""
    if name not in OUTCOME_DONE:
        raise Http404
    application = _application(request, pk)
    _decorate(application, request.user)
    form = _outcome_form(name, application, request.POST)
    if not form.is_valid():
        return _render_intake(request, application, bound={name: form})
    try:
        notices = _run_outcome(name, application, form, request.user, request)
    except (ValidationError, PermissionDenied) as exc:
        return _render_intake(request, application, bound={name: form}, problems=error_messages(exc),
                              status=problem_status(exc))
    messages.success(request, OUTCOME_DONE[name])
    return redirect("approvals:notice", public_id=notices[-1].public_id)


# --- walk-in (无差别综合受理) --------------------------------------------------------------------------------------


def _target(kind: str, pk: int):
    if kind == "item":
        item = catalog_selectors.published_items().filter(pk=pk).first()
        return item, None
    bundle = catalog_selectors.published_bundles().filter(pk=pk).first()
    return None, bundle


def _chosen(request):
    raw = request.POST.get("target") or request.GET.get("target") or ""
    kind, _sep, pk = raw.partition(":")
    if kind not in ("item", "bundle") or not pk.isdigit():
        return raw, None, None
    item, bundle = _target(kind, int(pk))
    return raw, item, bundle


@require_http_methods(["GET", "POST"])
@clerk_required(act=True)
def walk_in(request):
    """Step 1: find a published item or bundle and the applicant at the counter; a draft is started for them."""
    search = forms.CatalogueSearchForm(request.GET or None)
    query = search.cleaned_data.get("q", "").strip() if search.is_valid() else ""
    raw, item, bundle = _chosen(request)
    applicant_form = forms.WalkInApplicantForm(request.POST or None, initial={"target": raw})
    if request.method == "POST" and applicant_form.is_valid():
        if item is None and bundle is None:
            applicant_form.add_error(None, _("所选事项或一件事未发布或已下线，请重新选择。"))
        else:
            data = applicant_form.cleaned_data
            try:
                applicant, created = app_services.find_or_register_walk_in(
                    request.user, id_number=data["id_number"], name=data["name"],
                    legal_representative=data["legal_representative"], contact_mobile=data["contact_mobile"],
                    address=data["address"], request=request)
                application = app_services.start_application(request.user, applicant, item=item, bundle=bundle,
                                                             channel=Channel.WINDOW, request=request)
            except (ValidationError, PermissionDenied) as exc:
                for text in error_messages(exc):
                    applicant_form.add_error(None, text)
            else:
                messages.success(request, (_("已登记新申请人 %(a)s。") if created else _("已找到申请人 %(a)s。"))
                                 % {"a": applicant.name})
                return redirect("approvals:walk_in_fill", pk=application.pk)
    items = catalog_selectors.published_items()
    bundles = catalog_selectors.published_bundles()
    if query:
        for term in search_terms(query):
            items = items.filter(Q(search_text__contains=term) | Q(name__icontains=term)
                                 | Q(implementation_code__icontains=term))
        bundles = bundles.filter(title__icontains=query)
    items = items.select_related("competent_department").order_by("sort_order", "base_code", "id")
    page = Paginator(items, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "approvals/intake/walk_in.html", {
        "search": search, "query": query, "page": page, "bundles": list(bundles[:12]),
        "item": item, "bundle": bundle, "target": raw if (item or bundle) else "",
        "applicant_form": applicant_form, "query_string": querystring_without_page(request),
        "drafts": selectors.walk_in_drafts(request.user),
    })


def _walk_in_draft(request, pk: int):
    application = app_selectors.editable_application(request.user, pk)
    if application is None or application.channel != Channel.WINDOW:
        raise Http404(_("办件不存在。"))
    return application


def _tolerance_offer(application) -> tuple[set[int], list[str]]:
    """The materials the walk-in form offers 申请容缺 for (per material, the rules of the items that ask for it;
    none for an applicant with bad credit), and why it is not offered for the others."""
    versions = [ai.item_version for ai in application.items.all()]
    notes = services.tolerance_notes(application, versions)
    if application.applicant.bad_credit:
        return set(), notes
    allowing = {v.name for v in versions if v.snapshot.get("tolerance_allowed")}
    offered = {m.pk for m in application.materials.all()
               if m.tolerable and m.asked and set(m.for_items or allowing) <= allowing}
    return offered, notes


@require_http_methods(["GET", "POST"])
@clerk_required(act=True)
def walk_in_fill(request, pk: int):
    """Step 2: the same form the applicant fills online, filled on their behalf, with scanned materials; then
    submit, and decide at once (the intake page) or leave it in the queue."""
    application = _walk_in_draft(request, pk)
    if application.status != Status.DRAFT:
        return redirect("approvals:intake", pk=pk)
    from applications.forms import application_form

    spec = app_services.form_spec(application)
    form = application_form(spec, data=request.POST or None, initial=application.form_data)
    errors: dict = {}
    problems: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "save")
        data = {key: request.POST.get(key, "") for key in spec.keys()}
        try:
            errors = app_services.save_form(application, request.user, data, final=action != "save",
                                            request=request)
            offered, _notes = _tolerance_offer(application)
            for material in application.materials.all():
                if material.pk in offered:
                    wanted = bool(request.POST.get(f"tolerate_{material.pk}"))
                    if wanted != material.tolerance_requested:
                        app_services.request_tolerance(application, material, request.user, wanted)
            if not errors and action in ("submit_now", "submit_later"):
                application = app_services.submit(application, request.user, request=request)
                if action == "submit_now":
                    services.claim(application, request.user, request=request)
                    messages.success(request, _("已收件，办件编号 %(n)s。请作出受理决定。") % {"n": application.case_number})
                    return redirect("approvals:intake", pk=pk)
                messages.success(request, _("已收件，办件编号 %(n)s，已进入受理队列。") % {"n": application.case_number})
                return redirect("approvals:queue")
            if not errors:
                messages.success(request, _("已保存。"))
                return redirect("approvals:walk_in_fill", pk=pk)
        except (ValidationError, PermissionDenied) as exc:
            problems = error_messages(exc)
        for key, text in errors.items():
            form.add_error(key, text)
        application = _walk_in_draft(request, pk)
    materials = app_selectors.with_registry(application)
    held = {m.pk: m.registry_licence for m in materials if m.registry_licence is not None}
    offered, tolerance_notes = _tolerance_offer(application)
    for m in materials:
        m.offer_tolerance = m.pk in offered
    return render(request, "approvals/intake/walk_in_fill.html", {
        "tolerance_notes": tolerance_notes,
        "application": application, "applicant": application.applicant, "form": form, "problems": problems,
        "materials": materials, "upload_form": forms.WalkInUploadForm(),
        "readiness": app_services.readiness(application, held),
        "spec_required": {f.key for f in spec.fields if f.required and not f.required_when},
    })


@require_POST
@clerk_required(act=True)
def walk_in_upload(request, pk: int):
    application = _walk_in_draft(request, pk)
    form = forms.WalkInUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for text in field_errors:
                messages.error(request, text)
        return redirect("approvals:walk_in_fill", pk=pk)
    material = next((m for m in application.materials.all() if m.pk == form.cleaned_data["material"]), None)
    if material is None:
        raise Http404(_("材料不存在。"))
    try:
        app_services.upload_file(application, material, request.user, form.cleaned_data["file"], request=request)
    except (ValidationError, PermissionDenied) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已上传“%(m)s”的扫描件。") % {"m": material.name})
    return redirect(reverse("approvals:walk_in_fill", args=[pk]) + f"#material-{material.pk}")


@require_POST
@clerk_required(act=True)
def walk_in_delete_file(request, pk: int, public_id):
    application = _walk_in_draft(request, pk)
    found = next((f for m in application.materials.all() for f in m.files.all() if str(f.public_id) == str(public_id)),
                 None)
    if found is None:
        raise Http404(_("文件不存在。"))
    try:
        app_services.delete_file(found, request.user, request=request)
    except (ValidationError, PermissionDenied) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已删除文件“%(f)s”。") % {"f": found.original_name})
    return redirect("approvals:walk_in_fill", pk=pk)



# --- 补正收件 (the papers a walk-in applicant owes, taken at the window) ------------------------------------------


@require_GET
@clerk_required
def supplements(request):
    """Walk-in applications waiting for a supplement: find one by case number, ID number or name."""
    form = forms.SupplementFilterForm(request.GET or None)
    query = form.query()
    paginator = Paginator(selectors.awaiting_supplement(query), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "approvals/intake/supplements.html", {
        "form": form, "page": page, "rows": selectors.supplement_rows(page.object_list), "filtering": bool(query),
        "query_string": querystring_without_page(request), "limit_days": app_services.supplement_limit_days(),
    })


@require_http_methods(["GET", "POST"])
@clerk_required
def supplement(request, pk: int):
    """One application's supplement at the window: upload what the applicant brought per listed material,
    then resubmit on the applicant's behalf (代为提交补正)."""
    application = _application(request, pk)
    if request.method == "POST":
        if not request.user.has_role(Role.WINDOW_CLERK):
            raise PermissionDenied(_("只有综合窗口受理人员可以代为补正。"))
        action = request.POST.get("action")
        if action == "upload":
            form = forms.WalkInUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                for field_errors in form.errors.values():
                    for text in field_errors:
                        messages.error(request, text)
                return redirect("approvals:supplement", pk=pk)
            material = application.materials.filter(pk=form.cleaned_data["material"]).first()
            if material is None:
                raise Http404(_("材料不存在。"))
            try:
                services.upload_supplement(application, material, request.user, form.cleaned_data["file"],
                                           request=request)
            except (ValidationError, PermissionDenied) as exc:
                flash_error(request, exc)
            else:
                messages.success(request, _("已上传“%(m)s”的补正材料。") % {"m": material.name})
            return redirect(reverse("approvals:supplement", args=[pk]) + f"#material-{material.pk}")
        if action == "original":
            material = application.materials.filter(pk=request.POST.get("material") or 0).first() if (
                request.POST.get("material") or "").isdigit() else None
            if material is None:
                raise Http404(_("材料不存在。"))
            try:
                services.record_original_seen(application, material, request.user, request.POST.get("note", ""),
                                              request=request)
            except (ValidationError, PermissionDenied) as exc:
                flash_error(request, exc)
            else:
                messages.success(request, _("已记录“%(m)s”已核验纸质原件。") % {"m": material.name})
            return redirect(reverse("approvals:supplement", args=[pk]) + f"#material-{material.pk}")
        if action == "resubmit":
            try:
                services.resubmit_on_behalf(application, request.user, request=request)
            except (ValidationError, PermissionDenied) as exc:
                flash_error(request, exc)
                return redirect("approvals:supplement", pk=pk)
            messages.success(request, _("已代申请人提交补正，办件 %(n)s 已回到受理队列。") % {
                "n": application.case_number})
            return redirect("approvals:intake", pk=pk)
        messages.error(request, _("未知的操作。"))
        return redirect("approvals:supplement", pk=pk)
    row = selectors.supplement_rows([application])[0]
    listed = {item.material_id for item in row.items}
    since = row.supplement.requested_at if row.supplement else None
    materials = []
    for item in row.items:
        files = [f for f in item.material.files.all() if since and f.uploaded_at >= since]
        materials.append({"item": item, "material": item.material, "new_files": files})
    verdict = policy.can_take_supplement(application, request.user, row.supplement)
    return render(request, "approvals/intake/supplement.html", {
        "application": application, "applicant": application.applicant, "row": row, "materials": materials,
        "listed": listed, "may_act": verdict, "is_clerk": request.user.has_role(Role.WINDOW_CLERK),
        "ready": bool(materials) and all(m["new_files"] or m["item"].original_checked_at for m in materials),
    })


# --- the issuing window (统一窗口出件) ---------------------------------------------------------------------------


@require_GET
@clerk_required
def issuing_queue(request):
    """Applications decided on every item, the nearest Art. 44 date first, with their documents."""
    form = forms.IssuingFilterForm(request.GET or None)
    query = form.query()
    paginator = Paginator(selectors.with_documents(selectors.at_issuing_window(query)), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "approvals/intake/issuing_queue.html", {
        "form": form, "page": page, "rows": selectors.issuing_rows(page.object_list), "filtering": bool(query),
        "query_string": querystring_without_page(request), "limit_days": app_services.ISSUE_LIMIT_DAYS,
    })


def _render_handover(request, application, form, *, problems=(), status: int = 200):
    handover = selectors.handover_of(application)
    row = None
    if application.status == Status.DECIDED and application.issue_due_on:
        row = selectors.issuing_rows([application])[0]
    may_hand_over = policy.can_hand_over(application, request.user, handover)
    return render(request, "approvals/intake/handover.html", {
        "application": application, "applicant": application.applicant, "handover": handover, "row": row,
        "documents": row.documents if row else selectors.documents_for(application),
        "cases": case_selectors.cases_of(application), "form": form, "may_hand_over": may_hand_over,
        "is_clerk": request.user.has_role(Role.WINDOW_CLERK), "problems": list(problems),
        "limit_days": app_services.ISSUE_LIMIT_DAYS,
    }, status=status)


@require_http_methods(["GET", "POST"])
@clerk_required
def handover(request, pk: int):
    """One application at the issuing window: the documents to print and hand over, and the handover form
    (at the window or by post), which issues and closes it in one action; afterwards, the handover record."""
    application = _application(request, pk)
    if request.method == "GET":
        return _render_handover(request, application, forms.HandoverForm())
    if not request.user.has_role(Role.WINDOW_CLERK):
        raise PermissionDenied(_("只有综合窗口受理人员可以办理统一出件。"))
    form = forms.HandoverForm(request.POST)
    if not form.is_valid():
        return _render_handover(request, application, form, status=400)
    try:
        services.record_handover(application, request.user, request=request, **form.service_arguments())
    except (ValidationError, PermissionDenied) as exc:
        problems = []
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            form.add_error(None, exc)  # each problem next to its field
        else:
            problems = error_messages(exc)
        return _render_handover(request, application, form, problems=problems, status=problem_status(exc))
    messages.success(request, _("办件 %(n)s 已出件并办结。") % {"n": application.case_number})
    return redirect("approvals:handover", pk=pk)
