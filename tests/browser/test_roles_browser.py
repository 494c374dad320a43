"""In a real headless Chromium: every demo account signs in through the form and lands on its own home page."""
import pytest

from portal import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_demo_role_signs_in_and_sees_its_home(page, sign_in):
    accounts = demo.load()
    assert len(accounts) == 9
    for username, role, *_ in demo.DEMO_ACCOUNTS:
        sign_in(username, demo.DEMO_PASSWORD)
        home = page.locator("[data-testid=role-home]")
        assert home.get_attribute("data-role") == role.value, username
        assert page.locator("[data-testid=user-name]").inner_text()
        assert str(role.label) in page.locator(".role-badge").inner_text()
        page.click("text=退出")
        page.wait_for_selector("#id_username")


def test_wrong_password_shows_the_message_in_the_browser(page, sign_in, make_user):
    make_user(username="wangwu", password="correct-pass-1")
    sign_in("wangwu", "not-the-password")
    assert "用户名（手机号）或密码不正确" in page.locator("[role=alert]").inner_text()
    page.screenshot(path="/tmp/login_error.png")
