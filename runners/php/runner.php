<?php
// benchmatrix runner for the PHP CLI: speaks runners/PROTOCOL.md around a workload's run($params).

declare(strict_types=1);

function bm_usage_error(string $message): never
{
    fwrite(STDERR, "bm: $message\n");
    exit(2);
}

// All output goes through the STDOUT stream (never echo), so protocol lines and
// the result cannot be reordered by an output buffer.
function bm_write(string $text): void
{
    fwrite(STDOUT, $text);
    fflush(STDOUT);
}

function bm_fatal(string $message, int $status): never
{
    bm_write("#bm error $message\n");
    exit($status);
}

// Plain decimal integers only (an optional "-" and 1 to 18 ASCII digits); at most
// 18 digits always fits a 64-bit int, whereas (int) would silently saturate or
// accept "12abc". Checked with strspn rather than preg_match: compiling a regular
// expression would be the runner's largest start-up cost.
function bm_parse_int(string $key, string $value): int
{
    $digits = str_starts_with($value, '-') ? substr($value, 1) : $value;
    $n = strlen($digits);
    if ($n < 1 || $n > 18 || strspn($digits, '0123456789') !== $n) {
        bm_usage_error("parameter $key=$value is not a decimal integer (or is out of range)");
    }
    return (int) $value;
}

final class BmParams
{
    private int $iteration = 0;

    /** @param array<string, string> $values */
    public function __construct(private array $values)
    {
    }

    /** The index of the current iteration, 0-based, warm-ups included; with bm.cycle=D the unit is iteration() % D. */
    public function iteration(): int
    {
        return $this->iteration;
    }

    /** @internal Called by bm_main before each iteration; workloads only read iteration(). */
    public function bmSetIteration(int $iteration): void
    {
        $this->iteration = $iteration;
    }

    public function int(string $key): int
    {
        return bm_parse_int($key, $this->str($key));
    }

    public function str(string $key): string
    {
        if (!array_key_exists($key, $this->values)) {
            bm_usage_error("missing parameter $key");
        }
        return $this->values[$key];
    }
}

function bm_main(callable $run): void
{
    global $argv;

    $values = [];
    $warmup = 0;
    $iterations = 1;
    $cycle = 1;
    foreach (array_slice($argv, 1) as $arg) {
        $eq = strpos($arg, '=');
        if ($eq === false || $eq === 0) {
            bm_usage_error("argument \"$arg\" is not key=value");
        }
        $key = substr($arg, 0, $eq);
        $value = substr($arg, $eq + 1);
        if ($key === 'bm.warmup') {
            $warmup = bm_parse_int($key, $value);
            if ($warmup < 0) {
                bm_usage_error('bm.warmup must be >= 0');
            }
        } elseif ($key === 'bm.iterations') {
            $iterations = bm_parse_int($key, $value);
            if ($iterations < 1) {
                bm_usage_error('bm.iterations must be >= 1');
            }
        } elseif ($key === 'bm.cycle') {
            $cycle = bm_parse_int($key, $value);
            if ($cycle < 1) {
                bm_usage_error('bm.cycle must be >= 1');
            }
        } elseif (str_starts_with($key, 'bm.')) {
            bm_usage_error("unknown runner option $key");
        } else {
            $values[$key] = $value;
        }
    }
    $total = $warmup + $iterations;
    if ($cycle > $total) {
        bm_usage_error("bm.cycle=$cycle is more than bm.warmup + bm.iterations = $total");
    }
    $params = new BmParams($values);

    // The results of iterations 0..cycle; every later one is compared with the one a cycle
    // before, which (by induction) equals $units[$i % $cycle]. Only $cycle results are kept.
    $units = [];
    bm_write("#bm ready\n");
    for ($i = 0; $i < $total; $i++) {
        $params->bmSetIteration($i);
        try {
            $t0 = hrtime(true);
            $result = $run($params);
            $t1 = hrtime(true);
        } catch (Throwable $e) {
            fwrite(STDERR, (string) $e . "\n");
            bm_fatal('workload failed: ' . get_class($e) . ': ' . explode("\n", $e->getMessage(), 2)[0], 1);
        }
        bm_write("#bm iter $i " . ($i < $warmup ? 'warmup' : 'measured') . ' ' . ($t1 - $t0) . "\n");
        if (!is_string($result)) {
            bm_fatal('run() returned ' . get_debug_type($result) . ', not a string', 1);
        }
        if ($i < $cycle) {
            $units[] = $result;
        } elseif ($result !== $units[$i % $cycle]) {
            bm_fatal("nondeterministic result at iteration $i", 3);
        }
    }

    $out = '';
    foreach ($units as $text) {
        $out .= $text === '' || str_ends_with($text, "\n") ? $text : $text . "\n";
    }
    bm_write($out);
    bm_write("#bm done\n");
}
