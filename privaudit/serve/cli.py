"""``privaudit serve``: arguments (light: argparse only) and the call that starts the server."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket

TOKEN_ENV = "PRIVAUDIT_TOKEN"
MAX_SESSION_HOURS = 8760  # a year

HELP = "web service: upload an app, read its report, a corpus dashboard, REST API"


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("serve", help=HELP,
                       description="Web service over a results store (docs/serve.md). Put it behind a TLS reverse "
                       "proxy when anyone but you can reach it.")
    s.add_argument("--db", default="privaudit-results.sqlite", metavar="PATH|URL", help="the results store")
    s.add_argument("--data-dir", default="privaudit-data", metavar="DIR",
                   help="where uploaded files are kept, named by SHA-256 (default: privaudit-data)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port, 0 to 65535 (default: 8000; 0: any free port)")
    s.add_argument("--token", help=f"the write token (default: ${TOKEN_ENV}; else one is generated and printed)")
    s.add_argument("--session-hours", type=float, default=12.0, metavar="H",
                   help="how long a browser login lasts, above 0 and at most 8760 (default: 12)")
    s.add_argument("--max-upload-mb", type=int, default=200, metavar="N",
                   help="largest app file accepted, in MB, at least 1 (default: 200)")
    s.add_argument("--max-evidence-mb", type=int, default=200, metavar="N",
                   help="largest total of the other files of one upload (policy, traces, captures), in MB "
                   "at least 1 (default: 200)")
    s.add_argument("--workers", type=int, default=1, metavar="N",
                   help="audits at once, each in its own process (default: 1; 0: queue only)")
    s.add_argument("--timeout", type=float, default=300.0, metavar="S",
                   help="seconds per audit before its process is killed, above 0 (default: 300)")
    s.add_argument("--max-memory", type=int, default=4096, metavar="MB",
                   help="address space per audit process in MB (default: 4096; 0: no limit)")
    s.add_argument("--proxy-headers", action="store_true",
                   help="trust X-Forwarded-Proto/For from the reverse proxy on this host (marks the login cookie "
                   "Secure behind TLS)")


def check_options(args: argparse.Namespace) -> str:
    """The options' values checked (an ``InputError`` naming the first bad one); the write token given, stripped
    (empty: none given)."""
    import math

    from privaudit.errors import InputError

    if not math.isfinite(args.timeout) or args.timeout <= 0:
        raise InputError(f"--timeout must be a number of seconds above 0, not {args.timeout}")
    if not (math.isfinite(args.session_hours) and 1 / 3600 <= args.session_hours <= MAX_SESSION_HOURS):
        raise InputError(f"--session-hours must be above 0 and at most {MAX_SESSION_HOURS}, not {args.session_hours}")
    for flag, value, least in (("--max-upload-mb", args.max_upload_mb, 1), ("--max-evidence-mb",
                               args.max_evidence_mb, 1), ("--workers", args.workers, 0),
                               ("--max-memory", args.max_memory, 0)):
        if value < least:
            raise InputError(f"{flag} must be at least {least}, not {value}")
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port must be from 0 to 65535, not {args.port}")
    if not args.host.strip():
        raise InputError("--host must not be empty")
    if args.token is not None:
        if not args.token.strip():
            raise InputError("--token must not be empty or only spaces (such a token could never be given)")
        return args.token.strip()
    return os.environ.get(TOKEN_ENV, "").strip()


def prepare_data_dir(data_dir: str) -> str:
    """``DATA_DIR/uploads`` created (0700) and checked writable; its absolute path."""
    import tempfile

    from privaudit.errors import InputError

    upload_dir = os.path.join(os.path.abspath(data_dir), "uploads")
    try:
        os.makedirs(upload_dir, mode=0o700, exist_ok=True)
        with tempfile.TemporaryFile(dir=upload_dir):
            pass
    except OSError as exc:
        raise InputError(f"--data-dir {data_dir}: cannot create or write {upload_dir} "
                         f"({exc.strerror or type(exc).__name__})") from None
    return upload_dir


def listen_sockets(host: str, port: int) -> list[socket.socket]:
    """Sockets bound to every address ``host`` resolves to, on ``port``, as uvicorn (asyncio) would bind them
    itself: a host that does not resolve or a port in use is an ``InputError`` here, not a traceback or log lines
    from the server."""
    import socket

    from privaudit.errors import InputError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        raise InputError(f"--host {host}: cannot resolve it ({reason})") from None
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise InputError(f"--host {host} --port {port}: cannot listen there "
                         f"({exc.strerror or type(exc).__name__})") from None
    return sockets


def _url(sock: socket.socket) -> str:
    import socket

    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if sock.family == socket.AF_INET6 else f"http://{host}:{port}"


def run(args: argparse.Namespace) -> int:
    import secrets

    from privaudit.errors import EXIT_OK, InputError

    given_token = check_options(args)
    try:
        import uvicorn

        from privaudit.serve.app import create_app
        from privaudit.serve.settings import MIB, Settings
    except ModuleNotFoundError as exc:
        raise InputError(f"privaudit serve needs {exc.name}: pip install 'privaudit[serve]'") from None
    upload_dir = prepare_data_dir(args.data_dir)
    sockets = listen_sockets(args.host, args.port)
    try:
        token = given_token or secrets.token_urlsafe(32)
        settings = Settings(db=args.db, data_dir=os.path.dirname(upload_dir), token=token,
                            max_apk_bytes=args.max_upload_mb * MIB, max_evidence_bytes=args.max_evidence_mb * MIB,
                            audit_timeout=args.timeout, max_memory_mb=args.max_memory or None, workers=args.workers,
                            session_seconds=max(1, round(args.session_hours * 3600)))
        app = create_app(settings)
        if not given_token:
            print(f"privaudit serve: write token (give it as Authorization: Bearer, or log in with it): {token}",
                  file=sys.stderr, flush=True)
        print(f"privaudit serve: listening on {', '.join(_url(sock) for sock in sockets)}", file=sys.stderr,
              flush=True)
        server = uvicorn.Server(uvicorn.Config(
            app, host=args.host, port=args.port, proxy_headers=args.proxy_headers,
            forwarded_allow_ips="127.0.0.1" if args.proxy_headers else None, log_level="info"))
        server.run(sockets=sockets)
        if not server.started:  # the application's start-up failed (uvicorn logged why)
            raise InputError("the server did not start (see the lines above)")
    finally:
        for sock in sockets:
            sock.close()
    return EXIT_OK
