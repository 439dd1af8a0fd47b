"""Validates logged exchanges with the SDK suite's `check_exchange`.

usage: python check_exchange_log.py LOG_DIR [TEST_DIR...]

LOG_DIR holds `*.jsonl` files, one exchange a line, written by tests/sdk/node/exchange-log.mjs
(the Node SDK suite and the Node frameworks suite) or by the frameworks suite's Python conftest,
when OAIMOCK_EXCHANGE_LOG named LOG_DIR. Each exchange is checked exactly as a recorded exchange
of the Python SDK suite is. Prints the number validated and every failure; exits 1 on any
failure, or when a test file (`*.test.mjs`, `test_*.py`) in a TEST_DIR (default: the Node SDK
suite's tests) logged no exchange: it would not load the log, or the recording did not run."""

import base64
import json
import pathlib
import sys

from exchanges import Exchange, check_exchange
from schemas import SPEC

NODE_TESTS = pathlib.Path(__file__).resolve().parents[1] / "node" / "test"


class LoggedExchange(Exchange):
    """One logged exchange, with the attributes check_exchange reads of an `Exchange` (whose
    `content_type` and `request_json` it inherits)."""

    def __init__(self, entry):
        self.source = entry["source"]
        self.method = entry["method"]
        self.path = entry["path"]
        self.request_headers = {k.lower(): v for k, v in entry["request_headers"].items()}
        self.request_body = (entry["request_body"] or "").encode("utf-8")
        self.status = entry["status"]
        self.headers = {k.lower(): v for k, v in entry["headers"].items()}
        if entry["body_b64"] is None:
            # A body that is not JSON or text (audio, images, file bytes): only its length was
            # logged, and its length is all check_exchange checks of it.
            self.body = bytearray(entry["length"])
        else:
            self.body = bytearray(base64.b64decode(entry["body_b64"]))
        self.ending = "" if entry["finished"] and "broken" not in entry else f" (body {entry.get('broken', 'unfinished')})"


def main(directory, test_dirs):
    files = sorted(pathlib.Path(directory).glob("*.jsonl"))
    checked, failures, sources = 0, [], set()
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            exchange = LoggedExchange(json.loads(line))
            sources.add(exchange.source)
            where = f"{exchange.source}: {exchange.method} {exchange.path} -> {exchange.status}{exchange.ending}"
            try:
                check_exchange(exchange)
            except Exception as err:  # noqa: BLE001 - every failure is reported, then the run fails
                failures.append(f"{where}\n    {type(err).__name__}: {err}")
            checked += 1
    for failure in failures:
        print(f"FAILED {failure}")
    if not SPEC.is_file():
        print(f"NOTE: schema validation was skipped because {SPEC} is missing (set OAIMOCK_OPENAPI)")
    tests = [test for d in test_dirs for pattern in ("*.test.mjs", "test_*.py") for test in pathlib.Path(d).glob(pattern)]
    silent = sorted(test.name for test in tests if test.name not in sources)
    for name in silent:
        print(f"FAILED {name} logged no exchange (does it load the exchange log? was OAIMOCK_EXCHANGE_LOG set?)")
    print(f"Exchanges checked by check_exchange: {checked} from {len(sources)} test files, {len(failures)} failed")
    return 1 if failures or silent else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    sys.exit(main(sys.argv[1], sys.argv[2:] or [NODE_TESTS]))
