"""Schemathesis against the service's own OpenAPI document, in process (ASGI): every operation, a bounded number
of generated requests each (positive and negative), the token supplied for writes; no 5xx, every response
conforms to the schema."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from serving import AUTH, DEMO_PACKAGE, make_client, settings, upload, wait_done

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis not installed (pip install schemathesis)")
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as examples  # noqa: E402
from schemathesis.specs.openapi.checks import negative_data_rejection  # noqa: E402

from privaudit.serve.app import create_app  # noqa: E402

# The schema is loaded when the module is (schemathesis.pytest.from_fixture fails on this pytest), so the app is
# built here, over a temporary folder removed when the module's tests are done.
_TMP = tempfile.TemporaryDirectory(prefix="privaudit-schemathesis-")
_DB = f"{_TMP.name}/r.sqlite"
# workers=0: generated uploads are queued, never audited.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings(
    _DB, Path(_TMP.name), workers=0, max_apk_bytes=64 * 1024, max_evidence_bytes=64 * 1024)))


@pytest.fixture(scope="module", autouse=True)
def _finished_run():
    """Run 1 is a finished audit of the demo app (recorded through a second app, with a worker, on the same
    store)."""
    with make_client(_DB, Path(_TMP.name) / "seed") as client:
        run = wait_done(client, upload(client).json()["run_id"])
        assert run["status"] == "ok" and run["id"] == 1 and run["package"] == DEMO_PACKAGE
    yield
    _TMP.cleanup()


@schema.parametrize()
@examples(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case):
    # A file part is bytes whatever schemathesis meant by it ("an integer instead of binary" still arrives as
    # bytes, a valid file): for the upload, only the other checks apply to its negative cases.
    excluded = [negative_data_rejection] if case.operation.path == "/api/apps" and case.method == "POST" else []
    case.call_and_validate(headers=AUTH, excluded_checks=excluded)


@pytest.mark.parametrize(("path", "query"), [
    ("/api/runs/{run_id}", {}), ("/api/apps/{app_id}", {}), ("/api/apps", {}), ("/api/stats", {}), ("/healthz", {}),
    *(("/api/runs/{run_id}/report", {"format": f, "lang": "en"}) for f in ("json", "md", "html", "sarif", "text"))])
def test_a_finished_run_conforms_to_the_schema(path, query):
    """The generated ids above rarely hit run 1: its responses are checked here, with the same checks."""
    params = {k: 1 for k in ("run_id", "app_id") if "{" + k + "}" in path}
    case = schema[path]["GET"].Case(path_parameters=params or None, query=query or None)
    assert case.call_and_validate().status_code == 200
