"""The one catalogue of the project's fixed messages and labels: key -> (Chinese, English).

Used by the command line and the reports through :func:`simulator.i18n.t`.
Messages written where they are raised (errors with their values) use
:class:`simulator.i18n.Msg` pairs instead.
"""

from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
    # command line
    "valid": ("有效", "valid"),
    "invalid": ("无效", "invalid"),
    "problems": ("发现 {n} 个问题", "{n} problem(s) found"),
    "bad_files": ("{n} 个文件无效（共 {total} 个）", "{n} of {total} file(s) invalid"),
    "all_valid": ("全部 {n} 个文件有效", "all {n} file(s) valid"),
    "program": ("项目", "program"),
    "rule_trace": ("计算过程", "rule trace"),
    "total": ("合计", "total"),
    "by_level": ("按出资层级", "by funding level"),
    "by_fund": ("按资金", "by fund"),
    "claim": ("申请情况", "claim"),
    "value": ("取值", "value"),
    "source": ("来源", "source"),
    "chain": ("形成过程", "how it was set"),
    "error": ("错误", "error"),
    "internal_error": ("内部错误（这是 fiscalsim 的缺陷，请报告）：{error}；完整记录已保存到 {where}", "internal error (a bug in fiscalsim, please report it): {error}; full trace saved to {where}"),
    # the actuals file of a nowcast (simulator/actuals.py)
    "act_file_missing": ("找不到实际数文件", "actuals file not found"),
    "act_file_form": ("含 date,id,value 列（可选 unit、note）的 UTF-8 CSV 或 xlsx 文件",
                      "a UTF-8 CSV or xlsx file with columns date,id,value (optional unit, note)"),
    "act_not_utf8": ("不是 UTF-8 文本", "not UTF-8 text"),
    "act_binary": ("不是文本文件", "not a text file"),
    "act_bad_xlsx": ("无法读取 xlsx 文件：{error}", "cannot read the xlsx file: {error}"),
    "act_empty": ("没有实际数", "no actual figures"),
    "act_one_row": ("表头之下至少一行数据", "at least one row of data under the header"),
    "act_missing_column": ("缺少列 {column}", "missing column {column}"),
    "act_unknown_column": ("未知的列", "unknown column"),
    "act_column_twice": ("同一列出现两次", "the same column twice"),
    "act_columns": ("date、id、value 列，可选 unit、note（或 日期、编号、数值、单位、备注）",
                    "the columns date, id, value, optional unit, note (or their Chinese headers)"),
    "act_extra_cells": ("单元格多于表头", "more cells than the header has columns"),
    "act_empty_cell": ("缺少{column}", "missing {column}"),
    "act_bad_date": ("日期无法读取", "date cannot be read"),
    "act_date_form": ("YYYY-MM-DD 格式的日期，如 2021-12-31", "a date as YYYY-MM-DD, e.g. 2021-12-31"),
    "act_after_as_of": ("日期晚于 --as-of", "date after --as-of"),
    "act_not_after": ("不晚于 --as-of {as_of} 的日期", "a date not after --as-of {as_of}"),
    "act_before_start": ("日期早于情景开始日期", "date before the scenario's start"),
    "act_not_before": ("不早于情景开始日期 {start} 的日期", "a date not before the scenario's start {start}"),
    "act_as_of_outside": ("截至日期不在情景模拟期内", "as-of date outside the scenario's horizon"),
    "act_within": ("{start} 至 {end} 之间的日期", "a date from {start} to {end}"),
    "act_unknown_id": ("未知的编号", "unknown id"),
    "act_ids": ("情景中的目标、资金、项目或群体编号", "a target, fund, program or population id of the scenario"),
    "act_two_kinds": ("编号同时是{kinds}，无法判断", "the id names a {kinds} at once"),
    "act_one_kind": ("只指一种对象的编号", "an id that names one thing only"),
    "act_not_number": ("取值不是数", "value is not a number"),
    "act_negative": ("取值为负", "negative value"),
    "act_not_integer": ("取值不是整数", "value is not a whole number"),
    "act_bad_amount": ("金额无法读取", "amount cannot be read"),
    "act_bad_unit": ("单位与该编号不符", "unit does not fit this id"),
    "act_unit_twice": ("取值与 unit 列的单位不一致", "the value's unit and the unit column disagree"),
    "act_paid_down": ("累计拨付额下降", "cumulative amount paid goes down"),
    "act_paid_form": ("自资金设立以来的累计拨付额，不小于第 {line} 行的 {before}",
                      "the cumulative amount paid since the fund opened, at least {before} (line {line})"),
    "act_claims_down": ("累计支付笔数下降", "cumulative claims paid go down"),
    "act_claims_form": ("累计支付笔数，不少于第 {line} 行的 {before}",
                        "the cumulative number of claims paid, at least {before} (line {line})"),
    "act_over_budget": ("累计拨付额超过截至当年的预算安排", "cumulative amount paid exceeds the appropriations so far"),
    "act_budget_form": ("不超过截至 {year} 年的预算安排合计 {approp}", "at most the appropriations up to {year}, {approp} in all"),
    "act_income_hint": ("该资金有引导基金回款收入，仅作提醒", "the fund receives guidance-fund distributions: a warning only"),
    "act_duplicate": ("同一日期和编号出现两次", "the same date and id twice"),
    "act_once": ("每个日期和编号一个取值（首次出现在第 {line} 行）", "one value per date and id (first given on line {line})"),
    "act_unsupported": ("模型无法按此实际数运行：{reason}", "the model cannot hold to this figure: {reason}"),
    "act_supported": ("模型可以采用的编号", "an id the model can take"),
    "act_pair": ("--actuals 与 --as-of 须同时给出", "--actuals and --as-of go together"),
    "act_pair_form": ("两者都给，如 --actuals data/actuals/liaocheng-2021.csv --as-of 2021-12-31",
                      "both, e.g. --actuals data/actuals/liaocheng-2021.csv --as-of 2021-12-31"),
    "act_warning": ("警告", "warning"),
    "act_based_on": ("基于截至 {as_of} 的实际数（{file}，{rows} 行）", "based on actuals up to {as_of} ({file}, {rows} rows)"),
    # where the uncertainty comes from (simulator/report/uncertainty.py)
    "unc_heading": ("不确定性从何而来", "Where the uncertainty comes from"),
    "unc_bands_drawn": (
        "本报告中的区间包含三种不确定性：行为参数（{n} 个假设，{source}，每 {group} 次重复抽取一次）、"
        "各市逐年的共同冲击（如某年集中认定或从严评审）、以及每家企业和每笔申请的偶然性。",
        "The bands in this report include three sources of uncertainty: the behaviour parameters ({n} "
        "assumptions, {source}, one draw per {group} replications), common yearly shocks per city (a "
        "certification drive, a strict review year), and the chance of each firm and each claim.",
    ),
    "unc_bands_fixed": (
        "本报告中的区间只包含偶然性（每家企业和每笔申请的随机结果）：运行时使用了 --fixed-params，"
        "行为参数取中心值，没有年度共同冲击，因此区间比实际的不确定性窄。",
        "The bands in this report include chance only (each firm's and each claim's own luck): the run "
        "used --fixed-params, so the behaviour parameters sit at their central values and there are no "
        "common yearly shocks; the bands are narrower than the real uncertainty.",
    ),
    "unc_from_priors": ("取自先验分布", "drawn from their priors"),
    "unc_from_posterior": ("其中 {k} 个取自校准后验样本，其余取自先验分布", "{k} of them from a calibrated posterior sample, the rest from their priors"),
    "unc_col_target": ("目标", "Target"),
    "unc_col_params": ("参数与共同冲击", "Parameters and shocks"),
    "unc_col_chance": ("偶然性", "Chance"),
    "unc_cap_split": (
        "各目标截止值的方差中来自参数（含年度共同冲击）与来自偶然性的份额：按参数抽取组做单因素随机效应方差分析"
        "（含小样本校正），见 docs/uncertainty.md。",
        "Share of each target's variance at its deadline due to the parameters (common yearly shocks included) "
        "and to chance: one-way random-effects ANOVA over the parameter groups, with the small-sample "
        "correction (docs/uncertainty.md).",
    ),
    "unc_tornado_title": ("{target}：哪些参数影响最大", "{target}: which parameters matter most"),
    "unc_tornado_axis": ("与截止值的秩相关（各抽取组）", "Rank correlation with the value at the deadline (across groups)"),
    "unc_cap_tornado": (
        "每条为一个抽取的参数与该目标截止值（各组均值）的斯皮尔曼秩相关；正值表示参数越大目标值越高。组数为 {groups}。",
        "Each bar is the Spearman rank correlation of a drawn parameter with the target's value at its deadline "
        "(group means); positive: the larger the parameter, the higher the value. {groups} groups.",
    ),
    # titles and cover
    "report_title": ("财政情景模拟报告", "Fiscal scenario simulation report"),
    "compare_title": ("情景比较报告", "Scenario comparison report"),
    "sweep_title": ("参数扫描与敏感性分析报告", "Parameter sweep and sensitivity report"),
    "page": ("第 {n} 页 / 共 {total} 页", "Page {n} of {total}"),
    "report_date": ("报告日期", "Report date"),
    "report_date_line": ("报告日期：{date}", "Report date: {date}"),
    "col_scenario": ("情景", "Scenario"),
    "cap_runs": (
        "每行为一个参与比较的情景；情景哈希标识情景文件的内容，哈希相同即输入相同。",
        "One row per scenario compared; the hash identifies the scenario's content: equal "
        "hashes mean equal inputs.",
    ),
    "cap_factors": (
        "各因素在扫描中的取值范围（下限–上限）；参数列为其在情景文件中的位置。",
        "Range of each factor in the sweep (low–high); the input column gives its place in the "
        "scenario file.",
    ),
    "scenario_id": ("情景编号", "Scenario ID"),
    "scenario_file": ("情景文件", "Scenario file"),
    "horizon": ("模拟期", "Horizon"),
    "horizon_value": ("{start} 至 {end}", "{start} to {end}"),
    "seed": ("随机种子", "Random seed"),
    "reps": ("重复模拟次数", "Replications"),
    "engine": ("模拟引擎", "Engine"),
    "engine_des": ("离散事件引擎（des）", "discrete-event engine (des)"),
    "engine_vector": ("向量化引擎（{name}）", "vectorised engine ({name})"),
    "version": ("程序版本", "Program version"),
    "scenario_hash": ("情景哈希（SHA-256）", "Scenario hash (SHA-256)"),
    "created": ("模拟完成时间", "Simulated at"),
    "runtime": ("运行耗时", "Run time"),
    "runtime_value": (
        "共 {total} 秒（每次模拟 {per} 秒）",
        "{total} s in all ({per} s per replication)",
    ),
    "software": ("软件版本", "Software versions"),
    "store_dir": ("结果目录", "Result store"),
    "cover_note": (
        "本报告由模拟结果自动生成，所有数值均为 {reps} 次重复模拟的统计量，而非预测的单一数值。"
        "行为参数（申请率、审批率、认定概率等）为假设，见附录。",
        "This report is generated from the stored simulation results. Every figure is a statistic "
        "over {reps} replications, not a single forecast. Behavioural parameters (application, "
        "approval and certification rates) are assumptions, listed in the appendix.",
    ),
    # summary
    "summary_heading": ("结论摘要", "Summary of findings"),
    "summary_intro": (
        "以下结果基于 {reps} 次重复模拟（随机种子 {seed}），模拟期 {start} 至 {end}。",
        "Results over {reps} replications (seed {seed}), horizon {start} to {end}.",
    ),
    "fund_sentence": (
        "{fund}：模拟期内累计拨付中位数 {p50}（P5–P95：{p5}–{p95}），预算安排 {approp}，执行率中位数 {rate}。",
        "{fund}: median total draw {p50} (P5–P95: {p5}–{p95}) against appropriations of "
        "{approp}; median execution rate {rate}.",
    ),
    "exhaust_yes": (
        "资金出现缺口（已批准申请不能足额支付）的概率为 {p}；首次缺口月份中位数 {month}。",
        "Probability that it runs short (an approved claim not paid in full): {p}; median first month short: {month}.",
    ),
    "exhaust_no": ("在所有模拟中均未出现缺口。", "It never runs short in any replication."),
    "arrears_sentence": (
        "期末挂账（已批准、排队未付）中位数 {a50}（P95 {a95}）；拒付中位数 {r50}（P95 {r95}）。",
        "Arrears at the end (approved, queued, unpaid): median {a50} (P95 {a95}); refused: "
        "median {r50} (P95 {r95}).",
    ),
    "target_sentence": (
        "{target}（{clause}）：到 {deadline} 达到 {threshold} 的概率为 {p}；截止日数值中位数 {p50}（P5–P95：{p5}–{p95}）。",
        "{target} ({clause}): probability of reaching {threshold} by {deadline} is {p}; median "
        "value at the deadline {p50} (P5–P95: {p5}–{p95}).",
    ),
    "funds_table_heading": ("资金执行概况", "Funds at a glance"),
    "targets_table_heading": ("目标达成概况", "Targets at a glance"),
    "col_fund": ("资金", "Fund"),
    "col_appropriated": ("预算安排", "Appropriated"),
    "col_drawn_p50": ("累计拨付\n中位数", "Median draw"),
    "col_drawn_range": ("累计拨付 P5–P95", "Draw P5–P95"),
    "col_p_exhausted": ("出现缺口概率", "P(runs short)"),
    "col_exhaustion_month": ("首次缺口\n中位数", "Median first month short"),
    "col_arrears": ("期末挂账\n中位数 (P95)", "Arrears at end, median (P95)"),
    "col_refused": ("拒付\n中位数 (P95)", "Refused, median (P95)"),
    "col_target": ("目标", "Target"),
    "col_clause": ("依据", "Source"),
    "col_threshold": ("目标值", "Threshold"),
    "col_deadline": ("截止日期", "Deadline"),
    "col_p_attained": ("达成概率", "P(attained)"),
    "col_value_deadline": ("截止日数值\n中位数 (P5–P95)", "Value at deadline, median (P5–P95)"),
    "col_date_attained": ("达成时间\n中位数", "Median month attained"),
    "unit_suffix": ("（{unit}）", " ({unit})"),
    "cap_funds_table": (
        "预算安排为模拟期内各年预算之和；累计拨付为模拟期内拨付总额在 {reps} 次重复模拟中的中位数及第5–95百分位；"
        "出现缺口概率为出现“无法足额支付已批准申请”的模拟所占比例，首次缺口月份中位数只在出现缺口的模拟中计算；"
        "期末挂账为模拟期末已批准、排队未付的金额，拒付为因资金不足被拒绝支付的已批准金额合计。金额单位：{unit}。",
        "Appropriated: sum of the yearly appropriations over the horizon. Draw: total paid over the "
        "horizon, median and P5–P95 across {reps} replications. P(runs short): share of replications "
        "in which the fund could not pay an approved claim in full; the median month is taken over "
        "those replications only. Arrears: approved claims queued and unpaid at the end; refused: "
        "approved claims refused for lack of money, in total. Amounts in {unit}.",
    ),
    "cap_targets_table": (
        "达成概率为截止日指标值不低于目标值的模拟所占比例（共 {reps} 次）；截止日数值为各次模拟截止日指标值的中位数及第5–95百分位；"
        "达成时间中位数只在达成目标的模拟中计算（首次达到目标值的月份）。",
        "P(attained): share of the {reps} replications whose metric is at or above the threshold "
        "at the deadline. Value at deadline: median and P5–P95 across replications. Median month "
        "attained: over replications that attain the target, the month it is first reached.",
    ),
    # budget
    "budget_heading": ("预算执行", "Budget execution"),
    "fan_title": ("{fund}：累计拨付与累计预算安排", "{fund}: cumulative draw vs appropriations"),
    "legend_median": ("中位数", "Median"),
    "legend_p25_75": ("第25–75百分位", "P25–P75"),
    "legend_p5_95": ("第5–95百分位", "P5–P95"),
    "legend_approp": ("累计预算安排", "Cumulative appropriations"),
    "axis_cum": ("累计金额 ({unit})", "Cumulative amount ({unit})"),
    "axis_yearly": ("年度拨付 ({unit})", "Yearly draw ({unit})"),
    "axis_year": ("年度", "Year"),
    "axis_month": ("月份", "Month"),
    "year_fmt": ("%Y年", "%Y"),
    "cap_fan": (
        "线为各月末累计拨付额在 {reps} 次重复模拟中的中位数，深浅阴影为第25–75、第5–95百分位区间；阶梯线为逐年累加的预算安排。",
        "Line: median across {reps} replications of the cumulative draw at each month end; "
        "shading: P25–P75 (dark) and P5–P95 (light). Step line: cumulative appropriations.",
    ),
    "bars_title": ("各级财政年度拨付", "Yearly draw by funding level"),
    "cap_bars": (
        "柱高为各级财政当年拨付额在 {reps} 次重复模拟中的中位数，须线为第5–95百分位。",
        "Bar height: median across {reps} replications of each level's draw in the year; "
        "whiskers: P5–P95.",
    ),
    "table_level_heading": ("按财政级次的年度拨付", "Yearly draw by funding level"),
    "table_program_heading": ("按项目的年度拨付", "Yearly draw by program"),
    "table_fund_year_heading": ("各资金年度收支", "Yearly fund accounts"),
    "cap_yearly_median": (
        "表中数值为当年拨付合计在 {reps} 次重复模拟中的中位数，单位：{unit}。中位数不可相加：各行中位数之和一般不等于合计的中位数。",
        "Each figure is the median across {reps} replications of the year's total draw, in "
        "{unit}. Medians do not add up: the sum of the rows' medians is in general not the median "
        "of the total.",
    ),
    "col_level": ("级次", "Level"),
    "col_program": ("项目", "Program"),
    "col_year": ("年度", "Year"),
    "col_total": ("合计", "Total"),
    "col_carried_in": ("上年结转", "Carried in"),
    "col_drawn": ("拨付", "Drawn"),
    "col_lapsed": ("失效收回", "Lapsed"),
    "col_balance_end": ("年末结余", "Balance at year end"),
    "col_arrears_year": ("年末挂账", "Arrears at year end"),
    "col_refused_year": ("拒付", "Refused"),
    "col_prorata": ("按比例核减", "Pro-rata cut"),
    "cap_fund_year": (
        "各项为 {reps} 次重复模拟的中位数，单位：{unit}。预算安排为当年新增预算；上年结转为上年转入的余额；"
        "失效收回为年末未结转而收回的余额；年末挂账为已批准、排队待付的金额；拒付为因资金不足被拒绝的已批准金额；"
        "按比例核减为按比例分配时削减的金额。",
        "Medians across {reps} replications, in {unit}. Appropriated: new money for the year; "
        "carried in: balance brought from the previous year; lapsed: balance withdrawn at year "
        "end; arrears: approved claims queued unpaid at year end; refused: approved claims "
        "refused for lack of money; pro-rata cut: amounts cut when claims are paid in proportion.",
    ),
    # arrears
    "arrears_heading": ("挂账与拒付", "Arrears and refusals"),
    "col_arrears_p50": ("年末挂账\n中位数", "Arrears, median"),
    "col_arrears_p95": ("年末挂账\nP95", "Arrears, P95"),
    "col_refused_p50": ("拒付\n中位数", "Refused, median"),
    "col_refused_p95": ("拒付\nP95", "Refused, P95"),
    "col_prorata_p50": ("按比例核减\n中位数", "Pro-rata cut, median"),
    "col_p_any": ("出现挂账或\n拒付的概率", "P(any arrears or refusal)"),
    "cap_arrears": (
        "按资金和年度列出年末挂账（已批准、排队未付）、当年拒付及按比例核减金额在 {reps} 次重复模拟中的中位数与第95百分位，"
        "以及当年出现挂账或拒付的模拟所占比例。单位：{unit}。",
        "By fund and year: arrears at year end (approved, queued, unpaid), refusals and pro-rata "
        "cuts in the year, as the median and P95 across {reps} replications, and the share of "
        "replications with any arrears or refusal that year. Amounts in {unit}.",
    ),
    "claims_heading": ("未足额支付的申请（按项目）", "Claims not paid in full, by program"),
    "col_n_queued": ("排队笔数", "Queued (number)"),
    "col_amt_queued": ("排队金额", "Queued (amount)"),
    "col_n_refused": ("拒付笔数", "Refused (number)"),
    "col_amt_refused": ("拒付金额", "Refused (amount)"),
    "col_n_partly": ("部分支付笔数", "Partly paid (number)"),
    "cap_claims": (
        "各项为 {reps} 次重复模拟中当年该状态申请笔数及申请金额的中位数（括号内为第95百分位）；仅列出至少一次模拟中出现的项目和年度。金额单位：{unit}。",
        "Medians across {reps} replications (P95 in brackets) of the number and the requested "
        "amount of claims in each state in the year; only programs and years where it happens in "
        "at least one replication are listed. Amounts in {unit}.",
    ),
    "none_in_any": ("在任何一次模拟中均未出现。", "Does not occur in any replication."),
    # targets
    "targets_heading": ("目标达成", "Targets"),
    "target_fan_title": ("{target}：截止日达成概率 {p}", "{target}: P(attained by deadline) = {p}"),
    "legend_threshold": ("目标值 {v}", "Threshold {v}"),
    "legend_deadline": ("截止日期", "Deadline"),
    "axis_metric": ("指标值", "Metric value"),
    "axis_metric_unit": ("指标值 ({unit})", "Metric value ({unit})"),
    "cap_target_fan": (
        "线为各月末指标值在 {reps} 次重复模拟中的中位数，阴影为第25–75、第5–95百分位区间；水平虚线为目标值，竖线为截止日期。",
        "Line: median across {reps} replications of the metric at each month end; shading: "
        "P25–P75 and P5–P95. Dashed horizontal line: threshold; vertical line: deadline.",
    ),
    "target_detail": (
        "目标值 {threshold}，截止日期 {deadline}，依据 {clause}。截止日达成概率 {p}；截止日数值中位数 {p50}（P5–P95：{p5}–{p95}）。",
        "Threshold {threshold}, deadline {deadline}, source {clause}. Probability attained by the "
        "deadline {p}; median value at the deadline {p50} (P5–P95: {p5}–{p95}).",
    ),
    "attained_median": (
        "在达成目标的模拟中，首次达成时间的中位数为 {month}。",
        "Among replications that attain it, the median month first attained is {month}.",
    ),
    "set_by_input": ("由输入设定", "set by input"),
    "full_stop": ("。", "."),
    "not_moved": ("情景中没有政策工具影响该目标", "No instrument in the scenario moves this target"),
    "target_sentence_input": (
        "{target}（{clause}）：由输入设定，不是预测；到 {deadline} 的数值为 {p50}（目标 {threshold}）。",
        "{target} ({clause}): set by input, not a forecast; its value by {deadline} is {p50} (target {threshold}).",
    ),
    "never_attained": ("在任何一次模拟中均未达成。", "It is not attained in any replication."),
    "target_yearly_heading": ("各年末指标值", "Metric at each year end"),
    "col_p5": ("P5", "P5"),
    "col_p50": ("中位数", "Median"),
    "col_p95": ("P95", "P95"),
    "cap_target_yearly": (
        "各年末指标值在 {reps} 次重复模拟中的第5百分位、中位数与第95百分位。",
        "P5, median and P95 across {reps} replications of the metric at each year end.",
    ),
    # appendix
    "appendix_heading": ("附录：输入参数及其来源", "Appendix: inputs and their sources"),
    "col_path": ("参数", "Input"),
    "col_value": ("取值", "Value"),
    "col_source_kind": ("来源类型", "Kind"),
    "col_source": ("来源", "Source"),
    "col_rationale": ("说明", "Rationale"),
    "cap_appendix": (
        "本表列出情景的全部输入及其来源。来源类型为“假设”的数值并非政策事实，宜作为敏感性分析的对象。",
        "Every input of the scenario with its source. Values of kind 'assumption' are not policy "
        "facts and are the natural subjects of a sensitivity analysis.",
    ),
    "no_inputs": ("结果目录未记录输入参数。", "The result store records no inputs."),
    "kind_clause": ("政策条款", "policy clause"),
    "kind_params": ("参数文件", "parameter file"),
    "kind_reported": ("公开数据", "reported figure"),
    "kind_assumption": ("假设", "assumption"),
    "kind_fitted": ("拟合估计", "fitted"),
    "kind_setting": ("模拟设定", "run setting"),
    # levels
    "level_province": ("省级", "Province"),
    "level_city": ("市级", "City"),
    "level_county": ("县级", "County"),
    "level_district": ("区级", "District"),
    "level_zone": ("园区", "Zone"),
    "level_off_budget": ("非预算资金（国有企业等出资）", "Non-budget money (state-owned group and other owners)"),
    # compare
    "compare_heading": ("情景并列比较", "Side-by-side comparison"),
    "runs_heading": ("参与比较的情景", "Scenarios compared"),
    "col_measure": ("指标", "Measure"),
    "row_p_attained": ("达成概率：{target}", "P(attained): {target}"),
    "row_drawn": ("累计拨付中位数（{unit}）：{fund}", "Median draw ({unit}): {fund}"),
    "row_exhausted": ("出现缺口概率：{fund}", "P(runs short): {fund}"),
    "row_reps": ("重复模拟次数", "Replications"),
    "row_horizon": ("模拟期", "Horizon"),
    "cap_compare": (
        "每列为一个情景（或城市）；“—”表示该情景不含此项。各项定义同各情景的结论摘要：达成概率为截止日达到目标值的模拟所占比例，"
        "累计拨付为模拟期内拨付总额的中位数，出现缺口概率为出现无法足额支付已批准申请的模拟所占比例。",
        "One column per scenario (or city); '—' means the scenario has no such item. Definitions "
        "as in each scenario's summary: P(attained) is the share of replications at or above the "
        "threshold at the deadline, the draw is the median total over the horizon, P(runs short) is "
        "the share of replications in which an approved claim could not be paid in full.",
    ),
    "compare_chart_title": (
        "各情景目标达成概率",
        "Probability of attaining each target, by scenario",
    ),
    "axis_probability": ("概率", "Probability"),
    "cap_compare_chart": (
        "条形长度为各情景中截止日达到目标值的模拟所占比例。",
        "Bar length: share of each scenario's replications at or above the threshold at the "
        "deadline.",
    ),
    "run_summary_heading": ("{name}", "{name}"),
    # sweep
    "sweep_points": ("设计点数", "Design points"),
    "sweep_method": ("抽样方法", "Design"),
    "reps_per_point": ("每点重复模拟次数", "Replications per point"),
    "factors_heading": ("扫描因素", "Factors swept"),
    "col_factor": ("因素", "Factor"),
    "col_range": ("取值范围", "Range"),
    "col_output": ("输出", "Output"),
    "tornado_heading": ("各因素影响（龙卷风图）", "Effect of each factor (tornado charts)"),
    "tornado_title": ("{output}：各因素的影响", "{output}: effect of each factor"),
    "tornado_low": ("因素取低值（最低20%设计点）", "Factor low (bottom 20% of points)"),
    "tornado_high": ("因素取高值（最高20%设计点）", "Factor high (top 20% of points)"),
    "tornado_base": ("全部设计点平均值", "Mean over all points"),
    "cap_tornado": (
        "条形为该因素取值最低（浅色）或最高（深色）的20%设计点上输出的平均值；竖线为全部设计点的平均值 {base}。因素按影响大小排序。",
        "Bars: mean output over the design points where the factor is in its lowest (light) or "
        "highest (dark) 20%; vertical line: mean over all points, {base}. Factors sorted by "
        "effect.",
    ),
    "sens_heading": ("全局敏感性指标", "Global sensitivity indices"),
    "col_s1": ("一阶指数 S1", "First-order S1"),
    "col_st": ("总效应指数 ST", "Total-order ST"),
    "col_mu_star": ("μ*", "μ*"),
    "col_sigma": ("σ", "σ"),
    "cap_sobol": (
        "Sobol 一阶指数 S1 为该因素单独解释的输出方差比例，总效应指数 ST 还包含其与其他因素的交互作用；± 后为 95% 置信区间半宽。",
        "Sobol first-order index S1: share of the output variance the factor explains alone; "
        "total-order ST adds its interactions with other factors; ± gives the 95% confidence "
        "half-width.",
    ),
    "cap_morris": (
        "Morris 方法：μ* 为基本效应绝对值的均值（影响大小），σ 为基本效应的标准差（反映非线性或交互作用）。",
        "Morris method: μ* is the mean absolute elementary effect (size of the effect), σ its "
        "standard deviation (non-linearity or interactions).",
    ),
    "heatmap_heading": ("两因素热力图", "Two-factor heat map"),
    "heatmap_title": ("{output}", "{output}"),
    "cap_heatmap": (
        "每格为落入该格的设计点上输出的平均值（每个设计点含 {reps} 次重复模拟）；空白格内没有设计点。",
        "Each cell: mean output over the design points falling in it (each point is {reps} "
        "replications); blank cells hold no point.",
    ),
    "boxes_heading": ("情景发现：关键参数区域", "Scenario discovery: critical regions"),
    "box_sentence": (
        "当{conds} 时，{outcome}的概率为 {density}；该区域涵盖了全部此类情形的 {coverage}。",
        "When {conds}, the probability of {outcome} is {density}; this region holds {coverage} "
        "of all such cases.",
    ),
    "cond_below": ("{f}低于 {hi}", "{f} is below {hi}"),
    "cond_above": ("{f}高于 {lo}", "{f} is above {lo}"),
    "cond_between": ("{f}介于 {lo} 与 {hi} 之间", "{f} is between {lo} and {hi}"),
    "cond_join": (" 且 ", " and "),
    "cap_boxes": (
        "概率（密度）为区域内出现该结果的设计点比例；涵盖率（覆盖率）为出现该结果的全部设计点中落入区域的比例。",
        "Probability (density): share of the points inside the region with the outcome; share "
        "of all such cases (coverage): share of all points with the outcome that fall inside it.",
    ),
    "no_boxes": ("扫描结果中没有情景发现区域。", "The sweep holds no scenario-discovery regions."),
    "no_sensitivity": ("扫描结果中没有敏感性指标。", "The sweep holds no sensitivity indices."),
    "out_p_attained": ("目标「{x}」达成概率", "P(target {x} attained)"),
    "out_p_exhausted": ("资金「{x}」出现缺口概率", "P(fund {x} runs short)"),
    "out_drawn": ("资金「{x}」累计拨付中位数", "Median draw of fund {x}"),
    "out_not_attained": ("未达成目标「{x}」", "missing target {x}"),
    "out_attained": ("达成目标「{x}」", "attaining target {x}"),
    "out_exhausted": ("资金「{x}」出现缺口", "fund {x} running short"),
    "out_miss": ("{x}未实现", "{x} not achieved"),
    "out_target_value": ("目标「{x}」截止日数值", "Value of target {x} at the deadline"),
    "out_fund_drawn": ("资金「{x}」累计拨付", "Draw of fund {x}"),
    "out_fund_field": ("资金「{x}」{field}", "Fund {x}: {field}"),
    "stat_suffix": ("（{stat}）", " ({stat})"),
    "stat_mean": ("均值", "mean"),
    "stat_p5": ("P5", "P5"),
    "stat_p50": ("中位数", "median"),
    "stat_p95": ("P95", "P95"),
    "stat_p_attained": ("概率", "probability"),
    "cond_options": ("{f}为 {opts}", "{f} is {opts}"),
    "options_join": ("、", " or "),
    "notes_heading": ("说明", "Notes"),
    "cap_tornado_cat": (
        "分类因素的两端为输出平均值最低和最高的选项（括号内）。",
        " For a categorical factor the two ends are its options with the lowest and highest "
        "mean output (in brackets).",
    ),
    # exports
    "sheet_about": ("说明", "About"),
    "sheet_level": ("按级次年度拨付", "Draw by level"),
    "sheet_fund": ("按资金年度收支", "Fund accounts by year"),
    "sheet_program": ("按项目年度拨付", "Draw by program"),
    "sheet_targets": ("目标达成概率", "Targets"),
    "sheet_exhaustion": ("资金缺口", "Funds running short"),
    "sheet_inputs": ("假设与来源", "Inputs and sources"),
    "col_fund_id": ("资金编号", "Fund ID"),
    "col_target_id": ("目标编号", "Target ID"),
    "col_program_id": ("项目编号", "Program ID"),
    "col_mean": ("均值", "Mean"),
    "col_unit": ("单位", "Unit"),
    "definitions": ("口径说明", "Definitions"),
    "col_arrears_end": ("期末挂账", "Arrears at end"),
    "col_refused_total": ("拒付合计", "Refused, total"),
    "col_item": ("项目", "Item"),
    "col_content": ("内容", "Value"),
    "money_header": ("{label}（万元）", "{label} (CNY 10k)"),
    # command line
    "cli_error": ("错误", "error"),
    "cli_exists": (
        "{path} 已存在；如需覆盖请加 --force",
        "{path} exists; add --force to replace it",
    ),
    "cli_wrote_report": ("已生成报告：{path}", "Report written: {path}"),
    "cli_wrote_export": ("已导出：{path}", "Exported: {path}"),
    "cli_sweep_alone": (
        "参数扫描结果只能单独生成报告（不能与其他目录一起或加 --compare）：{path}",
        "a sweep store makes a report on its own (not with other stores or --compare): {path}",
    ),
    "cli_bad_store": ("无法汇总结果目录 {path}：{err}", "cannot summarise the store {path}: {err}"),
    "cli_not_run": (
        "只能导出单次运行的结果目录：{path}",
        "only a run store can be exported: {path}",
    ),
    "cli_write_failed": ("无法写入 {path}：{err}", "cannot write {path}: {err}"),
    "def_medians": (
        "金额单位为万元；P5、中位数、P95 为各次重复模拟之间的第5百分位、中位数和第95百分位；中位数不可相加。",
        "Amounts in CNY 10k (万元); P5, median and P95 are taken across replications; medians do "
        "not add up.",
    ),
}
