<?php
// attention workload for the PHP CLI: one head of scaled dot-product attention (workloads/attention/README.md).

declare(strict_types=1);

require __DIR__ . '/runner.php';

// The head dimension: Q, K and V are [seq, D], row-major (one flat packed array each).
const D = 64;

/** Park-Miller "minimal standard" generator (PHP ints are 64-bit: exact). */
final class Rng
{
    public function __construct(private int $state)
    {
    }

    public function next(): int
    {
        $this->state = $this->state * 48271 % 2147483647;
        return $this->state;
    }

    /** 2u - 1 with u = next() / 2147483647: uniform in (-1, 1). */
    public function symmetric(): float
    {
        return 2.0 * ($this->next() / 2147483647.0) - 1.0;
    }
}

function check_generator(): void
{
    $rng = new Rng(42);
    foreach ([2027382, 1226992407, 551494037] as $expected) {
        $got = $rng->next();
        if ($got !== $expected) {
            throw new RuntimeException("generator test vector mismatch: expected $expected, got $got");
        }
    }
}

/** The read-only inputs, generated once per process (README: "Data"). */
final class Inputs
{
    /** @var list<float> */
    public array $q = [];
    /** @var list<float> */
    public array $k = [];
    /** @var list<float> */
    public array $v = [];

    public function __construct(public int $seed, public int $seq)
    {
        $rng = new Rng($seed);
        $n = $seq * D;
        for ($i = 0; $i < $n; $i++) {
            $this->q[] = $rng->symmetric();
        }
        for ($i = 0; $i < $n; $i++) {
            $this->k[] = $rng->symmetric();
        }
        for ($i = 0; $i < $n; $i++) {
            $this->v[] = $rng->symmetric();
        }
    }
}

/**
 * softmax(Q K^T / sqrt(D)) V, one query row at a time, in the summation orders of the README.
 * @param list<float> $q
 * @param list<float> $k
 * @param list<float> $v
 * @return list<float>
 */
function attention(int $seq, array $q, array $k, array $v): array
{
    $scale = sqrt(D);
    $out = array_fill(0, $seq * D, 0.0);
    $scores = array_fill(0, $seq, 0.0);
    for ($i = 0; $i < $seq; $i++) {
        $qi = $i * D;
        for ($j = 0; $j < $seq; $j++) {
            $kj = $j * D;
            $dot = 0.0;
            for ($d = 0; $d < D; $d++) {
                $dot += $q[$qi + $d] * $k[$kj + $d];
            }
            $scores[$j] = $dot / $scale;
        }
        $max = $scores[0];
        for ($j = 1; $j < $seq; $j++) {
            if ($scores[$j] > $max) {
                $max = $scores[$j];
            }
        }
        $sum = 0.0;
        for ($j = 0; $j < $seq; $j++) {
            $scores[$j] = exp($scores[$j] - $max);
            $sum += $scores[$j];
        }
        // out[i][d] = sum over j (ascending) of p[j] * V[j][d]; each element starts at 0.0.
        for ($j = 0; $j < $seq; $j++) {
            $p = $scores[$j] / $sum;
            $vj = $j * D;
            for ($d = 0; $d < D; $d++) {
                $out[$qi + $d] += $p * $v[$vj + $d];
            }
        }
    }
    return $out;
}

function run(BmParams $params): string
{
    static $inputs = null;
    check_generator();
    $seed = $params->int('seed');
    if ($seed < 1 || $seed >= 2147483647) {
        throw new InvalidArgumentException("seed must be in 1..2147483646, got $seed");
    }
    $seq = $params->int('seq');
    if ($seq < 1 || $seq > 65536) {
        throw new InvalidArgumentException("seq must be in 1..65536, got $seq");
    }
    if ($inputs === null) {
        $inputs = new Inputs($seed, $seq);
    } elseif ($inputs->seed !== $seed || $inputs->seq !== $seq) {
        throw new RuntimeException('the parameters changed within the process');
    }

    $out = attention($seq, $inputs->q, $inputs->k, $inputs->v);

    $sum = 0.0;
    $sumsq = 0.0;
    foreach ($out as $x) {
        $sum += $x;
        $sumsq += $x * $x;
    }
    // sprintf's %.9f rounds the exact binary value like C.
    $text = sprintf("seq %d\nsum %.9f\nsumsq %.9f\n", $seq, $sum, $sumsq);
    foreach ([[0, 0], [intdiv($seq, 2), intdiv(D, 2)], [$seq - 1, D - 1]] as [$r, $c]) {
        $text .= sprintf("out %d %d %.9f\n", $r, $c, $out[$r * D + $c]);
    }
    return $text;
}

bm_main('run');
