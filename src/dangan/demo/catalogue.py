"""The demo city's approval system as data: departments, districts, matters and industries.

秦皇岛市 (Hebei): eight forming departments, the seven county-level districts (GB/T 2260) and the
approval matters (审批事项) whose cases the demo generates.
"""

from __future__ import annotations

from dangan.demo._industries import DISTRICT_AFFINITY, INDUSTRIES, Industry
from dangan.demo._matters import MATTERS
from dangan.demo.model import Department, District, Matter

CITY = "秦皇岛市"
CITY_CODE = "130300"

_CENTRE = "秦皇岛市海港区市民服务中心"

DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "秦皇岛市行政审批局", "xzsp-approval", "XZSP", "秦审批许", "市民服务中心二楼综合受理窗口", _CENTRE
    ),
    Department(
        "秦皇岛市市场监督管理局", "scjg-approval", "SCJG", "秦市监许", "市民服务中心一楼市场准入窗口", _CENTRE
    ),
    Department(
        "秦皇岛市生态环境局", "sthj-approval", "STHJ", "秦环许", "市民服务中心三楼生态环境窗口", _CENTRE
    ),
    Department(
        "秦皇岛市住房和城乡建设局", "zjj-approval", "ZJJ", "秦建许", "市民服务中心三楼住建窗口", _CENTRE
    ),
    Department(
        "秦皇岛市卫生健康委员会", "wjw-approval", "WJW", "秦卫许", "市民服务中心二楼卫生健康窗口", _CENTRE
    ),
    Department(
        "秦皇岛市交通运输局", "jtys-approval", "JTYS", "秦交运许", "市民服务中心二楼交通运输窗口", _CENTRE
    ),
    Department(
        "秦皇岛市文化广电和旅游局",
        "whly-approval",
        "WHLY",
        "秦文旅许",
        "市民服务中心二楼文化旅游窗口",
        _CENTRE,
    ),
    Department(
        "国家税务总局秦皇岛市税务局",
        "tax-approval",
        "SWJ",
        "秦税许",
        "办税服务厅综合窗口",
        "秦皇岛市海港区办税服务厅",
    ),
)

DISTRICTS: tuple[District, ...] = (
    District(
        "130302", "海港区", "海港", 38.0,
        ("文化路街道", "海滨路街道", "北环路街道", "建设大街街道", "河东街道", "西港路街道", "燕山大街街道"),
        ("河北大街", "迎宾路", "文化路", "海阳路", "建设大街", "燕山大街", "港城大街", "民族路", "红旗路",
         "秦皇东大街", "秦皇西大街", "北环路", "友谊路", "和平大街"),
    ),
    District(
        "130303", "山海关区", "山海关", 9.0,
        ("南关街道", "古城街道", "西关街道", "路南街道", "船厂路街道"),
        ("关城南路", "龙海大道", "南海西路", "东大街", "西大街", "南大街", "站前路", "一关路"),
    ),
    District(
        "130304", "北戴河区", "北戴河", 10.0,
        ("西山街道", "东山街道", "海滨镇", "戴河镇", "牛头崖镇"),
        ("联峰路", "保二路", "东经路", "西经路", "中海滩路", "剑秋路", "海宁路", "草厂路"),
    ),
    District(
        "130306", "抚宁区", "抚宁", 11.0,
        ("骊城街道", "抚宁镇", "留守营镇", "榆关镇", "台营镇", "大新寨镇"),
        ("金山大街", "迎宾大街", "骊城大街", "兴华路", "文化街", "府前路"),
    ),
    District(
        "130321", "青龙满族自治县", "青龙", 10.0,
        ("青龙镇", "祖山镇", "木头凳镇", "双山子镇", "肖营子镇"),
        ("燕山路", "迎宾路", "新华路", "滨河路", "民族街", "青龙大街"),
    ),
    District(
        "130322", "昌黎县", "昌黎", 13.0,
        ("昌黎镇", "靖安镇", "泥井镇", "朱各庄镇", "龙家店镇"),
        ("碣石山大街", "民生路", "人民路", "源影路", "新华路", "葡萄大道"),
    ),
    District(
        "130324", "卢龙县", "卢龙", 8.0,
        ("卢龙镇", "燕河营镇", "刘田各庄镇", "石门镇", "双望镇"),
        ("永平大街", "新华路", "迎宾路", "孤竹大街", "府前街"),
    ),
)  # fmt: skip

DEPARTMENT_BY_NAME: dict[str, Department] = {d.name: d for d in DEPARTMENTS}
DISTRICT_BY_CODE: dict[str, District] = {d.code: d for d in DISTRICTS}
MATTER_BY_CODE: dict[str, Matter] = {m.code: m for m in MATTERS}


def matters_of(department: str) -> tuple[Matter, ...]:
    """The matters a department approves, by department name."""
    return tuple(m for m in MATTERS if m.department == department)


__all__ = [
    "CITY",
    "CITY_CODE",
    "DEPARTMENTS",
    "DEPARTMENT_BY_NAME",
    "DISTRICTS",
    "DISTRICT_AFFINITY",
    "DISTRICT_BY_CODE",
    "INDUSTRIES",
    "MATTERS",
    "MATTER_BY_CODE",
    "Department",
    "District",
    "Industry",
    "Matter",
    "matters_of",
]
