"""Shared test set-up: the engine importable from the repository root, and Hypothesis profiles.

Profiles (choose with ``HYPOTHESIS_PROFILE=name``):
- ``ci`` (default): enough examples to catch regressions, the whole engine suite in well under a minute on
  two cores; no example database, so a run leaves no files behind;
- ``thorough``: ten times the examples, for a hunt before a release;
- ``dev``: a handful of examples, for a quick loop while editing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("ci", max_examples=40, **_COMMON)
settings.register_profile("thorough", max_examples=400, **_COMMON)
settings.register_profile("dev", max_examples=5, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
