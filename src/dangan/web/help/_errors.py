"""What each error code means and what to do about it, for /help/errors/{code}.

The codes are the contract (core/errors.py, web/errors.py); this is the explanation people need when
one of them stops their work. A code not written up here still gets a page: the general advice for
its kind of failure, so an error's "查看说明" link never leads nowhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,60}$")


@dataclass(frozen=True)
class ErrorHelp:
    code: str
    title: str
    cause: str
    action: str
    page: str | None = None  # the manual page (slug) that explains the task where it happens
    known: bool = True


# code: (title, cause, action, manual page)
_E: dict[str, tuple[str, str, str, str | None]] = {
    "bad_request": (
        "请求有误",
        "浏览器或接口发来的请求缺少内容或格式不对，常见于页面停留过久后再提交。",
        "刷新页面后重新操作；仍然出现请联系系统管理员。",
        None,
    ),
    "unauthenticated": (
        "请先登录",
        "您尚未登录，或会话已过期（超过有效期或长时间未操作），或密码已被修改。",
        "重新登录后再操作。接口调用请检查 Authorization 头中的 API Key。",
        "login",
    ),
    "forbidden": (
        "无权执行此操作",
        "您的角色、部门或可阅密级不允许这项操作；也可能是页面停留过久，表单的安全令牌（CSRF）已失效。",
        "刷新页面再试；确属工作需要，请向安全保密管理员申请调整角色或密级，或提交利用申请。",
        "requests",
    ),
    "not_found": (
        "未找到",
        "您访问的页面或档案不存在，或您无权查看（为保护档案，两种情况显示同样的提示）。",
        "检查档号或链接是否完整；需要查看他人部门或更高密级的档案时，请提交利用申请。",
        "requests",
    ),
    "method_not_allowed": (
        "不支持该请求方法",
        "该地址不接受这种请求方式，通常是直接在地址栏打开了只用于提交表单的地址。",
        "回到上一页，通过页面上的按钮操作。",
        None,
    ),
    "conflict": (
        "与现有数据冲突",
        "要保存的内容与系统中已有的数据冲突，例如重复的编号或已被他人处理的事项。",
        "刷新页面查看最新状态后再操作。",
        None,
    ),
    "gone": (
        "已销毁",
        "该档案的电子文件已按鉴定销毁程序销毁，只保留销毁清册中的目录信息。",
        "如需了解销毁依据，请查看档案销毁清册或联系档案管理员。",
        "lifecycle",
    ),
    "content_destroyed": (
        "电子文件已销毁",
        "该档案已按鉴定销毁程序销毁，内容不可再获取。",
        "查看档案销毁清册了解批次和监销人。",
        "lifecycle",
    ),
    "payload_too_large": (
        "上传内容过大",
        "上传的文件或表单超过了系统允许的大小。",
        "拆分成多个案卷包分批上传，或请系统管理员调整上传上限。",
        "upload",
    ),
    "too_large": ("内容过大", "提交的文件或文本超过了上限。", "压缩或拆分后再提交。", "upload"),
    "unsupported_media_type": (
        "不支持的内容类型",
        "提交的文件类型或请求格式系统无法处理。",
        "案卷包请使用 ZIP、BagIt 或文件夹；材料文件优先使用 PDF、OFD 或常见图片格式。",
        "upload",
    ),
    "validation_failed": (
        "填写的内容有误",
        "表单或 case.json 中有必填项缺失或取值不合规，错误提示会指出具体字段。",
        "按字段旁的红色提示逐项修改后重新提交；所有问题会一次列出。",
        "upload",
    ),
    "invalid_input": (
        "请求中含有无法保存的内容",
        "提交的内容中含有空字符等无法保存或查询的字符，通常来自复制粘贴。",
        "重新手工输入该字段后提交。",
        None,
    ),
    "missing_field": (
        "缺少必填项",
        "案卷包的 case.json 缺少必填字段（如题名、申请人名称、受理日期、办结日期、办理结果或文件清单）。",
        "在隔离区补全元数据，或由业务系统补齐后重新推送。",
        "quarantine",
    ),
    "too_many_requests": (
        "请求过于频繁",
        "短时间内请求次数超过限制（登录失败、进度查询和接口调用都有限制）。",
        "等待提示中的时间后再试。",
        None,
    ),
    "rate_limited": (
        "调用过于频繁",
        "该 API Key 在短时间内的调用次数超过限制。",
        "业务系统应放慢推送速度，按响应头 Retry-After 等待后重试。",
        "apikeys",
    ),
    "internal_error": (
        "系统内部错误",
        "系统处理时发生了意外错误，您的操作没有保存任何半成品。",
        "稍后重试；仍然出现请把出错时间告诉系统管理员，他可以在日志中查到原因。",
        None,
    ),
    "configuration_error": (
        "配置错误",
        "系统的配置有误（例如生产环境仍使用默认密钥，或数据库、对象存储地址不可用）。",
        "请系统管理员运行 dangan doctor 检查，并对照管理员手册的配置参考修正。",
        None,
    ),
    "wrong_password": (
        "当前密码不正确",
        "修改密码时输入的当前密码与账户不符。",
        "重新输入；忘记密码请联系安全保密管理员重置。",
        "account",
    ),
    "weak_password": (
        "密码强度不足",
        "新密码太短或过于简单（须同时包含字母和数字等）。",
        "换一个更长、更复杂的密码。",
        "account",
    ),
    "totp_failed": (
        "动态口令不正确",
        "输入的 6 位动态口令或恢复码不对，或手机时间不准导致口令已过期。",
        "等口令刷新后重新输入；手机丢失时使用恢复码，或请安全保密管理员重置动态口令。",
        "login",
    ),
    "totp_already_enabled": (
        "动态口令已启用",
        "您的账户已经启用了动态口令。",
        "如需更换手机，先停用再重新启用。",
        "account",
    ),
    "totp_not_started": (
        "尚未开始绑定",
        "确认启用动态口令前需要先点击“启用动态口令”并扫描二维码。",
        "回到“我的账户”重新开始绑定。",
        "account",
    ),
    "session_revoked": (
        "会话已失效",
        "密码已修改或账户被停用，原来的登录会话不再有效。",
        "重新登录。",
        "login",
    ),
    "account_locked": (
        "账户已锁定",
        "连续多次密码错误，账户被临时锁定。",
        "等待锁定时间结束，或请安全保密管理员解锁。",
        "login",
    ),
    "unknown_user": (
        "用户不存在",
        "指定的用户名在系统中不存在。",
        "检查用户名拼写；新用户由安全保密管理员在“用户管理”中添加。",
        "users",
    ),
    "user_exists": ("用户名已存在", "新增用户时使用的用户名已被占用。", "换一个用户名。", "users"),
    "unknown_role": ("未知角色", "角色取值不在系统支持的八种角色之内。", "从下拉框中选择角色。", "users"),
    "unknown_clearance": (
        "未知密级",
        "可阅密级只能是 公开、内部、秘密、机密 之一。",
        "从下拉框中选择密级。",
        "users",
    ),
    "department_required": (
        "须填写部门",
        "部门经办人和部门负责人必须属于一个部门（与案卷中形成部门的名称一致）。",
        "填写部门全称。",
        "users",
    ),
    "three_admins_shell_only": (
        "三员账户只能在服务器上创建",
        "系统管理员、安全保密管理员和安全审计员（三员）须分立，不能在网页上互相创建或修改。",
        "由系统管理员在服务器上运行 dangan user add 创建。",
        "users",
    ),
    "self_change_refused": (
        "不能修改自己的账户",
        "为防止越权，管理员不能停用或降低自己的账户。",
        "请另一位有权限的管理员操作。",
        "users",
    ),
    "unknown_api_key": (
        "API Key 无效",
        "推送时使用的 API Key 不存在或已被吊销。",
        "请系统管理员在“接口密钥”页面新建密钥，并更新业务系统的配置。",
        "apikeys",
    ),
    "api_key_required": (
        "缺少 API Key",
        "业务系统推送案卷时没有在 Authorization 头中提供 Bearer 密钥。",
        "在请求头中加入 Authorization: Bearer 密钥。",
        "apikeys",
    ),
    "system_out_of_scope": (
        "超出密钥的范围",
        "该 API Key 只允许推送指定部门或审批事项的案卷。",
        "使用对应部门的密钥，或请系统管理员新建范围合适的密钥。",
        "apikeys",
    ),
    "upload_forbidden": (
        "无权上传",
        "只有档案管理员、部门经办人和部门负责人可以上传案卷，经办人只能上传本部门的案卷。",
        "确认登录的账户和案卷的形成部门。",
        "upload",
    ),
    "package_rejected": (
        "案卷包未通过检测",
        "案卷包未通过四性检测（如文件缺失、哈希值不符、格式不合规），已进入隔离区，未归档。",
        "打开隔离区查看检测报告，修正后点击“重新检测”。",
        "quarantine",
    ),
    "hash_mismatch": (
        "文件哈希值不符",
        "文件的 SHA-256 与 case.json 中登记的不一致：文件在传输中损坏或被替换。",
        "重新从业务系统导出该文件，或在隔离区用正确的文件替换。",
        "quarantine",
    ),
    "unsafe_path": (
        "文件路径不安全",
        "案卷包中的文件路径含有“..”或绝对路径，可能越出案卷包目录。",
        "改用案卷包内的相对路径后重新打包。",
        "upload",
    ),
    "bad_format": (
        "格式不正确",
        "某个字段的格式不对，例如日期不是 YYYY-MM-DD，或统一社会信用代码校验位错误。",
        "按提示改正该字段。",
        "upload",
    ),
    "bad_date": (
        "日期格式不正确",
        "日期须写作 YYYY-MM-DD，且办结日期不能早于受理日期。",
        "改正日期后重新提交。",
        "upload",
    ),
    "file_required": (
        "缺少文件",
        "案卷至少需要一个材料文件（通常是决定书）。",
        "添加材料文件后再提交。",
        "upload",
    ),
    "quarantine_not_found": (
        "隔离记录不存在",
        "该隔离记录不存在、已处理，或不属于您的部门。",
        "回到隔离区列表刷新。",
        "quarantine",
    ),
    "quarantine_closed": (
        "隔离记录已关闭",
        "该案卷已归档或已退回形成部门，不能再修改。",
        "如需再次提交，请重新上传。",
        "quarantine",
    ),
    "quarantine_forbidden": (
        "无权处理该隔离记录",
        "经办人和部门负责人只能处理本部门的隔离记录。",
        "请本部门人员或档案管理员处理。",
        "quarantine",
    ),
    "report_not_found": (
        "检测报告不存在",
        "没有找到该档案或隔离记录的四性检测报告。",
        "确认档号；新归档的档案在归档时生成报告。",
        "checks",
    ),
    "handover_not_found": (
        "移交批次不存在",
        "该移交批次不存在或不属于您的部门。",
        "回到“移交”列表刷新。",
        "handover",
    ),
    "handover_forbidden": (
        "无权处理该移交批次",
        "部门人员只能处理本部门的移交；接收和退回由档案管理员操作。",
        "请有权限的人员操作。",
        "handover",
    ),
    "handover_closed": (
        "移交批次已结束",
        "该批次已接收或已退回，不能再修改。",
        "如需补充，请新建移交批次。",
        "handover",
    ),
    "handover_not_submitted": (
        "批次尚未提交",
        "档案管理员只能接收或退回已“确认移交”的批次。",
        "等部门确认移交后再接收。",
        "handover",
    ),
    "no_records": (
        "没有符合条件的档案",
        "所选条件下没有可以纳入批次的档案。",
        "调整年度或其他条件后再试。",
        "handover",
    ),
    "request_not_found": (
        "利用申请不存在",
        "该利用申请不存在或不是您的。",
        "回到“利用申请”列表刷新。",
        "requests",
    ),
    "request_forbidden": (
        "无权处理该申请",
        "利用申请由档案管理员或申请所涉部门的负责人审批。",
        "请有审批权的人员处理。",
        "requests",
    ),
    "approve_forbidden": (
        "无权审批",
        "您不是这件事项的审批人（申请人不能审批自己的申请）。",
        "请档案管理员或部门负责人审批。",
        "requests",
    ),
    "reason_required": (
        "须填写理由",
        "驳回、退回、冻结、解除冻结和销毁等操作必须写明理由，理由会记入审计记录。",
        "填写理由后再提交。",
        None,
    ),
    "note_required": ("须填写说明", "处理告警或审批时需要写明说明。", "填写说明后再提交。", "alerts"),
    "invalid_days": (
        "期限不正确",
        "利用期限须为 1 到 365 天，批准的期限不能超过申请的天数。",
        "改正天数。",
        "requests",
    ),
    "too_many_records": (
        "档案过多",
        "一次申请或操作包含的档案超过上限。",
        "缩小条件，分几次申请。",
        "requests",
    ),
    "personal_data_withheld": (
        "个人信息已遮蔽",
        "身份证号码、电话等个人信息只对有权限的用户显示，预览和下载中已遮蔽。",
        "确需完整信息，请提交利用申请并写明用途。",
        "record",
    ),
    "watermark_failed": (
        "无法加水印",
        "下载的文件需要加水印，但该文件格式无法加水印。",
        "改用预览，或请档案管理员提供。",
        "record",
    ),
    "not_in_ledger": (
        "账本中没有该档案",
        "该档案尚未写入可信账本（归档后自动写入）。",
        "稍后再试；持续出现请告知系统管理员运行 dangan ledger verify。",
        "certify",
    ),
    "signing_key": (
        "签名密钥不可用",
        "出证需要的签名密钥缺失或无法读取。",
        "请系统管理员检查 keys 目录，参见管理员手册的密钥轮换一节。",
        "certify",
    ),
    "cjk_font_missing": (
        "缺少中文字体",
        "生成 PDF/A 需要可嵌入的中文字体，服务器上没有安装。",
        "请系统管理员安装 fonts-wqy-zenhei。",
        "digitization",
    ),
    "font_unsupported": (
        "字体不受支持",
        "文件使用的字体无法嵌入 PDF/A。",
        "请系统管理员安装 fonts-wqy-zenhei 后重试。",
        "digitization",
    ),
    "pdf_encrypted": (
        "PDF 已加密",
        "上传的 PDF 设置了打开密码或权限密码，无法检测和长期保存。",
        "请业务系统导出未加密的 PDF。",
        "upload",
    ),
    "pdfa_invalid": (
        "不是合规的 PDF/A",
        "文件声明为 PDF/A，但不符合 PDF/A 标准。",
        "重新转换为 PDF/A，或交由系统自动转换。",
        "checks",
    ),
    "lifecycle_forbidden": (
        "无权鉴定销毁",
        "鉴定销毁由档案管理员发起，由档案管理员或部门负责人审批。",
        "请有权限的人员操作。",
        "lifecycle",
    ),
    "disposal_refused": (
        "不能销毁",
        "该档案被冻结（法律保全）、保管期限未满或为永久保管，不能列入销毁。",
        "先解除冻结或等待期限届满；永久档案不能销毁。",
        "lifecycle",
    ),
    "already_on_hold": ("已冻结", "该档案已处于冻结状态。", "无需重复冻结。", "lifecycle"),
    "bad_judged": (
        "鉴定意见不正确",
        "鉴定意见只能是“销毁”“保留”之一，保留时须写明理由和新的保管期限。",
        "按提示补全。",
        "lifecycle",
    ),
    "sharing_forbidden": ("无权维护共享目录", "共享目录由档案管理员维护。", "请档案管理员操作。", "sharing"),
    "self_shared": (
        "不能共享给本部门",
        "共享部门不能与形成部门相同：本部门本来就能查看自己的档案。",
        "选择其他部门。",
        "sharing",
    ),
    "rule_not_found": ("规则不存在", "该共享规则或必备材料规则不存在或已停用。", "回到列表刷新。", "sharing"),
    "matter_rule_forbidden": (
        "无权设置必备材料",
        "审批事项的必备材料由档案管理员设置。",
        "请档案管理员操作。",
        "matters",
    ),
    "synonym_forbidden": ("无权修改同义词", "检索同义词由档案管理员维护。", "请档案管理员操作。", "search"),
    "audit_forbidden": (
        "无权查看审计记录",
        "审计记录只有安全审计员可以查看。",
        "请安全审计员查询。",
        "audit",
    ),
    "unknown_alert": ("告警不存在", "该告警不存在或已处理。", "刷新告警列表。", "alerts"),
    "too_many_lookups": (
        "查询次数过多",
        "办件进度查询在短时间内失败次数过多，已暂时限制。",
        "核对办件编号和证件号码后 6 位，稍后再查。",
        "portal-progress",
    ),
    "help_not_found": (
        "手册中没有这一页",
        "您打开的手册页面不存在，或不属于您的角色。",
        "从帮助首页进入，或用搜索框查找。",
        None,
    ),
    "help_forbidden": ("无权查看该手册", "系统管理员手册只对系统管理员开放。", "请系统管理员查看。", None),
}

GENERAL = ErrorHelp(
    code="",
    title="错误说明",
    cause="这个错误代码还没有单独的说明。页面上的中文提示说明了出错的原因。",
    action="按提示修改后重试；如果不清楚怎么处理，请把错误代码和出错时间告诉档案管理员或系统管理员。",
    known=False,
)


def error_help(code: str) -> ErrorHelp | None:
    """The explanation of `code`; the general one for a well-formed code not written up; None for text
    that cannot be a code (answered 404, never echoed)."""
    if not CODE_PATTERN.match(code):
        return None
    entry = _E.get(code)
    if entry is None:
        return ErrorHelp(code, GENERAL.title, GENERAL.cause, GENERAL.action, None, known=False)
    title, cause, action, page = entry
    return ErrorHelp(code, title, cause, action, page)


def known_codes() -> list[str]:
    return sorted(_E)


def help_url(code: str) -> str:
    return f"/help/errors/{code}" if CODE_PATTERN.match(code) else "/help/errors"
