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

// Plain decimal integers only; at most 18 digits always fits a 64-bit int,
// whereas (int) would silently saturate or accept "12abc".
function bm_parse_int(string $key, string $value): int
{
    if (!preg_match('/\A-?[0-9]{1,18}\z/', $value)) {
        bm_usage_error("parameter $key=$value is not a decimal integer (or is out of range)");
    }
    return (int) $value;
}

final class BmParams
{
    /** @param array<string, string> $values */
    public function __construct(private array $values)
    {
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
        } elseif (str_starts_with($key, 'bm.')) {
            bm_usage_error("unknown runner option $key");
        } else {
            $values[$key] = $value;
        }
    }
    $params = new BmParams($values);

    $total = $warmup + $iterations;
    $results = [];
    bm_write("#bm ready\n");
    for ($i = 0; $i < $total; $i++) {
        try {
            $t0 = hrtime(true);
            $result = $run($params);
            $t1 = hrtime(true);
        } catch (Throwable $e) {
            fwrite(STDERR, (string) $e . "\n");
            bm_fatal('workload failed: ' . get_class($e) . ': ' . explode("\n", $e->getMessage(), 2)[0], 1);
        }
        $results[] = $result;
        bm_write("#bm iter $i " . ($i < $warmup ? 'warmup' : 'measured') . ' ' . ($t1 - $t0) . "\n");
        if (!is_string($result)) {
            bm_fatal('run() returned ' . get_debug_type($result) . ', not a string', 1);
        }
        if ($result !== $results[0]) {
            bm_fatal("nondeterministic result at iteration $i", 3);
        }
    }

    $text = $results[0];
    bm_write($text === '' || str_ends_with($text, "\n") ? $text : $text . "\n");
    bm_write("#bm done\n");
}
