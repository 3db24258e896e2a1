"""A real `manage.py dispatch_webhooks` process is killed (SIGKILL) while the receiver holds its
second delivery: nothing is lost, and a second dispatcher repeats only the unacknowledged event,
with the same event id."""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from access.principal import principal_for_client
from integration import services
from integration.models import OutboxEvent
from integration.tests.receiver import Receiver
from ordering.tests.conftest import make_order
from tests import factories as f
from tests.test_worker_crash import ROOT, _database_env

STATE = ("import django, json; django.setup()\n"
         "from integration.models import Delivery\n"
         "print(json.dumps(sorted(Delivery.objects.values_list('status', flat=True))))\n")


@pytest.mark.django_db(transaction=True)
def test_killed_dispatcher_loses_nothing_and_repeats_only_unacknowledged(shop, world, tmp_path):
    release = threading.Event()
    held = threading.Event()

    def answer(n, headers, body):
        if n == 1 and not release.is_set():  # hold the second delivery until the dispatcher is killed
            held.set()
            release.wait(30)
            return 200  # too late: nobody is listening any more
        return 200

    with Receiver(answer) as rx:
        client = f.api_client(world["region"], "tok-kill", name="kill")
        services.subscription_create(principal_for_client(client), target_url=rx.url)
        make_order(shop)
        make_order(shop)  # 4 events, 2 orders
        expected = [str(e) for e in OutboxEvent.objects.order_by("id").values_list("event_id", flat=True)]
        env = _database_env(tmp_path)
        env.update({"LYFTA_WEBHOOK_LEASE_SECONDS": "1", "LYFTA_WEBHOOK_TIMEOUT_SECONDS": "0.5"})
        doomed = subprocess.Popen([sys.executable, "manage.py", "dispatch_webhooks", "--batch", "1",
                                   "--interval", "0.1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        try:
            assert held.wait(60), "the dispatcher never reached the second delivery"
            os.kill(doomed.pid, signal.SIGKILL)
            doomed.wait(10)
        finally:
            if doomed.poll() is None:
                doomed.kill()
        release.set()
        time.sleep(1.2)  # the killed claim's lease ends
        r = subprocess.run([sys.executable, "manage.py", "dispatch_webhooks", "--once"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr[-3000:]
    ids = [h["webhook-id"] for _s, h, _b in rx.requests]
    assert set(ids) == set(expected)  # nothing lost
    first, second = ids[0], ids[1]
    assert ids.count(first) == 1  # acknowledged before the kill: never again
    assert ids.count(second) == 2  # unacknowledged: repeated with the same id
    assert all(ids.count(i) == 1 for i in expected if i not in (first, second))
    state = subprocess.run([sys.executable, "-c", STATE], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=120)
    assert state.stdout.strip().splitlines()[-1] == '["delivered", "delivered", "delivered", "delivered"]'
