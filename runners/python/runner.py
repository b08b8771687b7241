# benchmatrix runner for CPython: speaks runners/PROTOCOL.md around a workload's run(params).
# Start-up is part of what is measured, so the runner imports only built-in modules (sys and
# time are compiled into the interpreter); traceback is imported only when a workload fails.
import sys
import time


def _usage_error(message):
    sys.stderr.write(f"bm: {message}\n")
    sys.stderr.flush()
    # sys.exit, not os._exit, so whatever is already in the stdout buffer still gets out.
    sys.exit(2)


def _is_decimal(value):
    # Only plain ASCII decimal integers, an optional "-" and 1 to 19 digits: int() alone
    # would also accept "1_000", " 7", "+3" and non-ASCII digits. At most 19 digits: the
    # range check below then never meets int()'s limit on huge digit strings. (By hand, not
    # with a regular expression: importing re costs more than the rest of the runner.)
    digits = value[1:] if value.startswith("-") else value
    return 1 <= len(digits) <= 19 and digits.isascii() and digits.isdigit()


def _parse_int(key, value):
    if not _is_decimal(value):
        _usage_error(f"parameter {key}={value} is not a 64-bit decimal integer")
    n = int(value)
    # Same range as the other runners' 64-bit integers, so an absurd value fails
    # fast instead of running for ever.
    if not -(1 << 63) <= n < (1 << 63):
        _usage_error(f"parameter {key}={value} is out of range")
    return n


class Params:
    __slots__ = ("_values", "_iteration")

    def __init__(self, values):
        self._values = values
        self._iteration = 0

    @property
    def iteration(self):
        """The index of the current iteration, 0-based, warm-ups included; with
        bm.cycle=D the unit is iteration % D. Set by the runner before each iteration."""
        return self._iteration

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
    cycle = 1
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
        elif key == "bm.cycle":
            cycle = _parse_int(key, value)
            if cycle < 1:
                _usage_error("bm.cycle must be >= 1")
        elif key.startswith("bm."):
            _usage_error(f"unknown runner option {key}")
        else:
            values[key] = value
    total = warmup + iterations
    if cycle > total:
        _usage_error(f"bm.cycle={cycle} is more than bm.warmup + bm.iterations = {total}")
    params = Params(values)

    out = sys.stdout
    clock = time.perf_counter_ns
    # The results of iterations 0..cycle; every later one is compared with the one a cycle
    # before, which (by induction) equals units[i % cycle]. Only `cycle` results are kept.
    units = []
    out.write("#bm ready\n")
    out.flush()
    for i in range(total):
        params._iteration = i
        try:
            t0 = clock()
            result = run(params)
            t1 = clock()
        except SystemExit:
            raise
        except BaseException as e:
            import traceback

            traceback.print_exc()
            first_line = (str(e).splitlines() or [""])[0]
            _fatal(out, f"workload failed: {type(e).__name__}: {first_line}", 1)
        out.write(f"#bm iter {i} {'warmup' if i < warmup else 'measured'} {t1 - t0}\n")
        out.flush()
        if not isinstance(result, str):
            _fatal(out, f"run() returned {type(result).__name__}, not a str", 1)
        if i < cycle:
            units.append(result)
        elif result != units[i % cycle]:
            _fatal(out, f"nondeterministic result at iteration {i}", 3)

    for text in units:
        out.write(text if not text or text.endswith("\n") else text + "\n")
    out.write("#bm done\n")
    out.flush()
