"""``doctor``: each component's credential path in this job, checked before any build (the
first step of every publish job); exit 11 with every problem and its fix."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.cli.stages._args import add_components, add_repo, components, emit, load_config

HELP = ("check this job's credential path for each component (trusted publishing or a token) "
        "before any build")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    add_components(p)


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.errors import CredentialsMissing
    from release_tasks.trust import doctor

    config = load_config(args)
    findings = doctor.diagnose(config, components(args, config), env, args.repo)
    emit("\n".join(f.line() for f in findings))
    problems = doctor.report(findings)
    if problems:
        raise CredentialsMissing(problems)
    return 0
