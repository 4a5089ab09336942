#!/usr/bin/env bash
# Install everything Dangan and its tests need on a fresh Debian machine: system packages and a venv.
# Idempotent: re-running only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# tesseract-ocr: the redaction tests read delivered pages back by OCR (tests/web/test_redaction_demo.py);
# with chi_sim it is the baseline bench/ocr.py measures Dangan's OCR (rapidocr, in its wheel) against.
# libgcrypt20: the faster SM3 for fixity (src/dangan/store/sm3.py); on Debian it is there anyway, for gpgv.
APT_PACKAGES=(postgresql redis-server chromium fonts-wqy-zenhei fonts-wqy-microhei clamav clamav-daemon libgcrypt20 tesseract-ocr tesseract-ocr-chi-sim)

need_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> 安装系统软件包：${need_apt[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> 创建虚拟环境 .venv" >&2
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import dangan, pytest, playwright" 2>/dev/null || [ pyproject.toml -nt .venv/.installed ]; then
  echo "==> 安装 Python 依赖" >&2
  .venv/bin/pip install -q --upgrade pip >&2
  .venv/bin/pip install -q -e '.[dev]' >&2
  touch .venv/.installed
fi
