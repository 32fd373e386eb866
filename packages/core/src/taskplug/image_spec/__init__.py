"""``ImageSpec``: a container image described as data (flytekit's ``flytekit.image_spec``).

``task(container_image=ImageSpec(...))`` writes the spec's image name into the task's template.
Nothing is built by taskplug itself: a plugin may build images through the
``taskplug_build_image`` hook (see :mod:`taskplug.hookspecs`).
"""

from taskplug.image_spec.image_spec import CopyFileDetection, ImageSpec

__all__ = ["CopyFileDetection", "ImageSpec"]
