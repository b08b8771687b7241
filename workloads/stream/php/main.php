<?php
// stream workload for the PHP CLI: a toy decoder that emits every token as a server-sent event,
// flushed one by one or buffered until the end (see workloads/stream/README.md).

declare(strict_types=1);

require __DIR__ . '/runner.php';

const MODULUS = 2147483647;
const MULTIPLIER = 48271;

/**
 * The read-only model, built once per process: [seed, vocab, dim, words, W, E, h0, decode state].
 * W and E are arrays of vocab rows of dim floats.
 */
function stream_model(int $seed, int $vocab, int $dim): array
{
    static $model = null;
    if ($model !== null && $model[0] === $seed && $model[1] === $vocab && $model[2] === $dim) {
        return $model;
    }
    // PHP ints are 64-bit and state * 48271 < 2^47, so % is exact. The generator is inlined
    // because a PHP function call per draw would dominate.
    $state = $seed;
    $words = [];
    for ($v = 0; $v < $vocab; $v++) {
        $state = $state * MULTIPLIER % MODULUS;
        $len = 2 + $state % 7;
        $word = '';
        for ($k = 0; $k < $len; $k++) {
            $state = $state * MULTIPLIER % MODULUS;
            $word .= chr(97 + $state % 26);
        }
        $words[] = $word;
    }
    $matrices = [];
    for ($m = 0; $m < 2; $m++) { // W, then E
        $rows = [];
        for ($v = 0; $v < $vocab; $v++) {
            $row = [];
            for ($j = 0; $j < $dim; $j++) {
                $state = $state * MULTIPLIER % MODULUS;
                $row[] = 2.0 * ($state / 2147483647.0) - 1.0;
            }
            $rows[] = $row;
        }
        $matrices[] = $rows;
    }
    $h0 = [];
    for ($j = 0; $j < $dim; $j++) {
        $state = $state * MULTIPLIER % MODULUS;
        $h0[] = 2.0 * ($state / 2147483647.0) - 1.0;
    }
    $model = [$seed, $vocab, $dim, $words, $matrices[0], $matrices[1], $h0, $state];
    return $model;
}

function stream_check_generator(): void
{
    $state = 42;
    foreach ([2027382, 1226992407, 551494037] as $expected) {
        $state = $state * MULTIPLIER % MODULUS;
        if ($state !== $expected) {
            throw new RuntimeException("generator test vector mismatch: expected $expected, got $state");
        }
    }
}

function run(BmParams $params): string
{
    stream_check_generator();
    $seed = $params->int('seed');
    $vocab = $params->int('vocab');
    $dim = $params->int('dim');
    $tokens = $params->int('tokens');
    $mode = $params->str('mode');
    if ($mode !== 'flushed' && $mode !== 'buffered') {
        throw new InvalidArgumentException("parameter mode=$mode must be flushed or buffered");
    }
    if ($seed < 1 || $seed >= MODULUS || $vocab < 1 || $dim < 1 || $tokens < 1) {
        throw new InvalidArgumentException('need 1 <= seed < 2^31-1 and vocab, dim, tokens >= 1');
    }
    $flushed = $mode === 'flushed';
    [, , , $words, $w, $e, $h, $state] = stream_model($seed, $vocab, $dim);

    // $h is a copy of h0 (arrays are values in PHP).
    $checksum = 2166136261;
    $bytes = 0;
    $buffer = '';
    $best = 0;
    for ($i = 0; $i < $tokens; $i++) {
        // logits = W h, each a dot product summed in order j = 0..dim; argmax, ties to the lowest index.
        $best = 0;
        $bestLogit = 0.0;
        foreach ($w as $v => $row) {
            $s = 0.0;
            foreach ($row as $j => $x) {
                $s += $x * $h[$j];
            }
            if ($v === 0 || $s > $bestLogit) {
                $best = $v;
                $bestLogit = $s;
            }
        }

        $event = "data: {\"index\":$i,\"token\":\"{$words[$best]}\"}\n\n";
        $n = strlen($event);
        // checksum < 2^32 and the prime < 2^25: the product fits PHP's 64-bit int; masked to 32 bits.
        for ($k = 0; $k < $n; $k++) {
            $checksum = (($checksum ^ ord($event[$k])) * 16777619) & 0xFFFFFFFF;
        }
        $bytes += $n;
        if ($flushed) {
            fwrite(STDOUT, $event);
            fflush(STDOUT);
        } else {
            // Appending to a string held only here grows it in place (amortised O(1)).
            $buffer .= $event;
        }

        $emb = $e[$best];
        for ($j = 0; $j < $dim; $j++) {
            $state = $state * MULTIPLIER % MODULUS;
            $h[$j] = 0.5 * (($h[$j] + $emb[$j]) + ($state / 2147483647.0 - 0.5));
        }
    }
    if (!$flushed) {
        fwrite(STDOUT, $buffer);
        fflush(STDOUT);
    }
    return "tokens $tokens\nbytes $bytes\nchecksum $checksum\nlast {$words[$best]}\n";
}

bm_main('run');
