"""Who may renew which licence, and when (Art. 50).

A licence is renewed from the holder's side: the accounts of its application's applicant side
(applications.policy: the accounts that represent the applicant, and the account that filed it). Filing the
renewal itself goes through applications.services.start_application, which still asks an agent for a consent in
force. Staff see certificates through approvals.certificates.policy; the renewal page is not theirs (404).

When: the licence is in force today (valid standing, within its dates), it has a last day (long-term licences are
not renewed), it is not renewed already nor in a renewal under way, and today is no later than its last filing day
(valid_until - the item's renewal_lead_days).
"""
from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from applications.models import Application
from applications.policy import applicant_side_rule
from approvals.certificates import rules as certificate_rules
from approvals.certificates.models import Certificate
from approvals.renewals import rules, selectors
from portal.models import User
from portal.policy import ALLOWED, Verdict, conflict, forbidden, rule


def holder_certificates(user: User) -> QuerySet[Certificate]:
    """Certificates on the user's applicant side."""
    if not (user and user.is_authenticated):
        return Certificate.objects.none()
    return Certificate.objects.filter(application__in=Application.objects.filter(applicant_side_rule(user)))


def certificate_for_holder(user: User, public_id) -> Certificate | None:
    return holder_certificates(user).select_related("item", "application__applicant").filter(public_id=public_id).first()


def on_holder_side(certificate: Certificate, user: User) -> Verdict:
    if holder_certificates(user).filter(pk=certificate.pk).exists():
        return ALLOWED
    return forbidden(_("只有持证主体（或其授权的代办人）可以申请延续该证照。"))


def _date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def renewal_window(certificate: Certificate, today: date, lead_days: int) -> Verdict:
    """The licence's own state and dates (no user): in force, not long-term, and the filing date not passed."""
    reading = certificate_rules.reading(certificate.standing, certificate.valid_from, certificate.valid_until, today)
    if certificate.standing != Certificate.Standing.VALID:
        return rule(_("该证照状态为“%(s)s”，不能申请延续。") % {"s": certificate.get_standing_display()}, "standing")
    if certificate.valid_until is None:
        return rule(_("该证照长期有效，无需申请延续。"), "long_term")
    if reading.code == "expired":
        return rule(_("该证照已于%(d)s有效期届满，不能再申请延续；如需继续从事许可事项，请重新申请许可。")
                    % {"d": _date(certificate.valid_until)}, "expired")
    if reading.code == "not_yet_valid":
        return rule(_("该证照自%(d)s起生效，尚未生效，暂不能申请延续。") % {"d": _date(certificate.valid_from)},
                    "not_yet_valid")
    last = rules.last_filing_day(certificate.valid_until, lead_days)
    if today > last:
        return rule(_("依据《中华人民共和国行政许可法》第五十条，需要延续行政许可有效期的，应当在有效期届满%(n)s日前"
                      "提出申请。该证照有效期至%(until)s，最迟应于%(last)s提出延续申请，现已超过该期限，不能申请延续；"
                      "如需继续从事许可事项，请重新申请许可。")
                    % {"n": lead_days, "until": _date(certificate.valid_until), "last": _date(last)}, "too_late")
    return ALLOWED


def can_renew(certificate: Certificate, user: User, today: date, lead_days: int) -> Verdict:
    verdict = on_holder_side(certificate, user)
    if not verdict:
        return verdict
    verdict = renewal_window(certificate, today, lead_days)
    if not verdict:
        return verdict
    renewed = selectors.renewed_by(certificate)
    if renewed is not None:
        return conflict(_("该证照已经延续，新证编号 %(n)s。") % {"n": renewed.licence_number}, "renewed")
    under_way = selectors.renewal_under_way(certificate)
    if under_way is not None:
        application = under_way.application
        which = application.case_number or _("草稿")
        return conflict(_("该证照已有延续申请（%(w)s），请继续办理该申请，不要重复申请。") % {"w": which}, "under_way")
    return ALLOWED
