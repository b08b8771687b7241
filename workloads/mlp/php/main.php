<?php
// mlp workload for the PHP CLI: one request through a dense 256-512-256-10 network (workloads/mlp/README.md).

declare(strict_types=1);

require __DIR__ . '/runner.php';

const SIZES = [256, 512, 256, 10];
// Weights are (2u - 1) * WEIGHT_SCALE[layer], biases (2u - 1) * BIAS_SCALE, inputs 2u - 1.
const WEIGHT_SCALE = [0.15, 0.1, 0.15];
const BIAS_SCALE = 0.01;
// The batch: iteration i serves request i mod BATCH.
const BATCH = 8;

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

    /** (2u - 1) * scale with u = next() / 2147483647: uniform in (-scale, scale). */
    public function symmetric(float $scale): float
    {
        return (2.0 * ($this->next() / 2147483647.0) - 1.0) * $scale;
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

/**
 * The read-only model and its batch of inputs, built once per process (README: "Data").
 * Each layer is [inputs, outputs, weights, biases], the weights one flat packed array,
 * row-major (one row of `inputs` weights per output).
 */
final class Model
{
    /** @var list<array{int, int, list<float>, list<float>}> */
    public array $layers = [];
    /** @var list<list<float>> */
    public array $requests = [];

    public function __construct(public int $seed)
    {
        $rng = new Rng($seed);
        for ($l = 0; $l < 3; $l++) {
            $n = SIZES[$l];
            $m = SIZES[$l + 1];
            $w = [];
            for ($k = 0; $k < $n * $m; $k++) {
                $w[] = $rng->symmetric(WEIGHT_SCALE[$l]);
            }
            $b = [];
            for ($k = 0; $k < $m; $k++) {
                $b[] = $rng->symmetric(BIAS_SCALE);
            }
            $this->layers[] = [$n, $m, $w, $b];
        }
        for ($r = 0; $r < BATCH; $r++) {
            $x = [];
            for ($k = 0; $k < SIZES[0]; $k++) {
                $x[] = $rng->symmetric(1.0);
            }
            $this->requests[] = $x;
        }
    }
}

/**
 * y = W x + b, each dot product summed in index order; ReLU unless it is the last layer.
 * @param array{int, int, list<float>, list<float>} $layer
 * @param list<float> $x
 * @return list<float>
 */
function dense(array $layer, array $x, bool $relu): array
{
    [$n, $m, $w, $b] = $layer;
    $y = [];
    for ($o = 0; $o < $m; $o++) {
        $base = $o * $n;
        $acc = 0.0;
        for ($i = 0; $i < $n; $i++) {
            $acc += $w[$base + $i] * $x[$i];
        }
        $z = $acc + $b[$o];
        $y[] = $relu && !($z > 0.0) ? 0.0 : $z;
    }
    return $y;
}

function run(BmParams $params): string
{
    static $model = null;
    check_generator();
    $seed = $params->int('seed');
    if ($seed < 1 || $seed >= 2147483647) {
        throw new InvalidArgumentException("seed must be in 1..2147483646, got $seed");
    }
    if ($model === null) {
        $model = new Model($seed);
    } elseif ($model->seed !== $seed) {
        throw new RuntimeException('the seed changed within the process');
    }
    $request = $params->iteration() % BATCH;

    $x = dense($model->layers[0], $model->requests[$request], true);
    $x = dense($model->layers[1], $x, true);
    $logits = dense($model->layers[2], $x, false);

    $k = count($logits);
    $max = $logits[0];
    for ($j = 1; $j < $k; $j++) {
        if ($logits[$j] > $max) {
            $max = $logits[$j];
        }
    }
    $probs = [];
    $sum = 0.0;
    for ($j = 0; $j < $k; $j++) {
        $e = exp($logits[$j] - $max);
        $probs[] = $e;
        $sum += $e;
    }
    for ($j = 0; $j < $k; $j++) {
        $probs[$j] /= $sum;
    }

    $cls = 0;
    for ($j = 1; $j < $k; $j++) {
        if ($probs[$j] > $probs[$cls]) {
            $cls = $j;
        }
    }
    $checksum = 0.0;
    for ($j = 0; $j < $k; $j++) {
        $checksum += ($j + 1) * $probs[$j];
    }
    // sprintf's %.9f rounds the exact binary value like C; both values are positive.
    return sprintf("request %d class %d p %.9f checksum %.9f\n", $request, $cls, $probs[$cls], $checksum);
}

bm_main('run');
