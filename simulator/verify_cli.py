"""The ``verify`` command: check that a run or sweep store is whole before anyone reads it.

The main ``fiscalsim`` group registers it with ``main.add_command(verify_command)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from simulator.i18n import Lang
from simulator.sweep.verify import check_store

EXIT_INPUT = 2
"""Exit status of a store that fails verification."""


@click.command("verify")
@click.argument("store", metavar="STORE", type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the messages: zh (default) or en / 输出语言.")
@click.pass_context
def verify_command(ctx: click.Context, store: Path, lang: str | None) -> None:
    """Verify a result store (run or sweep) / 核验结果库.

    A run store is whole when its manifest says complete, every part file has
    the recorded size, sha256 and rows, no part is unlisted, each table covers
    every replication exactly once, and summary.json agrees with the manifest.
    A sweep store is whole when its last run completed and every design
    point's file matches its record. Prints "OK: ..." with the counts and
    exits 0, or prints each problem and exits 2.

    \b
    Examples / 示例:
      fiscalsim verify out/liaocheng
      fiscalsim --lang en verify out/sweep-award
    """
    root = ctx.find_root().obj
    chosen = lang or (root.get("lang") if isinstance(root, dict) else None) or "zh"
    result = check_store(store, cast(Lang, chosen))
    if result.problems:
        for line in result.problems:
            click.echo(line, err=True)
        raise click.exceptions.Exit(EXIT_INPUT)
    click.echo(result.ok_line())
