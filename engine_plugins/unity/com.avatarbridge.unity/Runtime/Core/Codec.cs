// msgpack <-> the classes of Messages.cs. Never throws on bad input: it comes back as a status to count.
using System;
using System.Collections.Generic;

namespace AvatarBridge.Core
{
    /// <summary>Why a stream message was not delivered. Everything but Ok is skipped and counted.</summary>
    public enum DecodeStatus
    {
        Ok,
        /// <summary>Not msgpack, truncated, trailing bytes, not a map, non-string keys, nested too deep.</summary>
        Malformed,
        /// <summary>`v` is not Codec.ProtocolVersion (a newer sidecar): the message must not be interpreted.</summary>
        Version,
        /// <summary>A kind this core does not know (a newer sidecar may add kinds in a minor change).</summary>
        UnknownKind,
        /// <summary>A known kind with a missing field or a field of the wrong type or size.</summary>
        Invalid,
    }

    public struct DecodeResult
    {
        public DecodeStatus Status;
        public string Kind;  // the `kind` field when it could be read
        public string Error;  // what was wrong, naming the field
        public StreamMessage Message;  // set when Status is Ok
    }

    public static class Codec
    {
        public const int ProtocolVersion = 1;

        private sealed class FieldException : Exception
        {
            public FieldException(string message) : base(message) { }
        }

        // The one table of kinds this core understands; a new kind is one entry (and a class and a handler).
        private static readonly Dictionary<string, Func<Dictionary<string, object>, StreamMessage>> Kinds =
            new Dictionary<string, Func<Dictionary<string, object>, StreamMessage>>
            {
                { "audio", DecodeAudio },
                { "phonemes", DecodePhonemes },
                { "words", DecodeWords },
                { "face", DecodeFace },
                { "event", DecodeEvent },
                { "pose", DecodePose },
                { "skeleton", body => ReadSkeleton(body, "skeleton", String(body, "skeleton", "avatar")) },
            };

        public static DecodeResult DecodeStream(byte[] data)
        {
            var result = new DecodeResult { Status = DecodeStatus.Malformed, Kind = "", Error = "" };
            object decoded;
            try
            {
                decoded = MsgPack.Decode(data);
            }
            catch (MsgPackException e)
            {
                result.Error = "not valid msgpack: " + e.Message;
                return result;
            }
            var body = decoded as Dictionary<string, object>;
            if (body == null)
            {
                result.Error = "stream message must be a map";
                return result;
            }
            object kind;
            if (body.TryGetValue("kind", out kind) && kind is string) result.Kind = (string)kind;
            object v;
            if (!body.TryGetValue("v", out v) || !(v is long) || (long)v != ProtocolVersion)
            {
                result.Status = DecodeStatus.Version;
                result.Error = "protocol version is not " + ProtocolVersion;
                return result;
            }
            Func<Dictionary<string, object>, StreamMessage> decode;
            if (!Kinds.TryGetValue(result.Kind, out decode))
            {
                result.Status = DecodeStatus.UnknownKind;
                result.Error = "unknown kind '" + result.Kind + "'";
                return result;
            }
            try
            {
                result.Message = decode(body);
                result.Status = DecodeStatus.Ok;
            }
            catch (FieldException e)
            {
                result.Status = DecodeStatus.Invalid;
                result.Error = e.Message;
            }
            return result;
        }

        public static Reply DecodeReply(byte[] data)
        {
            Dictionary<string, object> body;
            try
            {
                body = MsgPack.Decode(data) as Dictionary<string, object>;
            }
            catch (MsgPackException e)
            {
                return Reply.Failure("malformed", "not valid msgpack: " + e.Message);
            }
            if (body == null) return Reply.Failure("malformed", "reply must be a map");
            var reply = new Reply { Body = body };
            object value;
            if (body.TryGetValue("id", out value)) reply.Id = value;
            reply.Ok = body.TryGetValue("ok", out value) && value is bool && (bool)value;
            if (!reply.Ok)
            {
                body.TryGetValue("error", out value);
                var error = value as Dictionary<string, object> ?? new Dictionary<string, object>();
                reply.ErrorCode = Text(error, "code");
                reply.ErrorMessage = Text(error, "message");
                reply.ErrorField = Text(error, "field");
                if (reply.ErrorCode.Length == 0) reply.ErrorCode = "malformed";
            }
            return reply;
        }

        /// <summary>Encode a request byte for byte as bridge/protocol.py's encode_request: op, id, fields.</summary>
        public static byte[] EncodeRequest(Request request)
        {
            var w = new MsgPackWriter();
            w.MapHeader(1 + (request.Id != null ? 1 : 0) + request.Fields.Count);
            w.String("op");
            w.String(request.Op);
            if (request.Id != null)
            {
                w.String("id");
                w.Value(request.Id);
            }
            foreach (var field in request.Fields)
            {
                w.String(field.Key);
                w.Value(field.Value);
            }
            return w.ToArray();
        }

        /// <summary>A message back in its wire shape (v, kind and every field): recorders, tools, tests.</summary>
        public static List<KeyValuePair<string, object>> ToWire(StreamMessage message)
        {
            var e = new List<KeyValuePair<string, object>>
            {
                Entry("v", (long)ProtocolVersion), Entry("kind", message.Kind), Entry("avatar", message.Avatar),
            };
            var audio = message as AudioChunk;
            var phonemes = message as Phonemes;
            var words = message as Words;
            var face = message as FaceFrame;
            var ev = message as BridgeEvent;
            var pose = message as PoseFrame;
            var skeleton = message as Skeleton;
            if (audio != null)
            {
                var pcm = new byte[audio.Pcm.Length * 2];
                for (int i = 0; i < audio.Pcm.Length; i++)
                {
                    pcm[2 * i] = (byte)(audio.Pcm[i] & 0xff);
                    pcm[2 * i + 1] = (byte)((audio.Pcm[i] >> 8) & 0xff);
                }
                e.Add(Entry("take", audio.Take));
                e.Add(Entry("seq", audio.Seq));
                e.Add(Entry("pts", audio.Pts));
                e.Add(Entry("rate", (long)audio.Rate));
                e.Add(Entry("pcm", pcm));
            }
            else if (phonemes != null)
            {
                var items = new List<object>();
                foreach (var p in phonemes.Items) items.Add(new List<object> { p.Phoneme, p.Viseme, p.Start, p.End });
                e.Add(Entry("take", phonemes.Take));
                e.Add(Entry("items", items));
            }
            else if (words != null)
            {
                var items = new List<object>();
                foreach (var w in words.Items) items.Add(new List<object> { w.Word, w.Start, w.End });
                e.Add(Entry("take", words.Take));
                e.Add(Entry("items", items));
            }
            else if (face != null)
            {
                e.Add(Entry("seq", face.Seq));
                e.Add(Entry("pts", face.Pts));
                e.Add(Entry("w", Float32s(face.Weights)));
                e.Add(Entry("head", new List<object> { face.Head[0], face.Head[1], face.Head[2] }));
                e.Add(Entry("eyes", new List<object> { face.Eyes[0], face.Eyes[1], face.Eyes[2], face.Eyes[3] }));
            }
            else if (pose != null)
            {
                var q = new float[pose.Rotations.Length * 4];
                for (int j = 0; j < pose.Rotations.Length; j++)
                {
                    var r = pose.Rotations[j];
                    q[4 * j] = r.X;
                    q[4 * j + 1] = r.Y;
                    q[4 * j + 2] = r.Z;
                    q[4 * j + 3] = r.W;
                }
                e.Add(Entry("seq", pose.Seq));
                e.Add(Entry("pts", pose.Pts));
                e.Add(Entry("root", new List<object> { pose.Root[0], pose.Root[1], pose.Root[2] }));
                e.Add(Entry("q", Float32s(q)));
            }
            else if (skeleton != null)
            {
                var joints = new List<object>();
                var parents = new List<object>();
                var offsets = new List<object>();
                for (int j = 0; j < skeleton.Count; j++)
                {
                    joints.Add(skeleton.Joints[j]);
                    parents.Add((long)skeleton.Parents[j]);
                    offsets.Add(new List<object> { skeleton.Offsets[j][0], skeleton.Offsets[j][1], skeleton.Offsets[j][2] });
                }
                e.Add(Entry("joints", joints));
                e.Add(Entry("parents", parents));
                e.Add(Entry("offsets", offsets));
            }
            else if (ev != null)
            {
                e.Add(Entry("seq", ev.Seq));
                e.Add(Entry("pts", ev.Pts));
                e.Add(Entry("type", ev.Type));
                e.Add(Entry("take", ev.Take));
                if (ev.Run != null) e.Add(Entry("run", ev.Run));
                foreach (var entry in ev.Data) e.Add(entry);
            }
            return e;
        }

        // -- fields -----------------------------------------------------------------------------------------------

        private static KeyValuePair<string, object> Entry(string key, object value)
        {
            return new KeyValuePair<string, object>(key, value);
        }

        private static string Text(Dictionary<string, object> map, string key)
        {
            object v;
            return map.TryGetValue(key, out v) && v is string ? (string)v : "";
        }

        private static object Field(Dictionary<string, object> body, string kind, string name)
        {
            object v;
            if (!body.TryGetValue(name, out v)) throw new FieldException(kind + " message lacks " + name);
            return v;
        }

        private static string String(Dictionary<string, object> body, string kind, string name)
        {
            var s = Field(body, kind, name) as string;
            if (s == null) throw new FieldException(kind + "." + name + " must be a string");
            return s;
        }

        private static double Number(object v, string kind, string name)
        {
            double d;
            if (v is long) d = (long)v;
            else if (v is double) d = (double)v;
            else throw new FieldException(kind + "." + name + " must be a finite number");
            if (double.IsNaN(d) || double.IsInfinity(d)) throw new FieldException(kind + "." + name + " must be a finite number");
            return d;
        }

        private static double Number(Dictionary<string, object> body, string kind, string name)
        {
            return Number(Field(body, kind, name), kind, name);
        }

        private static long Integer(Dictionary<string, object> body, string kind, string name)
        {
            var v = Field(body, kind, name);
            if (!(v is long)) throw new FieldException(kind + "." + name + " must be an integer");
            return (long)v;
        }

        private static byte[] Binary(Dictionary<string, object> body, string kind, string name)
        {
            var b = Field(body, kind, name) as byte[];
            if (b == null) throw new FieldException(kind + "." + name + " must be binary");
            return b;
        }

        private static double[] Numbers(Dictionary<string, object> body, string kind, string name, int n)
        {
            var list = Field(body, kind, name) as List<object>;
            if (list == null || list.Count != n) throw new FieldException(kind + "." + name + " must be a list of " + n + " numbers");
            var values = new double[n];
            for (int i = 0; i < n; i++) values[i] = Number(list[i], kind, name);
            return values;
        }

        private static List<List<object>> Items(Dictionary<string, object> body, string kind, int width)
        {
            var list = Field(body, kind, "items") as List<object>;
            if (list == null) throw new FieldException(kind + ".items must be a list");
            var items = new List<List<object>>();
            foreach (var item in list)
            {
                var row = item as List<object>;
                if (row == null || row.Count < width) throw new FieldException(kind + ".items must be a list of lists of " + width + " values");
                items.Add(row);
            }
            return items;
        }

        private static string ItemString(object v, string kind)
        {
            var s = v as string;
            if (s == null) throw new FieldException(kind + ".items must be lists that start with strings");
            return s;
        }

        /// <summary>float32 little-endian, as the wire packs face weights and pose quaternions.</summary>
        private static byte[] Float32s(float[] values)
        {
            var bytes = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++)
            {
                var b = BitConverter.GetBytes(values[i]);
                if (!BitConverter.IsLittleEndian) Array.Reverse(b);
                Buffer.BlockCopy(b, 0, bytes, 4 * i, 4);
            }
            return bytes;
        }

        private static float[] ReadFloat32s(byte[] bytes)
        {
            var values = new float[bytes.Length / 4];
            var b = new byte[4];
            for (int i = 0; i < values.Length; i++)
            {
                Buffer.BlockCopy(bytes, 4 * i, b, 0, 4);
                if (!BitConverter.IsLittleEndian) Array.Reverse(b);
                values[i] = BitConverter.ToSingle(b, 0);
            }
            return values;
        }

        private static List<object> List(Dictionary<string, object> body, string kind, string name, int count)
        {
            var list = Field(body, kind, name) as List<object>;
            if (list == null) throw new FieldException(kind + "." + name + " must be a list");
            if (count >= 0 && list.Count != count)
            {
                throw new FieldException(kind + "." + name + " must have one entry per joint (" + count + "), got " + list.Count);
            }
            return list;
        }

        // -- kinds ------------------------------------------------------------------------------------------------

        private static StreamMessage DecodeAudio(Dictionary<string, object> body)
        {
            var m = new AudioChunk
            {
                Avatar = String(body, "audio", "avatar"),
                Take = String(body, "audio", "take"),
                Seq = Integer(body, "audio", "seq"),
                Pts = Number(body, "audio", "pts"),
            };
            long rate = Integer(body, "audio", "rate");
            if (rate < 1 || rate > 384000) throw new FieldException("audio.rate must be between 1 and 384000 Hz");
            m.Rate = (int)rate;
            var pcm = Binary(body, "audio", "pcm");
            if (pcm.Length % 2 != 0) throw new FieldException("audio.pcm must hold whole 16-bit samples");
            m.Pcm = new short[pcm.Length / 2];
            for (int i = 0; i < m.Pcm.Length; i++) m.Pcm[i] = (short)(pcm[2 * i] | (pcm[2 * i + 1] << 8));  // little-endian
            return m;
        }

        private static StreamMessage DecodePhonemes(Dictionary<string, object> body)
        {
            var m = new Phonemes { Avatar = String(body, "phonemes", "avatar"), Take = String(body, "phonemes", "take") };
            foreach (var row in Items(body, "phonemes", 4))
            {
                m.Items.Add(new PhonemeItem
                {
                    Phoneme = ItemString(row[0], "phonemes"),
                    Viseme = ItemString(row[1], "phonemes"),
                    Start = Number(row[2], "phonemes", "items"),
                    End = Number(row[3], "phonemes", "items"),
                });
            }
            return m;
        }

        private static StreamMessage DecodeWords(Dictionary<string, object> body)
        {
            var m = new Words { Avatar = String(body, "words", "avatar"), Take = String(body, "words", "take") };
            foreach (var row in Items(body, "words", 3))
            {
                m.Items.Add(new WordItem
                {
                    Word = ItemString(row[0], "words"),
                    Start = Number(row[1], "words", "items"),
                    End = Number(row[2], "words", "items"),
                });
            }
            return m;
        }

        private static StreamMessage DecodeFace(Dictionary<string, object> body)
        {
            var m = new FaceFrame
            {
                Avatar = String(body, "face", "avatar"),
                Seq = Integer(body, "face", "seq"),
                Pts = Number(body, "face", "pts"),
            };
            var w = Binary(body, "face", "w");
            if (w.Length != Arkit.Count * 4)
            {
                throw new FieldException("face.w must be " + (Arkit.Count * 4) + " bytes (52 float32), got " + w.Length);
            }
            m.Weights = ReadFloat32s(w);
            for (int i = 0; i < Arkit.Count; i++)
            {
                float f = m.Weights[i];
                if (float.IsNaN(f) || float.IsInfinity(f)) m.Weights[i] = 0f;  // a NaN would poison a whole blend
            }
            m.Head = Numbers(body, "face", "head", 3);
            m.Eyes = Numbers(body, "face", "eyes", 4);
            return m;
        }

        private static StreamMessage DecodePose(Dictionary<string, object> body)
        {
            var m = new PoseFrame
            {
                Avatar = String(body, "pose", "avatar"),
                Seq = Integer(body, "pose", "seq"),
                Pts = Number(body, "pose", "pts"),
                Root = Numbers(body, "pose", "root", 3),
            };
            var q = Binary(body, "pose", "q");
            if (q.Length % 16 != 0)
            {
                throw new FieldException("pose.q must be whole quaternions (16 bytes: 4 float32 each), got " + q.Length + " bytes");
            }
            var values = ReadFloat32s(q);
            m.Rotations = new Quat[values.Length / 4];
            for (int j = 0; j < m.Rotations.Length; j++)
            {
                var r = new Quat(values[4 * j], values[4 * j + 1], values[4 * j + 2], values[4 * j + 3]);
                bool finite = !(float.IsNaN(r.X + r.Y + r.Z + r.W) || float.IsInfinity(r.X + r.Y + r.Z + r.W));
                m.Rotations[j] = finite ? r : Quat.Identity;  // a NaN would tear the mesh: that joint stays at rest
            }
            return m;
        }

        /// <summary>A skeleton map ({joints, parents, offsets}: the `skeleton` message, or `describe`'s `skeleton`);
        /// `where` names it in errors. Parents must come before their children, so one pass does forward kinematics.</summary>
        private static Skeleton ReadSkeleton(Dictionary<string, object> body, string where, string avatar)
        {
            var joints = List(body, where, "joints", -1);
            int n = joints.Count;
            var parents = List(body, where, "parents", n);
            var offsets = List(body, where, "offsets", n);
            var m = new Skeleton { Avatar = avatar, Joints = new string[n], Parents = new int[n], Offsets = new double[n][] };
            for (int j = 0; j < n; j++)
            {
                m.Joints[j] = joints[j] as string;
                if (m.Joints[j] == null) throw new FieldException(where + ".joints must be strings");
                if (!(parents[j] is long) || (long)parents[j] < -1 || (long)parents[j] >= j)
                {
                    throw new FieldException(where + ".parents[" + j + "] must be -1 or the index of an earlier joint");
                }
                m.Parents[j] = (int)(long)parents[j];
                var offset = offsets[j] as List<object>;
                if (offset == null || offset.Count != 3) throw new FieldException(where + ".offsets[" + j + "] must be [x, y, z]");
                m.Offsets[j] = new double[3];
                for (int k = 0; k < 3; k++) m.Offsets[j][k] = Number(offset[k], where, "offsets");
            }
            return m;
        }

        /// <summary>The skeleton of a `describe` reply (null when it has none or it is malformed: the stream sends
        /// one every second anyway).</summary>
        public static Skeleton SkeletonOf(Reply describe, string avatar)
        {
            object v;
            var map = describe.Body.TryGetValue("skeleton", out v) ? v as Dictionary<string, object> : null;
            if (map == null) return null;
            try
            {
                return ReadSkeleton(map, "describe.skeleton", avatar);
            }
            catch (FieldException)
            {
                return null;
            }
        }

        private static StreamMessage DecodeEvent(Dictionary<string, object> body)
        {
            var m = new BridgeEvent
            {
                Avatar = String(body, "event", "avatar"),
                Seq = Integer(body, "event", "seq"),
                Pts = Number(body, "event", "pts"),
                Type = String(body, "event", "type"),
            };
            object take;
            if (body.TryGetValue("take", out take) && take != null)
            {
                m.Take = take as string;
                if (m.Take == null) throw new FieldException("event.take must be a string or nil");
            }
            object run;
            if (body.TryGetValue("run", out run))
            {
                m.Run = run as string;
                if (m.Run == null) throw new FieldException("event.run must be a string");
            }
            foreach (var entry in body)
            {
                switch (entry.Key)
                {
                    case "v": case "kind": case "avatar": case "seq": case "pts": case "type": case "take": case "run": break;
                    default: m.Data[entry.Key] = entry.Value; break;
                }
            }
            return m;
        }
    }
}
