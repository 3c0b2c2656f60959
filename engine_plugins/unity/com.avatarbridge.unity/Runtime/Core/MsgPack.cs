// A compact msgpack reader and writer: what the Avatar Bridge protocol needs, and no DLL to ship.
// C# 7, no Unity dependency (compiled and tested outside Unity with mcs and mono).
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace AvatarBridge.Core
{
    /// <summary>Input that is not valid msgpack, or exceeds the reader's limits.</summary>
    public sealed class MsgPackException : Exception
    {
        public MsgPackException(string message) : base(message) { }
    }

    /// <summary>
    /// Decodes one msgpack document into plain objects: null, bool, long, double, string, byte[],
    /// List&lt;object&gt; and Dictionary&lt;string, object&gt; (maps must have string keys, as the protocol's do).
    /// Every length is checked against the bytes left, so a corrupted header cannot allocate what it claims.
    /// </summary>
    public static class MsgPack
    {
        public const int MaxDepth = 32;
        public const int MaxContainer = 1 << 16;

        public static object Decode(byte[] data)
        {
            if (data == null) throw new MsgPackException("no data");
            return Decode(data, 0, data.Length);
        }

        public static object Decode(byte[] data, int offset, int count)
        {
            if (data == null || offset < 0 || count < 0 || offset + count > data.Length) throw new MsgPackException("bad range");
            if (count == 0) throw new MsgPackException("empty message");
            var reader = new Reader(data, offset, offset + count);
            var value = reader.Read(0);
            if (reader.Position != offset + count) throw new MsgPackException("trailing bytes after the message");
            return value;
        }

        private sealed class Reader
        {
            private readonly byte[] data;
            private readonly int end;
            public int Position;

            public Reader(byte[] data, int start, int end)
            {
                this.data = data;
                Position = start;
                this.end = end;
            }

            private void Need(long n)
            {
                if (n < 0 || n > end - Position) throw new MsgPackException("truncated: needs " + n + " more bytes");
            }

            private byte Byte()
            {
                Need(1);
                return data[Position++];
            }

            private ulong BigEndian(int n)
            {
                Need(n);
                ulong v = 0;
                for (int i = 0; i < n; i++) v = (v << 8) | data[Position++];
                return v;
            }

            public object Read(int depth)
            {
                if (depth > MaxDepth) throw new MsgPackException("nested deeper than " + MaxDepth);
                byte b = Byte();
                if (b <= 0x7f) return (long)b;
                if (b >= 0xe0) return (long)(sbyte)b;
                if ((b & 0xf0) == 0x80) return Map(b & 0x0f, depth);
                if ((b & 0xf0) == 0x90) return Array(b & 0x0f, depth);
                if ((b & 0xe0) == 0xa0) return Str(b & 0x1f);
                switch (b)
                {
                    case 0xc0: return null;
                    case 0xc2: return false;
                    case 0xc3: return true;
                    case 0xc4: return Bin((long)BigEndian(1));
                    case 0xc5: return Bin((long)BigEndian(2));
                    case 0xc6: return Bin((long)BigEndian(4));
                    case 0xca: return (double)BitConverter.ToSingle(Reversed(4), 0);
                    case 0xcb: return BitConverter.ToDouble(Reversed(8), 0);
                    case 0xcc: return (long)BigEndian(1);
                    case 0xcd: return (long)BigEndian(2);
                    case 0xce: return (long)BigEndian(4);
                    case 0xcf:
                        {
                            ulong u = BigEndian(8);
                            if (u > long.MaxValue) throw new MsgPackException("integer out of range");
                            return (long)u;
                        }
                    case 0xd0: return (long)(sbyte)BigEndian(1);
                    case 0xd1: return (long)(short)BigEndian(2);
                    case 0xd2: return (long)(int)BigEndian(4);
                    case 0xd3: return (long)BigEndian(8);
                    case 0xd9: return Str((long)BigEndian(1));
                    case 0xda: return Str((long)BigEndian(2));
                    case 0xdb: return Str((long)BigEndian(4));
                    case 0xdc: return Array((long)BigEndian(2), depth);
                    case 0xdd: return Array((long)BigEndian(4), depth);
                    case 0xde: return Map((long)BigEndian(2), depth);
                    case 0xdf: return Map((long)BigEndian(4), depth);
                    default: throw new MsgPackException("type 0x" + b.ToString("x2") + " is not part of the protocol");
                }
            }

            /// <summary>The next n bytes in little-endian order, for BitConverter.</summary>
            private byte[] Reversed(int n)
            {
                Need(n);
                var bytes = new byte[n];
                for (int i = 0; i < n; i++) bytes[i] = data[Position + n - 1 - i];
                Position += n;
                if (!BitConverter.IsLittleEndian) System.Array.Reverse(bytes);
                return bytes;
            }

            private string Str(long n)
            {
                Need(n);
                string s;
                try
                {
                    s = new UTF8Encoding(false, true).GetString(data, Position, (int)n);
                }
                catch (ArgumentException)
                {
                    throw new MsgPackException("a string is not valid UTF-8");
                }
                Position += (int)n;
                return s;
            }

            private byte[] Bin(long n)
            {
                Need(n);
                var bytes = new byte[n];
                Buffer.BlockCopy(data, Position, bytes, 0, (int)n);
                Position += (int)n;
                return bytes;
            }

            private List<object> Array(long n, int depth)
            {
                // Every element takes at least one byte: a count beyond the bytes left is a lie.
                if (n > MaxContainer || n > end - Position) throw new MsgPackException("array of " + n + " elements");
                var list = new List<object>((int)n);
                for (long i = 0; i < n; i++) list.Add(Read(depth + 1));
                return list;
            }

            private Dictionary<string, object> Map(long n, int depth)
            {
                if (n > MaxContainer || 2 * n > end - Position) throw new MsgPackException("map of " + n + " entries");
                var map = new Dictionary<string, object>((int)n);
                for (long i = 0; i < n; i++)
                {
                    var key = Read(depth + 1) as string;
                    if (key == null) throw new MsgPackException("map key is not a string");
                    map[key] = Read(depth + 1);
                }
                return map;
            }
        }
    }

    /// <summary>
    /// Writes msgpack the way Python's msgpack does (smallest integer and string forms, float64 for doubles,
    /// bin for byte arrays), so requests are byte-identical to the golden vectors.
    /// </summary>
    public sealed class MsgPackWriter
    {
        private readonly MemoryStream stream = new MemoryStream();

        public byte[] ToArray() { return stream.ToArray(); }

        private void BigEndian(ulong v, int n)
        {
            for (int i = n - 1; i >= 0; i--) stream.WriteByte((byte)(v >> (8 * i)));
        }

        public void Nil() { stream.WriteByte(0xc0); }

        public void Bool(bool b) { stream.WriteByte(b ? (byte)0xc3 : (byte)0xc2); }

        public void Int(long v)
        {
            if (v >= 0)
            {
                if (v <= 0x7f) stream.WriteByte((byte)v);
                else if (v <= 0xff) { stream.WriteByte(0xcc); BigEndian((ulong)v, 1); }
                else if (v <= 0xffff) { stream.WriteByte(0xcd); BigEndian((ulong)v, 2); }
                else if (v <= 0xffffffffL) { stream.WriteByte(0xce); BigEndian((ulong)v, 4); }
                else { stream.WriteByte(0xcf); BigEndian((ulong)v, 8); }
            }
            else
            {
                if (v >= -32) stream.WriteByte((byte)(sbyte)v);
                else if (v >= sbyte.MinValue) { stream.WriteByte(0xd0); BigEndian((ulong)v, 1); }
                else if (v >= short.MinValue) { stream.WriteByte(0xd1); BigEndian((ulong)v, 2); }
                else if (v >= int.MinValue) { stream.WriteByte(0xd2); BigEndian((ulong)v, 4); }
                else { stream.WriteByte(0xd3); BigEndian((ulong)v, 8); }
            }
        }

        public void Double(double d)
        {
            stream.WriteByte(0xcb);
            BigEndian((ulong)BitConverter.DoubleToInt64Bits(d), 8);
        }

        public void String(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            int n = bytes.Length;
            if (n < 32) stream.WriteByte((byte)(0xa0 | n));
            else if (n <= 0xff) { stream.WriteByte(0xd9); BigEndian((ulong)n, 1); }
            else if (n <= 0xffff) { stream.WriteByte(0xda); BigEndian((ulong)n, 2); }
            else { stream.WriteByte(0xdb); BigEndian((ulong)n, 4); }
            stream.Write(bytes, 0, n);
        }

        public void Binary(byte[] b)
        {
            int n = b.Length;
            if (n <= 0xff) { stream.WriteByte(0xc4); BigEndian((ulong)n, 1); }
            else if (n <= 0xffff) { stream.WriteByte(0xc5); BigEndian((ulong)n, 2); }
            else { stream.WriteByte(0xc6); BigEndian((ulong)n, 4); }
            stream.Write(b, 0, n);
        }

        public void ArrayHeader(int n)
        {
            if (n < 16) stream.WriteByte((byte)(0x90 | n));
            else if (n <= 0xffff) { stream.WriteByte(0xdc); BigEndian((ulong)n, 2); }
            else { stream.WriteByte(0xdd); BigEndian((ulong)n, 4); }
        }

        public void MapHeader(int n)
        {
            if (n < 16) stream.WriteByte((byte)(0x80 | n));
            else if (n <= 0xffff) { stream.WriteByte(0xde); BigEndian((ulong)n, 2); }
            else { stream.WriteByte(0xdf); BigEndian((ulong)n, 4); }
        }

        /// <summary>Any value of the decoded shapes (maps are written in their enumeration order).</summary>
        public void Value(object v)
        {
            if (v == null) Nil();
            else if (v is bool) Bool((bool)v);
            else if (v is long) Int((long)v);
            else if (v is int) Int((int)v);
            else if (v is double) Double((double)v);
            else if (v is float) Double((float)v);
            else if (v is string) String((string)v);
            else if (v is byte[]) Binary((byte[])v);
            else if (v is IList<object>)
            {
                var list = (IList<object>)v;
                ArrayHeader(list.Count);
                foreach (var item in list) Value(item);
            }
            else if (v is IEnumerable<KeyValuePair<string, object>>)
            {
                var entries = new List<KeyValuePair<string, object>>((IEnumerable<KeyValuePair<string, object>>)v);
                MapHeader(entries.Count);
                foreach (var entry in entries)
                {
                    String(entry.Key);
                    Value(entry.Value);
                }
            }
            else throw new ArgumentException("cannot write a " + v.GetType().Name + " as msgpack");
        }
    }
}
