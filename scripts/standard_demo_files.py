"""Write the demo files in the national double-publicity layout (src/xinyong/demo/files/standard-*):
standard-penalties.csv (UTF-8 with BOM, full headers, 30 rows), standard-permits.xlsx (short headers,
30 rows) and standard-penalties.jsonl (element codes). The same rows every run.

    .venv/bin/python scripts/standard_demo_files.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl

from xinyong.domain.subjects.identifiers import uscc_check_character
from xinyong.services.aggregation.layouts import layout

OUT = Path(__file__).resolve().parent.parent / "src" / "xinyong" / "demo" / "files"
AUTHORITY, AUTHORITY_USCC = "示范区市场监督管理局", "115000000098765435"    # demo subject o4


def uscc(prefix: str, n: int) -> str:
    base = f"{prefix}500103MA6{n:07d}"[:17]
    return base + uscc_check_character(base)


ORGS = [("示范建设工程有限公司", "91500000MA5U0AB10L", "张明"), ("示范食品贸易有限公司", "91500103MA60XY2K06", "王芳"),
        ("示范物业服务有限公司", "91500106MA61C4D70N", "赵强"), ("示范行业协会", "52500000MJP123456E", "陈静")]
ORGS += [(f"示范{name}有限公司", uscc("91", n), rep) for n, (name, rep) in enumerate(
    [("餐饮管理", "刘洋"), ("汽车维修", "李华"), ("广告传媒", "周杰"), ("建材销售", "吴敏"), ("药品零售", "郑丽"),
     ("印刷包装", "孙伟"), ("网络科技", "钱红"), ("货物运输", "冯刚")], start=1)]
SHOPS = [("示范区张记小吃店", uscc("92", 101), "赵强", "500101199202154560"),
         ("示范区李氏五金店", uscc("92", 102), "刘洋", "500104197501016782")]
PLACEHOLDER_SHOP = ("示范区老王修鞋铺", "500103600012340", "陈静", "500112198808085672")
PERSON = ("张明", "500103198503121234")
KINDS = ["警告", "罚款", "警告;罚款", "罚款、没收违法所得", "责令停产停业", "通报批评", "罚款；没收非法财物"]


def penalty(n: int, name: str, code: str, rep: str, **cells: str) -> dict[str, str]:
    kinds = KINDS[n % len(KINDS)]
    fine = ["0.5", "1.2", "0.3", "2.5", "", "", "0.05"][n % 7] if "罚款" in kinds else ""
    row = {"行政相对人名称": name, "行政相对人类别": "法人及非法人组织", "行政相对人代码_1(统一社会信用代码)": code,
           "法定代表人": rep, "行政处罚决定书文号": f"示市监罚〔2025〕{100 + n}号",
           "违法行为类型": ["未按规定公示年度报告", "销售不合格产品", "虚假宣传", "无证经营"][n % 4],
           "违法事实": "经查，当事人存在上述违法行为，事实清楚，证据确凿。",
           "处罚依据": "《中华人民共和国行政处罚法》第九条及相关法律规定", "处罚类别": kinds,
           "处罚内容": f"{kinds.replace(';', '，')}" + (f"，罚款{fine}万元" if fine else ""), "罚款金额（万元）": fine,
           "没收违法所得、没收非法财物的金额（万元）": "0.123456" if "没收" in kinds else "",
           "处罚决定日期": f"2025/{1 + n % 12:02d}/{10 + n % 15:02d}",
           "处罚有效期": "2099/12/31" if n % 3 else f"2026/{1 + n % 12:02d}/{10 + n % 15:02d}",
           "处罚机关": AUTHORITY, "处罚机关统一社会信用代码": AUTHORITY_USCC,
           "数据来源单位": AUTHORITY, "数据来源单位统一社会信用代码": AUTHORITY_USCC}
    row.update(cells)
    return row


def penalties() -> list[dict[str, str]]:
    rows = [penalty(n, *ORGS[n % len(ORGS)]) for n in range(15)]
    rows[3]["处罚决定日期"] = "20250305"            # the compact and ISO spellings of a date
    rows[4]["处罚决定日期"] = "2025-04-14"
    rows.append(penalty(15, SHOPS[0][0], SHOPS[0][1], SHOPS[0][2], 行政相对人类别="个体工商户",
                        法定代表人证件类型="身份证", 法定代表人证件号码=SHOPS[0][3]))
    rows.append(penalty(16, SHOPS[1][0], SHOPS[1][1], SHOPS[1][2], 行政相对人类别="个体工商户"))
    rows.append(penalty(17, PLACEHOLDER_SHOP[0], "00000000000000000X", PLACEHOLDER_SHOP[2],
                        行政相对人类别="个体工商户", **{"行政相对人代码_2(工商注册号)": PLACEHOLDER_SHOP[1]}))
    rows.append(penalty(18, PERSON[0], "", "", 行政相对人类别="自然人", 证件类型="身份证", 证件号码=PERSON[1]))
    rows.append(penalty(19, *ORGS[5], 公示截止期="2026/09/10", 备注="已缴清罚款"))
    # One reason per row from here (rows 22-31 of the file).
    bad = [
        penalty(20, ORGS[0][0], ORGS[0][1][:-1] + "0", ORGS[0][2]),                    # code_invalid (subject)
        penalty(21, *ORGS[1], 处罚机关统一社会信用代码="115000000098765430"),               # code_invalid (body)
        penalty(22, "李华", "", "", 行政相对人类别="自然人", 证件类型="身份证"),               # field_required 证件号码
        penalty(23, ORGS[2][0], "00000000000000000X", ORGS[2][2]),                     # placeholder_not_allowed
        penalty(24, *ORGS[3], 处罚类别="罚金"),                                          # field_choice
        penalty(25, *ORGS[4], 处罚决定日期="2098/06/01"),                                # decision_date_in_future
        penalty(26, *ORGS[5], 处罚决定日期="2025/08/01", 处罚有效期="2025/07/01"),         # date_order
        penalty(27, *ORGS[6], 处罚类别="罚款", **{"罚款金额（万元）": "0.00000005"}),       # field_type (7 decimals)
        penalty(28, SHOPS[1][0], SHOPS[1][1], "", 行政相对人类别="个体工商户"),             # field_required 法定代表人
        penalty(29, *ORGS[7], 处罚决定日期="2025/06/01", 公示截止期="2025/05/01"),  # publicity_until_inconsistent
    ]
    return rows + bad


def write_penalties_csv() -> None:
    headers = layout("penalty").headers()
    with (OUT / "standard-penalties.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=headers)
        writer.writeheader()
        for row in penalties():
            writer.writerow({h: row.get(h, "") for h in headers})


def write_penalties_jsonl() -> None:
    penalty_layout = layout("penalty")
    codes = dict(zip(penalty_layout.headers(), penalty_layout.headers(codes=True), strict=True))
    rows = [penalty(40 + n, *ORGS[(n + 2) % len(ORGS)]) for n in range(3)]
    rows[0]["处罚类别"], rows[0]["罚款金额（万元）"] = "罚款", "0.5"
    rows.append(penalty(43, *ORGS[3], 处罚机关统一社会信用代码="11500000009876543X"))   # code_invalid
    with (OUT / "standard-penalties.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({codes[h]: v for h, v in row.items() if v}, ensure_ascii=False) + "\n")


SHORT = {"行政相对人代码_1(统一社会信用代码)": "统一社会信用代码", "行政相对人代码_2(工商注册号)": "工商注册号",
         "行政相对人代码_3(组织机构代码)": "组织机构代码", "行政相对人代码_4(税务登记号)": "税务登记号",
         "行政相对人代码_5(事业单位证书号)": "事业单位证书号", "行政相对人代码_6(社会组织登记证号)": "社会组织登记证号"}


def permit(n: int, name: str, code: str, rep: str, **cells: str) -> dict[str, str]:
    kind = ["普通", "特许", "认可", "核准", "登记", "其他-备案"][n % 6]
    row = {"行政相对人名称": name, "行政相对人类别": "法人及非法人组织", "统一社会信用代码": code, "法定代表人": rep,
           "行政许可决定文书名称": "准予行政许可决定书", "行政许可决定文书号": f"示市监许〔2025〕{200 + n}号",
           "许可类别": kind, "许可证书名称": ["食品经营许可证", "营业执照", "药品经营许可证"][n % 3],
           "许可编号": f"JY150010{n:07d}", "许可内容": "预包装食品销售（含冷藏冷冻食品）",
           "许可决定日期": f"2025/{1 + n % 12:02d}/{1 + n % 27:02d}",
           "有效期自": f"2025/{1 + n % 12:02d}/{1 + n % 27:02d}",
           "有效期至": "2099/12/31" if n % 4 == 0 else f"2030/{1 + n % 12:02d}/{1 + n % 27:02d}",
           "许可机关": AUTHORITY, "许可机关统一社会信用代码": AUTHORITY_USCC, "当前状态": "1" if n % 5 else "2",
           "数据来源单位": AUTHORITY, "数据来源单位统一社会信用代码": AUTHORITY_USCC}
    row.update(cells)
    return row


def permits() -> list[dict[str, str]]:
    rows = [permit(n, *ORGS[n % len(ORGS)]) for n in range(21)]
    rows.append(permit(21, SHOPS[0][0], SHOPS[0][1], SHOPS[0][2], 行政相对人类别="个体工商户"))
    rows.append(permit(22, PLACEHOLDER_SHOP[0], "00000000000000000X", PLACEHOLDER_SHOP[2], 行政相对人类别="个体工商户",
                       工商注册号=PLACEHOLDER_SHOP[1]))
    rows.append(permit(23, PERSON[0], "", "", 行政相对人类别="自然人", 证件类型="身份证", 证件号码=PERSON[1],
                       许可证书名称="", 许可编号=""))
    bad = [
        permit(24, *ORGS[1], 有效期自="2025/06/01", 有效期至="2025/05/31"),     # date_order
        permit(25, *ORGS[2], 许可类别="特殊"),                                  # field_choice
        permit(26, *ORGS[3], 当前状态="3"),                                     # field_choice
        permit(27, *ORGS[4], 许可机关统一社会信用代码=""),                        # field_required
        permit(28, *ORGS[5], 数据来源单位统一社会信用代码="91500103MA6000000I"),  # code_invalid
        permit(29, *ORGS[6], 有效期自="2025/13/01"),                             # field_type
    ]
    return rows + bad


def write_permits_xlsx() -> None:
    headers = [SHORT.get(h, h) for h in layout("permit").headers()]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "行政许可"
    sheet.append(headers)
    for row in permits():
        sheet.append([row.get(h, "") or None for h in headers])
    book.save(OUT / "standard-permits.xlsx")


if __name__ == "__main__":
    write_penalties_csv()
    write_penalties_jsonl()
    write_permits_xlsx()
