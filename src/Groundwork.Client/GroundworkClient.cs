using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Groundwork.Client;

/// <summary>
/// The Groundwork HTTP API for one API key: every call sends the key and answers either the typed result or a
/// <see cref="GroundworkApiException"/> carrying the service's problem details. The web console and the command-line
/// tool both go through it, so both act exactly as that key may act through the API.
/// </summary>
/// <param name="http">A client whose <see cref="HttpClient.BaseAddress"/> is the service's root URL.</param>
/// <param name="apiKey">The key to send as <c>Authorization: Bearer …</c>.</param>
public sealed partial class GroundworkClient(HttpClient http, string apiKey)
{
    /// <summary>The service's JSON conventions: snake_case names, enums as snake_case strings.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public Uri? BaseAddress => http.BaseAddress;

    /// <summary>The caller: user, tenant, key and budgets (<c>GET /me</c>); fails with 401 for a bad key.</summary>
    public Task<Me> GetMeAsync(CancellationToken cancellationToken = default) =>
        GetAsync<Me>("me", cancellationToken);

    internal HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return request;
    }

    internal async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, path);
        return await SendAsync<T>(request, cancellationToken);
    }

    internal async Task<T> SendJsonAsync<T>(HttpMethod method, string path, object body, CancellationToken cancellationToken)
    {
        using var request = Request(method, path, JsonContent.Create(body, body.GetType(), options: Json));
        return await SendAsync<T>(request, cancellationToken);
    }

    internal async Task SendAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var request = Request(method, path);
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    internal async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
               ?? throw new GroundworkApiException((int)response.StatusCode, "Empty answer", $"{request.RequestUri} answered no JSON.");
    }

    /// <summary>Sends, turning a service that cannot be reached into a <see cref="GroundworkApiException"/> with status 0.</summary>
    internal async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new GroundworkApiException(0, "The service could not be reached", $"{http.BaseAddress}: {e.Message}");
        }
    }

    /// <summary>Turns an answer that is not 2xx into a <see cref="GroundworkApiException"/> with the problem's title, detail and field errors.</summary>
    internal static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        ProblemBody? problem = null;
        try
        {
            problem = body.Length > 0 ? JsonSerializer.Deserialize<ProblemBody>(body, Json) : null;
        }
        catch (JsonException)
        {
        }

        var title = problem?.Title ?? problem?.Error?.Message ?? ReasonOf(response.StatusCode);
        var detail = problem?.Detail ?? (problem?.Title is null && problem?.Error is null && body.Length > 0 ? body : null);
        throw new GroundworkApiException(status, title, detail, problem?.Errors ?? new Dictionary<string, string[]>(),
            response.Headers.RetryAfter?.Delta);
    }

    private static string ReasonOf(HttpStatusCode status) => $"{(int)status} {status}";

    private sealed record ProblemBody(string? Title, string? Detail, int? Status, Dictionary<string, string[]>? Errors, OpenAiErrorBody? Error);

    private sealed record OpenAiErrorBody(string? Message);
}

/// <summary>An answer that is not 2xx, as the service explained it (problem details), or status 0 when it could not be reached.</summary>
public sealed class GroundworkApiException(
    int status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors = null, TimeSpan? retryAfter = null)
    : Exception(Describe(status, title, detail, errors))
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public string? Detail { get; } = detail;

    /// <summary>The invalid fields of a 422 and why each is invalid.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();

    public TimeSpan? RetryAfter { get; } = retryAfter;

    private static string Describe(int status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors)
    {
        var text = detail is null || detail == title ? title : $"{title}: {detail}";
        if (errors is { Count: > 0 })
        {
            text += " (" + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")) + ")";
        }

        return status == 0 ? text : $"{status} {text}";
    }
}
