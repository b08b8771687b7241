<?php
// noop workload in PHP: the runtime floor (workloads/noop/README.md).
declare(strict_types=1);

require __DIR__ . '/runner.php';

function run(BmParams $params): string
{
    return 'noop ' . $params->int('n') . "\n";
}

bm_main('run');
