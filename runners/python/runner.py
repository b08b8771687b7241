# benchmatrix runner for CPython: speaks runners/PROTOCOL.md around a workload's run(params).
import re
import sys
import time
import traceback

# Only plain ASCII decimal integers: int() alone would also accept "1_000",
# " 7", "+3" and non-ASCII digits. At most 19 digits: the range check below
# then never meets int()'s limit on huge digit strings.
_INT_RE = re.compile(r"-?[0-9]{1,19}")


def _usage_error(message):
    sys.stderr.write(f"bm: {message}\n")
    sys.stderr.flush()
    # sys.exit, not os._exit, so whatever is already in the stdout buffer still gets out.
    sys.exit(2)


def _parse_int(key, value):
    if not _INT_RE.fullmatch(value):
        _usage_error(f"parameter {key}={value} is not a 64-bit decimal integer")
    n = int(value)
    # Same range as the other runners' 64-bit integers, so an absurd value fails
    # fast instead of running for ever.
    if not -(1 << 63) <= n < (1 << 63):
        _usage_error(f"parameter {key}={value} is out of range")
    return n


class Params:
    __slots__ = ("_values",)

    def __init__(self, values):
        self._values = values

    def _get(self, key):
        value = self._values.get(key)
        if value is None:
            _usage_error(f"missing parameter {key}")
        return value

    def int(self, key):
        return _parse_int(key, self._get(key))

    def str(self, key):
        return self._get(key)


def _fatal(out, message, status):
    out.write(f"#bm error {message}\n")
    out.flush()
    sys.exit(status)


def main(run):
    values = {}
    warmup = 0
    iterations = 1
    for arg in sys.argv[1:]:
        key, eq, value = arg.partition("=")
        if not eq or not key:
            _usage_error(f'argument "{arg}" is not key=value')
        if key == "bm.warmup":
            warmup = _parse_int(key, value)
            if warmup < 0:
                _usage_error("bm.warmup must be >= 0")
        elif key == "bm.iterations":
            iterations = _parse_int(key, value)
            if iterations < 1:
                _usage_error("bm.iterations must be >= 1")
        elif key.startswith("bm."):
            _usage_error(f"unknown runner option {key}")
        else:
            values[key] = value
    params = Params(values)

    out = sys.stdout
    clock = time.perf_counter_ns
    results = []
    out.write("#bm ready\n")
    out.flush()
    for i in range(warmup + iterations):
        try:
            t0 = clock()
            result = run(params)
            t1 = clock()
        except SystemExit:
            raise
        except BaseException as e:
            traceback.print_exc()
            first_line = (str(e).splitlines() or [""])[0]
            _fatal(out, f"workload failed: {type(e).__name__}: {first_line}", 1)
        results.append(result)
        out.write(f"#bm iter {i} {'warmup' if i < warmup else 'measured'} {t1 - t0}\n")
        out.flush()
        if not isinstance(result, str):
            _fatal(out, f"run() returned {type(result).__name__}, not a str", 1)
        if result != results[0]:
            _fatal(out, f"nondeterministic result at iteration {i}", 3)

    text = results[0]
    out.write(text if not text or text.endswith("\n") else text + "\n")
    out.write("#bm done\n")
    out.flush()
