"""Patient factories and valid test identity numbers (usable by other contexts' tests)."""
import itertools

import factory
from stdnum import luhn

from patients.models import Patient
from tests.factories import OrganisationFactory

_serial = itertools.count(1)


def personnummer(date: str = "19121212", serial: int | None = None, *, coordination: bool = False) -> str:
    """A valid 12-digit number for `date` (YYYYMMDD); `coordination` adds 60 to the day."""
    if coordination:
        date = f"{date[:6]}{int(date[6:]) + 60:02d}"
    n = (next(_serial) % 999 + 1) if serial is None else serial
    body = f"{date[2:]}{n:03d}"
    return f"{date[:2]}{body}{luhn.calc_check_digit(body)}"


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    identity_number = factory.LazyFunction(lambda: personnummer("19400101"))
    identity_kind = Patient.IdentityKind.PERSONNUMMER
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Patientsson{n}")
    registered_street = "Storgatan 1"
    registered_postal_code = "123 45"
    registered_city = "Mellanstad"
    phone = "070-123 45 67"
    customer = factory.SubFactory(OrganisationFactory)
    name_search = factory.LazyAttribute(lambda p: f"{p.first_name} {p.last_name}".lower())
