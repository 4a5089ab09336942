"""Settings from `DANGAN_*` environment variables and an optional `dangan.toml` in the data directory.

Built on demand (never at import time) so that a command's `--data DIR` can decide which home is used.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dangan.core.clock import DEFAULT_ZONE, archive_zone
from dangan.core.errors import ConfigurationError

DEFAULT_ARCHIVAL_CODE_RULE = "{fonds}-{year}-{retention}-{org}-{item:04d}"
STORE_PLACES = ("local", "s3")
_DEV_SECRET = "dangan-development-only-secret"
_TABLE_SETTINGS = ("checks", "matters", "preservation", "lifecycle")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DANGAN_", extra="ignore")

    home: Path = Field(default=Path("dangan-data"), description="数据目录")
    database_url: str | None = Field(default=None, description="目录数据库；默认 HOME/catalog.db (SQLite)")
    env: Literal["development", "production"] = Field(
        default="development", description="development / production"
    )
    secret_key: SecretStr = Field(default=SecretStr(_DEV_SECRET), description="会话签名密钥")
    fonds_code: str = Field(default="Z001", description="全宗号")
    fonds_name: str = Field(default="秦皇岛市行政审批档案馆", description="全宗名称")
    public_url: str | None = Field(
        default=None,
        description="门户的公开地址（档案证明二维码中的核验网址以它开头）；未设置时用请求到达的地址，命令行出证用 http://127.0.0.1:8000",
    )
    oai_repository_identifier: str = Field(
        default="dangan.local",
        description="OAI-PMH 仓储标识（条目标识为 oai:<仓储标识>:<档案编号>，公开地址变化时保持不变）",
    )
    oai_admin_email: str | None = Field(
        default=None, description="OAI-PMH Identify 中的管理员邮箱；默认 archive@<仓储标识>"
    )
    oai_page_size: int = Field(default=200, ge=1, le=1000, description="OAI-PMH 每页条数（续传令牌分页）")
    timezone: str = Field(
        default=DEFAULT_ZONE,
        description="档案馆所在时区：页面、水印、证明和导出中的时间按它显示（IANA 名称）",
    )
    archival_code_rule: str = Field(default=DEFAULT_ARCHIVAL_CODE_RULE, description="档号规则")
    search_engine: Literal["auto", "engine", "sql"] = Field(
        default="auto",
        description="检索引擎：auto（嵌入式目录用内置检索引擎，PostgreSQL 用数据库全文检索）、engine、sql",
    )
    session_max_age: int = Field(
        default=8 * 3600, gt=0, description="会话绝对有效期（秒）：登录满此时长须重新登录"
    )
    session_idle_seconds: int = Field(
        default=30 * 60, gt=0, description="会话空闲超时（秒）：无操作满此时长须重新登录"
    )
    cookie_secure: bool | None = Field(
        default=None, description="会话 Cookie 是否带 Secure 标记；默认在 DANGAN_PUBLIC_URL 为 https 时带"
    )
    lockout_threshold: int = Field(default=5, gt=0, description="连续输错密码或动态口令多少次后锁定账户")
    login_max_failures: int = Field(
        default=20, gt=0, description="同一地址在时间窗口内登录失败多少次后暂停登录"
    )
    login_window_seconds: int = Field(default=600, gt=0, description="按地址统计登录失败的时间窗口（秒）")
    api_rate_limit: int = Field(default=120, gt=0, description="每个 API Key 每分钟最多请求次数，超过答 429")
    conditional_approver: Literal["dept_head", "archive"] = Field(
        default="dept_head",
        description="有条件共享档案的跨部门利用申请由谁审批：dept_head（档案所属部门负责人，默认）或 archive（档案管理员）",
    )
    ledger_signature: Literal["ed25519", "sm2"] = Field(
        default="ed25519", description="账本检查点签名算法：ed25519 或 sm2"
    )
    witness_dir: Path | None = Field(
        default=None, description="账本检查点的见证目录（数据目录之外）；不设则不导出"
    )
    checks: dict[str, Any] = Field(
        default_factory=dict, description='四性检测方案：[checks] 与 [checks."归档"] 等'
    )
    matters: dict[str, Any] = Field(
        default_factory=dict, description='审批事项规则：[matters."事项"] required = [...]'
    )
    preservation: dict[str, Any] = Field(
        default_factory=dict,
        description="长期保存格式策略：[preservation] accepted / normalise（见 docs/decisions.md）",
    )
    lifecycle: dict[str, Any] = Field(
        default_factory=dict,
        description="保管期限与销毁：[lifecycle] retention_start / approval_chain / matters（见 README）",
    )
    clamav_db: str | None = Field(
        default=None, description="ClamAV 病毒特征库（文件或目录）；默认 clamscan 自带配置"
    )
    trust_roots: Path | None = Field(default=None, description="验证 PDF 数字签名用的可信根证书（PEM）")
    signing_timestamp: str = Field(
        default="off",
        description="档案证明 PAdES 签名的时间戳：off（B-B，不加时间戳）、local（本馆时间戳密钥，B-T）或 RFC 3161 时间戳服务地址",
    )
    clamd_socket: str | None = Field(
        default=None, description="clamd 地址（unix 套接字路径或 tcp://主机:端口）；设置后用 clamd 扫描"
    )
    replica_dir: Path | None = Field(default=None, description="第二副本目录；默认 HOME/replica")
    master_key_file: Path | None = Field(
        default=None, description="主密钥文件（须在数据目录之外）；默认 HOME 旁的 <HOME>-keys/master.key"
    )
    master_key: SecretStr | None = Field(
        default=None, description="主密钥文本（由密钥管理系统注入时使用，优先于密钥文件）"
    )
    cipher: Literal["AES-256-GCM", "SM4-GCM"] = Field(
        default="AES-256-GCM", description="对象加密算法：AES-256-GCM 或 SM4-GCM"
    )
    encrypt_public: bool = Field(default=False, description="是否连开放档案也加密存储（非开放档案总是加密）")
    primary_store: str = Field(default="local", description="主副本位置：local（数据目录）或 s3")
    replicas: str = Field(
        default="local", description="其他副本位置，逗号分隔：local（HOME/replica 或 DANGAN_REPLICA_DIR）、s3"
    )
    s3_endpoint: str | None = Field(default=None, description="S3 兼容对象存储地址，如 http://127.0.0.1:8333")
    s3_bucket: str = Field(default="dangan", description="S3 存储桶")
    s3_access_key: str = Field(default="", description="S3 访问密钥 ID")
    s3_secret_key: SecretStr = Field(default=SecretStr(""), description="S3 访问密钥")
    s3_region: str = Field(default="us-east-1", description="S3 区域")
    s3_prefix: str = Field(default="", description="S3 对象名前缀（多个档案馆共用一个存储桶时区分）")
    max_upload_bytes: int = Field(
        default=2 * 1024**3, gt=0, description="单次上传（推送接口、网页上传）的最大字节数"
    )
    drop_dir: Path | None = Field(default=None, description="监视的投递目录；设置后 serve 同时启动目录监视")
    drop_stable_seconds: float = Field(default=5.0, ge=0, description="投递的案卷包静止多少秒后才导入")
    drop_poll_seconds: float = Field(default=2.0, gt=0, description="监视投递目录的轮询间隔（秒）")
    max_package_bytes: int = Field(default=4 * 1024**3, gt=0, description="一个 ZIP 案卷包解压后的最大字节数")
    max_package_entries: int = Field(default=10_000, gt=0, description="一个 ZIP 案卷包的最大条目数")
    max_compression_ratio: int = Field(
        default=200, gt=0, description="ZIP 条目允许的最大压缩比（超过视为压缩炸弹）"
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis 地址（规模化部署）；设置后后台任务经 Redis 分发，否则用数据目录中的 SQLite 队列",
    )
    job_workers: int = Field(default=2, ge=1, description="dangan worker 同时执行后台任务的线程（或进程）数")
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="日志格式：text（便于阅读）或 json（每行一个 JSON 对象，含 time、level、logger、message、request_id）",
    )
    audit_interval: int = Field(
        default=60, ge=0, description="定期完整性检查的间隔（分钟）；0 表示不定期检查"
    )
    audit_rate: float = Field(
        default=50.0, gt=0, description="定期完整性检查的读取限速（MB/s），避免影响日常业务"
    )
    audit_batch: int = Field(default=1000, ge=1, description="每次定期检查的对象数（最久未检查的优先）")
    audit_repair: bool = Field(
        default=True, description="定期检查发现损坏或缺失的副本时，是否用完好的副本自动修复"
    )
    checkpoint_interval: int = Field(
        default=60, ge=0, description="账本检查点定期签名的间隔（分钟）；0 表示不定期签名"
    )
    embed_interval: int = Field(
        default=5, ge=0, description="后台为新档案生成语义向量的间隔（分钟）；0 表示只由 dangan embed 生成"
    )
    embed_batch: int = Field(default=256, ge=1, description="每次后台生成语义向量的最多档案数")

    alert_interval_seconds: float = Field(
        default=60.0,
        ge=0,
        description="dangan serve 运行监控规则的间隔（秒）；0 表示只由 dangan monitor run 运行",
    )
    alert_lookback_hours: int = Field(default=24, gt=0, description="监控规则回看的事件时长（小时）")
    alert_bulk_downloads: int = Field(
        default=50, gt=0, description="批量下载告警：同一用户在时间窗内的下载次数"
    )
    alert_bulk_minutes: int = Field(default=10, gt=0, description="批量下载告警的时间窗（分钟）")
    alert_denials: int = Field(default=5, gt=0, description="反复被拒告警：同一用户在时间窗内被拒绝的次数")
    alert_denial_minutes: int = Field(default=10, gt=0, description="反复被拒告警的时间窗（分钟）")
    alert_work_hours: str = Field(
        default="08:00-18:00", description="工作时间（如 08:00-18:00），之外的访问告警"
    )
    alert_workdays: str = Field(default="1-5", description="工作日（1=周一 … 7=周日，如 1-5 或 1,2,3,4,5,6）")
    alert_timezone: str | None = Field(
        default=None, description="判断工作时间所用的时区；默认同 DANGAN_TIMEZONE"
    )
    alert_peer_factor: float = Field(
        default=5.0, gt=0, description="异常多读告警：某用户当日阅读量超过其他用户中位数的倍数"
    )
    alert_peer_min_reads: int = Field(default=100, gt=0, description="异常多读告警：当日阅读量的最低门槛")
    alert_webhook_url: str | None = Field(default=None, description="告警以 JSON POST 到此地址；不设则不发送")
    alert_webhook_timeout: float = Field(default=5.0, gt=0, description="告警 Webhook 超时（秒）")
    metrics_token: SecretStr | None = Field(
        default=None,
        description="/metrics 的访问令牌（请求头 Authorization: Bearer 令牌）；不设则只有本机可以读取",
    )

    @field_validator("drop_dir", "redis_url", "metrics_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`DANGAN_DROP_DIR=` (empty) turns the watcher off rather than watching the current folder."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("primary_store")
    @classmethod
    def _known_primary(cls, value: str) -> str:
        if value.strip() not in STORE_PLACES:
            raise ValueError(f"取值“{value}”无效，可选 {'、'.join(STORE_PLACES)}")
        return value.strip()

    @field_validator("replicas")
    @classmethod
    def _known_replicas(cls, value: str) -> str:
        places = [p.strip() for p in value.split(",") if p.strip()]
        if any(p not in STORE_PLACES for p in places):
            raise ValueError(f"取值“{value}”无效，可选 {'、'.join(STORE_PLACES)}，多个用逗号分隔")
        return ",".join(places)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        archive_zone(value)  # raises ValueError with a Chinese message
        return value

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'catalog.db').resolve()}"

    @property
    def secure_cookies(self) -> bool:
        """Mark the session cookie Secure: as set, or whenever the public address is HTTPS."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return (self.public_url or "").lower().startswith("https://")

    def warnings(self) -> list[str]:
        """What a running archive should have set and has not (shown on the administrator's home)."""
        found = []
        if self.env == "production" and not self.public_url:
            found.append(
                "未设置 DANGAN_PUBLIC_URL：档案证明二维码中的核验网址将取自请求到达的地址，"
                "经反向代理访问时可能指向内部地址。请设置为公众访问门户的网址。"
            )
        return found

    @property
    def objects_dir(self) -> Path:
        return self.home / "objects"

    @property
    def replica_path(self) -> Path:
        return self.replica_dir or (self.home / "replica")

    @property
    def master_key_path(self) -> Path:
        if self.master_key_file:
            return self.master_key_file
        home = self.home.resolve()
        return home.parent / f"{home.name}-keys" / "master.key"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @model_validator(mode="after")
    def _production_has_its_own_secret(self) -> Settings:
        """Refused when the settings are read, so no command or server starts with the published key."""
        if self.env == "production" and self.secret_key.get_secret_value() == _DEV_SECRET:
            raise ValueError("生产环境必须设置 DANGAN_SECRET_KEY，不能使用默认密钥")
        return self


def _toml_values(home: Path) -> dict[str, Any]:
    path = home / "dangan.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"配置文件 {path} 格式错误：{exc}") from exc
    section = data.get("dangan", data)
    values = {k: v for k, v in section.items() if not isinstance(v, dict)}
    for table in _TABLE_SETTINGS:  # whole TOML tables: [checks."归档"], [matters."食品经营许可"]
        if isinstance(section.get(table, data.get(table)), dict):
            values[table] = section.get(table, data.get(table))
    return values


def load_settings(home: Path | str | None = None, **overrides: Any) -> Settings:
    """Environment wins over dangan.toml, explicit overrides win over both."""
    home_path = Path(home or os.environ.get("DANGAN_HOME") or "dangan-data")
    file_values = _toml_values(home_path)
    env_keys = {k[len("DANGAN_") :].lower() for k in os.environ if k.startswith("DANGAN_")}
    merged = {k: v for k, v in file_values.items() if k not in env_keys}
    merged.update(overrides)
    merged["home"] = home_path
    try:
        return Settings(**merged)
    except ValidationError as exc:
        raise ConfigurationError(_settings_problems(exc), code="invalid_settings") from None


def _settings_problems(exc: ValidationError) -> str:
    """'配置有误：DANGAN_TIMEZONE：未知时区：…' — each wrong setting named as the operator sets it."""
    parts = []
    for error in exc.errors():
        name = "DANGAN_" + "_".join(str(p) for p in error["loc"]).upper() if error["loc"] else ""
        if error.get("type") == "literal_error":  # a typo such as DANGAN_ENV=prod: name the allowed values
            allowed = (
                str(error.get("ctx", {}).get("expected", "")).replace("' or '", "、").replace("', '", "、")
            )
            message = f"取值“{error.get('input')}”无效，可选 {allowed.strip(chr(39))}"
        else:
            message = str(error.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{name}：{message}" if name else message)
    return "配置有误：" + "；".join(parts)
