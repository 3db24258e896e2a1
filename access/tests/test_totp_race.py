"""One TOTP code is accepted once: the device row is locked while the code is checked and its
counter (`last_t`) written, so a replay, even at the same moment, is refused."""
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from access import services
from audit.models import AuditEvent
from tests import factories as f

from .test_login import KEY, code_at


def _post(client, code):
    return client.post(reverse("access:login"), {"username": "anna", "password": "pw-Lyfta-2026!", "otp_token": code})


def test_replayed_code_is_refused_by_the_locked_check(db):
    user = f.UserFactory(username="anna")
    device = f.totp_device(user, KEY)
    code = code_at()
    assert services.totp_verify_locked(device, code) is not None
    # the stale in-memory device still has the old last_t: the lock re-reads the row
    assert services.totp_verify_locked(device, code) is None
    assert TOTPDevice.objects.get(pk=device.pk).last_t >= 0


def test_replayed_code_is_refused_at_login(db):
    user = f.UserFactory(username="anna")
    f.totp_device(user, KEY)
    code = code_at()
    assert _post(Client(), code).status_code == 302
    r = _post(Client(), code)
    assert r.status_code == 400 and "redan använd" in r.content.decode()
    assert AuditEvent.objects.filter(action="login.success").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_logins_at_the_same_moment_with_one_code_only_one_succeeds():
    user = f.UserFactory(username="anna")
    f.totp_device(user, KEY)
    for _round in range(5):
        code = code_at()
        barrier = threading.Barrier(2)
        statuses = []

        def login(barrier=barrier, statuses=statuses, code=code):
            try:
                barrier.wait(timeout=10)
                statuses.append(_post(Client(), code).status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=login) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(statuses) == [302, 400], statuses
        # next round: forget the used counter, django-otp's failure throttle and the failure count
        TOTPDevice.objects.filter(user=user).update(last_t=-1, throttling_failure_count=0,
                                                    throttling_failure_timestamp=None)
        type(user).objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
