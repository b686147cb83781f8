"""Sigstore attestations of the gems: signed in the job from its OIDC identity and pushed
with each gem (``gem push --attestation``, RubyGems 3.6 or newer) (room:
``registries/rubygems/``).

RubyGems.org keeps an attestation only when a trusted publisher of the gem signed it, so
the gems are signed only where trusted publishing is on and the job offers an ID token,
whichever way the API key came (the workflow's credentials action puts it in
``GEM_HOST_API_KEY``). ``gem exec sigstore-cli sign GEM --bundle GEM.sigstore.json`` writes
each bundle; an old bundle beside a gem is removed first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from release_tasks import cmd
from release_tasks.errors import PublishError, ToolMissing
from release_tasks.registries.interface import PublishContext
from release_tasks.registries.secrets import oidc_available

#: The signing call (argv before the gem); what RubyGems' own push runs to attest.
SIGNER = ("gem", "exec", "sigstore-cli:0.2.1", "sign")
SUFFIX = ".sigstore.json"
MINIMUM = (3, 6, 0)
FIX = "gem update --system"


def wanted(ctx: PublishContext) -> bool:
    return ctx.binding.trusted_publishing and oidc_available(ctx.env) and not ctx.dry_run


def check_gem(ctx: PublishContext) -> None:
    """ToolMissing when this RubyGems cannot push an attestation."""
    found = cmd.run(["gem", "--version"], capture=True, check=False, echo=False,
                    env=ctx.build_env()).stdout.strip()
    numbers = tuple(int(n) for n in re.findall(r"\d+", found)[:3])
    if numbers < MINIMUM:
        raise ToolMissing(f"gem push --attestation needs RubyGems {'.'.join(map(str, MINIMUM))} "
                          f"or newer, found {found or 'none'}: {FIX}")


def sign(ctx: PublishContext, gems: Sequence[Path]) -> list[Path]:
    """A Sigstore bundle per gem, in order."""
    bundles = [Path(f"{gem}{SUFFIX}") for gem in gems]
    for gem, bundle in zip(gems, bundles, strict=True):
        bundle.unlink(missing_ok=True)
        cmd.run([*SIGNER, str(gem), "--bundle", str(bundle)], cwd=ctx.directory,
                env=ctx.upload_env(), prefix=ctx.binding.name)
        try:
            json.loads(bundle.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PublishError(f"`{' '.join(SIGNER)}` left no Sigstore bundle {bundle.name} "
                               f"({exc}): nothing was pushed") from None
    return bundles
