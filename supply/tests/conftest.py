from ordering.tests.conftest import _postgres_only, shop, stocked  # noqa: F401  (shared fixtures)
