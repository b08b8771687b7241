// noop workload for Node.js: the runtime floor (workloads/noop/README.md).
'use strict';

function run(params) {
  return `noop ${params.int('n')}\n`;
}

require('./runner.js').main(run);
