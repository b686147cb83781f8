"""The text of the release workflow's parts, as lines of YAML (see :mod:`release_tasks.workflow.generate`).

Written out rather than dumped from data, so that the comments that explain each choice
stay in the file a maintainer reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from release_tasks.model.components import Binding, Config
from release_tasks.registries.interface import RegistryKind
from release_tasks.workflow.requirement import INSTALL_COMMAND, REQUIREMENT_PATH
from release_tasks.workflow.trust import (
    Lane,
    core_lane,
    doctor_step,
    plan_trust_step,
)


@dataclass(frozen=True, kw_only=True)
class BindingJob:
    """What one binding's publish job needs from the config."""

    binding: Binding
    kind: RegistryKind
    job: str  # the job id: publish-<binding>
    output: str  # the plan job's output with its next version
    rendered_output: str | None  # and with its registry's rendering, when that differs
    rendered_key: str | None  # the variable of `versions --format env` that holds that
    environment: str  # the GitHub environment (it can hold the job's own secret)
    command: str  # `nox -s ... -- ...` without the expressions' values
    lane: Lane  # its credential: the token secret or trusted publishing

    @property
    def key(self) -> str:
        return self.binding.env_key

    @property
    def title(self) -> str:
        return f"Publish {self.binding.label} {self.kind.ci.artifact} ({self.kind.label})"


DRY_RUN = "${{ needs.plan.outputs.dry_run == 'true' && '--dry-run' || '' }}"
_CHECKOUT = ("- uses: actions/checkout@v4", "  with:", "    fetch-depth: 0")
_HASHED = (f"hashFiles('{REQUIREMENT_PATH.as_posix()}', 'noxfile.py', 'pyproject.toml', "
           "'uv.lock', 'requirements*.txt')")
_PUSH_NOTE = (
    "A tag push made with GITHUB_TOKEN is refused when the tagged commit changes files under",
    ".github/workflows/. The stage reports a failed tag push apart from the publish, so the",
    "published crates are never hidden by it: push the tag by hand (or use a token with the",
    "workflows permission).")
_IDENTITY = ("- name: Git identity for the component tag", "  run: |",
             '    git config user.name "github-actions[bot]"',
             '    git config user.email "41898282+github-actions[bot]@users.noreply.github.com"')


def _install_tool() -> tuple[str, ...]:
    """The release tool (the noxfile imports it) with nox and uv, from the one requirement
    file the repository commits (:mod:`release_tasks.workflow.requirement`)."""
    return (f"# The release tool that made this workflow, with nox and uv: {REQUIREMENT_PATH.as_posix()}.",
            f"- run: {INSTALL_COMMAND}")


def _python(job: str) -> tuple[str, ...]:
    """Python and the release tool with nox, with uv's download cache and the job's nox
    environments kept between runs, keyed on what they are made from."""
    return (
        "- uses: actions/setup-python@v5", "  with:",
        "    python-version: ${{ env.PYTHON_VERSION }}",
        "- uses: actions/cache@v4", "  with:", "    path: |", "      ~/.cache/uv",
        "      .nox",
        f"    key: nox-{job}-${{{{ runner.os }}}}-py${{{{ env.PYTHON_VERSION }}}}-${{{{ {_HASHED} }}}}",
        f"    restore-keys: nox-{job}-${{{{ runner.os }}}}-py${{{{ env.PYTHON_VERSION }}}}-",
        *_install_tool())


def _indent(lines: Sequence[str], by: int) -> Iterator[str]:
    for line in lines:
        yield " " * by + line


def triggers(config: Config, env: Mapping[str, str]) -> Iterator[str]:
    yield ""
    yield "name: release"
    yield ""
    yield "on:"
    yield "  push:"
    yield "    tags:"
    yield from (f'      - "{pattern}"' for pattern in config.release_tag_patterns)
    yield from """  workflow_dispatch:
    inputs:
      dry_run:
        description: "Build and check everything; publish nothing and push no tag"
        type: boolean
        default: false
      from_ref:
        description: "Compare with this ref instead of the previous release tag (optional)"
        type: string
        required: false
        default: ""

# One release at a time, and never cancelled halfway: a half-published release is worse than
# a late one. GitHub keeps at most one run waiting per group; a newer run replaces the waiting
# one. Re-run a replaced release by dispatching this workflow at its tag.
concurrency:
  group: release
  cancel-in-progress: false

permissions:
  contents: read

env:""".splitlines()
    yield from (f'  {name}: "{value}"' for name, value in env.items())
    yield ""
    yield "jobs:"


def plan_job(jobs: Sequence[BindingJob]) -> Iterator[str]:
    yield from """  plan:
    name: Plan
    runs-on: ubuntu-latest
    timeout-minutes: 15
    outputs:
      release_tag: ${{ steps.mode.outputs.release_tag }}
      dry_run: ${{ steps.mode.outputs.dry_run }}
      publish_core: ${{ steps.versions.outputs.PUBLISH_CORE }}
      core_version: ${{ steps.versions.outputs.NEXT_CORE_VERSION }}""".splitlines()
    for job in jobs:
        yield f"      {job.output}: ${{{{ steps.versions.outputs.NEXT_{job.key}_VERSION }}}}"
        if job.rendered_output and job.rendered_key:
            yield f"      {job.rendered_output}: ${{{{ steps.versions.outputs.{job.rendered_key} }}}}"
    yield "    steps:"
    yield "      - uses: actions/checkout@v4"
    yield "        with:"
    yield "          # All history and every tag: detection compares with the previous release tag, and"
    yield "          # a shallow clone (the default, depth 1) has neither."
    yield "          fetch-depth: 0"
    yield from _indent(_python("plan"), 6)
    yield from """      - name: Mode
        id: mode
        env:
          DRY_RUN_INPUT: ${{ inputs.dry_run }}
        run: |
          release_tag=""
          if [ "$GITHUB_REF_TYPE" = tag ]; then release_tag="$GITHUB_REF_NAME"; fi
          dry_run=false
          if [ "$DRY_RUN_INPUT" = true ]; then dry_run=true; fi
          if [ -z "$release_tag" ] && [ "$dry_run" = false ]; then
            # Only a release commit holds the versions to publish.
            echo "::warning::$GITHUB_REF is not a tag: dry run only. Dispatch at a release tag to publish."
            dry_run=true
          fi
          echo "release_tag=$release_tag" >> "$GITHUB_OUTPUT"
          echo "dry_run=$dry_run" >> "$GITHUB_OUTPUT"
      - name: Version files agree
        run: nox -s versions -- --check
      # stdout carries only the KEY=VALUE lines; logs go to stderr.
      - name: Versions
        id: versions
        env:
          FROM_REF: ${{ inputs.from_ref }}
        run: nox -s versions -- --format env ${FROM_REF:+--from "$FROM_REF"} >> "$GITHUB_OUTPUT"
      - name: Changes
        id: detect
        env:
          FROM_REF: ${{ inputs.from_ref }}
        run: nox -s detect -- --format env ${FROM_REF:+--from "$FROM_REF"} >> "$GITHUB_OUTPUT"
""".splitlines()
    yield from _indent(plan_trust_step(), 6)
    yield ""


def preflight_job() -> Iterator[str]:
    yield from """  preflight:
    name: Pre-flight checks
    runs-on: ubuntu-latest
    timeout-minutes: 60
    steps:""".splitlines()
    yield from _indent(_CHECKOUT, 6)
    yield "      - uses: dtolnay/rust-toolchain@stable"
    yield "        with:"
    yield "          components: rustfmt, clippy"
    yield from _indent(_python("preflight"), 6)
    yield "      # The managed repository's own checks, from `[project] preflight` of its config."
    yield "      - name: Pre-flight checks"
    yield "        run: nox -s preflight"
    yield ""


def _publish_job(job_id: str, title: str, needs: str, condition: Sequence[str],
                 environment: str, notes: Sequence[str], tag: str, id_token: str,
                 steps: Sequence[str], lane: Lane, command: str,
                 push_note: Sequence[str], gather: Sequence[str] = ()) -> Iterator[str]:
    yield f"  {job_id}:"
    yield f"    name: {title}"
    yield f"    needs: {needs}"
    yield from (f"    {line}" for line in condition)
    yield "    runs-on: ubuntu-latest"
    yield f"    timeout-minutes: {90 if tag.startswith('core') else 60}"
    yield from (f"    # {line}" for line in notes)
    yield f"    environment: {environment}"
    yield "    # What the registry holds after this job, for the summary (see Summary table)."
    yield "    outputs:"
    yield "      state: ${{ steps.publish.outputs.state }}"
    yield "      files: ${{ steps.publish.outputs.files }}"
    yield "    permissions:"
    yield f"      contents: write  # push the {tag} tag"
    yield f"      id-token: write  # {id_token}"
    yield from (f"      {line}" for line in lane.permissions)
    yield "    steps:"
    yield from _indent(_CHECKOUT, 6)
    yield from _indent(steps, 6)
    yield from _indent(_python(job_id), 6)
    yield from _indent(doctor_step(lane.component, lane), 6)
    yield from _indent(_IDENTITY, 6)
    yield from _indent(gather, 6)
    yield from _indent(lane.steps, 6)
    yield from (f"      # {line}" for line in push_note)
    yield "      - name: Publish"
    yield "        id: publish"
    if lane.env:
        yield "        env:"
        yield from (f"          {var}: {value}" for var, value in lane.env.items())
    yield f"        run: {command} --on-duplicate=skip --push-tags {DRY_RUN}"
    yield from _indent(lane.after, 6)
    yield ""


def crates_job(config: Config, kind: RegistryKind) -> Iterator[str]:
    yield from _publish_job(
        "publish-crates", f"Publish crates ({kind.label})", "[plan, preflight]",
        ["if: needs.plan.outputs.publish_core == 'true'"], f"release-{kind.ci.environment}",
        kind.ci.notes, f"{config.core.tag_prefix}X.Y.Z", kind.ci.id_token, kind.ci.steps,
        core_lane(config, kind), "nox -s publish_crates --", _PUSH_NOTE)
    yield "  # The bindings need the crates published when the core changed (publish-crates"
    yield "  # succeeded), and run without them when it did not (publish-crates skipped). They do"
    yield "  # not wait for each other: one binding's failure never blocks another."


def binding_job(job: BindingJob, build: str | None = None,
                gather: Sequence[str] = ()) -> Iterator[str]:
    """The binding's publish job; with ``build`` (a build matrix job's id), it waits for every
    cell of it and publishes what ``gather`` downloads, with ``--artifacts``."""
    version = f"needs.plan.outputs.{job.output}"
    condition = ["if: >-", "  always() && !cancelled()",
                 "  && needs.plan.result == 'success' && needs.preflight.result == 'success'",
                 "  && (needs.publish-crates.result == 'success' || "
                 "needs.publish-crates.result == 'skipped')",
                 *([f"  && needs.{build}.result == 'success'"] if build else []),
                 f"  && {version} != 'unchanged' && {version} != ''"]
    ci, binding = job.kind.ci, job.binding
    needs = f"[plan, preflight, publish-crates{f', {build}' if build else ''}]"
    yield from _publish_job(
        job.job, job.title, needs, condition, job.environment,
        ci.notes, f"{binding.tag_prefix}X.Y.Z.P", ci.id_token, ci.steps,
        job.lane, job.command,
        ("A failed tag push (GITHUB_TOKEN and a commit that changes workflow files) is reported",
         "apart from the publish: see publish-crates."), gather)


def summary_job(config: Config, core: RegistryKind, jobs: Sequence[BindingJob]) -> Iterator[str]:
    needs = ", ".join(["plan", "preflight", "publish-crates", *(job.job for job in jobs)])
    yield from f"""  summary:
    name: Summary
    needs: [{needs}]
    if: always()
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: write  # create or update the GitHub Release
    steps:
      - name: Summary table
        env:
          RELEASE_TAG: ${{{{ needs.plan.outputs.release_tag }}}}
          DRY_RUN: ${{{{ needs.plan.outputs.dry_run }}}}
          PLAN_RESULT: ${{{{ needs.plan.result }}}}
          PREFLIGHT_RESULT: ${{{{ needs.preflight.result }}}}
          PUBLISH_CORE: ${{{{ needs.plan.outputs.publish_core }}}}
          CORE_VERSION: ${{{{ needs.plan.outputs.core_version }}}}
          CORE_RESULT: ${{{{ needs.publish-crates.result }}}}
          CORE_STATE: ${{{{ needs.publish-crates.outputs.state }}}}
          CORE_FILES: ${{{{ needs.publish-crates.outputs.files }}}}""".splitlines()
    for job in jobs:
        yield f"          NEXT_{job.key}: ${{{{ needs.plan.outputs.{job.output} }}}}"
        if job.rendered_output:
            yield f"          RENDERED_{job.key}: ${{{{ needs.plan.outputs.{job.rendered_output} }}}}"
        yield f"          RESULT_{job.key}: ${{{{ needs.{job.job}.result }}}}"
        yield f"          STATE_{job.key}: ${{{{ needs.{job.job}.outputs.state }}}}"
        yield f"          FILES_{job.key}: ${{{{ needs.{job.job}.outputs.files }}}}"
    yield from """        run: |
          # component, version ('' or 'unchanged' when not released), job result, and what
          # the registry holds: complete (every file, tagged), partial (some or all files, no
          # tag: re-run the job), planned (nothing uploaded).
          row() {
            if [ -z "$2" ] || [ "$2" = unchanged ]; then
              echo "| $1 | unchanged | - | - |"
            else
              echo "| $1 | $2 | $3 | ${4:--}${5:+ ($5 files)} |"
            fi
          }
          core_version="$CORE_VERSION"
          if [ "$PUBLISH_CORE" != true ]; then core_version=unchanged; fi""".splitlines()
    for job in jobs:
        if job.rendered_output:
            name = f"{job.key.lower()}_version"
            yield f'          {name}="$NEXT_{job.key}"'
            yield (f'          if [ -n "$RENDERED_{job.key}" ]; then {name}="${name} '
                   f'({job.kind.label} $RENDERED_{job.key})"; fi')
    yield from """          {
            echo "## Release ${RELEASE_TAG:-(not at a tag)}"
            echo
            if [ "$DRY_RUN" = true ]; then
              echo "Dry run: nothing was published and no tag was pushed."; echo
            fi
            echo "Plan: $PLAN_RESULT, pre-flight checks: $PREFLIGHT_RESULT"
            echo
            echo "| component | version | publish | on the registry |"
            echo "|---|---|---|---|\"""".splitlines()
    yield (f'            row "core crates ({core.label})" "$core_version" "$CORE_RESULT" '
           '"$CORE_STATE" "$CORE_FILES"')
    for job in jobs:
        value = f"${job.key.lower()}_version" if job.rendered_output else f"$NEXT_{job.key}"
        yield (f'            row "{job.binding.name} ({job.kind.label})" "{value}" '
               f'"$RESULT_{job.key}" "$STATE_{job.key}" "$FILES_{job.key}"')
    yield from """          } > summary.md
          cat summary.md >> "$GITHUB_STEP_SUMMARY\"""".splitlines()
    yield from release_page_steps(jobs)


def release_page_steps(jobs: Sequence[BindingJob]) -> Iterator[str]:
    """The summary job's GitHub Release: ``release_page`` at the release tag, given every
    job's result. Idempotent: a re-run after a failed job completes the page."""
    yield "      # One Release per release tag, through the REST API with the job's token: the"
    yield "      # changelog from the tag, every package with its registry page, the platforms"
    yield "      # of its files, what failed or was carried forward. Re-running changes nothing."
    yield "      - name: Check out the release tag"
    yield "        if: needs.plan.outputs.release_tag != '' && needs.plan.outputs.dry_run != 'true'"
    yield "        uses: actions/checkout@v4"
    yield "        with:"
    yield "          ref: ${{ needs.plan.outputs.release_tag }}"
    yield "          fetch-depth: 0"
    for line in _python("summary"):
        yield "      " + line
        if line.startswith("- "):
            yield ("        if: needs.plan.outputs.release_tag != '' "
                   "&& needs.plan.outputs.dry_run != 'true'")
    yield "      - name: GitHub Release"
    yield "        if: needs.plan.outputs.release_tag != '' && needs.plan.outputs.dry_run != 'true'"
    yield "        env:"
    yield "          GITHUB_TOKEN: ${{ github.token }}"
    yield "          CORE_RESULT: ${{ needs.publish-crates.result }}"
    yield "          CORE_STATE: ${{ needs.publish-crates.outputs.state }}"
    for job in jobs:
        yield f"          RESULT_{job.key}: ${{{{ needs.{job.job}.result }}}}"
        yield f"          STATE_{job.key}: ${{{{ needs.{job.job}.outputs.state }}}}"
    yield ("        run: nox -s release_page -- --tag "
           "${{ needs.plan.outputs.release_tag }}")


def _step_blocks(lines: Sequence[str]) -> list[tuple[str, ...]]:
    """Steps as blocks of lines (each starts with ``- ``)."""
    blocks: list[list[str]] = []
    for line in lines:
        if line.startswith("- ") or not blocks:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    return [tuple(b) for b in blocks]


def rehearse_job(kinds: Sequence[RegistryKind]) -> Iterator[str]:
    """In a dry run, the whole release rehearsed against local stand-ins of the registries
    (``nox -s rehearse``): every kind's toolchain on one runner, no secret."""
    seen: set[str] = set()
    steps: list[str] = []
    for kind in kinds:
        for block in _step_blocks(kind.ci.steps):
            key = block[0].split("#")[0].strip()
            if key not in seen:
                seen.add(key)
                steps += block
    yield "  rehearse:"
    yield "    name: Rehearse on local registries"
    yield "    needs: [plan, preflight]"
    yield "    # A dry run publishes the release to local stand-ins of every registry, exactly as"
    yield "    # the publish jobs would, then installs and loads each package (no secret, no"
    yield "    # real registry; see RELEASING.md, \"Rehearse\")."
    yield "    if: needs.plan.outputs.dry_run == 'true'"
    yield "    runs-on: ubuntu-latest"
    yield "    timeout-minutes: 60"
    yield "    permissions:"
    yield "      contents: read"
    yield "    steps:"
    yield from _indent(_CHECKOUT, 6)
    yield from _indent(steps, 6)
    yield from _indent(_python("rehearse"), 6)
    yield "      - name: Rehearse"
    yield "        run: nox -s rehearse"
    yield ""
