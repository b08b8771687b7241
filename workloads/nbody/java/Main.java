// nbody workload for Java: the 5-body Jovian simulation of workloads/nbody/README.md.

import java.math.BigDecimal;
import java.math.RoundingMode;

public class Main {
    public static void main(String[] a) {
        Runner.main(a, Main::run);
    }

    private static final double PI = 3.141592653589793;
    private static final double SOLAR_MASS = 4 * PI * PI;
    private static final double DAYS_PER_YEAR = 365.24;

    private static final class Body {
        double x, y, z, vx, vy, vz;
        final double mass;

        Body(double x, double y, double z, double vx, double vy, double vz, double mass) {
            this.x = x;
            this.y = y;
            this.z = z;
            this.vx = vx * DAYS_PER_YEAR;
            this.vy = vy * DAYS_PER_YEAR;
            this.vz = vz * DAYS_PER_YEAR;
            this.mass = mass * SOLAR_MASS;
        }
    }

    private static Body[] createBodies() {
        return new Body[] {
            new Body(0, 0, 0, 0, 0, 0, 1),
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
        };
    }

    private static void offsetMomentum(Body[] bodies) {
        double px = 0, py = 0, pz = 0;
        for (Body b : bodies) {
            px += b.vx * b.mass;
            py += b.vy * b.mass;
            pz += b.vz * b.mass;
        }
        Body sun = bodies[0];
        sun.vx = -px / SOLAR_MASS;
        sun.vy = -py / SOLAR_MASS;
        sun.vz = -pz / SOLAR_MASS;
    }

    private static double energy(Body[] bodies) {
        double e = 0;
        for (int i = 0; i < bodies.length; i++) {
            Body b = bodies[i];
            e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
            for (int j = i + 1; j < bodies.length; j++) {
                Body b2 = bodies[j];
                double dx = b.x - b2.x, dy = b.y - b2.y, dz = b.z - b2.z;
                e -= (b.mass * b2.mass) / Math.sqrt(dx * dx + dy * dy + dz * dz);
            }
        }
        return e;
    }

    private static void advance(Body[] bodies, double dt) {
        for (int i = 0; i < bodies.length; i++) {
            Body b = bodies[i];
            for (int j = i + 1; j < bodies.length; j++) {
                Body b2 = bodies[j];
                double dx = b.x - b2.x, dy = b.y - b2.y, dz = b.z - b2.z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = dt / (d2 * Math.sqrt(d2));
                b.vx -= dx * b2.mass * mag;
                b.vy -= dy * b2.mass * mag;
                b.vz -= dz * b2.mass * mag;
                b2.vx += dx * b.mass * mag;
                b2.vy += dy * b.mass * mag;
                b2.vz += dz * b.mass * mag;
            }
        }
        for (Body b : bodies) {
            b.x += dt * b.vx;
            b.y += dt * b.vy;
            b.z += dt * b.vz;
        }
    }

    // The exact binary value rounded half-even, which is what C's printf("%.9f") prints; BigDecimal
    // is also far cheaper to load than java.util.Formatter, whose start-up would land in iteration 0.
    // Its output never depends on the locale.
    private static String format9(double x) {
        BigDecimal r = new BigDecimal(x).setScale(9, RoundingMode.HALF_EVEN);
        String s = r.toPlainString();
        // BigDecimal has no negative zero; C keeps the sign of a tiny negative value.
        return r.signum() == 0 && Math.copySign(1.0, x) < 0 ? "-" + s : s;
    }

    static String run(Runner.Params p) {
        long steps = p.integer("steps");
        Body[] bodies = createBodies();
        offsetMomentum(bodies);
        double before = energy(bodies);
        for (long s = 0; s < steps; s++) {
            advance(bodies, 0.01);
        }
        double after = energy(bodies);
        return format9(before) + "\n" + format9(after) + "\n";
    }
}
