"""Who may see which application at the intake desk, and who may decide on it or hand its results over now.

The desk (window clerks) sees what is in intake (submitted, waiting for a supplement), what waits at the issuing
window (decided), walk-in drafts, and what a clerk handled personally (filed, claimed, issued a notice on, or
handed over); administrators may look at the pages but never decide. A decision needs the window-clerk role, no
other clerk's claim on the application, and no conflict of interest (回避: the clerk does not represent the
applicant). A handover (统一出件) needs the role, an application decided on every item and not yet handed over,
and the same 回避.
"""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services as app_services
from applications.models import Application, Status
from approvals.intake.models import Handover, IntakeClaim
from approvals.models import Notice
from catalog.codesets import Channel
from portal.models import User
from portal.policy import ALLOWED, Verdict, conflict, first_refusal, forbidden
from portal.roles import Role

INSTANT_PERMISSION = "approvals.decide_instant"
LOOKERS = (Role.WINDOW_CLERK, Role.ADMINISTRATOR)
DESK_STATUSES = (Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED, Status.DECIDED)


def is_clerk(user: User) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.WINDOW_CLERK))


def may_look(user: User) -> bool:
    """The intake pages: clerks, and administrators who look but do not decide."""
    return bool(user and user.is_authenticated and user.has_role(*LOOKERS))


def may_decide_instant(user: User) -> bool:
    return is_clerk(user) and user.has_perm(INSTANT_PERMISSION)


def desk_rule(user: User) -> Q:
    """The applications the intake desk sees (a Q over Application), for a clerk; nothing for anyone else."""
    if not is_clerk(user):
        return Q(pk__in=[])
    claimed = IntakeClaim.objects.filter(application_id=OuterRef("pk"), clerk_id=user.pk)
    noticed = Notice.objects.filter(application_id=OuterRef("pk"), issued_by_id=user.pk)
    handed = Handover.objects.filter(application_id=OuterRef("pk"), recorded_by_id=user.pk)
    walk_in_draft = Q(status=Status.DRAFT, channel=Channel.WINDOW)  # any clerk of the desk may carry one on
    return (Q(status__in=DESK_STATUSES) | walk_in_draft | Q(filed_by_id=user.pk) | Q(Exists(claimed))
            | Q(Exists(noticed)) | Q(Exists(handed)))


def may_act(user: User) -> Verdict:
    if is_clerk(user):
        return ALLOWED
    return forbidden(_("只有综合窗口受理人员可以作出受理决定。"))


def can_decide(application: Application, clerk: User, claim: IntakeClaim | None) -> Verdict:
    """An intake decision on the (locked) application: the clerk role, still waiting, no other clerk's claim,
    and 回避."""

    def waiting():
        if application.status != Status.SUBMITTED:
            return conflict(_("办件 %(n)s 当前状态为“%(s)s”，不能作出受理决定。") % {
                "n": application, "s": application.get_status_display()}, "wrong_state")
        return ALLOWED

    def not_claimed_by_another():
        if claim is not None and claim.clerk_id != clerk.pk:
            return forbidden(_("该申请已由 %(c)s 认领，请勿重复处理。") % {"c": claim.clerk})
        return ALLOWED

    def no_conflict_of_interest():
        if app_services.represents(clerk, application.applicant_id):
            return forbidden(_("不得受理本人或本人所代表主体的申请（回避）。"))
        return ALLOWED

    return first_refusal(lambda: may_act(clerk), waiting, not_claimed_by_another, no_conflict_of_interest)


def can_hand_over(application: Application, clerk: User, handover: Handover | None = None) -> Verdict:
    """A handover at the issuing window on the (locked) application: the clerk role, every item decided, not
    handed over before (`handover`: the existing record, if any), and 回避."""

    def not_handed_over():
        if handover is not None:
            return conflict(_("办件 %(n)s 已于 %(t)s %(m)s（经办人 %(c)s），不能重复出件。") % {
                "n": application, "t": timezone.localtime(handover.recorded_at).strftime("%Y-%m-%d %H:%M"),
                "m": handover.get_method_display(), "c": handover.recorded_by}, "handed_over")
        return ALLOWED

    def decided():
        if application.status != Status.DECIDED:
            return conflict(_("办件 %(n)s 当前状态为“%(s)s”，尚不能统一出件：全部审批事项作出决定后方可出件。") % {
                "n": application, "s": application.get_status_display()}, "wrong_state")
        return ALLOWED

    def no_conflict_of_interest():
        if app_services.represents(clerk, application.applicant_id):
            return forbidden(_("不得为本人或本人所代表主体办理出件（回避）。"))
        return ALLOWED

    def clerk_role():
        return ALLOWED if is_clerk(clerk) else forbidden(_("只有综合窗口受理人员可以办理统一出件。"))

    return first_refusal(clerk_role, not_handed_over, decided, no_conflict_of_interest)


def can_take_supplement(application: Application, clerk: User, supplement, *, today=None) -> Verdict:
    """补正收件 on the (locked) application: the clerk role, a walk-in application waiting for its supplement
    with the notice still open, the limit not passed (past it the application lapses by the sweep), and 回避.
    An application filed online is answered by its applicant online."""

    def walk_in():
        if application.channel != Channel.WINDOW:
            return forbidden(_("该申请为网上申请，请申请人在网上补正材料；窗口只能为窗口收件的申请代为补正。"))
        return ALLOWED

    def waiting():
        if application.status != Status.SUPPLEMENT_REQUESTED or supplement is None:
            return conflict(_("办件 %(n)s 当前状态为“%(s)s”，没有待补正的告知，不能代为补正。") % {
                "n": application, "s": application.get_status_display()}, "no_request")
        return ALLOWED

    def within_limit():
        if supplement.due_date < (today or timezone.localdate()):
            return conflict(_("补正期限已于 %(d)s 届满，申请人逾期未补正，申请将终止办理；不能再代为补正。") % {
                "d": supplement.due_date}, "lapsed")
        return ALLOWED

    def no_conflict_of_interest():
        if app_services.represents(clerk, application.applicant_id):
            return forbidden(_("不得为本人或本人所代表主体代为补正（回避）。"))
        return ALLOWED

    return first_refusal(lambda: may_act(clerk), walk_in, waiting, within_limit, no_conflict_of_interest)
