using System.Text.Json;
using Groundwork.Embeddings;

namespace Groundwork.Tests.Embeddings;

public sealed class MiniLmTokenizerTests
{
    [Fact]
    public void TokenIdsMatchHuggingFaceOnEdgeCasesAndRandomUnicode()
    {
        var mismatches = new List<string>();
        foreach (var (text, expected) in LoadHuggingFaceCases())
        {
            var actual = MiniLmTokenizer.Shared.Encode(text);
            if (!actual.SequenceEqual(expected))
            {
                mismatches.Add($"{JsonSerializer.Serialize(text)}: expected [{string.Join(",", expected)}], got [{string.Join(",", actual)}]");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
    }

    [Fact]
    public void AccentsAreStrippedAsTheUncasedModelWasTrained()
    {
        Assert.Equal(MiniLmTokenizer.Shared.Encode("cafe"), MiniLmTokenizer.Shared.Encode("Café"));
        Assert.Equal(MiniLmTokenizer.Shared.Encode("naive resume"), MiniLmTokenizer.Shared.Encode("NAÏVE RÉSUMÉ"));
    }

    [Fact]
    public void LiteralSpecialTokenTextIsOrdinaryText()
    {
        var ids = MiniLmTokenizer.Shared.Encode("[SEP]");

        Assert.Equal(5, ids.Length);
        Assert.Equal(1, ids.Count(id => id == MiniLmTokenizer.Shared.SeparatorTokenId));
    }

    [Fact]
    public void LongTextIsCutToMaxTokensEndingWithSeparator()
    {
        var text = string.Join(' ', Enumerable.Repeat("internationalization", 200));

        var ids = MiniLmTokenizer.Shared.Encode(text);

        Assert.Equal(LocalMiniLmEmbeddingGenerator.MaxTokens, ids.Length);
        Assert.Equal(MiniLmTokenizer.Shared.ClassificationTokenId, ids[0]);
        Assert.Equal(MiniLmTokenizer.Shared.SeparatorTokenId, ids[^1]);
        Assert.True(MiniLmTokenizer.Shared.CountTokens(text) > LocalMiniLmEmbeddingGenerator.MaxTokens);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\n")]
    [InlineData("\r\n\t")]
    public void LongTextCutAtAPrefixGivesTheSameIdsAsTokenizingItWhole(string separator)
    {
        var words = Enumerable.Range(0, 3000).Select(i => i % 11 == 0 ? "Ünïcödé-words" : $"w{i}").ToList();

        // A no-break space is whitespace too, but not one the prefix shortcut cuts at, so this text is tokenized whole.
        var tokenizedWhole = MiniLmTokenizer.Shared.Encode(string.Join('\u00A0', words));
        var ids = MiniLmTokenizer.Shared.Encode(string.Join(separator, words));

        Assert.Equal(tokenizedWhole, ids);
        Assert.Equal(LocalMiniLmEmbeddingGenerator.MaxTokens, ids.Length);
    }

    private static IEnumerable<(string Text, int[] Ids)> LoadHuggingFaceCases()
    {
        using var stream = typeof(MiniLmTokenizerTests).Assembly.GetManifestResourceStream("Groundwork.Tests.Embeddings.HuggingFaceTokenIds.json")!;
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => (c.GetProperty("text").GetString()!, c.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray()))
            .ToList();
    }
}
