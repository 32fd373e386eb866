"""Workflows: ``@workflow``, promises, nodes, ``@dynamic``, per-node overrides, packaging.

Importing this package imports nothing else; the modules are loaded when used:

* :mod:`taskplug.workflows.workflow` — ``@workflow``, :class:`PythonFunctionWorkflow`,
  :class:`ImperativeWorkflow` (the API the eager plugin builds on), failure policy;
* :mod:`taskplug.workflows.promise` — :class:`Promise`, :class:`VoidPromise`;
* :mod:`taskplug.workflows.node` — :class:`Node` (``with_overrides``, ``runs_before``);
  :mod:`taskplug.workflows.state` — the compilation state, :func:`create_node`;
* :mod:`taskplug.workflows.dynamic` — ``@dynamic``, ``compile_into_workflow``;
* :mod:`taskplug.workflows.condition` — ``conditional(...)`` (:mod:`~taskplug.workflows.branch`:
  the branch node; :mod:`~taskplug.workflows.expressions`: ``p > 1``, ``p.is_true()``, ``&``);
  :mod:`taskplug.workflows.attr_path` — ``p[0]``, ``p["key"]``, ``p.field``;
* :mod:`taskplug.workflows.array_node` — ``map_task``, ``ArrayNodeMapTask`` (local runs:
  :mod:`~taskplug.workflows.array_run`);
* :mod:`taskplug.workflows.serialize` — ``WorkflowTemplate``, ``WorkflowSpec``, default launch
  plans, ``TaskSpec``; :mod:`taskplug.workflows.package` — ``taskplug package`` archives.

The user guide is ``docs/workflows.md``.
"""
