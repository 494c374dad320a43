"""Notifications: in-portal bell, outside channels through the database, once-only keys."""
import pytest
from django.core import mail

from portal import notifications
from portal.models import Notification, NotificationDelivery
from portal.roles import Role
from portal.sms import ConsoleSMSBackend

pytestmark = pytest.mark.django_db


def test_notify_stores_the_message_and_queues_channel_copies(make_user, django_capture_on_commit_callbacks):
    from portal.celery import app

    app.conf.task_always_eager = True
    try:
        officer = make_user(Role.APPROVAL_OFFICER, email="officer@example.cn", mobile="13900001111")
        with django_capture_on_commit_callbacks(execute=True):
            note = notifications.notify(officer, "办件临近承诺期限", "案件 X 还剩 2 个工作日", channels=("email", "sms"))
        assert note is not None
        assert set(NotificationDelivery.objects.values_list("channel", "status")) == {("email", "sent"), ("sms", "sent")}
        assert mail.outbox[-1].to == ["officer@example.cn"]
        assert ConsoleSMSBackend.sent[-1][0] == "13900001111"
    finally:
        app.conf.task_always_eager = False


def test_a_dedupe_key_notifies_once(make_user):
    officer = make_user(Role.APPROVAL_OFFICER)
    assert notifications.notify(officer, "变黄", dedupe_key="case:1:yellow") is not None
    assert notifications.notify(officer, "变黄", dedupe_key="case:1:yellow") is None
    assert notifications.notify(officer, "变红", dedupe_key="case:1:red") is not None
    assert Notification.objects.filter(recipient=officer).count() == 2


def test_a_broken_channel_is_retried_then_marked_failed(make_user, monkeypatch):
    officer = make_user(Role.APPROVAL_OFFICER, email="officer@example.cn")
    notifications.notify(officer, "测试", channels=("email",))

    def broken(*args, **kwargs):
        raise ConnectionError("smtp down")

    monkeypatch.setattr(notifications.EmailChannel, "send", broken)
    for _ in range(notifications.MAX_ATTEMPTS):
        assert notifications.deliver() == 0
    delivery = NotificationDelivery.objects.get()
    assert delivery.status == NotificationDelivery.Status.FAILED and "smtp down" in delivery.last_error
    assert delivery.attempts == notifications.MAX_ATTEMPTS


def test_the_bell_counts_unread_and_marking_read_clears_it(client, make_user):
    user = make_user(Role.APPLICANT)
    notifications.notify(user, "您的申请已受理", "受理通知书已生成", url="/")
    notifications.notify(user, "请补正材料")
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert 'data-testid="bell-count">2<' in page and "您的申请已受理" in page
    client.post("/notifications/read/")
    assert 'data-testid="bell-count"' not in client.get("/").content.decode()


def test_people_see_only_their_own_messages(client, make_user):
    alice, bob = make_user(Role.APPLICANT), make_user(Role.APPLICANT)
    notifications.notify(alice, "仅限本人")
    client.force_login(bob)
    assert "仅限本人" not in client.get("/notifications/").content.decode()
    client.post("/notifications/read/", {"id": [Notification.objects.get().pk]})
    assert Notification.objects.get().read_at is None


def test_notify_many_sends_once_per_key_with_copies_in_constant_statements(
    make_user, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = [make_user(Role.APPROVAL_OFFICER, email=f"o{i}@example.cn" if i % 2 else "", mobile=f"1390000{i:04d}")
              for i in range(12)]

    def batch(n):
        return [notifications.Message(p.pk, "办件变黄", "承诺办结日期 2026-12-01。", "/office/cases/1/",
                                      f"case:{i}:yellow") for i, p in enumerate(people[:n])]

    with CaptureQueriesContext(connection) as few:
        assert len(notifications.notify_many(batch(2), channels=("sms", "email"))) == 2
    with CaptureQueriesContext(connection) as many, django_capture_on_commit_callbacks() as callbacks:
        stored = notifications.notify_many(batch(12), channels=("sms", "email"))
    assert len(few) == len(many) == 3  # one INSERT of messages, one per channel
    assert len(stored) == 10  # the first two already had their key
    assert len(callbacks) == 1  # the copies are handed to the worker after the commit
    copies = NotificationDelivery.objects.filter(notification_id__in=stored)
    assert copies.filter(channel="sms").count() == 10
    assert copies.filter(channel="email").count() == 5  # only the people with an address
    assert notifications.notify_many(batch(12), channels=("sms",)) == []
    assert Notification.objects.count() == 12
