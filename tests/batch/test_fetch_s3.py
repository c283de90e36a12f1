"""Inputs by s3:// URL, against a real S3 protocol server (moto's, on localhost): the workers fetch the app through
fsspec/s3fs with the credentials and endpoint of their environment; same findings as the local file, on the process
pool and on a local Dask cluster; a missing object is an error row naming the URL."""

from __future__ import annotations

import socket

import pytest
from conftest import REPO

from privaudit.audit import AuditInputs, audit
from privaudit.batch import BatchOptions, Job, run_batch
from privaudit.store import Store

DEMO = REPO / "examples" / "demo-app" / "demo.apk"


@pytest.fixture
def s3(monkeypatch):
    s3fs = pytest.importorskip("s3fs", reason="s3:// inputs need s3fs (pip install s3fs)")
    server_mod = pytest.importorskip("moto.server", reason="the S3 test server is moto's (pip install 'moto[server]')")
    import boto3

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    # what a worker's environment would carry: credentials and the endpoint (an S3-compatible store such as MinIO)
    for k, v in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                 "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}.items():
        monkeypatch.setenv(k, v)
    s3fs.S3FileSystem.clear_instance_cache()  # fsspec caches file systems with the endpoint they were made with
    client = boto3.client("s3")
    client.create_bucket(Bucket="apps")
    client.upload_file(str(DEMO), "apps", "cn/2026/demo.apk")
    yield
    server.stop()
    s3fs.S3FileSystem.clear_instance_cache()


@pytest.mark.parametrize("executor", ["pool", "dask"])
def test_apps_by_s3_url(s3, executor, tmp_path):
    db = str(tmp_path / "s3.sqlite")
    jobs = [Job(apk="s3://apps/cn/2026/demo.apk"), Job(apk="s3://apps/cn/2026/missing.apk")]
    result = run_batch(jobs, BatchOptions(db=db, workers=2, timeout=60, executor=executor))
    assert (result.ok, result.errors) == (1, 1), result.error_rows
    assert result.error_rows[0]["error"].startswith("s3://apps/cn/2026/missing.apk: ")
    want = {f.item: f.verdict.value for f in audit(AuditInputs(apk=str(DEMO))).findings}
    store = Store(db)
    run_id = store.done_run(__import__("hashlib").sha256(DEMO.read_bytes()).hexdigest(),
                            jobs[0].inputs_key(), __import__("privaudit").__version__)
    assert run_id is not None  # the parent streamed the object for the SHA-256 that makes the batch resumable
    report = store.report(run_id)
    assert {f["item"]: f["verdict"] for f in report["findings"]} == want
    assert store.run(run_id)["source"] == "s3://apps/cn/2026/demo.apk"
