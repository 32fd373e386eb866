"""``flytekit.core.data_persistence``'s names."""

from taskplug.runtime.file_access import FileAccessProvider, default_file_access, get_protocol


def __getattr__(name: str) -> object:
    # flytekit's module-level default provider, made on first use here
    if name == "default_local_file_access_provider":
        return default_file_access()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FileAccessProvider", "get_protocol"]
