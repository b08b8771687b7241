// nbody workload for Node.js (see workloads/nbody/README.md).
'use strict';

const PI = 3.141592653589793;
const SOLAR_MASS = 4 * PI * PI;
const DAYS_PER_YEAR = 365.24;

// One flat Float64Array, 7 doubles per body (x, y, z, vx, vy, vz, mass): unboxed
// doubles with no hidden-class checks in the hot loop.
const X = 0, Y = 1, Z = 2, VX = 3, VY = 4, VZ = 5, MASS = 6, STRIDE = 7;
const N = 5;

const INITIAL = [
  [0, 0, 0, 0, 0, 0, 1],
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

function createBodies() {
  const b = new Float64Array(N * STRIDE);
  for (let i = 0; i < N; i++) {
    const [x, y, z, vx, vy, vz, m] = INITIAL[i];
    const o = i * STRIDE;
    b[o + X] = x; b[o + Y] = y; b[o + Z] = z;
    b[o + VX] = vx * DAYS_PER_YEAR; b[o + VY] = vy * DAYS_PER_YEAR; b[o + VZ] = vz * DAYS_PER_YEAR;
    b[o + MASS] = m * SOLAR_MASS;
  }
  return b;
}

function offsetMomentum(b) {
  let px = 0, py = 0, pz = 0;
  for (let o = 0; o < N * STRIDE; o += STRIDE) {
    px += b[o + VX] * b[o + MASS];
    py += b[o + VY] * b[o + MASS];
    pz += b[o + VZ] * b[o + MASS];
  }
  b[VX] = -px / SOLAR_MASS;
  b[VY] = -py / SOLAR_MASS;
  b[VZ] = -pz / SOLAR_MASS;
}

function energy(b) {
  let e = 0;
  for (let i = 0; i < N; i++) {
    const o = i * STRIDE;
    const vx = b[o + VX], vy = b[o + VY], vz = b[o + VZ], m = b[o + MASS];
    e += 0.5 * m * (vx * vx + vy * vy + vz * vz);
    for (let j = i + 1; j < N; j++) {
      const p = j * STRIDE;
      const dx = b[o + X] - b[p + X];
      const dy = b[o + Y] - b[p + Y];
      const dz = b[o + Z] - b[p + Z];
      e -= (m * b[p + MASS]) / Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

function advance(b, dt) {
  for (let i = 0; i < N; i++) {
    const o = i * STRIDE;
    const x = b[o + X], y = b[o + Y], z = b[o + Z], m = b[o + MASS];
    let vx = b[o + VX], vy = b[o + VY], vz = b[o + VZ];
    for (let j = i + 1; j < N; j++) {
      const p = j * STRIDE;
      const dx = x - b[p + X];
      const dy = y - b[p + Y];
      const dz = z - b[p + Z];
      const d2 = dx * dx + dy * dy + dz * dz;
      const mag = dt / (d2 * Math.sqrt(d2));
      const m2 = b[p + MASS];
      vx -= dx * m2 * mag;
      vy -= dy * m2 * mag;
      vz -= dz * m2 * mag;
      b[p + VX] += dx * m * mag;
      b[p + VY] += dy * m * mag;
      b[p + VZ] += dz * m * mag;
    }
    b[o + VX] = vx; b[o + VY] = vy; b[o + VZ] = vz;
  }
  for (let o = 0; o < N * STRIDE; o += STRIDE) {
    b[o + X] += dt * b[o + VX];
    b[o + Y] += dt * b[o + VY];
    b[o + Z] += dt * b[o + VZ];
  }
}

function run(params) {
  const steps = params.int('steps');
  const bodies = createBodies();
  offsetMomentum(bodies);
  const before = energy(bodies);
  for (let s = 0; s < steps; s++) advance(bodies, 0.01);
  const after = energy(bodies);
  // toFixed rounds the exact binary value like C's %.9f; energies are never -0.
  return `${before.toFixed(9)}\n${after.toFixed(9)}\n`;
}

require('./runner.js').main(run);
