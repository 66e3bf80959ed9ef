"""The platform's settings with the test-only sample module installed."""

from coproduce.settings import *  # noqa: F403
from coproduce.settings import COPRODUCE_MODULES, INSTALLED_APPS

COPRODUCE_MODULES = [*COPRODUCE_MODULES, "tests.sample_module"]
INSTALLED_APPS = [*INSTALLED_APPS[:-1], "tests.sample_module", INSTALLED_APPS[-1]]
