"""Exceptions under flytekit's module paths (``taskplug.exceptions.eager``)."""
