"""Tasks and workflows under functools.wraps decorators: the decorated function's signature is
the interface, the wrapper runs on every call."""

from functools import partial, wraps

from flytekit import task, workflow

EVENTS = []


def traced(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        EVENTS.append(f"enter {fn.__name__}")
        out = fn(*args, **kwargs)
        EVENTS.append(f"leave {fn.__name__} with {out}")
        return out

    return wrapper


def at_most(fn=None, *, ceiling=100):
    if fn is None:
        return partial(at_most, ceiling=ceiling)

    @wraps(fn)
    def wrapper(*args, **kwargs):
        out = fn(*args, **kwargs)
        if out > ceiling:
            raise ValueError(f"{fn.__name__} gave {out}, above {ceiling}")
        return out

    return wrapper


def passthrough(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


@task
@traced
def increment(x: int) -> int:
    """Add one."""
    return x + 1


@task
@traced
@at_most(ceiling=50)
def square(x: int) -> int:
    return x * x


@task
@traced
def label(x: int, prefix: str) -> str:
    return f"{prefix}-{x}"


@workflow
@passthrough
def pipeline(x: int) -> str:
    return label(x=square(x=increment(x=x)), prefix="result")


if __name__ == "__main__":
    print(list(increment.python_interface.inputs.items()))
    print(list(square.python_interface.outputs.items()))
    print(list(pipeline.python_interface.inputs.items()))
    EVENTS.clear()
    print(increment(x=3))
    print(EVENTS)
    EVENTS.clear()
    print(pipeline(x=4))
    print(EVENTS)
    try:
        square(x=9)
    except Exception as exc:
        print("refused:", "gave 81, above 50" in str(exc))
