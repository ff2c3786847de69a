"""`make bench`: how fast the pipeline is, side by side with a floor and with peers, in one run.

    python -m bench [--files 200] [--rows-per-file 5000] [--peer-files 40] [--history 1,12,60]
                    [--work bench/work] [--out bench/results.json]

Figures are ratios measured in the same process on the same machine, one after the other, so that
a shared, noisy machine moves them together. See README.md, "Benchmark".
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.generate import Scale, start_for, write_inbox, write_twins
from bench.measure import Timer, machine, peak_memory, reset_peak_memory
from bench.report import print_table, targets
from mesa_tumbes.cli.terminal import prepare_environment

ROOT = Path(__file__).resolve().parents[1]
# The noisy case's share of rows that raise a warning (issue #32 measured real months at about 7 %).
NOISY_WARNING_RATE = 0.07


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rows-per-file", type=int, default=5_000)
    parser.add_argument(
        "--peer-files", type=int, default=40, help="files the peers validate (rates compared)"
    )
    parser.add_argument("--history", default="1,12,60", help="months of history for the incremental cost")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # a run's per-file lines would drown the table
    prepare_environment()  # as `mesa run` does: Prefect and GX defaults, before they are imported
    scale = Scale(files=args.files, rows_per_file=args.rows_per_file)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    say(f"Generating {scale.rows:,} rows in {scale.files} files under {args.work} ...")
    inventory, specs = write_inbox(args.work / "inbox", scale)
    twins = write_twins(args.work / "twins", specs, scale)
    results: dict[str, Any] = {"machine": machine(), "scale": asdict(scale), "bytes": inventory.bytes}

    from bench import steps

    say("Cold start: mesa --help and a run over an empty inbox (new processes) ...")
    results["cold_start"] = steps.cold_start(args.work)
    say("Warming up this process (Prefect's local server, imports) with a run over an empty inbox ...")
    steps.empty_run(args.work / "warm")
    say("Pipeline: inbox to warehouse ...")
    reset_peak_memory()
    with Timer() as pipeline:
        outcome = steps.pipeline(args.work / "run", args.work / "inbox")
    results["pipeline"] = {**outcome, "seconds": pipeline.seconds, "peak_memory_bytes": peak_memory()}
    small = Scale(
        files=scale.files * 5, rows_per_file=scale.rows_per_file // 5, first_month=start_for(scale.files * 5)
    )
    say(f"Pipeline: the same number of rows in {small.files} files of {small.rows_per_file:,} rows ...")
    write_inbox(args.work / "inbox_small", small)
    with Timer() as many:
        outcome = steps.pipeline(args.work / "run_small", args.work / "inbox_small")
    results["many_files"] = {**outcome, "seconds": many.seconds, "scale": asdict(small)}
    noisy = dataclasses.replace(scale, warning_rate=NOISY_WARNING_RATE)
    say(
        f"Pipeline: a noisy month, the same number of rows, about {noisy.warning_rate:.0%} of them warned ..."
    )
    write_inbox(args.work / "inbox_noisy", noisy)
    with Timer() as noisy_run:
        outcome = steps.pipeline(args.work / "run_noisy", args.work / "inbox_noisy")
    results["noisy"] = {**outcome, "seconds": noisy_run.seconds, "scale": asdict(noisy)}
    for name in ("pipeline", "many_files", "noisy"):
        planted_only(name, results[name], scale.error_rate)
    say("Nothing new: mesa run over the same inbox (new processes) ...")
    results["cold_start"]["nothing_new_seconds"] = steps.nothing_new(args.work / "run", args.work / "inbox")
    say("Nothing new with both partner sources configured (ActivityInfo, Kobo on loopback) ...")
    results["cold_start"]["nothing_new_sources_seconds"] = steps.nothing_new_with_sources(
        args.work / "sources"
    )
    say("Floor: DuckDB read_csv (python-calamine for workbooks) into one table, no validation ...")
    with Timer() as floor:
        floor_rows = steps.floor(args.work / "floor.duckdb", inventory.files, specs)
    results["floor"] = {"seconds": floor.seconds, "rows": floor_rows}
    sample = twins[: args.peer_files]
    sample_rows = scale.rows_per_file * len(sample)
    results["peers"] = {}
    for name, seconds, invalid in steps.peers(sample):
        say(f"Peer {name}: {sample_rows:,} rows in {seconds:.1f} s")
        results["peers"][name] = {"seconds": seconds, "rows": sample_rows, "invalid_rows": invalid}
    results["incremental"] = {}
    for months in (int(m) for m in args.history.split(",")):
        say(f"Incremental: one new {scale.rows_per_file:,}-row file over {months} months of history ...")
        results["incremental"][str(months)] = steps.incremental(
            args.work / f"history_{months}", months, scale
        )
    results["targets"] = targets(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print_table(results)
    say(f"Written: {args.out}")
    return 0


def planted_only(name: str, outcome: dict[str, Any], error_rate: float) -> None:
    """A run that rejects far more rows than the generator's planted mistakes measures something else
    (future periods, a broken generator): stop rather than print a figure that means nothing."""
    if outcome["rows_rejected"] > 2 * error_rate * outcome["rows_read"]:
        raise SystemExit(
            f"{name}: {outcome['rows_rejected']:,} of {outcome['rows_read']:,} rows rejected, far above the "
            f"{error_rate:.1%} planted mistakes; the figures would not compare like with like."
        )


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
