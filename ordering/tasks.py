"""Background work for ordering: e-mail notices of inbox messages (console backend by default,
SMTP by settings). Enqueued by `ordering.flows.core.notify` after the transaction commits."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task


@task()
def send_message_emails(message_ids: list[int]) -> int:
    from .models import Message

    sent = 0
    for msg in Message.objects.select_related("recipient", "order").filter(pk__in=message_ids,
                                                                            emailed_at__isnull=True):
        address = (msg.recipient.email or "").strip()
        if not address:
            continue
        # No patient data in e-mail: only the subject (order number); the text is read in Lyfta.
        body = (
            f"Du har fått ett nytt meddelande i Lyfta: {msg.subject}.\n\n"
            "Logga in i Lyfta och öppna Meddelanden för att läsa det.\n"
            "Detta e-postmeddelande går inte att svara på."
        )
        send_mail(f"Lyfta: {msg.subject}", body, settings.DEFAULT_FROM_EMAIL, [address])
        Message.objects.filter(pk=msg.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
