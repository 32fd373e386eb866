"""``PodTemplate``: run a task as a whole Kubernetes pod (``@task(pod_template=...)``).

A light data class, as flytekit's ``flytekit.PodTemplate``: nothing here imports
``kubernetes``. The template is read, checked and turned into the task template's ``k8s_pod``
target by the ``taskplug-k8s-pod`` plugin (``pip install 'taskplug[k8s-pod]'``); without that
plugin a task with a pod template cannot be serialized (and says so).

``pod_spec`` is a ``kubernetes.client.V1PodSpec`` or a plain dict in Kubernetes' camelCase
(``{"containers": [...], "nodeSelector": {...}}``) or the client's snake_case; ``None`` is an
empty spec (the primary container is inserted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["PRIMARY_CONTAINER_DEFAULT_NAME", "PodTemplate"]

#: The name of the container that runs the task when the template does not say (flytekit's).
PRIMARY_CONTAINER_DEFAULT_NAME = "primary"


@dataclass
class PodTemplate:
    """A pod spec plus the name of the container that runs the task, labels and annotations.

    ```python
    from taskplug import PodTemplate, task

    @task(pod_template=PodTemplate(
        pod_spec={"containers": [{"name": "primary"}, {"name": "proxy", "image": "envoy:1"}]},
        labels={"team": "ml"},
    ))
    def train() -> None: ...
    ```

    The primary container (``primary_container_name``) gets the task's image, command,
    resources and environment when the task is serialized; every other part of the spec is kept.
    """

    pod_spec: Any = None
    primary_container_name: str = PRIMARY_CONTAINER_DEFAULT_NAME
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.primary_container_name, str) or not self.primary_container_name:
            raise ValueError(
                "PodTemplate(primary_container_name=...) takes a non-empty container name, got "
                f"{self.primary_container_name!r}"
            )
        for what in ("labels", "annotations"):
            value = getattr(self, what)
            if value is not None and not (
                isinstance(value, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
            ):
                raise ValueError(
                    f"PodTemplate({what}=...) takes a dict of str to str, got {value!r}"
                )
