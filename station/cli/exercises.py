"""``station exercises`` and ``station backends``: what can be played and scored, and with what (registries)."""

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

    @app.command(
        "backends",
        help="List the tracker backends (for --backend) and the device kinds (for --grip/--balance, devices record/simulate).\n\n"
        "Example: station backends",
    )
    def list_backends() -> None:
        from rich.console import Console
        from rich.table import Table

        from devices.kinds import get_kind, kind_names
        from vision.trackers import backends

        table = Table(title="Tracker backends (use the name with --backend)")
        table.add_column("backend")
        table.add_column("kinds")
        for name, kinds in sorted(backends().items()):
            table.add_row(name, ", ".join(kinds))
        Console().print(table)
        dev = Table(title="Device kinds")
        for col in ("kind", "channels", "simulator profiles", "description"):
            dev.add_column(col)
        for name in kind_names():
            k = get_kind(name)
            dev.add_row(name, ", ".join(f"{c} ({u})" for c, u in zip(k.channels, k.units, strict=True)), ", ".join(k.sim_profiles),
                        k.description)
        Console().print(dev)
