"""``release_page``: create or update the GitHub Release of a release tag (see
:mod:`release_tasks.publish.release_page`)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.cli.stages._args import add_repo, emit, open_project

HELP = "create or update the GitHub Release of a release tag (idempotent)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--tag", metavar="TAG",
                   help="the release tag (default: the release tag on HEAD)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the Release's text; call no API")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import edge
    from release_tasks.errors import ConfigError, GitError, ReleaseError, UsageError
    from release_tasks.log import get_logger
    from release_tasks.plan import tagplan
    from release_tasks.publish import release_page
    from release_tasks.registries.http import make_client

    log = get_logger("release_page")
    project = open_project(args)
    repo, config = project.repo, project.config
    tag = args.tag
    if tag is None:
        at_head = repo.tags.at(repo.head, config.release_tag_patterns)
        if not at_head:
            raise UsageError("HEAD carries no release tag: give one with --tag")
        tag = at_head[-1]
    if tag not in repo.tags:
        raise GitError(f"no tag {tag!r} here (fetch the tags: fetch-depth 0)")
    message = repo.tags.message(tag)
    data = tagplan.read_tag_plan(message)
    found = tagplan.tagged(repo.tags, tag)
    if data is None or found is None:
        raise ReleaseError(f"{tag} carries no release plan: it was not made by `release`")
    plan = found.plan
    messages = {name: repo.tags.message(name) for name in plan.tags if name in repo.tags}
    table = release_page.rows(plan, env, messages)
    try:
        guide = edge.guide(project.root, config, ref=tag).text()
    except ConfigError as exc:
        log.warning("warning: no edge snippets: %s", exc)
        guide = ""
    redirected = frozenset(
        (["crates-io"] if config.core.cargo_registry or env.get("RELEASE_TASKS_CARGO_REGISTRY")
         else [])
        + [b.registry for b in config.bindings if b.endpoints]
        + [r for r, var in (("rubygems", "RELEASE_TASKS_RUBYGEMS_HOST"),
                            ("pypi", "RELEASE_TASKS_PYPI_INDEX_URL"),
                            ("npm", "RELEASE_TASKS_NPM_REGISTRY")) if env.get(var)])
    text = release_page.body(tag, str(data.get("changelog") or ""), table, guide,
                             redirected=redirected)
    if args.dry_run:
        emit(text)
        return 0
    repository = env.get("GITHUB_REPOSITORY")
    token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN")
    if not repository or not token:
        raise UsageError("GITHUB_REPOSITORY and GITHUB_TOKEN (or GH_TOKEN) must be set "
                         "(the workflow's summary job sets them); --dry-run prints the text")
    with make_client() as client:
        client.headers.update({"Authorization": f"Bearer {token}",
                               "Accept": "application/vnd.github+json",
                               "X-GitHub-Api-Version": "2022-11-28"})
        releases = release_page.Releases(client, repository,
                                         env.get("GITHUB_API_URL", release_page.API))
        action = release_page.sync(releases, tag, text)
    emit(f"GitHub Release {tag}: {action}")
    return 0
