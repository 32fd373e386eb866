"""flytekit's ``flytekit.core.*`` module paths, as thin re-exports of taskplug's own modules.

Code written for flytekit imports some names from ``flytekit.core.<module>`` (``from
flytekit.core.task import Echo``); the same import works here with ``taskplug.core.<module>``.
Each module only re-exports; the implementations live in ``taskplug.tasks`` and
``taskplug.workflows``. Importing this package imports nothing else.
"""
