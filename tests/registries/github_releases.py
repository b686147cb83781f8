"""A local stand-in of GitHub's releases endpoints (``/repos/OWNER/NAME/releases``): get by
tag, create, update; token checked; every request recorded."""

from __future__ import annotations

import json
import re
from typing import Any

from release_tasks.standins.httpbase import RegistryApp, Request, Response

_BY_TAG = re.compile(r"/repos/(?P<repo>[^/]+/[^/]+)/releases/tags/(?P<tag>.+)")
_LIST = re.compile(r"/repos/(?P<repo>[^/]+/[^/]+)/releases")
_ONE = re.compile(r"/repos/(?P<repo>[^/]+/[^/]+)/releases/(?P<id>\d+)")


class GitHubReleases(RegistryApp):
    """Releases per repository, in memory."""

    def __init__(self, token: str = "ghs_test_token") -> None:
        super().__init__()
        self.token = token
        self.releases: dict[int, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self._next = 1

    def category(self, method: str, path: str) -> str:
        return "api"

    def route(self, request: Request) -> Response:
        self.requests.append((request.method, request.path))
        if request.header("authorization") != f"Bearer {self.token}":
            return Response.json(401, {"message": "Bad credentials"})
        if (m := _BY_TAG.fullmatch(request.path)) and request.method == "GET":
            for release in self.releases.values():
                if release["repo"] == m["repo"] and release["tag_name"] == m["tag"]:
                    return Response.json(200, release)
            return Response.json(404, {"message": "Not Found"})
        if (m := _ONE.fullmatch(request.path)) and request.method == "PATCH":
            found = self.releases.get(int(m["id"]))
            if found is None:
                return Response.json(404, {"message": "Not Found"})
            found.update(json.loads(request.body))
            return Response.json(200, found)
        if (m := _LIST.fullmatch(request.path)) and request.method == "POST":
            data = json.loads(request.body)
            if any(r["repo"] == m["repo"] and r["tag_name"] == data["tag_name"]
                   for r in self.releases.values()):
                return Response.json(422, {"message": "Validation Failed",
                                           "errors": [{"code": "already_exists"}]})
            release = {"id": self._next, "repo": m["repo"], **data}
            self.releases[self._next] = release
            self._next += 1
            return Response.json(201, release)
        return Response.json(404, {"message": "Not Found"})

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]
