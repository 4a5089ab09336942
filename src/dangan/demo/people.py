"""People and enterprises of the demo city: names, addresses, phones and valid identifiers.

Every 统一社会信用代码 carries a correct GB 32100 check character (and its embedded 组织机构代码 a
correct GB 11714 one); every resident ID number a correct GB 11643 one. All randomness comes from
the `random.Random` handed in.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from dangan.demo._industries import INDUSTRIES
from dangan.demo.catalogue import DISTRICT_BY_CODE, DISTRICTS
from dangan.demo.model import Applicant, Person
from dangan.domain import USCC_ALPHABET, id_check_char, uscc_check_char

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马胡朱郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
    "姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常"
)
# Rough frequency: the first surnames are far more common than the last ones.
_SURNAME_WEIGHTS = tuple(1.0 / (i + 4) for i in range(len(_SURNAMES)))
_MANCHU_SURNAMES = "关佟那赵富"  # common in 青龙满族自治县


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_MALE = _words(
    "伟 强 磊 军 勇 杰 涛 明 超 刚 平 辉 鹏 华 飞 鑫 波 斌 宇 浩 凯 健 俊 帅 旭 宁 龙 林 峰 亮 "
    "东 建国 建华 志强 志刚 海涛 海波 国庆 永刚 建军 文博 晓东 立新 春雷 振华 德明 福生 宏伟 金龙 俊杰 子豪 浩然 宇航 鹏飞 志远 明辉 玉峰 长青 树林 振国 "
    "连生 学军 立军 建平"
)
_FEMALE = _words(
    "芳 娜 敏 静 丽 艳 娟 霞 婷 雪 琳 颖 欣 悦 佳 倩 婧 萍 红 燕 秀英 秀兰 桂英 玉兰 海燕 丽娟 晓燕 雪梅 "
    "淑芬 淑珍 红梅 丽华 春燕 美玲 思雨 梦瑶 雨欣 欣怡 晓丽 秀云 玉梅 凤霞 丽萍 文静 佳琪 雅楠 慧敏 桂芝"
)

_BRANDS = _words(
    "鑫源 海悦 金港 华瑞 润丰 嘉禾 鼎盛 聚福 长城 渤海 碣石 燕山 港城 祥和 恒通 宏达 盛世 福瑞 佳和 康宁 泰和 顺达 永兴 兴隆 瑞丰 天成 "
    "鸿运 众诚 海韵 海川 蓝海 金沙 银滩 联峰 角山 孟姜 祖山 永平 骊城 昌盛 新港 东港 北港 金岸 明珠 宏图 远航 博远 正阳 启航 亿丰 万泽 "
    "金鼎 晟达 德隆 广源 汇通 安泰 宝元 春晖 秦港 秦源 冀秦 海德 海澜 涛声 鹏程 凯旋 鑫达 合众 中盛 九洲 天时 鸿福 沐阳 晨曦 若水"
)
_COMPANY_FORMS = (("有限公司", 0.78), ("有限责任公司", 0.14), ("股份有限公司", 0.05), ("集团有限公司", 0.03))
_CAPITALS = (10, 30, 50, 100, 100, 200, 300, 500, 500, 1000, 2000, 3000, 5000)
_MOBILE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 176 177 178 "
    "180 181 182 183 184 185 186 187 188 189 198 199"
)
# County-level divisions elsewhere in 河北省 where legal representatives were born (GB/T 2260).
OTHER_HEBEI = ("130102", "130104", "130203", "130204", "130225", "130229", "130402", "130702", "130802",
               "130821", "130902", "131002", "131102")  # fmt: skip
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def person_name(rng: random.Random, sex: str, district: str = "") -> str:
    if district == "130321" and rng.random() < 0.25:
        surname = rng.choice(_MANCHU_SURNAMES)
    else:
        surname = rng.choices(_SURNAMES, _SURNAME_WEIGHTS)[0]
    return surname + rng.choice(_MALE if sex == "男" else _FEMALE)


def phone(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def id_number(rng: random.Random, region: str, birth: date, sex: str) -> str:
    """A GB 11643 resident identity number; the 17th digit is odd for men."""
    sex_digit = rng.choice("13579" if sex == "男" else "02468")
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(100):02d}{sex_digit}"
    return first17 + id_check_char(first17)


def person(
    rng: random.Random, district: str, *, male_share: float = 0.62, born: tuple[int, int] = (1958, 2000)
) -> Person:
    """A resident whose ID was most likely issued in `district`."""
    sex = "男" if rng.random() < male_share else "女"
    roll = rng.random()
    if roll < 0.7:
        region = district
    elif roll < 0.82:
        region = rng.choice(DISTRICTS).code
    else:
        region = rng.choice(OTHER_HEBEI)
    birth = date(rng.randint(*born), 1, 1) + timedelta(days=rng.randrange(365))
    return Person(person_name(rng, sex, district), sex, birth, id_number(rng, region, birth, sex), phone(rng))


def org_code(rng: random.Random) -> str:
    """A 组织机构代码 (GB 11714) as embedded in positions 9-17 of a USCC."""
    if rng.random() < 0.6:  # codes assigned together with the USCC since 2015: MA + 6 characters
        body = "MA" + rng.choice("0123456789") + "".join(rng.choice(USCC_ALPHABET) for _ in range(5))
    else:
        body = rng.choice("567") + "".join(rng.choice("0123456789") for _ in range(7))
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def uscc(rng: random.Random, region: str, kind: str = "企业") -> str:
    """A GB 32100 统一社会信用代码: 91 for companies, 92 for 个体工商户, then the region code."""
    first17 = ("92" if kind == "个体工商户" else "91") + region + org_code(rng)
    return first17 + uscc_check_char(first17)


def address(rng: random.Random, district: str, *, home: bool = False) -> str:
    d = DISTRICT_BY_CODE[district]
    town = "" if d.name.endswith("区") else rng.choice(d.towns)
    street = f"秦皇岛市{d.name}{town}{rng.choice(d.roads)}{rng.randint(1, 399)}号"
    if home:
        return (
            street
            + f"{rng.randint(1, 32)}号楼{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
        )
    return street + rng.choice(("", "", "", "底商", f"{rng.randint(1, 5)}层", f"{rng.randint(1, 12)}号楼"))


def registrar(district: str) -> str:
    """The market-regulation office that registers businesses of `district`."""
    d = DISTRICT_BY_CODE[district]
    return f"{d.prefix}市场监督管理局"


def business_name(rng: random.Random, industry: str, district: str, kind: str, owner: str) -> str:
    """A company name (秦皇岛鑫源餐饮管理有限公司) or a 个体工商户 name (海港区张记饭店)."""
    ind = INDUSTRIES[industry]
    d = DISTRICT_BY_CODE[district]
    if kind == "个体工商户" and ind.shops:
        brand = rng.choice((f"{owner[0]}记", f"老{owner[0]}家", rng.choice(_BRANDS), rng.choice(_BRANDS)))
        return f"{d.name}{brand}{rng.choice(ind.shops)}"
    roll = rng.random()
    if roll < 0.35:
        prefix = "秦皇岛"
    elif roll < 0.5:
        prefix = "秦皇岛市"
    else:
        prefix = d.prefix
    return f"{prefix}{rng.choice(_BRANDS)}{rng.choice(ind.trades)}{_pick(rng, _COMPANY_FORMS)}"


def business(
    rng: random.Random, industry: str, district: str, kind: str, owner: Person, before: date
) -> Applicant:
    """An enterprise or 个体工商户 registered in `district` some time before `before`."""
    earliest = date(1998, 1, 1)
    span = max((before - earliest).days - 10, 1)
    established = before - timedelta(days=10 + rng.randrange(min(span, 6000)))
    if kind == "个体工商户" and not INDUSTRIES[industry].shops:
        kind = "企业"
    return Applicant(
        name=business_name(rng, industry, district, kind, owner.name),
        type=kind,
        person=owner,
        district=district,
        industry=industry,
        address=address(rng, district),
        uscc=uscc(rng, district, kind),
        established=established,
        capital=None if kind == "个体工商户" else rng.choice(_CAPITALS),
        registrar=registrar(district),
    )


def individual(rng: random.Random, district: str, industry: str) -> Applicant:
    """A natural person applying in their own name (个人)."""
    p = person(rng, district, male_share=0.5, born=(1962, 1998))
    return Applicant(
        name=p.name,
        type="个人",
        person=p,
        district=district,
        industry=industry,
        address=address(rng, district, home=True),
    )
