// nbody workload for C#: the 5-body Jovian simulation of workloads/nbody/README.md.

using System;
using System.Globalization;

public static class Program
{
    public static int Main(string[] args) => Runner.Run(args, Run);

    private const double PI = 3.141592653589793;
    private const double SolarMass = 4 * PI * PI;
    private const double DaysPerYear = 365.24;

    private sealed class Body
    {
        public double X, Y, Z, Vx, Vy, Vz;
        public readonly double Mass;

        public Body(double x, double y, double z, double vx, double vy, double vz, double mass)
        {
            X = x;
            Y = y;
            Z = z;
            Vx = vx * DaysPerYear;
            Vy = vy * DaysPerYear;
            Vz = vz * DaysPerYear;
            Mass = mass * SolarMass;
        }
    }

    private static Body[] CreateBodies()
    {
        return new[]
        {
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

    private static void OffsetMomentum(Body[] bodies)
    {
        double px = 0, py = 0, pz = 0;
        foreach (Body b in bodies)
        {
            px += b.Vx * b.Mass;
            py += b.Vy * b.Mass;
            pz += b.Vz * b.Mass;
        }
        Body sun = bodies[0];
        sun.Vx = -px / SolarMass;
        sun.Vy = -py / SolarMass;
        sun.Vz = -pz / SolarMass;
    }

    private static double Energy(Body[] bodies)
    {
        double e = 0;
        for (int i = 0; i < bodies.Length; i++)
        {
            Body b = bodies[i];
            e += 0.5 * b.Mass * (b.Vx * b.Vx + b.Vy * b.Vy + b.Vz * b.Vz);
            for (int j = i + 1; j < bodies.Length; j++)
            {
                Body b2 = bodies[j];
                double dx = b.X - b2.X, dy = b.Y - b2.Y, dz = b.Z - b2.Z;
                e -= (b.Mass * b2.Mass) / Math.Sqrt(dx * dx + dy * dy + dz * dz);
            }
        }
        return e;
    }

    private static void Advance(Body[] bodies, double dt)
    {
        for (int i = 0; i < bodies.Length; i++)
        {
            Body b = bodies[i];
            for (int j = i + 1; j < bodies.Length; j++)
            {
                Body b2 = bodies[j];
                double dx = b.X - b2.X, dy = b.Y - b2.Y, dz = b.Z - b2.Z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = dt / (d2 * Math.Sqrt(d2));
                b.Vx -= dx * b2.Mass * mag;
                b.Vy -= dy * b2.Mass * mag;
                b.Vz -= dz * b2.Mass * mag;
                b2.Vx += dx * b.Mass * mag;
                b2.Vy += dy * b.Mass * mag;
                b2.Vz += dz * b.Mass * mag;
            }
        }
        foreach (Body b in bodies)
        {
            b.X += dt * b.Vx;
            b.Y += dt * b.Vy;
            b.Z += dt * b.Vz;
        }
    }

    /// <summary>
    /// C's "%.9f": the exact binary value rounded to 9 decimals, ties to even, the sign kept.
    /// Not x.ToString("F9"): Mono first rounds a double to 15 significant digits, so a value
    /// just below a half-way point can round up (.NET Core rounds exactly). The product
    /// frac * 1e9 is computed exactly as p + err (Dekker's two-product, no FMA), and the
    /// rounding is decided on the exact remainder. The same algorithm as the Haxe version.
    /// </summary>
    internal static string Format9(double x)
    {
        if (double.IsNaN(x))
            return "nan";
        bool negative = x < 0 || (x == 0 && double.IsNegative(x));
        double a = Math.Abs(x);
        if (double.IsInfinity(a))
            return negative ? "-inf" : "inf";
        double whole = Math.Floor(a);
        double frac = a - whole; // exact
        double p = frac * 1e9;
        double err = TwoProductError(frac, 1e9, p); // frac * 1e9 == p + err exactly
        double n = Math.Floor(p);
        double d = p - n; // exact, in [0, 1); the exact remainder is d + err, |err| <= 2^-24
        if (d >= 0.25)
        {
            double s = (d - 0.5) + err; // d - 0.5 is exact here; s has the sign of the exact sum
            if (s > 0 || (s == 0 && n % 2 == 1))
                n += 1;
        }
        if (n >= 1e9)
        {
            whole += 1;
            n -= 1e9;
        }
        return (negative ? "-" : "") + Digits(whole) + "." + ((long)n).ToString("D9", CultureInfo.InvariantCulture);
    }

    /// <summary>The decimal digits of a non-negative integral double (Mono's "F0" would round to 15 digits).</summary>
    private static string Digits(double v)
    {
        if (v < 1e18)
            return ((long)v).ToString(CultureInfo.InvariantCulture);
        var digits = new System.Text.StringBuilder();
        while (v >= 1)
        {
            double d = v % 10; // exact
            digits.Insert(0, (char)('0' + (int)d));
            v = (v - d) / 10;
        }
        return digits.ToString();
    }

    /// <summary>The rounding error of p = a * b, exactly (Dekker 1971, Veltkamp's split).</summary>
    private static double TwoProductError(double a, double b, double p)
    {
        double c = 134217729.0 * a; // 2^27 + 1
        double ah = c - (c - a), al = a - ah;
        c = 134217729.0 * b;
        double bh = c - (c - b), bl = b - bh;
        return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    }

    private static string Run(Runner.Params p)
    {
        long steps = p.Int("steps");
        Body[] bodies = CreateBodies();
        OffsetMomentum(bodies);
        double before = Energy(bodies);
        for (long s = 0; s < steps; s++)
            Advance(bodies, 0.01);
        double after = Energy(bodies);
        return Format9(before) + "\n" + Format9(after) + "\n";
    }
}
