using System.Text;

namespace Groundwork.Fuzzing;

/// <summary>
/// A JSON object body as raw text members, so a mutation can write what no serializer would: duplicate keys, lone surrogate
/// escapes, <c>1e400</c>, <c>5e0</c>. Invalid UTF-8 is written as a marker (<see cref="InvalidUtf8"/>) replaced by bytes on encoding.
/// </summary>
internal sealed record JsonBody(IReadOnlyList<KeyValuePair<string, string>> Members)
{
    private const char Marker = '\u0001';

    /// <summary>Byte sequences that are not UTF-8: 0xFF, a bad continuation, an encoded surrogate, past U+10FFFF, overlong, cut, lone continuation.</summary>
    public static readonly byte[][] InvalidSequences =
    [
        [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xE2, 0x82], [0x80], [0xFE, 0xFF],
    ];

    public static string InvalidUtf8(int index) => $"{Marker}{(char)('0' + index)}";

    public JsonBody With(string key, string raw)
    {
        var members = Members.ToList();
        var index = members.FindIndex(m => m.Key == key);
        if (index >= 0)
        {
            members[index] = new(key, raw);
        }
        else
        {
            members.Add(new(key, raw));
        }
        return new JsonBody(members);
    }

    public JsonBody Without(string key) => new(Members.Where(m => m.Key != key).ToList());

    public JsonBody Plus(string key, string raw) => new([.. Members, new(key, raw)]);

    public JsonBody Prepend(string key, string raw) => new([new(key, raw), .. Members]);

    public override string ToString() => "{" + string.Join(",", Members.Select(m => $"\"{m.Key}\":{m.Value}")) + "}";

    public byte[] ToBytes() => Encode(ToString());

    public static byte[] Encode(string text)
    {
        if (!text.Contains(Marker))
        {
            return Encoding.UTF8.GetBytes(text);
        }
        var bytes = new List<byte>(text.Length + 8);
        var parts = text.Split(Marker);
        bytes.AddRange(Encoding.UTF8.GetBytes(parts[0]));
        foreach (var part in parts.Skip(1))
        {
            bytes.AddRange(InvalidSequences[part[0] - '0']);
            bytes.AddRange(Encoding.UTF8.GetBytes(part[1..]));
        }
        return [.. bytes];
    }
}
