"""Login throttling (django-axes, access.throttle): per client IP and user name together, a
cool-off that grows and expires, 429 with a Swedish page, audited."""
import datetime as dt

from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from tests import factories as f

from .test_login import KEY, code_at


def post(client, username, password="pw-Lyfta-2026!", otp="", ip="10.0.0.66"):
    return client.post(reverse("access:login"), {"username": username, "password": password, "otp_token": otp},
                       REMOTE_ADDR=ip)


def test_thirty_wrong_passwords_for_an_unknown_user_are_throttled(db, settings):
    settings.LYFTA_LOGIN_MAX_FAILURES = 5
    codes = [post(Client(), "finnsinte", password=f"fel{i}").status_code for i in range(30)]
    assert codes[:4] == [400] * 4
    assert codes[4:] == [429] * 26  # the fifth failure locks out; every later try is refused
    page = post(Client(), "finnsinte").content.decode()
    assert "För många inloggningsförsök" in page and "tillfälligt spärrad" in page
    assert AuditEvent.objects.filter(action="login.locked").count() == 1
    assert AuditEvent.objects.filter(action="login.refused_locked").count() >= 26


def test_the_real_user_still_logs_in_from_another_address_and_after_the_cool_off(db, settings):
    settings.LYFTA_LOGIN_MAX_FAILURES = 5
    user = f.UserFactory(username="anna")
    f.totp_device(user, KEY)
    for i in range(5):
        post(Client(), "anna", password=f"fel{i}", ip="10.9.9.9")  # an attacker's address
    assert post(Client(), "anna", otp=code_at(), ip="10.9.9.9").status_code == 429
    ev = AuditEvent.objects.get(action="login.locked")
    assert ev.data["username"] == "anna" and ev.data["ip"] == "10.9.9.9" and ev.object_id == str(user.pk)

    # the user, from the ward's computer: not affected
    assert post(Client(), "Anna", otp=code_at(), ip="10.0.0.5").status_code == 302

    # the attacker's lock-out expires: after the cool-off the same address may try again
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(seconds=settings.LYFTA_LOGIN_LOCKOUT_SECONDS + 1))
    assert post(Client(), "anna", otp=code_at(1), ip="10.9.9.9").status_code == 302


def test_a_wrong_code_counts_as_a_failure(db, settings):
    settings.LYFTA_LOGIN_MAX_FAILURES = 3
    user = f.UserFactory(username="anna")
    f.totp_device(user, KEY)
    wrong = "000000" if code_at() != "000000" else "111111"
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for _ in range(3):
        TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
        post(Client(), "anna", otp=wrong)
    assert post(Client(), "anna", otp=code_at()).status_code == 429


def test_the_cool_off_grows_with_each_run_of_failures_and_is_capped(db, settings):
    from access.throttle import cool_off

    settings.LYFTA_LOGIN_MAX_FAILURES = 5
    settings.LYFTA_LOGIN_LOCKOUT_SECONDS = 900
    settings.LYFTA_LOGIN_COOLOFF_MAX_SECONDS = 3600
    request = Client().get("/").wsgi_request
    request.META["REMOTE_ADDR"] = "10.1.1.1"
    request.POST = {"username": "anna"}

    def after(failures):
        AccessAttempt.objects.all().delete()
        AccessAttempt.objects.create(username="anna", ip_address="10.1.1.1", user_agent="x", get_data="",
                                     post_data="", http_accept="", path_info="", failures_since_start=failures,
                                     attempt_time=timezone.now())
        return cool_off(request).total_seconds()

    assert [after(n) for n in (1, 5, 9, 10, 15, 20, 500)] == [900, 900, 900, 1800, 3600, 3600, 3600]


def test_client_address_behind_a_trusted_proxy(settings, rf):
    from access.throttle import client_ip

    request = rf.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.5")
    settings.LYFTA_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"
    settings.LYFTA_TRUSTED_PROXY_COUNT = 1  # the proxy appended the real client; the first entry is forged
    assert client_ip(request) == "10.0.0.5"
