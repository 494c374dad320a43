"""Case numbers under concurrency: 50 submissions at once, each in its own thread and database connection."""
import threading
import time

import pytest
from django.db import connection, connections

from applications import services
from applications.models import Application, Sequence, Status
from applications.testing import complete_draft, make_item, make_person
from portal.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)
SUBMISSIONS = 50


def run_at_once(functions):
    """Start every function in its own thread at the same moment; return (results, errors, seconds)."""
    barrier = threading.Barrier(len(functions))
    results, errors = [None] * len(functions), []

    def worker(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors, time.perf_counter() - started


def test_fifty_concurrent_submissions_get_fifty_distinct_numbers(make_user):
    user = make_user(Role.APPLICANT, real_name="张丽华")
    person = make_person(user)
    item = make_item()
    drafts = []
    for _ in range(SUBMISSIONS):
        draft = services.start_application(user, person, item=item)
        complete_draft(draft, user)
        drafts.append(draft)

    results, errors, seconds = run_at_once([
        (lambda d=d: services.submit(Application.objects.get(pk=d.pk), user).case_number) for d in drafts
    ])
    print(f"\n{SUBMISSIONS} concurrent submissions took {seconds:.2f} s")
    assert errors == []
    assert len(set(results)) == SUBMISSIONS
    sequences = sorted(int(number[-5:]) for number in results)
    assert sequences == list(range(1, SUBMISSIONS + 1))  # no gaps, no duplicates
    assert Application.objects.filter(status=Status.SUBMITTED).count() == SUBMISSIONS
    assert Sequence.objects.get().value == SUBMISSIONS
    assert connection.vendor == "postgresql"


def test_a_double_click_submits_once(make_user):
    user = make_user(Role.APPLICANT, real_name="张丽华")
    draft = services.start_application(user, make_person(user), item=make_item())
    complete_draft(draft, user)
    results, errors, _seconds = run_at_once([
        (lambda: services.submit(Application.objects.get(pk=draft.pk), user).case_number) for _ in range(2)
    ])
    assert len([r for r in results if r]) == 1 and len(errors) == 1
    assert "已" in str(errors[0])  # "已经提交" or "已被他人处理"
    # the loser's sequence increment was rolled back with it: the next number follows without a gap
    assert Sequence.objects.get().value == 1
