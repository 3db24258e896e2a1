"""Factories shared by every context's tests."""
import itertools

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.se import orgnr

from access.models import ApiClient, CostCentre, DeliveryPoint, Organisation, RoleAssignment, Unit, User
from access.services import hash_token

_orgnr_counter = itertools.count(100)


def valid_org_number(prefix: str = "212000") -> str:
    """A fresh valid organisationsnummer (checksum computed)."""
    while True:
        body = f"{prefix}{next(_orgnr_counter) % 1000:03d}"
        check = orgnr.luhn.calc_check_digit(body)
        number = f"{body}{check}"
        if orgnr.is_valid(number):
            return f"{number[:6]}-{number[6:]}"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Kommun {n}")
    kind = Organisation.Kind.MUNICIPALITY
    org_number = factory.LazyFunction(valid_org_number)


class SupplyCentreFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Hjälpmedelscentral {n}")
    kind = Organisation.Kind.SUPPLY_CENTRE


class CostCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostCentre

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"{1000 + n}")
    name = factory.Sequence(lambda n: f"Kostnadsställe {n}")


_hsa = itertools.count(1)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Enhet {n}")
    hsa_id = factory.LazyFunction(lambda: f"SE2321000016-T{next(_hsa):05d}")
    default_cost_centre = factory.SubFactory(CostCentreFactory, organisation=factory.SelfAttribute("..organisation"))


class DeliveryPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryPoint

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Godsmottagning {n}")
    street = "Vägen 1"
    postal_code = "123 45"
    city = "Mellanstad"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Användare {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.se")
    password = factory.PostGenerationMethodCall("set_password", "pw-Lyfta-2026!")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = "prescriber"


def totp_device(user, key_hex: str = "3132333435363738393031323334353637383930") -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True, key=key_hex)


def api_client(organisation, token: str, name: str | None = None) -> ApiClient:
    return ApiClient.objects.create(name=name or f"client-{token}", organisation=organisation,
                                    token_hash=hash_token(token), token_prefix=token[:8])
