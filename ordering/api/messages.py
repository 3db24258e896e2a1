"""The inbox on the API: a customer's system client reads the messages about its organisation's
orders (a logged-in user, their own) and marks them read."""
import datetime as dt

from ninja import Field, Query, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from core.idempotency import idempotent

from .. import selectors
from ..flows import core as order_core

router = Router(tags=["messages"])


class MessageOut(Schema):
    id: int
    kind: str = Field(..., description="confirmed | delayed | cancelled | delivered | completed | answer | info")
    subject: str = Field(..., description="In the request's language: Accept-Language, else the session user's "
                                          "language, else Swedish (docs/ui.md, \"Language\")")
    text: str = Field(..., description="In the request's language, like `subject`")
    created_at: dt.datetime
    read_at: dt.datetime | None
    order_id: int | None
    order_number: str | None
    recipient: str = Field(..., description="User name of the recipient (the orderer or the prescriber)")


def message_out(m) -> dict:
    return {"id": m.pk, "kind": m.kind, "subject": m.display_subject, "text": m.display_text,
            "created_at": m.created_at,
            "read_at": m.read_at, "order_id": m.order_id, "order_number": m.order.number if m.order_id else None,
            "recipient": m.recipient.get_username()}


class MessageQuery(Schema):
    unread: bool = Field(False, description="Only unread messages")
    limit: int = Field(100, ge=1, le=500)


@router.get("/messages", response=list[MessageOut], summary="Inbox messages (newest first)",
            operation_id="message_list")
@api_perm(Perm.ORDER_VIEW)
def message_list(request, q: Query[MessageQuery]):
    return [message_out(m) for m in selectors.messages_for(request.auth, unread_only=q.unread, limit=q.limit)]


@router.post("/messages/{message_id}/read", response=MessageOut, summary="Mark a message read (idempotent)",
             operation_id="message_mark_read")
@api_perm(Perm.ORDER_VIEW)
def message_mark_read(request, message_id: int):
    principal = request.auth

    def work():
        msg = order_core.message_mark_read(principal, message_id)
        return 200, message_out(msg)

    return idempotent(request, work)
