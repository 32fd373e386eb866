"""Indexing task outputs in a workflow: list items, dict keys, dataclass fields, nested."""

from dataclasses import dataclass

from flytekit import task, workflow


@dataclass
class Crate:
    label: str
    items: list[str]
    weights: dict[str, int]


@task
def inventory() -> list[str]:
    return ["apple", "pear", "plum"]


@task
def prices() -> dict[str, float]:
    return {"apple": 0.5, "pear": 0.75}


@task
def crate() -> Crate:
    return Crate(label="C-7", items=["fig", "date"], weights={"fig": 3, "date": 2})


@task
def crates() -> list[Crate]:
    return [Crate("A", ["kiwi"], {"kiwi": 1}), Crate("B", ["lime", "yuzu"], {"yuzu": 4})]


@task
def line(name: str, price: float) -> str:
    return f"{name}: {price}"


@task
def shout(text: str) -> str:
    return text.upper()


@task
def weigh(grams: int) -> str:
    return f"{grams} g"


@workflow
def first_item() -> str:
    items = inventory()
    return line(name=items[1], price=prices()["pear"])


@workflow
def crate_fields() -> tuple[str, str, str]:
    c = crate()
    return shout(text=c.label), shout(text=c.items[0]), weigh(grams=c.weights["date"])


@workflow
def nested() -> tuple[str, str]:
    all_crates = crates()
    return shout(text=all_crates[1].items[1]), weigh(grams=all_crates[0].weights["kiwi"])


if __name__ == "__main__":
    print(first_item())
    label, first, weight = crate_fields()
    print(label, first, weight)
    print(*nested(), sep=" | ")
