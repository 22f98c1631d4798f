using System.Globalization;
using System.Text.Json;

namespace Groundwork.FakeUpstream.Wire;

internal enum Provider
{
    OpenAi,
    Anthropic,
    Ollama,
}

/// <summary>A provider request that got past the headers check and any status or hang fault.</summary>
internal readonly record struct Arrival(JsonElement? Body, FakeFault? Fault);

/// <summary>What every provider endpoint does before its own work, and the providers' error shapes.</summary>
internal static class ProviderExchange
{
    /// <summary>Null when the response is already written: a missing header, a status fault or a hang.</summary>
    public static async Task<Arrival?> ReceiveAsync(HttpContext context, Provider provider, FakeUpstreamOptions options, RequestLog log)
    {
        var body = await ReadBodyAsync(context);
        log.Add(context.Request, body);
        if (IsHeldByChatGate(provider, context.Request.Path))
        {
            try
            {
                await context.RequestServices.GetRequiredService<ChatGate>().PassAsync(context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                context.RequestServices.GetRequiredService<HangObserver>().ClientDisconnected();
                context.Abort();
                return null;
            }
        }

        await Pause.AtLeastAsync(options.FirstByteDelayMs, context.RequestAborted);

        if (MissingHeader(context.Request, provider, options.RequireApiKey) is { } rejection)
        {
            await WriteErrorAsync(context, provider, rejection.Status, rejection.Message);
            return null;
        }

        var fault = options.TryStrike(context.Request.Path);
        switch (fault?.Kind)
        {
            case FaultKind.Status:
                if (fault.RetryAfterSeconds is { } seconds)
                {
                    context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                }

                if (fault.RetryAfterMs is { } milliseconds)
                {
                    context.Response.Headers["retry-after-ms"] = milliseconds.ToString(CultureInfo.InvariantCulture);
                }

                await WriteErrorAsync(context, provider, fault.StatusCode, $"Fake upstream fault: status {fault.StatusCode}.");
                return null;
            case FaultKind.Hang:
                await HangAsync(context);
                return null;
            default:
                return new Arrival(body, fault);
        }
    }

    public static async Task WriteErrorAsync(HttpContext context, Provider provider, int status, string message)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(response.BodyWriter, FakeUpstreamJsonContext.WriterOptions))
        {
            if (provider == Provider.Ollama)
            {
                json.WriteStartObject();
                json.WriteString("error"u8, message);
                json.WriteEndObject();
            }
            else if (provider == Provider.OpenAi)
            {
                var (type, code) = OpenAiErrorType(status);
                json.WriteStartObject();
                json.WriteStartObject("error"u8);
                json.WriteString("message"u8, message);
                json.WriteString("type"u8, type);
                json.WriteNull("param"u8);
                if (code is null)
                {
                    json.WriteNull("code"u8);
                }
                else
                {
                    json.WriteString("code"u8, code);
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }
            else
            {
                json.WriteStartObject();
                json.WriteString("type"u8, "error"u8);
                json.WriteStartObject("error"u8);
                json.WriteString("type"u8, AnthropicErrorType(status));
                json.WriteString("message"u8, message);
                json.WriteEndObject();
                json.WriteEndObject();
            }
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static bool IsHeldByChatGate(Provider provider, PathString path) => provider == Provider.Ollama
        ? path.Equals("/api/chat", StringComparison.Ordinal)
        : !path.Value!.EndsWith("/embeddings", StringComparison.Ordinal);

    private static async Task<JsonElement?> ReadBodyAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return null;
        }

        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, FakeUpstreamJsonContext.Default.JsonElement, context.RequestAborted);
        }
        catch (JsonException)
        {
            // Not JSON: recorded with no body, and each endpoint answers it with its provider's 400.
            return null;
        }
    }

    private static (int Status, string Message)? MissingHeader(HttpRequest request, Provider provider, bool requireApiKey)
    {
        var headers = request.Headers;
        if (provider == Provider.Ollama)
        {
            return null;
        }

        if (provider == Provider.OpenAi)
        {
            return requireApiKey && !headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? (401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.")
                : null;
        }

        if (requireApiKey && string.IsNullOrEmpty(headers["x-api-key"]) && string.IsNullOrEmpty(headers.Authorization))
        {
            return (401, "x-api-key header is required");
        }

        return string.IsNullOrEmpty(headers["anthropic-version"]) ? (400, "anthropic-version: header is required") : null;
    }

    /// <summary>Sends nothing more until the client goes away (reported to <see cref="HangObserver"/>) or the server stops.</summary>
    public static async Task HangAsync(HttpContext context)
    {
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var hang = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        await Task.Delay(Timeout.Infinite, hang.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (context.RequestAborted.IsCancellationRequested)
        {
            context.RequestServices.GetRequiredService<HangObserver>().ClientDisconnected();
        }

        context.Abort();
    }

    private static (string Type, string? Code) OpenAiErrorType(int status) => status switch
    {
        401 => ("invalid_request_error", "invalid_api_key"),
        403 => ("invalid_request_error", "unsupported_country_region_territory"),
        404 => ("invalid_request_error", "model_not_found"),
        429 => ("requests", "rate_limit_exceeded"),
        >= 500 => ("server_error", null),
        _ => ("invalid_request_error", null),
    };

    private static string AnthropicErrorType(int status) => status switch
    {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };
}
