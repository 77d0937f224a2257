"""Click commands ``report`` and ``export`` (registered on the main ``fiscalsim`` group).

Both refuse to replace an existing output unless ``--force`` is given, and
turn a missing or malformed store into one message on stderr and exit
status 2, never a traceback. Without ``--out``, ``report`` writes to
``reports/<store folder name>.pdf`` under the current directory (see
:func:`default_report_path`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

import click

from simulator.i18n import Msg, localized
from simulator.names import printable
from simulator.report.brief import BriefOptions
from simulator.report.export import ExportError
from simulator.report.fmt import Lang
from simulator.report.fonts import FontNotFoundError
from simulator.report.i18n import t
from simulator.report.store import StoreError, store_kind

EXIT_INPUT = 2
"""Exit status for bad input: missing or invalid store, output in the way."""

EXIT_FAILURE = 1
"""Exit status when the report cannot be written for another reason."""

REPORTS_DIR = Path("reports")
"""Where reports go by default, relative to the current directory."""


def default_report_path(dirs: Sequence[Path]) -> Path:
    """The PDF a report of ``dirs`` goes to when no ``--out`` is given.

    Args:
        dirs: the store folders, as given on the command line.

    Returns:
        ``reports/<folder name>.pdf``; for several stores the names joined by ``-vs-``.

    >>> default_report_path([Path("out/liaocheng")])
    PosixPath('reports/liaocheng.pdf')
    >>> default_report_path([Path("out/taian"), Path("out/zibo/")])
    PosixPath('reports/taian-vs-zibo.pdf')
    """
    names = [d.resolve().name or "report" for d in dirs]
    return REPORTS_DIR / ("-vs-".join(names) + ".pdf")


def _msg(key: str, lang: Lang, **kw: Any) -> str:
    return t(f"cli_{key}", lang, **kw)


def _fail(message: str, lang: Lang, code: int = EXIT_INPUT) -> NoReturn:
    click.echo(f"{_msg('error', lang)}: {printable(message, multiline=True)}", err=True)
    raise click.exceptions.Exit(code)


def _lang(ctx: click.Context, lang: str | None) -> Lang:
    """The command's --lang, else the main group's, else Chinese."""
    if lang in ("zh", "en"):
        return cast(Lang, lang)
    root = ctx.find_root().obj
    if isinstance(root, dict) and root.get("lang") in ("zh", "en"):
        return cast(Lang, root["lang"])
    return "zh"


def _guard(lang: Lang, store: Path, build: Callable[[], Path]) -> Path:
    """Run a build, turning store and output problems into clean exits."""
    try:
        return build()
    except StoreError as exc:
        _fail(localized(exc, lang), lang)
    except ExportError as exc:
        _fail(localized(exc, lang), lang)
    except FontNotFoundError as exc:
        _fail(localized(exc, lang), lang, EXIT_FAILURE)
    except PermissionError as exc:
        _fail(
            _msg("write_failed", lang, path=exc.filename or "", err=exc.strerror),
            lang,
            EXIT_FAILURE,
        )
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        # a store that parses but holds values of the wrong shape
        _fail(_msg("bad_store", lang, path=store, err=f"{type(exc).__name__}: {exc}"), lang)


def _make_reports_dir(folder: Path, lang: Lang) -> None:
    """Create the default reports folder, or exit with one message if it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(_msg("write_failed", lang, path=folder, err=exc.strerror or exc), lang)


_XLSX_ONLY_COMPARE = Msg(
    "--xlsx 只用于比较报告（--compare 或多个结果目录）：{path}",
    "--xlsx goes with a comparison report (--compare or several stores): {path}",
)
_XLSX_SUFFIX = Msg(
    "--xlsx {path}：文件名应以 .xlsx 结尾",
    "--xlsx {path}: the file name must end in .xlsx",
)


def _check_xlsx(xlsx: Path, is_compare: bool, force: bool, lang: Lang) -> None:
    """Refuse a workbook path that is misplaced, misnamed or in the way, before any work."""
    if not is_compare:
        _fail(_XLSX_ONLY_COMPARE.format(path=xlsx)(lang), lang)
    if xlsx.suffix.lower() != ".xlsx":
        _fail(_XLSX_SUFFIX.format(path=xlsx)(lang), lang)
    from simulator.paths import check_output_file

    check_output_file(xlsx, force=force, option="--xlsx")


_LANG_HELP = "Language of the output: zh (default) or en / 输出语言（默认中文）."


@click.command(
    "report", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.argument("dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "-o",
    "out",
    default=None,
    type=click.Path(path_type=Path, dir_okay=False),
    help="PDF file to write (default: reports/<store folder name>.pdf) / "
    "输出的 PDF 文件（默认 reports/<结果目录名>.pdf）.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help=_LANG_HELP)
@click.option(
    "--compare",
    is_flag=True,
    help="Side-by-side report of the run stores (implied by several DIRs) / 并列比较.",
)
@click.option(
    "--xlsx",
    "xlsx",
    default=None,
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --compare: also write the comparison tables to this workbook / "
    "比较时另将比较表写入该 Excel 文件.",
)
@click.option(
    "--outlook",
    default="0.8,0.5",
    show_default=True,
    metavar="GREEN,AMBER",
    help="Chances at or above GREEN are green, at or above AMBER amber, below red (the brief) / "
    "简报评估阈值：绿,黄.",
)
@click.option("--force", is_flag=True, help="Replace OUT if it exists / 覆盖已有文件.")
@click.pass_context
def report_command(
    ctx: click.Context,
    dirs: Sequence[Path],
    out: Path | None,
    lang: str | None,
    compare: bool,
    xlsx: Path | None,
    outlook: str,
    force: bool,
) -> None:
    """Write the PDF report of a result store (run or sweep) / 生成 PDF 报告.

    A run store gives the run report; a sweep store gives the sweep report;
    several run stores (or --compare) give a comparison report: the first
    store is the baseline, each other one a variant, and page 1 lists the
    inputs that changed and the difference of every target's and fund's
    figures (--xlsx also writes that table to a workbook). The kind is read
    from each store's manifest.json.

    Without --out the PDF goes to reports/<store folder name>.pdf in the
    current directory (the folder is created if missing).

    \b
    Examples / 示例:
      fiscalsim report out/liaocheng                      # -> reports/liaocheng.pdf
      fiscalsim report out/liaocheng --out out/liaocheng-en.pdf --lang en
      fiscalsim report out/liaocheng out/lc3-100 --compare --xlsx out/compare.xlsx
      fiscalsim report out/liaocheng --outlook 0.9,0.6 --force  # stricter green/amber
      fiscalsim report out/taian out/zibo --out out/compare.pdf
      fiscalsim report out/sweep-award --out out/sweep.pdf --force
    """
    lg = _lang(ctx, lang)
    options = _outlook(outlook, lg)
    target = default_report_path(dirs) if out is None else out
    if target.exists() and not force:
        _fail(_msg("exists", lg, path=target), lg)
    kinds: list[str] = []
    for d in dirs:
        try:
            kinds.append(store_kind(d))
        except StoreError as exc:
            _fail(localized(exc, lg), lg)
    if "sweep" in kinds and (len(dirs) > 1 or compare):
        _fail(_msg("sweep_alone", lg, path=dirs[kinds.index("sweep")]), lg)
    is_compare = compare or len(dirs) > 1
    if xlsx is not None:
        _check_xlsx(xlsx, is_compare, force, lg)
    if out is None:
        _make_reports_dir(target.parent, lg)
    if "sweep" in kinds:
        from simulator.report.sweep import build_sweep_report

        written = _guard(lg, dirs[0], lambda: build_sweep_report(dirs[0], target, lg))
    elif is_compare:
        from simulator.report.compare import build_compare_report

        written = _guard(lg, dirs[0], lambda: build_compare_report(list(dirs), target, lg, xlsx))
    else:
        from simulator.report.pdf import build_run_report

        written = _guard(lg, dirs[0], lambda: build_run_report(dirs[0], target, lg, options))
    click.echo(_msg("wrote_report", lg, path=written))
    if xlsx is not None:
        click.echo(_msg("wrote_export", lg, path=xlsx))


def _outlook(text: str, lang: Lang) -> BriefOptions:
    """The brief's outlook thresholds from ``GREEN,AMBER``, or one message and exit status 2."""
    try:
        green, amber = (float(x) for x in text.split(","))
        return BriefOptions(green=green, amber=amber)
    except ValueError:
        _fail(Msg(f"--outlook {text!r}：应为两个 0 到 1 之间的数“绿,黄”，且绿 ≥ 黄，例如 0.8,0.5",
                  f"--outlook {text!r}: expected two numbers GREEN,AMBER between 0 and 1 with GREEN >= AMBER, "
                  "e.g. 0.8,0.5")(lang), lang)


@click.command(
    "export", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.argument("store_dir", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv"]),
    default=None,
    help="xlsx: one workbook, a sheet per table; csv: a folder of UTF-8 (BOM) files. "
    "Default: from the --out suffix (.xlsx, else csv).",
)
@click.option(
    "--out",
    "-o",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Workbook (.xlsx) or folder (csv) to write / 输出文件或文件夹.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help=_LANG_HELP)
@click.option("--force", is_flag=True, help="Replace OUT if it exists / 覆盖已有输出.")
@click.pass_context
def export_command(
    ctx: click.Context, store_dir: Path, fmt: str | None, out: Path, lang: str | None, force: bool
) -> None:
    """Export a run's summary tables to Excel or CSV / 导出汇总表.

    Tables: yearly draw by funding level, by fund and by program; target
    probabilities; fund exhaustion; inputs with their sources. Money is in
    万元 (the unit is in each header).

    \b
    Examples / 示例:
      fiscalsim export out/liaocheng --out out/liaocheng.xlsx
      fiscalsim export out/liaocheng --format csv --out out/liaocheng-csv --lang en
    """
    from simulator.paths import check_output_dir, check_output_file

    lg = _lang(ctx, lang)
    chosen = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    if out.exists() and not force:
        _fail(_msg("exists", lg, path=out), lg)
    if chosen == "xlsx":
        check_output_file(out, force=True)
    else:
        check_output_dir(out)
    try:
        kind = store_kind(store_dir)
    except StoreError as exc:
        _fail(localized(exc, lg), lg)
    if kind != "run":
        _fail(_msg("not_run", lg, path=store_dir), lg)
    from simulator.report.export import export_store

    written = _guard(lg, store_dir, lambda: export_store(store_dir, chosen, out, lg))
    click.echo(_msg("wrote_export", lg, path=written))


COMMANDS: tuple[click.Command, ...] = (report_command, export_command)
"""The commands to add to the main group: ``for c in COMMANDS: main.add_command(c)``."""


def register(group: click.Group) -> None:
    """Add ``report`` and ``export`` to a click group.

    Args:
        group: the main ``fiscalsim`` group.
    """
    for command in COMMANDS:
        group.add_command(command)
