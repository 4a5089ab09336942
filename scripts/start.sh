#!/usr/bin/env bash
# First command of the README: set everything up, load the demo archive, start the web app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export DANGAN_HOME=${DANGAN_HOME:-$PWD/dangan-data}
.venv/bin/dangan init
.venv/bin/dangan demo --count "${DANGAN_DEMO_COUNT:-1000}"
.venv/bin/dangan practice prepare   # 练习模式的演示档案：第一位学员进入时不必等待
cat >&2 <<MSG

============================================================
 Dangan 档案 已就绪：http://127.0.0.1:${DANGAN_PORT:-8000}/
 演示账户（密码均为 Dangan@2024）：
   archivist  档案管理员       clerk1  部门经办人
   head1      部门负责人       auditor 安全审计员
   reader     查阅用户         secadmin 安全保密管理员
 数据目录：$DANGAN_HOME      按 Ctrl+C 停止
============================================================
MSG
exec .venv/bin/dangan serve --host 127.0.0.1 --port "${DANGAN_PORT:-8000}"
