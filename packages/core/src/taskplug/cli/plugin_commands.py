"""Commands that plugins add to ``taskplug`` through the ``taskplug_add_cli_commands`` hook."""

from __future__ import annotations

import warnings

import click

from taskplug._loading import PluginWarning

__all__ = ["add_plugin_commands"]


def add_plugin_commands(group: click.Group) -> dict[str, str]:
    """Let each plugin add its commands to ``group``; returns ``{command: plugin}``.

    Implementations run one at a time (pluggy order), so each new command is attributed to
    its plugin. A plugin that replaces a command taskplug or an earlier plugin added is
    refused for that command (the first one stays) with a :class:`PluginWarning` naming both;
    a plugin whose hook raises is skipped with a warning and the others keep their commands.
    """
    from taskplug._manager import get_plugin_manager

    pm = get_plugin_manager()
    owners = {name: "taskplug" for name in group.commands}
    added: dict[str, str] = {}
    for plugin, call in pm.hooks.each("taskplug_add_cli_commands"):
        before = dict(group.commands)
        try:
            call(cli=group)
        except Exception as exc:
            group.commands.clear()
            group.commands.update(before)
            warnings.warn(
                f"{exc}; the commands of plugin {plugin!r} were not added",
                PluginWarning,
                stacklevel=2,
            )
            continue
        for name, command in list(group.commands.items()):
            old = before.get(name)
            if old is command:
                continue
            if old is not None:
                group.commands[name] = old
                warnings.warn(
                    f"plugin {plugin!r} adds a command {name!r}, but {owners[name]!r} already "
                    f"has one; keeping the command of {owners[name]!r}",
                    PluginWarning,
                    stacklevel=2,
                )
                continue
            owners[name] = plugin
            added[name] = plugin
    return added
