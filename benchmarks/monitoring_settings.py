"""The site's own settings, plus the benchmark's bare endpoint (monitoring_urls): for
`benchmarks/monitoring_check_ins.py` only. Nothing here is in the product."""

from coproduce.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.monitoring_urls"
