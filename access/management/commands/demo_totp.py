import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from access.demo import DEMO_TOTP_HEX


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo users (demo settings only)."

    def handle(self, *args, **opts):
        if not settings.LYFTA_DEMO_MODE:
            raise CommandError("Bara med demoinställningar.")
        code = totp(bytes.fromhex(DEMO_TOTP_HEX), step=30, t0=0, digits=6)
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{code:06d}  (giltig {left} s till)")
