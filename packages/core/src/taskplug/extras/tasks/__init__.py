"""Task kinds from flytekit's ``flytekit.extras.tasks``: :mod:`taskplug.extras.tasks.shell`."""
