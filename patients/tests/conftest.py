import pytest

from access.principal import principal_for_user
from patients.tests.factories import PatientFactory


@pytest.fixture
def patients(world):
    """One patient per customer, plus a protected-identity patient of the region."""
    return {
        "region": PatientFactory(customer=world["region"], first_name="Rita", last_name="Regionsson"),
        "municipality": PatientFactory(customer=world["municipality"], first_name="Kalle", last_name="Kommunsson"),
        "protected": PatientFactory(customer=world["region"], first_name="Sara", last_name="Skyddad",
                                    protected_identity=True, stay_street="Hemliga vägen 3",
                                    stay_postal_code="111 22", stay_city="Gömstad"),
    }


@pytest.fixture
def principal_of(make_user):
    def _p(role, customer="region"):
        return principal_for_user(make_user(role, customer))

    return _p
