"""Hooks the k8s-pod plugin adds (``taskplug_add_hookspecs``), for platform plugins.

A platform plugin implements any of them in its ``taskplug`` plugin module, like the core's
hooks (``from taskplug.plugin import hookimpl``). All three are ``firstresult``: the first
non-``None`` answer in pluggy order wins (``@hookimpl(tryfirst=True)`` to go first). They are
called when a task is declared, so their errors surface there, naming the plugin.

Example (``docs/pod.md`` runs it)::

    from taskplug import PodTemplate
    from taskplug.plugin import hookimpl

    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_k8s_pod_default_template(task):
        return PodTemplate(pod_spec={"tolerations": [{"key": "batch", "operator": "Exists"}]})

    @hookimpl
    def taskplug_k8s_pod_output(task):
        return True            # accelerators and shared memory go into the pod spec
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.hookspecs import hookspec

if TYPE_CHECKING:
    from taskplug.tasks.base import PythonTask


@hookspec(firstresult=True)
def taskplug_k8s_pod_default_template(task: PythonTask[Any]) -> Any:
    """The platform's default pod template for ``task``: the first layer of its pod.

    Kind: platform policy (``firstresult``). Caller: the k8s-pod plugin, when a task that runs
    as a pod is declared (a task with a ``pod_template``, a ``Pod`` task config, or one the
    platform asks pod output for). Return a ``taskplug.PodTemplate``, a dict of its fields, or
    ``None`` (no default). The task's own template is merged over it (see docs/pod.md); the
    result is written into the task template's pod spec.
    """


@hookspec(firstresult=True)
def taskplug_k8s_pod_named_template(template_name: str, task: PythonTask[Any]) -> Any:
    """The contents of the cluster's pod template ``template_name`` (``pod_template_name=``).

    Kind: platform knowledge (``firstresult``). Caller: the k8s-pod plugin, when a pod task with
    a ``pod_template_name`` is declared, and ``taskplug render-pod``. Return a
    ``taskplug.PodTemplate``, a dict of its fields, or ``None`` (unknown here). The named
    template is resolved by the cluster at run time, so its contents are not written into the
    task template; they are used to find contradictions with the task when it is declared and
    to show the complete pod in ``taskplug render-pod``.
    """


@hookspec(firstresult=True)
def taskplug_k8s_pod_output(task: PythonTask[Any]) -> bool | None:
    """Whether the task's accelerator and shared memory are written into its pod spec.

    Kind: platform policy (``firstresult``). Caller: the k8s-pod plugin, when a task with an
    accelerator or shared memory is declared. ``True``: the pod spec gets the accelerator's
    resource, node selector, tolerations and node affinity (from the accelerator catalogue) and
    a memory-backed ``/dev/shm`` volume, and a plain task without a pod template runs as a pod
    too; shared memory then leaves ``extended_resources`` (the pod carries it). ``None`` or
    ``False`` (the default): flytekit's wire form, where the cluster (Flyte propeller) applies
    ``extended_resources`` to the pod.
    """
