"""Schema validation of a merged scenario, with pydantic's errors turned into plain problems.

Each pydantic error becomes one :class:`~simulator.errors.Problem` that names
the file and line of the value (from the merge's origins), the key path as the
user wrote it (union tags skipped), the bad value and the allowed form, with a
"did you mean" for misspelt keys and values.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from typing import Any

import pydantic

from simulator import scenario as sc
from simulator.errors import Problem, TextError, did_you_mean
from simulator.i18n import Msg, Text, did_you_mean_hint, one_of
from simulator.merge import MergeState
from simulator.money import AMOUNT_FORM, RATE_FORM, SHARE_FORM, MoneyFormatError
from simulator.yamlio import KeyPath, dotted

_FIELD_VOCAB: set[str] = set()
for _name in dir(sc):
    _obj = getattr(sc, _name)
    if isinstance(_obj, type) and issubclass(_obj, pydantic.BaseModel):
        for _fname, _finfo in _obj.model_fields.items():
            _FIELD_VOCAB.add(_finfo.alias or _fname)


def _model_at(loc: tuple[Any, ...]) -> type[pydantic.BaseModel] | None:
    """The schema model that validates the mapping at a pydantic error location (None if unclear)."""
    tp: Any = sc.Scenario
    for elem in loc:
        while typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            members = [m for m in typing.get_args(tp) if m is not type(None)]
            tagged = [m for m in members if isinstance(m, type) and issubclass(m, pydantic.BaseModel)
                      and any(elem in typing.get_args(f.annotation) for f in m.model_fields.values())]
            if tagged:  # a union tag in the location picks the member
                tp = tagged[0]
                continue
            if len(members) != 1:
                return None
            tp = members[0]
        if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
            fields = {f.alias or name: f for name, f in tp.model_fields.items()}
            if elem not in fields:
                return None
            tp = fields[elem].annotation
        elif typing.get_origin(tp) in (dict, list):
            tp = typing.get_args(tp)[-1]
        else:
            return None
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = [m for m in typing.get_args(tp) if m is not type(None)]
        tp = members[0] if len(members) == 1 else None
    return tp if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel) else None


def _raw_path(data: Any, loc: tuple[Any, ...]) -> KeyPath:
    """Map a pydantic error location onto the raw tree, skipping union tags."""
    out: list[str | int] = []
    node = data
    for elem in loc:
        if isinstance(node, dict) and str(elem) in node:
            node = node[str(elem)]
            out.append(str(elem))
        elif isinstance(node, list) and isinstance(elem, int) and 0 <= elem < len(node):
            node = node[elem]
            out.append(elem)
        elif elem == "[key]":
            continue  # pydantic's marker for an error in a mapping key: the path already ends at it
        elif isinstance(node, dict) and isinstance(elem, str) and elem not in sc.RULE_KINDS and elem not in (
            "recognition", "construction", "certification", "call", "schedule", "function-after", "function-before"
        ) and not elem.startswith(("tagged-union", "json-or-python", "lax-or-strict", "int", "tuple")):
            out.append(elem)  # a missing or unknown key: keep it in the path
            node = None
        # else: a union tag or an internal step; skip it
    return tuple(out)


def _union_tags(union: Any, key: str) -> tuple[str, ...]:
    """The tags of a discriminated union of models (``kind`` of rules, ``on`` of triggers)."""
    try:
        members = typing.get_args(typing.get_args(union)[0])
        return tuple(t for m in members for t in typing.get_args(m.model_fields[key].annotation))
    except (AttributeError, IndexError, KeyError, TypeError):  # pragma: no cover - schema changed shape
        return ()


_UNION_TAGS: dict[str, tuple[str, ...]] = {"kind": _union_tags(sc.Rule, "kind"), "on": _union_tags(sc.Trigger, "on")}
ID_FORM = Msg("字母、数字、'-' 或 '_'，以字母或数字开头，至多 64 个字符",
              "letters, digits, '-' or '_', starting with a letter or digit, at most 64 characters")


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _plain(kind: str, ctx: dict[str, Any], msg: str) -> tuple[Text, Text | None]:
    """A plain message and expected form for a pydantic error type (the raw text if unknown)."""
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return Msg("不是整数", "not a whole number"), Msg("整数", "a whole number")
    if kind == "finite_number":
        return Msg("不是有限数", "not a finite number"), Msg("有限数（不能是 nan 或 inf）", "a finite number (not nan or inf)")
    if kind in ("float_parsing", "float_type"):
        return Msg("不是数字", "not a number"), Msg("数字", "a number")
    if kind in ("bool_parsing", "bool_type"):
        return Msg("不是 true 或 false", "not true or false"), Msg("true 或 false", "true or false")
    if kind.startswith(("date_", "datetime_")):
        return Msg("不是日期", "not a date"), Msg("日期 YYYY-MM-DD", "a date YYYY-MM-DD")
    bounds = {"greater_than_equal": ("ge", "不得小于", "must be at least"),
              "greater_than": ("gt", "必须大于", "must be greater than"),
              "less_than_equal": ("le", "不得大于", "must be at most"),
              "less_than": ("lt", "必须小于", "must be less than")}
    if kind in bounds and bounds[kind][0] in ctx:
        key, zh, en = bounds[kind]
        return Msg(f"{zh} {_num(ctx[key])}", f"{en} {_num(ctx[key])}"), None
    if kind == "literal_error":
        allowed = str(ctx.get("expected", ""))
        return (Msg("不是允许的取值之一", "not one of the allowed values"),
                Msg(f"以下之一：{allowed.replace(' or ', ', ')}", f"one of {allowed}"))
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return Msg(f"至少需要 {n} 项", f"needs at least {n} item{'s' if n != 1 else ''}"), None
    if kind == "too_long":
        actual, most = ctx.get("actual_length", "?"), ctx.get("max_length", "?")
        return Msg(f"项数过多（{actual}）", f"has too many items ({actual})"), Msg(f"至多 {most} 项", f"at most {most}")
    if kind in ("list_type", "tuple_type"):
        return Msg("不是列表", "not a list"), Msg("列表，如 [a, b]", "a list such as [a, b]")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return Msg("不是映射", "not a mapping"), Msg("key: value 键值对", "key: value pairs")
    if kind == "string_type":
        return Msg("不是文本", "not a text"), Msg("文本", "a text")
    if kind == "string_pattern_mismatch":
        return Msg("不是有效的标识", "not a valid id"), ID_FORM
    if kind == "string_too_short":
        return Msg("不能为空", "must not be empty"), Msg("非空文本", "a non-empty text")
    if kind == "string_too_long":
        most = ctx.get("max_length", "?")
        return Msg("文本过长", "text is too long"), Msg(f"至多 {most} 个字符", f"at most {most} characters")
    return msg, None


def _node_at(data: Any, path: KeyPath) -> Any:
    node = data
    for seg in path:
        if isinstance(node, dict) and str(seg) in node:
            node = node[str(seg)]
        elif isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            node = node[seg]
        else:
            return None
    return node


@dataclass
class _Text:
    """The words of one problem, before it is placed (file, line, key path)."""

    msg: Text
    value: Any
    has_value: bool = True
    expected: Text | None = None
    hint: Text | None = None


def _unknown_key(err: Any, path: KeyPath) -> _Text:
    key = str(path[-1]) if path else "?"
    model = _model_at(tuple(err["loc"][:-1]))
    allowed = sorted((f.alias or n for n, f in model.model_fields.items()) if model else [],
                     key=lambda k: k in ("source", "note"))  # the model's own keys first
    guess = did_you_mean(key, allowed or (_FIELD_VOCAB - {key}))
    return _Text(Msg(f"未知的键 {key!r}", f"unknown key {key!r}"), err.get("input"), has_value=False,
                 expected=one_of(allowed) if allowed else Msg("docs/scenario-language.md 中列出的键",
                                                              "a key listed in docs/scenario-language.md"),
                 hint=did_you_mean_hint(guess))


def _union_tag(err: Any, kind: str) -> _Text:
    ctx = err.get("ctx") or {}
    value: Any = err.get("input")
    disc = str(ctx.get("discriminator", "")).strip("'")
    tags = _UNION_TAGS.get(disc, ())
    expected = one_of(tags if tags else [str(ctx.get("expected_tags", ""))])
    if kind == "union_tag_invalid":
        value = ctx.get("tag", value)
        guess = did_you_mean(str(value), tags)
        tag = disc or "kind"
        return _Text(Msg(f"未知的 `{tag}:` 取值", f"unknown `{tag}:` value"), value, expected=expected,
                     hint=did_you_mean_hint(guess))
    keys = value if isinstance(value, dict) else {}
    near = [str(k) for k in keys if disc and did_you_mean(str(k), [disc])]
    return _Text(Msg(f"缺少 `{disc}:` 键", f"missing `{disc}:` key") if disc else
                 Msg("需要 `kind:`/`on:` 键", "needs a `kind:`/`on:` key"), value, expected=expected,
                 hint=Msg(f"是否应为 {disc!r} 而不是 {near[0]!r}？", f"did you mean {disc!r} instead of {near[0]!r}?")
                 if near else None)


def _value_problem(err: Any, kind: str, path: KeyPath) -> _Text:
    ctx = err.get("ctx") or {}
    cause = ctx.get("error")
    msg = str(err["msg"])
    text = _Text(msg, err.get("input"))
    if isinstance(cause, MoneyFormatError):
        expected = cause.expected
        text.msg = (Msg("比例有误", "bad share") if expected.startswith(SHARE_FORM.en) else
                    Msg("费率有误", "bad rate") if expected.startswith(RATE_FORM.en) else
                    Msg("金额有误", "bad amount") if expected.startswith(AMOUNT_FORM.en) else
                    Msg("配比有误", "bad ratio") if "ratio" in expected else Msg("取值有误", "bad value"))
        text.expected = cause.expected_text
        text.value = cause.value
        text.hint = did_you_mean_hint(cause.suggestion)
    elif isinstance(cause, TextError):
        text.msg = cause.msg
        if "(got " in cause.msg.en:
            text.has_value = False
    elif msg.startswith("Value error, "):
        text.msg = msg[len("Value error, "):]
        if "(got " in text.msg:
            text.has_value = False
    elif err["loc"] and err["loc"][-1] == "[key]":
        plain, text.expected = _plain(kind, ctx, msg)
        text.msg = Msg("键有误：", "bad key: ") + plain
        text.value = path[-1] if path else text.value
    else:
        text.msg, text.expected = _plain(kind, ctx, msg)
        if kind == "literal_error":
            guess = did_you_mean(str(text.value), re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
            text.hint = did_you_mean_hint(guess)
    return text


def _text_of(err: Any, path: KeyPath) -> _Text:
    """The plain words for one pydantic error."""
    kind = err["type"]
    if kind == "extra_forbidden":
        return _unknown_key(err, path)
    if kind == "missing":
        return _Text(Msg("缺少必需的键", "missing required key"), err.get("input"), has_value=False)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _union_tag(err, kind)
    return _value_problem(err, kind, path)


def validate(state: MergeState, problems: list[Problem]) -> sc.Scenario | None:
    """The typed scenario of the merged tree, or None with one problem per schema error."""
    try:
        return sc.Scenario.model_validate(state.data)
    except pydantic.ValidationError as exc:
        seen: set[tuple[KeyPath, Text]] = set()
        for err in exc.errors(include_url=False):
            path = _raw_path(state.data, err["loc"])
            text = _text_of(err, path)
            if isinstance(text.value, dict | list):
                text.has_value = text.has_value and len(repr(text.value)) < 80
            sig = (path, text.msg)
            if sig in seen:
                continue
            seen.add(sig)
            file, line = state.line(path)
            node = _node_at(state.data, path)
            if err["type"] == "value_error" and isinstance(node, dict):
                # A check across keys (end after start, high above low): point at the first key it names.
                named = [w for w in re.findall(r"[A-Za-z_]+", str(text.msg)) if w in node]
                if named:
                    file, line = state.line((*path, named[0]))
            problems.append(Problem(text.msg, file=file, line=line, path=dotted(path) or None, value=text.value,
                                    has_value=text.has_value, expected=text.expected, hint=text.hint))
        return None
