"""python -m bench: the search and ingest benchmark against the database DATABASE_URL names.

See bench/README.md.
"""

import argparse
import os
import sys
from pathlib import Path

import django


def main() -> None:
    arguments = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    arguments.add_argument("--repeat", type=int, default=20, help="timed runs of each search")
    arguments.add_argument(
        "--synth-batch",
        type=int,
        default=2_000,
        help="utterances of synthetic transcripts to time ingest on (0: samples only)",
    )
    arguments.add_argument("--ingest-runs", type=int, default=3)
    arguments.add_argument(
        "--command-batch",
        type=int,
        default=20_000,
        help="utterances of synthetic files to time `manage.py ingest` on (0: not timed)",
    )
    arguments.add_argument("--workers", type=int, default=2, help="for `manage.py ingest`")
    arguments.add_argument(
        "--rebuild-index",
        action="store_true",
        help="make the search index anew first, timed (a million utterances: minutes)",
    )
    arguments.add_argument(
        "--json", type=Path, help="where to write the results (default: bench/results/NAME.json)"
    )
    arguments.add_argument(
        "--build-real",
        type=int,
        nargs="?",
        const=1_000_000,
        metavar="N",
        help="instead of benchmarking, build the archive to benchmark: the whole shared corpus, "
        "ingested as a user would, topped up with synthetic turns learned from it to N "
        "utterances (default a million); in a new, migrated and seeded database",
    )
    arguments.add_argument(
        "--data-only",
        action="store_true",
        help="only the data's ways out: /api/search at page_size=100, trends, exports",
    )
    arguments.add_argument(
        "--no-exports", action="store_true", help="without the exports (every match, streamed)"
    )
    options = arguments.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    # It builds archives of a million utterances, as a command does: no statement timeout.
    os.environ["STATEMENT_TIMEOUT"] = "0"
    django.setup()
    if options.build_real:
        import json

        from bench.real import build

        print(json.dumps(build(options.build_real, options.workers), indent=1))
        return
    from django.db import connection

    from bench.data import data_table, run_data
    from bench.run import run, table, write

    if options.data_only:
        result = {"database": connection.settings_dict["NAME"]}
    else:
        result = run(
            options.repeat,
            options.synth_batch,
            options.ingest_runs,
            options.command_batch,
            options.workers,
            options.rebuild_index,
        )
    result["data"] = run_data(options.repeat, exports_=not options.no_exports)
    suffix = "-data" if options.data_only else ""
    path = options.json or Path(__file__).parent / "results" / f"{result['database']}{suffix}.json"
    write(result, path)
    if not options.data_only:
        print(table(result))
    print(data_table(result["data"]))
    print(f"\nWritten to {path}")


if __name__ == "__main__":
    main()
