"""The `dangan` command line (Typer). Commands are thin: parse, call a service, print."""

from __future__ import annotations

import typer

from .collect.bag_cmds import bag_app
from .collect.check_cmds import check
from .collect.digitization_cmds import digitization_app
from .collect.digitize_cmds import ocr, qc
from .collect.handover_cmds import handover_app
from .collect.intake_cmds import apikey_app, watch
from .keep.archive_cmds import import_, init, reindex, search_cmd
from .keep.audit_cmds import audit_app, monitor_app
from .keep.ledger_cmds import ledger_app
from .keep.lifecycle_cmds import disposal_app, hold_app
from .keep.preserve_cmds import preserve_cmd
from .keep.store_cmds import backup_cmd, keys_app, restore_cmd, verify
from .ops.doctor_cmds import doctor
from .ops.help_cmds import help_app
from .ops.practice_cmds import practice_app
from .ops.serve_cmds import demo, serve
from .ops.user_cmds import user_app
from .ops.worker_cmds import worker
from .share.share_cmds import export_cmd
from .share.sharing_cmds import share_app
from .share.subscription_cmds import subscription_app
from .use.certify_cmds import certify
from .use.embed_cmds import embed_cmd
from .use.graph_cmds import graph_app
from .use.insight_cmds import stats_cmd
from .use.report_cmds import report_app
from .use.request_cmds import request_app
from .use.search_eval_cmds import search_eval
from .use.synonym_cmds import synonym_app

app = typer.Typer(
    name="dangan",
    help="Dangan 档案 —— 行政审批电子档案系统",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("init")(init)
app.command("import")(import_)
app.command("export")(export_cmd)
app.command("reindex")(reindex)
app.command("search-eval")(search_eval)
# a query may start with "-" (-许可): an unknown option is read as the query, not refused
app.command("search", context_settings={"ignore_unknown_options": True})(search_cmd)
app.command("check")(check)
app.command("demo")(demo)
app.command("serve")(serve)
app.command("worker")(worker)
app.add_typer(user_app, name="user")
app.add_typer(ledger_app, name="ledger")
app.add_typer(apikey_app, name="apikey")
app.add_typer(bag_app, name="bag")
app.add_typer(handover_app, name="handover")
app.add_typer(request_app, name="request")
app.add_typer(report_app, name="report")
app.add_typer(share_app, name="share")
app.add_typer(subscription_app, name="subscription")
app.add_typer(synonym_app, name="synonym")
app.command("watch")(watch)
app.command("verify")(verify)
app.command("doctor")(doctor)
app.command("backup")(backup_cmd)
app.command("restore")(restore_cmd)
app.command("preserve")(preserve_cmd)
app.command("embed")(embed_cmd)
app.add_typer(keys_app, name="keys")
app.command("certify")(certify)
app.add_typer(audit_app, name="audit")
app.add_typer(monitor_app, name="monitor")
app.command("ocr")(ocr)
app.command("qc")(qc)
app.add_typer(digitization_app, name="digitize")
app.add_typer(graph_app, name="graph")
app.add_typer(disposal_app, name="disposal")
app.add_typer(hold_app, name="hold")
app.add_typer(practice_app, name="practice")
app.add_typer(help_app, name="help")  # 用户手册 PDF 与系统管理员手册 (issue #21)
app.command("stats")(stats_cmd)


def main() -> None:
    app()


__all__ = ["app", "main"]
