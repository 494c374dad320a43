"""Home-page panels of the applicant's side (registered in ApplicationsConfig.ready)."""
from applications import selectors


def my_applications(request):
    return {"applications": list(selectors.my_application_rows(request.user)[:6])}


def to_answer(request):
    summary = selectors.home_summary(request.user)
    return {"supplements": summary["supplements"], "tolerated": summary["tolerated"]}


def agent_consents(request):
    return {"consents": list(selectors.consents_held(request.user).filter(revoked_at__isnull=True)
                             .order_by("valid_until")[:6])}
