"""Coverage-guided fuzzing (atheris, on libFuzzer) of the two places where bytes from outside
enter Lumbung: every scale protocol's parser, and the hub's judge of an MQTT message.

Each target runs in its own process for ``--seconds``; a target passes when nothing but the
documented outcomes happened (a parser returns readings, the judge returns a verdict).  Any
other exception is a crash: libFuzzer stops, keeps the input in ``--artifacts`` and the
target's line in the JSON says so.  The last line is one JSON object::

    {"seconds_per_target": 30, "targets": {"parser:and": {"runs": …, "crashed": false}, …},
     "crashes": 0}

Run one target by hand with ``python bench/fuzz.py --run parser:and -- -max_total_time=60``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REGISTRY = {"punten-1": "kdmp-punten"}
TOPICS = (
    "lumbung/v1/kdmp-punten/punten-1/weighing",
    "lumbung/v1/kdmp-punten/punten-1/status",
    "lumbung/v1/kdmp-other/punten-1/weighing",
)


def targets() -> list[str]:
    from edge.drivers.registry import DRIVERS

    return [f"parser:{name}" for name in sorted(DRIVERS)] + ["judge"]


def _parser_target(name: str) -> Any:
    from edge.drivers.registry import make_parser

    def one_input(data: bytes) -> None:
        parser = make_parser(name)
        half = len(data) // 2
        for reading in parser.feed(data[:half]) + parser.feed(data[half:]):
            if reading.weight is not None:
                assert isinstance(reading.grams, int), reading
        assert parser.discarded >= 0

    return one_input


def _judge_target() -> Any:
    from hub.domain.ingest import AcceptedEvent, AcceptedStatus, Ignored, Rejected, judge

    def one_input(data: bytes) -> None:
        topic = TOPICS[data[0] % len(TOPICS)] if data else TOPICS[0]
        verdict = judge(topic, data[1:], REGISTRY)
        assert isinstance(verdict, AcceptedEvent | AcceptedStatus | Ignored | Rejected)
        if isinstance(verdict, Rejected):
            assert verdict.reason

    return one_input


def run_target(target: str, libfuzzer_args: list[str]) -> None:
    """Runs inside the target's own process; libFuzzer exits it."""
    import atheris

    with atheris.instrument_imports(include=["edge", "hub"]):
        import edge.drivers.registry  # noqa: F401
        import hub.domain.ingest  # noqa: F401
    one_input = _judge_target() if target == "judge" else _parser_target(target.split(":")[1])
    atheris.Setup([sys.argv[0], *libfuzzer_args], one_input)
    atheris.Fuzz()


def fuzz(target: str, seconds: int, artifacts: Path) -> dict[str, object]:
    prefix = artifacts / target.replace(":", "-")
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, __file__, "--run", target, "--",
         f"-max_total_time={seconds}", f"-artifact_prefix={prefix}/", "-rss_limit_mb=1024"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    runs = re.findall(r"#(\d+)\s+(?:DONE|pulse|NEW|REDUCE|INITED)", done.stderr)
    crashed = done.returncode != 0
    result: dict[str, object] = {"runs": int(runs[-1]) if runs else 0, "crashed": crashed}
    if crashed:
        result["log"] = done.stderr[-2000:]
        result["inputs"] = sorted(str(p) for p in prefix.iterdir())
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30, help="fuzzing time per target")
    parser.add_argument("--targets", nargs="*", help="default: every parser and the judge")
    parser.add_argument("--artifacts", type=Path, help="where crashing inputs are kept")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.run:
        run_target(args.run, [a for a in rest if a != "--"])
        return 0
    artifacts = args.artifacts or Path(tempfile.mkdtemp(prefix="lumbung-fuzz-"))
    results = {t: fuzz(t, args.seconds, artifacts) for t in args.targets or targets()}
    crashes = sum(1 for r in results.values() if r["crashed"])
    print(json.dumps({"seconds_per_target": args.seconds, "targets": results, "crashes": crashes}))
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
