using System.Text;

namespace Groundwork.Fuzzing;

public sealed partial class CaseGenerator
{
    /// <summary>
    /// Authorization headers a client might send by mistake or on purpose: no key after Bearer, the key cut short or too long,
    /// another scheme, two keys, huge values. Sent through HttpClient, so ASCII only (odd bytes go over the raw socket).
    /// None may get a 5xx or have its key repeated in the answer.
    /// </summary>
    private IEnumerable<FuzzCase> AuthorizationCases(ApiOperation operation, Random random)
    {
        if (_options.Authorization is not { } valid)
        {
            yield break;
        }

        _operation = operation.Name;
        var key = KeyOf(valid);
        var target = Target(operation, random);
        var body = operation.JsonBodySchema is { } schema ? Encoding.UTF8.GetBytes(ValidObject(_schema.Resolve(schema), random, full: false, depth: 0).ToString()) : null;
        var unknown = "gw_" + new string('A', key.Length - 3);
        (string Note, string[] Values)[] variants =
        [
            ("Bearer without a key", ["Bearer"]),
            ("Bearer and a space", ["Bearer "]),
            ("the scheme in lower case", [$"bearer {key}"]),
            ("spaces and a tab around the key", [$"Bearer \t {key}  "]),
            ("the key cut by one character", [$"Bearer {key[..^1]}"]),
            ("the key with one more character", [$"Bearer {key}A"]),
            ("a well-formed unknown key", [$"Bearer {unknown}"]),
            ("the key alone, no scheme", [key]),
            ("Basic credentials", [$"Basic {Convert.ToBase64String(Encoding.ASCII.GetBytes("admin:admin"))}"]),
            ("two keys in one header", [$"Bearer {key}, Bearer {key}"]),
            ("two Authorization headers", [valid, $"Bearer {unknown}"]),
            ("a 5,000-character key", [$"Bearer gw_{new string('A', 5_000)}"]),
            ("a 20,000-character header", [$"Bearer {new string('x', 20_000)}"]),
            ("a key of base64 padding and symbols", [$"Bearer gw_{new string('=', 43)}"]),
        ];
        foreach (var (note, values) in variants)
        {
            yield return new FuzzCase(FuzzClass.Authorization, operation.Name, operation.Method, target, body, body is null ? null : "application/json",
                $"Authorization: {note}")
            {
                Headers = [.. values.Select(value => new KeyValuePair<string, string>("Authorization", value))],
                Secret = key,
            };
        }
    }

    /// <summary>Authorization headers with bytes HttpClient would refuse to send, or none at all, over the raw socket.</summary>
    private IEnumerable<FuzzCase> RawAuthorizationCases()
    {
        if (_options.Authorization is not { } valid || _api.Operations.FirstOrDefault(o => o.Method == "GET" && !o.PathTemplate.Contains('{')) is not { } operation)
        {
            yield break;
        }

        var key = KeyOf(valid);
        var utf8 = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("gw_ключ-" + new string('ä', 40)));
        (string Note, string Headers)[] variants =
        [
            ("no Authorization header", ""),
            ("an empty Authorization header", "Authorization: \r\n"),
            ("two Authorization headers with the valid key", $"Authorization: {valid}\r\nAuthorization: {valid}\r\n"),
            ("a Latin-1 byte in the key", $"Authorization: Bearer {key[..^1]}\u00e9\r\n"),
            ("a 0xFF byte after the key", $"Authorization: Bearer {key}\u00ff\r\n"),
            ("a UTF-8 key", $"Authorization: Bearer {utf8}\r\n"),
            ("a control byte in the key", $"Authorization: Bearer {key[..5]}\u0001{key[6..]}\r\n"),
            ("a NUL byte in the key", $"Authorization: Bearer {key[..5]}\u0000{key[6..]}\r\n"),
            ("the key folded onto a continuation line", $"Authorization: Bearer\r\n {key}\r\n"),
            ("a 9,000-byte key", $"Authorization: Bearer gw_{new string('A', 9_000)}\r\n"),
            ("a 40,000-byte key (past Kestrel's header limit)", $"Authorization: Bearer gw_{new string('A', 40_000)}\r\n"),
        ];
        foreach (var (note, headers) in variants)
        {
            yield return Raw(operation, $"GET {operation.PathTemplate} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n", $"Authorization: {note}", authorize: false)
                with { Class = FuzzClass.Authorization, Secret = key };
        }
    }

    private static string KeyOf(string authorization) =>
        authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : authorization;
}
