"""Echo tasks and the imperative Workflow builder (flytekit's conditional and imperative
examples)."""

from flytekit import Workflow, task
from flytekit.core.task import Echo


@task
def square(x: float) -> float:
    return x * x


echo_radius = Echo(name="echo_radius", inputs={"radius": float})
echo_pair = Echo(name="echo_pair", inputs={"a": int, "b": str})

wb = Workflow(name="lp_echo_imperative.builder")
wb.add_workflow_input("r", float)
first = wb.add_entity(echo_radius, radius=wb.inputs["r"])
second = wb.add_entity(square, x=first.outputs["o0"])
wb.add_workflow_output("area", second.outputs["o0"])

if __name__ == "__main__":
    print(echo_radius(radius=2.5))
    print(tuple(echo_pair(a=1, b="one")))
    print(echo_radius.python_interface.outputs, echo_pair.python_interface.outputs)
    print(wb(r=3.0))
    print(wb.name, list(wb.python_interface.inputs), list(wb.python_interface.outputs))
