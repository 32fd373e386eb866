"""A test kit for plugin authors (also registered as a pytest plugin: ``taskplug``).

Fixtures (from the pytest plugin): ``taskplug_pm`` gives each test a fresh plugin manager;
``make_plugin_dist`` writes a real distribution (dist-info with entry points) for discovery
tests. Checks any plugin can run on its own task types:

- :func:`check_template_roundtrip` — the template serializes (every hook answer checked) and
  survives protobuf bytes;
- :func:`check_hook_answers` — each hook a plugin implements answers as documented (owned
  hooks, registrations, transformers, pre/post execute);
- :func:`check_foreign_tasks_untouched` — installing the plugin changes no template of a task
  it does not own;
- :func:`check_local_matches_container` — a local call and a container-style run (in this
  process, or through a real ``taskplug-execute`` with ``entrypoint=True``) agree;
- :func:`check_import_budget` — importing the plugin loads no heavy library and few modules
  beyond taskplug's (load-independent; a time budget is optional);
- :func:`check_task_type` — all of the above for one task.

For type-transformer plugins:

- :func:`check_transformer_roundtrip` — values of a type survive conversion exactly: to a
  literal and back, through protobuf bytes, through the plain-data form, inside lists, dicts,
  ``Optional`` and dataclasses (hypothesis-driven when given a strategy).

flytekit's testing helpers (``flytekit.testing``): :func:`task_mock` and :func:`patch` (replace
what a task, workflow or reference does), :class:`SecretsManager` (where a task reads a secret
from, so a test can set it).

And helpers: :func:`serialize_task_module` (serialize a task module in a fresh interpreter that
never imports your plugin), :func:`fresh_plugin_manager`, :func:`make_distribution`,
:mod:`taskplug.testing.venv` (throwaway virtual environments).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Exported lazily (PEP 562): pytest imports this package for its plugin at every start-up.
_EXPORTS = {
    "HEAVY_MODULES": "taskplug.testing.imports",
    "ImportCost": "taskplug.testing.imports",
    "ModuleTemplates": "taskplug.testing.modules",
    "TaskError": "taskplug.testing.modules",
    "check_foreign_tasks_untouched": "taskplug.testing.foreign",
    "check_hook_answers": "taskplug.testing.checks",
    "check_import_budget": "taskplug.testing.imports",
    "check_local_matches_container": "taskplug.testing.execution",
    "check_task_type": "taskplug.testing.checks",
    "check_template_roundtrip": "taskplug.testing.checks",
    "check_transformer_roundtrip": "taskplug.testing.transformers",
    "fresh_plugin_manager": "taskplug.testing.manager",
    "make_distribution": "taskplug.testing.dist",
    "run_in_entrypoint": "taskplug.testing.execution",
    "serialize_task_module": "taskplug.testing.modules",
    # issue 15, workstream CTX: flytekit.testing's names
    "SecretsManager": "taskplug.runtime.secrets",
    "patch": "taskplug.testing.mocking",
    "task_mock": "taskplug.testing.mocking",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from taskplug.runtime.secrets import SecretsManager as SecretsManager
    from taskplug.testing.checks import (
        check_hook_answers as check_hook_answers,
    )
    from taskplug.testing.checks import (
        check_task_type as check_task_type,
    )
    from taskplug.testing.checks import (
        check_template_roundtrip as check_template_roundtrip,
    )
    from taskplug.testing.dist import make_distribution as make_distribution
    from taskplug.testing.execution import (
        check_local_matches_container as check_local_matches_container,
    )
    from taskplug.testing.execution import run_in_entrypoint as run_in_entrypoint
    from taskplug.testing.foreign import (
        check_foreign_tasks_untouched as check_foreign_tasks_untouched,
    )
    from taskplug.testing.imports import HEAVY_MODULES as HEAVY_MODULES
    from taskplug.testing.imports import ImportCost as ImportCost
    from taskplug.testing.imports import check_import_budget as check_import_budget
    from taskplug.testing.manager import fresh_plugin_manager as fresh_plugin_manager
    from taskplug.testing.mocking import patch as patch
    from taskplug.testing.mocking import task_mock as task_mock
    from taskplug.testing.modules import ModuleTemplates as ModuleTemplates
    from taskplug.testing.modules import TaskError as TaskError
    from taskplug.testing.modules import serialize_task_module as serialize_task_module
    from taskplug.testing.transformers import (
        check_transformer_roundtrip as check_transformer_roundtrip,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'taskplug.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
