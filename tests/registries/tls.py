"""A certificate authority and a server certificate for 127.0.0.1, made with openssl, for
the stand-ins that must speak HTTPS (uv asks PyPI's OIDC audience over ``https://`` only).

The client trusts the authority's certificate (``SSL_CERT_FILE`` for uv, ``verify=`` for
httpx); rustls refuses a self-signed certificate used as the server's own, hence two.
"""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LocalTls:
    ca: Path  # what clients trust
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))


def make(openssl: str, directory: Path) -> LocalTls:
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = directory / "ca.pem", directory / "ca.key"
    cert, key, csr = directory / "cert.pem", directory / "key.pem", directory / "leaf.csr"
    extensions = directory / "leaf.cnf"
    extensions.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                          "extendedKeyUsage=serverAuth\n")
    steps = [
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key),
         "-out", str(ca), "-days", "1", "-subj", "/CN=release-tasks test CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"],
        [openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
         "-subj", "/CN=127.0.0.1"],
        [openssl, "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
         "-CAcreateserial", "-out", str(cert), "-days", "1", "-extfile", str(extensions)],
    ]
    for argv in steps:
        subprocess.run(argv, check=True, capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    return LocalTls(ca=ca, cert=cert, key=key)
