"""A task type that shouts: added to taskplug through hooks only."""

from dataclasses import dataclass
from typing import Any

from taskplug import PythonFunctionTask
from taskplug.plugin import hookimpl

TASKPLUG_API_VERSION = "1.0"


@dataclass
class Shout:  # the task_config that selects this task type
    times: int = 1
    punctuation: str = "!"


class ShoutTask(PythonFunctionTask[Shout]):  # upper-cases and repeats what the function returns
    task_type = "shout"

    def execute(self, **kwargs: Any) -> Any:
        cfg = self.task_config or Shout()
        text = str(self.task_function(**kwargs)).upper() + cfg.punctuation
        return " ".join([text] * cfg.times)


@hookimpl
def taskplug_register_task_types(registry: Any) -> None:
    registry.add(ShoutTask, config_type=Shout)  # this plugin owns ShoutTask and its templates


@hookimpl
def taskplug_get_custom(task: ShoutTask, settings: Any) -> dict[str, Any]:
    cfg = task.task_config or Shout()  # asked only for the tasks this plugin owns
    return {"times": cfg.times, "punctuation": cfg.punctuation}
