"""`qunguard user`: the moderator page's accounts (add, list, passwd, disable, enable).

    qunguard user add NAME [--role moderator|admin] [--password-stdin] [--db PATH]
    qunguard user list [--db PATH]
    qunguard user passwd NAME [--password-stdin] [--db PATH]
    qunguard user disable NAME [--db PATH]
    qunguard user enable NAME [--db PATH]

The password is asked twice on the terminal, or read from the first line of stdin with
--password-stdin (scripts, tests). The store is QUNGUARD_DB_PATH (as `qunguard serve` uses it)
unless --db names another. Exit status: 0 done; 1 refused (a taken or unknown name, a bad
password); 2 the store could not be opened or written.
"""
from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path

from qunguard.service.commands.common import CommandRefused, store_path


def _store(args: argparse.Namespace, *, create: bool = False):
    from qunguard.service.store import Store

    path = store_path(args.db)
    if not create and not Path(path).exists():
        raise CommandRefused(f"no store at {path} (QUNGUARD_DB_PATH, or --db)")
    return Store(path)


def _read_password(args: argparse.Namespace) -> str:
    from qunguard.service.ui.accounts import check_password

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise CommandRefused("the two passwords differ")
    problem = check_password(password)
    if problem:
        raise CommandRefused(problem)
    return password


def cmd_add(args: argparse.Namespace) -> None:
    from qunguard.service.store.users import UserExists
    from qunguard.service.ui.accounts import check_username, hash_password

    problem = check_username(args.name)
    if problem:
        raise CommandRefused(problem)
    store = _store(args, create=True)
    if store.get_user(args.name) is not None:  # before asking for a password that would be thrown away
        raise CommandRefused(f"user {args.name!r} exists; `qunguard user passwd {args.name}` sets a new password")
    try:
        store.add_user(args.name, hash_password(_read_password(args)), args.role)
    except UserExists as exc:
        raise CommandRefused(str(exc)) from None
    print(f"added {args.role} {args.name!r} to {store.path}; they log in at /ui", file=sys.stderr)


def cmd_list(args: argparse.Namespace) -> None:
    users = _store(args).list_users()
    if not users:
        print("no users; add one with `qunguard user add NAME`", file=sys.stderr)
    for u in users:
        created = time.strftime("%Y-%m-%d", time.localtime(u["created_at"]))
        print(f"{u['username']}\t{u['role']}\t{'disabled' if u['disabled'] else 'enabled'}\tsince {created}")


def cmd_passwd(args: argparse.Namespace) -> None:
    from qunguard.service.store.users import UnknownUser
    from qunguard.service.ui.accounts import hash_password

    store = _store(args)
    if store.get_user(args.name) is None:
        raise CommandRefused(f"no user {args.name!r}")
    try:
        store.set_user_password(args.name, hash_password(_read_password(args)))
    except UnknownUser as exc:
        raise CommandRefused(str(exc)) from None
    print(f"new password for {args.name!r}; their open sessions end", file=sys.stderr)


def _set_disabled(args: argparse.Namespace, disabled: bool) -> None:
    from qunguard.service.store.users import UnknownUser

    try:
        _store(args).set_user_disabled(args.name, disabled)
    except UnknownUser as exc:
        raise CommandRefused(str(exc)) from None
    what = "disabled: their open sessions end at their next request" if disabled else "enabled"
    print(f"{args.name!r} {what}", file=sys.stderr)


def cmd_disable(args: argparse.Namespace) -> None:
    _set_disabled(args, True)


def cmd_enable(args: argparse.Namespace) -> None:
    _set_disabled(args, False)


def _run(args: argparse.Namespace) -> int:
    from qunguard.service.store import StoreUnavailable

    try:
        args.action(args)
    except CommandRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except StoreUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommand to the `qunguard` parser."""
    u = sub.add_parser("user", aliases=["users"], help="moderator accounts for the /ui page", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = u.add_subparsers(dest="user_command", required=True)
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", type=Path, help="SQLite file; overrides QUNGUARD_DB_PATH")
    pw = argparse.ArgumentParser(add_help=False)
    pw.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")

    add = actions.add_parser("add", parents=[db, pw], help="add an account (asks its password twice)")
    add.add_argument("name")
    add.add_argument("--role", choices=("moderator", "admin"), default="moderator")
    add.set_defaults(action=cmd_add)
    actions.add_parser("list", parents=[db], help="list the accounts").set_defaults(action=cmd_list)
    passwd = actions.add_parser("passwd", parents=[db, pw], help="set a new password (ends the account's sessions)")
    passwd.add_argument("name")
    passwd.set_defaults(action=cmd_passwd)
    for name, func, what in (("disable", cmd_disable, "stop an account logging in (ends its sessions)"),
                             ("enable", cmd_enable, "let a disabled account log in again")):
        p = actions.add_parser(name, parents=[db], help=what)
        p.add_argument("name")
        p.set_defaults(action=func)
    u.set_defaults(func=_run)
