"""The demo catalogue of 宝塔区行政审批服务局: departments, sections, windows, themes, 66 items with materials,
FAQs and blank forms, six bundles (一件事), one current edition with everything published.

Idempotent: everything is matched by its code (update_or_create), publishing an unchanged item writes
nothing, and blank forms already generated are kept. Wording, limits and figures follow the seeds in
/work/shared/seeds and DOMAIN.md (e.g. land-use planning 20 -> 3, project approval 20 -> 5, safety production
45 -> 12, fire design review 20 -> 14, three construction permits 50 -> 15 working days).
"""
from __future__ import annotations

import time
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from catalog import codes
from catalog.codesets import CaseType, FeeKind, Handling, ItemType, Level, MaterialSource, RiskLevel
from catalog.models import FAQ, Bundle, BundleItem, Department, Edition, Item, Material, Section, Theme, Window
from portal.identifiers import credit_code_check_char


def _credit(body17: str) -> str:
    return body17 + credit_code_check_char(body17)


BUREAU_CREDIT_CODE = _credit("11610602MB2954186")
EDITION = ("2026", "宝塔区行政许可事项清单（2026年版）", "宝政办发〔2026〕12号")

# code, name, short name, 9-character organisation part of the credit code
DEPARTMENTS = [
    ("SCJG", "宝塔区市场监督管理局", "区市场监管局", "0161253X7"),
    ("WSJK", "宝塔区卫生健康局", "区卫健局", "016125424"),
    ("JYTY", "宝塔区教育和体育局", "区教体局", "016125355"),
    ("RSJ", "宝塔区人力资源和社会保障局", "区人社局", "016125459"),
    ("ZJJ", "宝塔区住房和城乡建设局", "区住建局", "016125627"),
    ("ZRZY", "延安市自然资源局宝塔分局", "自然资源分局", "MB1F02261"),
    ("FGJ", "宝塔区发展和改革局", "区发改局", "016125283"),
    ("STHJ", "延安市生态环境局宝塔分局", "生态环境分局", "MB1F0183X"),
    ("YJJ", "宝塔区应急管理局", "区应急局", "MB1D26453"),
    ("JTJ", "宝塔区交通运输局", "区交通局", "016125512"),
    ("CGJ", "宝塔区城市管理执法局", "区城管局", "MB1D31908"),
    ("NYNC", "宝塔区农业农村局", "区农业农村局", "016125563"),
    ("MZJ", "宝塔区民政局", "区民政局", "016125397"),
    ("SLJ", "宝塔区水利局", "区水利局", "016125600"),
    ("WLJ", "宝塔区文化和旅游局", "区文旅局", "016125686"),
    ("QXJ", "延安市宝塔区气象局", "区气象局", "43561902X"),
    ("RFB", "宝塔区人民防空办公室", "区人防办", "016125731"),
    ("LYJ", "宝塔区林业局", "区林业局", "01612579X"),
]

# code, name, phone
SECTIONS = [
    ("SSDJ", "商事登记科", "0911-2881101"),
    ("SCZR", "市场准入审批科", "0911-2881102"),
    ("SHSW", "社会事务审批科", "0911-2881103"),
    ("GCJS", "工程建设审批科", "0911-2881104"),
    ("TZXM", "投资项目审批科", "0911-2881105"),
    ("JTNL", "交通农林审批科", "0911-2881106"),
]
FOOD_SECTION = "SCZR"  # the section that handles 食品经营许可: demo officer and section head work here
FOOD_DEPARTMENT = "SCJG"

THEMES = [
    ("qiye-kaiban", "企业开办", 1),
    ("canyin-zhusu", "餐饮住宿", 2),
    ("yiliao-weisheng", "医疗卫生", 3),
    ("jiaoyu-peixun", "教育培训", 4),
    ("gongcheng-jianshe", "工程建设", 5),
    ("touzi-xiangmu", "投资项目", 6),
    ("jiaotong-yunshu", "交通运输", 7),
    ("nonglin-muyu", "农林牧渔", 8),
    ("wenhua-lvyou", "文化旅游", 9),
    ("anquan-shengchan", "安全生产", 10),
    ("shengtai-huanjing", "生态环境", 11),
    ("chengshi-guanli", "城市管理", 12),
    ("shehui-zuzhi", "社会组织", 13),
    ("shuiwu", "水务", 14),
]

HOURS = "工作日 上午9:00—12:00，下午13:30—17:30（夏季14:30—18:00）；周六上午延时服务"
LOCATION = "延安市宝塔区政务服务中心（宝塔区二道街宝塔区行政审批服务局）"
WINDOWS = [
    ("A01", "综合受理窗口（市场准入）", f"{LOCATION}一楼A区1号", "0911-2881201"),
    ("A02", "综合受理窗口（市场准入）", f"{LOCATION}一楼A区2号", "0911-2881202"),
    ("A03", "综合受理窗口（社会事务）", f"{LOCATION}一楼A区3号", "0911-2881203"),
    ("A04", "综合受理窗口（社会事务）", f"{LOCATION}一楼A区4号", "0911-2881204"),
    ("A05", "综合受理窗口（交通农林）", f"{LOCATION}一楼A区5号", "0911-2881205"),
    ("A06", "综合受理窗口（无差别受理）", f"{LOCATION}一楼A区6号", "0911-2881206"),
    ("B01", "工程建设项目审批专区", f"{LOCATION}二楼B区1号", "0911-2881211"),
    ("B02", "投资项目审批服务专区", f"{LOCATION}二楼B区2号", "0911-2881212"),
    ("C01", "企业开办专区", f"{LOCATION}一楼C区1号", "0911-2881221"),
    ("C02", "企业开办专区", f"{LOCATION}一楼C区2号", "0911-2881222"),
    ("D01", "统一出件窗口", f"{LOCATION}一楼D区", "0911-2881231"),
    ("E01", "帮办代办窗口", f"{LOCATION}一楼服务台", "0911-2881241"),
]
SECTION_WINDOWS = {
    "SSDJ": ["C01", "C02", "A06"],
    "SCZR": ["A01", "A02", "A06"],
    "SHSW": ["A03", "A04", "A06"],
    "GCJS": ["B01", "A06"],
    "TZXM": ["B02", "A06"],
    "JTNL": ["A05", "A06"],
}
SECTION_PHONES = dict((code, phone) for code, _name, phone in SECTIONS)


# --- materials -------------------------------------------------------------------------------------------


def M(name, *, code="", req="required", cond="", orig=1, copies=0, medium="both", tol=False, shared="", notes="", form=False,
      registry=""):
    return {
        "name": name, "code": code, "requirement": req, "condition": cond, "originals": orig, "copies": copies,
        "medium": medium, "tolerable": tol, "source": MaterialSource.SHARED if shared else MaterialSource.APPLICANT,
        "shared_from": shared, "notes": notes, "form": form, "registry_certificate_name": registry,
    }


def FORM(title, *, code=""):
    return M(title, code=code, form=True, notes="可在本页下载空白表格和示例样表，法定代表人（负责人）签字并加盖公章")


LICENCE = M("营业执照", code="business-licence", shared="区市场监督管理局（市场主体登记信息共享）", orig=0)
REP_ID = M("法定代表人（负责人）身份证件", code="legal-rep-id", copies=1, notes="现场核验原件，电子证照可免交复印件")
APPLICANT_ID = M("申请人身份证件", code="applicant-id", copies=1, notes="可出示电子身份证照")
POA = M("授权委托书及受托人身份证件", code="power-of-attorney", req="conditional", cond="委托他人代为办理的", copies=1)
PREMISES = M("经营场所使用证明（不动产权证书或租赁合同）", code="premises-proof", copies=1, tol=True)
PREMISES_FIXED = M("经营场所使用证明（不动产权证书或租赁合同）", code="premises-proof", copies=1)
FLOOR_PLAN = M("经营场所平面布局图及周边环境示意图", code="floor-plan", copies=1)
PROJECT_FILE = M("项目审批、核准或备案文件", code="project-approval-file", shared="区发展和改革局（投资项目在线审批监管平台）", orig=0)
LAND_FILE = M("建设用地批准文件或不动产权证书", code="land-title", copies=1, tol=True)
SITE_PLAN = M("建设工程设计方案总平面图", code="site-plan", copies=1, medium="both")
DRAWINGS_OK = M("施工图设计文件审查合格书", code="drawing-review-cert", copies=1, tol=True, notes="实行联合审图的，由审图平台推送")
HEALTH_CERTS = M("从业人员健康证明", code="staff-health-certs", copies=1, tol=True)
SAFETY_RULES = M("安全管理制度和操作规程", code="safety-rules", copies=1)
# The licence being changed or renewed: proved by the registry (电子证照库) when the applicant holds it valid.
FOOD_LICENCE = M("食品经营许可证正、副本", code="food-licence", orig=1, registry="食品经营许可证",
                 notes="持有本局核发的有效食品经营许可证的，由电子证照库自动调取，无需上传")
COMMITMENT = M("告知承诺书", code="commitment-letter", form=True, notes="选择告知承诺方式办理的提交；承诺内容不实的，依法撤销审批决定")


# --- items -----------------------------------------------------------------------------------------------


def I(
    name, dept, section, main, basis, stat, prom, mats, *, sub=0, typ=ItemType.LICENSING, sup=None, objects="12",
    channels="1234", fully_online=False, visits=1, fee=None, insp=False, risk=RiskLevel.MEDIUM, legal=False,
    tol=False, com=False, cert="", years=None, themes=(), kw="", cond="", proc="", note="", order=100,
    featured=False, faqs=(),
):
    return locals()


FOOD_BASIS = "《中华人民共和国食品安全法》第三十五条\n《中华人民共和国食品安全法实施条例》第十五条\n《食品经营许可和备案管理办法》（国家市场监督管理总局令第78号）第二条、第十条"
DRUG_BASIS = "《中华人民共和国药品管理法》第五十一条、第五十二条\n《药品经营和使用质量监督管理办法》（国家市场监督管理总局令第84号）第十一条"
PLAN_LAW = "《中华人民共和国城乡规划法》"

ITEMS = [
    # 市场监督管理局 — 市场准入审批科 / 商事登记科
    I("食品经营许可", "SCJG", "SCZR", 105, FOOD_BASIS, 10, 3,
      [FORM("食品经营许可申请书"), LICENCE, REP_ID,
       M("与食品经营相适应的主要设备设施、经营布局、操作流程等文件", code="food-layout", copies=1, tol=True),
       M("食品安全自查、从业人员健康管理、进货查验记录、食品安全事故处置等保证食品安全的规章制度目录", code="food-safety-rules", copies=1, tol=True),
       M("食品安全管理人员及专业技术人员基本情况", code="food-safety-staff", copies=1),
       PREMISES, POA],
      sub=1, objects="125", insp=True, tol=True, com=True, cert="食品经营许可证", years=5, risk=RiskLevel.MEDIUM,
      themes=("canyin-zhusu", "qiye-kaiban"), kw="餐饮、饭店、开饭店、饭馆、餐馆、开餐馆、超市、小卖部、食品销售、餐饮服务、单位食堂、奶茶店", order=1, featured=True,
      cond="1. 具有与经营的食品品种、数量相适应的食品原料处理和食品加工、销售、贮存等场所，保持场所环境整洁，并与有毒、有害场所以及其他污染源保持规定的距离；\n2. 具有与经营的食品品种、数量相适应的经营设备或者设施；\n3. 有专职或者兼职的食品安全总监、食品安全员等食品安全管理人员和保证食品安全的规章制度；\n4. 具有合理的设备布局和工艺流程，防止待加工食品与直接入口食品、原料与成品交叉污染；\n5. 法律、法规规定的其他条件。",
      note="需要现场核查的，核查时间不计算在承诺时限内（最长不超过法定时限）",
      faqs=[("仅销售预包装食品需要办理食品经营许可吗？", "不需要。仅销售预包装食品的，向所在地县级市场监督管理部门办理备案即可，当场完成。"),
            ("食品经营许可证有效期多长？到期怎么办？", "有效期5年。需要延续的，应在有效期届满前90个工作日至15个工作日期间提出延续申请。"),
            ("一个营业场所可以办两个食品经营许可证吗？", "不可以。食品经营许可实行一地一证，同一经营者在不同经营场所从事食品经营活动的，应当分别取得许可。")]),
    I("食品经营许可（变更）", "SCJG", "SCZR", 105, FOOD_BASIS, 10, 2,
      [FORM("食品经营许可变更申请书"), LICENCE, FOOD_LICENCE, M("与变更事项有关的材料", copies=1), POA],
      sub=2, objects="125", tol=False, com=True, cert="食品经营许可证", years=5, themes=("canyin-zhusu",), kw="食品经营许可证变更、经营项目变更、地址名称变更", order=2),
    I("食品经营许可（延续）", "SCJG", "SCZR", 105, FOOD_BASIS, 10, 1,
      [FORM("食品经营许可延续申请书"), LICENCE, FOOD_LICENCE, POA],
      sub=3, objects="125", com=True, cert="食品经营许可证", years=5, themes=("canyin-zhusu",), kw="食品经营许可证到期、换证", order=3,
      channels="1234", fully_online=True, visits=0),
    I("小餐饮经营许可", "SCJG", "SCZR", 110, "《陕西省食品小作坊小餐饮及摊贩管理条例》第十七条、第十八条", 10, 0,
      [FORM("小餐饮经营许可申请表"), APPLICANT_ID, PREMISES_FIXED, HEALTH_CERTS, COMMITMENT],
      objects="15", com=True, cert="小餐饮经营许可证", years=3, themes=("canyin-zhusu",), kw="小饭馆、小吃店、早餐店、面馆", order=5),
    I("食品小作坊登记", "SCJG", "SCZR", 111, "《陕西省食品小作坊小餐饮及摊贩管理条例》第九条、第十条", 10, 3,
      [FORM("食品小作坊登记申请表"), APPLICANT_ID, PREMISES_FIXED, M("生产加工食品品种及工艺流程说明", copies=1), HEALTH_CERTS],
      typ=ItemType.CONFIRMATION, objects="15", insp=True, cert="食品小作坊登记证", years=3, themes=("canyin-zhusu",), kw="作坊、手工食品、油坊、豆腐坊"),
    I("药品零售企业经营许可（单体药店）", "SCJG", "SCZR", 120, DRUG_BASIS, 20, 10,
      [FORM("药品经营许可证申请表"), LICENCE, REP_ID,
       M("执业药师注册证及身份证明", code="pharmacist-cert", copies=1),
       M("质量管理文件及主要设施、设备目录", code="gsp-docs", copies=1, tol=True), PREMISES_FIXED, FLOOR_PLAN, POA],
      sub=1, objects="25", insp=True, legal=True, risk=RiskLevel.HIGH, tol=True, cert="药品经营许可证", years=5,
      themes=("yiliao-weisheng", "qiye-kaiban"), kw="药店、药房、开药店、药品零售、大药房", featured=True, order=6),
    I("药品零售连锁门店经营许可", "SCJG", "SCZR", 120, DRUG_BASIS, 20, 7,
      [FORM("药品经营许可证申请表"), LICENCE, M("连锁总部同意开设门店的证明及统一质量管理承诺", copies=1),
       M("执业药师注册证及身份证明", code="pharmacist-cert", copies=1), PREMISES_FIXED, FLOOR_PLAN],
      sub=2, objects="25", insp=True, legal=True, risk=RiskLevel.HIGH, com=True, cert="药品经营许可证", years=5,
      themes=("yiliao-weisheng",), kw="连锁药店、药房门店、药品零售", order=7),
    I("特种设备使用登记", "SCJG", "SCZR", 131, "《中华人民共和国特种设备安全法》第三十三条\n《特种设备使用管理规则》（TSG 08-2017）", 15, 3,
      [FORM("特种设备使用登记表"), LICENCE, M("特种设备产品合格证（含产品数据表）", copies=1), M("特种设备监督检验证明（安装监督检验报告）", copies=1, tol=True)],
      objects="25", channels="1234", cert="特种设备使用登记证", themes=("anquan-shengchan",), kw="电梯、锅炉、压力容器、叉车、起重机"),
    I("公司设立登记", "SCJG", "SSDJ", 201, "《中华人民共和国公司法》第二十九条\n《中华人民共和国市场主体登记管理条例》第三条、第十九条", 3, 0,
      [FORM("公司登记（备案）申请书"), M("公司章程", code="articles", orig=1), M("股东主体资格证明或者自然人身份证明", copies=1),
       M("法定代表人、董事、监事和经理的任职文件", orig=1), M("住所使用相关文件", code="premises-proof", copies=1)],
      objects="12", fully_online=True, visits=0, cert="营业执照", themes=("qiye-kaiban",), kw="注册公司、开公司、办营业执照、营业执照、企业开办、有限责任公司", order=4,
      proc="网上申请（企业开办“一网通办”平台）→ 审核 → 当场办结 → 电子营业执照即时生成，纸质执照可邮寄送达", featured=True),
    I("个体工商户设立登记", "SCJG", "SSDJ", 202, "《促进个体工商户发展条例》第九条\n《中华人民共和国市场主体登记管理条例》第三条、第十九条", 3, 0,
      [FORM("个体工商户登记（备案）申请书"), APPLICANT_ID, M("经营场所使用相关文件", code="premises-proof", copies=1)],
      objects="1", fully_online=True, visits=0, cert="营业执照", themes=("qiye-kaiban",), kw="个体户、小店、办营业执照、个体营业执照、摊位", order=8),
    I("农民专业合作社设立登记", "SCJG", "SSDJ", 203, "《中华人民共和国农民专业合作社法》第十六条\n《中华人民共和国市场主体登记管理条例》第三条", 3, 1,
      [FORM("农民专业合作社登记（备案）申请书"), M("全体设立人签名、盖章的设立大会纪要", orig=1), M("章程", code="articles", orig=1),
       M("成员名册及出资清单", orig=1), M("住所使用证明", code="premises-proof", copies=1)],
      typ=ItemType.LICENSING, objects="19", cert="营业执照", themes=("qiye-kaiban", "nonglin-muyu"), kw="合作社、农民合作社"),
    I("企业变更登记", "SCJG", "SSDJ", 204, "《中华人民共和国市场主体登记管理条例》第二十四条", 3, 0,
      [FORM("企业变更登记申请书"), LICENCE, M("依法作出的变更决议或者决定", orig=1), M("与变更事项相关的证明文件", copies=1)],
      objects="25", fully_online=True, visits=0, cert="营业执照", themes=("qiye-kaiban",), kw="变更名称、变更法人、变更地址、增资"),
    I("企业注销登记", "SCJG", "SSDJ", 205, "《中华人民共和国市场主体登记管理条例》第三十一条、第三十三条", 3, 0,
      [FORM("企业注销登记申请书"), M("依法作出的解散、注销的决议或者决定", orig=1), M("清算报告或者全体投资人承诺书", orig=1)],
      objects="25", fully_online=True, visits=0, themes=("qiye-kaiban",), kw="注销、简易注销、关闭公司"),

    # 卫生健康局 — 社会事务审批科
    I("公共场所卫生许可", "WSJK", "SHSW", 301, "《公共场所卫生管理条例》第四条、第八条\n《公共场所卫生管理条例实施细则》第二十二条", 20, 3,
      [FORM("公共场所卫生许可申请表"), LICENCE, REP_ID, M("公共场所地址方位示意图、平面图和卫生设施平面布局图", code="floor-plan", copies=1),
       M("公共场所卫生检测或者评价报告", code="hygiene-test", copies=1, tol=True), M("公共场所卫生管理制度", copies=1), COMMITMENT, POA],
      objects="25", com=True, tol=True, cert="公共场所卫生许可证", years=4, themes=("canyin-zhusu", "yiliao-weisheng"),
      kw="宾馆、酒店、旅店、浴室、理发店、美容店、游泳场所、歌厅", featured=True, order=10,
      faqs=[("哪些场所需要办理公共场所卫生许可？", "宾馆、旅店、招待所、公共浴室、理发店、美容店、游泳场（馆）等。饭馆、咖啡馆、酒吧、茶座等已不再需要办理。")]),
    I("医疗机构执业登记", "WSJK", "SHSW", 302, "《医疗机构管理条例》第十五条、第十六条\n《医疗机构管理条例实施细则》第二十五条", 45, 15,
      [FORM("医疗机构申请执业登记注册书"), LICENCE, M("医疗机构用房产权证明或者使用证明", code="premises-proof", copies=1),
       M("医疗机构建筑设计平面图", copies=1), M("验资证明、资产评估报告", copies=1), M("医疗机构规章制度", copies=1),
       M("医疗机构法定代表人或者主要负责人以及各科室负责人名录和有关资格证书、执业证书复印件", copies=1)],
      objects="234", insp=True, legal=True, risk=RiskLevel.HIGH, cert="医疗机构执业许可证", years=5,
      themes=("yiliao-weisheng",), kw="医院、门诊部、诊所、卫生院、医疗机构执业许可证", featured=True, order=11,
      note="现场审核、专家评审时间不计算在内"),
    I("母婴保健技术服务机构执业许可", "WSJK", "SHSW", 303, "《中华人民共和国母婴保健法》第三十二条\n《中华人民共和国母婴保健法实施办法》第三十五条", 20, 10,
      [FORM("母婴保健技术服务执业许可申请登记书"), M("医疗机构执业许可证", copies=1), M("可行性报告", copies=1), M("卫生技术人员资格证明", copies=1)],
      objects="23", insp=True, legal=True, risk=RiskLevel.HIGH, cert="母婴保健技术服务执业许可证", years=3, themes=("yiliao-weisheng",), kw="助产、产前筛查、结扎手术"),
    I("放射诊疗许可", "WSJK", "SHSW", 304, "《放射性同位素与射线装置安全和防护条例》第八条\n《放射诊疗管理规定》第十一条、第十二条", 20, 10,
      [FORM("放射诊疗许可申请表"), M("医疗机构执业许可证", copies=1), M("放射诊疗建设项目竣工验收合格证明文件", copies=1),
       M("放射诊疗专业技术人员及其资格证明", copies=1), M("放射防护与质量控制检测报告", copies=1, tol=True)],
      objects="23", insp=True, risk=RiskLevel.HIGH, tol=True, cert="放射诊疗许可证", themes=("yiliao-weisheng",), kw="X光、CT、牙片机、放射科"),
    I("饮用水供水单位卫生许可", "WSJK", "SHSW", 305, "《中华人民共和国传染病防治法》第二十九条\n《生活饮用水卫生监督管理办法》第七条", 20, 7,
      [FORM("饮用水供水单位卫生许可申请表"), LICENCE, M("供水设施平面图及水处理工艺流程图", copies=1), M("水质检测报告", copies=1, tol=True), HEALTH_CERTS],
      objects="23", insp=True, risk=RiskLevel.HIGH, tol=True, cert="卫生许可证", years=4, themes=("yiliao-weisheng", "shuiwu"), kw="供水、自来水、二次供水、水厂"),
    I("医师执业注册", "WSJK", "SHSW", 306, "《中华人民共和国医师法》第十三条、第十四条\n《医师执业注册管理办法》第十条", 20, 5,
      [FORM("医师执业注册申请审核表"), APPLICANT_ID, M("医师资格证书", copies=1), M("近6个月内的健康体检证明", orig=1), M("拟执业医疗机构的聘用证明", orig=1)],
      objects="1", fully_online=True, visits=0, cert="医师执业证书", themes=("yiliao-weisheng",), kw="医生执业证、变更执业地点、多点执业"),
    I("护士执业注册", "WSJK", "SHSW", 307, "《护士条例》第七条、第八条\n《护士执业注册管理办法》第五条", 20, 5,
      [FORM("护士执业注册申请审核表"), APPLICANT_ID, M("护士执业资格考试成绩合格证明", copies=1), M("近6个月内的健康体检证明", orig=1), M("医疗卫生机构拟聘用的相关材料", orig=1)],
      objects="1", fully_online=True, visits=0, cert="护士执业证书", themes=("yiliao-weisheng",), kw="护士证"),
    I("乡村医生执业注册", "WSJK", "SHSW", 308, "《乡村医生从业管理条例》第九条、第十一条", 20, 5,
      [FORM("乡村医生执业注册申请表"), APPLICANT_ID, M("乡村医生资格证明或者相应的学历证书", copies=1), M("所在村卫生室的证明", orig=1)],
      objects="1", cert="乡村医生执业证书", years=5, themes=("yiliao-weisheng",), kw="村医、村卫生室"),

    # 教育和体育局 / 人社局 — 社会事务审批科
    I("实施学前教育、学历教育的民办学校设立", "JYTY", "SHSW", 401, "《中华人民共和国民办教育促进法》第十二条、第十四条、第十八条\n《中华人民共和国民办教育促进法实施条例》第十二条", 60, 20,
      [FORM("民办学校设立申请书"), M("举办者的资格证明文件", copies=1), M("拟聘任的校长、教师和财会人员的资格证明文件", copies=1),
       M("学校章程和首届理事会、董事会或者其他决策机构组成人员名单", orig=1), M("学校资产的有效证明文件", copies=1), PREMISES_FIXED,
       M("消防、卫生等安全条件证明", copies=1, tol=True)],
      objects="24", insp=True, legal=True, risk=RiskLevel.HIGH, tol=True, cert="民办学校办学许可证", years=5,
      themes=("jiaoyu-peixun",), kw="幼儿园、民办幼儿园、民办学校、办学许可证", featured=True, order=20,
      note="专家评议、现场考察时间不计算在内；法定时限为三个月，折合约60个工作日"),
    I("校车使用许可", "JYTY", "SHSW", 402, "《校车安全管理条例》第十四条、第十五条、第十六条", 20, 5,
      [FORM("校车使用许可申请表"), M("拟使用校车的机动车行驶证、校车标牌申领表", copies=1), M("机动车交通事故责任强制保险及承运人责任保险单", copies=1),
       M("拟聘驾驶人的校车驾驶资格证明", copies=1), M("包括行驶线路、开行时间和停靠站点的校车运行方案", orig=1), M("校车安全管理制度", orig=1)],
      objects="234", insp=True, risk=RiskLevel.HIGH, cert="校车标牌", years=1, themes=("jiaoyu-peixun", "jiaotong-yunshu"),
      kw="幼儿园校车、接送学生车辆、校车标牌", featured=True, order=21,
      note="教育行政部门收到申请后3个工作日内分送公安交管、交通运输部门征求意见"),
    I("教师资格认定", "JYTY", "SHSW", 403, "《中华人民共和国教师法》第十条、第十三条\n《教师资格条例》第十三条、第十五条", 30, 20,
      [FORM("教师资格认定申请表"), APPLICANT_ID, M("学历证书", shared="学信网（学历信息共享）", orig=0), M("普通话水平测试等级证书", shared="国家普通话水平测试信息系统", orig=0),
       M("体检合格证明", orig=1), M("近期免冠证件照", orig=1, medium="electronic")],
      objects="1", fully_online=True, visits=0, cert="教师资格证书", themes=("jiaoyu-peixun",), kw="教师证、幼儿园教师资格、中小学教师资格"),
    I("适龄儿童、少年因身体状况需要延缓入学或者休学审批", "JYTY", "SHSW", 404, "《中华人民共和国义务教育法》第十一条", 20, 5,
      [FORM("延缓入学（休学）申请表"), M("监护人身份证件", code="applicant-id", copies=1), M("县级以上医疗机构出具的诊断证明", orig=1)],
      objects="1", channels="1234", themes=("jiaoyu-peixun",), kw="延缓入学、休学"),
    I("经营高危险性体育项目许可", "JYTY", "SHSW", 405, "《全民健身条例》第三十二条、第三十三条\n《经营高危险性体育项目许可管理办法》第六条", 30, 10,
      [FORM("经营高危险性体育项目申请书"), LICENCE, M("体育场所、设施、设备的合格证明", copies=1), M("社会体育指导人员、救助人员的职业资格证明", copies=1),
       SAFETY_RULES, PREMISES_FIXED],
      objects="25", insp=True, risk=RiskLevel.HIGH, cert="经营高危险性体育项目许可证", years=5, themes=("wenhua-lvyou",), kw="游泳馆、游泳池、攀岩、潜水、滑雪场"),
    I("民办职业培训学校设立、分立、合并、变更及终止审批", "RSJ", "SHSW", 501, "《中华人民共和国民办教育促进法》第十二条\n《中华人民共和国民办教育促进法实施条例》第十二条\n《民办职业培训学校设置标准（试行）》", 60, 15,
      [FORM("民办职业培训学校设立申请书"), M("举办者的资格证明文件", copies=1), M("学校章程、决策机构组成人员名单", orig=1),
       M("拟聘任校长、教师、财会人员的资格证明", copies=1), M("资产及来源的证明文件", copies=1), PREMISES_FIXED],
      objects="24", insp=True, legal=True, cert="民办学校办学许可证", years=5, themes=("jiaoyu-peixun",), kw="职业技能培训学校、培训机构、技校", featured=True),
    I("劳务派遣经营许可", "RSJ", "SHSW", 502, "《中华人民共和国劳动合同法》第五十七条\n《劳务派遣行政许可实施办法》第六条、第十条", 20, 5,
      [FORM("劳务派遣经营许可申请书"), LICENCE, M("公司章程以及验资机构出具的验资报告", copies=1), M("经营场所使用证明及设施设备清单", code="premises-proof", copies=1),
       M("劳务派遣管理制度", orig=1), COMMITMENT],
      objects="2", com=True, cert="劳务派遣经营许可证", years=3, themes=("qiye-kaiban",), kw="劳务派遣、人力资源"),
    I("企业实行不定时工作制和综合计算工时工作制审批", "RSJ", "SHSW", 503, "《中华人民共和国劳动法》第三十九条\n《关于企业实行不定时工作制和综合计算工时工作制的审批办法》第七条", 20, 5,
      [FORM("特殊工时工作制申请表"), LICENCE, M("实行特殊工时制度的岗位及人员名单", orig=1), M("工会或职工代表大会意见", orig=1)],
      objects="2", fully_online=True, visits=0, themes=("qiye-kaiban",), kw="综合工时、不定时工作制、特殊工时"),

    # 住建局 / 自然资源 / 人防 / 气象 — 工程建设审批科
    I("建设用地规划许可证核发", "ZRZY", "GCJS", 601, f"{PLAN_LAW}第三十七条、第三十八条", 20, 3,
      [FORM("建设用地规划许可申请表"), PROJECT_FILE, M("国有建设用地使用权出让合同或划拨决定书", code="land-contract", copies=1, tol=True),
       M("宗地图及界址点坐标", copies=1, medium="electronic")],
      objects="23", tol=True, legal=False, cert="建设用地规划许可证", themes=("gongcheng-jianshe",), kw="用地规划许可、规划许可、三证同发", featured=True, order=30),
    I("建设工程规划许可证核发", "ZRZY", "GCJS", 602, f"{PLAN_LAW}第四十条\n《陕西省城乡规划条例》第四十条", 20, 5,
      [FORM("建设工程规划许可申请表"), M("建设用地规划许可证", code="land-planning-permit", copies=1, tol=True), LAND_FILE, SITE_PLAN,
       M("建设工程设计方案", copies=1, medium="electronic")],
      objects="23", tol=True, cert="建设工程规划许可证", themes=("gongcheng-jianshe",), kw="工程规划许可、规划许可证、三证同发", featured=True, order=31,
      note="批前公示时间不计算在内"),
    I("乡村建设规划许可证核发", "ZRZY", "GCJS", 603, f"{PLAN_LAW}第四十一条", 20, 5,
      [FORM("乡村建设规划许可申请表"), APPLICANT_ID, M("村民委员会意见", orig=1), M("宅基地或集体建设用地批准文件", copies=1), M("建设工程设计图", copies=1)],
      objects="12", insp=True, cert="乡村建设规划许可证", themes=("gongcheng-jianshe",), kw="农村建房、宅基地建房"),
    I("建设项目用地预审与选址意见书核发", "ZRZY", "GCJS", 604, "《中华人民共和国土地管理法》第五十二条\n《中华人民共和国城乡规划法》第三十六条", 20, 7,
      [FORM("建设项目用地预审与选址申请表"), M("建设项目用地预审与选址申请报告", orig=1), M("建设项目拟选址位置图", copies=1, medium="electronic"), M("项目建议书或其他立项依据", copies=1)],
      objects="23", legal=True, cert="建设项目用地预审与选址意见书", years=3, themes=("gongcheng-jianshe", "touzi-xiangmu"), kw="选址意见书、用地预审"),
    I("临时用地审批", "ZRZY", "GCJS", 605, "《中华人民共和国土地管理法》第五十七条\n《中华人民共和国土地管理法实施条例》第二十条", 20, 10,
      [FORM("临时用地申请表"), M("临时用地合同", orig=1), M("土地复垦方案报告表", copies=1), M("勘测定界图", copies=1)],
      objects="123", insp=True, themes=("gongcheng-jianshe",), kw="临时占地、施工便道、临时用地"),
    I("建筑工程施工许可证核发", "ZJJ", "GCJS", 701, "《中华人民共和国建筑法》第七条、第八条\n《建筑工程施工许可管理办法》（住房和城乡建设部令第18号）第二条、第五条", 10, 7,
      [FORM("建筑工程施工许可证申请表"), LAND_FILE, M("建设工程规划许可证", code="works-planning-permit", copies=1, tol=True), DRAWINGS_OK,
       M("中标通知书及施工合同", copies=1), M("建设资金已经落实承诺书", orig=1)],
      objects="23", tol=True, cert="建筑工程施工许可证", themes=("gongcheng-jianshe",), kw="施工许可证、开工许可、三证同发", featured=True, order=32,
      faqs=[("哪些材料可以容缺受理？", "建设用地批准文件、建设工程规划许可证和施工图设计文件审查合格书可容缺受理，申请人签署承诺书后先行受理，在发证前补齐。")]),
    I("建设工程消防设计审查", "ZJJ", "GCJS", 702, "《中华人民共和国消防法》第十一条\n《建设工程消防设计审查验收管理暂行规定》（住房和城乡建设部令第58号）第十四条、第十五条", 20, 14,
      [FORM("消防设计审查申请表"), M("消防设计文件", code="fire-design", copies=1, medium="electronic"), M("依法需要办理建设工程规划许可的，建设工程规划许可文件", code="works-planning-permit", req="conditional", cond="依法需要办理建设工程规划许可的", copies=1, tol=True),
       M("依法需要批准的临时性建筑的批准文件", req="conditional", cond="临时性建筑", copies=1)],
      objects="23", tol=True, legal=False, cert="特殊建设工程消防设计审查意见书", themes=("gongcheng-jianshe", "anquan-shengchan"), kw="消防审查、消防设计、消防审图", featured=True, order=33,
      note="需要组织专家评审的，评审时间不超过20个工作日，不计算在内"),
    I("建设工程消防验收", "ZJJ", "GCJS", 703, "《中华人民共和国消防法》第十三条\n《建设工程消防设计审查验收管理暂行规定》第二十六条、第二十七条", 15, 10,
      [FORM("消防验收申请表"), M("工程竣工验收报告", orig=1), M("涉及消防的建设工程竣工图纸", copies=1, medium="electronic"), M("消防设施检测报告", copies=1, tol=True)],
      objects="23", insp=True, risk=RiskLevel.HIGH, tol=True, cert="特殊建设工程消防验收意见书", themes=("gongcheng-jianshe", "anquan-shengchan"), kw="消防验收、竣工验收", featured=True),
    I("商品房预售许可", "ZJJ", "GCJS", 704, "《中华人民共和国城市房地产管理法》第四十五条\n《城市商品房预售管理办法》第六条、第七条", 10, 5,
      [FORM("商品房预售许可申请表"), LICENCE, M("房地产开发企业资质证书", copies=1), LAND_FILE, M("建设工程规划许可证和施工许可证", copies=1),
       M("工程施工进度说明及预售方案", orig=1)],
      objects="2", insp=True, legal=True, risk=RiskLevel.HIGH, cert="商品房预售许可证", themes=("gongcheng-jianshe",), kw="预售证、卖楼、商品房预售"),
    I("建筑业企业资质核准（施工总承包三级、专业承包二级以下）", "ZJJ", "GCJS", 705, "《中华人民共和国建筑法》第十三条\n《建筑业企业资质管理规定》第九条", 20, 10,
      [FORM("建筑业企业资质申请表"), LICENCE, M("企业净资产证明（上年度财务审计报告）", copies=1), M("技术负责人及注册人员证明材料", copies=1), COMMITMENT],
      objects="2", com=True, cert="建筑业企业资质证书", years=5, themes=("gongcheng-jianshe", "qiye-kaiban"), kw="资质、施工资质、建筑资质"),
    I("城镇污水排入排水管网许可", "ZJJ", "GCJS", 706, "《城镇排水与污水处理条例》第二十一条\n《城镇污水排入排水管网许可管理办法》第四条", 15, 5,
      [FORM("城镇污水排入排水管网许可申请表"), LICENCE, M("排水户内部排水管网、专用检测井、污水排放口位置和口径的图纸及说明", copies=1),
       M("按规定建设污水预处理设施的有关材料", req="conditional", cond="餐饮、洗车等需要预处理的排水户", copies=1, tol=True), COMMITMENT],
      objects="25", com=True, tol=True, cert="城镇污水排入排水管网许可证", years=5, themes=("canyin-zhusu", "shuiwu", "chengshi-guanli"), kw="排水许可、排污、饭店排水、隔油池"),
    I("燃气经营许可", "ZJJ", "GCJS", 707, "《城镇燃气管理条例》第十五条\n《燃气经营许可管理办法》第三条", 20, 10,
      [FORM("燃气经营许可申请书"), LICENCE, M("燃气设施建设工程竣工验收文件", copies=1), M("企业主要负责人、安全管理人员及运行维护和抢修人员的专业培训考核合格证书", copies=1),
       SAFETY_RULES, M("应急预案", orig=1)],
      objects="2", insp=True, legal=True, risk=RiskLevel.HIGH, cert="燃气经营许可证", years=3, themes=("anquan-shengchan",), kw="燃气、液化气、天然气、加气站"),
    I("应建防空地下室的民用建筑项目报建审批", "RFB", "GCJS", 1701, "《中华人民共和国人民防空法》第二十二条\n《陕西省实施〈中华人民共和国人民防空法〉办法》第十六条", 20, 5,
      [FORM("人防工程报建审批申请表"), PROJECT_FILE, M("建设工程规划许可证或设计方案审查意见", code="works-planning-permit", copies=1, tol=True), M("人防工程施工图设计文件", copies=1, medium="electronic")],
      objects="23", tol=True, themes=("gongcheng-jianshe",), kw="人防、防空地下室、易地建设"),
    I("防雷装置设计审核", "QXJ", "GCJS", 1601, "《中华人民共和国气象法》第三十七条\n《气象灾害防御条例》第二十三条\n《防雷装置设计审核和竣工验收规定》第四条", 20, 5,
      [FORM("防雷装置设计审核申请书"), M("防雷装置设计说明书和设计图纸", copies=1, medium="electronic"), M("设计单位和人员的资质证和资格证书", copies=1)],
      objects="23", cert="防雷装置设计核准意见书", themes=("gongcheng-jianshe", "anquan-shengchan"), kw="防雷、避雷、雷电防护"),
    I("升放无人驾驶自由气球或者系留气球活动审批", "QXJ", "GCJS", 1602, "《通用航空飞行管制条例》第三十四条、第三十五条\n《施放气球管理办法》第十五条", 5, 2,
      [FORM("升放气球活动申请表"), M("施放气球单位资质证", copies=1), M("活动方案和安全保障措施", orig=1)],
      objects="123", fully_online=True, visits=0, themes=("wenhua-lvyou",), kw="气球、庆典氢气球、广告气球"),

    # 发改 / 生态环境 / 水利 / 林业 — 投资项目审批科
    I("企业投资项目核准", "FGJ", "TZXM", 801, "《企业投资项目核准和备案管理条例》第三条、第六条、第十条\n《政府核准的投资项目目录》", 20, 5,
      [FORM("项目申请书"), M("城乡规划行政主管部门出具的选址意见书", copies=1, tol=True), M("国土资源行政主管部门出具的用地预审意见", copies=1, tol=True), COMMITMENT],
      objects="2", legal=True, risk=RiskLevel.HIGH, tol=True, com=False, themes=("touzi-xiangmu",), kw="项目核准、投资项目、立项", featured=True, order=40,
      note="需要委托评估或专家评议的，所需时间不计算在内"),
    I("企业投资项目备案", "FGJ", "TZXM", 802, "《企业投资项目核准和备案管理条例》第三条、第十三条、第十四条", 1, 0,
      [M("项目备案信息表（在线填报）", form=False, medium="electronic", notes="通过陕西省投资项目在线审批监管平台填报：企业基本情况，项目名称、建设地点、建设规模、建设内容，项目总投资额，项目符合产业政策的声明"),
       LICENCE],
      typ=ItemType.OTHER_POWER, objects="2", fully_online=True, visits=0, channels="23", themes=("touzi-xiangmu",), kw="项目备案、立项备案", featured=True, order=41),
    I("固定资产投资项目节能审查", "FGJ", "TZXM", 803, "《中华人民共和国节约能源法》第十五条\n《固定资产投资项目节能审查办法》第五条、第十条", 20, 10,
      [FORM("节能审查申请表"), M("节能报告", copies=1, medium="electronic"), PROJECT_FILE],
      objects="2", themes=("touzi-xiangmu",), kw="节能审查、能评"),
    I("政府投资项目可行性研究报告审批", "FGJ", "TZXM", 804, "《政府投资条例》第九条、第十一条", 20, 10,
      [FORM("可行性研究报告审批申请文件"), M("可行性研究报告", copies=1, medium="both"), M("项目建议书批复文件", copies=1), M("规划选址、用地预审意见", copies=1, tol=True)],
      objects="36", legal=True, risk=RiskLevel.HIGH, tol=True, themes=("touzi-xiangmu",), kw="可研批复、政府投资"),
    I("建设项目环境影响报告书审批", "STHJ", "TZXM", 901, "《中华人民共和国环境影响评价法》第二十二条\n《建设项目环境保护管理条例》第九条", 60, 20,
      [FORM("建设项目环境影响评价文件审批申请书"), M("建设项目环境影响报告书", copies=1, medium="both"), M("公众参与说明", copies=1), PROJECT_FILE],
      objects="23", insp=True, legal=True, risk=RiskLevel.HIGH, themes=("shengtai-huanjing", "touzi-xiangmu"), kw="环评、环评报告书、环境影响评价", featured=True, order=42,
      note="技术评估、专家评审时间不计算在内"),
    I("建设项目环境影响报告表审批", "STHJ", "TZXM", 902, "《中华人民共和国环境影响评价法》第二十二条\n《建设项目环境保护管理条例》第九条", 30, 10,
      [FORM("建设项目环境影响评价文件审批申请书"), M("建设项目环境影响报告表", copies=1, medium="both"), PROJECT_FILE, COMMITMENT],
      objects="23", com=True, tol=False, themes=("shengtai-huanjing", "touzi-xiangmu"), kw="环评、环评报告表、环境影响评价", featured=True, order=43),
    I("取水许可", "SLJ", "TZXM", 1401, "《中华人民共和国水法》第七条、第四十八条\n《取水许可和水资源费征收管理条例》第二条、第二十一条", 45, 15,
      [FORM("取水许可申请书"), M("建设项目水资源论证报告书（表）", copies=1), M("与第三者利害关系的相关说明", copies=1), PROJECT_FILE],
      objects="23", insp=True, legal=True, risk=RiskLevel.HIGH, cert="取水许可证", years=5, themes=("shuiwu",), kw="取水、打井、地下水"),
    I("生产建设项目水土保持方案审批", "SLJ", "TZXM", 1402, "《中华人民共和国水土保持法》第二十五条、第二十六条\n《陕西省水土保持条例》第二十条", 20, 10,
      [FORM("水土保持方案审批申请表"), M("水土保持方案报告书（表）", copies=1, medium="both"), COMMITMENT],
      objects="23", com=True, tol=True, themes=("shuiwu", "gongcheng-jianshe"), kw="水保方案、水土保持"),
    I("河道管理范围内建设项目工程建设方案审批", "SLJ", "TZXM", 1403, "《中华人民共和国水法》第三十八条\n《中华人民共和国河道管理条例》第十一条", 20, 10,
      [FORM("河道管理范围内建设项目申请书"), M("建设项目防洪评价报告", copies=1), M("工程建设方案", copies=1)],
      objects="23", insp=True, themes=("shuiwu",), kw="河道、涉河建设、跨河桥梁"),
    I("林木采伐许可证核发", "LYJ", "JTNL", 1801, "《中华人民共和国森林法》第五十六条、第五十七条\n《中华人民共和国森林法实施条例》第三十二条", 20, 5,
      [FORM("林木采伐申请表"), APPLICANT_ID, M("林权证明或林木所有权证明", copies=1), M("采伐作业设计", copies=1)],
      objects="12", insp=True, cert="林木采伐许可证", themes=("nonglin-muyu",), kw="砍树、伐木、采伐证"),

    # 应急管理局
    I("危险化学品经营许可（不带储存设施）", "YJJ", "TZXM", 1001, "《危险化学品安全管理条例》第三十三条、第三十四条、第三十五条\n《危险化学品经营许可证管理办法》第三条", 30, 10,
      [FORM("危险化学品经营许可证申请书"), LICENCE, M("主要负责人、安全生产管理人员的安全生产知识和管理能力考核合格证", copies=1), SAFETY_RULES,
       M("事故应急救援预案", orig=1), PREMISES_FIXED],
      objects="2", insp=True, legal=True, risk=RiskLevel.HIGH, cert="危险化学品经营许可证", years=3, themes=("anquan-shengchan",), kw="危化品、化工产品、油漆、溶剂"),
    I("非煤矿矿山企业安全生产许可", "YJJ", "TZXM", 1002, "《安全生产许可证条例》第二条、第六条、第七条\n《非煤矿矿山企业安全生产许可证实施办法》第六条", 45, 12,
      [FORM("非煤矿矿山企业安全生产许可证申请书"), LICENCE, M("安全生产责任制和安全生产规章制度、操作规程目录", copies=1),
       M("安全设施竣工验收报告", copies=1), M("主要负责人和安全生产管理人员安全考核合格证明", copies=1), M("工伤保险和安全生产责任保险缴纳证明", copies=1, tol=True)],
      objects="2", insp=True, legal=True, risk=RiskLevel.HIGH, tol=True, cert="安全生产许可证", years=3, themes=("anquan-shengchan",), kw="安全生产许可证、矿山、采石场", featured=True, order=44),
    I("烟花爆竹经营（零售）许可", "YJJ", "JTNL", 1003, "《烟花爆竹安全管理条例》第三条、第十八条、第十九条", 20, 5,
      [FORM("烟花爆竹经营（零售）许可证申请书"), LICENCE, M("零售场所平面图和周边环境说明", code="floor-plan", copies=1), M("主要负责人经过安全培训合格的证明", copies=1)],
      objects="15", insp=True, risk=RiskLevel.HIGH, cert="烟花爆竹经营（零售）许可证", years=2, themes=("anquan-shengchan",), kw="烟花、鞭炮、爆竹零售"),
    I("生产经营单位生产安全事故应急预案备案", "YJJ", "TZXM", 1004, "《生产安全事故应急预案管理办法》第二十六条", 5, 0,
      [FORM("生产经营单位生产安全事故应急预案备案申报表"), M("应急预案评审意见", copies=1), M("应急预案电子文档", medium="electronic", orig=1)],
      typ=ItemType.OTHER_POWER, objects="2", fully_online=True, visits=0, themes=("anquan-shengchan",), kw="应急预案备案"),

    # 交通运输局 — 交通农林审批科
    I("道路货物运输经营许可", "JTJ", "JTNL", 1101, "《中华人民共和国道路运输条例》第二十一条、第二十四条\n《道路货物运输及站场管理规定》第十一条、第十二条", 20, 3,
      [FORM("道路货物运输经营申请表"), LICENCE, M("负责人身份证明、经办人身份证件和委托书", code="legal-rep-id", copies=1),
       M("机动车辆行驶证、车辆技术等级评定结论", copies=1, tol=True), M("聘用或者拟聘用驾驶员的机动车驾驶证、从业资格证", copies=1), SAFETY_RULES, COMMITMENT],
      objects="125", com=True, tol=True, cert="道路运输经营许可证", years=4, themes=("jiaotong-yunshu",), kw="货运、物流、运输公司、道路运输许可证", featured=True, order=50,
      faqs=[("总质量4.5吨及以下的普通货运车辆需要办理吗？", "不需要。使用总质量4.5吨及以下普通货运车辆从事普通货运经营的，无需申请道路运输经营许可证及车辆营运证。")]),
    I("道路货物运输驾驶员从业资格证核发", "JTJ", "JTNL", 1102, "《中华人民共和国道路运输条例》第二十二条\n《道路运输从业人员管理规定》第十条", 10, 3,
      [FORM("道路运输从业人员从业资格申请表"), APPLICANT_ID, M("机动车驾驶证", shared="公安交通管理部门（驾驶证信息共享）", orig=0), M("道路交通安全记录证明", shared="公安交通管理部门", orig=0),
       M("从业资格考试合格证明", copies=1)],
      objects="1", fully_online=True, visits=0, cert="道路运输从业人员从业资格证", years=6, themes=("jiaotong-yunshu",), kw="货运资格证、从业资格证、货车司机"),
    I("道路旅客运输经营许可（县内班车客运）", "JTJ", "JTNL", 1103, "《中华人民共和国道路运输条例》第八条、第十条\n《道路旅客运输及客运站管理规定》第十二条", 20, 10,
      [FORM("道路旅客运输经营申请表"), LICENCE, M("可行性报告", copies=1), M("拟投入车辆承诺书", orig=1), M("聘用或拟聘用驾驶员的驾驶证和从业资格证", copies=1), SAFETY_RULES],
      objects="2", legal=True, risk=RiskLevel.HIGH, cert="道路运输经营许可证", years=4, themes=("jiaotong-yunshu",), kw="客运、班车、客运线路"),
    I("巡游出租汽车经营许可", "JTJ", "JTNL", 1104, "《巡游出租汽车经营服务管理规定》第八条、第十条", 20, 10,
      [FORM("巡游出租汽车经营申请表"), LICENCE, M("投资人、负责人身份、资信证明", copies=1), M("拟投入车辆承诺书", orig=1), M("经营管理制度、安全生产管理制度和服务质量保障制度文本", copies=1)],
      objects="2", legal=True, cert="道路运输经营许可证", years=6, themes=("jiaotong-yunshu",), kw="出租车、出租汽车"),
    I("公路超限运输许可", "JTJ", "JTNL", 1105, "《中华人民共和国公路法》第五十条\n《超限运输车辆行驶公路管理规定》第十二条", 5, 2,
      [FORM("公路超限运输申请表"), M("车辆行驶证或者临时行驶车号牌", copies=1), M("货物（如有）的名称、外廓尺寸和质量说明", orig=1), M("车货总体的外廓尺寸、总质量、轴荷数据和示意图", orig=1)],
      objects="12", fully_online=True, visits=0, themes=("jiaotong-yunshu",), kw="超限、大件运输"),

    # 城市管理执法局
    I("设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批", "CGJ", "GCJS", 1201, "《城市市容和环境卫生管理条例》第十一条、第十七条\n《陕西省城市市容和环境卫生管理条例》第二十二条", 20, 5,
      [FORM("户外广告设置申请表"), LICENCE, M("设置地点的产权证明或使用权证明", copies=1), M("广告设置效果图、结构设计图及安全评估报告", copies=1, tol=True)],
      objects="125", insp=True, years=3, themes=("chengshi-guanli", "canyin-zhusu"), kw="户外广告、招牌、门头、牌匾、广告牌", featured=True, order=60),
    I("城市建筑垃圾处置核准", "CGJ", "GCJS", 1202, "《国务院对确需保留的行政审批项目设定行政许可的决定》第101项\n《城市建筑垃圾管理规定》第七条", 20, 3,
      [FORM("城市建筑垃圾处置核准申请表"), M("建筑垃圾处置方案", orig=1), M("与运输单位签订的运输合同", copies=1), M("消纳场所使用证明", copies=1)],
      objects="23", cert="城市建筑垃圾处置核准证", themes=("chengshi-guanli", "gongcheng-jianshe"), kw="建筑垃圾、渣土、渣土车"),
    I("占用、挖掘城市道路审批", "CGJ", "GCJS", 1203, "《城市道路管理条例》第二十九条、第三十条、第三十一条", 20, 5,
      [FORM("占用、挖掘城市道路申请表"), M("施工方案和交通组织方案", orig=1), M("占用、挖掘位置平面图", copies=1)],
      objects="123", insp=True, fee=("text", "按《陕西省城市道路占用费、挖掘修复费收费标准》缴纳占用费和挖掘修复费"), themes=("chengshi-guanli",), kw="挖路、占道、管线施工"),
    I("砍伐城市树木、迁移古树名木审批", "CGJ", "GCJS", 1204, "《城市绿化条例》第二十条、第二十四条", 20, 5,
      [FORM("砍伐（迁移）城市树木申请表"), M("树木位置示意图及现场照片", copies=1), M("补植方案", orig=1)],
      objects="123", insp=True, themes=("chengshi-guanli",), kw="砍树、伐树、移树、古树"),

    # 农业农村局
    I("农药经营许可", "NYNC", "JTNL", 1301, "《农药管理条例》第二十四条、第二十五条\n《农药经营许可管理办法》第五条", 20, 7,
      [FORM("农药经营许可申请表"), LICENCE, M("经营人员的农学、植保等相关专业学历证明或者培训证明", copies=1), PREMISES_FIXED, M("农药经营质量管理制度", copies=1)],
      objects="15", insp=True, cert="农药经营许可证", years=5, themes=("nonglin-muyu",), kw="农药店、农资店"),
    I("兽药经营许可", "NYNC", "JTNL", 1302, "《兽药管理条例》第二十二条、第二十三条", 30, 10,
      [FORM("兽药经营许可证申请表"), LICENCE, M("兽医专业技术人员资格证明", copies=1), PREMISES_FIXED, M("质量管理制度文件", copies=1)],
      objects="15", insp=True, cert="兽药经营许可证", years=5, themes=("nonglin-muyu",), kw="兽药店、兽药"),
    I("动物防疫条件合格证核发", "NYNC", "JTNL", 1303, "《中华人民共和国动物防疫法》第二十四条、第二十五条\n《动物防疫条件审查办法》第二十八条", 20, 10,
      [FORM("动物防疫条件审查申请表"), M("场所地理位置图、各功能区布局平面图", copies=1), M("设施设备清单", copies=1), M("管理制度文本", copies=1)],
      objects="125", insp=True, cert="动物防疫条件合格证", themes=("nonglin-muyu",), kw="养殖场、屠宰场、养猪场"),
    I("农作物种子生产经营许可", "NYNC", "JTNL", 1304, "《中华人民共和国种子法》第三十一条、第三十二条\n《农作物种子生产经营许可管理办法》第十三条", 20, 10,
      [FORM("农作物种子生产经营许可证申请表"), LICENCE, M("种子检验、加工等设施设备清单", copies=1), M("种子生产地点检疫证明", copies=1)],
      objects="2", insp=True, cert="农作物种子生产经营许可证", years=5, themes=("nonglin-muyu",), kw="种子经营、种子公司"),

    # 民政局
    I("民办非企业单位成立登记", "MZJ", "SHSW", 1501, "《民办非企业单位登记管理暂行条例》第八条、第九条、第十一条", 60, 15,
      [FORM("民办非企业单位成立登记申请书"), M("业务主管单位的批准文件", copies=1), M("场所使用权证明", code="premises-proof", copies=1), M("验资报告", copies=1),
       M("拟任负责人的基本情况、身份证明", copies=1), M("章程草案", orig=1)],
      typ=ItemType.LICENSING, objects="4", cert="民办非企业单位登记证书", years=5, themes=("shehui-zuzhi", "jiaoyu-peixun"), kw="民非、社会服务机构、民办机构登记"),
    I("社会团体成立登记", "MZJ", "SHSW", 1502, "《社会团体登记管理条例》第九条、第十一条、第十二条", 60, 20,
      [FORM("社会团体成立登记申请书"), M("业务主管单位的批准文件", copies=1), M("验资报告、场所使用权证明", copies=1), M("发起人和拟任负责人的基本情况、身份证明", copies=1), M("章程草案", orig=1)],
      objects="4", legal=True, cert="社会团体法人登记证书", years=5, themes=("shehui-zuzhi",), kw="协会、商会、学会、社团"),

    # 文化和旅游局
    I("娱乐场所经营许可", "WLJ", "SHSW", 1901, "《娱乐场所管理条例》第九条、第十一条\n《娱乐场所管理办法》第七条", 20, 5,
      [FORM("娱乐场所经营活动申请表"), LICENCE, M("投资人、拟任法定代表人和其他负责人没有《娱乐场所管理条例》第五条规定情形的书面声明", orig=1),
       PREMISES_FIXED, M("场所平面图及消防安全检查合格证明", code="floor-plan", copies=1, tol=True)],
      objects="25", insp=True, risk=RiskLevel.HIGH, tol=True, cert="娱乐经营许可证", years=2, themes=("wenhua-lvyou",), kw="KTV、歌厅、舞厅、游艺厅"),
    I("互联网上网服务营业场所经营单位设立审批", "WLJ", "SHSW", 1902, "《互联网上网服务营业场所管理条例》第七条、第十条、第十三条", 20, 5,
      [FORM("互联网上网服务营业场所经营单位申请表"), LICENCE, PREMISES_FIXED, M("计算机信息网络安全审核意见", copies=1), M("消防安全检查合格证明", copies=1, tol=True)],
      objects="25", insp=True, tol=True, cert="网络文化经营许可证", years=3, themes=("wenhua-lvyou",), kw="网吧、网咖、电竞馆"),
    I("营业性演出审批", "WLJ", "SHSW", 1903, "《营业性演出管理条例》第十三条、第十四条\n《营业性演出管理条例实施细则》第十五条", 3, 1,
      [FORM("营业性演出申请登记表"), M("演出场所合法使用的证明", copies=1), M("与演员签订的演出协议", copies=1), M("演出节目内容材料", copies=1)],
      objects="25", fully_online=True, visits=0, themes=("wenhua-lvyou",), kw="演出、演唱会、文艺演出、商演"),
]

# code, title, theme, handling, joint issuance, promised limit, item names, summary
BUNDLES = [
    ("kai-fandian", "我要开饭店", "canyin-zhusu", Handling.PARALLEL, True, 5,
     ["公司设立登记", "食品经营许可", "城镇污水排入排水管网许可", "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批"],
     "开饭店涉及营业执照、食品经营许可、排水许可和门头招牌设置，一张表单、一套材料、一次提交，各事项并联审批，证照统一发放。"),
    ("san-zheng-tong-fa", "工程建设项目“三证同发”", "gongcheng-jianshe", Handling.PARALLEL, True, 15,
     ["建设用地规划许可证核发", "建设工程规划许可证核发", "建筑工程施工许可证核发"],
     "建设用地规划许可证、建设工程规划许可证、建筑工程施工许可证同步受理、并联审批、同时发证，法定时限合计50个工作日压缩至15个工作日。"),
    ("kai-yaodian", "我要开药店", "yiliao-weisheng", Handling.PARALLEL, True, 10,
     ["公司设立登记", "药品零售企业经营许可（单体药店）", "食品经营许可"],
     "开办零售药店（含保健食品销售）所需的营业执照、药品经营许可证和食品经营许可证一次申请、并联办理。"),
    ("ban-youeryuan", "我要办民办幼儿园", "jiaoyu-peixun", Handling.ORDERED, False, 40,
     ["实施学前教育、学历教育的民办学校设立", "民办非企业单位成立登记", "校车使用许可"],
     "先取得办学许可，再办理民办非企业单位登记；配备校车的，同时申请校车使用许可。"),
    ("kai-binguan", "我要开宾馆", "canyin-zhusu", Handling.PARALLEL, True, 7,
     ["公司设立登记", "公共场所卫生许可", "特种设备使用登记", "食品经营许可"],
     "开办宾馆、酒店涉及营业执照、公共场所卫生许可、电梯等特种设备使用登记和餐饮服务许可，一次办成。"),
    ("kai-youyongguan", "我要开游泳馆", "wenhua-lvyou", Handling.PARALLEL, True, 10,
     ["公司设立登记", "经营高危险性体育项目许可", "公共场所卫生许可"],
     "开办游泳场馆所需的营业执照、经营高危险性体育项目许可和公共场所卫生许可，并联审批、统一出证。"),
]

# How people ask for a bundle (the search matches these as well as the title).
BUNDLE_KEYWORDS = {
    "kai-fandian": "开饭店、开餐馆、开饭馆、开餐厅、餐饮开店、办餐饮",
    "san-zheng-tong-fa": "三证同发、建设工程、盖楼、工程报建、施工许可",
    "kai-yaodian": "开药店、开药房、药店、药房、药品零售",
    "ban-youeryuan": "办幼儿园、开幼儿园、民办幼儿园、托育",
    "kai-binguan": "开宾馆、开酒店、开旅馆、开民宿、住宿",
    "kai-youyongguan": "开游泳馆、游泳池、游泳场所",
}

# Applications a year per item, invented for the demo but in a county centre's proportions (business
# registration far ahead): the demo's starting popularity, which the search ranks by; the nightly
# catalog.tasks.refresh_popularity replaces it with the portal's own counts.
DEMO_POPULARITY = {
    "个体工商户设立登记": 1860, "公司设立登记": 1240, "食品经营许可": 980, "企业变更登记": 760, "小餐饮经营许可": 540,
    "企业注销登记": 420, "公共场所卫生许可": 380, "道路货物运输驾驶员从业资格证核发": 350, "教师资格认定": 330,
    "食品经营许可（延续）": 260, "药品零售企业经营许可（单体药店）": 180, "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批": 150,
    "城镇污水排入排水管网许可": 140, "建筑工程施工许可证核发": 120, "企业投资项目备案": 110, "特种设备使用登记": 95,
}
DEMO_BUNDLE_POPULARITY = {"kai-fandian": 260, "kai-yaodian": 45, "kai-binguan": 38, "san-zheng-tong-fa": 30}

# fields filled into the blank-form PDF and its sample
FORM_FIELDS = [
    ("申请人（单位名称）", "延安市宝塔区味道长安餐饮管理有限公司"),
    ("统一社会信用代码 / 身份证号码", _credit("91610602MA6YB3K1Q")),
    ("法定代表人（负责人）", "张丽华"),
    ("住所（经营场所）", "延安市宝塔区南关街道南关街88号一层"),
    ("联系人及联系电话", "张丽华 13800000001"),
]


def _procedure(spec) -> str:
    if spec["proc"]:
        return spec["proc"]
    steps = ["申请", "受理"]
    if spec["prom"] == 0:
        return "申请 → 受理 → 当场审核并作出决定 → 制证（电子证照即时生成）"
    steps.append("审查")
    if spec["insp"]:
        steps.append("现场勘验（两名以上工作人员）")
    if spec["legal"]:
        steps.append("法制审核")
    steps += ["决定", "制证送达（统一出件窗口领取或免费邮寄）"]
    return " → ".join(steps)


def _faqs(spec) -> list[tuple[str, str]]:
    faqs = list(spec["faqs"])
    if spec["tol"]:
        faqs.append(("材料不齐可以先受理吗？", "本事项实行容缺受理：指南中标注“可容缺”的材料暂缺时，申请人签署容缺受理承诺书后先行受理、同步审查，在承诺期限内补齐后出具审批结果。有严重失信记录的申请人不适用容缺受理。"))
    if spec["com"]:
        faqs.append(("什么是告知承诺制？", "审批机关一次性告知审批条件和所需材料，申请人书面承诺符合条件并提交告知承诺书的，审批机关当场或在承诺时限内作出审批决定，事后核查；发现承诺不实的，依法撤销审批决定并纳入信用记录。"))
    if "2" in spec["channels"]:
        faqs.append(("可以网上申请吗？", "可以。登录一窗通门户，在办事指南中点击“在线申请”，按提示填写表单并上传材料，可随时查询办理进度。"))
    if spec["insp"]:
        faqs.append(("现场勘验怎么安排？", "受理后由承办科室与申请人预约勘验时间，由两名以上工作人员到场核查；需整改的，整改完成后可申请复查。"))
    if not faqs:
        faqs.append(("审批结果怎么领取？", "审批结果在统一出件窗口领取，也可选择免费邮寄送达；已实现电子证照的，可在一窗通门户下载。"))
    return faqs[:4]


def _fee(spec):
    fee = spec["fee"]
    if fee is None:
        return FeeKind.FREE, None, ""
    kind, value = fee
    if kind == "fixed":
        return FeeKind.FIXED, Decimal(value), ""
    return FeeKind.TEXT, None, value


def _blank_form_pdf(title: str, item_name: str, *, sample: bool) -> bytes:
    from portal.documents import render_pdf

    return render_pdf(
        "catalog/pdf/blank_form.html",
        {
            "title": title, "item_name": item_name, "sample": sample, "fields": FORM_FIELDS,
            "content": f"申请办理{item_name}。经营（建设）项目、规模及有关情况详见所附材料。", "signer": "张丽华（公司盖章）",
        },
    )


def _attach_forms(material: Material, item: Item) -> int:
    """Attach the blank form and its filled-in sample, generating each PDF only once per media directory
    (demo files have stable names, so reloading after a database reset reuses them); returns how many
    files were written."""
    written = 0
    changed = False
    for field_name, sample in (("blank_form", False), ("sample", True)):
        field = getattr(material, field_name)
        if field and field.storage.exists(field.name):
            continue
        folder = "samples" if sample else "forms"
        name = f"catalog/{folder}/demo-{item.implementation_code}-{material.sort_order}.pdf"
        if not field.storage.exists(name):
            name = field.storage.save(name, ContentFile(_blank_form_pdf(material.name, item.name, sample=sample)))
            written += 1
        setattr(material, field_name, name)
        changed = True
    if changed:
        material.save(update_fields=["blank_form", "sample"])
    return written


def _attach_users(sections: dict[str, Section], departments: dict[str, Department]) -> list[str]:
    from portal.models import User

    attached = []
    users = {u.username: u for u in User.objects.filter(username__in=["officer", "sectionhead", "dept"])}
    food = sections[FOOD_SECTION]
    if "officer" in users:
        food.members.add(users["officer"])
        attached.append("officer")
    if "sectionhead" in users:
        food.members.add(users["sectionhead"])
        if food.head_id != users["sectionhead"].pk:
            food.head = users["sectionhead"]
            food.save(update_fields=["head"])
        attached.append("sectionhead")
    if "dept" in users:
        departments[FOOD_DEPARTMENT].members.add(users["dept"])
        attached.append("dept")
    return attached


def load(*, with_forms: bool = True) -> str:
    """Load (or refresh) the demo catalogue; returns a one-line summary."""
    from catalog import services

    started = time.perf_counter()
    with transaction.atomic():
        departments = {}
        for code, name, short, org in DEPARTMENTS:
            departments[code], _ = Department.objects.update_or_create(
                code=code, defaults={"name": name, "short_name": short, "credit_code": _credit(f"11610602{org}")}
            )
        sections = {}
        for code, name, phone in SECTIONS:
            sections[code], _ = Section.objects.update_or_create(code=code, defaults={"name": name, "phone": phone})
        themes = {}
        for code, name, order in THEMES:
            themes[code], _ = Theme.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
        windows = {}
        for code, name, location, phone in WINDOWS:
            windows[code], _ = Window.objects.update_or_create(
                code=code, defaults={"name": name, "location": location, "hours": HOURS, "phone": phone}
            )
        if not Edition.objects.filter(is_current=True).exists():
            code, title, number = EDITION
            Edition.objects.update_or_create(
                code=code, defaults={"title": title, "is_current": True, "document_number": number}
            )

        items_by_name: dict[str, Item] = {}
        files = 0
        for spec in ITEMS:
            base_code = codes.make_base_code(spec["typ"], spec["main"], spec["sub"])
            implementation_code = codes.make_implementation_code(BUREAU_CREDIT_CODE, Level.COUNTY, base_code)
            fee_kind, fee_amount, fee_text = _fee(spec)
            defaults = {
                "base_code": base_code,
                "name": spec["name"],
                "item_type": spec["typ"],
                "level": Level.COUNTY,
                "service_objects": sorted(set(spec["objects"])),
                "legal_basis": spec["basis"],
                "implementing_body": settings.CENTRE_NAME,
                "implementing_body_code": BUREAU_CREDIT_CODE,
                "competent_department": departments[spec["dept"]],
                "supervising_department": departments[spec["sup"] or spec["dept"]],
                "section": sections[spec["section"]],
                "statutory_limit": spec["stat"],
                "promised_limit": spec["prom"],
                "limit_note": spec["note"],
                "case_type": CaseType.INSTANT if spec["prom"] == 0 else CaseType.PROMISED,
                "channels": sorted(set(spec["channels"])),
                "fully_online": spec["fully_online"],
                "max_visits": 0 if spec["fully_online"] else spec["visits"],
                "fee_kind": fee_kind,
                "fee_amount": fee_amount,
                "fee_text": fee_text,
                "inspection_required": spec["insp"],
                "risk_level": spec["risk"],
                "legal_review_required": spec["legal"],
                "tolerance_allowed": spec["tol"],
                "commitment_allowed": spec["com"],
                "certificate_name": spec["cert"],
                "certificate_validity_years": spec["years"],
                "conditions": spec["cond"],
                "procedure": _procedure(spec),
                "consult_phone": SECTION_PHONES[spec["section"]],
                "keywords": spec["kw"],
                "sort_order": spec["order"],
                "popularity": DEMO_POPULARITY.get(spec["name"], 0),
            }
            item = Item.objects.filter(implementation_code=implementation_code).first() or Item(
                implementation_code=implementation_code
            )
            for key, value in defaults.items():
                setattr(item, key, value)
            services.refresh_search_text(item)
            item.save()
            item.themes.set([themes[t] for t in spec["themes"]])
            item.windows.set([windows[w] for w in SECTION_WINDOWS[spec["section"]]])
            wanted = []
            for position, material_spec in enumerate(spec["mats"], start=1):
                values = {k: v for k, v in material_spec.items() if k not in ("name", "form")}
                if not spec["tol"]:
                    values["tolerable"] = False
                material, _ = Material.objects.update_or_create(
                    item=item, name=material_spec["name"], defaults={**values, "sort_order": position}
                )
                wanted.append(material.pk)
                if with_forms and material_spec["form"] and spec["featured"]:
                    files += _attach_forms(material, item)
            item.materials.exclude(pk__in=wanted).delete()
            faq_rows = _faqs(spec)
            for position, (question, answer) in enumerate(faq_rows, start=1):
                FAQ.objects.update_or_create(item=item, sort_order=position, defaults={"question": question, "answer": answer})
            item.faqs.filter(sort_order__gt=len(faq_rows)).delete()
            services.publish_item(item)
            items_by_name[item.name] = item

        for code, title, theme, handling, joint, promised, names, summary in BUNDLES:
            bundle, _ = Bundle.objects.update_or_create(
                code=code,
                defaults={
                    "title": title, "theme": themes[theme], "handling": handling, "joint_issuance": joint,
                    "promised_limit": promised, "summary": summary, "sort_order": BUNDLES.index(next(b for b in BUNDLES if b[0] == code)) + 1,
                    "keywords": BUNDLE_KEYWORDS.get(code, ""), "popularity": DEMO_BUNDLE_POPULARITY.get(code, 0),
                },
            )
            for position, name in enumerate(names, start=1):
                BundleItem.objects.update_or_create(bundle=bundle, item=items_by_name[name], defaults={"sort_order": position})
            bundle.entries.exclude(item__in=[items_by_name[n] for n in names]).delete()
            services.set_bundle_published(bundle, True)

        attached = _attach_users(sections, departments)
    seconds = time.perf_counter() - started
    return (
        f"{len(ITEMS)} items across {len({s['dept'] for s in ITEMS})} departments, {len(SECTIONS)} sections, "
        f"{len(BUNDLES)} bundles published in {EDITION[1]}; {files} blank forms generated; "
        f"users attached: {', '.join(attached) or 'none'} ({seconds:.1f} s)"
    )
