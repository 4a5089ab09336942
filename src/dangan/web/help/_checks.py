"""What each 四性检测 item checks, in words an archivist reads (DA/T 70-2018), for /help/checks/{code}.

The list of items comes from the check registry through services; this module only adds the Chinese
explanation the registry does not carry (its notes are for developers). An item added to the registry
without an explanation here still gets a page, built from its name, and a test names the gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from dangan.services.quality import CheckItemInfo, check_items


@dataclass(frozen=True)
class CheckHelp:
    code: str
    property: str
    name: str
    stages: tuple[str, ...]
    what: str  # what the item checks
    fix: str  # what to do when it fails or warns
    written: bool  # False: no explanation written yet, `what` is built from the name


# code -> (what it checks, what to do when it fails)
_TEXT: dict[str, tuple[str, str]] = {
    "1-1": (
        "核验文件上的固化信息：PDF 的数字签名、OFD 的电子签章（GB/T 38540）或 SM2 签名是否有效，"
        "签名之后文件有没有被改动。它证明文件确实出自签发单位、且未被篡改。",
        "签名无效通常是文件在签章后又被编辑或转换过：请向业务系统索取签章后的原始文件重新提交。"
        "没有签名的文件本项为“不适用”。",
    ),
    "1-2": (
        "核验元数据的格式、值域和合理性：日期是否真实存在且办结不早于受理，统一社会信用代码与身份证号的校验位，"
        "行政区划代码（GB/T 2260）和行业代码（GB/T 4754）是否存在，文号格式，是否含有控制字符等。",
        "按说明中列出的字段逐一改正（例如重新核对统一社会信用代码），再重新检测。",
    ),
    "1-3": (
        "核验电子属性的一致性：case.json 中登记的 SHA-256 哈希值和文件大小与实际文件是否一致，"
        "文件扩展名与实际格式是否相符。哈希不符说明文件在传输或保存过程中被改动或损坏。",
        "从业务系统重新导出该文件；若文件本身无误，更正 case.json 中的哈希值或扩展名。",
    ),
    "1-4": (
        "核验元数据与内容的关联：case.json 中的文号和申请人名称应能在决定书正文中找到，"
        "防止把甲案卷的元数据配上乙案卷的文件。",
        "核对决定书是否放错案卷、文号或申请人是否录入有误；扫描件需先完成文字识别。",
    ),
    "1-5": (
        "核验信息包的结构：案卷包应是一个文件夹（或其 ZIP、BagIt 包），根目录有 case.json，"
        "只包含普通文件，不含链接、设备文件等特殊文件。",
        "按“案卷包 v1”的结构重新打包：case.json 放在根目录，只放入所列的材料文件。",
    ),
    "2-1": (
        "核验数据总量：包中的文件件数和字节数与移交单或 case.json 中申报的数量是否一致，防止少交、漏交。",
        "清点包中的文件，补齐缺少的文件，或更正申报的件数和字节数。",
    ),
    "2-2": (
        "核验元数据的完整性：案卷包 v1 规定的必填项（来源系统、来源编号、形成部门、事项名称、题名、申请人、"
        "受理与办结日期、办理结果、文件清单）是否齐全；缺少推荐项（如文号、保管期限）给出警告。",
        "补填说明中列出的必填项；警告不阻止归档，但建议补齐以便检索和鉴定。",
    ),
    "2-3": (
        "核验内容的完整性：没有空文件，且审批事项的必备材料规则（在“必备材料”中配置）要求的材料都在包中。",
        "补交说明中列出的缺少材料（例如决定书、申请书），或替换空文件。",
    ),
    "2-4": (
        "核验信息包的完整性：case.json 清单中列出的每个文件都在包中，包中也没有清单以外的文件，清单与实物一致。",
        "补上缺失的文件，或把多余的文件登记到清单中（或从包中删除）。",
    ),
    "3-1": (
        "核验元数据可用性：case.json 是 UTF-8 编码、能被正常解析、符合案卷包 v1 规范的 JSON 文件。",
        "用业务系统重新导出 case.json；手工编辑时注意引号、逗号和 UTF-8 编码。",
    ),
    "3-2": (
        "核验内容可读性：PDF 能被解析、图片能被解码、OFD 能打开且每一页都在，保证将来能正常打开阅读。",
        "文件已损坏或不完整：从原系统重新导出该文件后替换。",
    ),
    "3-3": (
        "核验格式合规性：用 PRONOM 格式库识别每个文件的真实格式，并确认它在可接受的归档格式清单中"
        "（如 PDF、PDF/A、OFD、TIFF、JPEG）。",
        "把文件转换为归档格式（推荐 PDF/A 或 OFD）后重新提交。",
    ),
    "3-4": (
        "核验无加密与非标准压缩：PDF 未加密，压缩包未设密码且采用标准压缩，包中不再嵌套压缩包；"
        "加密或非标准压缩的文件日后可能无法打开。",
        "去除文件密码或加密后重新导出；把嵌套的压缩包解开后再打包。",
    ),
    "4-1": (
        "病毒检测：用 ClamAV 扫描包中的每个文件，发现病毒的案卷不得入库。",
        "不要打开该文件；通知形成部门清除病毒后从干净的来源重新提交。检测程序不可用时请联系系统管理员。",
    ),
    "4-2": (
        "可执行内容检测：包中不得有程序、脚本或带宏的文档；PDF 中的 JavaScript 或启动动作给出警告。",
        "删除可执行文件，把带宏的文档另存为 PDF/A 或 OFD 后重新提交。",
    ),
    "4-3": (
        "密级与开放标识合规：只有密级为“公开”的档案才能标为向社会开放；开放的档案中含有身份证号、"
        "手机号等个人信息时给出警告。",
        "更正密级或“开放”标识；开放档案中的个人信息应先脱敏。",
    ),
}


def _help(item: CheckItemInfo) -> CheckHelp:
    text = _TEXT.get(item.code)
    if text is None:
        what = f"本项检测“{item.name}”（DA/T 70-2018 {item.property}检测项 {item.code}）。"
        return CheckHelp(
            item.code, item.property, item.name, item.stages, what, "按检测说明改正后重新检测。", False
        )
    return CheckHelp(item.code, item.property, item.name, item.stages, text[0], text[1], True)


def check_help_all() -> list[CheckHelp]:
    """Every registered item, in DA/T 70 order, with its explanation."""
    return [_help(i) for i in check_items()]


def check_help(code: str) -> CheckHelp | None:
    return next((h for h in check_help_all() if h.code == code), None)
