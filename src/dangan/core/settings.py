"""Settings from `DANGAN_*` environment variables and an optional `dangan.toml` in the data directory.

Built on demand (never at import time) so that a command's `--data DIR` can decide which home is used.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from dangan.core.errors import ConfigurationError

DEFAULT_ARCHIVAL_CODE_RULE = "{fonds}-{year}-{retention}-{org}-{item:04d}"
_DEV_SECRET = "dangan-development-only-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DANGAN_", extra="ignore")

    home: Path = Field(default=Path("dangan-data"), description="数据目录")
    database_url: str | None = Field(default=None, description="目录数据库；默认 HOME/catalog.db (SQLite)")
    env: str = Field(default="development", description="development / production")
    secret_key: str = Field(default=_DEV_SECRET, description="会话签名密钥")
    fonds_code: str = Field(default="Z001", description="全宗号")
    fonds_name: str = Field(default="秦皇岛市行政审批档案馆", description="全宗名称")
    archival_code_rule: str = Field(default=DEFAULT_ARCHIVAL_CODE_RULE, description="档号规则")
    session_max_age: int = Field(default=8 * 3600, description="会话有效期（秒）")

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'catalog.db').resolve()}"

    @property
    def objects_dir(self) -> Path:
        return self.home / "objects"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    def check_production(self) -> None:
        """Refuse to run in production with the well-known development secret."""
        if self.env == "production" and self.secret_key == _DEV_SECRET:
            raise ConfigurationError("生产环境必须设置 DANGAN_SECRET_KEY，不能使用默认密钥。")


def _toml_values(home: Path) -> dict[str, Any]:
    path = home / "dangan.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"配置文件 {path} 格式错误：{exc}") from exc
    section = data.get("dangan", data)
    return {k: v for k, v in section.items() if not isinstance(v, dict)}


def load_settings(home: Path | str | None = None, **overrides: Any) -> Settings:
    """Environment wins over dangan.toml, explicit overrides win over both."""
    home_path = Path(home or os.environ.get("DANGAN_HOME") or "dangan-data")
    file_values = _toml_values(home_path)
    env_keys = {k[len("DANGAN_") :].lower() for k in os.environ if k.startswith("DANGAN_")}
    merged = {k: v for k, v in file_values.items() if k not in env_keys}
    merged.update(overrides)
    merged["home"] = home_path
    return Settings(**merged)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
