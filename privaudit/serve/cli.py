"""``privaudit serve``: arguments (light: argparse only) and the call that starts the server."""

from __future__ import annotations

import argparse
import os
import sys

TOKEN_ENV = "PRIVAUDIT_TOKEN"


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("serve", help="web service: upload an app, read its report, a corpus dashboard, REST API",
                       description="Web service over a results store (docs/serve.md). Put it behind a TLS reverse "
                       "proxy when anyone but you can reach it.")
    s.add_argument("--db", default="privaudit-results.sqlite", metavar="PATH|URL", help="the results store")
    s.add_argument("--data-dir", default="privaudit-data", metavar="DIR",
                   help="where uploaded files are kept, named by SHA-256 (default: privaudit-data)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    s.add_argument("--token", help=f"the write token (default: ${TOKEN_ENV}; else one is generated and printed)")
    s.add_argument("--max-upload-mb", type=int, default=200, metavar="N",
                   help="largest app file accepted, in MB (default: 200)")
    s.add_argument("--max-evidence-mb", type=int, default=200, metavar="N",
                   help="largest total of the other files of one upload (policy, traces, captures), in MB "
                   "(default: 200)")
    s.add_argument("--workers", type=int, default=1, metavar="N",
                   help="audits at once, each in its own process (default: 1; 0: queue only)")
    s.add_argument("--timeout", type=float, default=300.0, metavar="S",
                   help="seconds per audit before its process is killed (default: 300)")
    s.add_argument("--max-memory", type=int, default=4096, metavar="MB",
                   help="address space per audit process in MB (default: 4096; 0: no limit)")
    s.add_argument("--proxy-headers", action="store_true",
                   help="trust X-Forwarded-Proto/For from the reverse proxy on this host (marks the login cookie "
                   "Secure behind TLS)")


def run(args: argparse.Namespace) -> int:
    from privaudit.errors import EXIT_OK, InputError

    if args.max_upload_mb < 1 or args.max_evidence_mb < 0 or args.workers < 0 or args.timeout <= 0:
        raise InputError("--max-upload-mb must be at least 1, --max-evidence-mb and --workers at least 0, "
                         "--timeout above 0")
    try:
        import uvicorn

        from privaudit.serve.app import create_app
        from privaudit.serve.settings import MIB, Settings
    except ModuleNotFoundError as exc:
        raise InputError(f"privaudit serve needs {exc.name}: pip install 'privaudit[serve]'") from None
    token = args.token or os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        import secrets

        token = secrets.token_urlsafe(32)
        print(f"privaudit serve: write token (give it as Authorization: Bearer, or log in with it): {token}",
              file=sys.stderr, flush=True)
    settings = Settings(db=args.db, data_dir=os.path.abspath(args.data_dir), token=token,
                        max_apk_bytes=args.max_upload_mb * MIB, max_evidence_bytes=args.max_evidence_mb * MIB,
                        audit_timeout=args.timeout, max_memory_mb=args.max_memory or None, workers=args.workers)
    os.makedirs(settings.upload_dir, mode=0o700, exist_ok=True)
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=args.proxy_headers,
                forwarded_allow_ips="127.0.0.1" if args.proxy_headers else None, log_level="info")
    return EXIT_OK
