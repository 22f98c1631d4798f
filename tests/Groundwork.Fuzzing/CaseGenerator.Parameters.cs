namespace Groundwork.Fuzzing;

public sealed partial class CaseGenerator
{
    private static readonly string[] BadIntegers =
    [
        "abc", "-1", "", "1.0", "1e2", "5e0", "0x10", "+1", " 1", "1 ", "2147483648", "-2147483649", "9223372036854775807",
        "9223372036854775808", "-9223372036854775809", "99999999999999999999", "1" + new string('0', 400), "%ED%A0%80", "%FF", "%00",
        "%C0%AF", "true", "null", "[]", "%7B%7D", new string('9', 10_000), "١", "%EF%BC%91",
    ];

    private static readonly string[] BadStrings =
        ["", "%ED%A0%80", "%ED%B0%80%ED%A0%80", "%FF", "%00", "%C0%AF", "2", "-1", "READY", "Ready", "ready%00", "%20", "%0D%0A", "%22%27", "a%2Fb", "*"];

    /// <summary>Path and query parameters: each alone with bad values, all valid together, repeated, unknown.</summary>
    private IEnumerable<FuzzCase> ParameterCases(ApiOperation operation, Random random, bool systematic)
    {
        _operation = operation.Name;
        var body = operation.JsonBodySchema is { } schema ? ValidObject(_schema.Resolve(schema), random, full: false, depth: 0).ToBytes() : null;
        var contentType = body is null ? null : "application/json";
        FuzzCase Case(string fuzzClass, string target, string note, bool expectSuccess = false) =>
            new(fuzzClass, operation.Name, operation.Method, target, body, contentType, note) { ExpectSuccess = expectSuccess };

        var query = operation.Parameters.Where(p => p.In == "query").ToList();
        var path = operation.Parameters.Where(p => p.In == "path").ToList();
        if (query.Count == 0 && path.Count == 0)
        {
            if (operation.JsonBodySchema is null && !operation.AcceptsMultipart)
            {
                yield return Case(FuzzClass.Baseline, Target(operation, random), "no parameters", expectSuccess: true);
                yield return Case(FuzzClass.QueryString, Target(operation, random, "unknown=%ED%A0%80"), "an unknown parameter with an encoded surrogate");
            }
            yield break;
        }
        if (operation.JsonBodySchema is null)
        {
            yield return Case(FuzzClass.Baseline, Target(operation, random), "required parameters only", expectSuccess: true);
        }
        foreach (var parameter in path)
        {
            var values = _schema.Is(parameter.Schema, "integer") ? BadIntegers : BadStrings;
            foreach (var value in systematic ? values : [values[random.Next(values.Length)]])
            {
                var target = operation.PathTemplate.Replace("{" + parameter.Name + "}", value == "" ? "%20" : value, StringComparison.Ordinal);
                yield return Case(FuzzClass.PathId, target, $"{parameter.Name} = {Excerpt(value, 30)}");
            }
            yield return Case(FuzzClass.PathId, operation.PathTemplate.Replace("{" + parameter.Name + "}", "0", StringComparison.Ordinal), $"{parameter.Name} = 0");
        }
        if (query.Count == 0)
        {
            yield break;
        }
        var valid = string.Join("&", query.Select(p => $"{p.Name}={ValidParameter(p, random)}"));
        yield return Case(FuzzClass.Baseline, Target(operation, random, valid), "every query parameter valid", expectSuccess: operation.JsonBodySchema is null);
        foreach (var parameter in query)
        {
            var values = _schema.Is(parameter.Schema, "integer") || _schema.Is(parameter.Schema, "boolean") ? BadIntegers : BadStrings;
            if (_schema.Long(parameter.Schema, "maximum") is { } maximum)
            {
                values = [.. values, (maximum + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), maximum.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            }
            if (_schema.Long(parameter.Schema, "minimum") is { } minimum)
            {
                values = [.. values, (minimum - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)];
            }
            values = [.. values, new string('a', 10_000)];
            foreach (var value in systematic ? values : [values[random.Next(values.Length)]])
            {
                yield return Case(FuzzClass.QueryString, Target(operation, random, $"{parameter.Name}={value}"), $"{parameter.Name}={Excerpt(value, 30)}");
            }
            yield return Case(FuzzClass.QueryString, Target(operation, random, $"{parameter.Name}={ValidParameter(parameter, random)}&{parameter.Name}={ValidParameter(parameter, random)}"),
                $"{parameter.Name} twice");
            yield return Case(FuzzClass.QueryString, Target(operation, random, parameter.Name), $"{parameter.Name} without =");
        }
        yield return Case(FuzzClass.QueryString, Target(operation, random, valid + "&unknown=1"), "an unknown parameter");
        yield return Case(FuzzClass.QueryString, Target(operation, random, "%ED%A0%80=1"), "a parameter named with an encoded surrogate");
        yield return Case(FuzzClass.QueryString, Target(operation, random, "&&&=&=="), "empty names and values");
        yield return Case(FuzzClass.QueryString, Target(operation, random, string.Join("&", Enumerable.Range(0, 2_000).Select(i => $"p{i}={i}"))), "2,000 parameters");
    }
}
