namespace Groundwork.Models;

/// <summary>
/// Keeps the <c>Retry-After</c> of the last provider response in the current call's flow. The Anthropic SDK and
/// OllamaSharp throw without the response headers (OllamaSharp without the status either), so this handler, on their HttpClient, notes them where the
/// failure classification can read them. The caller opens a scope (<see cref="Begin"/>) per attempt: an AsyncLocal set
/// below the caller would not flow back up, a holder object set above it does.
/// </summary>
public sealed class UpstreamResponseHeaders : DelegatingHandler
{
    private static readonly AsyncLocal<Holder?> Current = new();

    public UpstreamResponseHeaders(HttpMessageHandler inner) : base(inner)
    {
    }

    /// <summary>The Retry-After of the last response in this flow that carried one, if a scope is open.</summary>
    public static TimeSpan? RetryAfter => Current.Value?.RetryAfter;

    /// <summary>The status of the last unsuccessful response in this flow, if a scope is open.</summary>
    public static int? FailedStatus => Current.Value?.Status;

    /// <summary>The token of the attempt in this flow (none outside one).</summary>
    public static CancellationToken AttemptToken => Current.Value?.Attempt ?? CancellationToken.None;

    /// <summary>Starts noting headers for the calls made from here down, in the attempt that <paramref name="attempt"/> cancels.</summary>
    public static void Begin(CancellationToken attempt) => Current.Value = new Holder { Attempt = attempt };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode && Current.Value is { } holder)
        {
            holder.Status = (int)response.StatusCode;
            holder.RetryAfter = UpstreamFailures.RetryAfterOf(name =>
                response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null);
        }

        return response;
    }

    private sealed class Holder
    {
        public TimeSpan? RetryAfter { get; set; }

        public int? Status { get; set; }

        public CancellationToken Attempt { get; init; }
    }
}
