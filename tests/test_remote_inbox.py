"""Remote inboxes, against real servers on loopback: an S3 bucket (moto's server, speaking the S3 HTTP
API) and an SFTP server (asyncssh, with SSH keys). The same files, the same outcomes as a local
folder; an inbox that does not answer is retried, then reported, and fails the run only when no
inbox could be read."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.reception.inbox import discover
from mesa_tumbes.warehouse.store import connect
from tests.builders import free_port
from tests.conftest import EXAMPLES_INBOX
from tests.test_cli import mesa

# A few of the bundled examples, and what each must give (from examples/README.md).
FILES = {
    "DIRESA/diresa_atenciones_2026-10.xlsx": "accepted",
    "MIMP/mimp_cem_upe_octubre.csv": "partially_accepted",
    "DRE/informe_matricula_octubre.csv": "rejected",
}
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "mesa-test",
    "AWS_SECRET_ACCESS_KEY": "mesa-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_MAX_ATTEMPTS": "1",  # botocore's own retries off: the flow's retries are under test
}


# --- Servers ------------------------------------------------------------------------------------


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's S3 server on loopback with a bucket holding the example files; yields the inbox URL."""
    import boto3
    from moto.server import ThreadedMotoServer
    from s3fs import S3FileSystem

    S3FileSystem.clear_instance_cache()  # fsspec keeps file systems (and listings) per process
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {**S3_ENV, "AWS_ENDPOINT_URL_S3": endpoint}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket="mesa-tumbes")
    for name in FILES:
        client.upload_file(str(EXAMPLES_INBOX / name), "mesa-tumbes", f"entradas/{name}")
    client.put_object(Bucket="mesa-tumbes", Key="entradas/suelto.csv", Body=b"fuera de una carpeta")
    yield "s3://mesa-tumbes/entradas"
    server.stop()
    S3FileSystem.clear_instance_cache()


@pytest.fixture
def sftp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """An SFTP server (asyncssh) on loopback serving a folder, reached with an SSH key; yields the
    inbox URL and the client's key file."""
    import asyncssh
    import fsspec.config

    root = tmp_path / "sftp-root"
    for name in FILES:
        (root / "entradas" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLES_INBOX / name, root / "entradas" / name)
    (root / "entradas" / "DIRESA" / "~$abierto.xlsx").write_bytes(b"lock")  # Office's lock file
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id_ed25519"
    client_key.write_private_key(str(key_file))
    key_file.chmod(0o600)
    authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())

    class Chroot(asyncssh.SFTPServer):  # type: ignore[misc]
        def __init__(self, channel: Any) -> None:
            super().__init__(channel, chroot=str(root).encode())

    loop = asyncio.new_event_loop()
    started: list[Any] = []

    async def listen() -> None:
        started.append(
            await asyncssh.listen(
                "127.0.0.1",
                0,
                server_host_keys=[host_key],
                authorized_client_keys=authorized,
                sftp_factory=Chroot,
            )
        )

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(listen(), loop).result(timeout=30)
    port = started[0].sockets[0].getsockname()[1]
    monkeypatch.setitem(
        fsspec.config.conf,
        "sftp",
        {"key_filename": str(key_file), "look_for_keys": False, "allow_agent": False},
    )
    yield f"sftp://mesa@127.0.0.1:{port}/entradas", key_file
    started[0].close()
    loop.call_soon_threadsafe(loop.stop)


def settings_for(tmp_path: Path, *inboxes: str, **environ: str) -> Settings:
    return resolve_settings(
        inbox=list(inboxes),
        warehouse=str(tmp_path / "mesa.duckdb"),
        feedback=str(tmp_path / "feedback"),
        environ={"MESA_INBOX_RETRIES": "2", "MESA_INBOX_RETRY_DELAY_SECONDS": "0.2", **environ},
    )


def statuses(settings: Settings) -> dict[str, str]:
    with connect(settings.warehouse, read_only=True) as connection:
        rows = connection.execute("select agency || '/' || file_name, status from submissions").fetchall()
    return dict(rows)


# --- Tests --------------------------------------------------------------------------------------


def test_an_s3_inbox_is_listed_like_a_local_folder(s3: str, reference: Reference) -> None:
    files = discover(s3, reference)
    assert sorted(f.label for f in files) == sorted(FILES)
    assert all(f.location.startswith("s3://mesa-tumbes/entradas/") and f.size_bytes > 0 for f in files)
    with files[0].open() as stream:
        assert stream.read() == (EXAMPLES_INBOX / files[0].label).read_bytes()


def test_an_sftp_inbox_is_listed_like_a_local_folder(sftp: tuple[str, Path], reference: Reference) -> None:
    url, _ = sftp
    files = discover(url, reference)
    assert sorted(f.label for f in files) == sorted(FILES)  # Office's lock file is not a submission
    assert all(f.location.startswith(url + "/") for f in files)
    with files[-1].open() as stream:
        assert stream.read() == (EXAMPLES_INBOX / files[-1].label).read_bytes()


@pytest.mark.e2e
def test_files_from_s3_and_sftp_inboxes_go_through_the_pipeline(
    prefect_api: str, s3: str, sftp: tuple[str, Path], tmp_path: Path
) -> None:
    from mesa_tumbes.flows.intake import run_intake

    sftp_url, _ = sftp
    settings = settings_for(tmp_path, s3, sftp_url)
    succeeded, report = run_intake(settings)
    assert succeeded and report.unreachable == [], report
    # Each file is in both inboxes: the same agency, path and bytes are the same submission, taken once.
    assert statuses(settings) == FILES
    assert len(report.as_json()["submissions"]) == len(FILES) and report.skipped == len(FILES)
    assert (tmp_path / "feedback" / "DIRESA").is_dir()
    again_ok, again = run_intake(settings)
    assert again_ok and again.as_json()["submissions"] == [] and again.skipped == 2 * len(FILES)


@pytest.mark.e2e
def test_an_unreachable_inbox_is_retried_then_reported_and_the_others_are_read(
    prefect_api: str, tmp_path: Path, examples_inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from s3fs import S3FileSystem

    from mesa_tumbes.flows.intake import run_intake

    S3FileSystem.clear_instance_cache()
    for name, value in {**S3_ENV, "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{free_port()}"}.items():
        monkeypatch.setenv(name, value)  # nothing listens there
    dead = "s3://mesa-tumbes/entradas"
    succeeded, report = run_intake(settings_for(tmp_path, dead, str(examples_inbox)))
    assert succeeded  # one inbox could be read: the run did its work
    assert report.unreachable == [dead] and len(report.as_json()["submissions"]) == 10
    with connect(tmp_path / "mesa.duckdb", read_only=True) as connection:
        runs = connection.execute("select state, unreachable_inboxes from runs").fetchall()
    assert runs == [("completed", [dead])]

    alone_ok, alone = run_intake(settings_for(tmp_path / "alone", dead))
    assert not alone_ok and alone.unreachable == [dead]


@pytest.mark.e2e
def test_mesa_run_exits_non_zero_only_when_no_inbox_could_be_read(prefect_api: str, tmp_path: Path) -> None:
    env = {
        **S3_ENV,
        "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{free_port()}",
        "MESA_INBOX_RETRIES": "1",
        "MESA_INBOX_RETRY_DELAY_SECONDS": "0.1",
    }
    result = mesa("run", "--inbox", "s3://mesa-tumbes/entradas", cwd=tmp_path, api=prefect_api, **env)
    assert result.returncode == 1
    assert "No se pudo leer la bandeja de entrada: s3://mesa-tumbes/entradas" in result.stdout
    assert "No se pudo leer la bandeja de entrada s3://mesa-tumbes/entradas" in result.stderr
