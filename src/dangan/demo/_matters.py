"""The approval matters (审批事项) of the demo city, one entry per matter."""

from __future__ import annotations

from dangan.demo.model import Matter

_XZSP = "秦皇岛市行政审批局"
_SCJG = "秦皇岛市市场监督管理局"
_STHJ = "秦皇岛市生态环境局"
_ZJJ = "秦皇岛市住房和城乡建设局"
_WJW = "秦皇岛市卫生健康委员会"
_JTYS = "秦皇岛市交通运输局"
_WHLY = "秦皇岛市文化广电和旅游局"
_SWJ = "国家税务总局秦皇岛市税务局"

# Result mixes: (准予许可, 准予变更, 准予延续, 不予许可)
_LICENCE = (0.80, 0.09, 0.07, 0.04)
_ONCE = (0.90, 0.05, 0.0, 0.05)
_PERIODIC = (0.74, 0.10, 0.13, 0.03)
# Security mixes: (公开, 内部, 秘密)
_OPEN = (0.35, 0.63, 0.02)
_USUAL = (0.20, 0.77, 0.03)
_GUARDED = (0.08, 0.80, 0.12)
# Applicant mixes: (企业, 个体工商户, 个人)
_FIRMS = (1.0, 0.0, 0.0)
_SHOPS = (0.6, 0.4, 0.0)
_MOSTLY_FIRMS = (0.85, 0.15, 0.0)

_APP, _LIC, _ID, _SITE, _DEC = "申请书", "营业执照", "法定代表人身份证明", "场所证明", "决定书"


def _m(
    code: str,
    name: str,
    department: str,
    materials: str,
    licence: str,
    basis: str,
    refusals: str,
    *,
    results: tuple[float, float, float, float],
    days: tuple[int, int],
    retention: str,
    security: tuple[float, float, float],
    industries: str,
    applicants: tuple[float, float, float],
    weight: float,
    doc_prefix: str = "",
) -> Matter:
    def mix(labels: tuple[str, ...], weights: tuple[float, ...]) -> tuple[tuple[str, float], ...]:
        return tuple((label, w) for label, w in zip(labels, weights, strict=True) if w > 0)

    return Matter(
        code=code,
        name=name,
        department=department,
        materials=(_APP, *materials.split(), _DEC),
        licence=licence,
        basis=basis,
        results=mix(("准予许可", "准予变更", "准予延续", "不予许可"), results),
        refusals=tuple(refusals.split("；")),
        days=days,
        retention=retention,
        security=mix(("公开", "内部", "秘密"), security),
        industries=tuple(industries.split()),
        applicant_types=mix(("企业", "个体工商户", "个人"), applicants),
        weight=weight,
        doc_prefix=doc_prefix,
    )


MATTERS: tuple[Matter, ...] = (
    # 行政审批局
    _m("XZSP-XK-001", "建筑工程施工许可", _XZSP, f"{_LIC} 建设工程规划许可证 施工合同 施工图审查合格书",
       "建筑工程施工许可证", "《建筑工程施工许可管理办法》",
       "施工图设计文件未经审查合格；建设资金未落实；施工合同与中标通知书内容不一致",
       results=_ONCE, days=(3, 7), retention="永久", security=_USUAL,
       industries="K7010 E4710 E4790 D4416 C3311", applicants=_FIRMS, weight=5.0),
    _m("XZSP-XK-002", "人力资源服务许可", _XZSP, f"{_LIC} {_ID} {_SITE} 专职工作人员名单",
       "人力资源服务许可证", "《人力资源市场暂行条例》",
       "专职工作人员不足五名；经营场所与申报地址不符",
       results=_PERIODIC, days=(5, 15), retention="30年", security=_USUAL,
       industries="L7262 L7269", applicants=_FIRMS, weight=1.5),
    _m("XZSP-XK-003", "劳务派遣经营许可", _XZSP, f"{_LIC} {_ID} 注册资本验资证明 劳务派遣管理制度",
       "劳务派遣经营许可证", "《劳务派遣行政许可实施办法》",
       "实缴注册资本不足二百万元；劳务派遣管理制度不完善",
       results=_PERIODIC, days=(10, 20), retention="30年", security=_USUAL,
       industries="L7263", applicants=_FIRMS, weight=1.2),
    _m("XZSP-XK-004", "户外广告设施设置许可", _XZSP, f"{_LIC} 广告设施设计效果图 {_SITE}",
       "", "《城市市容和环境卫生管理条例》",
       "设置地点位于禁止设置户外广告区域；设施结构安全论证不充分",
       results=(0.82, 0.06, 0.06, 0.06), days=(3, 10), retention="10年", security=_OPEN,
       industries="", applicants=(0.7, 0.3, 0.0), weight=3.0),
    # 市场监督管理局
    _m("SCJG-XK-001", "食品经营许可", _SCJG, f"{_LIC} {_ID} {_SITE} 食品安全管理制度 设备布局图",
       "食品经营许可证", "《中华人民共和国食品安全法》《食品经营许可和备案管理办法》",
       "经营场所与有毒有害场所距离不符合要求；未配备食品安全管理人员；设备布局和工艺流程不合理",
       results=_LICENCE, days=(3, 10), retention="30年", security=_USUAL,
       industries="H6210 H6220 H6231 H6232 H6291 H6110 H6130 F5212 F5213 F5222 F5226",
       applicants=_SHOPS, weight=16.0),
    _m("SCJG-XK-002", "食品生产许可", _SCJG, f"{_LIC} {_ID} 生产场所平面图 工艺流程图 食品安全管理制度",
       "食品生产许可证", "《中华人民共和国食品安全法》《食品生产许可管理办法》",
       "现场核查不合格；生产设备与申请类别不匹配；检验能力不满足要求",
       results=_PERIODIC, days=(10, 20), retention="30年", security=_USUAL,
       industries="C1331 C1361 C1373 C1411 C1431 C1432 C1462 C1515 C1522",
       applicants=_FIRMS, weight=5.0),
    _m("SCJG-XK-003", "药品经营许可", _SCJG, f"{_LIC} {_ID} {_SITE} 执业药师资格证明 质量管理文件",
       "药品经营许可证", "《中华人民共和国药品管理法》《药品经营和使用质量监督管理办法》",
       "未配备执业药师；营业场所面积不符合要求；质量管理制度不健全",
       results=_PERIODIC, days=(10, 20), retention="30年", security=_USUAL,
       industries="F5251 F5252", applicants=_MOSTLY_FIRMS, weight=4.0),
    _m("SCJG-XK-004", "第三类医疗器械经营许可", _SCJG, f"{_LIC} {_ID} {_SITE} 质量管理文件",
       "医疗器械经营许可证", "《医疗器械监督管理条例》《医疗器械经营监督管理办法》",
       "贮存条件不符合要求；质量管理人员资质不符合规定",
       results=_PERIODIC, days=(10, 20), retention="30年", security=_USUAL,
       industries="F5154 F5254", applicants=_FIRMS, weight=2.0),
    # 生态环境局
    _m("STHJ-XK-001", "建设项目环境影响报告表审批", _STHJ, f"{_LIC} 环境影响报告表 建设项目环评审批基础信息表",
       "", "《中华人民共和国环境影响评价法》《建设项目环境保护管理条例》",
       "项目选址不符合生态环境分区管控要求；污染防治措施无法确保污染物达标排放",
       results=(0.90, 0.0, 0.0, 0.10), days=(10, 25), retention="永久", security=_GUARDED,
       industries="C1331 C1361 C1411 C1515 C3021 C3311 C3312 D4416 D4430 G5920 G5930 K7010 N7723",
       applicants=_FIRMS, weight=5.0, doc_prefix="秦环审"),
    _m("STHJ-XK-002", "排污许可证核发", _STHJ, f"{_LIC} 排污许可证申请表 自行监测方案",
       "排污许可证", "《排污许可管理条例》",
       "污染物排放口设置不规范；自行监测方案不符合技术规范",
       results=_PERIODIC, days=(10, 20), retention="30年", security=_GUARDED,
       industries="C1331 C1361 C1462 C1515 C3021 C3311 D4430 H6110 N7723", applicants=_FIRMS, weight=4.0),
    _m("STHJ-XK-003", "危险废物经营许可", _STHJ, f"{_LIC} {_ID} 危险废物经营设施说明 应急预案",
       "危险废物经营许可证", "《中华人民共和国固体废物污染环境防治法》《危险废物经营许可证管理办法》",
       "贮存设施不符合污染控制标准；专业技术人员不足",
       results=(0.78, 0.08, 0.08, 0.06), days=(15, 30), retention="永久", security=_GUARDED,
       industries="N7724", applicants=_FIRMS, weight=0.8),
    # 住房和城乡建设局
    _m("ZJJ-XK-001", "建筑业企业资质核准", _ZJJ, f"{_LIC} {_ID} 技术负责人职称证书 企业安全生产许可证",
       "建筑业企业资质证书", "《中华人民共和国建筑法》《建筑业企业资质管理规定》",
       "技术负责人资历不符合标准；注册建造师人数不足",
       results=(0.78, 0.10, 0.08, 0.04), days=(10, 20), retention="永久", security=_USUAL,
       industries="E4710 E4790 E4813 E4891 E5011 E5012", applicants=_FIRMS, weight=4.0),
    _m("ZJJ-XK-002", "商品房预售许可", _ZJJ, f"{_LIC} 建设工程规划许可证 建筑工程施工许可证 预售方案",
       "商品房预售许可证", "《中华人民共和国城市房地产管理法》《城市商品房预售管理办法》",
       "投入开发建设的资金未达到工程建设总投资的百分之二十五；预售资金监管协议未签订",
       results=(0.92, 0.04, 0.0, 0.04), days=(5, 10), retention="永久", security=_GUARDED,
       industries="K7010", applicants=_FIRMS, weight=2.5),
    _m("ZJJ-XK-003", "城镇污水排入排水管网许可", _ZJJ, f"{_LIC} 排水户内部排水管网图 {_SITE}",
       "城镇污水排入排水管网许可证", "《城镇排水与污水处理条例》",
       "未按规定建设预处理设施；排水水质检测报告不合格",
       results=_PERIODIC, days=(5, 15), retention="30年", security=_USUAL,
       industries="", applicants=_SHOPS, weight=3.0),
    _m("ZJJ-XK-004", "燃气经营许可", _ZJJ, f"{_LIC} {_ID} 燃气设施竣工验收文件 安全管理制度",
       "燃气经营许可证", "《城镇燃气管理条例》",
       "燃气设施未经竣工验收；安全管理人员未取得培训合格证",
       results=_PERIODIC, days=(10, 20), retention="永久", security=_GUARDED,
       industries="D4511 D4512", applicants=_FIRMS, weight=1.0),
    # 卫生健康委员会
    _m("WJW-XK-001", "医疗机构执业登记", _WJW, f"{_ID} {_SITE} 医疗机构设置批准书 医务人员执业证书",
       "医疗机构执业许可证", "《医疗机构管理条例》",
       "医务人员配备不符合基本标准；诊疗科目与设置批准书不一致",
       results=_PERIODIC, days=(10, 30), retention="永久", security=_USUAL,
       industries="Q8411 Q8412 Q8415 Q8421 Q8425 Q8491", applicants=(0.65, 0.0, 0.35), weight=3.5),
    _m("WJW-XK-002", "公共场所卫生许可", _WJW, f"{_LIC} {_SITE} 卫生检测报告 从业人员健康合格证明",
       "公共场所卫生许可证", "《公共场所卫生管理条例》",
       "卫生检测报告结论不合格；从业人员未取得健康合格证明",
       results=_LICENCE, days=(3, 15), retention="30年", security=_OPEN,
       industries="H6110 H6121 H6129 H6130 O8040 O8051 O8052 R9011 R9013 R9019",
       applicants=_SHOPS, weight=7.0),
    _m("WJW-XK-003", "医师执业注册", _WJW, "身份证明 医师资格证书 体检证明 聘用证明",
       "医师执业证书", "《中华人民共和国医师法》《医师执业注册管理办法》",
       "未提交六个月内的健康体检证明；执业地点与聘用单位不符",
       results=(0.66, 0.30, 0.0, 0.04), days=(5, 20), retention="30年", security=_USUAL,
       industries="Q8411 Q8412 Q8415 Q8421 Q8425", applicants=(0.0, 0.0, 1.0), weight=4.0),
    _m("WJW-XK-004", "放射诊疗许可", _WJW, f"{_SITE} 放射诊疗设备清单 放射防护评价报告",
       "放射诊疗许可证", "《放射诊疗管理规定》",
       "放射防护评价报告未通过审查；放射工作人员未取得上岗证",
       results=_PERIODIC, days=(10, 20), retention="永久", security=_GUARDED,
       industries="Q8411 Q8415 Q8425 Q8491", applicants=_FIRMS, weight=1.2),
    # 交通运输局
    _m("JTYS-XK-001", "道路货物运输经营许可", _JTYS, f"{_LIC} {_ID} 车辆行驶证 驾驶员从业资格证 安全生产管理制度",
       "道路运输经营许可证", "《中华人民共和国道路运输条例》《道路货物运输及站场管理规定》",
       "车辆技术等级不符合要求；驾驶员未取得从业资格证",
       results=_LICENCE, days=(5, 20), retention="30年", security=_USUAL,
       industries="G5431 G5432 G5437", applicants=_SHOPS, weight=7.0),
    _m("JTYS-XK-002", "道路旅客运输经营许可", _JTYS, f"{_LIC} {_ID} 车辆行驶证 驾驶员从业资格证 安全生产管理制度",
       "道路运输经营许可证", "《中华人民共和国道路运输条例》《道路旅客运输及客运站管理规定》",
       "客运车辆数量不符合要求；安全生产管理制度不健全",
       results=_PERIODIC, days=(10, 20), retention="30年", security=_USUAL,
       industries="G5421 G5422", applicants=_FIRMS, weight=1.5),
    _m("JTYS-XK-003", "巡游出租汽车经营许可", _JTYS, f"{_LIC} {_ID} 车辆行驶证 经营管理制度",
       "道路运输经营许可证", "《巡游出租汽车经营服务管理规定》",
       "未取得出租汽车车辆经营权；经营管理制度不健全",
       results=_PERIODIC, days=(10, 20), retention="30年", security=_USUAL,
       industries="G5413", applicants=_FIRMS, weight=1.0),
    _m("JTYS-XK-004", "危险货物道路运输经营许可", _JTYS, f"{_LIC} {_ID} 车辆行驶证 驾驶员从业资格证 安全生产管理制度",
       "道路运输经营许可证", "《中华人民共和国道路运输条例》《道路危险货物运输管理规定》",
       "专用车辆不满足要求；停车场地不符合安全要求；未配备专职安全管理人员",
       results=(0.80, 0.07, 0.07, 0.06), days=(10, 20), retention="永久", security=(0.02, 0.70, 0.28),
       industries="G5435", applicants=_FIRMS, weight=1.0),
    # 文化广电和旅游局
    _m("WHLY-XK-001", "旅行社业务经营许可", _WHLY, f"{_LIC} {_ID} {_SITE} 质量保证金存缴证明",
       "旅行社业务经营许可证", "《旅行社条例》",
       "未按规定存缴质量保证金；经营场所不符合要求",
       results=_ONCE, days=(10, 20), retention="30年", security=_OPEN,
       industries="L7291", applicants=_FIRMS, weight=2.0),
    _m("WHLY-XK-002", "娱乐场所经营许可", _WHLY, f"{_LIC} {_ID} {_SITE} 消防安全检查意见",
       "娱乐经营许可证", "《娱乐场所管理条例》",
       "场所位置不符合娱乐场所设置要求；消防安全检查未通过",
       results=_LICENCE, days=(10, 20), retention="30年", security=_USUAL,
       industries="R9011 R9019", applicants=_SHOPS, weight=2.0),
    _m("WHLY-XK-003", "互联网上网服务营业场所经营许可", _WHLY, f"{_LIC} {_ID} {_SITE} 消防安全检查意见",
       "网络文化经营许可证", "《互联网上网服务营业场所管理条例》",
       "场所距离中小学校不足二百米；计算机台数不符合规定",
       results=_LICENCE, days=(10, 20), retention="30年", security=_USUAL,
       industries="R9013", applicants=_SHOPS, weight=1.5),
    _m("WHLY-XK-004", "营业性演出许可", _WHLY, f"{_LIC} {_ID} 演员名单 演出节目单",
       "营业性演出许可证", "《营业性演出管理条例》",
       "演出内容含有禁止性内容；专职演员人数不符合要求",
       results=_LICENCE, days=(5, 15), retention="10年", security=_OPEN,
       industries="R8810", applicants=_SHOPS, weight=1.5),
    # 税务局
    _m("SWJ-XK-001", "增值税防伪税控系统最高开票限额审批", _SWJ, f"{_LIC} 税务行政许可申请表 经营情况说明",
       "", "《国务院对确需保留的行政审批项目设定行政许可的决定》《税务行政许可实施办法》",
       "申请限额与实际经营规模不相符；纳税信用级别为D级",
       results=(0.84, 0.13, 0.0, 0.03), days=(1, 10), retention="10年", security=_USUAL,
       industries="", applicants=_MOSTLY_FIRMS, weight=8.0),
)  # fmt: skip
