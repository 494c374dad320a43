"""What approvals tells the rest of the portal through the outbox (portal.outbox), in the transaction of the change:
supervision turns these into handoffs for the supervising departments (approvals never imports supervision).

Topics and when they are published:
- "case.decided": a case's decision is complete, i.e. with its certificate when it issues one (an approval of an
  item with a result name: when the certificate is issued, for a joint-issuance bundle when all are issued
  together; a denial or an approval without a certificate: at the decision);
- "certificate.revoked" and "certificate.superseded" (a correction issued a new version);
- "commitment.accepted": a case accepted under 告知承诺, which the department must check after approval.
(applications publishes "application.withdrawn".)

Each payload is self-contained JSON, what a department needs without calling back: the item, the supervising
department, the application and case, the decision, the holder, the certificate with its verification link.
"""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal import clock, outbox

CASE_DECIDED = "case.decided"
CERTIFICATE_REVOKED = "certificate.revoked"
CERTIFICATE_SUPERSEDED = "certificate.superseded"
COMMITMENT_ACCEPTED = "commitment.accepted"

# Working days a department has to check a 告知承诺 commitment after acceptance (核查).
COMMITMENT_CHECK_WORKING_DAYS = 20


def _iso(value):
    return value.isoformat() if value else None


def case_part(case) -> dict:
    application = case.application
    snapshot = case.item_version.snapshot
    return {
        "case_id": case.pk,
        "case_number": application.case_number,
        "item": {"id": case.item_id, "name": case.item_version.name,
                 "implementation_code": snapshot.get("implementation_code", "")},
        "supervising_department_id": ((snapshot.get("supervising_department") or {}).get("id")
                                      or case.item.supervising_department_id),
        "application_id": application.pk,
        "applicant": {"name": application.applicant.name, "id_type": application.applicant.id_type,
                      "id_number": application.applicant.id_number},
        "by_commitment": case.by_commitment,
    }


def certificate_part(certificate) -> dict | None:
    if certificate is None:
        return None
    return {
        "id": str(certificate.public_id), "name": certificate.name, "licence_number": certificate.licence_number,
        "electronic_id": certificate.electronic_id, "version": certificate.version,
        "holder": {"name": certificate.holder_name, "id_type": certificate.holder_id_type,
                   "id_number": certificate.holder_id_number},
        "scope": certificate.scope, "valid_from": _iso(certificate.valid_from),
        "valid_until": _iso(certificate.valid_until), "issued_at": _iso(certificate.issued_at),
        "standing": certificate.standing,
        "verification_url": settings.PUBLIC_BASE_URL + reverse("verify:certificate", args=[certificate.electronic_id]),
    }


def decision_part(case, decision) -> dict:
    if decision is None:  # approved at the window on the spot
        return {"outcome": "approve", "decided_at": _iso(case.decided_at), "on_the_spot": True}
    return {"outcome": decision.outcome, "decided_at": _iso(decision.decided_at),
            "decided_by": str(decision.decided_by), "opinion": decision.opinion, "reasons": decision.reasons,
            "notice_number": decision.notice.number if decision.notice_id else "", "on_the_spot": False}


def case_decided(case, decision=None, certificate=None) -> None:
    outbox.publish(CASE_DECIDED, case, {**case_part(case), "decision": decision_part(case, decision),
                                        "certificate": certificate_part(certificate)})


def certificate_revoked(certificate, reason: str) -> None:
    outbox.publish(CERTIFICATE_REVOKED, certificate, {**case_part(certificate.case), "reason": reason,
                                                      "certificate": certificate_part(certificate)})


def certificate_superseded(old, new, reason: str) -> None:
    outbox.publish(CERTIFICATE_SUPERSEDED, old, {**case_part(old.case), "reason": reason,
                                                 "certificate": certificate_part(old),
                                                 "superseded_by": certificate_part(new)})


def commitment_accepted(case) -> None:
    due = clock.add_working_days(timezone.localdate(case.application.accepted_at or timezone.now()),
                                 COMMITMENT_CHECK_WORKING_DAYS)
    outbox.publish(COMMITMENT_ACCEPTED, case, {**case_part(case), "check_due_on": due.isoformat()})
