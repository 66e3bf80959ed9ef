"""The `coproduce` command: the common jobs, plus every Django management command.

coproduce migrate            create or update the database
coproduce demo [--people N]  generate the demo region
coproduce serve [ADDRESS]    serve the site (default 127.0.0.1:8000)
coproduce <command> ...      any Django management command (createsuperuser, shell...)
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        args = ["runserver", *(args[1:] or ["127.0.0.1:8000"]), "--noreload"]
    execute_from_command_line(["coproduce", *args])


if __name__ == "__main__":
    main()
