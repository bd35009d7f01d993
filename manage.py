#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    # Commands are the operator's and take as long as they need (a migration, an ingest of
    # thousands of files): the statement timeout bounds the web's requests, not them.
    if sys.argv[1:2] != ["runserver"]:
        os.environ["STATEMENT_TIMEOUT"] = "0"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
