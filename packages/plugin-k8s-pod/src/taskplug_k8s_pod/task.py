"""The legacy ``Pod`` task config (flytekitplugins-pod's): ``@task(task_config=Pod(...))``.

New code should prefer ``@task(pod_template=PodTemplate(...))``, which keeps the task type
``python-task``. ``Pod`` gives the task type ``sidecar`` (``task_type_version`` 2), the
``k8s_pod`` target and ``config == {"primary_container_name": ...}``, as flytekitplugins-pod
1.16 writes them; its labels and annotations go to the pod's metadata.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from taskplug.pod_template import PRIMARY_CONTAINER_DEFAULT_NAME
from taskplug.tasks.base import LocalExecutionWarning
from taskplug.tasks.function import PythonFunctionTask

__all__ = ["Pod", "PodFunctionTask"]


@dataclass
class Pod:
    """A task config that runs the task as a whole pod (flytekitplugins-pod's ``Pod``).

    ``pod_spec``: a ``kubernetes.client.V1PodSpec`` or a dict (camelCase or snake_case);
    ``primary_container_name``: the container that runs the task (inserted when the spec has
    none of that name); ``labels`` / ``annotations``: the pod's metadata.
    """

    pod_spec: Any
    primary_container_name: str = PRIMARY_CONTAINER_DEFAULT_NAME
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if self.pod_spec is None:
            raise ValueError("Pod(pod_spec=...) needs a pod spec (a V1PodSpec or a dict)")
        if not isinstance(self.primary_container_name, str) or not self.primary_container_name:
            raise ValueError(
                "Pod(primary_container_name=...) takes a non-empty container name, got "
                f"{self.primary_container_name!r}"
            )


class PodFunctionTask(PythonFunctionTask[Pod]):
    """A function task whose pod comes from a :class:`Pod` config (task type ``sidecar``).

    Its pod is checked when it is declared (by the plugin's ``taskplug_configure_task``).
    """

    task_type = "sidecar"

    def __init__(self, task_config: Pod, task_function: Any, **kwargs: Any) -> None:
        kwargs.setdefault("task_type_version", 2)
        super().__init__(task_config, task_function, **kwargs)
        self._pod_warned = False

    def local_execute(self, **kwargs: Any) -> Any:
        """Run the function locally, warning once that the pod itself is not honoured here."""
        if not self._pod_warned:
            self._pod_warned = True
            warnings.warn(
                f"task {self.name!r} runs locally: its pod (task_config=Pod) cannot be honoured "
                "here and is ignored for local runs (it applies when the task runs in a cluster)",
                LocalExecutionWarning,
                stacklevel=3,
            )
        return super().local_execute(**kwargs)
