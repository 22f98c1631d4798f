namespace Groundwork.Fuzzing;

public sealed class FuzzOptions
{
    public int Seed { get; init; } = 1;

    /// <summary>
    /// The Authorization header value of a valid key (<c>Bearer gw_…</c>). Raw-socket cases carry it (HttpClient cases get the
    /// client's default headers), and the authorization cases vary it; without it they are not generated.
    /// </summary>
    public string? Authorization { get; init; }

    /// <summary>
    /// Raw JSON for a field in valid bodies, keyed "METHOD /path field" or just "field": what the schema cannot say, such as
    /// which model runs without a key (<c>local</c>) or the one vector length the local embedding model has.
    /// </summary>
    public IReadOnlyDictionary<string, string> FieldValues { get; init; } = new Dictionary<string, string>
    {
        ["POST /generate model"] = "\"local\"",
        ["POST /embeddings model"] = "null",
        ["POST /embeddings dimensions"] = "384",
    };

    /// <summary>Valid values for query parameters the document types only as strings.</summary>
    public IReadOnlyDictionary<string, string[]> QueryValues { get; init; } = new Dictionary<string, string[]>
    {
        ["status"] = ["queued", "processing", "ready", "failed"],
        ["external_id"] = ["ext-1"],
    };

    /// <summary>Ids that exist, used for path parameters in valid requests.</summary>
    public IReadOnlyList<long> KnownIds { get; init; } = [1];

    /// <summary>
    /// A string exactly at its maxLength is sent only up to this length: a valid 2,000,000-character document is a load test
    /// (minutes of embedding on a small machine), not a fuzz case. Strings one past maxLength are always sent.
    /// </summary>
    public int AtMaxLengthLimit { get; init; } = 20_000;

    /// <summary>Nesting depth of the deep-nesting cases.</summary>
    public int DeepNesting { get; init; } = 10_000;

    /// <summary>How many files the many-files multipart case carries.</summary>
    public int ManyFiles { get; init; } = 5_000;
}
