"""``station db``: maintenance of the station database (re-packing streams stored the old way).

Example: ``station db repack --dry-run`` says how big the old rows are and how big their blocks
would be, writing nothing; ``station db repack`` converts them (resumable: run it again after an
interruption and it carries on).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from station.storage.streams import RepackReport

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Database maintenance.\n\nExample: station db repack --dry-run", no_args_is_help=True)
    app.add_typer(db_app, name="db")

    @db_app.command("repack", help="Re-pack sensor samples and landmarks stored one row each (databases from before "
                    "stream blocks) into compressed blocks, in batches: each batch is one transaction, so an interrupted "
                    "re-pack resumes where it stopped. --dry-run writes nothing and reports the size before and after.\n\n"
                    "Example: station db repack --dry-run")
    def repack(
        dry_run: bool = typer.Option(False, "--dry-run", help="Only report what the re-pack would do."),
        batch_rows: int = typer.Option(50_000, "--batch-rows", min=1, help="Rows per batch (one transaction each)."),
        vacuum: bool = typer.Option(False, "--vacuum", help="Afterwards give the freed space back to the file system (SQLite VACUUM; needs free space as large as the database)."),
        db: str | None = typer.Option(None, "--db", help="Database URL (default: the station's SQLite database)."),
    ) -> None:
        from sqlalchemy import text

        from station.paths import default_db_url
        from station.storage import open_database
        from station.storage.streams import repack as do_repack

        database = open_database(db or default_db_url(), repack=False)
        try:
            def progress(r: RepackReport) -> None:
                print(f"  re-packed {r.sample_rows:,} samples, {r.landmark_rows:,} observations", flush=True)

            rep = do_repack(database, dry_run=dry_run, batch_rows=batch_rows, progress=None if dry_run else progress)
            what = "would re-pack" if dry_run else "re-packed"
            ratio = f" ({rep.old_bytes / rep.new_bytes:.1f}x smaller)" if rep.new_bytes else ""
            print(f"{what} {rep.sample_rows:,} samples and {rep.landmark_rows:,} landmark observations into {rep.blocks:,} blocks: "
                  f"stream data {rep.old_bytes / 1e6:.1f} MB before, {rep.new_bytes / 1e6:.1f} MB after{ratio}; {rep.seconds:.1f} s")
            if vacuum and not dry_run:
                with database.engine.connect() as c:
                    c.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM"))
                print("vacuumed")
        finally:
            database.dispose()
