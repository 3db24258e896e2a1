"""Demo system clients with fixed, documented tokens. Created only by `seed_demo`, which
refuses to run without demo settings; the clients are flagged `is_demo` and their tokens are
refused outside demo settings even if the rows were copied to another database."""
from access.models import ApiClient, Organisation
from access.services import api_client_create

DEMO_CLIENTS = [
    ("demo-region", "demo-region-token", Organisation.Kind.REGION),
    ("demo-supply", "demo-supply-token", Organisation.Kind.SUPPLY_CENTRE),
]


def load() -> str:
    created = 0
    for name, token, kind in DEMO_CLIENTS:
        if ApiClient.objects.filter(name=name).exists():
            continue
        org = Organisation.objects.filter(kind=kind).order_by("pk").first()
        if org is None:
            continue
        api_client_create(actor=None, name=name, organisation=org, token=token, is_demo=True)
        created += 1
    return f"{created} demo-API-klienter"
