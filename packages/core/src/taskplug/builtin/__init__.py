"""taskplug's own plugins, registered through the ``taskplug`` entry-point group like any other."""
