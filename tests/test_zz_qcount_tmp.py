import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.test_access_matrix import build_world, TABLE, ROLES

pytestmark = pytest.mark.django_db

def test_counts(db):
    w = build_world()
    for key in [("approvals:case_claim", "POST"), ("POST", "/api/approvals/cases/{id}/claim/"), ("applications:detail", "GET"), ("approvals:notice","GET")]:
        row = TABLE[key]
        for role in ("anonymous", "owner", "clerk", "officer_other_section", "officer_in_section"):
            from tests.test_access_matrix import send
            with CaptureQueriesContext(connection) as q:
                r = send(w.clients[role], row, w)
            print(key, role, r.status_code, len(q))
            if role == "owner" and key[0]=="approvals:case_claim":
                for x in q.captured_queries: print("   ", x["sql"][:150])
