"""A test certificate authority and server certificates made with the `openssl` command line in a temporary directory:
what an operator would do with a private CA, so the interop and browser tests trust the server the way a client would."""
from __future__ import annotations

import base64
import hashlib
import pathlib
import ssl
import subprocess
import tempfile


def openssl(*args: str, cwd: pathlib.Path) -> bytes:
    return subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True).stdout


class CertificateAuthority:
    """A CA (P-256, 30 days) in its own directory; `issue` makes a server certificate for localhost and 127.0.0.1."""

    def __init__(self, name: str = "LastWord Test CA", directory: pathlib.Path | None = None):
        self.directory = directory or pathlib.Path(tempfile.mkdtemp(prefix="lastword-ca-"))
        self.name = name
        self.key = self.directory / "ca.key"
        self.certificate = self.directory / "ca.pem"
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", str(self.key), "-out", str(self.certificate), "-days", "30", "-subj", f"/CN={name}",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                cwd=self.directory)
        self.count = 0

    def issue(self, name: str = "server") -> tuple[pathlib.Path, pathlib.Path]:
        """(certificate chain file, key file) for localhost and 127.0.0.1, signed by this CA."""
        self.count += 1
        key = self.directory / f"{name}.key"
        csr = self.directory / f"{name}.csr"
        certificate = self.directory / f"{name}.pem"
        extensions = self.directory / f"{name}.ext"
        extensions.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
                              "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
                "-out", str(csr), "-subj", "/CN=localhost", cwd=self.directory)
        openssl("x509", "-req", "-in", str(csr), "-CA", str(self.certificate), "-CAkey", str(self.key),
                "-set_serial", str(1000 + self.count), "-days", "30", "-sha256", "-extfile", str(extensions),
                "-out", str(certificate), cwd=self.directory)
        return certificate, key

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA only and checks the host name."""
        context = ssl.create_default_context(cafile=str(self.certificate))
        return context

    def spki_sha256(self, certificate: pathlib.Path) -> str:
        """base64(SHA-256(SubjectPublicKeyInfo)) of a certificate, as Chromium's --ignore-certificate-errors-spki-list takes."""
        public = openssl("x509", "-in", str(certificate), "-noout", "-pubkey", cwd=self.directory)
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=public, check=True, capture_output=True).stdout
        return base64.b64encode(hashlib.sha256(der).digest()).decode()
