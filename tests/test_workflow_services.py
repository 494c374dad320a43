"""The staged approval workflow at the service level (real PostgreSQL): review, inspection, legal review,
decision, send-back, four-way separation, extensions, suspensions."""
import pytest

from approvals import services
from approvals.models import Stage
from approvals.testing import Flow

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def flow(db):
    return Flow.build()


def test_smoke_review_to_decision(flow):
    flow.case()
    case = services.take_next(flow.reviewer, "review")
    assert case.stage == Stage.REVIEW and case.assignee == flow.reviewer
    case = services.complete_review(case, flow.reviewer, "材料齐全，符合条件")
    assert case.stage == Stage.DECISION
    case = services.take_next(flow.certifier, "decision")
    decision = services.decide(case, flow.certifier, True)
    assert decision.case.stage == Stage.APPROVED
