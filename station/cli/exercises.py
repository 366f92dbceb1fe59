"""``station exercises``: what can be played and scored."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command(
        "exercises",
        help="List the exercises with what they consume (hand, pose, grip, balance), their settings "
        "and the version of their scoring definitions.\n\n"
        "Example: station exercises --settings",
    )
    def list_exercises(
        settings: bool = typer.Option(False, "--settings", help="Also show each exercise's settings with defaults."),
    ) -> None:
        from rich.console import Console
        from rich.table import Table

        import exercises

        table = Table(title="Exercises (use the name with --exercise)")
        table.add_column("name")
        table.add_column("title")
        table.add_column("inputs")
        table.add_column("definitions")
        if settings:
            table.add_column("settings (default)")
        for name in exercises.names():
            cls = exercises.get(name)
            row = [name, cls.title, ", ".join(cls.inputs), f"v{cls.definitions_version}"]
            if settings:
                row.append("; ".join(f"{k}={f.default!r}" for k, f in cls.Settings.model_fields.items()))
            table.add_row(*row)
        Console().print(table)
