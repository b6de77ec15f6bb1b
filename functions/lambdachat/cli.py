"""The `lambdachat` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lambdachat.config import get_settings


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is 0-65535 (0 picks a free one)")
    return port


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lambdachat", description="The g4f chat backend, serverless.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="run the whole product locally: API, web page, embedded AWS and model",
        description="Serve the API and the web page from one server. Env: HOST, PORT, "
                    "LAMBDACHAT_THREADS, LAMBDACHAT_EMBEDDED_AWS=0, LAMBDACHAT_WARM_MODEL=0, "
                    "LAMBDACHAT_WEB_DIR.")
    # Environment first (containers and `make run` set HOST/PORT), flags over that.
    settings = get_settings()
    serve.add_argument("--host", default=settings.host,
                       help="address to listen on (default: $HOST or 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=settings.port,
                       help="port to listen on, 0 for any free one (default: $PORT or 8080)")
    serve.add_argument("--threads", type=_positive, default=settings.threads,
                       help="concurrent requests; each open stream holds one (default: "
                            "$LAMBDACHAT_THREADS or 128)")
    from lambdachat.accesskeys.cli import add_parser as add_keys_parser

    add_keys_parser(commands)
    from lambdachat.shares.sweep import add_parser as add_shares_parser

    add_shares_parser(commands)
    from lambdachat.datadump.cli import add_parser as add_data_parser

    add_data_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "serve":
            from lambdachat.server import ServeOptions, serve

            serve(ServeOptions(host=args.host, port=args.port, threads=args.threads))
        elif args.command == "keys":
            from lambdachat.accesskeys.cli import run

            return run(args)
        elif args.command == "data":
            from lambdachat.datadump.cli import run as run_data

            return run_data(args)
        elif args.command == "shares":
            from lambdachat.shares.sweep import run as run_shares

            return run_shares(args)
    except RuntimeError as exc:  # configuration problems: a message, not a traceback
        print(f"lambdachat: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
