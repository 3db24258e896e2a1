from ordering.tests.conftest import shop, stocked  # noqa: F401  (shared fixtures)
