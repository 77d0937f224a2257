"""Small message catalogue for the command line (Chinese by default, English on request)."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]

LEVELS: dict[str, dict[str, str]] = {
    "province": {"zh": "省", "en": "province"},
    "city": {"zh": "市", "en": "city"},
    "county": {"zh": "县", "en": "county"},
    "district": {"zh": "区", "en": "district"},
    "zone": {"zh": "园区", "en": "zone"},
}

MESSAGES: dict[str, dict[str, str]] = {
    "valid": {"zh": "有效", "en": "valid"},
    "invalid": {"zh": "无效", "en": "invalid"},
    "problems": {"zh": "发现 {n} 个问题", "en": "{n} problem(s) found"},
    "bad_files": {"zh": "{n} 个文件无效（共 {total} 个）", "en": "{n} of {total} file(s) invalid"},
    "all_valid": {"zh": "全部 {n} 个文件有效", "en": "all {n} file(s) valid"},
    "program": {"zh": "项目", "en": "program"},
    "rule_trace": {"zh": "计算过程", "en": "rule trace"},
    "total": {"zh": "合计", "en": "total"},
    "by_level": {"zh": "按出资层级", "en": "by funding level"},
    "by_fund": {"zh": "按资金", "en": "by fund"},
    "claim": {"zh": "申请情况", "en": "claim"},
    "value": {"zh": "取值", "en": "value"},
    "source": {"zh": "来源", "en": "source"},
    "chain": {"zh": "形成过程", "en": "how it was set"},
    "error": {"zh": "错误", "en": "error"},
    "internal_error": {"zh": "内部错误（这是 fiscalsim 的缺陷，请报告）：{error}；完整记录已保存到 {where}",
                       "en": "internal error (a bug in fiscalsim, please report it): {error}; full trace saved to {where}"},
}


def t(key: str, lang: Lang, **kw: object) -> str:
    """Translate a message key."""
    return MESSAGES[key][lang].format(**kw)


def level_name(level: str, lang: Lang) -> str:
    """Display name of a funding level."""
    return LEVELS.get(level, {}).get(lang, level)
