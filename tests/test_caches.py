"""Generational caches (core.cache) and every family that uses one: a change is seen at once in
this process — by the next read in the same transaction and after commit — so no cached value
outlives the change that made it wrong (issue 9: the submission path reads these on every order)."""
from decimal import Decimal

import pytest
from django.db import transaction

from access.models import CustomerPrescribingTerms
from access.selectors import customer_cost_ceiling
from catalogue import services as catalogue_services
from catalogue.models import Article, IsoClass, PrescribingLevel
from catalogue.prescribing import prescribing_rule_set, prescribing_rules_for
from catalogue.tests.conftest import base_records, write_jsonl  # noqa: F401, F811  (fixture)
from core.cache import Generation
from integration import services as integration_services
from integration.models import Delivery
from ordering.tests.conftest import make_order, shop  # noqa: F401, F811  (fixture)
from tests import factories as f


def test_a_generation_caches_until_invalidated_and_caches_nothing_too(db):
    gen = Generation("test_family", 60)
    calls = []

    def compute():
        calls.append(1)
        return None  # "nothing" is a value too: cached, not recomputed

    assert gen.get("k", compute) is None and gen.get("k", compute) is None
    assert len(calls) == 1
    gen.invalidate()
    assert gen.get("k", compute) is None and len(calls) == 2
    many = gen.get_many([1, 2], lambda missing: {k: k * 10 for k in missing if k == 1})
    assert many == {1: 10, 2: None}
    assert gen.get_many([1, 2], lambda missing: pytest.fail(f"recomputed {missing}")) == {1: 10, 2: None}


@pytest.mark.django_db(transaction=True)
def test_invalidation_inside_a_transaction_holds_after_commit():
    gen = Generation("test_commit", 60)
    value = {"v": 1}
    assert gen.get("k", lambda: value["v"]) == 1
    with transaction.atomic():
        value["v"] = 2
        gen.invalidate()
        assert gen.get("k", lambda: value["v"]) == 2  # the transaction's own later reads
        value["v"] = 3  # e.g. another connection cached a value while this was uncommitted
        assert gen.get("k", lambda: value["v"]) == 2
    assert gen.get("k", lambda: value["v"]) == 3  # after commit: a new generation again


def test_a_deactivated_api_client_is_refused_at_once(world):
    from django.test import Client

    client_row = f.api_client(world["region"], "tok-cache")
    http = Client(HTTP_AUTHORIZATION="Bearer tok-cache")
    assert http.get("/api/v1/me").status_code == 200
    assert http.get("/api/v1/me").status_code == 200  # cached now
    client_row.is_active = False
    client_row.save()
    assert http.get("/api/v1/me").status_code == 401
    client_row.is_active = True
    client_row.save()
    assert http.get("/api/v1/me").status_code == 200
    org = world["region"]
    org.is_active = False
    org.save()
    assert http.get("/api/v1/me").status_code == 401


def test_a_new_subscription_gets_the_next_event(shop, world):  # noqa: F811
    from access.principal import principal_for_client

    make_order(shop)  # caches "no subscriptions" for the region
    assert not Delivery.objects.exists()
    principal = principal_for_client(f.api_client(world["region"], "tok-sub"))
    sub = integration_services.subscription_create(principal, target_url="http://127.0.0.1:1/hook")
    make_order(shop)
    assert Delivery.objects.filter(subscription=sub).count() == 2  # draft + submitted
    integration_services.subscription_delete(principal, sub.pk)
    make_order(shop)
    assert Delivery.objects.filter(subscription=sub).count() == 2


def test_a_changed_cost_ceiling_applies_to_the_next_order(world):
    customer = world["region"]
    assert customer_cost_ceiling(customer.pk) is None
    terms = CustomerPrescribingTerms.objects.create(organisation=customer, cost_ceiling=Decimal("100"))
    assert customer_cost_ceiling(customer.pk) == Decimal("100")
    terms.cost_ceiling = Decimal("250")
    terms.save()
    assert customer_cost_ceiling(customer.pk) == Decimal("250")
    terms.delete()
    assert customer_cost_ceiling(customer.pk) is None


def test_prescribing_rules_follow_rule_changes_and_the_catalogue_import(write_jsonl, make_user):  # noqa: F811
    from access.roles import Role

    catalogue_services.catalogue_import(write_jsonl(base_records(), name="v1.jsonl"))
    a1 = Article.objects.get(article_number="A1")
    assert prescribing_rules_for([a1])[a1.pk].level == PrescribingLevel.OPEN
    handler = make_user(Role.ASSORTMENT_MANAGER)
    prescribing_rule_set(actor=handler, level=PrescribingLevel.CONSULTATION, iso_class=IsoClass.objects.get(code="1222"))
    assert prescribing_rules_for([a1])[a1.pk].level == PrescribingLevel.CONSULTATION  # the class's rule
    # The import moves the product to another class (written in bulk, no signals): the rule follows.
    records = base_records()
    records[4]["iso_code"] = "12"
    catalogue_services.catalogue_import(write_jsonl(records, name="v2.jsonl"))
    assert Article.objects.get(pk=a1.pk).product.iso_class.code == "12"
    assert prescribing_rules_for([a1])[a1.pk].level == PrescribingLevel.OPEN


def _redis_up() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379 (LYFTA_CACHE_URL is optional)")
def test_with_lyfta_cache_url_every_process_sees_an_invalidation_at_once(settings, db):
    """Two cache connections stand for two gunicorn processes sharing Redis."""
    from django.core.cache import caches

    from config.settings.base import cache_config

    settings.CACHES = cache_config("redis://127.0.0.1:6379/15")
    caches["default"].clear()
    try:
        gen = Generation("test_shared", 60)
        assert gen.get("k", lambda: "old") == "old"
        other = caches.create_connection("default")  # another process's connection
        assert other.get(f"lyfta:test_shared:{other.get('lyfta:gen:test_shared', 0)}:k") == "old"
        gen.invalidate()
        assert other.get(f"lyfta:test_shared:{other.get('lyfta:gen:test_shared', 0)}:k") is None
    finally:
        caches["default"].clear()


def test_lyfta_cache_url_must_be_redis():
    from config.settings.base import cache_config

    assert cache_config("")["default"]["BACKEND"].endswith("LocMemCache")
    assert cache_config("redis://127.0.0.1:6379/0")["default"]["BACKEND"].endswith("RedisCache")
    with pytest.raises(ValueError):
        cache_config("memcached://x")
