"""flytekit's ``flytekit.extras`` module paths: task kinds beyond ``@task`` (``extras.tasks``)."""
