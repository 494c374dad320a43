"""The OpenAPI schema served at /api/schema/ tells the truth: schemathesis fuzzes every operation it lists, in
process through the WSGI application (portal.wsgi.application) on the test database, as an applicant, a window
clerk, an approval officer, a section head and an anonymous caller, each with real work to reach (applications
in every state, cases in the officer's section, a visit, an extension waiting for the head).

Every response must be documented: no 5xx, a status code the operation lists, the content type it lists, and a
body that conforms to the schema (checks below). Each call runs in a savepoint that is rolled back, so every
example starts from the same data and the run is deterministic (derandomized, a fixed seed, no shrinking).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]

MAX_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, ignored_auth]
CONFIG = """
seed = 20260101
[generation]
max-examples = {max_examples}
deterministic = true
no-shrink = true
[phases.examples]
enabled = true
[phases.coverage]
enabled = false
[phases.stateful]
enabled = false
"""


@pytest.fixture
def world(db):
    """Real work for each role to reach (built through the services, as the portal would have built it)."""
    from applications import services as app_services
    from applications import testing as app_testing
    from approvals.cases import services as case_services
    from approvals.intake import services as intake_services
    from approvals.testing import Flow
    from portal import clock

    flow = Flow.build()
    review = flow.case()  # waits in the review queue
    mine = flow.case(inspection=True)
    case_services.claim_case(mine, flow.reviewer)
    legal = flow.case(legal=True)
    legal = case_services.take_next(flow.reviewer, "review")
    extension_case = flow.case()
    extension_case = case_services.claim_case(extension_case, flow.reviewer)
    case_services.request_extension(extension_case, flow.reviewer, "征求相关部门意见")
    inspected = flow.case(inspection=True)
    inspected = case_services.claim_case(inspected, flow.reviewer)
    inspected = case_services.complete_review(inspected, flow.reviewer, "同意", needs_inspection=True)
    inspected = case_services.take_next(flow.inspector1, "inspection") or inspected
    visit = case_services.schedule_inspection([inspected], clock.today() + timedelta(days=1), "南关街 12 号",
                                              flow.inspectors, flow.inspector1)
    bundle_cases = flow.bundle_cases(2)

    applicant = flow.applicant_user
    person = app_testing.make_person(applicant)
    item = app_testing.make_item("公共场所卫生许可")
    draft = app_services.start_application(applicant, person, item=item)
    waiting = app_testing.submitted_application(applicant, person, item=item)  # in the clerk's intake queue
    supplement = app_testing.submitted_application(applicant, person, item=item)
    material = next(m for m in supplement.materials.all() if m.asked)
    intake_services.request_supplement(supplement, flow.clerk, [(material, "请补充盖章页")], note="一次性告知")
    ids = {
        "applications": [draft.pk, waiting.pk, supplement.pk, review.application_id],
        "intake": [waiting.pk, supplement.pk, review.application_id],
        "cases": [review.pk, mine.pk, legal.pk if legal else review.pk, extension_case.pk, inspected.pk,
                  *[c.pk for c in bundle_cases]],
        "inspections": [visit.pk],
        "extensions": list(extension_case.extensions.values_list("pk", flat=True)),
        "notices": [str(n) for n in review.application.notices.values_list("public_id", flat=True)],
        "items": [item.pk],
        "materials": list(item.materials.values_list("pk", flat=True)),
        "bundles": [],
        "departments": [item.competent_department_id],
    }
    return flow, ids


def _session(user) -> dict:
    """The cookies and header of a signed-in browser session (CSRF token included, as the pages send it)."""
    if user is None:
        return {"cookies": {}, "headers": {}}
    client = Client()
    client.force_login(user)
    token = _get_new_csrf_string()
    return {"cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
            "headers": {"X-CSRFToken": token}}


@pytest.fixture
def api_schema(world):
    """The schema the running application serves, loaded through it (WSGI, in this process and transaction).

    Django closes the database connection when a request starts and finishes outside a test client (inside the
    test's transaction, that would end it): like django.test.Client, keep it open while fuzzing."""
    from portal.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    _flow, ids = world
    config = schemathesis.Config.from_str(CONFIG.format(max_examples=MAX_EXAMPLES))
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)

    @schema.hook("before_generate_path_parameters")
    def real_ids(context, strategy):
        """Half the examples address objects that exist (the ids of the world), half whatever is generated."""
        path = context.operation.path
        key = next((k for k in ids if f"/{k}/" in path), None)
        known = ids.get(key) or []
        name = "public_id" if "{public_id}" in path else "id"
        if not known or "{" not in path:
            return strategy
        return st.one_of(strategy, st.sampled_from(known).map(lambda value: {name: value}))

    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


FUZZ = settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def _fuzz(schema, session) -> list[str]:
    """Every operation, valid and invalid inputs: the unique failures, as schemathesis words them."""
    found: dict[tuple, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                with transaction.atomic():
                    response = case.call(cookies=session["cookies"], headers=session["headers"])
                    transaction.set_rollback(True)
                try:
                    case.validate_response(response, checks=CHECKS, headers=session["headers"])
                except FailureGroup as group:
                    for failure in group.exceptions:
                        key = (operation.label, type(failure).__name__, failure.title)
                        found.setdefault(key, f"{operation.label} [{mode.value}]: {failure.title}\n"
                                              f"    {case.as_curl_command()}\n    -> {response.status_code} "
                                              f"{response.text[:300]}")

            run()
    return list(found.values())


def _report(failures):
    assert not failures, f"{len(failures)} unique failures:\n" + "\n".join(failures)


def test_as_applicant(api_schema, world):
    _report(_fuzz(api_schema, _session(world[0].applicant_user)))


def test_as_window_clerk(api_schema, world):
    _report(_fuzz(api_schema, _session(world[0].clerk)))


def test_as_approval_officer(api_schema, world):
    _report(_fuzz(api_schema, _session(world[0].reviewer)))


def test_as_section_head(api_schema, world):
    _report(_fuzz(api_schema, _session(world[0].head)))


def test_anonymous(api_schema, world):
    _report(_fuzz(api_schema, _session(None)))
