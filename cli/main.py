"""Entry point of the `glovego` command: one Typer app, one module per command."""

from __future__ import annotations

import typer

from glovego_cli.usage import OneLineGroup
from glovego_data import __version__

app = typer.Typer(
    name="glovego",
    cls=OneLineGroup,
    no_args_is_help=True,
    rich_markup_mode="rich",
    add_completion=False,
    help="GlovEgo: industrial egocentric hand-object interaction data and models.",
    epilog=(
        "The chain: solo2coco → augment-gloves → split → train → eval / infer.  "
        "Try it on the bundled sample: glovego demo"
    ),
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"glovego {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """GlovEgo: from a Unity SOLO export and real frames to a trained, evaluated EHOI detector."""


def _register_commands() -> None:
    # Each command module adds its command(s) to `app`; heavy libraries are imported inside the commands.
    from glovego_cli import commands

    for module in commands.MODULES:
        module.register(app)


_register_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
