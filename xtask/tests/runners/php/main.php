<?php
// Runner conformance fixture (xtask/tests/runners.rs): returns "unit <iteration mod m>" (README.md).
declare(strict_types=1);

require __DIR__ . '/runner.php';

function run(BmParams $params): string
{
    $m = $params->int('m');
    $i = $params->iteration();
    return 'unit ' . ($m === 0 ? $i : $i % $m) . ($params->int('nl') === 1 ? "\n" : '');
}

bm_main('run');
