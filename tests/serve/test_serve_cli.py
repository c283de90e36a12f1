"""``privaudit serve``'s options: every bad value, an unusable data dir, a host that does not resolve and a port
in use are one line on standard error and exit code 2, before any server starts."""

from __future__ import annotations

import socket

import pytest
import uvicorn

from privaudit.cli import main
from privaudit.errors import EXIT_INPUT


@pytest.fixture
def no_server(monkeypatch):
    """A server that would start fails the test instead of serving forever."""
    def run(self, sockets=None):
        raise AssertionError("the server was started")

    monkeypatch.setattr(uvicorn.Server, "run", run)


def _serve(tmp_path, *options: str) -> list[str]:
    return ["serve", "--db", str(tmp_path / "r.sqlite"), "--data-dir", str(tmp_path / "data"), "--token", "t",
            "--port", "0", *options]


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("privaudit: error: ") and "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(("options", "named"), [
    (["--timeout", "nan"], "--timeout"), (["--timeout", "inf"], "--timeout"), (["--timeout=-inf"], "--timeout"),
    (["--timeout", "0"], "--timeout"), (["--timeout", "-5"], "--timeout"),
    (["--max-memory", "-1"], "--max-memory"),
    (["--max-upload-mb", "0"], "--max-upload-mb"), (["--max-upload-mb", "-3"], "--max-upload-mb"),
    (["--max-evidence-mb", "0"], "--max-evidence-mb"), (["--max-evidence-mb", "-1"], "--max-evidence-mb"),
    (["--workers", "-1"], "--workers"),
    (["--port", "-1"], "--port"), (["--port", "65536"], "--port"),
    (["--token", ""], "--token"), (["--token", "   "], "--token"), (["--token", "\t\n"], "--token"),
    (["--session-hours", "0"], "--session-hours"), (["--session-hours", "nan"], "--session-hours"),
    (["--session-hours", "1e9"], "--session-hours"),
    (["--host", ""], "--host"), (["--host", "no-such-host.invalid"], "--host"),
])
def test_bad_options_are_one_line_and_exit_2(tmp_path, capsys, no_server, options, named):
    assert main([*_serve(tmp_path), *options]) == EXIT_INPUT
    assert named in _one_error_line(capsys)
    assert not (tmp_path / "r.sqlite").exists()  # refused before the store is opened


@pytest.mark.parametrize("data_dir", ["/proc/privaudit-test/data", "{tmp}/a-file", "{tmp}/a-file/below"])
def test_an_unusable_data_dir_is_one_line(tmp_path, capsys, no_server, data_dir):
    (tmp_path / "a-file").write_text("not a folder")
    data_dir = data_dir.format(tmp=tmp_path)
    assert main([*_serve(tmp_path), "--data-dir", data_dir]) == EXIT_INPUT
    line = _one_error_line(capsys)
    assert f"--data-dir {data_dir}: cannot create or write" in line and "FileNotFoundError" not in line


def test_a_port_in_use_is_one_line(tmp_path, capsys, no_server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main([*_serve(tmp_path), "--host", "127.0.0.1", "--port", str(port)]) == EXIT_INPUT
    line = _one_error_line(capsys)
    assert f"--host 127.0.0.1 --port {port}: cannot listen there" in line


def test_good_options_reach_the_server(tmp_path, capsys, monkeypatch):
    """The checks refuse nothing valid: the server is started on a bound socket, the token stripped, the limits
    passed on."""
    started = {}

    def run(self, sockets=None):
        started.update(sockets=[s.getsockname() for s in sockets], settings=self.config.app.state.context.settings)
        self.started = True

    monkeypatch.setattr(uvicorn.Server, "run", run)
    assert main([*_serve(tmp_path), "--token", "  tok en  ", "--host", "127.0.0.1", "--workers", "0",
                 "--timeout", "0.5", "--max-memory", "0", "--max-evidence-mb", "1", "--session-hours", "0.5"]) == 0
    s = started["settings"]
    assert s.token == "tok en" and s.audit_timeout == 0.5 and s.max_memory_mb is None and s.workers == 0
    assert s.session_seconds == 1800 and s.max_evidence_bytes == 1024 * 1024
    assert started["sockets"][0][0] == "127.0.0.1" and started["sockets"][0][1] > 0
    err = capsys.readouterr().err
    assert "listening on http://127.0.0.1:" in err and "write token" not in err  # a given token is not printed
    assert (tmp_path / "data" / "uploads").is_dir()
