"""The fork server: one warm Python process per caller thread that forks one process per app.

For callers that cannot fork a worker themselves: a Dask worker (a daemon process with threads) and the web
service's background worker (uvicorn's threads). ``run_forked`` sends a job to this thread's server
(``python -m privaudit.batch.child --serve``, lexicons and catalogues built once); the server forks the app's
process with the batch's time and memory limits and turns every way it can end into an outcome tuple. Inputs
given by URL are fetched inside the app's process (``audit_job``, fetch.py), so they work with every executor.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from privaudit.batch.jobs import Job

# -- a fork server: one warm interpreter per worker thread, one forked process per app -------------------------

_local = threading.local()

WARM_POLICY = """<h1>隐私政策</h1><h2>一、我们收集哪些个人信息</h2>
<p>1. 设备信息：为保障账号安全，我们会收集您的设备识别码（IMEI、Android ID）、MAC地址，包括：型号、系统版本。</p>
<p>2. 位置信息：在您授权后我们会收集您的位置信息（GPS 精确位置），您可以在系统设置中关闭位置权限。</p>
<h2>二、第三方SDK</h2><table><tr><th>SDK名称</th><th>提供方</th><th>使用目的</th><th>收集的个人信息</th></tr>
<tr><td>友盟 SDK</td><td>友盟同欣（北京）科技有限公司</td><td>统计分析</td>
<td>设备识别码（IMEI、IMSI）</td></tr></table>
<h2>三、权限使用说明</h2><table><tr><th>权限</th><th>用途</th></tr><tr><td>电话状态（READ_PHONE_STATE）</td>
<td>读取设备识别码，用于安全风控</td></tr></table>
<h2>四、您的权利</h2><p>您可以在“我的-设置-注销账号”中注销账号，我们将在15个工作日内处理。
如对本政策有任何疑问，请联系 privacy@example.com 或拨打 400-000-0000。</p>"""


def run_forked(job: Job, timeout: float, max_memory: int | None) -> tuple[tuple, float]:
    """(outcome, seconds) of one app, through this thread's fork server (started on first use, restarted when it
    died): ("ok", report, rss_mb), ("error", message[, rss_mb]) or ("died", message).

    The server (``python -m privaudit.batch.child --serve``) imports privaudit and builds its lexicons once, then
    forks a fresh process per app: an app costs its audit, not an interpreter start (~0.5 s).
    """
    server = getattr(_local, "server", None)
    if server is None or server.poll() is not None:
        server = _local.server = subprocess.Popen(
            [sys.executable, "-m", "privaudit.batch.child", "--serve"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    t0 = time.monotonic()
    request = {"job": job.to_dict(), "timeout": timeout, "max_memory": max_memory}
    try:
        server.stdin.write(json.dumps(request).encode() + b"\n")
        server.stdin.flush()
        line = _read_line(server.stdout.fileno(), time.monotonic() + timeout + 30)  # the server keeps the limit
    except OSError:
        line = b""
    if not line:  # the server died (or hung): a fresh one next time
        server.kill()
        server.wait()
        _local.server = None
        from privaudit.batch.runner import died_message

        return ("died", died_message(job.apk, server.returncode)), time.monotonic() - t0
    try:
        return tuple(json.loads(line)), time.monotonic() - t0
    except (ValueError, TypeError):
        return ("died", f"{job.apk}: worker wrote an unreadable outcome"), time.monotonic() - t0


def _read_line(fd: int, deadline: float) -> bytes:
    """One newline-terminated line from ``fd``; b"" on end of file or when the deadline passes."""
    import select

    buf = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return b""
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b""
        buf += chunk
        if buf.endswith(b"\n"):
            return bytes(buf)


def _read_all(fd: int, deadline: float) -> tuple[bytes, bool]:
    """Everything written to ``fd`` until its writer closes it; (data, timed out)."""
    import select

    buf = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(buf), True
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return bytes(buf), False
            buf += chunk


def warm_up() -> None:
    """Build the lexicons and catalogues once in the server, so every forked audit finds them ready."""
    import importlib

    from privaudit import catalog
    from privaudit.audit import AuditInputs, audit
    from privaudit.evidence.attribution import sdk_index

    for name in ("collect", "dex", "manifest", "axml", "arsc", "signing", "zipread", "protoxml", "facts"):
        importlib.import_module(f"privaudit.evidence.apk.{name}")  # what an APK audit imports lazily
    for name in ("items", "pi_types", "sensitive_apis", "permissions", "sdks", "packers", "app_types"):
        catalog.load(name)
    sdk_index()

    with tempfile.TemporaryDirectory(prefix="privaudit-warm-") as d:
        path = os.path.join(d, "policy.html")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(WARM_POLICY)
        try:
            audit(AuditInputs(policy=path))
        except Exception:  # a cold cache is slower, never wrong
            pass


def serve() -> int:
    """The fork server's loop: a request line in, an outcome line out; each app in its own forked process."""
    import ctypes  # noqa: F401  (imported once here; each forked app process arms PR_SET_PDEATHSIG with it)
    import signal

    from privaudit.batch.runner import audit_job, die_with_parent, died_message

    _exit_with_parent()  # the server's parent is a thread of its caller: watched, not PR_SET_PDEATHSIG
    warm_up()
    server = os.getpid()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    for line in sys.stdin.buffer:
        req = json.loads(line)
        job = Job.from_dict(req["job"])
        tmp = tempfile.mkdtemp(prefix="privaudit-app-")  # the app's temporary files: removed here, however it ends
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the app's process
            os.close(r)
            try:
                die_with_parent(server)  # as the batch's own workers
                data = json.dumps(audit_job(job, req["max_memory"], tmp), ensure_ascii=False).encode()
                with os.fdopen(w, "wb") as fh:
                    fh.write(data)
            finally:
                os._exit(0)
        os.close(w)
        data, timed_out = _read_all(r, time.monotonic() + req["timeout"])
        os.close(r)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        shutil.rmtree(tmp, ignore_errors=True)
        if timed_out:
            msg: Any = ("error", f"{job.apk}: timed out after {req['timeout']:g} s (worker killed)")
        elif not data:
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            msg = ("died", died_message(job.apk, code))
        else:
            try:
                msg = json.loads(data)
            except ValueError:
                msg = ("died", f"{job.apk}: worker wrote an unreadable outcome")
        out.write(json.dumps(msg, ensure_ascii=False).encode() + b"\n")
        out.flush()
    return 0


def _exit_with_parent() -> None:
    """End the server when its caller does: a Dask worker killed mid-app must not leave an audit running (blocked
    on a stalled input, nobody left to enforce the time limit). Polled, since PR_SET_PDEATHSIG would fire when
    the caller's *thread* ends, and a caller's thread pool may retire threads."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, name="privaudit-parent-watch", daemon=True).start()


if __name__ == "__main__":
    sys.exit(serve())
