"""flytekit's ``flytekit.models.core`` path (:mod:`taskplug.models.core.types`)."""
