using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Groundwork.Retrieval;

/// <summary>Spans of vector and keyword searches, and the size of the vector indexes as a gauge.</summary>
public static class RetrievalTelemetry
{
    public const string Name = "Groundwork.Retrieval";

    public static readonly ActivitySource Source = new(Name);

    public static void AddIndexGauge(IMeterFactory meters, ChunkIndex index)
    {
        var meter = meters.Create(Name);
        // Summed over the loaded tenants at each collection: a few dictionary reads, no I/O.
        meter.CreateObservableGauge("groundwork.retrieval.indexed_chunks", () => index.TotalCount, "{chunk}",
            "Chunks in the vector indexes of all tenants.");
    }

    /// <summary>A search span (<c>vector_search</c>, <c>keyword_search</c>); the query text only when content is recorded.</summary>
    public static Activity? StartSearch(string name, SearchMode mode, int topK, string query, bool recordContent)
    {
        var activity = Source.StartActivity(name);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("groundwork.search.mode", mode.ToString().ToLowerInvariant());
            activity.SetTag("groundwork.search.top_k", topK);
            if (recordContent)
            {
                activity.SetTag("groundwork.search.query", query);
            }
        }

        return activity;
    }

    public static IReadOnlyList<VectorMatch> Found(Activity? activity, IReadOnlyList<VectorMatch> matches)
    {
        activity?.SetTag("groundwork.search.results", matches.Count);
        return matches;
    }
}
