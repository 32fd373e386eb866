"""A test kit for task-type authors (also registered as a pytest plugin: ``taskplug``).

Fixtures (from the pytest plugin): ``taskplug_pm`` gives each test a fresh plugin manager;
``make_plugin_dist`` writes a real distribution (dist-info with entry points) for discovery
tests. Checks any task-type plugin can run on its own task types:

- :func:`check_template_roundtrip` — the template serializes and survives protobuf bytes;
- :func:`check_local_matches_container` — a local call and a container-style run (inputs and
  outputs through serialized ``LiteralMap`` bytes) give the same result;
- :func:`check_hook_answers` — each hook a plugin implements answers as documented;
- :func:`check_import_budget` — importing the plugin module stays within a time budget;
- :func:`check_task_type` — all of the above for one task.
"""

from __future__ import annotations

from taskplug.testing.checks import (
    check_hook_answers,
    check_import_budget,
    check_local_matches_container,
    check_task_type,
    check_template_roundtrip,
)
from taskplug.testing.dist import make_distribution
from taskplug.testing.manager import fresh_plugin_manager

__all__ = [
    "check_hook_answers",
    "check_import_budget",
    "check_local_matches_container",
    "check_task_type",
    "check_template_roundtrip",
    "fresh_plugin_manager",
    "make_distribution",
]
