"""Ids that are not numbers answer 404 on every API operation that takes one (never a server error)."""
import pytest

from portal.roles import Role

pytestmark = pytest.mark.django_db

ACTIONS = [
    ("get", "/api/applications/applications/{id}/"),
    ("put", "/api/applications/applications/{id}/form/"),
    ("post", "/api/applications/applications/{id}/submit/"),
    ("post", "/api/applications/applications/{id}/resubmit/"),
    ("post", "/api/applications/applications/{id}/withdraw/"),
    ("get", "/api/approvals/intake/{id}/"),
    ("post", "/api/approvals/intake/{id}/accept/"),
    ("get", "/api/approvals/cases/{id}/"),
    ("post", "/api/approvals/cases/{id}/claim/"),
    ("get", "/api/approvals/inspections/{id}/"),
    ("post", "/api/approvals/extensions/{id}/decide/"),
    ("get", "/api/approvals/notices/{id}/"),
    ("get", "/api/catalog/items/{id}/"),
]


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.WINDOW_CLERK, Role.APPROVAL_OFFICER])
@pytest.mark.parametrize("bad", ["null", "abc", "1.5", "-1", "%20", "0x10"])
def test_non_numeric_ids_are_not_found(client, make_user, role, bad):
    client.force_login(make_user(role))
    for method, path in ACTIONS:
        response = getattr(client, method)(path.format(id=bad), content_type="application/json")
        assert response.status_code == 404, (method, path, bad, response.status_code)
