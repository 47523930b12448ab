"""`qunguard model`: the model registry's versions, and which one serves (model/registry.py).

    qunguard model list [--json]
    qunguard model promote VERSION [--force]
    qunguard model rollback

Every subcommand takes --registry DIR (default QUNGUARD_REGISTRY_DIR, else models/ beside the store)
and --db PATH (default QUNGUARD_DB_PATH). promote and rollback move the champion pointer, then tell
the services running on that store: they follow its model revision and load the new champion
within a second, serving the old one meanwhile (no restart). A version the retraining gate refused
is promoted only with --force. Exit status: 0 done; 1 refused (unknown version, refused by the gate,
nothing to roll back, services not told); 2 bad settings.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from qunguard.service.commands.common import CommandRefused

# the held-out sets `list` shows (macro-F1), as train.py names them in meta.json
LIST_SETS = {"held_out_source": "ood", "gold": "gold", "real_chat": "real", "qq_group_later_stretch": "qq",
             "exports_held_out": "exports"}


def announce(db_path: Path, folder: Path) -> str:
    """Tell the services running on the store at `db_path` to load `folder`; returns what was done.
    Raises CommandRefused if the store exists but cannot be written."""
    from qunguard.service.store import Store, StoreUnavailable

    if not Path(db_path).exists():
        return f"no store at {db_path}: no running service to tell; a service started later serves it"
    try:
        store = Store(db_path)
        try:
            revision = store.bump_revision("model", str(Path(folder).resolve()))
        finally:
            store.close()
    except StoreUnavailable as exc:
        raise CommandRefused(f"the pointer moved, but services on {db_path} were not told ({exc}); "
                      "POST /v1/model/reload on each, or restart them") from None
    return f"told the services on {db_path} (model revision {revision}): they load it within a second, no restart"


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "unknown"


def _row(v, champion: str | None) -> dict:
    meta = v.meta or {}
    metrics = meta.get("metrics", {})
    gate = v.gate
    return {
        "version": v.name, "champion": v.name == champion, "trained_at": meta.get("trained_at"),
        "gate": None if gate is None else {"passed": gate["passed"], "against": gate["current_version"]},
        "macro_f1": {name: metrics[name]["macro_f1"] for name in LIST_SETS if name in metrics},
        "behaviour_pass_rate": metrics.get("behaviour_suite", {}).get("pass_rate"),
        "train_rows": meta.get("train_rows"), "problem": v.problem,
    }


def _gate_text(gate: dict | None) -> str:
    if gate is None:
        return "not gated"
    return f"{'passed' if gate['passed'] else 'REFUSED'} vs {gate['against']}"


def cmd_list(args: argparse.Namespace, registry, settings) -> str:
    state = registry.state()
    rows = [_row(v, state["champion"]) for v in registry.versions()]
    if args.json:
        return json.dumps({"registry": str(registry.root), "champion": state["champion"], "previous": state["previous"],
                           "versions": rows}, ensure_ascii=False, indent=1)
    lines = [f"registry {registry.root}"]
    if not rows:
        lines.append("  no versions yet: python train.py writes them here")
    else:
        head = "macro-F1 " + "/".join(LIST_SETS.values())
        lines.append(f"  {'version':<24} {'trained at':<21} {'gate':<34} {head:<38} behaviour")
        for r in rows:
            if r["problem"]:
                lines.append(f"  {r['version']:<24} unreadable: {r['problem']}")
                continue
            f1 = "/".join(f"{r['macro_f1'][n]:.3f}" if n in r["macro_f1"] else "–" for n in LIST_SETS)
            beh = "–" if r["behaviour_pass_rate"] is None else f"{r['behaviour_pass_rate']:.3f}"
            mark = "*" if r["champion"] else " "
            lines.append(f"{mark} {r['version']:<24} {r['trained_at'] or '?':<21} {_gate_text(r['gate']):<34} {f1:<38} {beh}")
    if state["champion"]:
        back = state["previous"][-1] if state["previous"] else f"no champion (QUNGUARD_MODEL_DIR={settings.model_dir})"
        lines.append(f"champion (*): {state['champion']}; rollback would restore {back}")
    else:
        lines.append(f"no champion: services serve QUNGUARD_MODEL_DIR={settings.model_dir}")
    return "\n".join(lines)


def cmd_promote(args: argparse.Namespace, registry, settings) -> str:
    if not registry.has(args.version):
        raise CommandRefused(f"no version {args.version} in {registry.root} (qunguard model list)")
    before = registry.promote(args.version, force=args.force, by=f"{_who()}: qunguard model promote")
    if before == args.version:
        return f"{args.version} is the champion already"
    told = announce(settings.db_path, registry.folder(args.version))
    return f"champion: {args.version} (was {before or 'none: QUNGUARD_MODEL_DIR'}); {told}"


def cmd_rollback(args: argparse.Namespace, registry, settings) -> str:
    removed, restored = registry.rollback(by=f"{_who()}: qunguard model rollback")
    folder = registry.folder(restored) if restored else settings.model_dir
    told = announce(settings.db_path, folder)
    now = restored or f"none: services serve QUNGUARD_MODEL_DIR={settings.model_dir}"
    return f"champion: {now} (was {removed}); {told}"


def run(args: argparse.Namespace) -> int:
    from qunguard.model.registry import Registry, RegistryError
    from qunguard.service.config import tool_settings_for

    settings = tool_settings_for(args.db)
    if settings is None:
        return 2
    registry = Registry(args.registry or settings.registry_path())
    try:
        print(args.action(args, registry, settings))
    except (CommandRefused, RegistryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommand to the `qunguard` parser."""
    p = sub.add_parser("model", aliases=["models"], help="list the registry's model versions; promote or roll back the champion",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="model_command", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--registry", type=Path, help="registry folder; overrides QUNGUARD_REGISTRY_DIR")
        q.add_argument("--db", type=Path, help="store of the running services to tell; overrides QUNGUARD_DB_PATH")
        q.set_defaults(func=run)

    q = actions.add_parser("list", help="every version with its trained time, gate, key metrics; * marks the champion")
    q.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    common(q)
    q.set_defaults(action=cmd_list)
    q = actions.add_parser("promote", help="make VERSION the champion; running services load it within a second")
    q.add_argument("version")
    q.add_argument("--force", action="store_true", help="promote a version the retraining gate refused, on purpose")
    common(q)
    q.set_defaults(action=cmd_promote)
    q = actions.add_parser("rollback", help="give the champion's place back to the one before it")
    common(q)
    q.set_defaults(action=cmd_rollback)
