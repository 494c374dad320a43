"""好差评 pages (mounted by applications/urls.py, namespace "applications"). Thin: parse, call a service, render.

- /applications/<pk>/rate/                the applicant's rating of a closed application
- /ratings/visit/ , /ratings/visit/<token>/   the clerk opens a window visit; the tablet page "请您评价"
- /ratings/tickets/ , /ratings/tickets/<pk>/  the section head's (and leaders') rectification tickets
- /ratings/appeals/ , /ratings/appeals/<pk>/decide/   a bureau leader confirms or rejects 恶意差评 appeals
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from applications import extensions
from applications.ratings import forms, policy, selectors, services
from applications.ratings.models import Rating
from portal import clock
from portal.web import error_messages, flash_error, problem_status


def _take_rating(request, rate) -> tuple:
    """The rating form of both pages (online and the window's tablet): on a valid POST, `rate(level, comment)`
    records it. Returns (form, errors, status, done)."""
    form = forms.RatingForm(request.POST or None)
    if request.method != "POST":
        return form, [], 200, False
    if not form.is_valid():
        return form, [], 400, False
    try:
        rate(form.cleaned_data["level"], form.cleaned_data["comment"])
    except (ValidationError, PermissionDenied) as exc:
        return form, error_messages(exc), problem_status(exc), False
    return form, [], 200, True


# --- the applicant ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rate(request, pk: int):
    application = policy.rateable_applications(request.user).filter(pk=pk).first()
    if application is None:
        raise Http404(_("办件不存在。"))
    form, errors, status, done = _take_rating(request, lambda level, comment: services.rate_online(
        application, request.user, level, comment, request=request))
    if done:
        messages.success(request, _("感谢您的评价！"))
        return redirect("applications:rate", application.pk)
    verdict = policy.rating_open(application)
    given = application.ratings.filter(visit__isnull=True).first()
    return render(request, "applications/ratings/rate.html", {
        "application": application, "form": form, "errors": errors, "open": bool(verdict),
        "reason": "" if verdict or given else verdict.reason, "given": given,
    }, status=status)


# --- the window visit -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def visit_start(request):
    policy.may_open_visit(request.user).enforce()
    form = forms.VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        application = None
        if request.POST.get("application"):
            # Only an application the clerk may see (approvals' rule, through applications.extensions).
            application = extensions.staff_visible_applications(request.user).exclude(status="draft").filter(
                pk=request.POST.get("application") if str(request.POST.get("application")).isdigit() else 0).first()
            if application is None:
                raise Http404(_("办件不存在。"))
        visit = services.open_visit(request.user, application=application, purpose=form.cleaned_data["purpose"],
                                    request=request)
        return redirect("applications:rating_visit", visit.token)
    return render(request, "applications/ratings/visit_start.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def visit_rate(request, token):
    visit = policy.visible_visits(request.user).select_related("application").filter(token=token).first()
    if visit is None:
        raise Http404(_("评价页面不存在。"))
    form, errors, status, done = _take_rating(request, lambda level, comment: services.rate_visit(
        visit, request.user, level, comment, request=request))
    if done:
        return redirect("applications:rating_visit", visit.token)
    given = Rating.objects.filter(visit=visit).first()
    return render(request, "applications/ratings/visit.html", {
        "visit": visit, "form": form, "errors": errors, "given": given, "levels": forms.RatingForm.base_fields[
            "level"].choices}, status=status)


# --- tickets ------------------------------------------------------------------------------------------------------


def _require_handler(user) -> None:
    if not policy.handles_tickets(user):
        raise PermissionDenied(_("差评整改由科室负责人和局领导办理。"))


STATES = ("open", "overdue", "closed", "all")


@login_required
def tickets(request):
    _require_handler(request.user)
    state = request.GET.get("state") if request.GET.get("state") in STATES else "open"
    page = Paginator(selectors.tickets_for(request.user, state=state), selectors.PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "applications/ratings/tickets.html", {
        "page": page, "state": state, "counts": selectors.ticket_counts(request.user), "today": clock.today(),
        "querystring": f"state={state}",
    })


ACTIONS = {
    "call": (forms.CallForm, lambda t, u, d, r: services.record_call(t, u, call_on=d["call_on"], contact=d["contact"],
                                                                     notes=d["notes"], request=r), _("已记录回访。")),
    "rectify": (forms.RectificationForm, lambda t, u, d, r: services.record_rectification(
        t, u, d["rectification"], request=r), _("已记录整改情况。")),
    "close": (forms.CloseForm, lambda t, u, d, r: services.close_ticket(t, u, d["applicant_view"], d["notes"],
                                                                        request=r), _("整改单已办结。")),
    "appeal": (forms.AppealForm, lambda t, u, d, r: services.request_appeal(t, u, d["reason"], request=r),
               _("已提交恶意差评申诉，待局领导确认。")),
}


@login_required
@require_http_methods(["GET", "POST"])
def ticket(request, pk: int):
    found = selectors.ticket_detail(request.user, pk)
    if found is None:
        raise Http404(_("整改单不存在。"))
    bound, status = {}, 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        form_class, run, done = ACTIONS[action]
        form = form_class(request.POST, prefix=action)
        if form.is_valid():
            try:
                run(found, request.user, form.cleaned_data, request)
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    raise
                flash_error(request, exc)
                status = problem_status(exc)
            else:
                messages.success(request, done)
                return redirect("applications:rating_ticket", found.pk)
        else:
            status = 400
        bound[action] = form
        found = selectors.ticket_detail(request.user, pk)
    user = request.user
    verdicts = {"call": policy.may_record_call(found, user), "rectify": policy.may_record_rectification(found, user),
                "close": policy.may_close(found, user), "appeal": policy.may_appeal(found, user)}
    form_objects = {name: bound.get(name) or ACTIONS[name][0](prefix=name,
                                                             initial={"call_on": clock.today()} if name == "call" else None)
                    for name in ACTIONS}
    return render(request, "applications/ratings/ticket.html", {
        "ticket": found, "rating": found.rating, "appeals": selectors.appeals_of(found), "today": clock.today(),
        "allowed": {name: bool(v) for name, v in verdicts.items()}, "forms": form_objects,
        "overdue": found.is_open and found.due_on < clock.today(),
    }, status=status)


# --- appeals ------------------------------------------------------------------------------------------------------


@login_required
def appeals(request):
    if not policy.is_leader(request.user):
        raise PermissionDenied(_("恶意差评须由局领导确认。"))
    page = Paginator(selectors.pending_appeals(request.user), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/ratings/appeals.html", {"page": page, "form": forms.DecideAppealForm()})


@login_required
@require_POST
def appeal_decide(request, pk: int):
    appeal = selectors.appeal_for(request.user, pk)
    if appeal is None:
        raise Http404(_("申诉不存在。"))
    form = forms.DecideAppealForm(request.POST)
    if not form.is_valid():
        flash_error(request, ValidationError(list(form.errors.values())[0][0]))
        return redirect("applications:rating_appeals")
    try:
        services.decide_appeal(appeal, request.user, form.cleaned_data["decision"] == "confirm",
                               form.cleaned_data["notes"], request=request)
    except ValidationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已处理申诉。"))
    return redirect("applications:rating_appeals")

