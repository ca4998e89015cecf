"""Typer's own usage errors (a bad option value, a missing argument) in the one-line red form of
every other GlovEgo error: `<command>: <what is wrong>` and exit status 2 (the shell convention for
a usage error), instead of Typer's boxed panel."""

from __future__ import annotations

import sys
from typing import Any, Sequence

from rich.text import Text
from typer.core import TyperGroup

try:  # typer ≥ 0.2x carries its own click
    from typer._click import exceptions as _click_errors
    from typer.exceptions import Abort
except ImportError:  # older typer runs on the click package
    from click import exceptions as _click_errors
    from click.exceptions import Abort

BadParameter, ClickException = _click_errors.BadParameter, _click_errors.ClickException
NoArgsIsHelpError = getattr(_click_errors, "NoArgsIsHelpError", ())  # click < 8.2 prints the help itself

from glovego_cli.errors import stderr


def _accepted_range(param: Any) -> str | None:
    """`an integer ≥ 1`, `a number in [0, 1]`: what a `min=` / `max=` option accepts."""
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is None and high is None:
        return None
    kind = "an integer" if all(isinstance(v, int) for v in (low, high) if v is not None) else "a number"
    if low is not None and high is not None:
        return f"{kind} in [{low:g}, {high:g}]"
    return f"{kind} ≥ {low:g}" if low is not None else f"{kind} ≤ {high:g}"


def usage_message(error: ClickException) -> str:
    """The error's text, with the accepted range for a value out of an option's range."""
    if isinstance(error, BadParameter) and error.param is not None:
        accepted = _accepted_range(error.param)
        if accepted is not None:
            name = error.param_hint or (error.param.opts[0] if error.param.opts else error.param.name)
            return f"Invalid value for '{name}': must be {accepted}"
    return error.format_message()


class OneLineGroup(TyperGroup):
    """The `glovego` group: runs as Typer does, but prints a usage error as one line."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            status = super().main(args, prog_name, complete_var, False, **extra)
        except NoArgsIsHelpError:  # `glovego` alone, or a group without its command: the help, as usual
            return super().main(args, prog_name, complete_var, True, **extra)
        except ClickException as error:
            command = error.ctx.info_name if getattr(error, "ctx", None) is not None else "glovego"
            stderr.print(Text.assemble((f"{command}: ", "bold red"), usage_message(error)), soft_wrap=True)
            sys.exit(error.exit_code)
        except Abort:
            stderr.print(Text.assemble(("glovego: ", "bold red"), "interrupted"), soft_wrap=True)
            sys.exit(130)
        sys.exit(status if isinstance(status, int) else 0)
