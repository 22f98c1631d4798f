using System.Net;
using System.Text.Json;

namespace Groundwork.Tests.OpenAi;

/// <summary>Reads an OpenAI-shaped error answer: the status, <c>application/json</c> and <c>{"error": {message, type, param, code}}</c>.</summary>
internal static class OpenAiErrorAssertions
{
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode expected, string type)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {text[..Math.Min(text.Length, 500)]}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonSerializer.Deserialize<JsonElement>(text).GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        // OpenAI's SDKs read all four; param and code are present as null when there is none.
        Assert.True(error.TryGetProperty("param", out _), text);
        Assert.True(error.TryGetProperty("code", out _), text);
        Assert.DoesNotMatch(@"System\.|Microsoft\.|Exception|\.cs:line", text);
        return error;
    }
}
