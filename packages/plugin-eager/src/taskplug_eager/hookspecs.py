"""Hook specifications the eager plugin adds (``taskplug_add_hookspecs``): execution backends.

A plugin that ships a backend implements::

    from taskplug.plugin import hookimpl

    @hookimpl
    def taskplug_eager_register_backends(backends):
        backends.add("k8s-jobs", K8sJobsBackend, description="each call a Kubernetes Job")

``K8sJobsBackend`` subclasses :class:`taskplug_eager.backends.Backend`. The eager plugin
registers its own ``local``, ``process`` and ``ray`` backends through this same hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskplug.hookspecs import hookspec

if TYPE_CHECKING:
    from taskplug_eager.backends import BackendRegistry


@hookspec
def taskplug_eager_register_backends(backends: BackendRegistry) -> None:
    """Register eager execution backends: ``backends.add(name, factory, description=...)``.

    Kind: set-up. Caller: the eager plugin, when a run starts, one plugin at a time (the
    plugin's name is recorded with each backend). ``factory(settings)`` builds a
    :class:`~taskplug_eager.backends.Backend` for one run. A name registered twice raises
    :class:`~taskplug.errors.DuplicateRegistrationError` naming both plugins. Return value:
    ignored.
    """
