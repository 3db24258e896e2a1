"""API bounds found by the fuzz run: a huge page or customer_id reached PostgreSQL ("bigint out of
range", 500); the schema bounds them, so they are refused with 422 before any query."""
import pytest


@pytest.mark.parametrize("query", [{"page": 10**12}, {"page_size": 10**6}, {"customer_id": 10**20}, {"page": 0}])
def test_out_of_range_paging_and_ids_are_422_not_500(api, query):
    r = api.region.get("/api/v1/invoicing/months/2026-12/lines", query)
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json", r.content
