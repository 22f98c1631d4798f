using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Groundwork.Embeddings;

/// <summary>
/// Coalesces small concurrent embedding requests into shared ONNX runs. One per model (so one per process and
/// intra-op thread count), like the model itself: a single background thread takes whatever texts are queued,
/// up to <see cref="LocalMiniLmEmbeddingGenerator.MaxBatchSize"/>, runs them sorted by length in the runs
/// <see cref="PaddingPlanner"/> chooses, and completes each run's requests as soon as it is done.
/// </summary>
/// <remarks>
/// Nothing waits for a batch to fill: a lone text runs as soon as the thread wakes. Texts queue up only while a run
/// is in progress, and the next run takes all of them, so batches grow with the load. The thread is a background
/// thread that lives as long as the process, as the ONNX session does; it blocks on an empty queue.
/// </remarks>
internal sealed class EmbeddingBatcher
{
    private const int MaxBatchSize = LocalMiniLmEmbeddingGenerator.MaxBatchSize;

    private static readonly ConcurrentDictionary<int, Lazy<EmbeddingBatcher>> Batchers = new();

    private readonly Channel<Item> queue = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions
    {
        SingleReader = true,
        // Lets a writer wake the blocked batcher thread directly instead of through the thread pool.
        AllowSynchronousContinuations = true,
    });
    private readonly int intraOpThreads;

    private EmbeddingBatcher(int intraOpThreads)
    {
        this.intraOpThreads = intraOpThreads;
        new Thread(Run) { IsBackground = true, Name = $"MiniLM batcher ({intraOpThreads} threads)" }.Start();
    }

    public static EmbeddingBatcher Get(int intraOpThreads) =>
        Batchers.GetOrAdd(intraOpThreads, static threads => new Lazy<EmbeddingBatcher>(() => new EmbeddingBatcher(threads))).Value;

    /// <summary>
    /// Queues the texts and completes with their embeddings in the same order. Cancelling drops texts that have
    /// not started; a run already under way finishes for the other requests in it.
    /// </summary>
    public Task<float[][]> EmbedAsync(IReadOnlyList<int[]> tokenIds, CancellationToken cancellationToken)
    {
        if (tokenIds.Count == 0)
        {
            return Task.FromResult(Array.Empty<float[]>());
        }

        var request = new Request(tokenIds, cancellationToken);
        for (var i = 0; i < tokenIds.Count; i++)
        {
            if (!queue.Writer.TryWrite(new Item(request, i)))
            {
                throw new InvalidOperationException("The embedding queue is closed.");
            }
        }

        return request.Task;
    }

    private void Run()
    {
        var taken = new List<Item>(MaxBatchSize);
        var batch = new int[MaxBatchSize][];
        var vectors = new float[MaxBatchSize][];
        var lengths = new int[MaxBatchSize];
        var runEnds = new int[MaxBatchSize];
        while (true)
        {
            if (!queue.Reader.TryRead(out var first))
            {
                queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult();
                continue;
            }

            taken.Clear();
            if (!first.Request.IsCompleted)
            {
                taken.Add(first);
            }

            while (taken.Count < MaxBatchSize && queue.Reader.TryRead(out var next))
            {
                if (!next.Request.IsCompleted)
                {
                    taken.Add(next);
                }
            }

            taken.Sort(static (a, b) => a.Length.CompareTo(b.Length));
            for (var i = 0; i < taken.Count; i++)
            {
                lengths[i] = taken[i].Length;
            }

            // Padding costs as much as real tokens, so texts of similar length run together.
            var runs = PaddingPlanner.Plan(lengths.AsSpan(0, taken.Count), MaxBatchSize, runEnds);
            for (int run = 0, start = 0; run < runs; start = runEnds[run++])
            {
                RunOnce(taken, start, runEnds[run] - start, batch, vectors);
            }
        }
    }

    private void RunOnce(List<Item> taken, int start, int count, int[][] batch, float[][] vectors)
    {
        for (var i = 0; i < count; i++)
        {
            batch[i] = taken[start + i].TokenIds;
        }

        try
        {
            // Not the requests' tokens: one cancelled request must not stop a run the others are waiting for.
            MiniLmModel.Get(intraOpThreads).Embed(batch.AsSpan(0, count), vectors.AsSpan(0, count), CancellationToken.None);
        }
        catch (Exception exception)
        {
            for (var i = 0; i < count; i++)
            {
                taken[start + i].Request.Fail(exception);
            }

            return;
        }
        finally
        {
            Array.Clear(batch, 0, count);
        }

        for (var i = 0; i < count; i++)
        {
            var item = taken[start + i];
            item.Request.Complete(item.Index, vectors[i]);
            vectors[i] = null!;
        }
    }

    private readonly record struct Item(Request Request, int Index)
    {
        public int[] TokenIds => Request.TokenIds[Index];

        public int Length => TokenIds.Length;
    }

    private sealed class Request
    {
        // Continuations must not run on the batcher's thread, or one slow caller would hold up every other.
        private readonly TaskCompletionSource<float[][]> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly float[][] vectors;
        private readonly CancellationTokenRegistration cancellation;
        private int remaining;

        public Request(IReadOnlyList<int[]> tokenIds, CancellationToken cancellationToken)
        {
            TokenIds = tokenIds;
            vectors = new float[tokenIds.Count][];
            remaining = tokenIds.Count;
            cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ((Request)state!).completion.TrySetCanceled(token), this);
        }

        public IReadOnlyList<int[]> TokenIds { get; }

        public Task<float[][]> Task => completion.Task;

        public bool IsCompleted => completion.Task.IsCompleted;

        public void Complete(int index, float[] vector)
        {
            vectors[index] = vector;
            if (--remaining == 0)
            {
                cancellation.Dispose();
                completion.TrySetResult(vectors);
            }
        }

        public void Fail(Exception exception)
        {
            if (completion.TrySetException(exception))
            {
                cancellation.Dispose();
            }
        }
    }
}
