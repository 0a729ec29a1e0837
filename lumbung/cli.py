"""The ``lumbung`` command: ``edge``, ``hub``, ``label``, ``sim`` and ``demo``.

Each subcommand imports what it needs only when it runs, so a station that installed
``lumbung[edge]`` never loads the hub's web framework or ORM.  Exit codes: 0 success, 1 a
failure at run time, 2 bad usage or invalid input (the message names what and where).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

Handler = Callable[[argparse.Namespace], int]

DEFAULT_DB = "var/hub.sqlite3"


def _edge_run(args: argparse.Namespace) -> int:
    from edge.agent import run_agent
    from edge.config import ConfigError, load_config

    try:
        config = load_config(Path(args.config))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return run_agent(config)


def _edge_check_config(args: argparse.Namespace) -> int:
    from edge.config import ConfigError, load_configs

    try:
        configs = load_configs(Path(name) for name in args.files)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return 2
    print(f"{len(configs)} station config(s) valid")
    return 0


def _edge_schema(args: argparse.Namespace) -> int:
    import json

    from edge.config import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _hub_serve(args: argparse.Namespace) -> int:
    from hub.db.engine import NotMigratedError
    from hub.serve import serve

    try:
        serve(
            db_url=args.db,
            mqtt_url=args.mqtt,
            host=args.host,
            port=args.port,
            shared_group=args.shared_group,
            client_id=args.client_id,
            username=args.mqtt_username,
            password_file=Path(args.mqtt_password_file) if args.mqtt_password_file else None,
            web=not args.no_web,
        )
    except NotMigratedError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def _hub_db_upgrade(args: argparse.Namespace) -> int:
    from hub.db.engine import make_engine, normalise_url, upgrade

    if "://" not in args.db:
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    revision = upgrade(make_engine(args.db))
    print(f"database {normalise_url(args.db)} is at schema {revision}")
    return 0


def _hub_register(args: argparse.Namespace) -> int:
    from edge.config import ConfigError, load_configs
    from hub.db.engine import make_engine, require_migrated
    from hub.stations import register_stations

    try:
        configs = load_configs(Path(name) for name in args.files)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    engine = make_engine(args.db)
    require_migrated(engine)
    ids = register_stations(engine, configs)
    print(f"registered {len(ids)} station(s): {', '.join(ids)}")
    return 0


def _hub_trace(args: argparse.Namespace) -> int:
    from hub.db.engine import NotMigratedError, make_engine, require_migrated
    from hub.domain.trace import UnknownCodeError
    from hub.services.trace import trace_code
    from hub.services.unit_of_work import SqlAlchemyUnitOfWork
    from hub.terminal import render_trace

    engine = make_engine(args.db)
    try:
        require_migrated(engine)
        found = trace_code(SqlAlchemyUnitOfWork(engine), args.code)
    except (NotMigratedError, UnknownCodeError) as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    sys.stdout.write(render_trace(found))
    return 0


def _hub_create_admin(args: argparse.Namespace) -> int:
    import getpass

    from hub.auth.domain import AuthError, Role
    from hub.auth.store import AuthStore
    from hub.db.engine import NotMigratedError, make_engine, require_migrated

    if args.password_file:
        password = Path(args.password_file).read_text(encoding="utf-8").rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("password again: ") != password:
            print("the two passwords differ; nothing was created", file=sys.stderr)
            return 2
    engine = make_engine(args.db)
    try:
        require_migrated(engine)
        account = AuthStore(engine).create_account(
            username=args.username,
            password=password,
            role=Role.ADMIN,
            actor=f"cli:{getpass.getuser()}",
        )
    except (NotMigratedError, AuthError) as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"created admin account {account.username}")
    return 0


def _hub_create_token(args: argparse.Namespace) -> int:
    import getpass

    from hub.auth.domain import AuthError, Role
    from hub.auth.store import AuthStore
    from hub.db.engine import NotMigratedError, make_engine, require_migrated

    engine = make_engine(args.db)
    try:
        require_migrated(engine)
        token, record = AuthStore(engine).create_token(
            name=args.name, role=Role.parse(args.role), actor=f"cli:{getpass.getuser()}"
        )
    except (NotMigratedError, AuthError) as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(
        f"created {record.role} API token {record.name!r} (id {record.id}); "
        f"it is shown only this once: {token}"
    )
    return 0


def _sim_scale(args: argparse.Namespace) -> int:
    from edge.sim.devices import serve_scale

    return serve_scale(protocol=args.protocol, link=Path(args.link), script=args.script)


def _sim_scanner(args: argparse.Namespace) -> int:
    from edge.sim.devices import serve_scanner

    return serve_scanner(link=Path(args.link), codes=args.codes, every_s=args.every)


def _sim_station(args: argparse.Namespace) -> int:
    from edge.sim.devices import serve_station

    return serve_station(
        protocol=args.protocol,
        scale_link=Path(args.scale_link),
        scanner_link=Path(args.scanner_link),
        script=args.script,
        demo_pace=args.demo_pace,
    )


def _demo(args: argparse.Namespace) -> int:
    from lumbung.demo import run_demo

    return run_demo(stations=args.stations, port=args.port, workdir=Path(args.workdir))


def _add(
    parent: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Handler,
    text: str,
) -> argparse.ArgumentParser:
    parser = parent.add_parser(name, help=text, description=text)
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lumbung", description="Lumbung: packing stations and the city hub."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    groups = parser.add_subparsers(dest="group", required=True, metavar="COMMAND")

    edge = groups.add_parser("edge", help="the packing station", description="The packing station.")
    edge_commands = edge.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = _add(edge_commands, "run", _edge_run, "run the station agent from its config file")
    run.add_argument("--config", required=True, help="the station's TOML file")
    check = _add(edge_commands, "check-config", _edge_check_config, "validate station config files")
    check.add_argument("files", nargs="+", metavar="FILE")
    schema = _add(edge_commands, "schema", _edge_schema, "print the station file's JSON Schema")
    schema.add_argument("--out", help="write to this file instead of standard output")
    from edge.technician import add_commands as add_technician_commands

    add_technician_commands(edge_commands)

    hub = groups.add_parser("hub", help="the city hub", description="The city hub.")
    hub_commands = hub.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = _add(hub_commands, "serve", _hub_serve, "ingest station events and serve the web app")
    serve.add_argument("--db", default=DEFAULT_DB, help="database URL or SQLite file")
    serve.add_argument("--mqtt", default="mqtt://127.0.0.1:1883", help="broker URL")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--shared-group", help="join an MQTT 5 shared subscription group")
    serve.add_argument("--client-id", default="lumbung-hub", help="MQTT client id")
    serve.add_argument("--mqtt-username", help="the hub's broker username")
    serve.add_argument("--mqtt-password-file", help="file holding the hub's broker password")
    serve.add_argument("--no-web", action="store_true", help="ingest only (extra workers)")
    db = hub_commands.add_parser("db", help="database schema", description="Database schema.")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_upgrade = _add(db_commands, "upgrade", _hub_db_upgrade, "create or migrate the database")
    db_upgrade.add_argument("--db", default=DEFAULT_DB, help="database URL or SQLite file")
    register = _add(
        hub_commands,
        "register-stations",
        _hub_register,
        "register stations from their config files",
    )
    register.add_argument("--db", default=DEFAULT_DB, help="database URL or SQLite file")
    register.add_argument("files", nargs="+", metavar="FILE")
    trace = _add(
        hub_commands,
        "trace",
        _hub_trace,
        "trace a label code back to the farmers and forward to the partners",
    )
    trace.add_argument("code", help="crate id, lot id, dispatch code, SSCC or GS1 code or URI")
    trace.add_argument("--db", default=DEFAULT_DB, help="database URL or SQLite file")
    create_admin = _add(
        hub_commands, "create-admin", _hub_create_admin, "create an admin account for the pages"
    )
    create_admin.add_argument("--db", default=DEFAULT_DB, help="database URL or SQLite file")
    create_admin.add_argument("--username", required=True, help="the new account's username")
    create_admin.add_argument(
        "--password-file", help="read the password from this file instead of asking for it"
    )
    create_token = _add(
        hub_commands,
        "create-token",
        _hub_create_token,
        "create an API token for an integration; prints it once, as the last word",
    )
    create_token.add_argument(
        "--role", required=True, choices=["viewer", "operator", "admin"], help="what it may do"
    )
    create_token.add_argument("--db", default=DEFAULT_DB, help="database URL or SQLite file")
    create_token.add_argument("--name", default="integration", help="what the token is for")

    from labels.cli import add_commands as add_label_commands

    add_label_commands(groups)

    sim = groups.add_parser("sim", help="simulated devices", description="Simulated devices.")
    sim_commands = sim.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scale = _add(sim_commands, "scale", _sim_scale, "serve a simulated scale on a pseudo-terminal")
    scale.add_argument(
        "--protocol", required=True, help="a protocol name (lumbung edge decode --list)"
    )
    scale.add_argument("--link", required=True, help="create this symlink to the scale's port")
    scale.add_argument(
        "--script",
        help="crates to weigh, e.g. '12.5,8.25' (kg); omit to weigh random crates forever",
    )
    scanner = _add(sim_commands, "scanner", _sim_scanner, "serve a simulated serial scanner")
    scanner.add_argument("--link", required=True, help="create this symlink to the scanner's port")
    scanner.add_argument("--codes", nargs="*", default=[], help="codes to scan, in order")
    scanner.add_argument("--every", type=float, default=15.0, help="seconds between scans")

    station = _add(
        sim_commands, "station", _sim_station, "a simulated packer working a scale and a scanner"
    )
    station.add_argument("--protocol", required=True, help="the scale's protocol name")
    station.add_argument("--scale-link", required=True, help="symlink to create for the scale")
    station.add_argument("--scanner-link", required=True, help="symlink to create for the scanner")
    station.add_argument("--script", help="crates to weigh, e.g. 'KRT-1=12.5,KRT-2=8.25' (kg)")
    station.add_argument("--demo-pace", action="store_true", help="weigh at a packer's pace")

    demo = _add(groups, "demo", _demo, "run hub, broker and simulated stations together")
    demo.add_argument("--stations", type=int, default=4, help="how many Batu stations to simulate")
    demo.add_argument("--port", type=int, default=8000, help="the hub's web port")
    demo.add_argument("--workdir", default="var/demo", help="where the demo keeps its files")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
