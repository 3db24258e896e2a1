"""E-mail backends for tests that run a worker as a separate process (tests/test_worker_crash.py).

`CountingFileBackend` writes one file per message into `LYFTA_TEST_MAIL_DIR`, named after the
recipient and subject, so the test counts what was handed off. When `LYFTA_TEST_MAIL_HANG_ON`
names a subject, handing off that message first creates `<dir>/hanging` and then waits forever,
before anything is written: the test kills the worker there, i.e. before the SMTP hand-off."""
import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class CountingFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        directory = Path(os.environ["LYFTA_TEST_MAIL_DIR"])
        hang_on = os.environ.get("LYFTA_TEST_MAIL_HANG_ON")
        for msg in email_messages:
            if hang_on and hang_on in msg.subject:
                (directory / "hanging").write_text(str(os.getpid()))
                while True:
                    time.sleep(1)
            name = f"{msg.to[0]}--{msg.subject}--{uuid.uuid4().hex}.eml".replace("/", "_").replace(" ", "_")
            (directory / name).write_bytes(msg.message().as_bytes())
        return len(email_messages)
