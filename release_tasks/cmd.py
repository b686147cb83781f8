"""The one way this tool runs another program.

``run`` echoes ``+ command`` (secrets redacted), streams the program's output line by line
to the log with an optional prefix, keeps its tail for error messages, and raises
:class:`~release_tasks.errors.CommandError` on a non-zero exit. ``start`` leaves a quiet
program running, for one whose answer is read later or that answers many requests. Every
argv either starts is recorded in :data:`ARGV_LOG`, which is how tests prove no secret
reaches a command line and count the programs a stage starts.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from release_tasks.errors import CommandError, ToolMissing, shorten_command
from release_tasks.log import get_logger, is_secret_name, redact

log = get_logger("cmd")

#: Every argv started by :func:`run`, in order (redaction is *not* applied here).
ARGV_LOG: list[list[str]] = []

_TAIL_LINES = 40
# The programs `run` streams now: an interrupted publish terminates them (terminate_running).
_RUNNING: set[subprocess.Popen[str]] = set()
_RUNNING_LOCK = threading.Lock()


class Result(NamedTuple):
    """What a finished program left: its exit code and, when captured, its output."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str


def which(program: str, install_hint: str, env: Mapping[str, str] | None = None) -> str:
    """Absolute path of ``program`` or :class:`ToolMissing` saying how to install it."""
    import shutil  # not at import: most stages never look a tool up

    path = shutil.which(program, path=(env or os.environ).get("PATH"))
    if path is None:
        raise ToolMissing(f"`{program}` is not installed or not on PATH. {install_hint}")
    return path


#: Secrets a child without an environment of its own keeps: git's own (a push may use them);
#: no registry's.
FORGE_VARIABLES = frozenset({"GITHUB_TOKEN", "GH_TOKEN"})


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child that uploads nothing (``git``, ``cargo metadata``):
    ``env`` (default: ours) without any variable that holds a credential."""
    given = os.environ if env is None else env
    return {k: v for k, v in given.items() if k in FORGE_VARIABLES or not is_secret_name(k)}


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
    check: bool = True,
    prefix: str = "",
    echo: bool = True,
    input_text: str | None = None,
    timeout: float | None = None,
) -> Result:
    """Run ``argv`` and return its :class:`Result`.

    With ``capture`` the output is returned (stdout and stderr apart) and not streamed;
    otherwise stdout and stderr are merged and streamed to the log, each line prefixed
    with ``prefix``. ``env`` is the *whole* environment of the child (default: ours without
    its credentials, :func:`child_env`: a child that needs one is given its environment).
    """
    args = [os.fspath(a) for a in argv]
    ARGV_LOG.append(list(args))
    shown = redact(" ".join(args))
    where = f" (in {cwd})" if cwd else ""
    label = f"[{prefix.strip()}] " if prefix.strip() else ""
    short = redact(shorten_command(args))
    if echo and short != shown:
        # Once, shortened past a line; whole with --verbose.
        log.info("%s+ %s%s", label, short, where)
        log.debug("%s+ %s", label, shown)
    else:
        log.log(logging.INFO if echo else logging.DEBUG, "%s+ %s%s", label, shown, where)
    environment = child_env() if env is None else dict(env)
    try:
        if capture:
            proc = subprocess.run(
                args,
                cwd=cwd,
                env=environment,
                input=input_text,
                capture_output=True,
                text=True,
                # A byte that is not UTF-8 (a file name, a tool's message) never crashes a run;
                # file names keep their bytes (os.fsdecode's convention).
                errors="surrogateescape",
                timeout=timeout,
                check=False,
            )
            result = Result(args, proc.returncode, proc.stdout, proc.stderr)
            tail = "\n".join((proc.stderr or proc.stdout).splitlines()[-_TAIL_LINES:])
        else:
            result, tail = _stream(args, cwd, environment, prefix, input_text, timeout)
    except FileNotFoundError as exc:
        raise ToolMissing(f"`{args[0]}` is not installed or not on PATH") from exc
    except PermissionError as exc:
        raise ToolMissing(f"`{args[0]}` cannot be run here (permission denied): {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise CommandError([redact(a) for a in args], -1, f"timed out after {timeout} s") from exc
    if check and result.returncode != 0:
        raise CommandError([redact(a) for a in args], result.returncode, redact(tail))
    return result


def run_bytes(argv: Sequence[str | os.PathLike[str]], *, cwd: Path | None = None,
              env: Mapping[str, str] | None = None, input_bytes: bytes | None = None,
              ) -> tuple[int, bytes, str]:
    """Run ``argv`` quietly and return ``(exit code, stdout bytes, stderr text)``: for output
    that is data (a file's bytes), which must not be decoded on the way."""
    args = [os.fspath(a) for a in argv]
    ARGV_LOG.append(list(args))
    log.debug("+ %s", redact(" ".join(args)))
    try:
        proc = subprocess.run(args, cwd=cwd, env=child_env() if env is None else dict(env),
                              input=input_bytes, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise ToolMissing(f"`{args[0]}` is not installed or not on PATH") from exc
    return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", errors="replace")


def start(argv: Sequence[str | os.PathLike[str]], *, cwd: Path | None = None,
          env: Mapping[str, str] | None = None, stdin: bool = False) -> subprocess.Popen[bytes]:
    """Start ``argv`` quietly and return it running, its stdout a pipe (and its stdin, with
    ``stdin``), its stderr kept for :func:`finish`.

    For a program that works while this one goes on (a listing read when first needed), or
    one that answers many requests in turn (``git cat-file --batch``).
    """
    args = [os.fspath(a) for a in argv]
    ARGV_LOG.append(list(args))
    log.debug("+ %s (running)", redact(" ".join(args)))
    try:
        return subprocess.Popen(args, cwd=cwd, env=child_env() if env is None else dict(env),
                                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError as exc:
        raise ToolMissing(f"`{args[0]}` is not installed or not on PATH") from exc


def finish(proc: subprocess.Popen[bytes]) -> tuple[int, bytes, str]:
    """Wait for a program :func:`start` started: ``(exit code, stdout bytes, stderr text)``."""
    out, err = proc.communicate()
    return proc.returncode, out, err.decode("utf-8", errors="replace")


def terminate_running() -> int:
    """Send SIGTERM to every program :func:`run` is streaming output from; how many."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for proc in running:
        with contextlib.suppress(OSError):  # it ended in between
            proc.terminate()
    return len(running)


def _stream(
    args: list[str],
    cwd: Path | None,
    env: dict[str, str],
    prefix: str,
    input_text: str | None,
    timeout: float | None,
) -> tuple[Result, str]:
    tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
    lines: list[str] = []
    with subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as proc:
        with _RUNNING_LOCK:
            _RUNNING.add(proc)
        try:
            if input_text is not None and proc.stdin is not None:
                proc.stdin.write(input_text)
                proc.stdin.close()
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.rstrip("\n")
                lines.append(line)
                tail.append(line)
                log.info("%s%s", f"[{prefix.strip()}] " if prefix else "  | ", redact(line))
            returncode = proc.wait(timeout=timeout)
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(proc)
    output = "\n".join(lines)
    return Result(args, returncode, output, ""), "\n".join(tail)
