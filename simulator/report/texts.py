"""Labels of the brief, the budget-format tables, the chart grids and the appendix: key -> (Chinese, English).

One word for one thing in every table, chart and sentence of the run report
(the glossary, :data:`GLOSSARY`, defines each): 预算安排 (appropriation) is
the money budgeted for a fund for a year, 拨付 (paid) what the fund paid out,
出现缺口 (runs short) a month in which an approved claim could not be paid in
full, 所需资金 (money needed) the appropriation that keeps that chance at the
level.

>>> bt("brief_heading", "en")
'Brief'
"""

from __future__ import annotations

from typing import Any

from simulator.report.fmt import Lang

TEXT: dict[str, tuple[str, str]] = {
    # the brief
    "brief_heading": ("简报", "Brief"),
    "brief_meta": ("{name} · {reps} 次重复模拟 · 模拟期 {start} 至 {end} · 报告日期 {date}",
                   "{name} · {reps} replications · {start} to {end} · report date {date}"),
    "brief_targets": ("目标", "Targets"),
    "brief_funds": ("资金", "Funds"),
    "brief_findings": ("结论", "Findings"),
    "col_light": ("评估", "Outlook"),
    "col_id": ("编号", "Id"),
    "col_target": ("目标", "Target"),
    "col_threshold": ("目标值", "Threshold"),
    "col_deadline": ("截止日期", "Deadline"),
    "col_p": ("达成概率", "P(attained)"),
    "col_when": ("达成时间\n（中位数）", "Median date\nattained"),
    "col_fund": ("资金", "Fund"),
    "col_approp": ("预算安排\n（万元）", "Appropriated\n(CNY m)"),
    "col_paid_mean": ("拨付均值\n（万元）", "Mean paid\n(CNY m)"),
    "col_p_short": ("出现缺口\n概率", "P(runs\nshort)"),
    "col_short_when": ("首次缺口\n（中位数）", "First short\n(median)"),
    "col_arrears_mean": ("期末欠款\n均值（万元）", "Arrears at end,\nmean (CNY m)"),
    "col_needed": ("所需资金\n（万元）", "Money needed\n(CNY m)"),
    "light_green": ("绿", "green"),
    "light_amber": ("黄", "amber"),
    "light_red": ("红", "red"),
    "set_by_input": ("由输入设定", "set by input"),
    "no_instrument_mark": ("无政策工具影响", "no instrument moves it"),
    "brief_more_targets": ("另有 {n} 个目标的达成概率较高，见“目标达成”一节的完整目标表。",
                           "{n} more targets, with higher chances, are in the full table of the targets section."),
    "brief_more_funds": ("另有 {n} 个资金出现缺口的概率较低，见“资金与预算”一节。",
                         "{n} more funds, less likely to run short, are in the funds section."),
    "brief_note": (
        "评估：达成概率 ≥ {green} 为绿，{amber}–{green} 为黄，< {amber} 为红；资金按“不出现缺口”的概率（1 − 出现缺口概率）"
        "同样评估。金额为 {reps} 次重复模拟的均值，单位万元；所需资金为使出现缺口概率不超过 {level} 的预算安排（模拟期合计）。",
        "Outlook: P(attained) ≥ {green} green, {amber}–{green} amber, < {amber} red; funds are rated the same way on "
        "the chance of not running short (1 − P(runs short)). Amounts are means over {reps} replications in CNY m; "
        "money needed is the appropriation (horizon total) that keeps P(runs short) at most {level}.",
    ),
    "bands_chance": ("区间含义：本报告的概率和区间只反映事件随机性（各企业、各申请的偶然性），行为参数取固定值；参数不确定性未计入。",
                     "What the bands include: chance only (each firm's and each claim's luck), with the behaviour "
                     "parameters fixed; parameter uncertainty is not included."),
    "bands_full": ("区间含义：本报告的概率和区间同时反映行为参数的不确定性、各市逐年的共同冲击和事件随机性。",
                   "What the bands include: uncertainty in the behaviour parameters, common yearly shocks per city, "
                   "and chance."),
    "find_targets": ("{n} 个目标中，{g} 个较有把握（绿），{a} 个存在风险（黄），{r} 个难以达成（红）",
                     "Of {n} target(s), {g} likely (green), {a} at risk (amber) and {r} unlikely (red)"),
    "find_targets_worst": ("；把握最小的是 {tid}「{name}」（达成概率 {p}）。",
                           "; the least likely is {tid} {name} (P(attained) {p})."),
    "find_targets_input": ("另有 {n} 个目标由输入设定，不作预测。", "Target(s) set by inputs and not forecast: {n}."),
    "find_no_targets": ("本情景没有可预测的目标。", "The scenario has no target to forecast."),
    "find_funds_short": ("{k} 个资金出现缺口的概率超过 {level}，最高的是「{name}」（{p}，首次缺口月份的中位数为 {month}）。",
                         "Fund(s) running short with a probability above {level}: {k}; the highest is {name} ({p}, "
                         "first shortfall in {month} at the median)."),
    "find_funds_ok": ("所有资金出现缺口的概率都不超过 {level}。", "No fund runs short with a probability above {level}."),
    "find_money_more": ("要使每个资金出现缺口的概率不超过 {level}，{k} 个资金需增加预算安排，合计 {x}（最多的是「{name}」，{y}）",
                        "To keep every fund's P(runs short) at most {level}, more appropriations for {k} fund(s), "
                        "{x} in all (most: {name}, {y})"),
    "find_money_less": ("{k} 个资金可减少预算安排，合计 {x}", "less for {k} fund(s), {x} in all"),
    "find_money_none": ("要使每个资金出现缺口的概率不超过 {level}，现有预算安排已足够", "The appropriations already keep every "
                        "fund's P(runs short) at most {level}"),
    "find_money_total": ("模拟期内所需资金合计 {needed}，现有预算安排 {approp}。", "money needed over the horizon: {needed}, "
                         "against {approp} appropriated."),
    # sections
    "targets_heading": ("目标达成", "Targets"),
    "targets_table_caption": (
        "每行一个目标。达成概率为 {reps} 次重复模拟中截止日期时达到目标值的比例；截止时的值为中位数（P5–P95）；"
        "达成时间为达成目标的模拟中首次达到的月份的中位数。",
        "One row per target. P(attained): share of the {reps} replications at or above the threshold at the "
        "deadline; value at the deadline: median (P5–P95); date attained: median first month among the "
        "replications that attain it.",
    ),
    "col_value": ("截止时的值\n中位数\n（P5–P95）", "Value at deadline,\nmedian\n(P5–P95)"),
    "funds_heading": ("资金与预算", "Funds and budget"),
    "grid_targets_caption": (
        "每幅小图一个目标：线为各月末指标值在 {reps} 次重复模拟中的中位数，深浅阴影为 P25–P75、P5–P95 区间；"
        "红色虚线为目标值，灰色竖线为截止日期；标题括号内为达成概率。",
        "One panel per target: the line is the median month-end value over {reps} replications, shading "
        "P25–P75 (dark) and P5–P95 (light); the red dashed line is the threshold, the grey line the deadline; "
        "P(attained) in brackets.",
    ),
    "grid_funds_caption": (
        "每幅小图一个资金：线为累计拨付在 {reps} 次重复模拟中的中位数，阴影为 P25–P75、P5–P95 区间；阶梯线为累计预算安排；"
        "三角标记为出现缺口的模拟中首次缺口月份的中位数（标题括号内为出现缺口概率）。出现缺口指某月已批准的申请不能足额支付，"
        "即使累计拨付仍低于累计预算安排（例如当年的钱已用完、下年的钱尚未到位）。",
        "One panel per fund: the line is the median cumulative amount paid over {reps} replications, shading "
        "P25–P75 and P5–P95; the step line is cumulative appropriations; the triangle marks the median first "
        "month short among the replications that run short (P(runs short) in brackets). A fund runs short when "
        "an approved claim cannot be paid in full in the month it falls due, even while cumulative payments "
        "stay below cumulative appropriations (this year's money spent, next year's not yet there).",
    ),
    "grid_approp": ("累计预算安排", "Cumulative appropriations"),
    "grid_paid": ("累计拨付中位数", "Median cumulative paid"),
    "grid_threshold": ("目标值", "Threshold"),
    "grid_short": ("首次缺口（中位数）", "First short (median)"),
    "grid_unit": ("单位：{unit}", "Unit: {unit}"),
    "budget_heading": ("预算表", "Budget tables"),
    "budget_level_heading": ("按财政级次的年度拨付（均值，万元）", "Paid by funding level and year (means, CNY m)"),
    "budget_fund_heading": ("按资金的年度预算安排与拨付（万元）", "Appropriations and payments by fund and year (CNY m)"),
    "budget_needed_heading": ("所需资金：使出现缺口概率不超过 {level} 的年度预算安排（万元）",
                              "Money needed: the yearly appropriation that keeps P(runs short) at most {level} (CNY m)"),
    "budget_level_note": (
        "表中数值为 {reps} 次重复模拟的均值，单位万元，保留两位小数。均值可以相加：各级次之和等于合计，各年之和等于模拟期合计"
        "（末位可能因四舍五入相差 0.01）。中位数不能相加，故预算表一律用均值。",
        "Means over {reps} replications, in CNY m with two decimals. Means add up: the levels sum to the total and "
        "the years to the horizon total (up to 0.01 of rounding). Medians do not add up, so every budget table "
        "shows means.",
    ),
    "budget_fund_note": (
        "预算安排为情景设定的当年新增预算（不含结转）；拨付为 {reps} 次重复模拟的均值。非预算资金（如国有集团出资）单列，"
        "不计入财政预算合计。",
        "Appropriations: the new money the scenario gives each year (carry-over not included); paid: mean over "
        "{reps} replications. Non-budget money (e.g. capital from a state-owned group) is shown apart and not in "
        "the budget totals.",
    ),
    "budget_needed_note": (
        "所需资金由各资金每年到期的已批准申请（已拨付、拒付、按比例削减及新增欠款）的分布求得：对结转资金取累计申请、"
        "对年末收回的资金取当年申请，在所有年份同时满足的条件下使出现缺口的模拟比例不超过 {level}，再折算为逐年安排。",
        "Money needed is read from the distribution of the approved claims falling due on each fund each year "
        "(paid, refused, cut pro rata, and new arrears): cumulative claims for funds that carry over, yearly claims "
        "for funds that lapse, at a common rank such that at most {level} of the replications run short in any "
        "year, then turned into a yearly schedule.",
    ),
    "row_total": ("合计", "Total"),
    "row_budget_total": ("财政预算合计", "Budget total"),
    "row_non_budget": ("非预算资金", "Non-budget money"),
    "col_year_total": ("合计", "Total"),
    "col_level": ("级次", "Level"),
    "kind_approp": ("预算安排", "Appropriated"),
    "kind_paid": ("拨付均值", "Mean paid"),
    "kind_income": ("分配回款均值", "Mean distributions credited"),
    "budget_income_note": (
        "分配回款为引导基金分配回出资资金的款项（均值），计入该资金的可用余额，不属于预算安排。",
        "Distributions credited: what guidance funds pay back into the fund that invested (mean); it adds to "
        "the money the fund can pay from and is not an appropriation.",
    ),
    "arrears_heading": ("欠款与拒付", "Arrears and refusals"),
    "arrears_none": ("在所有重复模拟中，没有任何资金出现欠款、拒付或按比例削减。",
                     "No fund has arrears, refusals or pro-rata cuts in any replication."),
    "col_year": ("年度", "Year"),
    "col_arrears": ("年末欠款\n均值", "Arrears at\nyear end, mean"),
    "col_refused": ("拒付\n均值", "Refused,\nmean"),
    "col_cut": ("按比例削减\n均值", "Cut pro rata,\nmean"),
    "col_p_unpaid": ("出现未足额\n支付的概率", "P(any claim\nnot paid in full)"),
    "arrears_note": ("仅列出至少一次重复模拟中有未足额支付的资金年度。金额为 {reps} 次重复模拟的均值，单位万元。",
                     "Only fund-years with a claim not paid in full in some replication. Amounts are means over "
                     "{reps} replications, CNY m."),
    # export sheets
    "sheet_budget_level": ("预算表_按级次", "Budget by level"),
    "sheet_budget_fund": ("预算表_按资金", "Budget by fund"),
    "sheet_needed": ("所需资金", "Money needed"),
    "sheet_fund_bands": ("图表数据_资金", "Chart data, funds"),
    "sheet_target_bands": ("图表数据_目标", "Chart data, targets"),
    "col_fund_id": ("资金编号", "Fund id"),
    "col_target_id": ("目标编号", "Target id"),
    "col_item": ("项目", "Item"),
    "col_month": ("月份", "Month"),
    "col_level_name": ("级次", "Level"),
    "col_cum_approp": ("累计预算安排", "Cumulative appropriations"),
    "col_level_of_needed": ("出现缺口概率上限", "Level of P(runs short)"),
    # appendix
    "appendix_heading": ("附录", "Appendix"),
    "glossary_heading": ("术语", "Glossary"),
    "col_term": ("术语", "Term"),
    "col_meaning": ("含义", "Meaning"),
    "run_heading": ("运行信息", "About this run"),
    "not_modelled_heading": ("未纳入模型的政策工具", "Policy instruments not modelled"),
    "col_clause": ("条款", "Clause"),
    "col_name": ("名称", "Name"),
    "col_reason": ("原因", "Reason"),
    "not_modelled_none": ("情景未列出未纳入模型的政策工具。", "The scenario lists no instrument left out of the model."),
    "program_heading": ("按项目的年度拨付（均值，万元）", "Paid by program and year (means, CNY m)"),
    "col_program": ("项目", "Program"),
    "inputs_heading": ("输入参数及其来源", "Inputs and their sources"),
    "col_input": ("参数", "Input"),
    "col_input_value": ("取值", "Value"),
    "col_kind": ("来源类型", "Kind of source"),
    "col_source": ("来源 [说明]", "Source [note]"),
    "notes_heading": ("来源说明（引自情景与参数文件原文）", "Notes on the sources (quoted from the scenario and params files)"),
    "inputs_note": (
        "同一参数的逐年（逐日）取值合并为一行，按时间先后排列；多个项目、资金或城市的同一参数取值与来源相同时合并为一行；"
        "金额以万元表示，保留两位小数。方括号内为下表来源说明的编号。",
        "The yearly (dated) values of one input share a row, in time order; the same input with the same value and "
        "source for several programs, funds or cities shares a row; amounts with two decimals. "
        "The number in brackets refers to the notes below.",
    ),
    # a run started from actual figures (nowcast)
    "brief_actuals": ("基于截至 {date} 的实际数（文件 {file}，sha256 {sha}）；{cond}",
                      "Based on actuals up to {date} (file {file}, sha256 {sha}); {cond}"),
    "params_not_conditioned": ("参数抽样未按实际数校准", "parameter draws are not conditioned on the actuals"),
    "params_conditioned": ("参数抽样已按实际数校准", "parameter draws are conditioned on the actuals"),
    "phase_actual": ("实际", "actual"),
    "phase_partial": ("部分实际", "part actual"),
    "phase_projected": ("预测", "projected"),
    "legend_actual": ("实际数", "actual"),
    "today_label": ("截至 {date}", "as of {date}"),
    "grid_nowcast_note": ("绿色圆点为实际数；紫色竖线为实际数的截止日 {date}：此前为实际历史，此后为预测。",
                          "Green dots are the actual figures; the purple line is {date}, the date of the actuals: "
                          "history before it, projection after it."),
    "split_note": ("年度列标题注明该年是“实际”（全年在 {date} 及之前）、“部分实际”（截至 {date} 为实际期，"
                   "其后为预测）还是“预测”。实际期内只有实际数文件给出的资金和目标等于实际数（见“实际拨付”行）；其余各行仍为模拟值。",
                   "Each year's column says whether it is actual (the whole year up to {date}), part actual (actual up "
                   "to {date}, projected after) or projected. In the actual period only the funds and targets the "
                   "actuals file gives equal the actual figures (see the Actual paid rows); the other rows are simulated."),
    "kind_actual_paid": ("实际拨付", "Actual paid"),
    "budget_actual_note": ("实际拨付为实际数文件中累计拨付之差，仅列出能由实际数确定的年份（该年年末或截止日、以及上年末都有观测）；"
                           "拨付均值为模拟结果，模型按实际数运行时两者相等。",
                           "Actual paid: the difference of the cumulative amounts paid in the actuals file, shown only "
                           "for the years the actuals fix (observed at the year's end, or the as-of date, and at the "
                           "previous year's end); mean paid is the model's, equal to it when the model holds its "
                           "history to the actuals."),
    "actuals_check_heading": ("实际数与模拟对照（截至 {date}）", "Actual figures against the model (up to {date})"),
    "col_date": ("日期", "Date"),
    "col_actual": ("实际数", "Actual"),
    "col_model_p50": ("模拟中位数", "Model median"),
    "col_model_band": ("模拟 P5–P95", "Model P5–P95"),
    "actuals_check_note": (
        "资金为开始以来的累计拨付，目标为指标值；模拟值为 {reps} 次重复模拟在观测日所在月末的值。模型按实际数运行时，"
        "每次重复模拟在观测日的值都等于实际数（P5 = 中位数 = P95）。项目的已付申请数和主体数量不按日期存入结果库，不在此对照（—）。",
        "Funds: cumulative amount paid since the start; targets: the metric's level. The model's figures are those of "
        "the {reps} replications at the end of the month of the observation. When the model holds its history to the "
        "actuals, every replication equals the actual figure on its date (P5 = median = P95). Programs' claims paid "
        "and populations' counts are not stored by date and are not compared here (—).",
    ),
    "col_model_p5": ("模拟 P5", "Model P5"),
    "col_model_p95": ("模拟 P95", "Model P95"),
    "col_unit_file": ("文件中的单位", "Unit in the file"),
    "sheet_actuals": ("实际数", "Actuals"),
    "about_actuals_file": ("实际数文件", "Actuals file"),
    "about_actuals_sha": ("实际数文件 sha256", "Actuals file sha256"),
    "about_as_of": ("实际数截止日", "Actuals as of"),
    "about_conditioned": ("参数抽样", "Parameter draws"),
    "actuals_heading": ("实际数（{file}）", "Actual figures ({file})"),
    "col_line": ("行", "Line"),
    "col_kind_actual": ("类别", "Kind"),
    "col_unit": ("单位", "Unit"),
    "col_note": ("备注", "Note"),
    "actual_kind_fund": ("资金累计拨付", "fund, cumulative paid"),
    "actual_kind_target": ("目标指标值", "target level"),
    "actual_kind_program": ("项目累计已付申请数", "program, claims paid"),
    "actual_kind_population": ("主体数量", "entity count"),
    "actuals_note": (
        "实际数文件 {file}，sha256 {sha}；截止日 {date}，行号为文件中的行。资金金额为资金设立以来的累计拨付。{cond}。",
        "Actuals file {file}, sha256 {sha}; as of {date}; line numbers are those of the file. Fund amounts are "
        "cumulative amounts paid since the fund opened. {cond}.",
    ),
}

GLOSSARY: tuple[tuple[str, str, str, str], ...] = (
    ("预算安排", "Appropriation",
     "财政为某项资金安排的当年新增预算（不含上年结转）。",
     "the new money budgeted for a fund for a fiscal year (carry-over not included)."),
    ("拨付", "Paid (draw)",
     "资金实际支付给已批准申请的金额。",
     "what the fund actually paid to approved claims."),
    ("已批准申请", "Approved claim",
     "经审核批准、到期应由某项资金支付的金额（无论是否付出）。",
     "an amount approved and due from a fund, whether paid or not."),
    ("出现缺口", "Runs short",
     "某月已批准的申请不能从当年可用余额中足额支付（排队、拒付或按比例削减）。出现缺口概率为至少出现一次缺口的模拟所占比例；"
     "首次缺口月份为这些模拟中首次缺口月份的中位数。出现缺口时累计拨付仍可能低于累计预算安排。",
     "in some month an approved claim cannot be paid in full from what is available that year (it is queued, "
     "refused or cut pro rata). P(runs short): share of replications in which it happens at least once; first "
     "short: median first month among them. Cumulative payments may still be below cumulative appropriations."),
    ("欠款", "Arrears",
     "已批准但排队等待以后年度资金的申请金额（年末余额）。",
     "approved claims queued for later money (balance at year end)."),
    ("拒付", "Refused", "因资金不足而不予支付的已批准申请金额。", "approved claims turned away for lack of money."),
    ("按比例削减", "Cut pro rata", "资金不足时同批申请按比例少付的金额。",
     "what a batch of claims is paid less, in proportion, when money is short."),
    ("结转", "Carried over", "年末未用完、转入下年的余额。", "money left at year end and moved to the next year."),
    ("所需资金", "Money needed",
     "使出现缺口概率不超过给定水平（默认 10%）的逐年预算安排，由已批准申请的分布求得。",
     "the yearly appropriation that keeps P(runs short) at most a level (10% by default), from the distribution "
     "of approved claims."),
    ("达成概率", "P(attained)", "截止日期时指标达到目标值的模拟所占比例。",
     "share of replications at or above the threshold at the deadline."),
    ("由输入设定", "Set by input", "目标的值由输入直接给定，不是模型的预测，因此不给出概率。",
     "the target's value is given by an input, not forecast by the model, so no probability is shown."),
    ("无政策工具影响", "No instrument moves it", "情景中没有任何资金或项目的钱能影响该目标。",
     "no money of any fund or program in the scenario reaches the target."),
    ("重复模拟", "Replication", "用不同随机数对同一情景做的一次完整模拟。",
     "one complete simulation of the scenario with its own random numbers."),
    ("中位数、均值、P5–P95", "Median, mean, P5–P95",
     "对各次重复模拟结果取的统计量：一半模拟低于中位数；均值可以相加；90% 的模拟落在 P5–P95 之间。",
     "statistics across replications: half are below the median; means add up; 90% fall within P5–P95."),
    ("绿、黄、红", "Green, amber, red",
     "简报中的评估：达成（或不出现缺口）的概率 ≥ 80% 为绿，50%–80% 为黄，< 50% 为红（阈值可用报告选项调整）。",
     "the brief's outlook: chance of attaining (or of not running short) ≥ 80% green, 50–80% amber, < 50% red "
     "(thresholds are a report option)."),
)
"""The terms of every table and chart: (Chinese term, English term, Chinese meaning, English meaning)."""


def bt(key: str, lang: Lang = "zh", **kwargs: Any) -> str:
    """A label of the run report in ``lang``, with ``{name}`` fields filled in.

    Args:
        key: a key of :data:`TEXT`.
        lang: ``"zh"`` or ``"en"``.
        **kwargs: values of the fields.

    Returns:
        The label.
    """
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**kwargs) if kwargs else text
