using System.Numerics.Tensors;
using Groundwork.Embeddings;
using Microsoft.Extensions.AI;

namespace Groundwork.Tests.Embeddings;

public sealed class EmbeddingBatcherTests
{
    private readonly LocalMiniLmEmbeddingGenerator generator = new();

    private static string Sentence(int i) =>
        $"Sentence {i} explains topic {i % 11} " + string.Join(' ', Enumerable.Repeat("in some detail", 1 + i % 5)) + ".";

    [Fact]
    public async Task ConcurrentSingleTextRequestsGiveTheSameVectorsAsSequentialOnes()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var texts = Enumerable.Range(0, 96).Select(Sentence).ToArray();
        var sequential = new ReadOnlyMemory<float>[texts.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            sequential[i] = await generator.GenerateVectorAsync(texts[i], cancellationToken: cancellationToken);
        }

        var concurrent = await Task.WhenAll(texts.Select(text =>
            Task.Run(() => generator.GenerateVectorAsync(text, cancellationToken: cancellationToken), cancellationToken)));

        for (var i = 0; i < texts.Length; i++)
        {
            var cosine = TensorPrimitives.CosineSimilarity(sequential[i].Span, concurrent[i].Span);
            Assert.True(cosine >= 0.9999f, $"text {i}: cosine {cosine}");
        }
    }

    [Fact]
    public async Task ConcurrentSmallRequestsKeepTheirTextsInOrder()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var requests = Enumerable.Range(0, 40)
            .Select(r => Enumerable.Range(0, 1 + r % LocalMiniLmEmbeddingGenerator.MaxCoalescedTexts).Select(t => Sentence(r * 10 + t)).ToArray())
            .ToArray();
        var reference = await generator.GenerateAsync(requests.SelectMany(texts => texts), cancellationToken: cancellationToken);

        var results = await Task.WhenAll(requests.Select(texts =>
            Task.Run(() => generator.GenerateAsync(texts, cancellationToken: cancellationToken), cancellationToken)));

        var k = 0;
        for (var r = 0; r < requests.Length; r++)
        {
            Assert.Equal(requests[r].Length, results[r].Count);
            Assert.Equal(requests[r].Sum(generator.CountTokens), results[r].Usage?.InputTokenCount);
            for (var t = 0; t < requests[r].Length; t++, k++)
            {
                var cosine = TensorPrimitives.CosineSimilarity(reference[k].Vector.Span, results[r][t].Vector.Span);
                Assert.True(cosine >= 0.9999f, $"request {r}, text {t}: cosine {cosine}");
            }
        }
    }

    [Fact]
    public async Task CancelledRequestIsDroppedAndOthersStillComplete()
    {
        var cancellationToken = TestContext.Current.CancellationToken;

        // A full-length text keeps the batcher busy for tens of milliseconds, so the next request is still queued.
        var longText = string.Join(' ', Enumerable.Repeat("retrieval augmented generation", 200));
        var busy = generator.GenerateVectorAsync(longText, cancellationToken: cancellationToken);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var cancelled = generator.GenerateVectorAsync("This request is cancelled.", cancellationToken: cancellation.Token);
        cancellation.Cancel();
        var others = Enumerable.Range(0, 16).Select(i => generator.GenerateVectorAsync(Sentence(i), cancellationToken: cancellationToken)).ToArray();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(LocalMiniLmEmbeddingGenerator.Dimensions, (await busy).Length);
        foreach (var (vector, i) in (await Task.WhenAll(others)).Select((vector, i) => (vector, i)))
        {
            var alone = await generator.GenerateVectorAsync(Sentence(i), cancellationToken: cancellationToken);
            Assert.True(TensorPrimitives.CosineSimilarity(alone.Span, vector.Span) >= 0.9999f);
        }
    }

    [Fact]
    public async Task ManyConcurrentRequestsAllComplete()
    {
        var cancellationToken = TestContext.Current.CancellationToken;

        var results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i =>
            Task.Run(() => generator.GenerateVectorAsync(Sentence(i % 50), cancellationToken: cancellationToken), cancellationToken)))
            .WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);

        Assert.All(results, vector => Assert.InRange(TensorPrimitives.Norm(vector.Span), 1 - 1e-4f, 1 + 1e-4f));
    }

    [Fact]
    public async Task EmptyRequestCompletesWithoutEmbeddings()
    {
        var embeddings = await generator.GenerateAsync([], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Empty(embeddings);
    }
}
