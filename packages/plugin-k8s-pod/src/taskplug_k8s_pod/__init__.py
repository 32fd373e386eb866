"""taskplug-k8s-pod: run any taskplug task as a whole Kubernetes pod.

```python
from taskplug import PodTemplate, Resources, task

@task(
    requests=Resources(cpu="1", mem="1Gi"),
    pod_template=PodTemplate(
        pod_spec={
            "containers": [{"name": "primary"}, {"name": "proxy", "image": "envoy:v1.30"}],
            "nodeSelector": {"pool": "batch"},
        },
        labels={"team": "ml"},
    ),
)
def train(epochs: int) -> float: ...
```

The task keeps the type ``python-task``; its template gets a ``k8s_pod`` target (no
``container``) whose primary container runs the task, and ``config == {"primary_container_name":
"primary"}``, as flytekit writes it. The legacy ``@task(task_config=Pod(pod_spec=...))`` of
flytekitplugins-pod gives the type ``sidecar``. Pod specs may be ``kubernetes`` client models or
plain dicts (camelCase or snake_case); ``kubernetes`` itself is never imported by this package.

``taskplug render-pod FILE TASK`` prints the complete Pod manifest; docs/pod.md explains how a
pod is assembled and which hooks a platform plugin can implement
(:mod:`taskplug_k8s_pod.hookspecs`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Pod": "taskplug_k8s_pod.task",
    "PodFunctionTask": "taskplug_k8s_pod.task",
    "PodSpecError": "taskplug_k8s_pod.spec",
    "PodTemplate": "taskplug.pod_template",
    "render_manifest": "taskplug_k8s_pod.render",
}
__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:
    from taskplug.pod_template import PodTemplate as PodTemplate
    from taskplug_k8s_pod.render import render_manifest as render_manifest
    from taskplug_k8s_pod.spec import PodSpecError as PodSpecError
    from taskplug_k8s_pod.task import Pod as Pod
    from taskplug_k8s_pod.task import PodFunctionTask as PodFunctionTask


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'taskplug_k8s_pod' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
