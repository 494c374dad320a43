"""The approval officers' pages (审查、勘验、法制审核、决定): stage queues with take-next, the case page with the
actions of its current stage, site visits, extension requests for heads and leaders, and the leader's view of
everything red, yellow or in statutory alarm.

Thin: parse input, call a selector or a service, render. Who may see a case, and what one may do on it, is approvals.cases.policy (a
case one may not see answers 404); what one may do is the services' (their refusals are shown as their own
Chinese messages: 400 for a rule, 403 for a role or section, 409 when someone else acted first).
"""
from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from approvals.certificates import selectors as certificate_selectors
from approvals.cases import forms, policy, selectors, services, table
from approvals.cases.models import DecisionDraft, ExtensionRequest, Inspection, Stage
from approvals.notices import appeal_rights_text, notices_of
from portal.errors import Conflict
from portal.web import error_messages, problem_status, querystring_without_page, stored_file_response

PAGE_SIZE = 20
QUEUE_LABELS = dict(forms.QUEUE_CHOICES)

# Audit actions of a case as the history shows them.
ACTION_LABELS = {
    "case_open": _("受理，案件生成"), "case_claim": _("认领"), "case_release": _("释放"),
    "case_review": _("审查"), "inspection_scheduled": _("安排现场勘验"), "inspection_result": _("勘验结果会签生效"),
    "inspection_recorded": _("记录勘验结果（待会签）"), "inspection_record_returned": _("退回勘验记录"),
    "decision_draft": _("拟定决定草稿，提交法制审核"),
    "legal_review": _("法制审核通过"), "legal_review_return": _("法制审核退回"), "case_send_back": _("退回"),
    "case_approve": _("准予许可"), "case_deny": _("不予许可"), "case_terminate": _("终止办理"),
    "extension_request": _("申请延期"), "extension_approve": _("批准延期"), "extension_refuse": _("不批准延期"),
    "case_suspend": _("期限中止"), "case_resume": _("恢复计时"), "case_warning": _("时限预警"),
    "case_withdrawn": _("申请人撤回"), "case_approve_on_the_spot": _("当场办结"),
    "certificate_issued": _("签发证照"), "certificate_corrected": _("更正换发证照"),
    "certificate_suspended": _("暂扣证照"), "certificate_reinstated": _("恢复证照效力"),
    "certificate_revoked": _("撤销证照"),
    "case_deemed_granted": _("视为准予延续（有效期届满前未作决定）"),
}


def staff_required(view):
    """Signed in and working on the approval side (officers, heads, legal reviewers, leaders, administrators);
    anyone else (an applicant, a clerk) is refused with 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not policy.is_worker(request.user):
            raise PermissionDenied(_("只有审批工作人员可以使用审批功能。"))
        return view(request, *args, **kwargs)

    return wrapper


# --- queues -------------------------------------------------------------------------------------------------------


@require_GET
@staff_required
def queue(request):
    """One stage's queue of the person's sections, most urgent first, with working days left."""
    user = request.user
    form = forms.QueueFilterForm(request.GET or None)
    filters = form.filters(policy.default_queue(user))
    stage = filters.pop("stage")
    if not policy.may_view_queue(user, stage):
        raise PermissionDenied(_("您没有查看该环节队列的权限。"))
    officer = None if policy.sees_all(user) else user
    page = selectors.case_page(selectors.queue(stage, officer=officer, **filters), request.GET.get("page"), PAGE_SIZE)
    may_take = bool(policy.may_take_from(user, stage))
    return render(request, "approvals/cases/queue.html", {
        "form": form, "page": page, "rows": _table(request, page.object_list, claimable=may_take), "stage": stage,
        "stage_label": QUEUE_LABELS[stage],
        "tabs": [(name, label) for name, label in forms.QUEUE_CHOICES if policy.may_view_queue(user, name)],
        "filtering": bool(filters["mine"] or filters["waiting"] or filters["colour"] is not None or filters["query"]),
        "query_string": querystring_without_page(request), "may_take": may_take,
    })


def _table(request, ids, *, claimable: bool):
    """The rows of the case table for these ids (one query; approvals.cases.table)."""
    return table.render_rows(table.rows_for(ids), user_id=request.user.pk, claimable=claimable,
                             csrf_token=get_token(request))


@require_GET
@staff_required
def mine(request):
    """Every open case the person holds, across stages."""
    page = selectors.case_page(selectors.my_cases(request.user), request.GET.get("page"), PAGE_SIZE)
    return render(request, "approvals/cases/mine.html", {
        "page": page, "rows": _table(request, page.object_list, claimable=False),
        "query_string": querystring_without_page(request),
    })


@require_POST
@staff_required
def take_next(request):
    """取下一件: the most urgent waiting case of the stage (SKIP LOCKED: two officers never get the same)."""
    form = forms.TakeNextForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择办理环节。"))
        return redirect("approvals:case_queue")
    stage = form.cleaned_data["stage"]
    back = reverse("approvals:case_queue") + f"?stage={stage}"
    try:
        case = services.take_next(request.user, stage, request=request)
    except (ValidationError, PermissionDenied) as exc:
        for text in error_messages(exc):
            messages.error(request, text)
        return redirect(back)
    if case is None:
        messages.info(request, _("“%(s)s”队列中暂无您可以认领的案件。") % {"s": QUEUE_LABELS[stage]})
        return redirect(back)
    messages.success(request, _("已认领 %(c)s。") % {"c": case})
    return redirect("approvals:case", pk=case.pk)


# --- the case page --------------------------------------------------------------------------------------------------


def _case(request, pk: int):
    case = selectors.case_detail(request.user, pk)
    if case is None:
        raise Http404(_("案件不存在。"))
    return case


def _abilities(case, user) -> policy.Abilities:
    """The case page's actions (approvals.cases.policy), with each visit's covered cases for the page."""
    inspections = list(case.inspections.all())
    covered = selectors.inspection_case_ids(inspections)
    for visit in inspections:
        visit.case_ids = covered.get(visit.pk, [])
        visit.case_count = len(visit.case_ids)
    return policy.Abilities(case, user, inspections)


def _inspectors_for(case) -> list:
    """Officers of the section who may inspect this case (not its clerk, reviewer or certifier)."""
    barred = {case.accepted_by_id, case.reviewer_id, case.decided_by_id}
    return [u for u in selectors.section_officers(case.section_id) if u.pk not in barred]


def _action_forms(case, can: policy.Abilities, user) -> dict:
    version = {"version": case.version}
    built = {}
    if can.review:
        built["review"] = forms.ReviewForm(initial=version, prefix="review")
    if can.schedule:
        built["inspect"] = forms.ScheduleInspectionForm(
            prefix="inspect", inspectors=_inspectors_for(case), others=selectors.merge_candidates(case, user),
            initial={"place": case.application.applicant.address or ""})
    if can.reinspect:
        built["reinspect"] = forms.ReinspectionForm(prefix="reinspect", initial={"place": can.to_reinspect.place})
    if can.record:
        built["result"] = forms.InspectionResultForm(prefix="result")
    if can.cosign:
        built["cosign"] = forms.CosignForm(prefix="cosign")
    if can.legal_review:
        built["legal"] = forms.LegalReviewForm(initial=version, prefix="legal")
    if can.decide:
        draft = case.draft_record
        kept = {} if draft is None else {"result": draft.outcome, "opinion": draft.opinion, "reasons": draft.reasons,
                                         **{k: getattr(draft, k) for k in forms.DecisionForm.CERTIFICATE_FIELDS
                                            if getattr(draft, k) not in (None, "")}}
        built["decide"] = forms.DecisionForm(initial={**version, **services.certificate_defaults(case), **kept},
                                             prefix="decide")
    if can.send_back_targets:
        built["send_back"] = forms.SendBackForm(initial=version, prefix="send_back", targets=can.send_back_targets)
    if can.request_extension:
        built["extend"] = forms.ExtensionRequestForm(prefix="extend")
    if can.suspend:
        built["suspend"] = forms.SuspendForm(prefix="suspend")
    if can.resume:
        built["resume"] = forms.ResumeForm(prefix="resume")
    if can.terminate:
        built["terminate"] = forms.TerminateForm(initial=version, prefix="terminate")
    return built


def _history(case) -> list[dict]:
    stages = dict(Stage.choices)
    return [{"event": e, "label": ACTION_LABELS.get(e.action, e.action),
             "from": stages.get(e.from_state, e.from_state), "to": stages.get(e.to_state, e.to_state)}
            for e in case.history]


def _render_case(request, case, *, bound: dict | None = None, problems=(), status: int = 200):
    can = _abilities(case, request.user)
    action_forms = _action_forms(case, can, request.user)
    action_forms.update(bound or {})
    row = selectors.case_rows([case])[0]
    return render(request, "approvals/cases/case.html", {
        "case": case, "row": row, "can": can, "forms": action_forms, "problems": list(problems),
        "application": case.application, "applicant": case.application.applicant, "version": case.item_version,
        "rules": case.item_version.snapshot, "materials": selectors.case_materials(case),
        "notices": notices_of(case.application), "siblings": selectors.cases_of(case.application),
        "inspections": can.inspections, "legal_reviews": list(case.legal_reviews.all()),
        "extensions": list(case.extensions.all()), "suspensions": list(case.suspensions.all()),
        "decision": case.decision_record, "draft": case.draft_record, "history": _history(case), "appeal_rights": appeal_rights_text(),
        "certificates": certificate_selectors.certificates_of_case(case, request.user),
        "active": next(iter(bound)) if bound else "",
    }, status=status)


@require_GET
@staff_required
def case(request, pk: int):
    return _render_case(request, _case(request, pk))


def _users(pks) -> list:
    from portal.models import User

    return list(User.objects.filter(pk__in=pks))


def _run(name: str, case, form, user, request):
    """Call the service of one action with the form's data; returns a success message."""
    data = form.cleaned_data if form is not None else {}
    version = data.get("version")
    if name == "claim":
        services.claim_case(case, user, version=version, request=request)
        return _("已认领该案件。")
    if name == "release":
        services.release_case(case, user, version=version, request=request)
        return _("已释放该案件，其他人员可以认领。")
    if name == "review":
        moved = services.complete_review(case, user, data["opinion"], data["needs_inspection"], version=version,
                                         request=request)
        return _("审查完成，案件已转入“%(s)s”环节。") % {"s": moved.get_stage_display()}
    if name == "inspect":
        others = [c for c in selectors.merge_candidates(case, user) if c.pk in set(data["others"])]
        inspection = services.schedule_inspection([case, *others], data["scheduled_on"], data["place"],
                                                  _users(data["inspectors"]), user, request=request)
        return _("已安排 %(d)s 现场勘验（%(n)s 件）。") % {"d": inspection.scheduled_on, "n": 1 + len(others)}
    if name == "legal":
        services.legal_review(case, user, data["result"] == "approve", data["comments"],
                              proposed_outcome=data.get("proposed_outcome") or "", version=version, request=request)
        return (_("法制审核通过，决定已作出，决定书已出具。") if data["result"] == "approve"
                else _("已退回决定人修改决定草稿。"))
    if name == "decide":
        approve = data["result"] == "approve"
        made = services.decide(case, user, approve, certificate=form.certificate() if approve else None,
                               reasons=data["reasons"], opinion=data["opinion"], version=version, request=request)
        if isinstance(made, DecisionDraft):
            return _("决定草稿已提交法制审核，审核通过后作出决定并出具决定书。")
        return _("已作出准予许可决定，决定书已出具。") if approve else _("已作出不予许可决定，决定书已出具。")
    if name == "send_back":
        moved = services.send_back(case, user, data["to_stage"], data["reason"], version=version, request=request)
        return _("已退回到“%(s)s”环节。") % {"s": moved.get_stage_display()}
    if name == "extend":
        extension = services.request_extension(case, user, data["reason"], request=request)
        return _("已申请延长 %(d)s 个工作日，待科室负责人审批。") % {"d": extension.days}
    if name == "suspend":
        services.suspend(case, user, data["kind"], data["reason"], start=data["start"],
                         expected_end=data["expected_end"], request=request)
        return _("已中止计算审批期限，告知书已出具。")
    if name == "resume":
        services.resume(case, user, end=data["end"], request=request)
        return _("已恢复计算审批期限，办结期限已重新计算。")
    if name == "terminate":
        services.terminate(case, user, data["reason"], version=version, request=request)
        return _("已终止办理。")
    raise Http404


ACTION_FORMS = {
    "claim": forms.VersionForm, "release": forms.VersionForm, "review": forms.ReviewForm,
    "inspect": forms.ScheduleInspectionForm, "legal": forms.LegalReviewForm, "decide": forms.DecisionForm,
    "send_back": forms.SendBackForm, "extend": forms.ExtensionRequestForm, "suspend": forms.SuspendForm,
    "resume": forms.ResumeForm, "terminate": forms.TerminateForm,
}
UNPREFIXED = ("claim", "release")


def _bound_form(name: str, case, request):
    prefix = None if name in UNPREFIXED else name
    kwargs = {"prefix": prefix}
    if name == "inspect":
        kwargs.update(inspectors=_inspectors_for(case), others=selectors.merge_candidates(case, request.user))
    if name == "send_back":
        kwargs["targets"] = None
    return ACTION_FORMS[name](request.POST, request.FILES, **kwargs)


@require_POST
@staff_required
def case_action(request, pk: int, action: str):
    """One stage action posted from the case page; the page comes back with the message if it fails."""
    if action not in ACTION_FORMS:
        raise Http404
    case = _case(request, pk)
    form = _bound_form(action, case, request)
    if not form.is_valid():
        return _render_case(request, case, bound={action: form}, status=400)
    try:
        done = _run(action, case, form, request.user, request)
    except (ValidationError, PermissionDenied) as exc:
        if isinstance(exc, Conflict):  # someone else was first: show the case as it is now
            return _render_case(request, _case(request, pk), problems=error_messages(exc), status=409)
        return _render_case(request, case, bound={action: form}, problems=error_messages(exc),
                            status=problem_status(exc))
    messages.success(request, done)
    if policy.visible_cases(request.user).filter(pk=pk).exists():
        return redirect("approvals:case", pk=pk)
    return redirect("approvals:case_queue")


# --- site visits ----------------------------------------------------------------------------------------------------


def _inspection(request, pk: int):
    found = selectors.inspection_for(request.user, pk)
    if found is None:
        raise Http404(_("勘验安排不存在。"))
    return found


def _back_case(request, inspection):
    wanted = request.POST.get("case", "")
    cases = list(inspection.cases.all())
    chosen = next((c for c in cases if str(c.pk) == wanted), cases[0] if cases else None)
    if chosen is None:
        raise Http404
    return chosen.pk


@require_POST
@staff_required
def inspection_result(request, pk: int):
    """The inspectors' findings, outcome and evidence for every case the visit covers."""
    inspection = _inspection(request, pk)
    case_pk = _back_case(request, inspection)
    form = forms.InspectionResultForm(request.POST, request.FILES, prefix="result")
    if not form.is_valid():
        return _render_case(request, _case(request, case_pk), bound={"result": form}, status=400)
    data = form.cleaned_data
    try:
        services.record_inspection_result(inspection, request.user, data["findings"], data["outcome"],
                                          rectify_deadline=data["rectify_deadline"], evidence=data["evidence"],
                                          request=request)
    except (ValidationError, PermissionDenied) as exc:
        bound = {} if isinstance(exc, Conflict) else {"result": form}
        return _render_case(request, _case(request, case_pk), bound=bound, problems=error_messages(exc),
                            status=problem_status(exc))
    messages.success(request, _("已记录勘验结果：%(o)s，待另一名勘验人员会签后生效。") % {
        "o": Inspection.Outcome(data["outcome"]).label})
    return redirect("approvals:case", pk=case_pk)


@require_POST
@staff_required
def inspection_cosign(request, pk: int):
    """The other inspector confirms (会签) or returns (退回) the recorded result, from the case page or from
    我的勘验 (`back=list`)."""
    inspection = _inspection(request, pk)
    case_pk = _back_case(request, inspection)
    to_list = request.POST.get("back") == "list"
    form = forms.CosignForm(request.POST, prefix="cosign")

    def refused(problems, status, bound):
        if to_list:
            for problem in problems:
                messages.error(request, problem)
            return redirect("approvals:case_inspections")
        return _render_case(request, _case(request, case_pk), bound=bound, problems=problems, status=status)

    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        return refused(problems, 400, {"cosign": form})
    try:
        if form.cleaned_data["decision"] == "cosign":
            inspection = services.cosign_inspection(inspection, request.user, request=request)
            done = _("已会签，勘验结果（%(o)s）生效。") % {"o": inspection.get_outcome_display()}
        else:
            services.return_inspection_record(inspection, request.user, form.cleaned_data["comment"], request=request)
            done = _("已退回勘验记录，记录人可重新记录。")
    except (ValidationError, PermissionDenied) as exc:
        return refused(error_messages(exc), problem_status(exc), {} if isinstance(exc, Conflict) else {"cosign": form})
    messages.success(request, done)
    if to_list:
        return redirect("approvals:case_inspections")
    if policy.visible_cases(request.user).filter(pk=case_pk).exists():
        return redirect("approvals:case", pk=case_pk)
    return redirect("approvals:case_inspections")


@require_POST
@staff_required
def reinspect(request, pk: int):
    """复查 after a rectification: the same cases, place and inspectors unless changed."""
    inspection = _inspection(request, pk)
    case_pk = _back_case(request, inspection)
    form = forms.ReinspectionForm(request.POST, prefix="reinspect")
    if not form.is_valid():
        return _render_case(request, _case(request, case_pk), bound={"reinspect": form}, status=400)
    try:
        again = services.schedule_reinspection(inspection, form.cleaned_data["scheduled_on"], request.user,
                                               place=form.cleaned_data["place"], request=request)
    except (ValidationError, PermissionDenied) as exc:
        return _render_case(request, _case(request, case_pk), bound={"reinspect": form}, problems=error_messages(exc),
                            status=problem_status(exc))
    messages.success(request, _("已安排 %(d)s 复查。") % {"d": again.scheduled_on})
    return redirect("approvals:case", pk=case_pk)


@require_GET
@staff_required
def inspections(request):
    """The person's site visits still to be recorded (as inspector or as the one who planned them)."""
    page = Paginator(selectors.inspections_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for visit in page.object_list:  # what this person may do on each visit now (the services' own verdicts)
        record = policy.can_record_result(visit, request.user)
        visit.can_record, visit.too_early = bool(record), record.code == "too_early"
        visit.can_cosign = bool(policy.can_cosign(visit, request.user))
        visit.first_case = next(iter(visit.cases.all()), None)
    return render(request, "approvals/cases/inspections.html", {
        "page": page, "query_string": querystring_without_page(request)})


@require_GET
@login_required
def evidence(request, public_id):
    """A photo or video of an inspection, only through a case the person may see."""
    found = selectors.evidence_for(request.user, public_id)
    if found is None:
        raise Http404(_("文件不存在。"))
    return stored_file_response(found)


# --- section heads and leaders -----------------------------------------------------------------------------------


def _head_or_leader(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not policy.is_head_or_leader(request.user):
            raise PermissionDenied(_("只有科室负责人或局领导可以使用此功能。"))
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@_head_or_leader
def extensions(request):
    """Extension requests waiting for this head (their sections) or any leader, oldest first."""
    page = Paginator(selectors.pending_extensions(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "approvals/cases/extensions.html", {
        "page": page, "form": forms.ExtensionDecisionForm(), "query_string": querystring_without_page(request)})


@require_POST
@_head_or_leader
def extension_decide(request, pk: int):
    extension = (ExtensionRequest.objects.filter(pk=pk, case__in=policy.visible_cases(request.user))
                 .select_related("case").first())
    if extension is None:
        raise Http404(_("延期申请不存在。"))
    form = forms.ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
        return redirect("approvals:case_extensions")
    approve = form.cleaned_data["result"] == "approve"
    try:
        services.decide_extension(extension, request.user, approve, form.cleaned_data["opinion"], request=request)
    except PermissionDenied:
        raise  # not this person's to decide: 403, as the API answers
    except ValidationError as exc:
        for text in error_messages(exc):
            messages.error(request, text)
    else:
        messages.success(request, (_("已批准 %(c)s 延长 %(d)s 个工作日。") if approve else _("已不予批准 %(c)s 的延期申请。"))
                         % {"c": extension.case, "d": extension.days})
    return redirect("approvals:case_extensions")


@require_GET
@_head_or_leader
def overview(request):
    """Everything red, yellow or in statutory alarm: counts per section and the cases (a head: own sections)."""
    user = request.user
    sections = None if policy.sees_all(user) else list(user.headed_sections.values_list("id", flat=True))
    found = selectors.leader_overview(sections=sections)
    page = Paginator(found.cases.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "approvals/cases/overview.html", {
        "overview": found, "page": page, "rows": _table(request, list(page.object_list), claimable=False),
        "query_string": querystring_without_page(request)})
