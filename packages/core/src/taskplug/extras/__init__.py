"""flytekit's ``flytekit.extras`` module paths: task kinds beyond ``@task`` (``extras.tasks``)
and PyTorch types (``extras.pytorch``; torch is imported only when a torch type is used)."""
