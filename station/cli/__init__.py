"""The ``station`` command line.

Each module in this package that defines ``register(app)`` adds its commands; modules are found
automatically, so areas (vision, devices, data, UI) add commands without editing a shared file.
Modules must import heavy packages (OpenCV, MediaPipe, Qt) inside their command functions, so
``station --help`` stays fast.

Bad input raises :class:`station.core.InputError`: printed as one line ``error: ...`` with exit code 2.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import sys
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from station import __version__
from station.core import InputError

if TYPE_CHECKING:
    import click
    from typer._click import exceptions as typer_click

app = typer.Typer(
    name="station",
    help="Motor Station: sensor-assisted motor practice for pediatric occupational therapy.\n\n"
    "Example: station demo --headless --seconds 20",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        print(f"motor-station {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages to stderr."),
) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def _register_all() -> None:
    pkg = sys.modules[__name__]
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        reg = getattr(mod, "register", None)
        if callable(reg):
            reg(app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``station`` console script; returns the exit code."""
    # OpenCV's own WARN lines ("can't open camera by index", "findDecoder imread_") would add lines to
    # our one-line errors; its errors still show. Set before cv2 is first imported.
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # FFmpeg's "moov atom not found": we say it in our own words
    cli_error, usage_error, abort = _click_errors()
    try:
        rv = app(args=argv, standalone_mode=False)  # click's errors reach us: one line each, below
        return rv if isinstance(rv, int) else 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except abort:  # Ctrl-C (or end of input) at a prompt
        err_console.print("interrupted", markup=False)
        return 130
    except cli_error as exc:  # unknown command or option, bad or missing value: one line, exit 2
        if type(exc).__name__ == "NoArgsIsHelpError":  # `station` alone, `station sessions`: the help text
            exc.show()
            return int(exc.exit_code)
        ctx = getattr(exc, "ctx", None) if isinstance(exc, usage_error) else None
        hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
        err_console.print(f"error: {exc.format_message()}{hint}", markup=False, highlight=False, soft_wrap=True)
        return int(exc.exit_code)
    except InputError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted", markup=False)
        return 130
    except Exception as exc:
        msg = storage_failure(exc)
        if msg is None:
            raise
        err_console.print(f"error: {msg}", markup=False, highlight=False, soft_wrap=True)
        return 2
    return 0


def _click_errors() -> tuple[type[typer_click.ClickException] | type[click.ClickException],
                             type[typer_click.UsageError] | type[click.UsageError], type[BaseException]]:
    """(click's base exception, its usage error, its abort) as the installed typer raises them: typer
    >= 0.22 vendors click as ``typer._click`` (a separate ``click`` may still be installed, e.g. by
    Dask, and is not the one typer uses); older typer depends on click itself."""
    try:
        from typer._click import exceptions as ce

        return ce.ClickException, ce.UsageError, typer.Abort
    except ImportError:
        import click

        return click.ClickException, click.UsageError, click.exceptions.Abort


def storage_failure(exc: BaseException) -> str | None:
    """One line for a failure to write the station's data (full disk, read-only or failing
    filesystem, database refusing writes) or a damaged database file, or ``None`` for any other
    exception (a real bug keeps its traceback)."""
    import errno
    import json

    from sqlalchemy.exc import DatabaseError, OperationalError

    if isinstance(exc, UnicodeDecodeError | json.JSONDecodeError):  # a damaged value inside an intact file
        return (f"the database is damaged (a stored value cannot be read: {str(exc).splitlines()[0]}); everything else "
                "is untouched (move the file aside or restore a backup; `sqlite3 FILE .recover` can save what is readable)")
    if type(exc) is DatabaseError:  # SQLite: "database disk image is malformed", "file is not a database"
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return (f"the database is damaged ({reason}); everything else is untouched (move the file aside or restore a "
                "backup; `sqlite3 FILE .recover` can save what is readable)")
    if isinstance(exc, OperationalError):
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    elif isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.EACCES):
        reason = f"{exc.strerror}: {exc.filename}" if exc.filename else str(exc.strerror)
    else:
        return None
    return (f"the station could not write its data ({reason}); everything written before is kept, and a session "
            "cut short is marked interrupted at the next start (free disk space or fix the folder's permissions)")


def console_main() -> None:
    """The console script: ``sys.exit(main())``."""
    sys.exit(main())
