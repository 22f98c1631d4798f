using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Groundwork.Embeddings;

/// <summary>
/// The text normalisation of HuggingFace's <c>BertNormalizer</c> for uncased models, as used by
/// all-MiniLM-L6-v2: drop control characters, turn whitespace into spaces, put spaces around CJK
/// ideographs, strip accents (canonical decomposition without non-spacing marks) and lower-case.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' own Bert normaliser cannot strip accents under InvariantGlobalization
/// (string.Normalize is a no-op there, so "café" becomes [UNK]), and its pre-tokenizer drops
/// symbols such as "$" and "+"; both would move our vectors away from the model's training.
/// </remarks>
internal sealed class UncasedBertNormalizer(FrozenDictionary<int, string> strippedDecompositions) : Normalizer
{
    private const string DecompositionsResource = "Groundwork.Embeddings.StrippedDecompositions.txt";

    public static UncasedBertNormalizer Create() => new(LoadDecompositions());

    public override string Normalize(string original) => Normalize(original.AsSpan());

    public override string Normalize(ReadOnlySpan<char> original)
    {
        if (original.IsEmpty)
        {
            return string.Empty;
        }

        // No code point grows past three UTF-16 units (CJK padding, Hangul, the widest decompositions).
        var buffer = ArrayPool<char>.Shared.Rent(original.Length * 3);
        try
        {
            var length = 0;
            for (var i = 0; i < original.Length;)
            {
                var c = original[i];
                if (c < 0x80)
                {
                    i++;
                    if (c is '\t' or '\n' or '\r' or ' ')
                    {
                        buffer[length++] = ' ';
                    }
                    else if (c >= 0x20 && c != 0x7F)
                    {
                        buffer[length++] = c is >= 'A' and <= 'Z' ? (char)(c + ('a' - 'A')) : c;
                    }

                    continue;
                }

                if (Rune.DecodeFromUtf16(original[i..], out var rune, out var consumed) != OperationStatus.Done)
                {
                    // A lone surrogate cannot reach HuggingFace's tokenizer (Rust strings are UTF-8); drop it.
                    i += consumed;
                    continue;
                }

                i += consumed;
                length += Append(rune, buffer.AsSpan(length));
            }

            return new string(buffer, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private int Append(Rune rune, Span<char> destination)
    {
        var codePoint = rune.Value;
        if (codePoint == 0xFFFD)
        {
            return 0;
        }

        var category = Rune.GetUnicodeCategory(rune);
        if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate)
        {
            return 0;
        }

        if (Rune.IsWhiteSpace(rune))
        {
            destination[0] = ' ';
            return 1;
        }

        if (IsCjkIdeograph(codePoint))
        {
            destination[0] = ' ';
            var written = 1 + AppendStripped(rune, destination[1..]);
            destination[written] = ' ';
            return written + 1;
        }

        return category == UnicodeCategory.NonSpacingMark ? 0 : AppendStripped(rune, destination);
    }

    private int AppendStripped(Rune rune, Span<char> destination)
    {
        const int HangulBase = 0xAC00, HangulCount = 11172, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;
        const int VowelCount = 21, TrailCount = 28;

        var index = rune.Value - HangulBase;
        if ((uint)index < HangulCount)
        {
            destination[0] = (char)(LeadBase + index / (VowelCount * TrailCount));
            destination[1] = (char)(VowelBase + index % (VowelCount * TrailCount) / TrailCount);
            var trail = index % TrailCount;
            if (trail == 0)
            {
                return 2;
            }

            destination[2] = (char)(TrailBase + trail);
            return 3;
        }

        if (strippedDecompositions.TryGetValue(rune.Value, out var replacement))
        {
            var written = 0;
            foreach (var part in replacement.EnumerateRunes())
            {
                written += Rune.ToLowerInvariant(part).EncodeToUtf16(destination[written..]);
            }

            return written;
        }

        return Rune.ToLowerInvariant(rune).EncodeToUtf16(destination);
    }

    // The ranges of BERT's _is_chinese_char: CJK ideographs, not Hiragana, Katakana or Hangul.
    private static bool IsCjkIdeograph(int codePoint) =>
        codePoint is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    private static FrozenDictionary<int, string> LoadDecompositions()
    {
        using var stream = typeof(UncasedBertNormalizer).Assembly.GetManifestResourceStream(DecompositionsResource)
            ?? throw new InvalidOperationException($"Embedded resource {DecompositionsResource} is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var table = new Dictionary<int, string>();
        var parts = new StringBuilder();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var tab = line.IndexOf('\t');
            parts.Clear();
            foreach (var hex in line[(tab + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                parts.Append(char.ConvertFromUtf32(int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }

            table[int.Parse(line.AsSpan(0, tab), NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = parts.ToString();
        }

        return table.ToFrozenDictionary();
    }
}
