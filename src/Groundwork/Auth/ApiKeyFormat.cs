using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Groundwork.Auth;

/// <summary>
/// API keys: <c>gw_</c> and 32 random bytes in base64url (46 characters). Keys are random, not chosen by people, so one
/// SHA-256 is a sufficient hash (a slow password hash would protect nothing more and cost every request).
/// </summary>
public static class ApiKeyFormat
{
    public const string Marker = "gw_";
    public const int RandomBytes = 32;
    public const int PrefixLength = 11;
    public static readonly int Length = Marker.Length + Base64Url.GetEncodedLength(RandomBytes);

    public static string New() => Marker + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>A well-formed key: the marker, then only base64url characters, of the usual length or longer (a deployment's own).</summary>
    public static bool IsWellFormed(string key) =>
        key.Length >= Length && key.Length <= 200 && key.StartsWith(Marker, StringComparison.Ordinal)
        && key.AsSpan(Marker.Length).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < 0;

    public static string Prefix(string key) => key[..PrefixLength];

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.ASCII.GetBytes(key));

    /// <summary>The key of an <c>Authorization: Bearer gw_…</c> header value, if it is one.</summary>
    public static bool TryReadBearer(string? header, out string key)
    {
        key = "";
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        key = header["Bearer ".Length..].Trim();
        return IsWellFormed(key);
    }
}
