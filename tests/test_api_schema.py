"""The OpenAPI schema served at /api/schema/ tells the truth: schemathesis fuzzes every operation it lists, in
process through the WSGI application (portal.wsgi.application) on the test database (real PostgreSQL), as an
applicant, a window clerk, an approval officer, a section head and an anonymous caller, each with real work to
reach: applications in several states (draft, waiting for intake, a supplement asked, accepted, refused), cases
in the officer's section at every stage (claimed, suspended, with an extension waiting for the head, at a visit
with evidence, decided both ways), a bundle. Half of the ids in the paths are the ids of that work.

Every operation is fuzzed with valid inputs (positive) and with inputs that break the schema (negative); nothing
is skipped, the two multipart uploads included (schemathesis sends generated form parts; real files are the
API tests' business). Each response must pass these checks (a failure names the operation, the check, the
request as curl and the answer):

    not_a_server_error            no 5xx
    status_code_conformance       a status code the operation documents
    content_type_conformance      a content type the operation documents for that status
    response_schema_conformance   a body that conforms to the documented schema
    response_headers_conformance  documented headers present and well formed (WWW-Authenticate on a 401)
    negative_data_rejection       a request that breaks the schema is refused (4xx), not silently taken
    ignored_auth                  an operation that needs a sign-in refuses the request without one
    unsupported_method            a method the path does not document answers 405 (with an Allow header)

Not checked: positive_data_acceptance (a request of the right shape is still refused, 400, when the service's
rules say no: a draft that is not complete, the four-eyes rule, ...: by design, see portal.api),
use_after_free and ensure_resource_availability (they need operations that delete or links between
operations; the API has neither), missing_required_header (no operation takes a header), object_level_
authorization (the matrix in test_access_matrix.py covers who may see what) and max_response_time.

Deterministic and bounded: hypothesis derandomized, no shrinking, API_FUZZ_EXAMPLES examples (4 by default; set
it higher, or API_FUZZ_SEED to a number, to look further) per operation and mode; each call runs in a savepoint
that is rolled back, so each example starts from the same data.
"""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.auths import AuthStorage
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(600)]

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "4"))
SEED = os.environ.get("API_FUZZ_SEED")  # another seed looks elsewhere (the default: derandomized)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, ignored_auth, unsupported_method]
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
RESEED = seed(int(SEED)) if SEED else (lambda test: test)  # an explicit seed wins over derandomize


@pytest.fixture
def world(db):
    """Work for each role to reach, built through the services as the portal would have built it; the ids of
    what each path names."""
    from applications import services as app_services
    from applications import testing as app_testing
    from applications.testing import JPEG_BYTES
    from approvals.cases import services as case_services
    from approvals.intake import services as intake_services
    from approvals.testing import Flow
    from django.core.files.uploadedfile import SimpleUploadedFile
    from portal import clock

    flow = Flow.build()
    review = flow.case()  # waits in the review queue
    claimed = case_services.claim_case(flow.case(inspection=True), flow.reviewer)
    suspended = case_services.claim_case(flow.case(legal=True), flow.reviewer)
    case_services.suspend(suspended, flow.reviewer, "expert", "专家评审")
    extended = case_services.claim_case(flow.case(), flow.reviewer)
    extension = case_services.request_extension(extended, flow.reviewer, "征求相关部门意见")
    visited = case_services.claim_case(flow.case(inspection=True), flow.reviewer)
    visited = case_services.complete_review(visited, flow.reviewer, "同意")
    case_services.claim_case(visited, flow.inspector1)
    visit = case_services.schedule_inspection([visited], clock.today(), "南关街 12 号", flow.inspectors,
                                              flow.inspector1)
    case_services.record_inspection_result(visit, flow.inspector1, "排烟不达标", "rectify",
                                           rectify_deadline=clock.today() + timedelta(days=5),
                                           evidence=[SimpleUploadedFile("现场.jpg", JPEG_BYTES)])
    case_services.cosign_inspection(visit, flow.inspector2)
    decided = []
    for approve in (True, False):
        case = case_services.claim_case(flow.case(), flow.reviewer)
        case = case_services.complete_review(case, flow.reviewer, "同意")
        case = case_services.claim_case(case, flow.certifier)
        case_services.decide(case, flow.certifier, approve, reasons="" if approve else "经营场所不符合要求",
                             certificate={"scope": "热食类食品制售"} if approve else None)
        decided.append(case)
    bundle_cases = flow.bundle_cases(2)

    applicant = flow.applicant_user
    person = app_testing.make_person(applicant)
    item = app_testing.make_item("公共场所卫生许可")
    draft = app_services.start_application(applicant, person, item=item)
    waiting = app_testing.submitted_application(applicant, person, item=item)  # in the clerk's intake queue
    supplement = app_testing.submitted_application(applicant, person, item=item)
    material = next(m for m in supplement.materials.all() if m.asked)
    intake_services.request_supplement(supplement, flow.clerk, [(material, "请补充盖章页"), ("场所租赁合同", "清单外材料")],
                                       note="一次性告知")
    refused = app_testing.submitted_application(applicant, person, item=item)
    intake_services.refuse(refused, flow.clerk, reason="不属于本机关职权范围", refer_to="市卫生健康委员会")
    cases = [review, claimed, suspended, extended, visited, *decided, *bundle_cases]
    applications = [draft.pk, waiting.pk, supplement.pk, refused.pk, *{c.application_id for c in cases}]
    return flow, {
        "applications": applications,
        "intake": applications,
        "cases": [c.pk for c in cases],
        "inspections": [visit.pk],
        "extensions": [extension.pk],
        "notices": [str(n.public_id) for c in (review, *decided) for n in c.application.notices.all()],
        "items": [item.pk],
        "materials": list(item.materials.values_list("pk", flat=True)),
        "bundles": [bundle_cases[0].application.bundle_id],
        "departments": [item.competent_department_id],
    }


def _signed_in(user) -> AuthStorage | None:
    """A signed-in browser session as schemathesis' auth: the session cookie, and the CSRF cookie and header that
    the pages send with every write (SessionAuthentication checks it). None: an anonymous caller."""
    if user is None:
        return None
    client = Client()
    client.force_login(user)
    session, token = client.cookies["sessionid"].value, _get_new_csrf_string()

    class SessionCookie:
        def get(self, case, context):
            return session

        def set(self, case, data, context):
            case.cookies = {**(case.cookies or {}), "sessionid": data, "csrftoken": token}
            case.headers = {**(case.headers or {}), "X-CSRFToken": token}

    storage = AuthStorage()
    storage.auth(refresh_interval=None)(SessionCookie)
    return storage


@pytest.fixture
def api_schema(world):
    """The schema the application serves, loaded through it (WSGI, in this process and this test's transaction).

    Outside django.test.Client, Django closes the database connection when a request starts and ends (inside the
    test's transaction that would end it): keep it open while fuzzing, as the test client does."""
    from portal.wsgi import application

    _flow, ids = world
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

        @schema.hook("before_generate_path_parameters")
        def real_ids(context, strategy):
            """Half the examples name an object that exists, half whatever the schema allows (or not)."""
            path = context.operation.path
            known = next((ids[key] for key in ids if f"/{key}/" in path), [])
            if not known or "{" not in path:
                return strategy
            name = "public_id" if "{public_id}" in path else "id"
            if f"{{{name}}}" not in path:  # e.g. a 12345 work order by its number, under /applications/
                return strategy
            return st.one_of(strategy, st.sampled_from(known).map(lambda value: {name: value}))

        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(schema, auth: AuthStorage | None) -> list[str]:
    """Every operation, with valid and with invalid inputs: the unique failures, as schemathesis words them."""
    found: dict[tuple, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40, "the schema lists the API's operations"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ
            @RESEED
            @given(case=operation.as_strategy(generation_mode=mode, auth_storage=auth))
            def run(case):
                with transaction.atomic():
                    response = case.call()
                    transaction.set_rollback(True)  # every example starts from the same data
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as group:
                    for failure in group.exceptions:
                        found.setdefault((operation.label, type(failure).__name__, failure.title), (
                            f"{operation.label} [{mode.value}]: {failure.title}\n    {failure.message[:600]}\n"
                            f"    {case.as_curl_command()[:600]}\n    -> {response.status_code} {response.text[:300]}"))

            run()
    return list(found.values())


def _passes(failures: list[str]):
    assert not failures, f"{len(failures)} unique failures:\n" + "\n".join(failures)


def test_as_applicant(api_schema, world):
    _passes(_fuzz(api_schema, _signed_in(world[0].applicant_user)))


def test_as_window_clerk(api_schema, world):
    _passes(_fuzz(api_schema, _signed_in(world[0].clerk)))


def test_as_approval_officer(api_schema, world):
    _passes(_fuzz(api_schema, _signed_in(world[0].reviewer)))


def test_as_section_head(api_schema, world):
    _passes(_fuzz(api_schema, _signed_in(world[0].head)))


def test_anonymous(api_schema, world):
    _passes(_fuzz(api_schema, None))


def test_every_operation_documents_its_error_answers(client, world):
    """portal.api.AutoSchema: the shared error bodies on every operation, and the answers themselves."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "403"} <= codes, (method, path)
            assert ("401" in codes) is not path.startswith("/api/catalog/"), (method, path)  # the catalogue is public
            assert ("404" in codes) >= ("{" in path), (method, path)
            assert ("409" in codes) is (method != "get"), (method, path)
            assert ("415" in codes) is ("requestBody" in operation), (method, path)
            for code in codes - {"200", "201", "204"}:
                assert "application/json" in operation["responses"][code]["content"], (method, path, code)

    response = client.post("/api/approvals/cases/take-next/", {"queue": "review"}, content_type="application/json")
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Session realm="api"'
    client.force_login(world[0].reviewer)
    response = client.post("/api/approvals/cases/take-next/", "queue=review", content_type="text/plain")
    assert response.status_code == 415 and "detail" in response.json()
    response = client.get("/api/approvals/no-such-thing/")
    assert response.status_code == 404 and response.json() == {"detail": "接口不存在。"}
    assert client.get("/api/approvals/cases/", {"colour": "3"}).json() == {"colour": ["“3”不是有效的选项。"]}
    assert client.get("/api/catalog/items/", {"online": "maybe"}).status_code == 400
    assert client.get("/api/catalog/items/", {"page": ""}).status_code == 404
