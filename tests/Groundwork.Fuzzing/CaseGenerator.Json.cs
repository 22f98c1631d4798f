using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Groundwork.Fuzzing;

public sealed partial class CaseGenerator
{
    private static readonly string[] WrongTypes = ["\"fuzz\"", "0", "-1", "3.5", "true", "false", "[]", "[1,\"a\"]", "{}", "{\"a\":1}"];

    private static readonly string[] Surrogates =
        ["\"\\ud800\"", "\"\\udc00\"", "\"\\udc00\\ud800\"", "\"a\\ud800b\"", "\"\\ud800\\u0041\"", "\"\\ud83d\"", "\"x\\udfff\"", "\"\\uD800\\uD800\""];

    private static readonly string[] IntegerSpellings = ["5e0", "1.0", "1e2", "-0.0", "1e-400", "0.5", "1E1", "-0", "2.50", "1e0", "3.0000000000000001"];

    private static readonly string[] HugeNumbers =
    [
        "1e400", "-1e400", "123456789012345678901234567890", "9223372036854775808", "-9223372036854775809", "2147483648",
        "-2147483649", "1e308", "4.9e-324", "1" + new string('0', 400), "0." + new string('0', 400) + "1",
    ];

    // Not JSON at all, in a number's place.
    private static readonly string[] NotNumbers = ["NaN", "Infinity", "-Infinity", "0x10", "+1", "01", ".5", "1.", "1e", "--1"];

    private IEnumerable<FuzzCase> JsonCases(ApiOperation operation, JsonElement schema, Random random, bool systematic)
    {
        _ = systematic;
        _operation = operation.Name;
        var target = Target(operation, random);
        FuzzCase Case(string fuzzClass, JsonBody body, string note, bool expectSuccess = false) =>
            new(fuzzClass, operation.Name, operation.Method, target, body.ToBytes(), "application/json", note) { ExpectSuccess = expectSuccess };
        FuzzCase Text(string fuzzClass, string body, string note, string? contentType = "application/json") =>
            new(fuzzClass, operation.Name, operation.Method, target, JsonBody.Encode(body), contentType, note);
        FuzzCase Bytes(string fuzzClass, byte[] body, string note, string? contentType = "application/json") =>
            new(fuzzClass, operation.Name, operation.Method, target, body, contentType, note);

        var full = ValidObject(schema, random, full: true, depth: 0);
        var minimal = ValidObject(schema, random, full: false, depth: 0);
        yield return Case(FuzzClass.Baseline, full, "every field valid", expectSuccess: true);
        yield return Case(FuzzClass.Baseline, minimal, "required fields valid", expectSuccess: true);

        var required = _schema.Required(schema);
        foreach (var (name, property) in _schema.Properties(schema))
        {
            foreach (var (fuzzClass, raw, note) in FieldMutations(name, property))
            {
                yield return Case(fuzzClass, full.With(name, raw), note);
            }
            if (required.Contains(name))
            {
                yield return Case(FuzzClass.MissingField, full.Without(name), $"{name} left out");
            }
            foreach (var wrong in new[] { "1", "null", "\"x\"", "[]", "{}", "1e400" })
            {
                yield return Case(FuzzClass.DuplicateKey, full.Plus(name, wrong), $"{name} twice, the second {wrong}");
                yield return Case(FuzzClass.DuplicateKey, full.Prepend(name, wrong), $"{name} twice, the first {wrong}");
            }
            yield return Case(FuzzClass.DuplicateKey, full.Plus(name, full.Members.FirstOrDefault(m => m.Key == name).Value ?? "null"),
                $"{name} twice, the same value");
            yield return Case(FuzzClass.DuplicateKey, full.Plus(name, "\"\\ud800\""), $"{name} twice, the second a lone surrogate");
            yield return Case(FuzzClass.UnknownField, full.Without(name).Plus(char.ToUpperInvariant(name[0]) + name[1..], Valid(name, property, random, true)),
                $"{name} spelled with a capital");
            yield return Case(FuzzClass.DeepNesting, full.With(name, Repeat("[", _options.DeepNesting) + Repeat("]", _options.DeepNesting)),
                $"{name}: {_options.DeepNesting} nested arrays");
            yield return Case(FuzzClass.DeepNesting, full.With(name, Repeat("{\"a\":", _options.DeepNesting) + "1" + Repeat("}", _options.DeepNesting)),
                $"{name}: {_options.DeepNesting} nested objects");
            yield return Case(FuzzClass.DeepNesting, full.With(name, Repeat("[", 65) + Repeat("]", 65)), $"{name}: 65 nested arrays");
        }

        yield return Text(FuzzClass.EmptyBody, "", "empty body");
        yield return Text(FuzzClass.EmptyBody, " \r\n\t", "whitespace body");
        yield return Text(FuzzClass.EmptyBody, "", "empty body, no content type", contentType: null);
        foreach (var topLevel in new[] { "null", "[]", "[{}]", "\"text\"", "0", "true", "{}", "1e400", "[" + full + "]" })
        {
            yield return Text(FuzzClass.TopLevelType, topLevel, $"body {Excerpt(topLevel, 24)}");
        }

        var baseline = full.ToString();
        foreach (var cut in new[] { 1, 2, baseline.Length / 4, baseline.Length / 2, baseline.Length - 1 }.Distinct())
        {
            yield return Text(FuzzClass.TruncatedBody, baseline[..cut], $"cut to {cut} of {baseline.Length} characters");
        }
        yield return Text(FuzzClass.TruncatedBody, "{\"" + full.Members[0].Key + "\":\"\\u12", "cut inside a \\u escape");
        yield return Text(FuzzClass.TruncatedBody, "{\"" + full.Members[0].Key + "\":", "cut after a colon");
        yield return Text(FuzzClass.TruncatedBody, "{\"" + full.Members[0].Key + "\":\"abc", "cut inside a string");

        foreach (var malformed in new[]
        {
            baseline + "x", baseline + "{}", baseline + ",", baseline.TrimEnd('}') + ",}", baseline.Replace('"', '\''),
            "/* c */" + baseline, baseline.Replace("\":", "\" :   "), "{" + full.Members[0].Key + ":1}", "{\"a\" 1}", "{,}", "{\"\\x41\":1}",
            baseline.Replace("\"" + full.Members[0].Key + "\"", "\"" + full.Members[0].Key + "\\u0000\""),
        })
        {
            yield return Text(FuzzClass.MalformedJson, malformed, $"not JSON: {Excerpt(malformed, 40)}");
        }

        var bytes = full.ToBytes();
        yield return Bytes(FuzzClass.InvalidUtf8, [0xFF, 0xFE, .. bytes], "UTF-16 byte order mark before UTF-8 JSON");
        yield return Bytes(FuzzClass.InvalidUtf8, [0xEF, 0xBB, 0xBF, .. bytes], "UTF-8 byte order mark (valid)");
        yield return Bytes(FuzzClass.InvalidUtf8, [(byte)'{', 0x00, .. bytes[1..]], "a NUL byte between tokens");
        yield return Bytes(FuzzClass.InvalidUtf8, JsonBody.Encode("{\"a" + JsonBody.InvalidUtf8(0) + "\":1," + baseline[1..]), "an invalid byte in an unknown key");
        var noise = new byte[256];
        random.NextBytes(noise);
        yield return Bytes(FuzzClass.InvalidUtf8, noise, "256 random bytes");
        yield return Bytes(FuzzClass.InvalidUtf8, Encoding.Latin1.GetBytes("{\"" + full.Members[0].Key + "\":\"caf\u00e9\"}"), "Latin-1 é in a string");

        yield return Case(FuzzClass.UnknownField, full.Plus("unknown_field", "1"), "an unknown field");
        yield return Case(FuzzClass.UnknownField, full.Plus("__proto__", "{\"admin\":true}"), "__proto__");
        yield return Case(FuzzClass.UnknownField, full.Prepend("$type", "\"object\"").Prepend("$id", "\"1\""), "$type and $id metadata");
        yield return Case(FuzzClass.UnknownField, full.Plus("$ref", "\"1\""), "$ref metadata");
        yield return Case(FuzzClass.UnknownField, new JsonBody([.. full.Members, .. Enumerable.Range(0, 300).Select(i => new KeyValuePair<string, string>($"extra{i}", "1"))]),
            "300 unknown fields");
        yield return Case(FuzzClass.UnknownField, full.Plus(new string('k', 10_000), "1"), "an unknown field with a 10,000-character name");
        yield return Case(FuzzClass.Surrogate, full.Plus("\\ud800", "1"), "an unknown field named with a lone surrogate");
        yield return Case(FuzzClass.Surrogate, full.Plus(full.Members[0].Key[..1] + "\\udc00" + full.Members[0].Key[1..], "1"),
            "a known field name with a lone surrogate inside");
        yield return Case(FuzzClass.NullField, new JsonBody(full.Members.Select(m => new KeyValuePair<string, string>(m.Key, "null")).ToList()), "every field null");
        yield return Case(FuzzClass.WrongType, new JsonBody(full.Members.Select(m => new KeyValuePair<string, string>(m.Key, "[]")).ToList()), "every field []");
        yield return Case(FuzzClass.WrongType, new JsonBody(full.Members.Select(m => new KeyValuePair<string, string>(m.Key, "{}")).ToList()), "every field {}");
        yield return Text(FuzzClass.DeepNesting, Repeat("[", _options.DeepNesting) + Repeat("]", _options.DeepNesting), $"body: {_options.DeepNesting} nested arrays");
        yield return Text(FuzzClass.DeepNesting, Repeat("{\"a\":", _options.DeepNesting) + "1" + Repeat("}", _options.DeepNesting), $"body: {_options.DeepNesting} nested objects");
        yield return Text(FuzzClass.DeepNesting, Repeat("[", _options.DeepNesting), $"body: {_options.DeepNesting} unclosed arrays");

        foreach (var contentType in new string?[]
        {
            null, "text/plain", "application/xml", "application/x-www-form-urlencoded", "application/json; charset=utf-8", "application/json; charset=utf-16",
            "application/json; charset=latin1", "application/json; charset=bogus", "application/json; charset=\"utf-8\"", "APPLICATION/JSON",
            "application/json;;", "application/problem+json", "application/vnd.api+json", "*/*", "application/*", "json", "multipart/form-data; boundary=x",
            "application/json; charset=utf-8; charset=utf-16",
        })
        {
            yield return Bytes(FuzzClass.ContentType, bytes, $"Content-Type: {contentType ?? "(none)"}", contentType);
        }
        yield return Bytes(FuzzClass.ContentType, Encoding.Unicode.GetBytes(baseline), "UTF-16LE body, Content-Type: application/json; charset=utf-16",
            "application/json; charset=utf-16");
        yield return Bytes(FuzzClass.ContentType, Encoding.BigEndianUnicode.GetBytes(baseline), "UTF-16BE body, Content-Type: application/json; charset=utf-16be",
            "application/json; charset=utf-16be");
        yield return Bytes(FuzzClass.ContentType, Encoding.UTF32.GetBytes(baseline), "UTF-32 body, Content-Type: application/json; charset=utf-32",
            "application/json; charset=utf-32");
        yield return Bytes(FuzzClass.ContentType, Encoding.Unicode.GetBytes(baseline), "UTF-16LE body, Content-Type: application/json");
    }

    /// <summary>Mutations of one field's value: (class, raw JSON, note).</summary>
    private IEnumerable<(string Class, string Raw, string Note)> FieldMutations(string name, JsonElement schema)
    {
        yield return (FuzzClass.NullField, "null", $"{name}: null");
        foreach (var wrong in WrongTypes)
        {
            yield return (FuzzClass.WrongType, wrong, $"{name}: {wrong}");
        }
        var types = _schema.Types(schema);
        var itemSchema = _schema.Items(schema);
        var stringItems = itemSchema is { } items && _schema.Is(items, "string");
        if (types.Contains("string") || stringItems)
        {
            // A string field gets the string; an array of strings gets it as its only item.
            string Wrap(string raw) => types.Contains("string") ? raw : "[" + raw + "]";
            foreach (var surrogate in Surrogates)
            {
                yield return (FuzzClass.Surrogate, Wrap(surrogate), $"{name}: {Wrap(surrogate)}");
            }
            yield return (FuzzClass.Surrogate, Wrap("\"\\ud83d\\ude00 \\\\ud800\""), $"{name}: a valid pair and an escaped backslash (valid)");
            for (var index = 0; index < JsonBody.InvalidSequences.Length; index++)
            {
                var hex = Convert.ToHexString(JsonBody.InvalidSequences[index]);
                yield return (FuzzClass.InvalidUtf8, Wrap("\"a" + JsonBody.InvalidUtf8(index) + "b\""), $"{name}: a string with bytes {hex}");
            }
            var stringSchema = types.Contains("string") ? _schema.Branch(schema, "string") : itemSchema!.Value;
            foreach (var (raw, note) in StringLengths(stringSchema))
            {
                yield return (FuzzClass.StringLength, Wrap(raw), $"{name}: {note}");
            }
            foreach (var raw in new[] { "\"\\u0000\"", "\"a\\u0000b\"", "\"\\r\\n\"", "\"\\t\"", "\"\\u202e\\ufeff\"", "\"\\uffff\"", "\"\\ufffd\"" })
            {
                yield return (FuzzClass.StringLength, Wrap(raw), $"{name}: control or special characters {raw}");
            }
            if (_schema.String(stringSchema, "format") == "date-time")
            {
                foreach (var date in new[] { "\"notadate\"", "\"2024-13-45\"", "\"99999-01-01T00:00:00Z\"", "\"0000-01-01\"", "\"2024-01-01T25:00:00Z\"",
                    "\"2024-01-01T00:00:00+99:00\"", "\"-2024-01-01\"", "\"9999-12-31T23:59:59.9999999+00:00\"", "\"0001-01-01T00:00:00-14:00\"" })
                {
                    yield return (FuzzClass.WrongType, date, $"{name}: {date}");
                }
            }
        }
        var enumValues = _schema.Enum(schema);
        if (enumValues.Count > 0)
        {
            foreach (var value in enumValues)
            {
                yield return (FuzzClass.Enum, Quote(value), $"{name}: {Quote(value)}");
            }
            foreach (var invalid in new[] { "\"nope\"", "\"\"", Quote(enumValues[0].ToUpperInvariant()), Quote(enumValues[0] + " "), "0", "1", "2", "99", "-1", "2147483647" })
            {
                yield return (FuzzClass.Enum, invalid, $"{name}: {invalid}");
            }
        }
        if (types.Contains("integer") || types.Contains("number"))
        {
            if (types.Contains("integer"))
            {
                foreach (var spelling in IntegerSpellings)
                {
                    yield return (FuzzClass.IntegerSpelling, spelling, $"{name}: {spelling}");
                }
            }
            foreach (var huge in HugeNumbers.Concat(NotNumbers))
            {
                yield return (FuzzClass.HugeNumber, huge, $"{name}: {Excerpt(huge, 30)}");
            }
            var numberSchema = _schema.Branch(schema, types.Contains("integer") ? "integer" : "number");
            if (_schema.Double(numberSchema, "minimum") is { } minimum)
            {
                yield return (FuzzClass.OutOfRange, Number(minimum), $"{name}: the minimum {Number(minimum)}");
                yield return (FuzzClass.OutOfRange, Number(minimum - 1), $"{name}: {Number(minimum - 1)}, below the minimum");
                yield return (FuzzClass.OutOfRange, Number(minimum - 0.001), $"{name}: just below the minimum");
            }
            if (_schema.Double(numberSchema, "maximum") is { } maximum)
            {
                yield return (FuzzClass.OutOfRange, Number(maximum), $"{name}: the maximum {Number(maximum)}");
                yield return (FuzzClass.OutOfRange, Number(maximum + 1), $"{name}: {Number(maximum + 1)}, above the maximum");
                yield return (FuzzClass.OutOfRange, Number(maximum + 0.001), $"{name}: just above the maximum");
            }
        }
        if (types.Contains("array"))
        {
            var arraySchema = _schema.Branch(schema, "array");
            var element = itemSchema is { } itemsSchema && _schema.Is(itemsSchema, "string") ? "\"a\"" : "1";
            if (_schema.Long(arraySchema, "maxItems") is { } maxItems)
            {
                yield return (FuzzClass.ArrayLength, Array(element, (int)maxItems), $"{name}: {maxItems} items (the maximum)");
                yield return (FuzzClass.ArrayLength, Array(element, (int)maxItems + 1), $"{name}: {maxItems + 1} items, one past the maximum");
            }
            else
            {
                yield return (FuzzClass.ArrayLength, Array(element, 10_000), $"{name}: 10,000 items (no maxItems)");
            }
            yield return (FuzzClass.ArrayLength, "[]", $"{name}: []");
            foreach (var odd in new[] { "[\"\"]", "[null]", "[1]", "[[\"a\"]]", "[{}]", "[\"a\",null]", "[1e400]" })
            {
                yield return (FuzzClass.WrongType, odd, $"{name}: {odd}");
            }
        }
        if (types.Contains("object"))
        {
            var objectSchema = _schema.Branch(schema, "object");
            if (_schema.Properties(objectSchema).Count > 0 || _schema.PatternProperties(objectSchema).Count > 0)
            {
                foreach (var mutation in FilterMutations(name, objectSchema))
                {
                    yield return mutation;
                }
            }
            else
            {
                foreach (var (fuzzClass, raw, note) in new (string, string, string)[]
                {
                    (FuzzClass.WrongType, "{\"k\":null}", "a null value"),
                    (FuzzClass.WrongType, "{\"k\":{\"nested\":1}}", "an object value"),
                    (FuzzClass.WrongType, "{\"k\":[1,2]}", "an array value"),
                    (FuzzClass.Surrogate, "{\"\\ud800\":\"x\"}", "a key that is a lone surrogate"),
                    (FuzzClass.Surrogate, "{\"k\":\"\\udc00\\ud800\"}", "a value with reversed surrogates"),
                    (FuzzClass.WrongType, "{\"\":1}", "an empty key"),
                    (FuzzClass.HugeNumber, "{\"k\":1e400}", "1e400"),
                    (FuzzClass.HugeNumber, "{\"k\":123456789012345678901234567890}", "a 30-digit integer"),
                    (FuzzClass.HugeNumber, "{\"k\":-0.0}", "-0.0"),
                    (FuzzClass.StringLength, "{\"" + new string('k', 10_000) + "\":1}", "a 10,000-character key"),
                    (FuzzClass.StringLength, "{\"k\":\"" + new string('v', 100_000) + "\"}", "a 100,000-character value"),
                    (FuzzClass.ArrayLength, "{" + string.Join(",", Enumerable.Range(0, 2_000).Select(i => $"\"k{i}\":{i}")) + "}", "2,000 keys"),
                    (FuzzClass.DuplicateKey, "{\"k\":1,\"k\":\"x\"}", "a key twice with different types"),
                    (FuzzClass.DeepNesting, "{\"k\":" + Repeat("[", _options.DeepNesting) + Repeat("]", _options.DeepNesting) + "}", "a deeply nested value"),
                })
                {
                    yield return (fuzzClass, raw, $"{name}: {note}");
                }
            }
        }
    }

    private IEnumerable<(string Raw, string Note)> StringLengths(JsonElement schema)
    {
        var minLength = _schema.Long(schema, "minLength");
        if (_schema.Long(schema, "maxLength") is { } maxLength)
        {
            if (maxLength <= _options.AtMaxLengthLimit)
            {
                yield return (Quote(LongText((int)maxLength)), $"{maxLength} characters (the maximum)");
                yield return (Quote(Repeat("\u00e9", (int)maxLength)), $"{maxLength} two-byte characters (the maximum)");
                yield return (Repeat("\\ud83d\\ude00", (int)maxLength).Insert(0, "\"") + "\"", $"{maxLength} emoji (the maximum in code points, twice in UTF-16)");
            }
            yield return (Quote(LongText((int)maxLength + 1)), $"{maxLength + 1} characters, one past the maximum");
            yield return ("\"" + Repeat("\\u0061", (int)Math.Min(maxLength + 1, 1_000_000)) + "\"", $"{Math.Min(maxLength + 1, 1_000_000)} characters as \\u escapes");
        }
        else
        {
            yield return (Quote(LongText(100_000)), "100,000 characters (no maxLength)");
        }
        if (minLength is { } minimum)
        {
            yield return (Quote(new string('a', (int)Math.Max(minimum - 1, 0))), $"{Math.Max(minimum - 1, 0)} characters, below the minimum");
        }
        yield return ("\"\"", "an empty string");
        yield return ("\"   \"", "only spaces");
    }

    private static string LongText(int length)
    {
        var text = new StringBuilder(length + 16);
        var word = 0;
        while (text.Length < length)
        {
            text.Append(Words[word++ % Words.Length]).Append(' ');
        }
        return text.ToString(0, length);
    }

    private static string Array(string element, int count) => "[" + string.Join(",", Enumerable.Repeat(element, count)) + "]";

    private static string Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 ? ((long)value).ToString(CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);

    internal static string Excerpt(string text, int length) => text.Length <= length ? text : text[..length] + "…";
}
