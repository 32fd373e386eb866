"""Conditions on task outputs: is_true / is_false / is_none, two promises, nested, void branches."""

import typing

from flytekit import conditional, task, workflow


@task
def is_even(n: int) -> bool:
    return n % 2 == 0


@task
def halve(n: int) -> typing.Optional[int]:
    return n // 2 if n % 2 == 0 else None


@task
def label(text: str) -> str:
    return text.upper()


@task
def announce(text: str) -> None:
    print(f"announce: {text}")


@workflow
def parity(n: int) -> str:
    even = is_even(n=n)
    return (
        conditional("parity")
        .if_(even.is_true())
        .then(label(text="even"))
        .else_()
        .then(label(text="odd"))
    )


@workflow
def oddness(n: int) -> str:
    even = is_even(n=n)
    return (
        conditional("oddness")
        .if_(even.is_false())
        .then(label(text="odd"))
        .else_()
        .then(label(text="even"))
    )


@workflow
def half_or_nothing(n: int, limit: int = 10) -> str:
    half = halve(n=n)
    return (
        conditional("half")
        .if_(half.is_none())
        .then(label(text="no half"))
        .elif_(half > limit)
        .then(label(text="big half"))
        .else_()
        .then(label(text="small half"))
    )


@workflow
def grade(score: int, passing: int) -> str:
    return (
        conditional("outer")
        .if_(score >= passing)
        .then(
            conditional("inner")
            .if_(score >= 90)
            .then(label(text="excellent"))
            .else_()
            .then(label(text="pass"))
        )
        .else_()
        .then(label(text="fail"))
    )


@workflow
def shout_if(loud: bool) -> None:
    conditional("loud").if_(loud.is_true()).then(announce(text="LOUD")).else_().then(
        announce(text="quiet")
    )


if __name__ == "__main__":
    print([parity(n=n) for n in (1, 2)])
    print([oddness(n=n) for n in (1, 2)])
    print([half_or_nothing(n=n) for n in (3, 8, 40)], half_or_nothing(n=8, limit=2))
    print([grade(score=s, passing=50) for s in (95, 60, 10)])
    shout_if(loud=True)
    shout_if(loud=False)
