"""The requests the official trusted-publishing actions make, for tests that stand in for
them: ``rust-lang/crates-io-auth-action`` (crates.io), ``rubygems/configure-rubygems-
credentials`` (RubyGems) and ``pypa/gh-action-pypi-publish``'s exchange (PyPI).

Each first asks the job's OIDC service for an ID token with the registry's audience
(``GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD``, ``Authorization: Bearer
$ACTIONS_ID_TOKEN_REQUEST_TOKEN``), then exchanges it; the minted token is what the job's
upload step is given. :class:`ExchangeRefused` carries the registry's answer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote


class ExchangeRefused(Exception):
    """The OIDC service or the registry refused; the message is its answer."""


def call(url: str, *, method: str = "GET", body: Any = None,
         headers: Mapping[str, str] | None = None) -> Any:
    """One JSON request; :class:`ExchangeRefused` with the answer on an HTTP error."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Accept": "application/json",
                                              "Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
    except urllib.error.HTTPError as exc:
        raise ExchangeRefused(f"HTTP {exc.code}: {exc.read().decode('utf-8', 'replace')}") from None
    return json.loads(text) if text else None


def id_token(env: Mapping[str, str], audience: str) -> str:
    """The job's OIDC ID token for ``audience``."""
    url = env.get("ACTIONS_ID_TOKEN_REQUEST_URL")
    request_token = env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    if not url or not request_token:
        raise ExchangeRefused("no ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN: id-token: write missing")
    separator = "&" if "?" in url else "?"
    answer = call(f"{url}{separator}audience={quote(audience)}",
                   headers={"Authorization": f"Bearer {request_token}"})
    return str(answer["value"])


def crates_io_auth_action(env: Mapping[str, str], api: str, audience: str = "crates.io") -> str:
    """crates.io's short-lived publish token (``steps.auth.outputs.token``)."""
    jwt = id_token(env, audience)
    answer = call(f"{api.rstrip('/')}/api/v1/trusted_publishing/tokens", method="POST",
                   body={"jwt": jwt})
    return str(answer["token"])


def crates_io_revoke(api: str, token: str) -> None:
    """What the action's post step does: revoke the token."""
    call(f"{api.rstrip('/')}/api/v1/trusted_publishing/tokens", method="DELETE",
          headers={"Authorization": token})


def configure_rubygems_credentials(env: Mapping[str, str], host: str,
                                   audience: str = "rubygems.org") -> str:
    """RubyGems' short-lived API key (what the action puts in ``GEM_HOST_API_KEY``)."""
    jwt = id_token(env, audience)
    answer = call(f"{host.rstrip('/')}/api/v1/oidc/trusted_publisher/exchange_token",
                   method="POST", body={"jwt": jwt})
    return str(answer["rubygems_api_key"])


def pypi_mint_token(env: Mapping[str, str], upload_url: str) -> str:
    """PyPI's short-lived API token: the audience from ``/_/oidc/audience``, then mint-token
    on the upload URL's host."""
    base = upload_url.split("://", 1)[0] + "://" + upload_url.split("://", 1)[1].split("/", 1)[0]
    audience = str(call(f"{base}/_/oidc/audience")["audience"])
    answer = call(f"{base}/_/oidc/mint-token", method="POST",
                   body={"token": id_token(env, audience)})
    return str(answer["token"])
