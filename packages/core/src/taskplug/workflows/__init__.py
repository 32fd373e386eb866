"""Workflows: ``@workflow``, promises, nodes, ``@dynamic``, per-node overrides, packaging.

Importing this package imports nothing else; the modules are loaded when used:

* :mod:`taskplug.workflows.workflow` — ``@workflow``, :class:`PythonFunctionWorkflow`,
  :class:`ImperativeWorkflow` (the API the eager plugin builds on), failure policy;
* :mod:`taskplug.workflows.promise` — :class:`Promise`, :class:`VoidPromise`;
* :mod:`taskplug.workflows.node` — :class:`Node` (``with_overrides``, ``runs_before``);
  :mod:`taskplug.workflows.state` — the compilation state, :func:`create_node`;
* :mod:`taskplug.workflows.dynamic` — ``@dynamic``, ``compile_into_workflow``;
* :mod:`taskplug.workflows.serialize` — ``WorkflowTemplate``, ``WorkflowSpec``, default launch
  plans, ``TaskSpec``; :mod:`taskplug.workflows.package` — ``taskplug package`` archives.

The user guide is ``docs/workflows.md``.
"""
