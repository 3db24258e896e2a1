"""The one order header shared by every order kind (DESIGN.md §4 "Common to every order"):
number, customer, cost centre, unit, orderer, prescriber, patient, delivery, contact, priority,
dates, note; its event history, the inbox messages it causes and its attachments."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class OrderType(models.TextChoices):
    CUSTOMER = "customer", _("Kundorder")
    WORK = "work", _("Arbetsorder")
    PICKUP = "pickup", _("Hämtorder")
    FAULT = "fault", _("Felrapport")

# Number prefix per order type (core.numbering).
ORDER_PREFIX = {
    OrderType.CUSTOMER: "KO",
    OrderType.WORK: "AO",
    OrderType.PICKUP: "HO",
    OrderType.FAULT: "AV",
}

class OrderStatus(models.TextChoices):
    """Union of the statuses of every order type's state machine."""

    DRAFT = "draft", _("Utkast")
    SUBMITTED = "submitted", _("Skickad till HMC")
    CONFIRMED = "confirmed", _("Bekräftad")
    DISPATCHED = "dispatched", _("Under leverans")
    DELIVERED = "delivered", _("Levererad")
    CANCELLED = "cancelled", _("Makulerad")
    WITHDRAWN = "withdrawn", _("Återkallad")
    # Special requests (särskilt beslut, docs/prescribing.md): a customer order awaiting a decision
    SPECIAL_REQUESTED = "special_requested", _("Särskilt beslut begärt")
    INFO_REQUESTED = "info_requested", _("Komplettering begärd")
    # … first at the customer's own approver when the customer's terms say so (before the consultants)
    CUSTOMER_APPROVAL = "customer_approval", _("Väntar på kundens godkännande")
    REJECTED = "rejected", _("Avslagen")
    # Work orders
    ACCEPTED = "accepted", _("Accepterad")
    IN_PROGRESS = "in_progress", _("Pågår")
    COMPLETED = "completed", _("Avslutad")
    # Pickup orders
    PLANNED = "planned", _("Planerad")
    PICKED_UP = "picked_up", _("Hämtad")
    RECEIVED = "received", _("Mottagen")
    # Fault reports
    REGISTERED = "registered", _("Registrerad")
    INVESTIGATING = "investigating", _("Utreds")
    ANSWERED = "answered", _("Besvarad")
    CLOSED = "closed", _("Stängd")

OPEN_CUSTOMER_STATUSES = ("draft", "customer_approval", "special_requested", "info_requested", "submitted", "confirmed",
                          "dispatched")
# The open statuses of the replenishment backstop below, as they were when it was made: replenishment
# orders are born submitted and never wait for a decision, so a new decision status needs no new index.
_OPEN_REPLENISHMENT = ("draft", "special_requested", "info_requested", "submitted", "confirmed", "dispatched")

class CustomerOrderKind(models.TextChoices):
    TO_PATIENT = "to_patient", _("Till patient")
    TO_UNIT = "to_unit", _("Till enhet")
    BUFFER_MANUAL = "buffer_manual", _("Manuell förrådsbeställning")
    REPLENISHMENT = "replenishment", _("Automatisk påfyllnad")
    WITHDRAWAL = "withdrawal", _("Uttag ur förråd")
    SPARE_PARTS = "spare_parts", _("Reservdelar till individ")

class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Akut")

class DeliveryTo(models.TextChoices):
    STAY_ADDRESS = "stay_address", _("Patientens vistelseadress")
    REGISTERED_ADDRESS = "registered_address", _("Patientens folkbokföringsadress")
    DELIVERY_POINT = "delivery_point", _("Leveranspunkt")
    NONE = "", _("Ingen leverans")

class Order(TimeStampedModel):
    number = models.CharField(_("ordernummer"), max_length=16, unique=True)
    order_type = models.CharField(_("ordertyp"), max_length=12, choices=OrderType.choices,
                                  default=OrderType.CUSTOMER)
    # Sub-kind within the type (CustomerOrderKind for customer orders; work order types etc.).
    kind = models.CharField(_("typ"), max_length=30, default=CustomerOrderKind.TO_PATIENT)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT)

    customer = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="orders",
                                 verbose_name=_("kund"))
    cost_centre = models.ForeignKey("access.CostCentre", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("kostnadsställe"))
    unit = models.ForeignKey("access.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("beställande enhet"))
    orderer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("beställare"))
    prescriber = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("förskrivare"))
    created_by_client = models.ForeignKey("access.ApiClient", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    patient = models.ForeignKey("patients.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="orders", verbose_name=_("patient"))

    # Delivery: the patient's stay/registered address or a delivery point of the unit. The
    # address is copied when the order is submitted (what the driver gets).
    delivery_to = models.CharField(_("leverans till"), max_length=20, choices=DeliveryTo.choices, blank=True)
    delivery_point = models.ForeignKey("access.DeliveryPoint", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("leveranspunkt"))
    delivery_street = models.CharField(max_length=200, blank=True)
    delivery_postal_code = models.CharField(max_length=10, blank=True)
    delivery_city = models.CharField(max_length=100, blank=True)
    delivery_protected = models.BooleanField(default=False)  # patient address under protected identity
    contact_name = models.CharField(_("kontaktperson"), max_length=120, blank=True)
    contact_phone = models.CharField(_("telefon"), max_length=30, blank=True)

    priority = models.CharField(_("prioritet"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    urgent_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    requested_date = models.DateField(_("önskat datum"), null=True, blank=True)
    promised_date = models.DateField(_("utlovat datum"), null=True, blank=True)
    planned_date = models.DateField(_("planerat datum"), null=True, blank=True, db_index=True)
    note = models.TextField(_("meddelande till HMC"), max_length=2000, blank=True)

    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by_label = models.CharField(max_length=200, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=1000, blank=True)  # cancellation / withdrawal reason
    is_fallback = models.BooleanField(default=False)  # entered afterwards from the paper routine
    # Buffer stores (docs/buffer-stores.md): the store a withdrawal is taken from or a buffer
    # order (manual or replenishment) is delivered to; a replenishment order names its rule.
    buffer_store = models.ForeignKey("stock.Location", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("förråd"))
    replenishes_rule = models.ForeignKey("stock.ReorderRule", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")

    # Type-specific extras (work order report, fault report details …) that need no own column.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("ordrar")
        indexes = [
            models.Index(fields=["customer", "order_type", "status", "created_at"], name="ord_cust_status_idx"),
            models.Index(fields=["customer", "-created_at", "-id"], name="ord_cust_created_idx"),
            models.Index(fields=["order_type", "status", "-priority", "submitted_at"], name="ord_inbox_idx"),
            models.Index(fields=["patient", "-created_at", "-id"], name="ord_patient_idx"),
            models.Index(fields=["unit", "-created_at"], name="ord_unit_idx"),
            models.Index(fields=["buffer_store", "status"], name="ord_buffer_store_idx"),
        ]
        constraints = [
            # At most one open replenishment order per reorder rule, i.e. per (store, article),
            # also when withdrawals race (the rule row is locked too; this is the backstop).
            models.UniqueConstraint(
                fields=["replenishes_rule"], name="uniq_open_replenishment",
                condition=models.Q(replenishes_rule__isnull=False, status__in=list(_OPEN_REPLENISHMENT))),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_urgent(self) -> bool:
        return self.priority == Priority.URGENT

class OrderEvent(models.Model):
    """Append-only history of an order: transitions, delays, part deliveries, notes."""

    class Type(models.TextChoices):
        TRANSITION = "transition", _("Statusändring")
        DELAY = "delay", _("Försening")
        DELIVERY = "delivery", _("Leverans")
        NOTE = "note", _("Anteckning")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    event_type = models.CharField(max_length=20, choices=Type.choices, default=Type.TRANSITION)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="ord_event_order_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.from_status}→{self.to_status}"

    @staticmethod
    def _label(status: str) -> str:
        try:
            return str(OrderStatus(status).label)
        except ValueError:
            return status

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)

class Message(models.Model):
    """Inbox message to a user (orderer / prescriber), optionally about an order."""

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("Bekräftelse")
        DELAYED = "delayed", _("Försening")
        CANCELLED = "cancelled", _("Makulering")
        DELIVERED = "delivered", _("Kvitterad leverans")
        COMPLETED = "completed", _("Avslutad")
        ANSWER = "answer", _("Svar")
        INFO = "info", _("Information")
        REMINDER = "reminder", _("Påminnelse")
        FAILED_DELIVERY = "failed_delivery", _("Bomkörning")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lyfta_messages")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The finished Swedish text (old rows, search, audit) and, for messages written since issue
    # 15, its key and params: shown in the reader's language (`display_subject`, `display_text`,
    # core.message_text). A row without a key shows the stored text.
    subject = models.CharField(max_length=200)
    text = models.TextField(max_length=4000)
    subject_key = models.CharField(max_length=300, blank=True, default="")
    text_key = models.TextField(max_length=4000, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # the e-mail notice was handed off then
    email_claimed_at = models.DateTimeField(null=True, blank=True)  # an attempt to e-mail it started then

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="msg_recipient_unread_idx")]

    def __str__(self) -> str:
        return self.subject

    @property
    def display_subject(self) -> str:
        """The subject in the active language (the reader's)."""
        from core.message_text import render

        return render(self.subject_key, self.params, self.subject)

    @property
    def display_text(self) -> str:
        from core.message_text import render

        return render(self.text_key, self.params, self.text)

def attachment_path(instance, filename: str) -> str:
    return f"order_attachments/{instance.order_id}/{filename}"

class OrderAttachment(TimeStampedModel):
    order = models.ForeignKey("ordering.Order", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(_("filnamn"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name
