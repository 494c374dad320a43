"""Accessibility and the 长辈版 (issue 13 item 11) without a browser: the switch's view and cookie, what every page
starts with, and fields that write the help and error elements their aria-describedby names.
(tests/browser/test_accessibility_browser.py runs axe-core on the pages in Chromium.)"""
import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_switch_sets_the_cookie_and_goes_back_to_the_page(client):
    response = client.get(reverse("portal:display_mode"), {"elder": "1", "next": "/guide/?q=食品"})
    assert response.status_code == 302 and response["Location"] == "/guide/?q=%E9%A3%9F%E5%93%81"
    cookie = response.cookies["elder_mode"]
    assert cookie.value == "1" and cookie["max-age"] == 365 * 24 * 3600 and cookie["samesite"] == "Lax"
    assert not cookie["httponly"]  # display.js writes the same cookie

    page = client.get("/guide/").content.decode()
    assert re.search(r'<html lang="zh-Hans" class="elder">', page)
    assert 'data-elder="on"' in page and "标准版" in page

    response = client.get(reverse("portal:display_mode"), {"elder": "0", "next": "/progress/"})
    assert response["Location"] == "/progress/" and response.cookies["elder_mode"]["max-age"] == 0
    client.cookies.pop("elder_mode", None)
    page = client.get("/guide/").content.decode()
    assert '<html lang="zh-Hans">' in page and 'data-elder="off"' in page


def test_the_switch_goes_nowhere_but_this_site(client):
    for target in ("https://evil.example/", "//evil.example/x", ""):
        response = client.get(reverse("portal:display_mode"), {"elder": "1", "next": target})
        assert response["Location"] == "/", target
    assert client.post(reverse("portal:display_mode"), {"elder": "1"}).status_code == 405


def test_every_page_starts_with_the_skip_link_to_the_main_content(client):
    page = client.get(reverse("portal:login")).content.decode()
    body = page[page.index("<body"):]
    first_link = re.search(r"<a [^>]*>", body).group(0)
    assert 'class="skip-link"' in first_link and 'href="#main"' in first_link
    assert "跳到主要内容" in body
    assert '<main class="wrap" id="main" tabindex="-1">' in body
    # The switch's link carries the page it is on, so that it comes back there.
    assert "/display/?elder=1&amp;next=/accounts/login/" in body


class _Form(forms.Form):
    name = forms.CharField(label="名称", help_text="例如：门店招牌名称")
    kind = forms.ChoiceField(label="类型", choices=[("a", "甲"), ("b", "乙")], widget=forms.RadioSelect)


@pytest.mark.parametrize("template", ["applications/_field.html", "approvals/cases/_field.html"])
def test_a_field_writes_what_its_aria_describedby_names_and_its_errors_are_announced(template):
    form = _Form(data={})
    assert not form.is_valid()
    html = render_to_string(template, {"field": form["name"]})
    described = re.search(r'aria-describedby="([^"]+)"', html).group(1).split()
    assert described == ["id_name_helptext", "id_name_error"]
    for element_id in described:
        assert f'id="{element_id}"' in html
    assert 'aria-invalid="true"' in html
    assert re.search(r'<label for="id_name"', html)
    assert re.search(r'<div class="field-errors" role="alert"><ul class="errorlist"[^>]*id="id_name_error"', html)
    assert '<ul class="errorlist" role="alert"' not in html

    # A group of choices is a fieldset with a legend, not a label pointing nowhere.
    html = render_to_string(template, {"field": form["kind"]})
    assert "<fieldset" in html and "<legend" in html and "类型" in html
    assert 'for=""' not in html
