"""Secrets: Secret.MountType, current_context().secrets (get, attribute style, the file path),
and testing.SecretsManager to set them locally (flytekit's productionizing section)."""

import os
import typing

import flytekit
from flytekit import Secret, task, workflow
from flytekit.testing import SecretsManager

GROUP = "payments-api"
TOKEN = Secret(group=GROUP, key="token", mount_requirement=Secret.MountType.ENV_VAR)
PASSWORD = Secret(group=GROUP, key="password", mount_requirement=Secret.MountType.FILE)
VERSIONED = Secret(group="db", group_version="v2", key="dsn")


@task(secret_requests=[TOKEN])
def charge(amount: int) -> str:
    token = flytekit.current_context().secrets.get(GROUP, "token")
    return f"charged {amount} with a {len(token)}-character token"


@task(secret_requests=[TOKEN, PASSWORD])
def where_they_are() -> typing.Tuple[str, bool]:
    sm = flytekit.current_context().secrets
    path = sm.get_secrets_file(GROUP, "password")
    return os.path.basename(path), path.endswith(os.path.join(GROUP, "password"))


@task(secret_requests=[VERSIONED])
def versioned() -> str:
    return flytekit.current_context().secrets.get("db", "dsn", group_version="v2")


@task
def missing() -> str:
    try:
        flytekit.current_context().secrets.get("nowhere", "nothing")
    except ValueError:
        return "missing secret raises ValueError"
    return "found?"


@workflow
def pay(amount: int) -> typing.Tuple[str, str]:
    return charge(amount=amount), versioned()


if __name__ == "__main__":
    print(TOKEN.mount_requirement == Secret.MountType.ENV_VAR, PASSWORD.mount_requirement.name)
    sm = SecretsManager()
    print(sm.get_secrets_env_var(GROUP, "token"))
    print(sm.get_secrets_env_var("db", "dsn", group_version="v2"))
    print(os.path.basename(sm.get_secrets_file(GROUP, "token")))
    os.environ[sm.get_secrets_env_var(GROUP, "token")] = "  tok-123456  "
    os.environ[sm.get_secrets_env_var("db", "dsn", group_version="v2")] = "postgres://db"
    print(charge(amount=5))
    name, nested = where_they_are()
    print(name, nested)
    charged, dsn = pay(amount=7)
    print(charged, dsn)
    print(missing())
    print("attribute style:", flytekit.current_context().secrets.get(GROUP, "token"))
