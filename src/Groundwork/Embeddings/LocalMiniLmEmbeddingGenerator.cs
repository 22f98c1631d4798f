using Microsoft.Extensions.AI;

namespace Groundwork.Embeddings;

/// <summary>
/// Sentence embeddings from all-MiniLM-L6-v2 run in process with ONNX Runtime: 384 dimensions,
/// mean-pooled over the tokens and L2-normalised, so the dot product of two embeddings is their cosine.
/// </summary>
/// <remarks>
/// Each text is cut to <see cref="MaxTokens"/> word pieces ([CLS] and [SEP] included), the length the model was
/// trained with; anything after that does not affect its embedding. Use <see cref="CountTokens"/> to find out
/// whether a text fits. The model is loaded on first use, once per process, and shared; disposing a generator
/// leaves it loaded. Requests of up to <see cref="MaxCoalescedTexts"/> texts are queued and run together with
/// concurrent ones on one background thread per process (<see cref="EmbeddingBatcher"/>); larger requests run on
/// the calling thread and the returned task is already complete.
/// </remarks>
public sealed class LocalMiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelId = "all-MiniLM-L6-v2";

    public const int Dimensions = 384;

    /// <summary>The most word pieces of a text the model sees, [CLS] and [SEP] included; the rest is cut off.</summary>
    public const int MaxTokens = 256;

    /// <summary>Texts per ONNX run; larger requests run in several. Cancelling a request of more than MaxCoalescedTexts texts also stops its run in progress.</summary>
    public const int MaxBatchSize = 32;

    /// <summary>
    /// Requests with at most this many texts (queries, single sentences) share ONNX runs with concurrent requests;
    /// larger ones (ingestion) already fill a batch and run on the caller's thread, so a query never waits behind them.
    /// </summary>
    internal const int MaxCoalescedTexts = 8;

    private static readonly EmbeddingGeneratorMetadata Metadata = new("local", null, ModelId, Dimensions);

    /// <param name="intraOpThreads">ONNX Runtime threads per inference; by default one per core, up to 8.</param>
    public LocalMiniLmEmbeddingGenerator(int? intraOpThreads = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOpThreads ?? 1, 1, nameof(intraOpThreads));

        // A sentence's matrices are small: past a few threads, synchronisation eats what parallelism gains.
        IntraOpThreads = intraOpThreads ?? Math.Clamp(Environment.ProcessorCount, 1, 8);
    }

    public int IntraOpThreads { get; }

    /// <summary>Whether the process has loaded the model for this generator's thread count.</summary>
    public bool IsLoaded => MiniLmModel.IsLoaded(IntraOpThreads);

    private MiniLmModel Model => MiniLmModel.Get(IntraOpThreads);

    /// <summary>Loads the model and tokenizer now instead of on the first request.</summary>
    public void EnsureLoaded()
    {
        _ = MiniLmTokenizer.Shared;
        _ = Model;
    }

    /// <summary>
    /// The number of word pieces in <paramref name="text"/>, [CLS] and [SEP] included, before truncation:
    /// a result above <see cref="MaxTokens"/> means the embedding ignores the end of the text.
    /// </summary>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return MiniLmTokenizer.Shared.CountTokens(text);
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.ModelId is { } modelId && !string.Equals(modelId, ModelId, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"This generator only runs {ModelId}, not {modelId}.", nameof(options));
        }

        if (options?.Dimensions is { } dimensions && dimensions != Dimensions)
        {
            throw new ArgumentException($"{ModelId} produces {Dimensions} dimensions, not {dimensions}.", nameof(options));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var tokenizer = MiniLmTokenizer.Shared;
        var tokenIds = new List<int[]>(values.TryGetNonEnumeratedCount(out var count) ? count : 8);
        foreach (var value in values)
        {
            if (value is null)
            {
                throw new ArgumentException("Texts to embed must not be null.", nameof(values));
            }

            tokenIds.Add(tokenizer.Encode(value));
        }

        if (tokenIds.Count > MaxCoalescedTexts)
        {
            return Task.FromResult(ToEmbeddings(Embed(tokenIds, cancellationToken), tokenIds));
        }

        return CoalescedAsync(tokenIds, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose()
    {
    }

    private async Task<GeneratedEmbeddings<Embedding<float>>> CoalescedAsync(List<int[]> tokenIds, CancellationToken cancellationToken)
    {
        var vectors = await EmbeddingBatcher.Get(IntraOpThreads).EmbedAsync(tokenIds, cancellationToken).ConfigureAwait(false);
        return ToEmbeddings(vectors, tokenIds);
    }

    private static GeneratedEmbeddings<Embedding<float>> ToEmbeddings(float[][] vectors, List<int[]> tokenIds)
    {
        var createdAt = DateTimeOffset.UtcNow;
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(vectors.Length);
        var inputTokens = 0L;
        for (var i = 0; i < vectors.Length; i++)
        {
            embeddings.Add(new Embedding<float>(vectors[i]) { ModelId = ModelId, CreatedAt = createdAt });
            inputTokens += tokenIds[i].Length;
        }

        embeddings.Usage = new UsageDetails { InputTokenCount = inputTokens, TotalTokenCount = inputTokens };
        return embeddings;
    }

    private float[][] Embed(List<int[]> tokenIds, CancellationToken cancellationToken)
    {
        var vectors = new float[tokenIds.Count][];
        if (tokenIds.Count == 0)
        {
            return vectors;
        }

        var model = Model;

        // Runs of texts of similar length keep padding, which costs as much compute as real tokens, small.
        var order = new int[tokenIds.Count];
        var lengths = new int[tokenIds.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
            lengths[i] = tokenIds[i].Length;
        }

        Array.Sort(lengths, order);
        var runEnds = new int[order.Length];
        var runs = PaddingPlanner.Plan(lengths, MaxBatchSize, runEnds);

        var batch = new int[Math.Min(MaxBatchSize, order.Length)][];
        var batchVectors = new float[batch.Length][];
        for (int run = 0, start = 0; run < runs; start = runEnds[run++])
        {
            cancellationToken.ThrowIfCancellationRequested();
            var size = runEnds[run] - start;
            for (var i = 0; i < size; i++)
            {
                batch[i] = tokenIds[order[start + i]];
            }

            model.Embed(batch.AsSpan(0, size), batchVectors.AsSpan(0, size), cancellationToken);
            for (var i = 0; i < size; i++)
            {
                vectors[order[start + i]] = batchVectors[i];
            }
        }

        return vectors;
    }
}
