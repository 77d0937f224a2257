"""Safe YAML reading that remembers where every key came from.

YAML is parsed with PyYAML's safe machinery, but built by hand from the node
tree so that we can:

* record the line of every key path (for error messages and ``explain``);
* refuse duplicate keys (plain PyYAML keeps the last one silently);
* refuse anchors and aliases *before* anything is expanded (an alias bomb
  costs nothing to reject);
* refuse every tag that is not a plain YAML type (``!!python/object`` and
  friends never construct anything);
* refuse nesting deeper than :data:`MAX_DEPTH` before composing (PyYAML's
  composer recurses, so a deeply nested file would otherwise overflow the stack).

This is the project's one YAML reader.  :func:`load_yaml` / :func:`parse_yaml`
read scenario and params files and report problems as
:class:`~simulator.errors.InputError`; :func:`load_text` applies the same checks
to other YAML (sweep specs, ``--set`` values) and raises PyYAML's own marked
errors, with line and column, for the caller to word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simulator.errors import InputError, Problem
from simulator.i18n import Msg, Text

MAX_BYTES = 5_000_000
MAX_DEPTH = 64
UTF8_TEXT = Msg("UTF-8 编码的 YAML 文本文件", "a UTF-8 YAML text file")
YAML_MAPPING = Msg("YAML 映射", "a YAML mapping")
_WHAT_ZH = {"scenario": "情景", "params": "参数", "sweep spec": "扫描规格", "spec": "规格", "observed": "观测数据"}
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}

KeyPath = tuple[str | int, ...]


class ExponentLoader(yaml.SafeLoader):
    """PyYAML's safe loader that also reads ``1e6`` (no dot) as a number, as YAML 1.2 does."""


ExponentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


class Refused(yaml.MarkedYAMLError):
    """Valid YAML this project does not read (an alias, a tag, a duplicate key, deep nesting, a bad scalar).

    It carries the words of the :class:`~simulator.errors.Problem` it becomes in
    :func:`parse_yaml`; through :func:`load_text` it is a PyYAML error like any other.
    """

    def __init__(self, message: Text, mark: Any, path: KeyPath = (), **problem: Any) -> None:
        super().__init__(problem=str(message), problem_mark=mark)
        self.message = message
        self.path = path
        self.fields = problem

    def input_error(self, file: str) -> InputError:
        """The problem for a file, at the line of the mark."""
        line = self.problem_mark.line + 1 if self.problem_mark is not None else None
        return _fail(file, self.message, line=line, path=self.path, **self.fields)


def dotted(path: KeyPath) -> str:
    """Render a key path as ``a.b.0.c``.

    >>> dotted(("programs", "ZB-4", "split", 0, "share"))
    'programs.ZB-4.split.0.share'
    """
    return ".".join(str(p) for p in path)


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML document: plain Python data plus the line of each key path."""

    file: str
    data: Any
    lines: dict[KeyPath, int]

    def line_of(self, path: KeyPath) -> int | None:
        """Line of ``path`` or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)


def _fail(file: str, message: Text, line: int | None = None, path: KeyPath = (), **kw: Any) -> InputError:
    return InputError(Problem(message, file=file, line=line, path=dotted(path) or None, **kw))


def read_text(path: Path, what: str = "scenario") -> str:
    """Read a small UTF-8 text file, refusing directories, binaries and empty files."""
    file = str(path)
    if not path.exists():
        raise _fail(file, Msg(f"找不到{_WHAT_ZH.get(what, what)}文件", f"{what} file not found"))
    if path.is_dir():
        raise _fail(file, Msg(f"是文件夹，不是{_WHAT_ZH.get(what, what)}文件", f"is a directory, not a {what} file"),
                    expected=Msg(".yaml 文件", "a .yaml file"))
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise _fail(file, Msg(f"文件过大（{size} 字节）", f"file is too large ({size} bytes)"),
                    expected=Msg(f"至多 {MAX_BYTES} 字节", f"at most {MAX_BYTES} bytes"))
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise _fail(file, Msg("看起来是二进制文件", "looks like a binary file"), expected=UTF8_TEXT)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(file, Msg(f"不是有效的 UTF-8 文本（第 {exc.start} 字节）", f"is not valid UTF-8 text (byte {exc.start})"),
                    line=line, expected=UTF8_TEXT + Msg("（请另存为 UTF-8）", " (re-save it as UTF-8)")) from None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise _fail(file, Msg(f"{_WHAT_ZH.get(what, what)}文件为空", f"the {what} file is empty"), expected=YAML_MAPPING)
    return text


def parse_yaml(text: str, file: str, *, exponent_floats: bool = False) -> YamlDoc:
    """Parse YAML text into plain data with line numbers; see the module docstring.

    Args:
        text: the YAML text.
        file: the file name that problems name.
        exponent_floats: read ``1e6`` as a number (PyYAML's YAML 1.1 reads it as text).
    """
    loader = ExponentLoader if exponent_floats else yaml.SafeLoader
    try:
        _check_events(text, loader)
    except Refused as exc:
        raise exc.input_error(file) from None
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(file, exc) from None
    except yaml.YAMLError as exc:
        raise _fail(file, Msg(f"YAML 语法错误：{exc}", f"YAML syntax error: {exc}")) from None
    try:
        nodes = list(yaml.compose_all(text, Loader=loader))
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(file, exc) from None
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise _fail(file, Msg("文件为空", "the file is empty"), expected=YAML_MAPPING)
    if len(nodes) > 1:
        raise _fail(file, Msg("包含多个 YAML 文档（---）", "holds several YAML documents (---)"),
                    line=nodes[1].start_mark.line + 1, expected=Msg("恰好一个文档", "exactly one document"))
    root = nodes[0]
    if not isinstance(root, yaml.MappingNode):
        raise _fail(file, Msg("顶层不是映射", "the top level is not a mapping"), line=root.start_mark.line + 1,
                    expected=Msg("顶层为 key: value 键值对", "key: value pairs at the top level"))
    lines: dict[KeyPath, int] = {(): root.start_mark.line + 1}
    try:
        data = _build(root, (), lines, yaml.SafeLoader(""))
    except Refused as exc:
        raise exc.input_error(file) from None
    return YamlDoc(file=file, data=data, lines=lines)


def load_text(text: str, *, exponent_floats: bool = False) -> Any:
    """Parse one YAML document with the checks of :func:`parse_yaml`, into plain data.

    Unlike :func:`parse_yaml` it reads any top level (a mapping, a list, a scalar,
    ``None`` for an empty text) and raises :class:`yaml.YAMLError` (line and column
    in its marks; :class:`Refused` for what the project does not read), for callers
    that word their own messages.

    >>> load_text("a: 1e6\\nb: [x, 2]", exponent_floats=True)
    {'a': 1000000.0, 'b': ['x', 2]}
    """
    loader = ExponentLoader if exponent_floats else yaml.SafeLoader
    _check_events(text, loader)
    root = yaml.compose(text, Loader=loader)
    return None if root is None else _build(root, (), {}, yaml.SafeLoader(""))


def _check_events(text: str, loader: type[yaml.SafeLoader]) -> None:
    """Stream the events; refuse anchors/aliases and deep nesting before composing anything."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise Refused(Msg("不允许使用 YAML 锚点和别名（&name / *name）",
                              "YAML anchors and aliases (&name / *name) are not allowed"), mark,
                          hint=Msg("请直接写出取值，或用 `extends:` 共用基准情景",
                                   "write the value out, or use `extends:` to share a baseline"))
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise Refused(Msg(f"嵌套层数过多（超过 {MAX_DEPTH} 层）", f"nesting is too deep (more than {MAX_DEPTH} levels)"),
                              mark, expected=Msg("情景或参数的树结构", "a scenario or params tree"))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load_yaml(path: Path, what: str = "scenario") -> YamlDoc:
    """Read and parse a YAML file (see :func:`parse_yaml`)."""
    return parse_yaml(read_text(path, what), str(path))


def _yaml_error(file: str, exc: yaml.MarkedYAMLError) -> InputError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = exc.problem or str(exc)
    if "could not determine a constructor" in str(exc):
        tag = str(exc).split("tag")[-1].strip()
        return _fail(file, Msg(f"YAML 语法错误：不支持的 YAML 标签 {tag}", f"YAML syntax error: unsupported YAML tag {tag}"),
                     line=line)
    ctx = exc.context_mark
    if exc.context and ctx is not None and ctx.line + 1 != line:
        # e.g. an unclosed [ or {: the problem shows at the end, the cause is where it opened.
        return _fail(file, Msg(f"YAML 语法错误：{problem}（{exc.context}，始于第 {ctx.line + 1} 行）",
                               f"YAML syntax error: {problem} ({exc.context} that starts at line {ctx.line + 1})"),
                     line=line)
    return _fail(file, Msg(f"YAML 语法错误：{problem}", f"YAML syntax error: {problem}"), line=line)


def _build(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], ctor: yaml.SafeLoader) -> Any:
    """Plain data from a node tree, recording the line of each key path; :class:`Refused` for what is not read."""
    if node.tag not in _PLAIN_TAGS:
        raise Refused(Msg(f"不支持的 YAML 标签 {node.tag!r}", f"unsupported YAML tag {node.tag!r}"), node.start_mark, path,
                      hint=Msg("只读取普通 YAML 取值；对象标签从不构造",
                               "only plain YAML values are read; object tags are never constructed"))
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                raise Refused(Msg("映射的键必须是普通文本", "mapping keys must be plain text"), key_node.start_mark, path)
            # Keys are kept as written: YAML 1.1 would turn `on:` or `no:` into booleans.
            key = str(key_node.value)
            if key in out:
                first = lines[(*path, key)]
                raise Refused(Msg(f"重复的键 {key!r}（首次出现在第 {first} 行）", f"duplicate key {key!r} (first at line {first})"),
                              key_node.start_mark, path, expected=Msg("每个映射中每个键只出现一次", "each key once per mapping"))
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, (*path, key), lines, ctor)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            items.append(_build(item, (*path, i), lines, ctor))
        return items
    try:
        return ctor.construct_object(node)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:
        # A plain scalar that PyYAML resolves but cannot build, e.g. the date 2020-13-01.
        what = "date" if node.tag.endswith(":timestamp") else node.tag.rsplit(":", 1)[-1]
        what_zh = "日期" if what == "date" else what
        raise Refused(Msg(f"不是有效的{what_zh}：{exc}", f"not a valid {what}: {exc}"), node.start_mark, path,
                      value=node.value, has_value=True,
                      expected=Msg("真实存在的日历日期 YYYY-MM-DD", "a real calendar date YYYY-MM-DD") if what == "date"
                      else None) from None
