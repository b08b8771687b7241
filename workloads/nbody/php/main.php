<?php
// nbody workload for the PHP CLI (see workloads/nbody/README.md): an array of Body objects and
// the README's three functions, written plainly like every other language.

declare(strict_types=1);

require __DIR__ . '/runner.php';

const PI = 3.141592653589793;
const SOLAR_MASS = 4 * PI * PI;
const DAYS_PER_YEAR = 365.24;

final class Body
{
    public float $vx;
    public float $vy;
    public float $vz;
    public float $mass;

    public function __construct(
        public float $x,
        public float $y,
        public float $z,
        float $vx,
        float $vy,
        float $vz,
        float $mass,
    ) {
        $this->vx = $vx * DAYS_PER_YEAR;
        $this->vy = $vy * DAYS_PER_YEAR;
        $this->vz = $vz * DAYS_PER_YEAR;
        $this->mass = $mass * SOLAR_MASS;
    }
}

/** @return list<Body> */
function create_bodies(): array
{
    return [
        new Body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
        new Body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
            1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
            9.54791938424326609e-04),
        new Body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
            -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
            2.85885980666130812e-04),
        new Body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
            2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
            4.36624404335156298e-05),
        new Body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
            2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
            5.15138902046611451e-05),
    ];
}

/** @param list<Body> $bodies */
function offset_momentum(array $bodies): void
{
    $px = $py = $pz = 0.0;
    foreach ($bodies as $b) {
        $px += $b->vx * $b->mass;
        $py += $b->vy * $b->mass;
        $pz += $b->vz * $b->mass;
    }
    $sun = $bodies[0];
    $sun->vx = -$px / SOLAR_MASS;
    $sun->vy = -$py / SOLAR_MASS;
    $sun->vz = -$pz / SOLAR_MASS;
}

/** @param list<Body> $bodies */
function energy(array $bodies): float
{
    $n = count($bodies);
    $e = 0.0;
    for ($i = 0; $i < $n; $i++) {
        $b = $bodies[$i];
        $e += 0.5 * $b->mass * ($b->vx * $b->vx + $b->vy * $b->vy + $b->vz * $b->vz);
        for ($j = $i + 1; $j < $n; $j++) {
            $b2 = $bodies[$j];
            $dx = $b->x - $b2->x;
            $dy = $b->y - $b2->y;
            $dz = $b->z - $b2->z;
            $e -= ($b->mass * $b2->mass) / sqrt($dx * $dx + $dy * $dy + $dz * $dz);
        }
    }
    return $e;
}

/** @param list<Body> $bodies (objects are handles: the caller's bodies are updated) */
function advance(array $bodies, float $dt): void
{
    $n = count($bodies);
    for ($i = 0; $i < $n; $i++) {
        $b = $bodies[$i];
        for ($j = $i + 1; $j < $n; $j++) {
            $b2 = $bodies[$j];
            $dx = $b->x - $b2->x;
            $dy = $b->y - $b2->y;
            $dz = $b->z - $b2->z;
            $d2 = $dx * $dx + $dy * $dy + $dz * $dz;
            $mag = $dt / ($d2 * sqrt($d2));
            $b->vx -= $dx * $b2->mass * $mag;
            $b->vy -= $dy * $b2->mass * $mag;
            $b->vz -= $dz * $b2->mass * $mag;
            $b2->vx += $dx * $b->mass * $mag;
            $b2->vy += $dy * $b->mass * $mag;
            $b2->vz += $dz * $b->mass * $mag;
        }
    }
    foreach ($bodies as $b) {
        $b->x += $dt * $b->vx;
        $b->y += $dt * $b->vy;
        $b->z += $dt * $b->vz;
    }
}

function run(BmParams $params): string
{
    $steps = $params->int('steps');
    $bodies = create_bodies();
    offset_momentum($bodies);
    $before = energy($bodies);
    for ($s = 0; $s < $steps; $s++) {
        advance($bodies, 0.01);
    }
    $after = energy($bodies);
    // sprintf's %.9f rounds the exact binary value like C (README: only -0 prints differently).
    return sprintf("%.9f\n%.9f\n", $before, $after);
}

bm_main('run');
