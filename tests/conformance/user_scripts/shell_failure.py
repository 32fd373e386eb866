# user-script: fails="Failed to Execute Script, return-code 3"
"""A shell task whose script fails: both libraries raise with the return code."""

from flytekit import kwtypes
from flytekit.extras.tasks.shell import ShellTask

check = ShellTask(
    name="check",
    script="echo checking {inputs.path}; exit 3",
    inputs=kwtypes(path=str),
)

if __name__ == "__main__":
    check(path="/nowhere")
