from ordering.tests.conftest import shop, stocked  # noqa: F401  (order fixtures)
