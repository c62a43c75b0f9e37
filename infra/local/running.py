"""Where the running `make run` is, for every helper command started beside it.

`make run` writes its addresses and its stack's environment to `.local/stack.json`
(`LOCAL_STATE_DIR` moves the folder, as for `make token`) once it answers, and removes the
file when it stops. `make seed`, `make stats-recompute`, `make apikey`, `make jurisdiction`
and the escalation demo read it (`connect()`), so no port is ever repeated on their command
lines; when nothing runs they say so in one line instead of a traceback.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import requests

STACK_FILE = "stack.json"

__all__ = ["NoRunningStack", "connect", "connect_unless_deployed", "find", "forget", "remember", "stack_file"]


class NoRunningStack(SystemExit):
    """No `make run` answers: the message says what to do (exit status 1)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def stack_file() -> Path:
    from infra.local.dev_issuer import state_dir

    return state_dir() / STACK_FILE


def remember(moto: str, api: str, env: dict[str, str], name_prefix: str) -> Path:
    """`make run`: write down where it runs (atomically: a reader never sees half a file)."""
    path = stack_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"moto": moto, "api": api, "env": env, "name_prefix": name_prefix, "pid": os.getpid()}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, indent=1) + "\n")
    tmp.replace(path)
    return path


def forget() -> None:
    """`make run` stops: the file goes (only when it is still this process's)."""
    path = stack_file()
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def find() -> dict[str, Any] | None:
    """What the last `make run` wrote down, or None."""
    try:
        state: dict[str, Any] = json.loads(stack_file().read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state.get("moto"), str) and isinstance(state.get("env"), dict) else None


def _answers(endpoint: str, deadline_s: float) -> bool:
    """Refused at once means no; a busy server gets time to answer."""
    end = time.monotonic() + deadline_s
    while True:
        try:
            requests.get(endpoint, timeout=5)
            return True
        except requests.Timeout:
            if time.monotonic() > end:
                return False
        except requests.RequestException:
            return False


def connect(deadline_s: float = 30) -> dict[str, Any]:
    """Point this process's AWS clients at the running `make run` and set its stack's
    environment (TABLE_NAME, the queues, the bucket, ...); its state is returned.
    NoRunningStack (a SystemExit with a one-line message) when none answers."""
    state = find()
    if state is None:
        raise NoRunningStack(f"no running `make run` found ({stack_file()} is absent): start `make run` first")
    if not _answers(state["moto"], deadline_s):
        raise NoRunningStack(
            f"the `make run` written down in {stack_file()} does not answer at {state['moto']}: start `make run` first"
        )
    from infra.local.provision import aws_env

    os.environ.update(aws_env(state["moto"]))
    os.environ.update({k: str(v) for k, v in state["env"].items()})
    return state


def connect_unless_deployed() -> bool:
    """For a helper that works on a deployed stage as well: TABLE_NAME set means that stage (its
    credentials from the environment); otherwise the running `make run`. False, said in one line
    on stderr, when neither is there."""
    if os.environ.get("TABLE_NAME"):
        return True
    try:
        connect()
    except NoRunningStack as err:
        print(f"{err.message} (or set TABLE_NAME and AWS credentials for a deployed stage)", file=sys.stderr)
        return False
    return True
