"""Study tool: try flytekit's published examples (flytesnacks) on taskplug.

Modules, in the order the tool uses them:

- ``discover``: the example scripts of a flytesnacks checkout, by section;
- ``rewrite``: the import-rewriting rule (``flytekit`` imports become ``taskplug`` imports);
- ``apiscan``: which flytekit names and calls a script uses (static, from its syntax tree);
- ``probe``: which of those names the taskplug interpreter provides;
- ``runner``: one isolated run of a script (temporary copy, no network, timeout);
- ``outcome``: what a run did (exit, first error, normalised stdout) and the verdict;
- ``report``: the rich table and the JSON report.

Nothing here imports flytekit or taskplug: both are only run in subprocesses, through the
interpreters given on the command line.
"""
