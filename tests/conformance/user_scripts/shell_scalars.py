"""Shell tasks with scalar inputs, a script file and debug output (flytekit's ShellTask)."""

import datetime
import os

from flytekit import kwtypes, task, workflow
from flytekit.extras.tasks.shell import ShellTask

greet = ShellTask(
    name="greet",
    debug=True,
    script="""
    echo "hello {inputs.name}"
    echo "{inputs.count} times at {inputs.when}"
    """,
    inputs=kwtypes(name=str, count=int, when=datetime.datetime),
)

with open("sum.sh", "w") as fh:
    fh.write("echo $(( {inputs.a} + {inputs.b} ))\nprintf 'line\\n%s\\n' second\n")

add = ShellTask(
    name="add",
    script_file=os.path.abspath("sum.sh"),
    inputs=kwtypes(a=int, b=int),
    shell="/bin/bash",
)

quiet = ShellTask(name="quiet", script="true", inputs=kwtypes())


@task
def double(n: int) -> int:
    return n * 2


@workflow
def pipeline(n: int) -> None:
    m = double(n=n)
    add(a=m, b=n)
    quiet()


if __name__ == "__main__":
    when = datetime.datetime(2024, 5, 17, 8, 30)
    print("greet returned", greet(name="ann", count=3, when=when))
    print("add returned", add(a=2, b=5))
    print("script file kept:", add.script_file == os.path.abspath("sum.sh"))
    print("result:", add.result.returncode, repr(add.result.output))
    print("pipeline returned", pipeline(n=4))
    print(greet.name, greet.task_type, sorted(greet.python_interface.inputs))
