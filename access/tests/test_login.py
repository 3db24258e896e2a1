import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from access.models import User
from audit.models import AuditEvent
from tests import factories as f

KEY = "3132333435363738393031323334353637383930"


def code_at(offset_steps: int = 0) -> str:
    totp = TOTP(bytes.fromhex(KEY), step=30, t0=0, digits=6)
    totp.time = timezone.now().timestamp() + offset_steps * 30
    return f"{totp.token():06d}"


@pytest.fixture
def enrolled(db):
    user = f.UserFactory(username="anna")
    f.totp_device(user, KEY)
    return user


def post_login(client, username="anna", password="pw-Lyfta-2026!", otp=""):
    return client.post(reverse("access:login"), {"username": username, "password": password, "otp_token": otp})


def test_login_with_password_and_totp_reaches_start(enrolled):
    c = Client()
    r = post_login(c, otp=code_at())
    assert r.status_code == 302 and r.url == reverse("core:start")
    assert c.get(reverse("core:start")).status_code == 200
    assert AuditEvent.objects.filter(action="login.success", actor_user=enrolled).count() == 1


def test_wrong_code_is_refused_in_swedish_and_audited(enrolled):
    c = Client()
    r = post_login(c, otp="000000" if code_at() != "000000" else "111111")
    assert r.status_code == 400
    assert "engångskod" in r.content.decode()
    assert c.get(reverse("core:start")).status_code == 302
    assert AuditEvent.objects.filter(action="login.failed").count() == 1


def test_reused_code_is_refused(enrolled):
    code = code_at()
    assert post_login(Client(), otp=code).status_code == 302
    r = post_login(Client(), otp=code)
    assert r.status_code == 400
    assert "redan använd" in r.content.decode()


def test_wrong_password_gives_generic_error(enrolled):
    r = post_login(Client(), password="fel")
    assert r.status_code == 400
    assert "Fel användarnamn, lösenord eller engångskod" in r.content.decode()


def test_unknown_user_is_audited_without_user(db):
    r = post_login(Client(), username="finnsinte", password="x")
    assert r.status_code == 400
    ev = AuditEvent.objects.get(action="login.failed")
    assert ev.data["username"] == "finnsinte" and ev.actor_user_id is None


def test_lockout_after_repeated_failures(enrolled, settings):
    """Failures lock out the (client IP, user name) pair (django-axes, access/tests/test_throttle.py)."""
    settings.LYFTA_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        post_login(Client(), password="fel")
    # even the right credentials are refused from that address while locked
    r = post_login(Client(), otp=code_at())
    assert r.status_code == 429 and "tillfälligt spärrad" in r.content.decode()
    assert AuditEvent.objects.filter(action="login.locked").count() == 1
    enrolled.refresh_from_db()
    assert enrolled.locked_until is None  # the account itself is not locked


def test_user_without_device_must_enrol_before_anything_else(db):
    user = f.UserFactory(username="ny")
    c = Client()
    r = post_login(c, username="ny")
    assert r.status_code == 302 and r.url == reverse("access:enrol")
    # every other page redirects to enrolment
    assert c.get(reverse("core:start")).url == reverse("access:enrol")
    page = c.get(reverse("access:enrol"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "data:image/svg+xml" in body and 'id="manual-key"' in body
    device = user.totpdevice_set.get(confirmed=False)
    from django_otp.oath import TOTP as T

    t = T(device.bin_key, step=30, t0=0, digits=6)
    assert c.post(reverse("access:enrol"), {"otp_token": "12345"}).status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # django-otp throttles after a failure; skip the wait
    r = c.post(reverse("access:enrol"), {"otp_token": f"{t.token():06d}"})
    assert r.status_code == 302 and r.url == reverse("core:start")
    assert c.get(reverse("core:start")).status_code == 200
    assert AuditEvent.objects.filter(action="2fa.enrolled", actor_user=user).count() == 1


def test_logout_is_post_and_audited(enrolled):
    c = Client()
    post_login(c, otp=code_at())
    assert c.get(reverse("access:logout")).status_code == 405
    r = c.post(reverse("access:logout"))
    assert r.status_code == 302
    assert c.get(reverse("core:start")).status_code == 302
    assert AuditEvent.objects.filter(action="logout").count() == 1


def test_session_expires_after_inactivity(enrolled, settings):
    settings.SESSION_COOKIE_AGE = 1
    c = Client()
    post_login(c, otp=code_at())
    from django.contrib.sessions.models import Session

    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    r = c.get(reverse("core:start"))
    assert r.status_code == 302
    r = c.get(r.url)
    assert "Din session har gått ut" in r.content.decode()


def test_demo_accounts_refused_outside_demo_mode(db, settings):
    user = f.UserFactory(username="demo1")
    User.objects.filter(pk=user.pk).update(is_demo=True)
    f.totp_device(user, KEY)
    settings.LYFTA_DEMO_MODE = False
    assert post_login(Client(), username="demo1", otp=code_at()).status_code == 400
    settings.LYFTA_DEMO_MODE = True
    assert post_login(Client(), username="demo1", otp=code_at(1)).status_code == 302


def test_idle_window_is_renewed_at_most_once_per_period(enrolled):
    from django.contrib.sessions.models import Session

    c = Client()
    post_login(c, otp=code_at())
    c.get(reverse("core:start"))
    first = Session.objects.get().expire_date
    c.get(reverse("core:start"))
    assert Session.objects.get().expire_date == first  # no write within the same minute
    session = c.session
    session["_idle_bucket"] = -1  # as if the last renewal was in an earlier period
    session.save()
    c.get(reverse("core:start"))
    assert Session.objects.get().expire_date >= first
    assert c.session["_idle_bucket"] >= 0
