"""The frozen release plan: what is released, at which versions, and why.

Printing a plan is the dry-run; applying it (``release``) writes files, commits and tags.
Versions in it are version objects; what follows from them (a registry's rendering, a
component's tag) is computed, not stored. The plan round-trips through JSON, which is how it
travels inside the release tag: :data:`SCHEMA` numbers that JSON, and a plan written before
it was numbered (schema 1) still reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from release_tasks.errors import VersionError
from release_tasks.model.version import BindingVersion, CoreVersion, Registry, Scheme
from release_tasks.registries import ordering

#: The layout of a plan's JSON. 2 numbers it; a plan without ``schema`` is 1, the same keys.
SCHEMA = 2


@dataclass(frozen=True)
class RegistryVersion:
    """A version as one registry spells it: a binding's version file says ``0.1.8.2``, npm's
    ``0.1.8002``, or, from before the two-tier scheme, ``0.1.10``.

    Valid in the registry's own grammar; a :class:`VersionError` quotes the text otherwise.
    """

    text: str
    registry: Registry
    scheme: Scheme = "two-tier"

    def __post_init__(self) -> None:
        if not ordering.is_version(self.registry, self.text):
            raise VersionError(f"{self.text!r} is not a {self.registry} version")

    @property
    def two_tier(self) -> BindingVersion | None:
        """The ``X.Y.Z.P`` it spells (a plain ``X.Y.Z`` for a binding versioned so), or
        ``None`` for a version outside its scheme."""
        try:
            return ordering.read_rendering(self.text, self.registry, scheme=self.scheme)
        except VersionError:
            return None

    def canonical(self, core: CoreVersion | None = None, *, spelled: bool = True) -> str:
        """``X.Y.Z.P``, with the registry's own spelling in brackets where it differs (unless
        not ``spelled``: a line that shows one rendering, ``0.4.1.0 -> 0.4.2.0``).

        A rendering that reads as a binding of core ``X.Y.0`` (npm's ``0.1.10``: ``0.1.0.10``)
        may as well be a three-part version published before the two-tier scheme: with
        another current ``core``, it is shown as it is."""
        version = self.two_tier
        if version is None or str(version) == self.text:
            return self.text
        if core is not None and version.core.patch == 0 and version.core != core:
            return self.text
        return f"{version} [{self.registry}: {self.text}]" if spelled else str(version)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, kw_only=True)
class CorePlan:
    """The core crates: one version for all of them."""

    current: CoreVersion
    next: CoreVersion
    changed: bool  # also for a carried-forward version, where next == current
    reasons: tuple[str, ...]
    crates: tuple[str, ...]
    registry: Registry
    tag_prefix: str
    #: The cargo registry the crates go to, as cargo names it (``cargo-registry`` in the
    #: config); None: crates.io. ``RELEASE_TASKS_CARGO_REGISTRY`` may still choose another
    #: when they are published.
    cargo_registry: str | None = None

    @property
    def tag(self) -> str | None:
        """The tag the crates' publish creates (``None`` when they are not released)."""
        return f"{self.tag_prefix}{self.next}" if self.changed else None


@dataclass(frozen=True)
class CoreOverride:
    """The core version chosen with ``--core X.Y.Z`` or ``--bump minor|major``."""

    version: CoreVersion
    option: str  # as given: "--core 0.1.11", "--bump minor"

    @property
    def reason(self) -> str:
        return self.option if self.option.startswith("--core") else f"{self.option}: {self.version}"

    def to_dict(self) -> dict[str, str]:
        return {"version": str(self.version), "option": self.option}

    @classmethod
    def from_dict(cls, data: object) -> CoreOverride | None:
        """The record in a release tag's plan; ``None`` for tags made without one."""
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            return None
        option = data.get("option")
        version = CoreVersion.parse(data["version"], source="release tag")
        return cls(version, option if isinstance(option, str) else f"--core {version}")


@dataclass(frozen=True, kw_only=True)
class BindingPlan:
    """One binding: its next version (``None`` when unchanged) and why."""

    name: str
    env_key: str
    registry: Registry
    package: str
    tag_prefix: str
    current: RegistryVersion | None  # what its version file says (``None``: no such file)
    next: BindingVersion | None
    reasons: tuple[str, ...]
    files: tuple[str, ...]
    skipped: BindingVersion | None = None  # the version it would have had, left out with --skip
    versioning: Scheme = "two-tier"

    @property
    def changed(self) -> bool:
        return self.next is not None

    @property
    def rendering(self) -> str | None:
        """The next version as its registry spells it."""
        return ordering.render(self.next, self.registry) if self.next is not None else None

    @property
    def tag(self) -> str | None:
        """The tag its publish creates (``None`` when it is not released)."""
        return f"{self.tag_prefix}{self.next}" if self.next is not None else None


@dataclass(frozen=True, kw_only=True)
class ReleasePlan:
    """Everything one release does, decided before anything is written."""

    base_ref: str
    base_commit: str
    source_commit: str
    first_release: bool
    core: CorePlan
    bindings: tuple[BindingPlan, ...]
    core_override: CoreOverride | None = None  # recorded so that CI at the tag plans the same

    @property
    def anything(self) -> bool:
        """True when at least one component is released."""
        return self.core.changed or any(b.changed for b in self.bindings)

    def binding(self, name: str) -> BindingPlan:
        return next(b for b in self.bindings if b.name == name)

    @property
    def tags(self) -> tuple[str, ...]:
        """The component tags the publishes will create."""
        core = (self.core.tag,) if self.core.tag else ()
        return core + tuple(b.tag for b in self.bindings if b.tag)

    def env_lines(self) -> list[str]:
        """``KEY=VALUE`` lines for ``$GITHUB_OUTPUT``."""
        lines = [f"CURRENT_CORE_VERSION={self.core.current}",
                 f"NEXT_CORE_VERSION={self.core.next}"]
        for b in self.bindings:
            lines.append(f"NEXT_{b.env_key}_VERSION={b.next if b.next else 'unchanged'}")
            if b.next and b.rendering != str(b.next):
                registry = b.registry.upper().replace("-", "_")
                lines.append(f"NEXT_{b.env_key}_{registry}_VERSION={b.rendering}")
        # Whether the crates are published: also true for a carried-forward core version,
        # where NEXT_CORE_VERSION equals CURRENT_CORE_VERSION.
        lines.append(f"PUBLISH_CORE={'true' if self.core.changed else 'false'}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "base_ref": self.base_ref,
            "base_commit": self.base_commit,
            "source_commit": self.source_commit,
            "first_release": self.first_release,
            "core_override": self.core_override.to_dict() if self.core_override else None,
            "core": {
                "current": str(self.core.current),
                "next": str(self.core.next),
                "changed": self.core.changed,
                "reasons": list(self.core.reasons),
                "crates": list(self.core.crates),
                "registry": self.core.registry,
                "cargo_registry": self.core.cargo_registry,
                "tag": self.core.tag,
            },
            "bindings": [
                {
                    "name": b.name,
                    "env_key": b.env_key,
                    "registry": b.registry,
                    "package": b.package,
                    "current": str(b.current) if b.current is not None else None,
                    "next": str(b.next) if b.next else None,
                    "rendering": b.rendering,
                    "reasons": list(b.reasons),
                    "files": list(b.files),
                    "tag": b.tag,
                    "skipped": str(b.skipped) if b.skipped else None,
                    "versioning": b.versioning,
                }
                for b in self.bindings
            ],
        }

    def to_json(self) -> str:
        import json  # only the json output needs it

        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReleasePlan:
        """The plan a release tag carries; a KeyError, TypeError or ValueError when the JSON
        is not a plan this version can read (a newer schema, a missing key)."""
        schema = data.get("schema", 1)
        if schema not in (1, SCHEMA):
            raise ValueError(f"plan schema {schema!r} (this version reads 1 and {SCHEMA}): "
                             "a newer release_tasks made it")
        core = data["core"]
        return cls(
            base_ref=data["base_ref"],
            base_commit=data["base_commit"],
            source_commit=data["source_commit"],
            first_release=data["first_release"],
            core=CorePlan(
                current=CoreVersion.parse(core["current"]),
                next=CoreVersion.parse(core["next"]),
                changed=core["changed"],
                reasons=tuple(core["reasons"]),
                crates=tuple(core["crates"]),
                registry=core["registry"],
                tag_prefix=_tag_prefix(core, "core-v"),
                cargo_registry=core.get("cargo_registry"),
            ),
            bindings=tuple(
                BindingPlan(
                    name=b["name"],
                    env_key=b["env_key"],
                    registry=b["registry"],
                    package=b["package"],
                    tag_prefix=_tag_prefix(b, f"{b['name']}-v"),
                    current=RegistryVersion(b["current"], b["registry"],
                                            b.get("versioning", "two-tier"))
                    if b["current"] else None,
                    next=BindingVersion.parse_any(b["next"]) if b["next"] else None,
                    reasons=tuple(b["reasons"]),
                    files=tuple(b["files"]),
                    skipped=BindingVersion.parse_any(b["skipped"]) if b.get("skipped") else None,
                    versioning=b.get("versioning", "two-tier"),
                )
                for b in data["bindings"]
            ),
            core_override=CoreOverride.from_dict(data.get("core_override")),
        )

    def text(self) -> str:
        """A human summary of the versions and why each component is in."""
        first = " (first release)" if self.first_release else ""
        lines = [f"Release plan{first}, comparing {self.source_commit[:12]} with "
                 f"{'the beginning of history' if self.base_ref.startswith('4b825dc') else self.base_ref}"]
        core = self.core
        if core.changed:
            lines.append(f"  core {core.current} -> {core.next}  ({'; '.join(core.reasons)})")
        else:
            lines.append(f"  core {core.current} (unchanged)")
        for b in self.bindings:
            current = b.current.canonical(core.current) if b.current is not None else "-"
            if b.skipped:
                lines.append(f"  {b.name:<12} {b.package} {current} (skipped: would be "
                             f"{b.skipped}; carried forward to the next release)")
                continue
            if b.next is None:
                lines.append(f"  {b.name:<12} {b.package} {current} (unchanged)")
                continue
            shown = str(b.next)
            if b.rendering != shown:
                shown += f" (on {b.registry}: {b.rendering})"
            lines.append(f"  {b.name:<12} {b.package} {current} -> {shown}"
                         f"  ({'; '.join(b.reasons)})")
        if not self.anything:
            lines.append("  Nothing to release.")
        return "\n".join(lines)


def _tag_prefix(entry: dict[str, Any], default: str) -> str:
    """A component's tag prefix, read back from its tag. A component the plan does not
    release has no tag, and no tag of it is ever made from the plan: the default prefix
    stands in."""
    tag, version = entry.get("tag"), entry.get("next")
    if isinstance(tag, str) and isinstance(version, str) and tag.endswith(version):
        return tag[:-len(version)]
    return default
