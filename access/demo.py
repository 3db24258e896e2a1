"""Demo organisations, units and one user per role (DESIGN.md §7). Every demo user has the
password `lyfta-demo-2026` and the documented TOTP secret DEMO_TOTP_BASE32; both are
refused outside demo settings (`User.is_demo`)."""
import base64

from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import CostCentre, DeliveryPoint, Organisation, RoleAssignment, Unit, User
from .roles import Role

DEMO_PASSWORD = "lyfta-demo-2026"
DEMO_TOTP_BASE32 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_TOTP_HEX = base64.b32decode(DEMO_TOTP_BASE32).hex()

ORGS = [
    # (key, name, kind, org_number)
    ("region", "Region Mellanland", Organisation.Kind.REGION, "232100-0016"),
    ("kommun_a", "Åby kommun", Organisation.Kind.MUNICIPALITY, "212000-0142"),
    ("kommun_b", "Östra Vik kommun", Organisation.Kind.MUNICIPALITY, "212000-1355"),
    ("hmc", "Hjälpmedelscentralen Mellanland", Organisation.Kind.SUPPLY_CENTRE, "202100-5489"),
]

UNITS = [
    # (key, org key, parent key, name, hsa suffix, cost centre)
    ("reg_root", "region", None, "Region Mellanland", "SE2321000016-0001", "1000"),
    ("reg_rehab", "region", "reg_root", "Rehabenheten Centrallasarettet", "SE2321000016-15CQ", "1510"),
    ("reg_vc", "region", "reg_root", "Vårdcentralen Norra", "SE2321000016-2A7B", "1620"),
    ("a_root", "kommun_a", None, "Åby kommun Vård och omsorg", "SE2120000142-0001", "4100"),
    ("a_hem", "kommun_a", "a_root", "Hemsjukvården Åby", "SE2120000142-H3M1", "4110"),
    ("b_root", "kommun_b", None, "Östra Vik kommun Omsorg", "SE2120001355-0001", "5100"),
    ("hmc_root", "hmc", None, "Hjälpmedelscentralen", "SE2021005489-0001", "9000"),
    ("hmc_ks", "hmc", "hmc_root", "HMC Kundtjänst", "SE2021005489-KS01", "9100"),
    ("hmc_tek", "hmc", "hmc_root", "HMC Teknik och transport", "SE2021005489-TK01", "9200"),
]

USERS = [
    # (username, first, last, [(role, unit key)])
    ("forskrivare", "Frida", "Förskrivare", [(Role.PRESCRIBER, "reg_rehab")]),
    ("forskrivare.kommun", "Kim", "Kommunarbetsterapeut", [(Role.PRESCRIBER, "a_hem")]),
    ("bestallare", "Bo", "Beställare", [(Role.ORDERER, "reg_vc")]),
    ("forrad", "Fia", "Förrådsansvarig", [(Role.STORE_KEEPER, "a_hem")]),
    ("faktura", "Fredrik", "Fakturamottagare", [(Role.INVOICE_VIEWER, "reg_root")]),
    ("behorighet", "Berit", "Behörighetsadmin", [(Role.CUSTOMER_ACCESS_ADMIN, "reg_root")]),
    ("kundtjanst", "Karin", "Kundtjänst", [(Role.SUPPLY_HANDLER, "hmc_ks")]),
    ("tekniker", "Tore", "Tekniker", [(Role.TECHNICIAN, "hmc_tek")]),
    ("chauffor", "Charlie", "Chaufför", [(Role.DRIVER, "hmc_tek")]),
    ("sortiment", "Sara", "Sortimentsansvarig", [(Role.ASSORTMENT_MANAGER, "hmc_root")]),
    ("hmcadmin", "Hugo", "HMC-admin", [(Role.SUPPLY_ADMIN, "hmc_root")]),
    ("granskare", "Greta", "Granskare", [(Role.AUDITOR, "hmc_root")]),
    ("sysadmin", "Sam", "Systemadministratör", [(Role.SYSTEM_ADMIN, "hmc_root")]),
]


def load() -> str:
    if User.objects.filter(username="sysadmin", is_demo=True).exists():
        return "finns redan"
    orgs = {k: Organisation.objects.create(name=n, kind=kind, org_number=nr) for k, n, kind, nr in ORGS}
    units: dict[str, Unit] = {}
    for key, org_key, parent_key, name, hsa, cc_code in UNITS:
        org = orgs[org_key]
        cc = CostCentre.objects.create(organisation=org, code=cc_code, name=f"{name} ({cc_code})")
        units[key] = Unit.objects.create(organisation=org, parent=units.get(parent_key) if parent_key else None,
                                         name=name, hsa_id=hsa, default_cost_centre=cc)
    DeliveryPoint.objects.create(unit=units["reg_rehab"], name="Centrallasarettet godsmottagning",
                                 street="Lasarettsvägen 1", postal_code="123 45", city="Mellanstad",
                                 instructions="Lastkaj B, ring 010-123 45 67")
    DeliveryPoint.objects.create(unit=units["a_hem"], name="Hemsjukvårdens förråd", street="Storgatan 12",
                                 postal_code="234 56", city="Åby")
    for username, first, last, roles in USERS:
        user = User(username=username, first_name=first, last_name=last, email=f"{username}@example.se",
                    is_demo=True, is_staff=username == "sysadmin")
        user.set_password(DEMO_PASSWORD)
        user.save()
        TOTPDevice.objects.create(user=user, name="Demo", confirmed=True, key=DEMO_TOTP_HEX)
        for role, unit_key in roles:
            RoleAssignment.objects.create(user=user, unit=units[unit_key], role=role)
    return f"{len(USERS)} demoanvändare, {len(units)} enheter"
