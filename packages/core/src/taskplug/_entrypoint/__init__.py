"""Helpers of ``taskplug-execute`` (storage and error documents); not a public API."""
