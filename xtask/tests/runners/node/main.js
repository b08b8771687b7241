// Runner conformance fixture (xtask/tests/runners.rs): returns "unit <iteration mod m>" (README.md).
'use strict';

function run(params) {
  const m = params.int('m');
  const i = params.iteration;
  return `unit ${m === 0 ? i : i % m}${params.int('nl') === 1 ? '\n' : ''}`;
}

require('./runner.js').main(run);
