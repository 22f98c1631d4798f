using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Groundwork.Embeddings;

/// <summary>
/// HuggingFace's <c>BertPreTokenizer</c>: splits on whitespace and isolates every punctuation character,
/// where punctuation is any ASCII symbol or any Unicode P* character. Other symbols (€, ©) stay inside words.
/// </summary>
internal sealed class BertPreTokenizer : PreTokenizer
{
    public static readonly BertPreTokenizer Instance = new();

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());

    private static IEnumerable<(int Offset, int Length)> Split(string text)
    {
        var wordStart = -1;
        for (var i = 0; i < text.Length;)
        {
            if (!Rune.TryGetRuneAt(text, i, out var rune))
            {
                rune = Rune.ReplacementChar;
            }

            var width = char.IsSurrogatePair(text, i) ? 2 : 1;
            if (Rune.IsWhiteSpace(rune) || IsPunctuation(rune))
            {
                if (wordStart >= 0)
                {
                    yield return (wordStart, i - wordStart);
                    wordStart = -1;
                }

                if (!Rune.IsWhiteSpace(rune))
                {
                    yield return (i, width);
                }
            }
            else if (wordStart < 0)
            {
                wordStart = i;
            }

            i += width;
        }

        if (wordStart >= 0)
        {
            yield return (wordStart, text.Length - wordStart);
        }
    }

    private static bool IsPunctuation(Rune rune) =>
        rune.IsAscii
            ? rune.Value is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
            : Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
                or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
                or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation;
}
