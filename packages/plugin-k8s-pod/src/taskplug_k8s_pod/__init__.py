"""taskplug-k8s-pod: placeholder.

This distribution is reserved for the k8s-pod task types of taskplug. Its task types have not
been built yet: importing it gives you nothing but this note and the version, and it
registers no plugin (it declares no `taskplug` entry point), so nothing pretends to work.
"""

__version__ = "0.1.0"
