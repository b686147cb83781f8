"""``doctor``: is this job's credential path for each component the one the config says?
(room: ``trust/``)

With ``trusted-publishing = true`` and no token variable of the config set, the job must
offer an OIDC ID token (``ACTIONS_ID_TOKEN_REQUEST_URL``/``_TOKEN``: ``permissions:
id-token: write``), and nothing in it may silently turn the registry tool's OIDC exchange
off: a token variable it reads first (npm: ``NODE_AUTH_TOKEN``, ``NPM_TOKEN``), a config
file holding a token (an ``.npmrc`` with ``_authToken``, which ``setup-node``'s
``registry-url`` writes), or a tool too old for it (npm before 11.5.1). On tokens, one of
the configured variables must be set. Every problem is collected, each with its one fix,
and the stage fails before anything is built.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from release_tasks import cmd
from release_tasks.errors import ToolMissing
from release_tasks.model.components import Config
from release_tasks.registries import kind_of
from release_tasks.registries.secrets import requirements, satisfied_by
from release_tasks.registries.trust import ToolMinimum, TrustSetup

#: ``program --version`` of a tool, or ``None`` when it is not installed.
VersionProbe = Callable[[str, Mapping[str, str]], str | None]

_OIDC_FIX = ("give the job `permissions: id-token: write` (GitHub Actions then sets "
             "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN)")


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One component's credential path in this job, and what is wrong with it."""

    component: str
    registry: str  # its label
    path: str  # "trusted publishing (OIDC)", "NAME (token)", "no credential"
    problems: tuple[str, ...] = ()

    def line(self) -> str:
        state = "ok" if not self.problems else "FAIL"
        return f"{state}  {self.component} ({self.registry}): {self.path}"


def probe_version(program: str, env: Mapping[str, str]) -> str | None:
    """``program --version`` run quietly; ``None`` when the program is missing."""
    try:
        result = cmd.run([program, "--version"], env=env, capture=True, check=False, echo=False)
    except ToolMissing:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def diagnose(config: Config, components: Iterable[str], env: Mapping[str, str], root: Path,
             probe: VersionProbe | None = None) -> list[Finding]:
    """A :class:`Finding` per component (``core`` or a binding name), in config order;
    ``probe`` asks a tool its version (default: :func:`probe_version`)."""
    probe = probe or probe_version
    findings = []
    for req in requirements(config, components):
        kind = kind_of(req.registry)
        source = satisfied_by(req, env)
        if source is None:
            findings.append(Finding(component=req.component, registry=kind.label,
                                    path="no credential" if req.names or req.trusted_publishing
                                    else "none needed",
                                    problems=_missing(req.names, req.trusted_publishing, env)))
            continue
        if source != "trusted publishing":
            findings.append(Finding(component=req.component, registry=kind.label,
                                    path=f"{source} (token)"))
            continue
        directory = (root if req.component == "core"
                     else root / config.binding(req.component).directory)
        problems = [*_shadowing(kind.trust, env, [directory, root]),
                    *_tool(kind.trust.tool, env, probe)]
        findings.append(Finding(component=req.component, registry=kind.label,
                                path="trusted publishing (OIDC)", problems=tuple(problems)))
    return findings


def _missing(names: tuple[str, ...], trusted: bool, env: Mapping[str, str]) -> tuple[str, ...]:
    if not names and not trusted:
        return ()
    token = f"set {' or '.join(names)}" if names else ""
    if not trusted:
        return (f"no token: {token} (or turn on trusted-publishing for it in release.toml)",)
    if "ACTIONS_ID_TOKEN_REQUEST_URL" in env or "ACTIONS_ID_TOKEN_REQUEST_TOKEN" in env:
        offered = "only half of the OIDC variables are set"
    else:
        offered = "this job offers no OIDC token"
    return (f"trusted publishing is on but {offered}: {_OIDC_FIX}"
            + (f", or {token}" if token else ""),)


def _shadowing(trust: TrustSetup, env: Mapping[str, str], directories: list[Path]) -> list[str]:
    """What would make the registry's tool take a token instead of its OIDC exchange."""
    problems = [f"{name} is set in this job: it turns trusted publishing off (the tool uses "
                f"the token). Remove it from the job (setup-node's registry-url sets "
                f"NODE_AUTH_TOKEN up), or set trusted-publishing = false to publish with a token"
                for name in trust.shadowing_variables if env.get(name)]
    files = [env[name] for name in trust.token_file_variables if env.get(name)]
    home = env.get("HOME")
    files += [str(d / f) for d in [*directories, *([Path(home)] if home else [])]
              for f in trust.token_files]
    marker = re.compile(rf"^\s*[^#;\s].*{re.escape(trust.token_marker)}\s*=", re.MULTILINE)
    for path in dict.fromkeys(files):
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if trust.token_marker and marker.search(text):
            problems.append(f"{path} holds a {trust.token_marker} line: it turns trusted "
                            "publishing off. Remove the line (and setup-node's registry-url, "
                            "which writes it)")
    return problems


def _tool(tool: ToolMinimum | None, env: Mapping[str, str], probe: VersionProbe) -> list[str]:
    if tool is None:
        return []
    found = probe(tool.program, env)
    if found is None:
        return [f"{tool.program} is not installed; trusted publishing needs {tool.program} "
                f"{tool.shown} or newer: {tool.fix}"]
    numbers = tuple(int(n) for n in re.findall(r"\d+", found)[:3])
    if numbers < tool.minimum:
        return [f"{tool.program} {found} is older than {tool.shown}, which trusted publishing "
                f"needs: {tool.fix}"]
    return []


def report(findings: Iterable[Finding]) -> list[str]:
    """Every problem, each naming its component, for one error."""
    return [f"{f.component} ({f.registry}): {p}" for f in findings for p in f.problems]
