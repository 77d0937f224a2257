"""What every command of the command line shares: one-line errors, exit codes, the language.

No traceback ever reaches the user: :class:`FiscalsimGroup` turns the project's
own errors into one line and exit status 2, and anything else (a bug) into one
line that says where the full trace was saved, and exit status 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from simulator import __version__
from simulator.errors import InputError
from simulator.i18n import Lang, Msg, localized, t
from simulator.names import printable

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INPUT = 2
BAD_SET_VALUE = Msg("--set 的取值有误", "bad --set value")


def fail(message: str) -> None:
    """Print one message to stderr and exit with status 2."""
    click.echo(printable(message, multiline=True), err=True)
    raise click.exceptions.Exit(EXIT_INPUT)


def input_errors(func: F) -> F:
    """Turn :class:`InputError` into a clear message and exit status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            lang = lang_of(click.get_current_context())
            for problem in exc.problems:
                click.echo(printable(problem.render(lang), multiline=True), err=True)
            raise click.exceptions.Exit(EXIT_INPUT) from None

    return cast(F, wrapper)


def lang_of(ctx: click.Context) -> Lang:
    """The language chosen on the main group."""
    root = ctx.find_root()
    return cast(Lang, (root.obj or {}).get("lang", "zh"))


class FiscalsimGroup(click.Group):
    """The main command group: no traceback ever reaches the user.

    The project's own errors (classes defined in ``simulator``) become one line
    and exit status 2; anything else is a bug: one line that says so and where
    the full trace was saved, and exit status 1.
    """

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, turning exceptions into one line each."""
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if _lang_of_group(ctx) == "en":
                raise
            click.echo(usage_error_zh(exc), err=True)
            raise click.exceptions.Exit(exc.exit_code) from None
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:  # the one place that sees every failure
            if type(exc).__module__.split(".")[0] == "simulator":
                click.echo(_one_line(localized(exc, lang_of(ctx))) or type(exc).__name__, err=True)
                raise click.exceptions.Exit(EXIT_INPUT) from None
            where = save_crash_report(exc)
            lang = lang_of(ctx)
            click.echo(t("internal_error", lang, error=_one_line(f"{type(exc).__name__}: {exc}"), where=where),
                       err=True)
            raise click.exceptions.Exit(1) from None


def _lang_of_group(ctx: click.Context) -> Lang:
    """The language of the main group, also before its callback ran (an unknown command)."""
    root = ctx.find_root()
    lang = (root.obj or {}).get("lang") or root.params.get("lang") or "zh"
    return cast(Lang, lang)


def usage_error_zh(exc: click.UsageError) -> str:
    """A command-line usage error (click's) in Chinese: the error first, then usage and where help is.

    Args:
        exc: The error click raised while reading the command line.

    Returns:
        Three lines: 错误 (what is wrong), 用法 (the command's usage), 帮助 (how to see its help).
    """
    hint = ""
    param = getattr(exc, "param", None)
    if getattr(exc, "param_hint", None) is not None:
        raw = exc.param_hint  # type: ignore[attr-defined]
        hint = raw if isinstance(raw, str) else " / ".join(raw)
    elif param is not None and exc.ctx is not None:
        hint = str(param.get_error_hint(exc.ctx))
    close = getattr(exc, "possibilities", None)
    maybe = f"；是否应为 {'、'.join(close)}？" if close else ""
    if isinstance(exc, click.MissingParameter):
        kind = {"argument": "参数", "option": "选项"}.get(str(exc.param_type or getattr(param, "param_type_name", "")), "参数")
        what = f"缺少{kind} {hint}".rstrip()
    elif isinstance(exc, click.NoSuchOption):
        what = f"没有选项 {exc.option_name!r}{maybe}"
    elif hasattr(exc, "command_name"):  # click's NoSuchCommand
        what = f"没有命令 {exc.command_name!r}{maybe}"
    elif isinstance(exc, click.BadParameter):
        what = f"{hint} 的取值无效（{exc.message}）"
    else:
        what = f"用法有误（{exc.message}）"
    ctx = exc.ctx
    usage = ctx.get_usage().replace("Usage: ", "用法：", 1) if ctx is not None else ""
    path = ctx.command_path if ctx is not None else "fiscalsim"
    return f"错误：{what}\n{usage}\n帮助：{path} --help"


def _one_line(text: str, limit: int = 500) -> str:
    """The first line of a message, shortened, without control characters."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    first = "".join(ch if ch.isprintable() else "?" for ch in first)
    return first if len(first) <= limit else first[: limit - 1] + "…"


def save_crash_report(exc: BaseException) -> str:
    """Write the full trace of an unexpected error to a file and return its path."""
    import os
    import tempfile
    import time
    import traceback

    text = "".join(traceback.format_exception(exc))
    header = f"fiscalsim {__version__}\ncommand: {' '.join(sys.argv)}\n\n"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fiscalsim"
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    for folder in (base, Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(header + text, encoding="utf-8")
            return str(folder / name)
        except OSError:
            continue
    return "(not saved: no writable folder)"
