"""``history`` as text and as JSON: the rendering of :class:`~release_tasks.history.releases.History`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from release_tasks.history.releases import History, Publication, Release
from release_tasks.model.version import CoreVersion
from release_tasks.plan.release_plan import RegistryVersion, ReleasePlan


def to_dict(history: History) -> dict[str, Any]:
    """The history as JSON data: releases, components with their versions, what is pending."""
    return {
        "releases": [_release_dict(r) for r in history.releases],
        "components": {c.name: {"registry": c.registry, "packages": list(c.packages),
                                "tag_prefix": c.tag_prefix,
                                "versions": [_publication_dict(p) for p in c.publications]}
                       for c in history.components},
        "unpublished": [{"component": u.component, "version": u.version, "tag": u.tag,
                         "release_tag": u.release_tag, "release_date": _iso(u.release_date),
                         "superseded_by": u.superseded_by, "state": u.state,
                         "files": _files(u.files), "attested": _files(u.attested)}
                        for u in history.unpublished],
    }


def to_json(history: History) -> str:
    return json.dumps(to_dict(history), indent=2)


def _iso(date: datetime) -> str:
    return date.astimezone(UTC).isoformat()


def _when(date: datetime) -> str:
    return f"{date.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _publication_dict(p: Publication) -> dict[str, Any]:
    found: dict[str, Any] = {"version": p.version, "tag": p.tag, "date": _iso(p.date),
                             "commit": p.commit, "release_tag": p.release_tag}
    if p.files is not None:
        found |= {"files": list(p.files), "attested": _files(p.attested)}
    if p.platforms is not None:
        found |= {"platforms": list(p.platforms), "missing_platforms": list(p.missing_platforms)}
    return found


def _platforms(p: Publication) -> list[str]:
    """What ``history --registries`` found of a version's declared platforms, for the text."""
    if p.platforms is None:
        return []
    held = ", ".join(p.platforms) or "none"
    missing = (f"; MISSING {', '.join(p.missing_platforms)} (publish --artifacts DIR "
               "--backfill adds them where the registry takes new files)"
               if p.missing_platforms else "")
    return [f"  {'':<10} platforms: {held}{missing}"]


def _release_dict(r: Release) -> dict[str, Any]:
    plan = r.plan
    return {
        "tag": r.tag, "date": _iso(r.date), "commit": r.commit, "has_plan": plan is not None,
        "source_commit": plan.source_commit if plan else None,
        "base_ref": plan.base_ref if plan else None,
        "first_release": plan.first_release if plan else None,
        "summary": _plan_summary(plan) if plan else None,
        "components": [{"component": p.component, "version": p.version, "tag": p.tag,
                        "published": p.published is not None,
                        "published_at": _iso(p.published.date) if p.published else None,
                        "carried_to": p.carried_to, "problem": p.problem,
                        "state": p.state, "files": _files(p.files),
                        "attested": _files(p.attested)}
                       for p in r.components],
        "skipped": [{"component": c, "version": v} for c, v in r.skipped],
        "problems": list(r.problems),
    }


def _files(files: tuple[str, ...] | None) -> list[str] | None:
    return None if files is None else list(files)


def _on_registry(files: tuple[str, ...] | None,
                 attested: tuple[str, ...] | None = None) -> str:
    """What ``history --registries`` found of an untagged version, for the text."""
    if files is None:
        return ""
    if not files:
        return "; planned: nothing on its registry"
    return (f"; PARTIAL: {len(files)} file(s) on its registry ({', '.join(files)}), re-run its "
            f"publish to finish and tag it{_attested(files, attested)}")


def _attested(files: tuple[str, ...], attested: tuple[str, ...] | None) -> str:
    """Which of ``files`` the registry shows an attestation for (``history --registries``)."""
    if attested is None or not files:
        return ""
    if not attested:
        return "; no attestation on its registry"
    return ("; attested: every file" if set(attested) == set(files)
            else f"; attested: {', '.join(attested)} (not the others)")


def _plan_summary(plan: ReleasePlan) -> str:
    if plan.first_release:
        parts = [f"core {plan.core.next}"] + [f"{b.name} {b.next}" for b in plan.bindings
                                               if b.next]
        return "first release: " + ", ".join(parts)
    parts = [f"core {plan.core.current} -> {plan.core.next}"] if plan.core.changed else []
    parts += [f"{b.name} {_current(b.current, plan.core.current)} -> {b.next}"
              for b in plan.bindings if b.next]
    return ", ".join(parts) or "nothing"


def _current(current: RegistryVersion | None, core: CoreVersion) -> str:
    """A binding's version before the release, in the rendering of the version after it."""
    return current.canonical(core, spelled=False) if current is not None else "-"


def to_text(history: History) -> str:
    """The history for a reader: releases newest first, then every component's versions."""
    if not history.releases and not any(c.publications for c in history.components):
        return f"No release tags and no component tags in {history.root}."
    width = max([len(c.name) for c in history.components] + [4])
    lines = ["Releases, newest first:"]
    for r in history.releases:
        lines.append(f"{r.tag}  {_when(r.date)}  commit {r.commit[:12]}")
        if r.plan is None:
            lines.append("  (no release plan in this tag)")
        else:
            lines.append(f"  plan: {_plan_summary(r.plan)}")
        for p in r.components:
            if p.published:
                state = f"published   {p.tag:<24} {_when(p.published.date)}"
                if p.carried_to:
                    state += f" (from {p.published.release_tag})"
            elif p.carried_to:
                state = f"carried forward to {p.carried_to}"
            else:
                state = f"UNPUBLISHED (no tag {p.tag}){_on_registry(p.files, p.attested)}"
            lines.append(f"  {p.component:<{width}}  {p.version:<10} {state}")
            if p.problem:
                lines.append(f"  {'':<{width}}  warning: {p.problem}")
        lines += [f"  {c:<{width}}  {v:<10} skipped (left out with --skip; carried forward)"
                  for c, v in r.skipped]
        lines += [f"  warning: {problem}" for problem in r.problems]
    if not history.releases:
        lines.append("  (none)")
    lines.append("")
    lines.append("Published versions, by component (from component tags):")
    for c in history.components:
        packages = c.packages[0] if len(c.packages) == 1 else f"{len(c.packages)} crates"
        lines.append(f"{c.name} ({c.registry}: {packages})" if c.packages
                     else f"{c.name} (not in the config)")
        for pub in c.publications:
            release = pub.release_tag or "no release tag"
            lines.append(f"  {pub.version:<10} {pub.tag:<24} {_when(pub.date)}  "
                         f"commit {pub.commit[:12]}  {release}"
                         f"{_attested(pub.files or (), pub.attested).replace(';', ' ', 1)}")
            lines += _platforms(pub)
        if not c.publications:
            lines.append("  (none)")
    if history.unpublished:
        lines.append("")
        lines.append("Planned but not published:")
        for u in history.unpublished:
            after = f"; superseded by {u.superseded_by}" if u.superseded_by else ""
            lines.append(f"  {u.component} {u.version} ({u.release_tag}): no tag {u.tag}{after}"
                         f"{_on_registry(u.files, u.attested)}")
        lines.append("  (CI creates component tags on the remote: `git fetch --tags` if they "
                     "are missing here)")
    return "\n".join(lines)
