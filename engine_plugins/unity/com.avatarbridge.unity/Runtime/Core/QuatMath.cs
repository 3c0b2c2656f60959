// Quaternion arithmetic for the pose stream, without UnityEngine (so it is tested here): the Hamilton product on
// coordinates, as Unity's Quaternion and models/body/quat.py compute it. Doubles inside, floats on the wire.
using System;

namespace AvatarBridge.Core
{
    public static class QuatMath
    {
        public static Quat Mul(Quat a, Quat b)
        {
            return new Quat(
                a.W * b.X + a.X * b.W + a.Y * b.Z - a.Z * b.Y,
                a.W * b.Y - a.X * b.Z + a.Y * b.W + a.Z * b.X,
                a.W * b.Z + a.X * b.Y - a.Y * b.X + a.Z * b.W,
                a.W * b.W - a.X * b.X - a.Y * b.Y - a.Z * b.Z);
        }

        /// <summary>The inverse of a unit quaternion (its conjugate).</summary>
        public static Quat Inverse(Quat q) { return new Quat(-q.X, -q.Y, -q.Z, q.W); }

        public static double Dot(Quat a, Quat b) { return (double)a.X * b.X + (double)a.Y * b.Y + (double)a.Z * b.Z + (double)a.W * b.W; }

        /// <summary>Unit length; the identity for a zero or non-finite quaternion (a corrupt joint stays at rest
        /// instead of collapsing the mesh).</summary>
        public static Quat Normalize(Quat q)
        {
            double n = Math.Sqrt(Dot(q, q));
            if (!(n > 1e-12) || double.IsInfinity(n)) return Quat.Identity;
            return new Quat((float)(q.X / n), (float)(q.Y / n), (float)(q.Z / n), (float)(q.W / n));
        }

        /// <summary>Normalized lerp on the short arc (b is negated when it lies in the other hemisphere).</summary>
        public static Quat Nlerp(Quat a, Quat b, double t)
        {
            double s = Dot(a, b) < 0 ? -1.0 : 1.0;
            return Normalize(new Quat(
                (float)(a.X + t * (s * b.X - a.X)), (float)(a.Y + t * (s * b.Y - a.Y)),
                (float)(a.Z + t * (s * b.Z - a.Z)), (float)(a.W + t * (s * b.W - a.W))));
        }

        /// <summary>A turn of `radians` about a unit axis (Unity's Quaternion.AngleAxis with radians).</summary>
        public static Quat AxisAngle(double x, double y, double z, double radians)
        {
            double s = Math.Sin(radians / 2);
            return new Quat((float)(x * s), (float)(y * s), (float)(z * s), (float)Math.Cos(radians / 2));
        }

        /// <summary>The shortest rotation that turns direction `from` into direction `to` (neither needs unit length;
        /// the identity when either is zero), as the Unreal core's rotationBetween.</summary>
        public static Quat RotationBetween(double[] from, double[] to)
        {
            double nf = Math.Sqrt(from[0] * from[0] + from[1] * from[1] + from[2] * from[2]);
            double nt = Math.Sqrt(to[0] * to[0] + to[1] * to[1] + to[2] * to[2]);
            if (!(nf > 0) || !(nt > 0)) return Quat.Identity;
            double ax = from[0] / nf, ay = from[1] / nf, az = from[2] / nf, bx = to[0] / nt, by = to[1] / nt, bz = to[2] / nt;
            double c = ax * bx + ay * by + az * bz;
            if (c < -1.0 + 1e-12)
            {
                // Opposite directions: half a turn about any axis perpendicular to `from`.
                double px = 0, py = az, pz = -ay;  // from x (1, 0, 0)
                if (py * py + pz * pz < 1e-12) { px = -az; py = 0; pz = ax; }  // from x (0, 1, 0)
                double n = Math.Sqrt(px * px + py * py + pz * pz);
                return AxisAngle(px / n, py / n, pz / n, Math.PI);
            }
            // (cross, 1 + cos), normalized, is the half-angle quaternion without a trigonometric call.
            double x = ay * bz - az * by, y = az * bx - ax * bz, z = ax * by - ay * bx, w = 1.0 + c;
            double len = Math.Sqrt(x * x + y * y + z * z + w * w);
            return new Quat((float)(x / len), (float)(y / len), (float)(z / len), (float)(w / len));
        }

        /// <summary>The angle between two rotations, radians in [0, pi] (q and -q are the same rotation).</summary>
        public static double Angle(Quat a, Quat b)
        {
            // From the relative rotation's sine and cosine: acos of a dot product near 1 loses half the digits.
            var d = Mul(Inverse(Normalize(a)), Normalize(b));
            double sin = Math.Sqrt((double)d.X * d.X + (double)d.Y * d.Y + (double)d.Z * d.Z);
            return 2 * Math.Atan2(sin, Math.Abs((double)d.W));
        }

        /// <summary>v rotated by q.</summary>
        public static double[] Rotate(Quat q, double[] v)
        {
            // v' = v + w t + u x t, t = 2 u x v (the expansion of q v q*).
            double ux = q.X, uy = q.Y, uz = q.Z, w = q.W;
            double tx = 2 * (uy * v[2] - uz * v[1]), ty = 2 * (uz * v[0] - ux * v[2]), tz = 2 * (ux * v[1] - uy * v[0]);
            return new[]
            {
                v[0] + w * tx + (uy * tz - uz * ty),
                v[1] + w * ty + (uz * tx - ux * tz),
                v[2] + w * tz + (ux * ty - uy * tx),
            };
        }
    }
}
