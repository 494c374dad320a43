"""Sign-in hardening (issue 10): one throttle for every way in, keyed on the account and the address with a
growing delay; the TOTP second factor; Chinese password messages. Real PostgreSQL, real sessions."""
import os
import re
import subprocess
import sys
import time
from binascii import unhexlify
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.db.models import F
from django.test import RequestFactory
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given
from hypothesis import strategies as st

from portal import demo, second_factor, services, throttle
from portal.models import AuditEvent, LoginFailure
from portal.roles import Role

pytestmark = pytest.mark.django_db

PASSWORD = "Right#pass-2026"
LOGIN = "/accounts/login/"
STRANGER = "203.0.113.5"
OWNER = "198.51.100.7"


def age_failures(seconds: float) -> None:
    """Let time pass for the throttle: every recorded failure becomes `seconds` older."""
    LoginFailure.objects.update(created_at=F("created_at") - timedelta(seconds=seconds))


def sign_in(client, username, password=PASSWORD, *, address="127.0.0.1", next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN + (f"?next={next_url}" if next_url else ""), data, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def body(response) -> str:
    return response.content.decode()


def audits(action, user=None) -> int:
    rows = AuditEvent.objects.filter(action=action)
    if user is not None:
        rows = rows.filter(object_type="portal.user", object_id=str(user.pk))
    return rows.count()


# --- the throttle --------------------------------------------------------------------------------------------


def test_forty_wrong_admin_passwords_are_throttled_audited_and_recorded(client, make_user, settings):
    admin = make_user(Role.ADMINISTRATOR, username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    # Django's own admin login checks no password: it sends everyone to the portal's sign-in.
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not signed_in(client) and audits("login") == 0

    for n in range(40):
        response = sign_in(client, "root", f"guess-{n}", next_url="/admin/")
        assert response.status_code == 200 and not signed_in(client)
        if n < settings.LOGIN_FAILURE_LIMIT:
            assert "用户名（手机号）或密码不正确" in body(response)
        else:
            assert re.search(r"失败次数过多.*请于 \d{2}:\d{2}:\d{2} 之后再试（约 \d+ 秒后）", body(response))
    # Every attempt is audited; the failures are recorded for the throttle (refused ones are not failures).
    assert audits("login_failed", admin) == 5 and audits("login_throttled", admin) == 35
    assert LoginFailure.objects.filter(scope="sign_in", subject=f"user:{admin.pk}").count() == 5
    failed = AuditEvent.objects.filter(action="login_failed").first()
    assert failed.ip_address == "127.0.0.1" and failed.data["identifier"] == "root"

    # The right password is refused as well until the delay has passed ...
    response = sign_in(client, "root", next_url="/admin/")
    assert "失败次数过多" in body(response) and not signed_in(client)
    age_failures(settings.LOGIN_DELAY_SECONDS + 1)
    # ... then it works, and the admin opens.
    response = sign_in(client, "root", next_url="/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert not LoginFailure.objects.filter(subject=f"user:{admin.pk}", ip_address="127.0.0.1").exists()


def test_the_delay_grows_with_each_further_failure_and_is_capped(client, make_user, settings):
    make_user(Role.WINDOW_CLERK, username="wangxy", password=PASSWORD)
    for n in range(5):
        sign_in(client, "wangxy", f"guess-{n}")
    base = settings.LOGIN_DELAY_SECONDS
    age_failures(base + 1)  # the first delay has passed: one more guess is heard (and fails)
    assert "用户名（手机号）或密码不正确" in body(sign_in(client, "wangxy", "guess-6"))
    age_failures(base + 1)  # the second delay is twice as long
    assert "失败次数过多" in body(sign_in(client, "wangxy"))
    age_failures(base)
    assert sign_in(client, "wangxy").status_code == 302


@given(st.integers(0, 500), st.integers(1, 50), st.integers(1, 60), st.integers(60, 3600))
def test_delays_start_after_the_free_failures_double_and_stop_at_the_cap(failures, free, base, cap):
    delay = throttle.delay_seconds(failures, free, base, cap)
    if failures < free:
        assert delay == 0
    else:
        assert 0 < delay <= cap
        assert delay == min(base * 2 ** (failures - free), cap)
        assert throttle.delay_seconds(failures + 1, free, base, cap) >= delay


def test_username_in_any_case_and_mobile_number_share_one_throttle(client, make_user):
    user = make_user(Role.APPLICANT, username="ZhangSan", mobile="13912345678", password=PASSWORD)
    for typed in ("zhangsan", "ZHANGSAN", "13912345678", "+86 139 1234 5678", "ZhangSan"):
        assert "密码不正确" in body(sign_in(client, typed, "wrong-pass"))
    assert set(LoginFailure.objects.values_list("subject", flat=True)) == {f"user:{user.pk}"}
    # The sixth try, by mobile number and with the right password, meets the same counter.
    response = sign_in(client, "13912345678")
    assert "失败次数过多" in body(response) and not signed_in(client)
    assert audits("login_throttled", user) == 1


def test_a_strangers_wrong_tries_do_not_stop_the_owner_from_another_address(client, make_user):
    owner = make_user(Role.APPROVAL_OFFICER, username="liujg", mobile="13800000004", password=PASSWORD)
    for n in range(5):
        sign_in(client, "liujg", f"guess-{n}", address=STRANGER)
    for _ in range(20):  # hammering on: refused, and not counted against the account
        assert "失败次数过多" in body(sign_in(client, "13800000004", address=STRANGER))
    assert LoginFailure.objects.count() == 5
    # The owner, elsewhere, signs in at once with the right password.
    response = sign_in(client, "liujg", address=OWNER)
    assert response.status_code == 302 and signed_in(client)
    assert audits("login", owner) == 1
    # The stranger's failures stay: signing in elsewhere forgets only the owner's own address.
    assert LoginFailure.objects.filter(ip_address=STRANGER).count() == 5


def test_every_caller_of_authenticate_meets_the_throttle(make_user):
    """The admin's form and DRF call django.contrib.auth.authenticate(): the backend throttles it."""
    user = make_user(Role.ADMINISTRATOR, username="admin2", password=PASSWORD, is_staff=True)
    factory = RequestFactory()
    for n in range(5):
        assert authenticate(factory.post("/", REMOTE_ADDR=STRANGER), username="admin2", password=f"x{n}") is None
    request = factory.post("/", REMOTE_ADDR=STRANGER)
    assert authenticate(request, username="ADMIN2", password=PASSWORD) is None
    assert "之后再试" in request.sign_in_refusal.messages[0]
    assert audits("login_failed", user) == 5 and audits("login_throttled", user) == 1
    assert authenticate(factory.post("/", REMOTE_ADDR=OWNER), username="admin2", password=PASSWORD) == user


def test_many_addresses_slow_one_account_and_one_address_slows_on_many_accounts(client, make_user, settings):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 8
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 4
    make_user(Role.SECTION_HEAD, username="chenzq", password=PASSWORD)
    for n in range(8):  # two guesses from each of four addresses: no address reaches its own bar
        sign_in(client, "chenzq", "wrong", address=f"192.0.2.{n // 2 + 1}")
    response = sign_in(client, "chenzq", address=OWNER)
    assert "失败次数过多" in body(response)  # a distributed attack slows the account for everyone ...
    age_failures(settings.LOGIN_DELAY_SECONDS + 1)
    assert sign_in(client, "chenzq", address=OWNER).status_code == 302  # ... by a delay, not a lock
    client.logout()

    for n in range(4):  # one address trying four names (known or not)
        sign_in(client, f"someone{n}", "wrong", address="192.0.2.99")
    assert "失败次数过多" in body(sign_in(client, "chenzq", address="192.0.2.99"))
    assert sign_in(client, "chenzq", address="192.0.2.100").status_code == 302


def test_unknown_names_are_throttled_like_accounts(client):
    for n in range(5):
        assert "密码不正确" in body(sign_in(client, "Nobody", f"guess-{n}"))
    assert "失败次数过多" in body(sign_in(client, "NOBODY", "guess"))
    assert set(LoginFailure.objects.values_list("subject", flat=True)) == {"name:nobody"}


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    factory = RequestFactory()
    spoofed = factory.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.20", REMOTE_ADDR="10.0.0.2")
    assert services.client_ip(spoofed) == "198.51.100.20"
    garbage = factory.get("/", HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="10.0.0.2")
    assert services.client_ip(garbage) == "10.0.0.2"


def test_sms_code_guesses_go_through_the_throttle(client, settings, django_capture_on_commit_callbacks):
    from portal.sms import ConsoleSMSBackend

    settings.LOGIN_FAILURE_LIMIT = 3
    url = reverse("applications:register")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"mobile": "13912340002", "action": "send_code"}, REMOTE_ADDR=OWNER)
    code = next(re.search(r"验证码为 (\d{6})", text).group(1)
                for to, text in reversed(ConsoleSMSBackend.sent) if to == "13912340002")
    wrong = "000000" if code != "000000" else "111111"
    form = {"mobile": "13912340002", "password": "Kx9#mobile-pass", "password2": "Kx9#mobile-pass",
            "action": "register"}
    for _ in range(3):
        assert "验证码不正确" in body(client.post(url, {**form, "code": wrong}, REMOTE_ADDR=STRANGER))
    assert "失败次数过多" in body(client.post(url, {**form, "code": code}, REMOTE_ADDR=STRANGER))
    assert audits("sms_code_failed") == 3 and audits("sms_code_throttled") == 1
    # The owner of the number, elsewhere, registers with the code.
    response = client.post(url, {**form, "code": code}, REMOTE_ADDR=OWNER)
    assert response.status_code == 302 and signed_in(client)


# --- the second factor -----------------------------------------------------------------------------------------


def code_for(key: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app holding `key` shows now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(unhexlify(key.encode()), drift=steps_ahead)
    totp.time = time.time()
    return f"{totp.token():06d}"


def enrol(client, *, next_url: str = "") -> TOTPDevice:
    page = client.get(reverse("portal:two_factor") + (f"?next={next_url}" if next_url else ""))
    assert page.status_code == 200 and "<svg" in body(page) and 'data-testid="two-factor-secret"' in body(page)
    key = client.session[second_factor.SESSION_ENROL_KEY]
    data = {"token": code_for(key)}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("portal:two_factor"), data)
    assert response.status_code == 302, body(response)
    return TOTPDevice.objects.get(key=key, confirmed=True)


def test_staff_enrol_and_then_sign_in_needs_the_code(client, make_user):
    officer = make_user(Role.APPROVAL_OFFICER, username="hewj", password=PASSWORD)
    assert sign_in(client, "hewj").status_code == 302  # no device yet: the password is enough
    page = client.get(reverse("portal:two_factor"))
    qr = body(page).split('data-testid="two-factor-qr">')[1].split("</figure>")[0]
    assert qr.startswith("<svg") and "href" not in qr and "src=" not in qr  # drawn inline, nothing fetched
    key = client.session[second_factor.SESSION_ENROL_KEY]
    wrong = "000000" if code_for(key) != "000000" else "111111"
    response = client.post(reverse("portal:two_factor"), {"token": wrong})
    assert response.status_code == 400 and "验证码不正确" in body(response)
    assert not TOTPDevice.objects.filter(user=officer).exists()
    device = enrol(client)
    assert device.user == officer and audits("second_factor_enrolled", officer) == 1
    assert 'data-testid="two-factor-on"' in body(client.get(reverse("portal:two_factor")))
    client.post(reverse("portal:logout"))

    # The password alone makes no session now.
    response = sign_in(client, "hewj", next_url="/applications/")
    assert response.status_code == 302 and response["Location"] == reverse("portal:login_verify")
    assert not signed_in(client)
    assert 'data-testid="landing"' in body(client.get("/"))
    # A wrong code is refused and counted.
    response = client.post(reverse("portal:login_verify"), {"token": wrong})
    assert "动态验证码不正确" in body(response) and not signed_in(client)
    assert audits("login_failed", officer) == 1
    assert AuditEvent.objects.get(action="login_failed").data["step"] == "second_factor"
    # The code the app shows now signs in (the enrolment's own code is never accepted twice).
    response = client.post(reverse("portal:login_verify"), {"token": code_for(device.key, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == "/applications/"
    assert signed_in(client) and client.session["otp_device_id"] == device.persistent_id
    assert AuditEvent.objects.filter(action="login", actor=officer).latest("id").data == {"second_factor": True}
    assert client.get("/").status_code == 200


def test_wrong_codes_meet_the_same_throttle(client, make_user, settings):
    make_user(Role.LEGAL_REVIEWER, username="sunfm", password=PASSWORD)
    sign_in(client, "sunfm")
    device = enrol(client)
    client.post(reverse("portal:logout"))
    sign_in(client, "sunfm")
    wrong = "000000" if code_for(device.key, steps_ahead=1) != "000000" else "111111"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert "动态验证码不正确" in body(client.post(reverse("portal:login_verify"), {"token": wrong}))
    response = client.post(reverse("portal:login_verify"), {"token": code_for(device.key, steps_ahead=1)})
    assert "失败次数过多" in body(response) and not signed_in(client)


def test_a_session_that_never_gave_the_code_is_ended(client, make_user):
    officer = make_user(Role.APPROVAL_OFFICER, username="yanglj", password=PASSWORD)
    TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    client.force_login(officer)  # a session made outside the sign-in (no code given)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not signed_in(client)
    client.force_login(officer)
    assert client.get("/api/applications/applications/").status_code == 403
    assert not signed_in(client)


def test_administrators_must_enrol_when_debug_is_off(client, make_user, settings):
    settings.ADMIN_SECOND_FACTOR_REQUIRED = True
    make_user(Role.ADMINISTRATOR, username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    make_user(Role.WINDOW_CLERK, username="clerkw", password=PASSWORD)
    response = sign_in(client, "root", next_url="/admin/")
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:two_factor"))
    response = client.get("/")
    assert response["Location"] == reverse("portal:two_factor") + "?next=%2F"
    assert client.get("/api/schema/").status_code == 403
    assert 'data-testid="two-factor-required"' in body(client.get(reverse("portal:two_factor")))
    device = enrol(client, next_url="/admin/")
    assert client.get("/admin/").status_code == 200 and client.get("/").status_code == 200
    # Devices are listed in the admin (to remove a lost phone's), their secrets never shown.
    listing = client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200 and "root" in body(listing) and device.key not in body(listing)
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403
    assert device.key not in body(client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/"))
    # Administrators may not switch it off while it is required.
    response = client.post(reverse("portal:two_factor"), {"token": code_for(device.key, steps_ahead=1)})
    assert "不能停用" in body(response) and TOTPDevice.objects.filter(pk=device.pk).exists()
    client.post(reverse("portal:logout"))
    # Other staff are not forced.
    assert sign_in(client, "clerkw").status_code == 302 and client.get("/").status_code == 200


def test_staff_may_switch_the_second_factor_off_with_a_code(client, make_user):
    make_user(Role.WINDOW_CLERK, username="clerkz", password=PASSWORD)
    sign_in(client, "clerkz")
    device = enrol(client)
    response = client.post(reverse("portal:two_factor"), {"token": code_for(device.key, steps_ahead=1)})
    assert response.status_code == 302 and not TOTPDevice.objects.exists()
    assert audits("second_factor_removed") == 1


def test_applicants_have_no_enrolment(client, applicant_user):
    client.force_login(applicant_user)
    assert client.get(reverse("portal:two_factor")).status_code == 403
    assert 'data-testid="two-factor-link"' not in body(client.get("/"))


def test_demo_accounts_sign_in_without_a_second_factor_under_debug(client):
    demo.load()
    response = sign_in(client, "admin", demo.DEMO_PASSWORD, next_url="/admin/")
    assert response.status_code == 302 and client.get("/admin/").status_code == 200


@pytest.mark.parametrize("debug, required", [("0", "True"), ("1", "False")])
def test_the_second_factor_rule_follows_debug_by_default(debug, required):
    env = {k: v for k, v in os.environ.items() if k != "ADMIN_SECOND_FACTOR_REQUIRED"}
    env.update({"DEBUG": debug, "SECRET_KEY": "s" * 60})
    result = subprocess.run(
        [sys.executable, "-c", "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; "
                               "from django.conf import settings; print(settings.ADMIN_SECOND_FACTOR_REQUIRED)"],
        env=env, capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    assert result.stdout.strip() == required, result.stderr


# --- password messages -----------------------------------------------------------------------------------------


def test_sign_up_with_a_short_password_is_told_in_chinese(client, django_capture_on_commit_callbacks):
    from portal.sms import ConsoleSMSBackend

    url = reverse("applications:register")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"mobile": "13912340003", "action": "send_code"})
    code = next(re.search(r"验证码为 (\d{6})", text).group(1)
                for to, text in reversed(ConsoleSMSBackend.sent) if to == "13912340003")
    response = client.post(url, {"mobile": "13912340003", "code": code, "password": "Ab1#",
                                 "password2": "Ab1#", "action": "register"})
    page = body(response)
    assert "密码太短，至少需要 8 个字符。" in page
    assert "too short" not in page and "This password" not in page
