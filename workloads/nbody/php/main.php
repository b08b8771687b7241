<?php
// nbody workload for the PHP CLI (see workloads/nbody/README.md).

declare(strict_types=1);

require __DIR__ . '/runner.php';

const PI = 3.141592653589793;
const SOLAR_MASS = 4 * PI * PI;
const DAYS_PER_YEAR = 365.24;

const INITIAL_BODIES = [
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    [4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
     9.54791938424326609e-04],
    [8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
     2.85885980666130812e-04],
    [1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
     4.36624404335156298e-05],
    [1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
     5.15138902046611451e-05],
];

/**
 * Energy of the system; the bodies are passed as one packed array of floats per
 * component, which is the cheapest layout for the PHP VM to index.
 */
function energy(array $x, array $y, array $z, array $vx, array $vy, array $vz, array $m): float
{
    $n = count($m);
    $e = 0.0;
    for ($i = 0; $i < $n; $i++) {
        $e += 0.5 * $m[$i] * ($vx[$i] * $vx[$i] + $vy[$i] * $vy[$i] + $vz[$i] * $vz[$i]);
        for ($j = $i + 1; $j < $n; $j++) {
            $dx = $x[$i] - $x[$j];
            $dy = $y[$i] - $y[$j];
            $dz = $z[$i] - $z[$j];
            $e -= ($m[$i] * $m[$j]) / sqrt($dx * $dx + $dy * $dy + $dz * $dz);
        }
    }
    return $e;
}

function run(BmParams $params): string
{
    $steps = $params->int('steps');

    $x = $y = $z = $vx = $vy = $vz = $m = [];
    foreach (INITIAL_BODIES as [$bx, $by, $bz, $bvx, $bvy, $bvz, $bm]) {
        $x[] = $bx;
        $y[] = $by;
        $z[] = $bz;
        $vx[] = $bvx * DAYS_PER_YEAR;
        $vy[] = $bvy * DAYS_PER_YEAR;
        $vz[] = $bvz * DAYS_PER_YEAR;
        $m[] = $bm * SOLAR_MASS;
    }
    $n = count($m);

    $px = $py = $pz = 0.0;
    for ($i = 0; $i < $n; $i++) {
        $px += $vx[$i] * $m[$i];
        $py += $vy[$i] * $m[$i];
        $pz += $vz[$i] * $m[$i];
    }
    $vx[0] = -$px / SOLAR_MASS;
    $vy[0] = -$py / SOLAR_MASS;
    $vz[0] = -$pz / SOLAR_MASS;

    $before = energy($x, $y, $z, $vx, $vy, $vz, $m);

    // advance() is inlined: a PHP function call per step costs as much as a
    // good part of the step itself, and the arrays stay local (no copy-on-write).
    $dt = 0.01;
    for ($s = 0; $s < $steps; $s++) {
        for ($i = 0; $i < $n; $i++) {
            $xi = $x[$i];
            $yi = $y[$i];
            $zi = $z[$i];
            $mi = $m[$i];
            $vxi = $vx[$i];
            $vyi = $vy[$i];
            $vzi = $vz[$i];
            for ($j = $i + 1; $j < $n; $j++) {
                $dx = $xi - $x[$j];
                $dy = $yi - $y[$j];
                $dz = $zi - $z[$j];
                $d2 = $dx * $dx + $dy * $dy + $dz * $dz;
                $mag = $dt / ($d2 * sqrt($d2));
                $mj = $m[$j];
                $vxi -= $dx * $mj * $mag;
                $vyi -= $dy * $mj * $mag;
                $vzi -= $dz * $mj * $mag;
                $vx[$j] += $dx * $mi * $mag;
                $vy[$j] += $dy * $mi * $mag;
                $vz[$j] += $dz * $mi * $mag;
            }
            $vx[$i] = $vxi;
            $vy[$i] = $vyi;
            $vz[$i] = $vzi;
        }
        for ($i = 0; $i < $n; $i++) {
            $x[$i] += $dt * $vx[$i];
            $y[$i] += $dt * $vy[$i];
            $z[$i] += $dt * $vz[$i];
        }
    }

    $after = energy($x, $y, $z, $vx, $vy, $vz, $m);

    // sprintf's %.9f rounds the exact binary value like C; energies are never -0.
    return sprintf("%.9f\n%.9f\n", $before, $after);
}

bm_main('run');
