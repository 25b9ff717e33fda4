"""``keitaro-node emulator``: the local Keitaro emulator, until interrupted."""

from __future__ import annotations

import argparse
import os

from .common import EXIT_INVALID, EXIT_OK, run_interruptibly

TYPE_CHECKING = False  # typing is not imported: it costs start-up time
if TYPE_CHECKING:
    from typing import TextIO


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    emu = sub.add_parser("emulator", help="run the local Keitaro emulator until interrupted")
    emu.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; anything else must be given here)",
    )
    emu.add_argument("--port", type=int, default=8080)
    emu.add_argument(
        "--api-key-env",
        default="KEITARO_API_KEY",
        metavar="NAME",
        help="environment variable with the key to accept (else one is generated)",
    )
    emu.add_argument("--db", default=":memory:", help="SQLite file (default: in memory)")
    emu.add_argument("--seed", default="demo", choices=("demo", "empty"))
    emu.add_argument("--clicks", type=int, default=2000)
    emu.add_argument(
        "--faults", default=None, metavar="SPEC", help="e.g. 500=0.1,429=0.05,latency=20"
    )
    emu.add_argument("--validation-status", type=int, choices=(406, 422), default=422)
    emu.add_argument("--unknown-path", choices=("html", "404"), default="html")
    emu.add_argument(
        "--restricted",
        action="store_true",
        help="answer as a USER-type key does: 403 on /users, no domains",
    )
    emu.add_argument(
        "--original-paths",
        action="store_true",
        help="also serve the original node's guessed paths (/settings, …): no tracker has them",
    )
    emu.add_argument(
        "--postback-key",
        default="emulatorpostback",
        metavar="KEY",
        help="the key of the S2S postback URL /KEY/postback (default: emulatorpostback; "
        "visible in process lists: prefer --postback-key-env)",
    )
    emu.add_argument(
        "--postback-key-env",
        metavar="NAME",
        help="read the postback key from this environment variable",
    )
    emu.set_defaults(handler=cmd_emulator)


def cmd_emulator(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import asyncio

    from ..emulator import Emulator

    key = os.environ.get(args.api_key_env) or os.urandom(12).hex()
    generated = not os.environ.get(args.api_key_env)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        err.write(f"warning: binding {args.host}: the emulator is reachable from other machines\n")

    postback = args.postback_key
    if args.postback_key_env:
        postback = os.environ.get(args.postback_key_env) or ""
        if not postback:
            err.write(f"error: --postback-key-env {args.postback_key_env}: the variable is empty\n")
            return 2

    async def serve() -> None:
        async with Emulator(
            api_key=key,
            host=args.host,
            port=args.port,
            db=args.db,
            seed=args.seed,
            clicks=args.clicks,
            faults=args.faults,
            validation_status=args.validation_status,
            unknown_path=args.unknown_path,
            restricted=args.restricted,
            original_paths=args.original_paths,
            postback_key=postback,
        ) as emu:
            out.write(f"Keitaro emulator at {emu.url}  (Admin API: {emu.url}/admin_api/v1)\n")
            shown = "$" + args.postback_key_env if args.postback_key_env else postback
            out.write(f"S2S postback URL: {emu.url}/{shown}/postback\n")
            if args.original_paths:
                out.write(
                    "Serving the original node's guessed paths too (no real tracker has them)\n"
                )
            if generated:
                out.write(
                    f"API key (generated for this run): {key}\n"
                    f"  export KEITARO_DOMAIN={emu.url} KEITARO_API_KEY={key}\n"
                )
            else:
                out.write(f"API key: the value of ${args.api_key_env}\n")
            out.write("Ctrl-C stops it.\n")
            out.flush()
            await asyncio.Event().wait()

    try:
        run_interruptibly(serve())
    except OSError as exc:  # the port is taken, or the address is not this machine's
        err.write(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}\n")
        return EXIT_INVALID
    except (KeyboardInterrupt, asyncio.CancelledError):
        err.write("emulator stopped\n")
    return EXIT_OK
