"""What a task run can reach at run time, in flytekit's shapes.

``taskplug.current_context()`` returns the run's
:class:`~taskplug.context.ExecutionParameters`; the objects it hands out live here and are
imported only when a task first asks for them, so a local call that reads none of them pays
nothing:

- :mod:`~taskplug.runtime.identifiers` — ``WorkflowExecutionIdentifier`` and ``Identifier``
  (``current_context().execution_id`` / ``.task_id``);
- :mod:`~taskplug.runtime.secrets` — ``SecretsManager`` (``current_context().secrets``);
- :mod:`~taskplug.runtime.checkpoint` — ``Checkpoint`` / ``SyncCheckpoint``
  (``current_context().checkpoint``);
- :mod:`~taskplug.runtime.file_access` — ``FileAccessProvider``: random local and remote
  paths, uploads and downloads on fsspec (``FlyteContext.file_access``);
- :mod:`~taskplug.runtime.flyte_context` — ``FlyteContext`` / ``FlyteContextManager``, the
  "everything" context flytekit-written code reads (also at ``taskplug.core.context_manager``);
- :mod:`~taskplug.runtime.stats` — ``MockStats`` (``current_context().stats``).
"""
