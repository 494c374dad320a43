"""Reads of licence renewal: an application's renewal, a licence's renewal in progress, the lead time of an item,
and the holder's accounts a reminder goes to."""
from __future__ import annotations

from collections import defaultdict

from applications.models import Application, Representation, Status
from approvals.certificates.models import Certificate
from approvals.renewals import rules
from approvals.renewals.models import Renewal
from catalog.codesets import ListingStatus
from catalog.models import Item, Listing

# An application in these states is a renewal under way: the licence may not be renewed a second time meanwhile.
IN_PROGRESS = (Status.DRAFT, Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED, Status.ACCEPTED)


_MEMO = "_renewal_of"


def renewal_of(application) -> Renewal | None:
    """The renewal an application (an instance or an id) is, with the licence it renews, or None for an ordinary
    application. Kept on the instance: a page asks more than once (its note, the decision form's defaults)."""
    if isinstance(application, Application):
        if _MEMO not in application.__dict__:
            application.__dict__[_MEMO] = renewal_of(application.pk) if application.pk else None
        return application.__dict__[_MEMO]
    if application is None:
        return None
    # Most applications are not renewals: a bare id lookup answers them (the joined query costs several times
    # more to build than to run, on every application page).
    pk = Renewal.objects.filter(application_id=application).values_list("pk", flat=True).first()
    return None if pk is None else Renewal.objects.select_related("certificate", "new_certificate").get(pk=pk)


def renewal_under_way(certificate: Certificate) -> Renewal | None:
    """The licence's renewal that blocks another one: granted, or its application still open (a draft included).
    A renewal whose application was refused, withdrawn, lapsed or denied does not block a new one."""
    return (Renewal.objects.select_related("application", "new_certificate").filter(certificate=certificate)
            .exclude(outcome=Renewal.Outcome.PENDING, application__status__in=[
                s for s in Status.values if s not in IN_PROGRESS])
            .order_by("-created_at").first())


def renewed_by(certificate: Certificate) -> Certificate | None:
    """The certificate that renews this one (by a decision or deemed), if any."""
    return Certificate.objects.filter(renews=certificate).order_by("issued_at", "id").first()


def lead_days_by_item(item_ids) -> dict[int, int]:
    """Each item's renewal lead time from the version in force (published in the current edition); an item not
    published falls back to its working copy, then to the law's 30 days."""
    item_ids = set(item_ids)
    found = dict(
        Listing.objects.filter(edition__is_current=True, item_id__in=item_ids, status=ListingStatus.PUBLISHED)
        .order_by().values_list("item_id", "version__snapshot__renewal_lead_days"))
    result = {item_id: rules.lead_days_of({"renewal_lead_days": lead}) for item_id, lead in found.items()}
    missing = item_ids - set(result)
    if missing:
        result.update(Item.objects.filter(pk__in=missing).values_list("pk", "renewal_lead_days"))
    return {item_id: result.get(item_id, rules.DEFAULT_LEAD_DAYS) for item_id in item_ids}


def lead_days_for(certificate: Certificate) -> int:
    return lead_days_by_item([certificate.item_id])[certificate.item_id]


def holder_accounts(applicant_ids) -> dict[int, list[int]]:
    """The active accounts that represent each applicant (本人, 法定代表人, 经办人): who a licence's holder is."""
    accounts: dict[int, list[int]] = defaultdict(list)
    rows = (Representation.objects.filter(applicant_id__in=list(applicant_ids), user__is_active=True)
            .order_by("applicant_id", "user_id").values_list("applicant_id", "user_id"))
    for applicant_id, user_id in rows:
        accounts[applicant_id].append(user_id)
    return accounts


def reminded_certificates(ids) -> list[dict]:
    """What a reminder says about each certificate (one query)."""
    return list(Certificate.objects.filter(pk__in=list(ids)).values(
        "pk", "public_id", "name", "licence_number", "valid_until", "item_id", "application__applicant_id"))
