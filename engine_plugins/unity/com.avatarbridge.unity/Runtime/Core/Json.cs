// A small JSON reader for the files the plugin reads (rig profiles): Unity's JsonUtility cannot read a map of
// names, and the package ships no DLL. Values come back as the msgpack reader's shapes: null, bool, double, string,
// List<object> and Dictionary<string, object>.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AvatarBridge.Core
{
    /// <summary>Text that is not JSON; the message gives the line and column.</summary>
    public sealed class JsonException : Exception
    {
        public JsonException(string message) : base(message) { }
    }

    public static class Json
    {
        public static object Parse(string text)
        {
            if (text == null) throw new JsonException("no text");
            var reader = new Reader(text);
            reader.Space();
            var value = reader.Value(0);
            reader.Space();
            if (!reader.AtEnd) throw reader.Error("text after the JSON value");
            return value;
        }

        private sealed class Reader
        {
            private const int MaxDepth = 64;
            private readonly string s;
            private int i;

            public Reader(string text)
            {
                s = text;
                if (s.Length > 0 && s[0] == '\uFEFF') i = 1;  // a byte-order mark, as some editors save
            }

            public bool AtEnd { get { return i >= s.Length; } }

            public JsonException Error(string what)
            {
                int line = 1, column = 1;
                for (int k = 0; k < i && k < s.Length; k++)
                {
                    if (s[k] == '\n')
                    {
                        line++;
                        column = 1;
                    }
                    else column++;
                }
                return new JsonException("line " + line + ", column " + column + ": " + what);
            }

            public void Space()
            {
                while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
            }

            private void Expect(char c)
            {
                if (i >= s.Length || s[i] != c) throw Error("expected '" + c + "'");
                i++;
            }

            public object Value(int depth)
            {
                if (depth > MaxDepth) throw Error("nested deeper than " + MaxDepth);
                if (AtEnd) throw Error("unexpected end of text");
                char c = s[i];
                if (c == '{') return Object(depth);
                if (c == '[') return Array(depth);
                if (c == '"') return String();
                if (c == '-' || (c >= '0' && c <= '9')) return Number();
                if (Word("true")) return true;
                if (Word("false")) return false;
                if (Word("null")) return null;
                throw Error("unexpected '" + c + "'");
            }

            private bool Word(string word)
            {
                if (string.CompareOrdinal(s, i, word, 0, word.Length) != 0) return false;
                i += word.Length;
                return true;
            }

            private Dictionary<string, object> Object(int depth)
            {
                var map = new Dictionary<string, object>();
                Expect('{');
                Space();
                if (!AtEnd && s[i] == '}')
                {
                    i++;
                    return map;
                }
                while (true)
                {
                    Space();
                    if (AtEnd || s[i] != '"') throw Error("expected a string key");
                    string key = String();
                    if (map.ContainsKey(key)) throw Error("key \"" + key + "\" appears twice");
                    Space();
                    Expect(':');
                    Space();
                    map[key] = Value(depth + 1);
                    Space();
                    if (!AtEnd && s[i] == ',')
                    {
                        i++;
                        continue;
                    }
                    Expect('}');
                    return map;
                }
            }

            private List<object> Array(int depth)
            {
                var list = new List<object>();
                Expect('[');
                Space();
                if (!AtEnd && s[i] == ']')
                {
                    i++;
                    return list;
                }
                while (true)
                {
                    Space();
                    list.Add(Value(depth + 1));
                    Space();
                    if (!AtEnd && s[i] == ',')
                    {
                        i++;
                        continue;
                    }
                    Expect(']');
                    return list;
                }
            }

            private string String()
            {
                Expect('"');
                var sb = new StringBuilder();
                while (true)
                {
                    if (AtEnd) throw Error("a string is not closed");
                    char c = s[i++];
                    if (c == '"') return sb.ToString();
                    if (c < 0x20) throw Error("a control character inside a string");
                    if (c != '\\')
                    {
                        sb.Append(c);
                        continue;
                    }
                    if (AtEnd) throw Error("a string is not closed");
                    char e = s[i++];
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            int code;
                            if (i + 4 > s.Length || !int.TryParse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out code))
                            {
                                throw Error("a \\u escape needs four hex digits");
                            }
                            sb.Append((char)code);
                            i += 4;
                            break;
                        default: throw Error("unknown escape \\" + e);
                    }
                }
            }

            private double Number()
            {
                int start = i;
                if (s[i] == '-') i++;
                while (i < s.Length && "0123456789.eE+-".IndexOf(s[i]) >= 0) i++;
                double d;
                if (!double.TryParse(s.Substring(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out d))
                {
                    i = start;
                    throw Error("not a number");
                }
                return d;
            }
        }
    }
}
