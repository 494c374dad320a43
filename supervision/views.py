"""The department user's pages (/supervision/): the feed with filters and claims, a handoff with its documents and
results, the push and pull settings (webhooks, secrets, tokens), rule-change notices, and the deliveries (dead
letters re-driven by an administrator). Thin: every write is a service in supervision.services or .delivery."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from approvals.certificates.models import Certificate
from portal.errors import DomainError
from portal.roles import Role
from portal.web import flash_error, issued_pdf_response, problem_status, querystring_without_page, stored_file_response
from supervision import delivery, forms, policy, selectors, services
from supervision.models import Delivery, Handoff, Subscription, SupervisionDocument, SupervisionRecord

PAGE_SIZE = 20


def _require_supervision_user(user) -> None:
    if not (policy.department_of(user) or policy.sees_all(user)):
        raise PermissionDenied(_("只有监管部门人员、局领导和系统管理员可以查看审管推送。"))


@require_GET
@login_required
def feed(request):
    _require_supervision_user(request.user)
    state = request.GET.get("state") if request.GET.get("state") in selectors.STATES else "unclaimed"
    kind = request.GET.get("kind", "")
    rows = selectors.feed(request.user, state=state, kind=kind, q=request.GET.get("q", ""))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/feed.html", {
        "page": page, "state": state, "kind": kind, "q": request.GET.get("q", ""), "kinds": Handoff.Kind.choices,
        "counts": selectors.counts(request.user), "department": policy.department_of(request.user),
        "query_string": querystring_without_page(request)})


def _handoff_or_404(request, public_id) -> Handoff:
    found = selectors.handoff_for(request.user, public_id)
    if found is None:
        raise Http404(_("推送不存在。"))
    return found


@require_http_methods(["GET", "POST"])
@login_required
def handoff(request, public_id):
    found = _handoff_or_404(request, public_id)
    form = forms.RecordForm(handoff=found)
    status = 200
    if request.method == "POST":
        form = forms.RecordForm(request.POST, request.FILES, handoff=found)
        if form.is_valid():
            try:
                record = services.record_result(found, request.user, form.cleaned_data["kind"],
                                                form.cleaned_data["summary"],
                                                document_number=form.cleaned_data["document_number"],
                                                documents=request.FILES.getlist("documents"), request=request)
            except (DomainError, PermissionDenied) as exc:
                flash_error(request, exc)
                status = problem_status(exc)
            else:
                messages.success(request, _("已反馈：%(k)s。") % {"k": record.get_kind_display()})
                return redirect("supervision:handoff", found.public_id)
        else:
            status = 400
    return render(request, "supervision/handoff.html", {
        "handoff": found, "form": form, "records": list(found.records.prefetch_related("documents")),
        "can_claim": bool(policy.can_claim(found, request.user)),
        "can_record": bool(policy.can_record(found, request.user)),
        "certificate": found.certificate, "deliveries": list(found.deliveries.select_related("subscription")),
    }, status=status)


@require_POST
@login_required
def claim(request, public_id):
    found = _handoff_or_404(request, public_id)
    try:
        services.claim(found, request.user, request=request)  # not allowed: 403 (PermissionDenied goes up)
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已认领第 %(n)s 号推送。") % {"n": found.sequence})
    if request.POST.get("next") == "feed":
        return redirect("supervision:feed")
    return redirect("supervision:handoff", found.public_id)


@require_GET
@login_required
def certificate_pdf(request, public_id):
    """The certificate of a handoff, for the department it was handed to (and leaders, administrators)."""
    found = _handoff_or_404(request, public_id)
    certificate: Certificate | None = found.certificate
    if certificate is None or certificate.rendered_at is None:
        raise Http404(_("证照不存在或尚未生成。"))
    return issued_pdf_response(certificate, f"{certificate.name}{certificate.licence_number}.pdf")


@require_GET
@login_required
def record_document(request, public_id, document_id):
    found = _handoff_or_404(request, public_id)
    document = SupervisionDocument.objects.filter(public_id=document_id, record__handoff=found).first()
    if document is None:
        raise Http404(_("文件不存在。"))
    return stored_file_response(document)


# --- settings: webhooks, tokens, rule notices -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def settings_page(request):
    department = policy.department_of(request.user)
    if department is None:
        raise PermissionDenied(_("您的账号未关联监管部门，请联系系统管理员。"))
    new_token, new_secret = "", ""
    subscription_form, token_form, notice_form = forms.SubscriptionForm(), forms.TokenForm(), forms.RuleNoticeForm()
    action = request.POST.get("action", "")
    try:
        if action == "subscribe":
            subscription_form = forms.SubscriptionForm(request.POST)
            if subscription_form.is_valid():
                made = services.add_subscription(request.user, subscription_form.cleaned_data["name"],
                                                 subscription_form.cleaned_data["url"], request=request)
                new_secret = made.secret
                subscription_form = forms.SubscriptionForm()
        elif action in ("rotate", "enable", "disable"):
            subscription = Subscription.objects.filter(pk=request.POST.get("subscription"),
                                                       department=department).first()
            if subscription is None:
                raise Http404(_("订阅不存在。"))
            if action == "rotate":
                new_secret = services.rotate_secret(subscription, request.user, request=request).secret
            else:
                services.set_subscription_active(subscription, request.user, action == "enable", request=request)
        elif action == "token":
            token_form = forms.TokenForm(request.POST)
            if token_form.is_valid():
                _row, new_token = services.create_token(request.user, token_form.cleaned_data["name"],
                                                        request=request)
                token_form = forms.TokenForm()
        elif action == "revoke_token":
            token = department.api_tokens.filter(pk=request.POST.get("token")).first()
            if token is None:
                raise Http404(_("令牌不存在。"))
            services.revoke_token(token, request.user, request=request)
        elif action == "notice":
            notice_form = forms.RuleNoticeForm(request.POST)
            if notice_form.is_valid():
                services.post_rule_notice(request.user, notice_form.cleaned_data["title"],
                                          notice_form.cleaned_data["body"],
                                          effective_on=notice_form.cleaned_data["effective_on"], request=request)
                messages.success(request, _("规则变更通知已发送给系统管理员。"))
                return redirect("supervision:settings")
    except (DomainError, PermissionDenied) as exc:
        flash_error(request, exc)
    return render(request, "supervision/settings.html", {
        "department": department, "subscriptions": selectors.subscriptions(department),
        "tokens": selectors.tokens(department), "feed_state": selectors.feed_state(department),
        "subscription_form": subscription_form, "token_form": token_form, "notice_form": notice_form,
        "new_token": new_token, "new_secret": new_secret,
    })


@require_http_methods(["GET", "POST"])
@login_required
def deliveries(request):
    """Webhook deliveries and their attempts; an administrator re-drives dead letters here."""
    _require_supervision_user(request.user)
    if request.method == "POST":
        if not request.user.has_role(Role.ADMINISTRATOR):
            raise PermissionDenied(_("只有系统管理员可以重新投递。"))
        count = delivery.redrive_dead(request.POST.getlist("delivery"), request.user)
        messages.success(request, _("已重新投递 %(n)s 条消息。") % {"n": count})
        return redirect(f"{request.path}?status=dead")
    status = request.GET.get("status", "")
    rows = selectors.deliveries(request.user, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/deliveries.html", {
        "page": page, "status": status, "statuses": Delivery.Status.choices,
        "may_redrive": request.user.has_role(Role.ADMINISTRATOR),
        "query_string": querystring_without_page(request), "record_kinds": SupervisionRecord.Kind.choices})
