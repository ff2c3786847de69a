"""Real mail servers on loopback for the tests, each with a certificate of a throwaway authority:
pymap (pure Python, from the project's locked dependencies; `--debug` logs every command it receives
after TLS is up, so a test can tell whether a password was sent) and Dovecot (Debian's
dovecot-imapd, the IMAP server most Linux mail hosts run; its log records each login and each
connection that ended with no authentication attempt). Both speak STARTTLS; Dovecot also IMAPS."""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.builders import free_port

PYMAP = str(Path(sys.executable).parent / "pymap")
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PYMAP_USER, PYMAP_PASSWORD = "demouser", "demopass"
DOVECOT_USER, DOVECOT_PASSWORD = "mesa", "una-clave-larga-de-prueba"


@dataclass(frozen=True)
class Authority:
    """A certificate authority of the test's own, and a server certificate it signed for
    127.0.0.1 and `localhost` (valid from yesterday, or already expired)."""

    ca: Path
    cert: Path
    key: Path


def make_authority(
    folder: Path,
    name: str = "Mesa test CA",
    expired: bool = False,
    hosts: tuple[str, ...] = ("localhost", "127.0.0.1"),
) -> Authority:
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    ca = (
        x509.CertificateBuilder()
        .subject_name(issuer)
        .issuer_name(issuer)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ends = now - dt.timedelta(days=1) if expired else now + dt.timedelta(days=30)
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(issuer)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=10))
        .not_valid_after(ends)
        .add_extension(
            x509.SubjectAlternativeName([_name(host) for host in hosts]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = Authority(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    paths.ca.write_bytes(ca.public_bytes(pem))
    paths.cert.write_bytes(server.public_bytes(pem))
    paths.key.write_bytes(
        server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


def _name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def wait_for(ready: Callable[[], object], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            ready()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@dataclass(frozen=True)
class Server:
    """A mail server started by a test: its ports, its log, and who logs in."""

    port: int  # plain IMAP, STARTTLS offered when the server has a certificate
    log: Path
    user: str
    password: str
    tls_port: int | None = None  # IMAPS (TLS from the first byte), where the server has it

    def logins(self) -> int:
        """How many LOGIN commands (or authentications) reached the server."""
        said = self.log.read_text(encoding="utf-8", errors="replace")
        return said.count(" LOGIN ") + said.count("imap-login: Info: Login:")

    def client(self) -> object:
        """A trusting client for setting the mailbox up (folders, messages), as its owner would."""
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", self.port, ssl=False, timeout=10)
        if client.has_capability("STARTTLS"):
            import ssl

            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            client.starttls(context)
        client.login(self.user, self.password)
        return client


@contextmanager
def pymap(folder: Path, authority: Authority | None, folders: tuple[str, ...]) -> Iterator[Server]:
    """pymap's in-memory server with its demo user; STARTTLS with `authority`'s certificate, or no
    TLS at all; every command logged."""
    folder.mkdir(parents=True, exist_ok=True)
    port, log = free_port(), folder / "pymap.log"
    tls = ["--cert", str(authority.cert), "--key", str(authority.key)] if authority else ["--no-tls"]
    with log.open("w") as output:
        process = subprocess.Popen(
            [PYMAP, "--debug", "--host", "127.0.0.1", "--port", str(port), *tls, "dict", "--demo-data"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(port, log, PYMAP_USER, PYMAP_PASSWORD)
    try:
        wait_for(lambda: _setup(server, folders))
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)


def dovecot_available() -> bool:
    return Path(DOVECOT).is_file()


@contextmanager
def dovecot(folder: Path, authority: Authority, folders: tuple[str, ...]) -> Iterator[Server]:
    """Dovecot from a configuration of the test's own: one user in a passwd file, maildirs in a
    temporary folder, STARTTLS on one port and IMAPS on another, plaintext logins refused before TLS.
    Its processes run as its own users (dovecot, nobody): its files are in a folder they can reach,
    not under pytest's, which only its owner may enter."""
    with tempfile.TemporaryDirectory(prefix="mesa-dovecot-") as reachable:
        Path(reachable).chmod(0o755)
        with _dovecot(Path(reachable), authority, folders) as server:
            yield server


@contextmanager
def _dovecot(folder: Path, authority: Authority, folders: tuple[str, ...]) -> Iterator[Server]:
    for name in ("ca", "cert", "key"):
        shutil.copy(getattr(authority, name), folder / f"{name}.pem")
    authority = Authority(folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    mail = folder / "mail"
    mail.mkdir(mode=0o777)
    mail.chmod(0o777)
    (folder / "users").write_text(f"{DOVECOT_USER}:{{PLAIN}}{DOVECOT_PASSWORD}\n", encoding="utf-8")
    port, tls_port, log = free_port(), free_port(), folder / "dovecot.log"
    config = folder / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {log}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{authority.cert}
ssl_key = <{authority.key}
disable_plaintext_auth = yes
auth_verbose = yes
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={mail}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
    ssl = yes
  }}
}}
""",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = Server(port, log, DOVECOT_USER, DOVECOT_PASSWORD, tls_port)
    try:
        wait_for(lambda: _setup(server, folders))
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)


def _setup(server: Server, folders: tuple[str, ...]) -> None:
    client = server.client()
    for name in folders:
        if not client.folder_exists(name):  # type: ignore[attr-defined]
            client.create_folder(name)  # type: ignore[attr-defined]
    client.logout()  # type: ignore[attr-defined]
