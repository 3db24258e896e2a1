"""Demo patients across the demo customers (see access/demo.py). Identity numbers are test
numbers in the 1912 and 2012 ranges (valid checksums, computed here), one samordningsnummer,
one reservnummer; one patient has protected identity; some stay elsewhere than registered."""
from __future__ import annotations

from stdnum import luhn

from access.models import Organisation
from access.principal import Principal
from access.roles import Perm

from .models import Patient
from .services import patient_create

CUSTOMERS = {"region": "232100-0016", "kommun_a": "212000-0142", "kommun_b": "212000-1355"}

# (customer key, first, last, birth date YYYYMMDD, street, postal code, city, extras)
PEOPLE = [
    ("region", "Tolvan", "Tolvansson", "19121212", "Storgatan 12", "123 45", "Mellanstad", {}),
    ("region", "Astrid", "Andersson", "19120101", "Björkvägen 3", "123 46", "Mellanstad",
     {"stay_street": "Solgårdens vård- och omsorgsboende, avd 2", "stay_postal_code": "123 50",
      "stay_city": "Mellanstad", "contact_name": "Per Andersson (son)", "contact_phone": "070-111 22 33"}),
    ("region", "Bertil", "Berg", "19120215", "Kyrkogatan 8", "123 47", "Mellanstad",
     {"delivery_instructions": "Ring 30 min innan. Portkod 1234."}),
    ("region", "Cecilia", "Carlsson", "19120320", "Ängsvägen 14", "123 48", "Mellanstad", {}),
    ("region", "David", "Dahl", "19120405", "Lasarettsvägen 22", "123 45", "Mellanstad", {}),
    ("region", "Eva", "Ek", "19120518", "Sjövägen 2", "124 10", "Norrby", {"phone": "0612-123 45"}),
    ("region", "Fredrik", "Forsberg", "19120622", "Skolgatan 5", "124 11", "Norrby", {}),
    ("region", "Greta", "Gustafsson", "19120730", "Parkvägen 9", "124 12", "Norrby",
     {"stay_street": "Sommarstugan, Ön 4", "stay_postal_code": "124 90", "stay_city": "Skärhamn"}),
    ("region", "Hanna", "Holm", "20120812", "Ringvägen 40", "123 49", "Mellanstad",
     {"contact_name": "Maria Holm (förälder)", "contact_phone": "070-222 33 44"}),
    ("region", "Ivar", "Isaksson", "20120903", "Tallvägen 7", "123 49", "Mellanstad",
     {"contact_name": "Jonas Isaksson (förälder)", "contact_phone": "070-333 44 55"}),
    ("region", "Sara", "Skyddad", "19121009", "Box 100", "100 00", "Mellanstad",
     {"protected_identity": True, "stay_street": "Hemlig adress 1", "stay_postal_code": "123 99",
      "stay_city": "Mellanstad", "delivery_instructions": "Leverera endast via HMC:s chaufför."}),
    ("region", "Jan", "Jansson", "19121101", "Allégatan 1", "123 45", "Mellanstad", {}),
    ("kommun_a", "Karin", "Kvist", "19120111", "Åvägen 2", "234 56", "Åby", {}),
    ("kommun_a", "Lars", "Lind", "19120212", "Storgatan 30", "234 56", "Åby",
     {"stay_street": "Åbygårdens korttidsboende", "stay_postal_code": "234 60", "stay_city": "Åby"}),
    ("kommun_a", "Maja", "Mattsson", "19120313", "Bruksgatan 4", "234 57", "Åby", {}),
    ("kommun_a", "Nils", "Nyström", "19120414", "Hamngatan 6", "234 58", "Åby",
     {"delivery_instructions": "Hissen är liten – ring innan leverans av säng."}),
    ("kommun_a", "Olga", "Olsson", "19120515", "Kvarnvägen 11", "234 59", "Åby", {}),
    ("kommun_a", "Per", "Persson", "19120616", "Stationsgatan 3", "234 56", "Åby", {}),
    ("kommun_a", "Rut", "Rask", "19120717", "Lövvägen 19", "234 57", "Åby", {}),
    ("kommun_a", "Sven", "Sundberg", "19120818", "Smedjegatan 2", "234 58", "Åby", {}),
    ("kommun_a", "Tova", "Törnqvist", "20120919", "Skogsvägen 8", "234 59", "Åby",
     {"contact_name": "Anna Törnqvist (förälder)", "contact_phone": "070-444 55 66"}),
    ("kommun_b", "Ulla", "Ullman", "19120120", "Strandvägen 1", "345 67", "Östra Vik", {}),
    ("kommun_b", "Valter", "Vik", "19120221", "Backen 5", "345 67", "Östra Vik",
     {"stay_street": "Vikens äldreboende", "stay_postal_code": "345 70", "stay_city": "Östra Vik"}),
    ("kommun_b", "Wilma", "Wall", "19120322", "Fiskargatan 12", "345 68", "Östra Vik", {}),
    ("kommun_b", "Yngve", "Ytterberg", "19120423", "Byvägen 33", "345 69", "Östra Vik", {}),
    ("kommun_b", "Åsa", "Åberg", "19120524", "Kajen 4", "345 67", "Östra Vik", {}),
    ("kommun_b", "Örjan", "Öhman", "19120625", "Norra vägen 2", "345 68", "Östra Vik", {}),
    ("kommun_b", "Ärla", "Ängström", "19120726", "Södra vägen 9", "345 69", "Östra Vik", {}),
]
SAMORDNING = ("region", "Ahmed", "Samordning", "19850101", "Tillfälliga boendet 1", "123 45", "Mellanstad", {})
RESERV = ("region", "Okänd", "Reservpatient", "19450101-R001", "Akutmottagningen", "123 45", "Mellanstad", {})

DEMO_PRINCIPAL = Principal(perms={Perm.PATIENT_MANAGE, Perm.PATIENT_VIEW}, is_supply=True, label="demo")


def _number(date: str, serial: int, *, coordination: bool = False) -> str:
    if coordination:
        date = f"{date[:6]}{int(date[6:]) + 60:02d}"
    body = f"{date[2:]}{serial:03d}"
    return f"{date[:2]}{body}{luhn.calc_check_digit(body)}"


def demo_identity_numbers() -> list[str]:
    numbers = [_number(p[3], 100 + i) for i, p in enumerate(PEOPLE)]
    numbers.append(_number(SAMORDNING[3], 245, coordination=True))
    numbers.append(RESERV[3])
    return numbers


def load() -> str:
    customers = {k: Organisation.objects.filter(org_number=nr).first() for k, nr in CUSTOMERS.items()}
    if not all(customers.values()):
        return "demokunderna saknas (kör access.demo först)"
    first = _number(PEOPLE[0][3], 100)
    if Patient.objects.filter(identity_number=first).exists():
        return "finns redan"
    numbers = demo_identity_numbers()
    rows = [*PEOPLE, SAMORDNING, RESERV]
    for i, ((key, first_name, last_name, _date, street, postal, city, extras), number) in enumerate(zip(rows, numbers)):
        extras = {"phone": f"070-{100 + i:03d} 00 {10 + i:02d}", **extras}
        patient_create(
            DEMO_PRINCIPAL, identity_number=number, customer=customers[key], first_name=first_name,
            last_name=last_name, registered_street=street, registered_postal_code=postal, registered_city=city,
            allow_reserve=number == RESERV[3], **extras,
        )
    return f"{len(rows)} demopatienter"
