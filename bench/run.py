"""Every benchmark, one JSON object per line: `.venv/bin/python bench/run.py --rows N [--only NAME ...]`.

assignment: bench/assignment.py (its own size, --assignment-rows applications × 200 experts).
workbook: the statistics workbook against the bare GROUP BY queries; pandas: the workbook against pandas
(read_sql, pivot_table, to_excel); export: the raw streaming export against DataFrame.to_excel and the csv module.
The statistics benchmarks load --rows generated applications into a fresh database (SQLite in a temporary
folder, or PostgreSQL when DATABASE_URL is set); each measured function runs in a 'spawn' child process.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
NAMES = ("assignment", "workbook", "pandas", "export")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="generated applications for the statistics")
    parser.add_argument("--only", action="append", choices=NAMES, help="run only these (repeatable)")
    parser.add_argument("--assignment-rows", type=int, default=5000, help="applications for the assignment bench")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    only = set(args.only or NAMES)
    if "assignment" in only:
        command = [sys.executable, str(HERE / "assignment.py"), "--rows", str(args.assignment_rows),
                   "--seed", str(args.seed)]
        done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603 -- our own script
        print(done.stdout.strip(), flush=True)
    if only - {"assignment"}:
        import stats_bench

        stats_bench.run(args.rows, only, args.seed, report=lambda found: print(json.dumps(found), flush=True))


if __name__ == "__main__":
    main()
