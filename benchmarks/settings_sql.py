"""Settings for the benchmark's yardstick server (`benchmarks/sql_endpoint.py`): Lyfta's test
settings plus one extra URL. Never used by Lyfta itself."""
from benchmarks.settings import *  # noqa: F401,F403

ROOT_URLCONF = "benchmarks.sql_endpoint"
