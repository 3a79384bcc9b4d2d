"""Hypothesis profiles of the property battery.

The default profile ``"snnlab"`` is derandomized (the same examples on every run, so CI is
deterministic), keeps no example database and bounds the examples per test so that the whole
battery stays well under a minute. ``SNNLAB_HYPOTHESIS=explore`` selects ``"explore"``: random
examples, ten times as many, for hunting new defects locally.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "snnlab",
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "explore",
    max_examples=200,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("SNNLAB_HYPOTHESIS", "snnlab"))
