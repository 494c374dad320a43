"""The demo applications `make run` loads: every step of the journey has something in it, made by the services."""
import pytest
from django.core.management import call_command

from applications.models import Application, Status
from approvals.intake import selectors as intake_selectors
from approvals.models import ApprovalCase, Inspection, Stage
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)


def test_demo_applications_cover_the_journey(demo):
    statuses = list(Application.objects.values_list("status", flat=True))
    assert statuses.count(Status.DRAFT) >= 1
    assert statuses.count(Status.SUPPLEMENT_REQUESTED) == 1
    assert statuses.count(Status.SUBMITTED) >= 1
    assert statuses.count(Status.ACCEPTED) >= 2
    assert statuses.count(Status.DECIDED) == 2  # 刘春梅's renewal and 张丽华's snack bar, at the issuing window
    assert intake_selectors.intake_queue().count() >= 1
    assert intake_selectors.at_issuing_window().count() == 2
    assert ApprovalCase.objects.filter(stage=Stage.REVIEW).exists()
    assert Inspection.objects.filter(outcome="").exists()  # a site visit planned, not yet recorded
    # made by the services: numbered, audited
    assert not Application.objects.exclude(status=Status.DRAFT).filter(case_number="").exists()
    assert AuditEvent.objects.filter(action="accept").count() >= 3


def test_demo_applications_load_once(demo):
    before = Application.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Application.objects.count() == before


def test_the_demo_applicant_holds_a_licence_that_her_change_draft_takes_from_the_registry(demo):
    from applications import selectors as app_selectors
    from approvals.certificates.models import Certificate
    from portal.demo import DEMO_ACCOUNTS

    lihua_id = next(row[4] for row in DEMO_ACCOUNTS if row[0] == "applicant")
    (licence,) = Certificate.objects.filter(holder_id_number=lihua_id, name="食品经营许可证")
    assert licence.standing == Certificate.Standing.VALID
    draft = Application.objects.get(status=Status.DRAFT, title="食品经营许可（变更）", applicant__id_number=lihua_id)
    proofs = app_selectors.registry_proofs(app_selectors.application_within(Application.objects.all(), draft.pk))
    assert [p.number for p in proofs.values()] == [licence.licence_number]


def test_the_demo_problem_desk(demo):
    """办不成事反映: a 12345 platform whose token nobody knows (only a hash), and tickets at several steps."""
    from applications.problems.models import HotlinePlatform, ProblemTicket

    platform = HotlinePlatform.objects.get(code="12345-city")
    assert len(platform.token_hash) == 64 and not platform.token_prefix
    assert sorted(ProblemTicket.objects.values_list("status", flat=True)) == ["coordinating", "followed_up", "received"]
    assert ProblemTicket.objects.filter(platform=platform, work_order_number="YA12345-20260001").exists()
