"""The problem desk's pages (/problems/): filing online (anyone), the public follow page, the filer's list, the
desk's queue and recording page, and a ticket with its step actions. Thin: services write, selectors read."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications.problems import forms, policy, selectors, services
from catalog.models import Department, Section
from portal import clock
from portal.audit import client_ip
from portal.errors import DomainError
from portal.masking import mask_name
from portal.web import flash_error, problem_status, querystring_without_page

PAGE_SIZE = 20


def _require_staff(user) -> None:
    if not policy.is_staff_side(user):
        raise PermissionDenied(_("只有综合窗口、承办科室（部门）人员和局领导可以查看办不成事反映。"))


def _require_desk(user) -> None:
    if not policy.is_desk(user):
        raise PermissionDenied(_("只有综合窗口（办不成事反映窗口）人员可以登记反映。"))


@never_cache
@require_http_methods(["GET", "POST"])
def file(request):
    """网上反映: anyone, signed in or not; a contact name and mobile are required."""
    initial = {}
    if request.user.is_authenticated:
        initial = {"contact_name": request.user.real_name, "contact_mobile": request.user.mobile}
    form = forms.FileForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket = services.file_online(**form.cleaned_data, user=request.user, ip=client_ip(request),
                                              request=request)
            except DomainError as exc:
                form.add_error(None, exc)
                status = problem_status(exc)
            else:
                request.session["problem_filed"] = ticket.number
                return redirect("applications:problem_filed")
        else:
            status = 400
    return render(request, "applications/problems/file.html", {"form": form}, status=status)


@never_cache
@require_GET
def filed(request):
    number = request.session.get("problem_filed")
    if not number:
        return redirect("applications:problem_file")
    return render(request, "applications/problems/filed.html", {"number": number})


@never_cache
@require_http_methods(["GET", "POST"])
def follow(request):
    """Public: the ticket number and the last four digits of the contact mobile; no contact data is shown."""
    form = forms.LookupForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    ticket, searched = None, False
    if request.method == "POST" and form.is_valid():
        searched = True
        try:
            ticket = services.lookup(form.cleaned_data["number"], form.cleaned_data["mobile_tail"],
                                     ip=client_ip(request))
        except DomainError as exc:
            form.add_error(None, exc)
    return render(request, "applications/problems/follow.html", {
        "form": form, "ticket": ticket, "searched": searched,
        "steps": selectors.steps(ticket) if ticket else [],
        "masked_name": mask_name(ticket.contact_name) if ticket else "",
    })


@login_required
@require_GET
def mine(request):
    page = Paginator(selectors.my_tickets(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/problems/mine.html", {"page": page, "query_string": ""})


@login_required
@require_GET
def queue(request):
    _require_staff(request.user)
    form = forms.QueueFilterForm(request.GET or None)
    filters = form.filters()
    page = Paginator(selectors.queue(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/problems/queue.html", {
        "form": form, "page": page, "filters": filters, "counts": selectors.counts(request.user),
        "today": clock.today(), "query_string": querystring_without_page(request),
        "is_desk": policy.is_desk(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def record(request):
    _require_desk(request.user)
    form = forms.RecordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket = services.record(request.user, **form.cleaned_data, request=request)
            except DomainError as exc:
                form.add_error(None, exc)
                status = problem_status(exc)
            else:
                messages.success(request, _("已登记反映 %(n)s。") % {"n": ticket.number})
                return redirect("applications:problem", ticket.pk)
        else:
            status = 400
    return render(request, "applications/problems/record.html", {"form": form}, status=status)


def _ticket_or_404(request, pk):
    ticket = selectors.ticket_for(request.user, pk)
    if ticket is None:
        raise Http404(_("反映不存在。"))
    return ticket


def _assign_form(data=None, ticket=None):
    return forms.AssignForm(data, sections=list(Section.objects.order_by("code")),
                            departments=list(Department.objects.order_by("code")),
                            initial={"days": services.reply_days()})


def _render_ticket(request, ticket, *, status=200, **bound):
    user = request.user
    verdicts = {
        "can_assign": bool(policy.may_assign(user, ticket)),
        "can_reply": bool(policy.may_reply(user, ticket)),
        "can_follow_up": bool(policy.may_follow_up(user, ticket)),
        "can_close": bool(policy.may_close(user, ticket)),
    }
    return render(request, "applications/problems/ticket.html", {
        "ticket": ticket, "steps": selectors.steps(ticket), "staff": policy.is_staff_side(user),
        "assign_form": bound.get("assign_form") or (_assign_form() if verdicts["can_assign"] else None),
        "reply_form": bound.get("reply_form") or forms.ReplyForm(),
        "follow_up_form": bound.get("follow_up_form") or forms.FollowUpForm(initial={"called_on": clock.today()}),
        "today": clock.today(), **verdicts,
    }, status=status)


@login_required
@require_GET
def ticket(request, pk: int):
    return _render_ticket(request, _ticket_or_404(request, pk))


def _act(request, found, form_name, form, call, done_message):
    if not form.is_valid():
        return _render_ticket(request, found, status=400, **{form_name: form})
    try:
        call(form.cleaned_data)
    except DomainError as exc:
        flash_error(request, exc)
        return _render_ticket(request, selectors.ticket_for(request.user, found.pk), status=problem_status(exc),
                              **{form_name: form})
    messages.success(request, done_message)
    return redirect("applications:problem", found.pk)


@login_required
@require_POST
def assign(request, pk: int):
    found = _ticket_or_404(request, pk)
    _require_desk(request.user)
    form = _assign_form(request.POST)

    def call(data):
        target = data["target"]
        section = department = None
        try:
            if target.startswith("s"):
                section = Section.objects.get(pk=int(target[1:]))
            else:
                department = Department.objects.get(pk=int(target[1:]))
        except (ValueError, Section.DoesNotExist, Department.DoesNotExist):
            raise DomainError(_("请选择承办科室或承办部门。"), code="assignee") from None
        services.assign(found, request.user, section=section, department=department, note=data["note"],
                        days=data["days"], request=request)

    return _act(request, found, "assign_form", form, call, _("已交办。"))


@login_required
@require_POST
def reply(request, pk: int):
    found = _ticket_or_404(request, pk)
    if not (policy.is_desk(request.user) or policy.is_assigned_to(request.user, found)):
        raise PermissionDenied(_("只有承办科室（部门）或综合窗口人员可以答复。"))
    return _act(request, found, "reply_form", forms.ReplyForm(request.POST),
                lambda data: services.reply(found, request.user, data["reply"], request=request), _("已答复。"))


@login_required
@require_POST
def follow_up(request, pk: int):
    found = _ticket_or_404(request, pk)
    _require_desk(request.user)
    return _act(request, found, "follow_up_form", forms.FollowUpForm(request.POST),
                lambda data: services.follow_up(found, request.user, satisfaction=data["satisfaction"],
                                                note=data["note"], called_on=data["called_on"], request=request),
                _("已记录回访。"))


@login_required
@require_POST
def close(request, pk: int):
    found = _ticket_or_404(request, pk)
    _require_desk(request.user)
    try:
        services.close(found, request.user, request=request)
    except DomainError as exc:
        flash_error(request, exc)
        return _render_ticket(request, selectors.ticket_for(request.user, pk), status=problem_status(exc))
    messages.success(request, _("已办结。"))
    return redirect("applications:problem", pk)
