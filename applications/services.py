"""Writes of the applicant's side, one function per use case.

Each public function runs in one transaction, checks who may do it, appends an audit row
(portal.audit.record_audit) and schedules side effects (SMS, notifications) with transaction.on_commit.

Groups:
- registration and identities: send_registration_code, register_account, add_person_identity, add_enterprise,
  find_or_register_walk_in, grant_agent_consent, revoke_agent_consent;
- the application as the applicant (or agent, or clerk for a walk-in) fills it: start_application, save_form,
  upload_file, delete_file, request_tolerance, sign_commitment, submit, resubmit, withdraw;
- the receive stage's moves, called by approvals.services (never by views): record_supplement_request,
  record_acceptance, record_refusal, record_decision, record_issue_and_close (the issuing window),
  set_tolerance_deadlines, record_paper_commitment, and the set-based sweeps mark_deemed_accepted,
  mark_supplements_lapsed, mark_tolerated_overdue;
- the calendar's reach: recompute_issue_due_dates (portal.signals.calendar_changed);
- the public progress lookup: lookup_progress.
"""
from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from applications import casenumbers, extensions, formspecs
from portal import outbox, sniffing
from portal.audit import record_system_events
from portal.errors import Conflict, DomainError, Throttled
from applications.models import (
    AgentConsent,
    Applicant,
    Application,
    ApplicationItem,
    ApplicationMaterial,
    Commitment,
    ProgressLookup,
    Representation,
    Status,
    SupplementItem,
    SupplementRequest,
    UploadedFile,
    VerificationCode,
)
from applications.selectors import registry_licences
from catalog import rules as catalog_rules
from catalog import services as catalog_services
from catalog.codesets import Channel, MaterialSource, Requirement
from portal import clock, throttle
from portal.identifiers import normalise_identifier
from portal.models import User
from portal.roles import Role
from portal.audit import client_ip, record_audit
from portal.services import grant_role
from portal.sms import send_sms
from portal.validators import any_identifier_error, citizen_id_error, credit_code_error, identifier_kind

log = logging.getLogger(__name__)

INTAKE_LIMIT_DAYS = 5  # Administrative Licensing Law, Art. 32
# The outbox topic of a withdrawal (portal.outbox): approvals and supervision subscribe to it.
WITHDRAWN_TOPIC = "application.withdrawn"
ISSUE_LIMIT_DAYS = 10  # Art. 44: results handed over within 10 working days of the decision
CODE_TTL_MINUTES = 10
CODE_MAX_ATTEMPTS = 5
CODE_RESEND_SECONDS = 60
CODE_MAX_PER_HOUR = 5
CODE_MAX_PER_IP_PER_HOUR = 20


def _setting(name: str, default):
    return getattr(settings, name, default)


def supplement_limit_days() -> int:
    """Working days an applicant has to answer a supplement notice before the application lapses."""
    return int(_setting("SUPPLEMENT_LIMIT_WORKING_DAYS", 20))


# --- transitions -----------------------------------------------------------------------------------------


def _transition(application: Application, method: str, *, update_fields: Iterable[str] = ()) -> tuple[str, str]:
    """Run one FSM transition and save it; a lost race or a stale state becomes a Chinese Conflict."""
    before = application.status
    try:
        getattr(application, method)()
    except TransitionNotAllowed:
        raise Conflict(
            _("办件 %(number)s 当前状态为“%(status)s”，不能执行此操作；请刷新页面查看最新状态。"),
            code="wrong_state",
            params={"number": application, "status": application.get_status_display()},
        ) from None
    try:
        with transaction.atomic():
            application.save(update_fields=["status", "updated_at", *update_fields])
    except ConcurrentTransition:
        raise Conflict(
            _("办件 %(number)s 已被他人处理（状态已变化），本次操作未生效；请刷新页面查看最新状态。"),
            code="concurrent",
            params={"number": application},
        ) from None
    return before, application.status


# --- permissions (plain reads used by the services and the views) -------------------------------------------


def represents(user: User, applicant: Applicant | int) -> bool:
    applicant_id = applicant.pk if isinstance(applicant, Applicant) else applicant
    return Representation.objects.filter(user=user, applicant_id=applicant_id).exists()


def active_consent(agent: User, applicant: Applicant, *, item=None, bundle=None, on: date | None = None):
    """The agent's consent from `applicant` that covers this item or bundle today, or None."""
    on = on or clock.today()
    scope = Q(item__isnull=True, bundle__isnull=True)
    if bundle is not None:
        scope |= Q(bundle=bundle)
    elif item is not None:
        scope |= Q(item=item)
    return (
        AgentConsent.objects.filter(scope, agent=agent, applicant=applicant, revoked_at__isnull=True,
                                    valid_from__lte=on, valid_until__gte=on)
        .order_by("-granted_at")
        .first()
    )


def may_edit(user: User, application: Application) -> bool:
    """Who may fill in, upload to, submit or answer a supplement for an application."""
    if not user.is_authenticated:
        return False
    if application.filed_by_id == user.pk:
        return True
    if application.channel == Channel.WINDOW and user.has_role(Role.WINDOW_CLERK):
        return True
    return represents(user, application.applicant_id)


def may_view(user: User, application: Application) -> bool:
    return may_edit(user, application) or (user.is_authenticated and user.is_back_office)


def _require_edit(user: User, application: Application) -> None:
    if not may_edit(user, application):
        raise PermissionDenied(_("您无权办理该申请。"))


# --- registration ------------------------------------------------------------------------------------------


def _code_hash(mobile: str, code: str) -> str:
    return salted_hmac("applications.verification-code", f"{mobile}:{code}", algorithm="sha256").hexdigest()


@transaction.atomic
def send_registration_code(mobile: str, *, request=None, purpose: str = "register") -> None:
    """Send a 6-digit code by SMS (console backend by default); keep only its hash, valid 10 minutes."""
    from portal.models import mobile_validator

    mobile = (mobile or "").strip()
    mobile_validator(mobile)
    if purpose == "register" and User.objects.filter(Q(mobile=mobile) | Q(username__iexact=mobile)).exists():
        raise DomainError(_("该手机号码已注册，请直接登录。"), code="mobile_taken")
    now = timezone.now()
    ip = client_ip(request)
    recent = VerificationCode.objects.filter(mobile=mobile, purpose=purpose, created_at__gte=now - timedelta(hours=1))
    latest = recent.order_by("-created_at").first()
    if latest and (now - latest.created_at).total_seconds() < CODE_RESEND_SECONDS:
        raise Throttled(_("验证码已发送，请 %(s)s 秒后再获取。"), code="too_soon",
                        params={"s": CODE_RESEND_SECONDS - int((now - latest.created_at).total_seconds())})
    if recent.count() >= CODE_MAX_PER_HOUR or (
        ip and VerificationCode.objects.filter(ip_address=ip, created_at__gte=now - timedelta(hours=1)).count()
        >= CODE_MAX_PER_IP_PER_HOUR
    ):
        raise Throttled(_("获取验证码过于频繁，请一小时后再试。"), code="too_many")
    code = f"{secrets.randbelow(1_000_000):06d}"
    VerificationCode.objects.create(
        mobile=mobile, purpose=purpose, code_hash=_code_hash(mobile, code),
        expires_at=now + timedelta(minutes=CODE_TTL_MINUTES), ip_address=ip,
    )
    text = _("您的注册验证码为 %(code)s，%(m)s 分钟内有效。如非本人操作，请忽略本短信。") % {
        "code": code, "m": CODE_TTL_MINUTES}
    transaction.on_commit(lambda: send_sms(mobile, text))


def _throttled(refusal: throttle.TooManyAttempts) -> Throttled:
    return Throttled(refusal.messages[0], code="throttled")


def check_code(mobile: str, code: str, *, purpose: str = "register", ip: str | None = None) -> None:
    """Use up the newest live code if it matches; each wrong try counts (committed even when we raise), on the
    code and on the portal's throttle (per mobile number and address, see portal.throttle)."""
    try:
        attempt = throttle.begin(throttle.SMS_CODE, f"{purpose}:{mobile}", ip, typed=mobile)
    except throttle.TooManyAttempts as refusal:
        raise _throttled(refusal) from None
    now = timezone.now()
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        ok = False
        if row is not None and row.attempts < CODE_MAX_ATTEMPTS:
            row.attempts += 1
            ok = hmac.compare_digest(row.code_hash, _code_hash(mobile, (code or "").strip()))
            if ok:
                row.used_at = now
            row.save(update_fields=["attempts", "used_at"])
    if ok:
        throttle.succeeded(attempt, forget=True)
        return
    throttle.failed(attempt, data={"purpose": purpose})
    if row is None:
        raise DomainError(_("验证码已失效，请重新获取。"), code="code_expired")
    if row.attempts >= CODE_MAX_ATTEMPTS:
        raise DomainError(_("验证码错误次数过多，请重新获取。"), code="code_locked")
    raise DomainError(_("验证码不正确。"), code="code_wrong")


def register_account(mobile: str, code: str, password: str, *, real_name: str = "", request=None) -> User:
    """Self-registration of an applicant: mobile number (the username), password, SMS code."""
    mobile = (mobile or "").strip()
    if User.objects.filter(Q(mobile=mobile) | Q(username__iexact=mobile)).exists():
        raise DomainError(_("该手机号码已注册，请直接登录。"), code="mobile_taken")
    validate_password(password, User(username=mobile, mobile=mobile, real_name=real_name))
    check_code(mobile, code, ip=client_ip(request))
    try:
        with transaction.atomic():
            user = User(username=mobile, mobile=mobile, real_name=(real_name or "").strip()[:64])
            user.set_password(password)
            user.save()
            grant_role(user, Role.APPLICANT)
            record_audit(user, "register", user, request=request, role=Role.APPLICANT)
    except IntegrityError:
        raise DomainError(_("该手机号码已注册，请直接登录。"), code="mobile_taken") from None
    return user


# --- identities --------------------------------------------------------------------------------------------


def _clean_citizen_id(value: str) -> str:
    value = normalise_identifier(value)
    if error := citizen_id_error(value):
        raise DomainError(error, code="citizen_id")
    return value


def _clean_credit_code(value: str) -> str:
    value = normalise_identifier(value)
    if error := credit_code_error(value):
        raise DomainError(error, code="credit_code")
    return value


@transaction.atomic
def add_person_identity(user: User, real_name: str, citizen_id: str, *, request=None) -> Applicant:
    """The account holder applies as a natural person: real name and citizen ID (check character verified)."""
    citizen_id = _clean_citizen_id(citizen_id)
    real_name = (real_name or "").strip()
    if not real_name:
        raise DomainError(_("请填写真实姓名。"), code="name")
    if Representation.objects.filter(user=user, relation=Representation.Relation.SELF).exists():
        raise DomainError(_("本账号已绑定本人身份。"), code="self_exists")
    if Applicant.objects.filter(id_type=Applicant.IdType.CITIZEN_ID, id_number=citizen_id).exists():
        # Someone registered at the window (or another account) already uses it: only a clerk, with the
        # identity card in hand, may bind it to an account.
        raise DomainError(_("该身份证号码已登记，请携带身份证到综合窗口核验后绑定。"), code="id_taken")
    applicant = Applicant.objects.create(
        kind=Applicant.Kind.PERSON, name=real_name, id_type=Applicant.IdType.CITIZEN_ID, id_number=citizen_id,
        contact_name=real_name, contact_mobile=user.mobile, created_by=user,
    )
    Representation.objects.create(user=user, applicant=applicant, relation=Representation.Relation.SELF)
    user.__dict__.pop("_represented_applicant_ids", None)
    user.__dict__.pop("_licence_holder_ids", None)
    changed = []
    if not user.real_name:
        user.real_name = real_name
        changed.append("real_name")
    if not user.citizen_id and not User.objects.filter(citizen_id=citizen_id).exists():
        user.citizen_id = citizen_id
        changed.append("citizen_id")
    if changed:
        user.save(update_fields=changed)
    record_audit(user, "applicant_add_person", applicant, request=request)
    return applicant


@transaction.atomic
def add_enterprise(
    user: User, *, name: str, credit_code: str, legal_representative: str, contact_name: str = "",
    contact_mobile: str = "", address: str = "", relation: str = Representation.Relation.STAFF, request=None,
) -> Applicant:
    """The account also represents an enterprise (an account may hold several)."""
    credit_code = _clean_credit_code(credit_code)
    if not (name or "").strip() or not (legal_representative or "").strip():
        raise DomainError(_("请填写企业名称和法定代表人。"), code="required")
    if relation not in (Representation.Relation.LEGAL_REPRESENTATIVE, Representation.Relation.STAFF):
        raise DomainError(_("请选择与企业的关系。"), code="relation")
    existing = Applicant.objects.filter(id_type=Applicant.IdType.CREDIT_CODE, id_number=credit_code).first()
    if existing is not None:
        if represents(user, existing):
            raise DomainError(_("本账号已绑定该企业。"), code="already")
        raise DomainError(_("该企业已登记，请由企业已绑定的账号授权，或携带营业执照到综合窗口核验后绑定。"),
                          code="enterprise_taken")
    applicant = Applicant.objects.create(
        kind=Applicant.Kind.ENTERPRISE, name=name.strip(), id_type=Applicant.IdType.CREDIT_CODE,
        id_number=credit_code, legal_representative=legal_representative.strip(),
        contact_name=(contact_name or user.real_name).strip(), contact_mobile=(contact_mobile or user.mobile).strip(),
        address=(address or "").strip(), created_by=user,
    )
    Representation.objects.create(user=user, applicant=applicant, relation=relation)
    user.__dict__.pop("_represented_applicant_ids", None)
    user.__dict__.pop("_licence_holder_ids", None)
    record_audit(user, "applicant_add_enterprise", applicant, request=request)
    return applicant


@transaction.atomic
def find_or_register_walk_in(
    clerk: User, *, id_number: str, name: str = "", legal_representative: str = "", contact_mobile: str = "",
    address: str = "", request=None,
) -> tuple[Applicant, bool]:
    """A window clerk finds the walk-in applicant by ID number (citizen ID or credit code), or registers it."""
    if not clerk.has_role(Role.WINDOW_CLERK):
        raise PermissionDenied(_("只有综合窗口受理人员可以登记现场申请人。"))
    raw = normalise_identifier(id_number)
    found = identifier_kind(raw)
    if found == "citizen_id":
        id_type, kind = Applicant.IdType.CITIZEN_ID, Applicant.Kind.PERSON
    elif found == "credit_code":
        id_type, kind = Applicant.IdType.CREDIT_CODE, Applicant.Kind.ENTERPRISE
    else:
        raise DomainError(any_identifier_error(raw), code="id_number")
    existing = Applicant.objects.filter(id_type=id_type, id_number=raw).first()
    if existing is not None:
        return existing, False
    if not (name or "").strip():
        raise DomainError(_("未找到该申请人，请填写姓名或名称以登记。"), code="name")
    if kind == Applicant.Kind.ENTERPRISE and not (legal_representative or "").strip():
        raise DomainError(_("登记企业时请填写法定代表人。"), code="legal_rep")
    applicant = Applicant.objects.create(
        kind=kind, name=name.strip(), id_type=id_type, id_number=raw,
        legal_representative=(legal_representative or "").strip(), contact_name=name.strip()
        if kind == Applicant.Kind.PERSON else (legal_representative or "").strip(),
        contact_mobile=(contact_mobile or "").strip(), address=(address or "").strip(), created_by=clerk,
    )
    record_audit(clerk, "applicant_walk_in", applicant, request=request)
    return applicant, True


CONSENT_MAX_DAYS = 366  # a consent lasts at most a year


@transaction.atomic
def grant_agent_consent(
    granted_by: User, applicant: Applicant, agent: User, *, purpose: str, valid_until: date, item=None, bundle=None,
    valid_from: date | None = None, request=None,
) -> AgentConsent:
    """Record that `applicant` lets `agent` file for it (who, for what, until when).

    Granted online by an account that represents the applicant, or recorded by a window clerk from a signed
    paper power of attorney (委托书).
    """
    if represents(granted_by, applicant):
        method = "online"
    elif granted_by.has_role(Role.WINDOW_CLERK):
        method = "paper"
    else:
        raise PermissionDenied(_("只有申请人本人（或其绑定账号）可以授权代办。"))
    if not agent.has_role(Role.AGENT):
        raise DomainError(_("%(name)s 不是登记的帮办代办员。"), code="not_agent", params={"name": agent})
    if item is not None and bundle is not None:
        raise DomainError(_("一份授权只能针对一个事项或一件事。"), code="scope")
    valid_from = valid_from or clock.today()
    if valid_until < clock.today():
        raise DomainError(_("授权截止日期不能早于今天。"), code="period")
    if valid_until < valid_from:
        raise DomainError(_("授权截止日期不能早于生效日期。"), code="period")
    if valid_until > valid_from + timedelta(days=CONSENT_MAX_DAYS):
        raise DomainError(_("授权期限最长一年。"), code="period_too_long")
    if not (purpose or "").strip():
        raise DomainError(_("请填写委托内容。"), code="purpose")
    consent = AgentConsent.objects.create(
        agent=agent, applicant=applicant, item=item, bundle=bundle, purpose=purpose.strip()[:300],
        valid_from=valid_from, valid_until=valid_until, granted_by=granted_by, method=method,
    )
    record_audit(granted_by, "agent_consent_grant", consent, request=request,
                 data={"agent": agent.pk, "applicant": applicant.pk, "until": valid_until.isoformat()})
    return consent


@transaction.atomic
def revoke_agent_consent(consent: AgentConsent, by: User, *, request=None) -> AgentConsent:
    consent = AgentConsent.objects.select_for_update().get(pk=consent.pk)
    if not (represents(by, consent.applicant_id) or by.has_role(Role.WINDOW_CLERK)):
        raise PermissionDenied(_("您无权撤销该授权。"))
    if consent.revoked_at is None:
        consent.revoked_at = timezone.now()
        consent.save(update_fields=["revoked_at"])
        record_audit(by, "agent_consent_revoke", consent, request=request)
    return consent


# --- drafts ------------------------------------------------------------------------------------------------


def _tolerable(material: dict, versions_by_name: dict) -> bool:
    names = material.get("for_items") or list(versions_by_name)
    return bool(material.get("tolerable")) and all(
        versions_by_name[n].snapshot.get("tolerance_allowed") for n in names if n in versions_by_name
    )


def _material_rows(application: Application, versions: list) -> list[ApplicationMaterial]:
    """The application's material list: the item's, or the bundle's merged list (each material once)."""
    if len(versions) == 1 and application.bundle_id is None:
        entries = [dict(m, for_items=[versions[0].name]) for m in versions[0].materials]
    else:
        entries = catalog_rules.merge_materials((v.name, v.materials) for v in versions)
    versions_by_name = {v.name: v for v in versions}
    ids_by_key: dict[str, list[int]] = {}
    for v in versions:
        for m in v.materials:
            ids_by_key.setdefault(catalog_rules.material_key(m), []).append(m["id"])
    rows = []
    for position, m in enumerate(entries, start=1):
        shared = m.get("source") == MaterialSource.SHARED
        key = catalog_rules.material_key(m)
        rows.append(ApplicationMaterial(
            application=application, key=key[:120], name=m["name"][:200],
            required=m.get("requirement") == Requirement.REQUIRED, condition=(m.get("condition") or "")[:600],
            notes=(m.get("notes") or "")[:300], originals=m.get("originals") or 0, copies=m.get("copies") or 0,
            source=ApplicationMaterial.Source.SHARED if shared else ApplicationMaterial.Source.APPLICANT,
            shared_from=(m.get("shared_from") or "")[:100], tolerable=(not shared) and _tolerable(m, versions_by_name),
            for_items=m.get("for_items") or [], catalog_material_ids=ids_by_key.get(key, []), sort_order=position,
            registry_certificate_name="" if shared else (m.get("registry_certificate_name") or "")[:100],
        ))
    return rows


@transaction.atomic
def start_application(
    user: User, applicant: Applicant, *, item=None, bundle=None, channel: str | None = None, request=None,
) -> Application:
    """A new draft for a published item or bundle, made by the applicant's account, an agent with consent,
    or a window clerk for a walk-in. The item versions in force are recorded now."""
    if (item is None) == (bundle is None):
        raise DomainError(_("请选择一个事项或一件事。"), code="scope")
    consent = None
    if user.has_role(Role.WINDOW_CLERK) and channel == Channel.WINDOW:
        pass  # no-difference intake: the clerk files for the person at the counter
    elif represents(user, applicant):
        channel = channel or Channel.PC
    elif user.has_role(Role.AGENT):
        consent = active_consent(user, applicant, item=item, bundle=bundle)
        if consent is None:
            raise PermissionDenied(_("没有%(applicant)s对该事项的有效代办授权，不能代为申请。") % {"applicant": applicant})
        channel = channel or Channel.PC
    else:
        raise PermissionDenied(_("您不能以该申请人的名义申请。"))
    if channel == Channel.WINDOW and not user.has_role(Role.WINDOW_CLERK):
        raise PermissionDenied(_("窗口收件只能由综合窗口受理人员办理。"))
    check_channel = None if channel == Channel.WINDOW else channel
    if bundle is not None:
        versions = catalog_services.require_applicable_bundle(bundle, channel=check_channel)
        title = bundle.title
    else:
        versions = [catalog_services.require_applicable(item, channel=check_channel)]
        title = versions[0].name
    application = Application.objects.create(
        applicant=applicant, filed_by=user, agent_consent=consent, channel=channel, bundle=bundle, title=title[:200],
        form_data={"contact_name": applicant.contact_name or applicant.name,
                   "contact_mobile": applicant.contact_mobile or "", "delivery": formspecs.DELIVERY_WINDOW},
    )
    ApplicationItem.objects.bulk_create([
        ApplicationItem(application=application, item_id=v.item_id, item_version=v, sort_order=i)
        for i, v in enumerate(versions, start=1)
    ])
    ApplicationMaterial.objects.bulk_create(_material_rows(application, versions))
    record_audit(user, "application_start", application, to_state=Status.DRAFT, request=request,
                 data={"versions": [v.pk for v in versions], "consent": consent.pk if consent else None})
    return application


def form_spec(application: Application) -> formspecs.FormSpec:
    names = [ai.item_version.name for ai in application.items.all()]
    return formspecs.spec_for(names)


@transaction.atomic
def save_form(application: Application, user: User, data: dict, *, final: bool = False, request=None) -> dict:
    """Save the form as it is (a draft may be incomplete); with `final`, every required field must be there.

    Returns the errors by field key (empty when saved without error). Values with errors are not stored.
    """
    _require_edit(user, application)
    if application.status != Status.DRAFT:
        raise DomainError(_("申请已提交，申请表不能再修改。"), code="not_draft")
    spec = form_spec(application)
    cleaned, errors = formspecs.clean(spec, data, partial=not final)
    merged = dict(application.form_data)
    merged.update({k: v for k, v in cleaned.items() if k not in errors})
    application.form_data = merged
    application.last_step = "materials" if not errors else "form"
    application.save(update_fields=["form_data", "last_step", "updated_at"])
    return errors


def upload_limit(kind=None) -> int:
    return int(_setting("UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def _open_supplement(application: Application) -> SupplementRequest | None:
    return application.supplement_requests.filter(answered_at__isnull=True, lapsed_at__isnull=True).first()


def _upload_allowed(application: Application, material: ApplicationMaterial) -> None:
    if not material.asked:
        raise DomainError(_("“%(name)s”由部门通过数据共享获取，无需上传。"), code="shared",
                          params={"name": material.name})
    if application.status in (Status.DRAFT, Status.SUPPLEMENT_REQUESTED):
        return
    if application.status in (Status.ACCEPTED, Status.DECIDED) and material.tolerance_outstanding:
        return  # a tolerated material (容缺) being supplied after acceptance
    raise DomainError(_("当前状态下不能上传材料。"), code="upload_closed")


def upload_file(application: Application, material: ApplicationMaterial, user: User, uploaded, *,
                replace: bool = False, request=None) -> UploadedFile:
    """Attach a file to a material after checking its real type (sniffed) and size; stored under a generated
    name in MEDIA_ROOT. Uploading a tolerated material after acceptance marks it supplied. With `replace`, the
    material's current files are marked superseded (已被替换): kept stored and listed, no longer counted.

    The bytes are written before the row; if the transaction fails, they are removed again (when this is the
    outermost transaction, as it is from the views and the API)."""
    _require_edit(user, application)
    if material.application_id != application.pk:
        raise PermissionDenied(_("材料不属于该申请。"))
    checked = sniffing.read_upload(uploaded, allowed=sniffing.ALLOWED, limit_for=upload_limit)
    stored: list = []
    try:
        with transaction.atomic():
            application = Application.objects.select_for_update().get(pk=application.pk)
            material = ApplicationMaterial.objects.select_for_update().get(pk=material.pk)
            _upload_allowed(application, material)
            record = UploadedFile.from_upload(checked, user, stored, application=application, material=material)
            record.save()
            kind = checked.kind
            data = {"file": str(record.public_id), "material": material.name, "size": record.size,
                    "type": kind.mime}
            if replace:
                replaced = list(UploadedFile.objects.filter(material=material, superseded_at__isnull=True)
                                .exclude(pk=record.pk).values_list("public_id", flat=True))
                if replaced:
                    UploadedFile.objects.filter(public_id__in=replaced).update(superseded_at=record.uploaded_at)
                    data["replaces"] = [str(r) for r in replaced]
            if material.tolerance_outstanding and application.status in (Status.ACCEPTED, Status.DECIDED):
                material.supplied_at = timezone.now()
                material.save(update_fields=["supplied_at"])
                record_audit(user, "tolerated_material_supplied", application, request=request,
                             opinion=material.name, data=data)
            else:
                record_audit(user, "material_upload", application, request=request, opinion=material.name,
                             data=data)
    except BaseException:
        for storage, path in stored:
            storage.delete(path)
        raise
    finally:
        checked.close()
    return record


def upload_files(application: Application, material: ApplicationMaterial, user: User, files, *,
                 replace: bool = False, request=None) -> tuple[list[UploadedFile], list[tuple[str, Exception]]]:
    """Several files for one material in one go (a drop zone, `<input multiple>`, the API's batch): each checked
    and stored as upload_file does, in its own transaction, so a refused file (wrong type, too large) does not
    undo the others. With `replace`, the first file stored supersedes the material's earlier files.
    Returns (stored files, [(refused file's name, the refusal)])."""
    _require_edit(user, application)
    stored, refused = [], []
    for uploaded in files:
        try:
            stored.append(upload_file(application, material, user, uploaded, replace=replace and not stored,
                                      request=request))
        except ValidationError as exc:
            refused.append((getattr(uploaded, "name", "") or "", exc))
    return stored, refused


@transaction.atomic
def delete_file(file: UploadedFile, user: User, *, request=None) -> None:
    """Remove a file from a draft, or one uploaded while answering the open supplement notice."""
    application = Application.objects.select_for_update().get(pk=file.application_id)
    _require_edit(user, application)
    if application.status == Status.DRAFT:
        pass
    elif application.status == Status.SUPPLEMENT_REQUESTED:
        open_request = _open_supplement(application)
        if open_request is None or file.uploaded_at < open_request.requested_at:
            raise DomainError(_("已提交的材料不能删除；如有错误，请上传更正后的文件。"), code="locked")
    else:
        raise DomainError(_("已提交的材料不能删除。"), code="locked")
    path, storage = file.file.name, file.file.storage
    record_audit(user, "material_delete", application, request=request, opinion=file.material.name,
                 data={"file": str(file.public_id), "name": file.original_name})
    if file.superseded_at is None:
        # Taking back a replacement: the files it superseded (marked with its upload time) count again.
        UploadedFile.objects.filter(material_id=file.material_id, superseded_at=file.uploaded_at).update(
            superseded_at=None)
    file.delete()
    transaction.on_commit(lambda: storage.delete(path))


@transaction.atomic
def request_tolerance(application: Application, material: ApplicationMaterial, user: User, requested: bool) -> None:
    """The applicant asks to supply a tolerable material after acceptance (容缺后补), or takes it back."""
    _require_edit(user, application)
    if application.status != Status.DRAFT:
        raise DomainError(_("申请已提交，不能再更改容缺申请。"), code="not_draft")
    if requested and not material.tolerable:
        raise DomainError(_("“%(name)s”不属于可容缺材料。"), code="not_tolerable", params={"name": material.name})
    if requested and application.applicant.bad_credit:
        raise DomainError(_("严重失信主体不适用容缺受理。"), code="bad_credit")
    ApplicationMaterial.objects.filter(pk=material.pk, application=application).update(tolerance_requested=requested)
    if not requested and not application.materials.filter(tolerance_requested=True).exists():
        application.commitments.filter(kind=Commitment.Kind.TOLERANCE).delete()


def commitment_text(application: Application, kind: str) -> str:
    """The text the applicant signs, built from the rules the application was made under."""
    names = "、".join(ai.item_version.name for ai in application.items.all())
    if kind == Commitment.Kind.TOLERANCE:
        missing = "、".join(m.name for m in application.materials.all() if m.tolerance_requested) or "（无）"
        return _(
            "本申请人申请“%(names)s”，以下材料暂缺：%(missing)s。本人承诺在受理通知书载明的期限内补齐上述材料，"
            "并对所提交材料的真实性负责。逾期未补齐的，同意按规定终止办理或撤销已作出的许可决定，并承担相应法律责任。"
        ) % {"names": names, "missing": missing}
    conditions = "；".join(
        (ai.item_version.snapshot.get("conditions") or "").strip().rstrip("。；;.") for ai in application.items.all()
    ).strip("；") or _("法律、法规规定的许可条件")
    return _(
        "本申请人申请“%(names)s”，已知晓审批机关告知的全部许可条件：%(conditions)s。本人承诺已经符合上述条件，"
        "能够提交所需材料，所填写和提交的信息真实、准确。如有虚假承诺，愿意承担被撤销行政许可等法律责任，"
        "并同意将失信信息记入信用记录。"
    ) % {"names": names, "conditions": conditions}


def commitment_allowed(application: Application) -> bool:
    return all(ai.item_version.snapshot.get("commitment_allowed") for ai in application.items.all())


@transaction.atomic
def sign_commitment(application: Application, user: User, kind: str, signatory_name: str, *, request=None) -> Commitment:
    """The applicant signs a commitment online (the text is fixed now and never changes)."""
    _require_edit(user, application)
    if application.status != Status.DRAFT:
        raise DomainError(_("申请已提交，不能再签署承诺书。"), code="not_draft")
    signatory_name = (signatory_name or "").strip()
    expected = {application.applicant.name, application.applicant.legal_representative, user.real_name} - {""}
    if signatory_name not in expected:
        raise DomainError(_("请签署申请人（或法定代表人）的姓名：%(names)s。"), code="signatory",
                          params={"names": "、".join(sorted(expected))})
    if application.applicant.bad_credit:
        raise DomainError(_("严重失信主体不适用容缺受理和告知承诺制。"), code="bad_credit")
    if kind == Commitment.Kind.LICENSING and not commitment_allowed(application):
        raise DomainError(_("该事项不适用告知承诺制。"), code="not_allowed")
    if kind == Commitment.Kind.TOLERANCE and not application.materials.filter(tolerance_requested=True).exists():
        raise DomainError(_("没有申请容缺的材料，无需签署容缺承诺书。"), code="nothing_tolerated")
    application.commitments.filter(kind=kind).delete()
    commitment = Commitment.objects.create(
        application=application, kind=kind, text=commitment_text(application, kind), signatory_name=signatory_name,
        method=Commitment.Method.ONLINE, signed_by=user, signed_at=timezone.now(), ip_address=client_ip(request),
    )
    record_audit(user, "commitment_sign", application, request=request, opinion=commitment.get_kind_display())
    return commitment


@transaction.atomic
def withdraw_commitment(application: Application, user: User, kind: str) -> None:
    _require_edit(user, application)
    if application.status != Status.DRAFT:
        raise DomainError(_("申请已提交，不能再更改。"), code="not_draft")
    application.commitments.filter(kind=kind).delete()


def record_paper_commitment(application: Application, clerk: User, kind: str, signatory_name: str, *,
                            request=None) -> Commitment:
    """A clerk records a commitment the applicant signed on paper at the window (called by approvals)."""
    if not clerk.has_role(Role.WINDOW_CLERK):
        raise PermissionDenied(_("只有综合窗口受理人员可以录入纸质承诺书。"))
    if not (signatory_name or "").strip():
        raise DomainError(_("请填写承诺人姓名。"), code="signatory")
    commitment = Commitment.objects.create(
        application=application, kind=kind, text=commitment_text(application, kind),
        signatory_name=signatory_name.strip()[:200], method=Commitment.Method.PAPER, recorded_by=clerk,
        signed_at=timezone.now(),
    )
    record_audit(clerk, "commitment_record_paper", application, request=request, opinion=commitment.get_kind_display())
    return commitment


# --- submission --------------------------------------------------------------------------------------------


def next_sequence_value(key: str) -> int:
    """The next value of a named counter: one atomic INSERT ... ON CONFLICT DO UPDATE ... RETURNING.

    Concurrent callers on the same key queue on the row lock that statement takes and each gets its own value;
    a rolled-back caller's increment is rolled back with it, so numbers have no gaps.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO applications_sequence (key, value) VALUES (%s, 1) "
            "ON CONFLICT (key) DO UPDATE SET value = applications_sequence.value + 1 RETURNING value",
            [key],
        )
        return cursor.fetchone()[0]


def case_number_code(application: Application) -> str:
    """The implementation code a case number starts with.

    For a bundle: the implementation code of its first item (in bundle order). Keeping a real implementation
    code in front keeps every case number in the DOMAIN.md format that provincial platforms parse; the bundle
    shares that item's daily counter, so numbers stay unique.
    """
    first = min(application.items.all(), key=lambda ai: (ai.sort_order, ai.pk))
    return first.item_version.snapshot["implementation_code"]


def allocate_case_number(application: Application, day: date) -> str:
    code = casenumbers.normalise_code(case_number_code(application))
    if len(code) > casenumbers.max_code_length():
        raise DomainError(_("实施编码过长，无法生成办件编号，请联系系统管理员。"), code="code_too_long")
    value = next_sequence_value(f"case:{code}:{day:%Y%m%d}")
    return casenumbers.format_case_number(code, day, value)


@dataclass
class Readiness:
    missing_fields: list[str]
    missing_materials: list[str]
    missing_commitments: list[str]
    # Why the registry does not prove a missing material (its licence expired, was revoked...).
    registry_notes: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not (self.missing_fields or self.missing_materials or self.missing_commitments)

    def messages(self) -> list[str]:
        out = []
        if self.missing_fields:
            out.append(_("申请表尚未填写：%(f)s。") % {"f": "、".join(self.missing_fields)})
        if self.missing_materials:
            out.append(_("以下必要材料尚未上传：%(m)s。") % {"m": "、".join(self.missing_materials)})
            out.extend(self.registry_notes)
        out.extend(self.missing_commitments)
        return out


def registry_note(material: ApplicationMaterial, licence) -> str:
    """Why a licence in the registry does not prove a material today (the upload is asked as usual)."""
    return _("“%(m)s”：电子证照库中的%(name)s（%(number)s）%(reading)s（%(validity)s），不能调取，请上传。") % {
        "m": material.name, "name": licence.name, "number": licence.number, "reading": licence.reading_label,
        "validity": licence.validity_text()}


def readiness(application: Application, held: dict | None = None) -> Readiness:
    """What a draft still lacks before it can be submitted (used by the review page and by submit). A material a
    valid licence of the applicant's proves (电子证照库) needs no upload; `held` is registry_licences(application)
    when the caller has it."""
    spec = form_spec(application)
    fields = formspecs.missing_fields(spec, application.form_data)
    materials = list(application.materials.all())
    held = registry_licences(application) if held is None else held
    file_counts = {m.pk: len(m.current_files) for m in materials}
    missing_rows = [
        m for m in materials
        if m.asked and m.required and not file_counts[m.pk] and not m.tolerance_requested
        and not (m.pk in held and held[m.pk].is_valid)
    ]
    missing = [m.name for m in missing_rows]
    notes = [registry_note(m, held[m.pk]) for m in missing_rows if m.pk in held]
    commitments = []
    kinds = {c.kind for c in application.commitments.all()}
    # Online, the applicant signs before submitting; at the window the clerk records the paper one at intake.
    if (application.channel != Channel.WINDOW and any(m.tolerance_requested for m in materials)
            and Commitment.Kind.TOLERANCE not in kinds):
        commitments.append(_("申请容缺的材料需要签署容缺受理承诺书。"))
    return Readiness(fields, missing, commitments, notes)


def _record_registry(application: Application, held: dict) -> list[dict]:
    """At submission: each material a valid licence proves records that licence (Licence.reference()); the others
    record none. Returns the audit entries."""
    changed, recorded = [], []
    for material in application.materials.all():
        if not material.registry_certificate_name:
            continue
        licence = held.get(material.pk)
        reference = licence.reference() if licence is not None and licence.is_valid else {}
        if reference:
            recorded.append({"material": material.name, "certificate": reference["public_id"],
                             "number": reference["number"]})
        if material.registry_reference != reference:
            material.registry_reference = reference
            changed.append(material)
    if changed:
        ApplicationMaterial.objects.bulk_update(changed, ["registry_reference"])
    return recorded


def _intake_due(received_at) -> date:
    return clock.add_working_days(received_at, INTAKE_LIMIT_DAYS)


def submit(application: Application, user: User, *, request=None) -> Application:
    """Submit a complete draft: case number, reception time, the 5-working-day intake clock starts."""
    with transaction.atomic():
        _require_edit(user, application)
        application = (
            Application.objects.select_related("applicant")
            .prefetch_related("items__item_version", "materials__files", "commitments")
            .get(pk=application.pk)
        )
        if application.status != Status.DRAFT:
            raise Conflict(_("该申请已经提交（办件编号 %(n)s）。"), code="already", params={"n": application.case_number})
        held = registry_licences(application)
        ready = readiness(application, held)
        # At the window the clerk takes in what the applicant brought, even incomplete, and answers it at intake
        # with one supplement notice (一次性告知) or a refusal; online, the portal asks for everything first.
        if ready.missing_materials and application.channel == Channel.WINDOW:
            ready = Readiness(ready.missing_fields, [], ready.missing_commitments)
        if not ready.ready:
            raise DomainError(" ".join(ready.messages()), code="incomplete")
        refusal = extensions.submit_refusal(application)  # rules other apps add (e.g. a renewal's Art. 50 date)
        if refusal:
            raise DomainError(refusal, code="refused_by_rule")
        # The rules must still be in force (清单之外无审批); the versions recorded at the start stay.
        for ai in application.items.all():
            catalog_services.require_applicable(ai.item_id)
        now = timezone.now()
        application.case_number = allocate_case_number(application, timezone.localdate(now))
        application.submitted_at = application.received_at = now
        application.intake_due_date = _intake_due(now)
        application.last_step = "done"
        before, after = _transition(
            application, "submit",
            update_fields=["case_number", "submitted_at", "received_at", "intake_due_date", "last_step"],
        )
        from_registry = _record_registry(application, held)
        data = {"case_number": application.case_number, "intake_due": application.intake_due_date.isoformat()}
        if from_registry:
            data["registry"] = from_registry
        record_audit(user, "submit", application, from_state=before, to_state=after, request=request, data=data)
        notify_applicant(application, _("申请已提交"), _("办件编号 %(n)s，受理期限 %(d)s。") % {
            "n": application.case_number, "d": application.intake_due_date})
    return application


@transaction.atomic
def resubmit(application: Application, user: User, *, request=None) -> Application:
    """Answer the open supplement notice: every listed material must have a new file; back to the intake queue,
    with the intake clock counted again from now (the complete materials arrive today)."""
    _require_edit(user, application)
    application = Application.objects.select_for_update().get(pk=application.pk)
    open_request = _open_supplement(application)
    if application.status != Status.SUPPLEMENT_REQUESTED or open_request is None:
        raise Conflict(_("该申请当前没有待补正的通知。"), code="no_request")
    unanswered = [
        item.material.name for item in open_request.items.select_related("material")
        if item.original_checked_at is None
        and not item.material.files.filter(uploaded_at__gte=open_request.requested_at).exists()
    ]
    if unanswered:
        raise DomainError(_("以下补正材料尚未上传：%(m)s。"), code="unanswered", params={"m": "、".join(unanswered)})
    now = timezone.now()
    open_request.answered_at = now
    open_request.save(update_fields=["answered_at"])
    # The files the supplement replaces stay stored, marked superseded (已被替换): the clerk reads the new ones.
    answered_with_files = open_request.items.filter(original_checked_at__isnull=True).values("material_id")
    superseded = UploadedFile.objects.filter(
        material_id__in=answered_with_files, uploaded_at__lt=open_request.requested_at, superseded_at__isnull=True,
    ).update(superseded_at=now)
    application.received_at = now
    application.intake_due_date = _intake_due(now)
    before, after = _transition(application, "resubmit", update_fields=["received_at", "intake_due_date"])
    record_audit(user, "resubmit", application, from_state=before, to_state=after, request=request,
                 data={"intake_due": application.intake_due_date.isoformat(), "superseded_files": superseded})
    return application


@transaction.atomic
def record_supplement_original(application: Application, material: ApplicationMaterial, clerk: User, note: str, *,
                               request=None) -> SupplementItem:
    """补正收件: a window clerk saw the paper original of a material the open supplement notice lists (instead of
    a scan); it answers that entry. Only a clerk who may file for the application (a walk-in) records it."""
    if not clerk.has_role(Role.WINDOW_CLERK):
        raise PermissionDenied(_("只有综合窗口受理人员可以核验纸质原件。"))
    _require_edit(clerk, application)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("请填写原件核验说明（如证件名称、编号、原件已退还申请人）。"), code="note")
    application = Application.objects.select_for_update().get(pk=application.pk)
    open_request = _open_supplement(application)
    if application.status != Status.SUPPLEMENT_REQUESTED or open_request is None:
        raise Conflict(_("该申请当前没有待补正的通知。"), code="no_request")
    item = open_request.items.select_related("material").filter(material_id=material.pk).first()
    if item is None:
        raise DomainError(_("“%(name)s”不在补正告知书所列的材料中。"), code="not_listed", params={"name": material.name})
    item.original_checked_at, item.original_checked_by, item.original_note = timezone.now(), clerk, note[:200]
    item.save(update_fields=["original_checked_at", "original_checked_by", "original_note"])
    record_audit(clerk, "supplement_original_checked", application, request=request,
                 opinion=_("已核验纸质原件：%(m)s（%(n)s）") % {"m": material.name, "n": item.original_note},
                 data={"material": material.name, "supplement": open_request.pk})
    return item


@transaction.atomic
def withdraw(application: Application, user: User, reason: str, *, request=None) -> Application:
    """The applicant withdraws before a decision, with a reason. The "application.withdrawn" event (portal.outbox,
    same transaction) tells approvals to close the open cases and supervision to tell a department that already
    had a handoff of it; until the cases are closed, approvals refuses work on them (its _lock)."""
    _require_edit(user, application)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写撤回原因。"), code="reason")
    application = Application.objects.get(pk=application.pk)
    application.finished_at = timezone.now()
    application.end_reason = reason[:2000]
    before, after = _transition(application, "withdraw", update_fields=["finished_at", "end_reason"])
    record_audit(user, "withdraw", application, from_state=before, to_state=after, opinion=reason, request=request)
    outbox.publish(WITHDRAWN_TOPIC, application, {"actor_id": user.pk, "reason": reason,
                                                  "case_number": application.case_number})
    return application


@transaction.atomic
def discard_draft(application: Application, user: User) -> None:
    _require_edit(user, application)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Status.DRAFT:
        raise DomainError(_("只能删除草稿。"), code="not_draft")
    paths = [(f.file.name, f.file.storage) for f in application.files.all()]
    record_audit(user, "draft_discard", application)
    application.delete()
    transaction.on_commit(lambda: [storage.delete(p) for p, storage in paths])


# --- the receive stage's moves (called by approvals.services, inside its transaction) ---------------------


def notify_applicant(application: Application, title: str, body: str) -> None:
    """Tell the applicant's accounts (and an agent who filed) in the portal and by SMS, after the commit."""
    from django.urls import reverse

    from applications.selectors import people_to_notify
    from portal.notifications import notify

    url = reverse("applications:detail", args=[application.pk])
    for person in people_to_notify(application):
        notify(person, f"{title}：{application.title}", body, url=url, channels=("sms",))


def record_supplement_request(
    application: Application, clerk: User, items: list[tuple[ApplicationMaterial | str, str]], *, note: str = "",
    due_date: date | None = None, request=None, audit_data: dict | None = None,
) -> SupplementRequest:
    """One notice listing everything missing or faulty (一次性告知): each entry a listed material (or the name
    of one not on the list) with the reason. The application waits for the applicant's answer."""
    if not items:
        raise DomainError(_("请至少列出一项需要补正的材料及原因。"), code="empty")
    now = timezone.now()
    due_date = due_date or clock.add_working_days(now, supplement_limit_days())
    if due_date <= clock.today():
        raise DomainError(_("补正期限应晚于今天。"), code="due")
    before, after = _transition(application, "ask_for_supplement")
    supplement = SupplementRequest.objects.create(application=application, requested_by=clerk, requested_at=now,
                                                  due_date=due_date, note=(note or "").strip())
    last = application.materials.order_by("-sort_order").values_list("sort_order", flat=True).first() or 0
    seen = set()
    for target, reason in items:
        reason = (reason or "").strip()
        if not reason:
            raise DomainError(_("请写明每项材料需要补正的原因。"), code="reason")
        if isinstance(target, ApplicationMaterial):
            if target.application_id != application.pk:
                raise DomainError(_("材料不属于该申请。"), code="material")
            if not target.asked:
                raise DomainError(_("“%(name)s”由部门共享获取，不能要求申请人补正。"), code="shared",
                                  params={"name": target.name})
            material = target
        else:
            name = (target or "").strip()[:200]
            if not name:
                raise DomainError(_("请填写需要补正的材料名称。"), code="name")
            last += 1
            material, _created = ApplicationMaterial.objects.get_or_create(
                application=application, key=f"supplement:{name}"[:120],
                defaults={"name": name, "required": True, "source": ApplicationMaterial.Source.SUPPLEMENT,
                          "sort_order": last, "originals": 1},
            )
        if material.pk in seen:
            continue
        seen.add(material.pk)
        SupplementItem.objects.create(request=supplement, material=material, reason=reason[:300])
    record_audit(clerk, "request_supplement", application, from_state=before, to_state=after,
                 opinion="；".join(f"{m.name}：{r}" for m, r in
                                  ((i.material, i.reason) for i in supplement.items.select_related("material"))),
                 request=request, data={"due_date": due_date.isoformat(), **(audit_data or {})})
    notify_applicant(application, _("需要补正材料"), _("请在 %(d)s 前按一次性告知书补正材料。") % {"d": due_date})
    return supplement


def record_acceptance(
    application: Application, clerk: User, *, promised_due_date: date, action: str = "accept", opinion: str = "",
    request=None, audit_data: dict | None = None, accepted_at=None,
) -> Application:
    """Move a submitted application to accepted (the cases are opened by approvals in the same transaction)."""
    application.accepted_at = accepted_at or timezone.now()
    application.promised_due_date = promised_due_date
    before, after = _transition(application, "accept", update_fields=["accepted_at", "promised_due_date"])
    record_audit(clerk, action, application, from_state=before, to_state=after, opinion=opinion, request=request,
                 data={"promised_due_date": promised_due_date.isoformat(), **(audit_data or {})})
    notify_applicant(application, _("申请已受理"), _("办件编号 %(n)s，承诺办结日期 %(d)s。") % {
        "n": application.case_number, "d": promised_due_date})
    return application


def record_refusal(application: Application, clerk: User, reason: str, *, request=None,
                   audit_data: dict | None = None) -> Application:
    application.finished_at = timezone.now()
    application.end_reason = reason
    before, after = _transition(application, "refuse", update_fields=["finished_at", "end_reason"])
    record_audit(clerk, "refuse", application, from_state=before, to_state=after, opinion=reason, request=request,
                 data=audit_data or {})
    notify_applicant(application, _("申请不予受理"), reason[:120])
    return application


def issue_due(decided_at) -> date:
    """Art. 44: the results are handed over within 10 working days of the decision (first day not counted)."""
    return clock.add_working_days(decided_at, ISSUE_LIMIT_DAYS)


def record_decision(application: Application, actor: User, *, action: str = "decide", opinion: str = "",
                    request=None, audit_data: dict | None = None) -> Application:
    """Every case is decided: the application waits at the issuing window, with the Art. 44 due date."""
    application.decided_at = timezone.now()
    application.issue_due_on = issue_due(application.decided_at)
    before, after = _transition(application, "decide", update_fields=["decided_at", "issue_due_on"])
    record_audit(actor, action, application, from_state=before, to_state=after, opinion=opinion, request=request,
                 data={"issue_due": application.issue_due_on.isoformat(), **(audit_data or {})})
    notify_applicant(application, _("审批决定已作出"), _("办件编号 %(n)s，请按通知领取结果。") % {"n": application.case_number})
    return application


def record_issue_and_close(application: Application, clerk: User, *, opinion: str = "", request=None,
                           audit_data: dict | None = None) -> Application:
    """The results were handed over at the issuing window (统一出件): issued, then closed (办结), one audit row
    for each move. Called by approvals inside its handover transaction, on the row it locked."""
    before, after = _transition(application, "issue")
    record_audit(clerk, "issue", application, from_state=before, to_state=after, opinion=opinion, request=request,
                 data=audit_data or {})
    application.finished_at = timezone.now()
    before, after = _transition(application, "close", update_fields=["finished_at"])
    record_audit(clerk, "close", application, from_state=before, to_state=after, request=request)
    from applications.ratings import services as ratings  # 好差评: the applicant side is asked to rate it

    ratings.invite(application)
    return application


def recompute_issue_due_dates(sender=None, dates=(), by=None, request=None, **kwargs) -> int:
    """The calendar changed on `dates` (portal.signals.calendar_changed, inside the change's transaction): the
    Art. 44 date of every application still waiting at the issuing window whose date could move is counted
    again from its decision; the changed rows are written in bulk with one audit row each. Returns how many."""
    if not dates:
        return 0
    waiting = list(Application.objects.filter(status=Status.DECIDED, issue_due_on__gte=min(dates))
                   .only("pk", "case_number", "decided_at", "issue_due_on").order_by("pk"))
    changed, notes = [], []
    for application in waiting:
        due = issue_due(application.decided_at)
        if due == application.issue_due_on:
            continue
        notes.append({"old_issue_due": application.issue_due_on.isoformat(), "new_issue_due": due.isoformat(),
                      "calendar_dates": [d.isoformat() for d in dates]})
        application.issue_due_on = due
        changed.append(application)
    if not changed:
        return 0
    Application.objects.bulk_update(changed, ["issue_due_on"], batch_size=1000)
    record_system_events("issue_due_recomputed", "applications.application",
                         [(a.pk, a.case_number) for a in changed], data=notes,
                         opinion=_("工作日历调整，重新计算出件期限"))
    return len(changed)


def set_tolerance_deadlines(application: Application, deadlines: dict[int, date]) -> list[ApplicationMaterial]:
    """Give each tolerated material (容缺) its due date; only materials the item marks tolerable."""
    materials = list(ApplicationMaterial.objects.select_for_update().filter(application=application,
                                                                           pk__in=list(deadlines)))
    if len(materials) != len(deadlines):
        raise DomainError(_("容缺材料不属于该申请。"), code="material")
    for material in materials:
        if not material.tolerable:
            raise DomainError(_("“%(name)s”不属于可容缺材料。"), code="not_tolerable", params={"name": material.name})
        material.tolerance_due_date = deadlines[material.pk]
    ApplicationMaterial.objects.bulk_update(materials, ["tolerance_due_date"])
    return materials


def mark_deemed_accepted(today: date) -> list[int]:
    """Set-based (Art. 32): every submitted application whose 5-working-day intake limit ended before `today`
    counts as accepted from the day its materials arrived. One UPDATE ... RETURNING; one audit row each.

    Runs in the caller's transaction (approvals opens the cases in the same one). Rows a clerk is deciding
    right now are not waited for (SKIP LOCKED); the next run takes them if they are still submitted.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE applications_application AS a
               SET status = %s, accepted_at = a.received_at, deemed_accepted = TRUE, updated_at = now()
             WHERE a.id IN (SELECT id FROM applications_application
                             WHERE status = %s AND intake_due_date < %s
                             ORDER BY id FOR UPDATE SKIP LOCKED)
               AND a.status = %s
         RETURNING a.id, a.case_number
            """,
            [Status.ACCEPTED, Status.SUBMITTED, today, Status.SUBMITTED],
        )
        rows = cursor.fetchall()
    record_system_events(
        "deemed_accept", "applications.application", rows, from_state=Status.SUBMITTED, to_state=Status.ACCEPTED,
        opinion=_("自收到申请之日起五个工作日内未作出受理决定，依《中华人民共和国行政许可法》第三十二条，"
                  "自收到申请材料之日起即为受理。"),
    )
    return [pk for pk, _number in rows]


def set_promised_due_dates(dates: dict[int, date]) -> None:
    """Store the promised completion dates computed by approvals (bulk, for the deemed-acceptance sweep)."""
    if not dates:
        return
    rows = [Application(pk=pk, promised_due_date=due) for pk, due in dates.items()]
    Application.objects.bulk_update(rows, ["promised_due_date"])


def mark_supplements_lapsed(today: date) -> list[int]:
    """Set-based: applications whose supplement notice went unanswered past its due date lapse (终止办理)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH overdue AS (
                UPDATE applications_supplementrequest AS s SET lapsed_at = now()
                 WHERE s.answered_at IS NULL AND s.lapsed_at IS NULL AND s.due_date < %s
                   AND EXISTS (SELECT 1 FROM applications_application a
                                WHERE a.id = s.application_id AND a.status = %s)
             RETURNING s.application_id
            )
            UPDATE applications_application AS a
               SET status = %s, finished_at = now(), updated_at = now(),
                   end_reason = %s
              FROM overdue
             WHERE a.id = overdue.application_id AND a.status = %s
         RETURNING a.id, a.case_number
            """,
            [today, Status.SUPPLEMENT_REQUESTED, Status.LAPSED, _("逾期未补正材料，终止办理。"),
             Status.SUPPLEMENT_REQUESTED],
        )
        rows = cursor.fetchall()
    record_system_events(
        "lapse", "applications.application", rows, from_state=Status.SUPPLEMENT_REQUESTED, to_state=Status.LAPSED,
        opinion=_("申请人逾期未按补正告知书补正材料，申请终止办理。"),
    )
    return [pk for pk, _number in rows]


def mark_tolerated_overdue(today: date) -> list[tuple[int, int, str]]:
    """Set-based: tolerated materials (容缺) not supplied by their due date are flagged overdue, once.
    Returns (application id, material id, material name) rows; one audit row per application and material."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE applications_applicationmaterial AS m SET overdue_at = now()
              FROM applications_application a
             WHERE a.id = m.application_id
               AND m.tolerance_due_date IS NOT NULL AND m.supplied_at IS NULL AND m.overdue_at IS NULL
               AND m.tolerance_due_date < %s
         RETURNING m.application_id, m.id, m.name, a.case_number
            """,
            [today],
        )
        rows = cursor.fetchall()
    record_system_events(
        "tolerated_material_overdue", "applications.application", [(r[0], r[3]) for r in rows],
        opinions=[_("容缺材料“%(name)s”逾期未补交。") % {"name": r[2]} for r in rows],
        data=[{"material": r[1]} for r in rows],
    )
    return [(r[0], r[1], r[2]) for r in rows]


# --- the public progress lookup ----------------------------------------------------------------------------


def lookup_progress(case_number: str, id_tail: str, *, ip: str | None = None) -> Application | None:
    """The application with this case number whose applicant's ID number ends with `id_tail` (4 to 6
    characters), or None. Every try is recorded; failures go through the portal's throttle per case number and
    address (a growing delay, so a stranger's wrong guesses never stop the applicant's own lookup from
    elsewhere), with higher bars per case number and per address (see portal.throttle)."""
    case_number = (case_number or "").strip().upper()
    id_tail = (id_tail or "").strip().upper()
    try:
        attempt = throttle.begin(throttle.PROGRESS, case_number[:50], ip, typed=case_number[:50])
    except throttle.TooManyAttempts as refusal:
        raise _throttled(refusal) from None
    application = None
    if casenumbers.looks_like_case_number(case_number) and 4 <= len(id_tail) <= 6:
        application = (
            Application.objects.select_related("applicant")
            .filter(case_number=case_number, applicant__id_number__endswith=id_tail)
            .first()
        )
    ProgressLookup.objects.create(ip_address=ip, case_number=case_number[:50], found=application is not None)
    if application is None:
        throttle.failed(attempt)
    else:
        throttle.succeeded(attempt, forget=True)
    return application


def mark_false_commitment(applicant: Applicant, actor: User, reason: str, *, request=None) -> Applicant:
    """A commitment (告知承诺) found false on the department's check: the applicant is recorded as a dishonest
    party (失信), so 容缺 and 告知承诺 are no longer offered to it, and its people are told. Runs in the caller's
    transaction; an administrator lifts it after the credit repair (信用修复) in the admin."""
    applicant = Applicant.objects.select_for_update().get(pk=applicant.pk)
    if not applicant.bad_credit:
        applicant.bad_credit = True
        applicant.save(update_fields=["bad_credit"])
    record_audit(actor, "applicant_false_commitment", applicant, opinion=reason, request=request)
    from portal.notifications import notify

    for user in User.objects.filter(representations__applicant=applicant, is_active=True):
        notify(user, _("告知承诺核查不实"), _("%(name)s：%(reason)s。今后办理业务不适用容缺受理和告知承诺制，信用修复后可申请恢复。")
               % {"name": applicant.name, "reason": reason[:200]})
    return applicant
