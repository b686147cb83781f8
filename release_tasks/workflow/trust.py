"""The credential part of each publish job in the release workflow: the ``doctor`` step,
and either the component's token secret or its registry's trusted publishing.

With ``trusted-publishing = true`` a job gets no stored secret: crates.io's token comes from
``rust-lang/crates-io-auth-action`` and RubyGems' key from
``rubygems/configure-rubygems-credentials`` (each a step just before the upload, skipped in a
dry run), while ``uv publish`` and ``npm publish`` make their own exchange. Where a registry
takes no publisher before a package exists and a token can sit beside the exchange
(crates.io), the component's token secret is the fallback for a first version. On tokens,
the upload step gets the secret as today.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from release_tasks.model.components import Binding, Config
from release_tasks.registries import endpoints
from release_tasks.registries.interface import RegistryKind

NOT_DRY = "needs.plan.outputs.dry_run != 'true'"


@dataclass(frozen=True, kw_only=True)
class Lane:
    """What one publish job's credential needs: steps before the upload, and its env."""

    component: str
    trusted: bool
    steps: tuple[str, ...] = ()  # YAML step lines, before the upload step
    env: Mapping[str, str] = field(default_factory=dict)  # the upload step's variables
    secret: str | None = None  # the repository secret it reads, if any
    after: tuple[str, ...] = ()  # YAML step lines after the upload step
    permissions: tuple[str, ...] = ()  # more job permissions, as YAML lines


def doctor_step(component: str, lane: Lane | None = None) -> tuple[str, ...]:
    """``doctor``: the credential path checked before any build (a dry run only reports).
    On a token lane it sees the upload's token variable, else it could only say "no token";
    a trusted lane's token is minted later, for the upload alone."""
    env = lane.env if lane is not None and not lane.trusted else {}
    return ("# The credential path the config says (trusted publishing or a token), checked",
            "# before anything is built: `nox -s doctor` names the one fix.",
            "- name: Credential path",
            "  continue-on-error: ${{ needs.plan.outputs.dry_run == 'true' }}",
            *(["  env:"] if env else []), *(f"    {var}: {value}" for var, value in env.items()),
            f"  run: nox -s doctor -- {component}")


def plan_trust_step() -> tuple[str, ...]:
    """The plan job's report, before anything is published: per component, what its
    registry's trusted publishing still needs (`trust`, in the run's summary)."""
    return ("# Before anything is published: what each registry's trusted publishing still needs",
            "# (a publisher, a pending publisher, or a first version with a token).",
            "- name: Trusted publishing",
            "  continue-on-error: true  # a report: it never holds a release back",
            "  run: nox -s trust >> \"$GITHUB_STEP_SUMMARY\"")


def exchange_inputs(kind: RegistryKind, registries: Mapping[str, str],
                    own: Mapping[str, str]) -> tuple[str, ...]:
    """The exchange action's ``with:`` lines when the config (``[registries]``, or the
    component's own ``endpoints``) moves the registry off its public default; none else.
    Asked only of a component on trusted publishing (a kind without it has no ``trust``)."""
    named = kind.trust.exchange_input
    if named is None:
        return ()
    name, key = named
    fields = kind.endpoint_fields
    urls = endpoints.resolve(fields, {}, endpoints.merged_given(fields, registries, own))
    public = endpoints.resolve(fields, {}, {})
    return () if urls[key] == public[key] else ("  with:", f"    {name}: {urls[key]}")


def lane(component: str, kind: RegistryKind, credential: tuple[str, ...], trusted: bool,
         *, exchange: bool = True, inputs: tuple[str, ...] = ()) -> Lane:
    """The credential of one job; ``exchange=False``: the registry is not the kind's public
    one (an alternative cargo registry), whose trusted publishing no action knows;
    ``inputs``: the exchange step's ``with:`` lines (:func:`exchange_inputs`)."""
    secret = kind.ci.secret
    if not trusted:
        env = {credential[0]: f"${{{{ secrets.{secret} }}}}"} if credential and secret else {}
        return Lane(component=component, trusted=False, env=env,
                    secret=secret if env else None)
    trust = kind.trust
    steps: tuple[str, ...] = ()
    env = {}
    fallback = secret if trust.token_fallback and credential and secret else None
    if exchange and trust.exchange_step:
        steps = (*trust.setup_steps,
                 f"# {kind.label} trusted publishing: a short-lived token from this job's OIDC "
                 "identity,", "# for the upload step only.",
                 *trust.exchange_step, *inputs, f"  if: {NOT_DRY}")
        if fallback:
            steps += ("  continue-on-error: true  # a new crate's first version: the token "
                      "below",)
    if exchange and trust.exchanged:
        variable, expression = trust.exchanged
        variable = credential[0] if credential else variable
        env[variable] = (f"${{{{ {expression} || secrets.{fallback} }}}}" if fallback
                         else f"${{{{ {expression} }}}}")
    elif not exchange and credential and secret:
        env[credential[0]] = f"${{{{ secrets.{secret} }}}}"
        fallback = secret
    return Lane(component=component, trusted=True, steps=steps, env=env, secret=fallback)


def core_lane(config: Config, kind: RegistryKind) -> Lane:
    core = config.core
    found = lane("core", kind, core.credential, core.trusted_publishing,
                 exchange=core.cargo_registry is None,
                 inputs=exchange_inputs(kind, config.registries, {})
                 if core.trusted_publishing else ())
    pattern = kind.trust.attested_files
    if pattern is None:
        return found
    subject = pattern if core.workspace in ("", ".") else f"{core.workspace}/{pattern}"
    return dataclasses.replace(found, after=attestation_step(subject),
                               permissions=("attestations: write  # attest the published files",))


def attestation_step(subject: str) -> tuple[str, ...]:
    """GitHub's artifact attestation of the files the upload packaged (a re-run that packaged
    nothing has none to attest, hence no failure)."""
    return ("# The registry keeps no provenance: the files are attested to this repository",
            "# (GitHub artifact attestations; `gh attestation verify FILE -R OWNER/NAME`).",
            "- name: Attest the published files",
            f"  if: {NOT_DRY} && steps.publish.outcome == 'success'",
            "  continue-on-error: true",
            "  uses: actions/attest-build-provenance@v2",
            "  with:",
            f"    subject-path: {subject}")


def binding_lane(binding: Binding, kind: RegistryKind, registries: Mapping[str, str]) -> Lane:
    """A binding's credential; ``registries``: the config's ``[registries]`` table."""
    trusted = binding.trusted_publishing
    return lane(binding.name, kind, binding.credential, trusted,
                inputs=exchange_inputs(kind, registries, binding.endpoints) if trusted else ())
