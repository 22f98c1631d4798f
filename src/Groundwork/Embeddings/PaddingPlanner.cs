namespace Groundwork.Embeddings;

/// <summary>
/// Splits texts sorted by length into consecutive ONNX runs so that the work done, padding included, is least.
/// A run costs its rows times its longest text (every row is padded to it) plus a fixed cost per run.
/// </summary>
/// <remarks>
/// A run's CPU time grows linearly with rows × padded length (all-MiniLM-L6-v2, 2 intra-op threads, from 4 rows up).
/// What a run costs beyond that depends on the machine: on an idle 2-core one each run also pays for waking the
/// second ONNX thread at every operator, so splitting 32 short sentences gained 3-4 % with any cost from 16 to 64
/// word pieces; with another process on one core it gained 16-18 % with 12 or 32 (docs/embedding-notes.md).
/// </remarks>
internal static class PaddingPlanner
{
    /// <summary>The fixed cost of one ONNX run, in padded word pieces (rows × length).</summary>
    public const int RunCost = 32;

    /// <summary>
    /// Writes the end (exclusive) of each run to <paramref name="runEnds"/> and returns how many runs there are.
    /// <paramref name="sortedLengths"/> must be in ascending order; no run has more than <paramref name="maxRunSize"/> rows.
    /// </summary>
    public static int Plan(ReadOnlySpan<int> sortedLengths, int maxRunSize, Span<int> runEnds)
    {
        var count = sortedLengths.Length;
        if (count == 0)
        {
            return 0;
        }

        // cost[j]: least cost of the first j texts; start[j]: where the last run of that plan starts.
        Span<long> cost = count <= 256 ? stackalloc long[count + 1] : new long[count + 1];
        Span<int> start = count <= 256 ? stackalloc int[count + 1] : new int[count + 1];
        cost[0] = 0;
        for (var end = 1; end <= count; end++)
        {
            var longest = sortedLengths[end - 1];
            cost[end] = long.MaxValue;
            for (var first = Math.Max(0, end - maxRunSize); first < end; first++)
            {
                var candidate = cost[first] + RunCost + (long)(end - first) * longest;
                if (candidate < cost[end])
                {
                    cost[end] = candidate;
                    start[end] = first;
                }
            }
        }

        var runs = 0;
        for (var end = count; end > 0; end = start[end])
        {
            runs++;
        }

        var at = runs;
        for (var end = count; end > 0; end = start[end])
        {
            runEnds[--at] = end;
        }

        return runs;
    }
}
