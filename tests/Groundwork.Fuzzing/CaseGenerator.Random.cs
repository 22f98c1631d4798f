using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Groundwork.Fuzzing;

public sealed partial class CaseGenerator
{
    private FuzzCase RandomJsonCase(ApiOperation operation, JsonElement schema, Random random)
    {
        _operation = operation.Name;
        var target = Target(operation, random);
        FuzzCase Case(string fuzzClass, byte[] body, string note, bool expectSuccess = false) =>
            new(fuzzClass, operation.Name, operation.Method, target, body, "application/json", note) { ExpectSuccess = expectSuccess };

        var body = ValidObject(schema, random, full: random.Next(2) == 0, depth: 0);
        var properties = _schema.Properties(schema);
        if (properties.Count == 0)
        {
            // A body described without properties (an open object): only its framing can be broken.
            var whole = body.ToBytes();
            var end = random.Next(0, whole.Length);
            return Case(FuzzClass.TruncatedBody, whole[..end], $"cut to {end} of {whole.Length} bytes");
        }

        var (name, property) = properties[random.Next(properties.Count)];
        switch (random.Next(8))
        {
            case 0:
            case 1:
            {
                var (fuzzClass, raw, note) = RandomValue(name, property, random);
                return Case(fuzzClass, body.With(name, raw).ToBytes(), note);
            }
            case 2:
            {
                var (_, raw, note) = RandomValue(name, property, random);
                return Case(FuzzClass.DuplicateKey, (random.Next(2) == 0 ? body.Plus(name, raw) : body.Prepend(name, raw)).ToBytes(), $"{name} twice, once {note}");
            }
            case 3:
            {
                var bytes = body.ToBytes();
                var cut = random.Next(0, bytes.Length);
                return Case(FuzzClass.TruncatedBody, bytes[..cut], $"cut to {cut} of {bytes.Length} bytes");
            }
            case 4:
            {
                var bytes = body.ToBytes();
                var position = random.Next(bytes.Length);
                var value = (byte)random.Next(256);
                bytes[position] = value;
                return Case(value >= 0x80 ? FuzzClass.InvalidUtf8 : FuzzClass.MalformedJson, bytes, $"byte {position} set to {value:X2}");
            }
            case 5 when _schema.Is(property, "object") && _schema.PatternProperties(_schema.Branch(property, "object")).Count > 0:
            {
                var mutations = FilterMutations(name, _schema.Branch(property, "object"));
                var (fuzzClass, raw, note) = mutations.Skip(random.Next(150)).FirstOrDefault();
                return raw is null ? Case(FuzzClass.Baseline, body.ToBytes(), "random valid values", expectSuccess: true) : Case(fuzzClass, body.With(name, raw).ToBytes(), note);
            }
            case 6:
            {
                var kept = body.Members.Where(_ => random.Next(3) != 0).Select(m => random.Next(4) == 0 ? new KeyValuePair<string, string>(m.Key, "null") : m).ToList();
                return Case(FuzzClass.NullField, new JsonBody(kept).ToBytes(), "fields left out or null at random");
            }
            default:
                return Case(FuzzClass.Baseline, body.ToBytes(), "random valid values", expectSuccess: true);
        }
    }

    /// <summary>A random value for a field: of its type or not, with surrogates, odd numbers and random lengths.</summary>
    private (string Class, string Raw, string Note) RandomValue(string name, JsonElement schema, Random random)
    {
        var types = _schema.Types(schema);
        string Pick(string[] values) => values[random.Next(values.Length)];
        switch (random.Next(9))
        {
            case 0:
                return (FuzzClass.WrongType, Pick(WrongTypes), $"{name}: a wrong type");
            case 1:
            {
                var text = RandomString(random, random.Next(1, 40), surrogates: true);
                return (FuzzClass.Surrogate, text, $"{name}: {Excerpt(text, 60)}");
            }
            case 2:
            {
                var spelled = Pick(IntegerSpellings);
                return (FuzzClass.IntegerSpelling, spelled, $"{name}: {spelled}");
            }
            case 3:
            {
                var huge = Pick([.. HugeNumbers, .. NotNumbers]);
                return (FuzzClass.HugeNumber, huge, $"{name}: {Excerpt(huge, 30)}");
            }
            case 4:
            {
                var minimum = _schema.Long(_schema.Branch(schema, "integer"), "minimum") ?? -5;
                var maximum = _schema.Long(_schema.Branch(schema, "integer"), "maximum") ?? 100;
                var value = random.Next(3) switch
                {
                    0 => random.NextInt64(minimum - 3, minimum + 3),
                    1 => random.NextInt64(maximum - 3, maximum + 3),
                    _ => random.NextInt64(long.MinValue, long.MaxValue),
                };
                return (FuzzClass.OutOfRange, value.ToString(CultureInfo.InvariantCulture), $"{name}: {value}");
            }
            case 5:
            {
                var maxLength = (int)Math.Min(_schema.Long(_schema.Branch(schema, "string"), "maxLength") ?? 3_000, 20_000);
                var length = random.Next(3) == 0 ? maxLength + random.Next(0, 3) : random.Next(0, Math.Max(maxLength, 1) + 2);
                var text = RandomString(random, length, surrogates: false);
                return (FuzzClass.StringLength, text, $"{name}: {length} random characters");
            }
            case 6:
            {
                var index = random.Next(JsonBody.InvalidSequences.Length);
                var raw = "\"" + RandomString(random, random.Next(0, 8), false).Trim('"') + JsonBody.InvalidUtf8(index) + "\"";
                return (FuzzClass.InvalidUtf8, types.Contains("array") ? "[" + raw + "]" : raw, $"{name}: a string with bytes {Convert.ToHexString(JsonBody.InvalidSequences[index])}");
            }
            case 7:
            {
                var depth = random.Next(30, 3_000);
                return (FuzzClass.DeepNesting, Repeat("[", depth) + Repeat("]", depth), $"{name}: {depth} nested arrays");
            }
            default:
                return (FuzzClass.NullField, "null", $"{name}: null");
        }
    }

    /// <summary>A JSON string literal of random characters: ASCII, escapes, non-BMP, and optionally lone surrogate escapes.</summary>
    private static string RandomString(Random random, int length, bool surrogates)
    {
        var text = new StringBuilder("\"", length + 16);
        for (var i = 0; i < length; i++)
        {
            switch (random.Next(surrogates ? 12 : 10))
            {
                case 0: text.Append("\\u").Append(random.Next(0, 0x20).ToString("x4", CultureInfo.InvariantCulture)); break;
                case 1: text.Append(new[] { "\\\"", "\\\\", "\\/" }[random.Next(3)]); break;
                case 2: text.Append(new[] { "\u00e9", "\u4e2d", "\ud83d\ude00", "\u200b" }[random.Next(4)]); break;
                case 10: text.Append("\\ud").Append("89ab"[random.Next(4)]).Append(random.Next(0, 0x100).ToString("x2", CultureInfo.InvariantCulture)); break;
                case 11: text.Append("\\ud").Append("cdef"[random.Next(4)]).Append(random.Next(0, 0x100).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: text.Append((char)random.Next('a', 'z' + 1)); break;
            }
        }
        return text.Append('"').ToString();
    }
}
