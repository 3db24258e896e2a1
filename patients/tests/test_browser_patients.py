import pytest
from django_otp.oath import TOTP

from audit.models import PatientAccess
from patients.tests.factories import PatientFactory
from tests import factories as f

KEY = "3132333435363738393031323334353637383930"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_prescriber_finds_patient_by_number_and_protected_address_is_hidden(page, world):
    user = f.UserFactory(username="presc")
    f.RoleAssignmentFactory(user=user, unit=world["region_unit"], role="prescriber")
    f.totp_device(user, KEY)
    patient = PatientFactory(customer=world["region"], first_name="Greta", last_name="Gömd",
                             protected_identity=True, registered_street="Hemligvägen 9")
    page.goto("/konto/logga-in/")
    page.fill("input[name=username]", "presc")
    page.fill("input[name=password]", "pw-Lyfta-2026!")
    page.fill("input[name=otp_token]", f"{TOTP(bytes.fromhex(KEY), step=30, t0=0, digits=6).token():06d}")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "logga-in" not in url)
    page.get_by_role("link", name="Patienter").first.click()
    page.get_by_label("Personnummer eller namn").fill(patient.identity_display)
    page.get_by_role("button", name="Sök").click()
    result = page.locator("#patient-results")
    result.get_by_text("Greta Gömd").wait_for()
    assert "Skyddad adress" in result.inner_text()
    assert "Hemligvägen" not in page.content()
    assert PatientAccess.objects.filter(patient_id=patient.pk, view="identity_lookup").count() == 1
