"""The ``taskplug`` entry point ``k8s-pod``: the hooks of the Kubernetes pod plugin.

Cheap to load: neither ``kubernetes`` nor the pod machinery is imported until a pod task is
declared or serialized.

* ``taskplug_add_hookspecs`` — adds the platform hooks of :mod:`taskplug_k8s_pod.hookspecs`;
* ``taskplug_register_task_types`` — registers :class:`~taskplug_k8s_pod.task.PodFunctionTask`
  for the ``Pod`` config, and serves every task that runs as a pod (a ``pod_template``, or pod
  output asked by the platform) for ``get_container`` (none), ``get_k8s_pod`` and
  ``get_config``;
* ``taskplug_configure_task`` — checks a pod task's template when it is declared;
* ``taskplug_node_pod_override`` — a workflow node's ``with_overrides(pod_template=...)``;
* ``taskplug_add_cli_commands`` — ``taskplug render-pod``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.plugin import hookimpl

if TYPE_CHECKING:
    import click
    import pluggy
    from flyteidl.core import tasks_pb2

    from taskplug.registry import TaskTypeRegistry
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

TASKPLUG_API_VERSION = "1.0"

_STATE_ATTR = "_taskplug_k8s_pod"  # taskplug_k8s_pod.pod.STATE_ATTR, without importing it
_HOOKS = ("taskplug_get_container", "taskplug_get_k8s_pod", "taskplug_get_config")


def runs_as_pod(task: PythonTask[Any]) -> bool:
    """Whether the plugin serves ``task``: it has a pod template, or the platform asked for pod
    output when it was declared."""
    if task.pod_template is not None:
        return True
    state = getattr(task, _STATE_ATTR, None)
    return state is not None and bool(state.pod_output)


@hookimpl
def taskplug_add_hookspecs(pluginmanager: pluggy.PluginManager) -> None:
    """The platform hooks: default template, named templates, pod output."""
    from taskplug_k8s_pod import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def taskplug_register_task_types(registry: TaskTypeRegistry) -> None:
    """``Pod`` → ``PodFunctionTask`` (type ``sidecar``); every pod task is served here."""
    from taskplug_k8s_pod.task import Pod, PodFunctionTask

    registry.add(PodFunctionTask, config_type=Pod)
    registry.serve(runs_as_pod, hooks=_HOOKS, description="tasks with a pod_template")


@hookimpl(trylast=True)
def taskplug_configure_task(task: PythonTask[Any]) -> None:
    """Check the pod of a pod task (after the platform's defaults): errors name task and field."""
    if task.pod_template is None and task.accelerator is None and not task.shared_memory:
        from taskplug_k8s_pod.task import PodFunctionTask

        if not isinstance(task, PodFunctionTask):
            return
    from taskplug_k8s_pod.pod import declare

    declare(task)


@hookimpl
def taskplug_get_container(
    task: PythonTask[Any], settings: SerializationSettings
) -> tasks_pb2.Container | None:
    """None: a pod task's container is the primary container of its pod."""
    return None


@hookimpl
def taskplug_get_config(task: PythonTask[Any], settings: SerializationSettings) -> dict[str, str]:
    """``{"primary_container_name": ...}``, as flytekit writes it."""
    from taskplug_k8s_pod.pod import state_of

    state = state_of(task)
    assert state is not None  # served tasks run as pods
    return {"primary_container_name": state.layer.primary}


@hookimpl
def taskplug_get_k8s_pod(
    task: PythonTask[Any], settings: SerializationSettings
) -> tasks_pb2.K8sPod:
    """The pod: the merged templates with the primary container filled in from the task."""
    from taskplug_k8s_pod.wire import k8s_pod

    return k8s_pod(task, settings)


@hookimpl
def taskplug_node_pod_override(
    task: PythonTask[Any], pod_template: Any, settings: SerializationSettings
) -> tasks_pb2.K8sPod | None:
    """A workflow node's ``with_overrides(pod_template=...)``, as flytekit writes it."""
    from taskplug_k8s_pod.wire import node_pod_override

    return node_pod_override(task, pod_template, settings)


@hookimpl
def taskplug_add_cli_commands(cli: click.Group) -> None:
    """``taskplug render-pod FILE TASK``."""
    from taskplug_k8s_pod.render import render_pod

    cli.add_command(render_pod)
