using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Groundwork.FakeUpstream;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Groundwork.Tests.FakeUpstream;

/// <summary>The real SDKs, pointed at the fake; retries are off unless a test asks for them.</summary>
internal static class FakeUpstreamClients
{
    public const string OpenAiModel = "gpt-4o";
    public const string AnthropicModel = "claude-3-5-haiku-latest";

    public static OpenAIClient OpenAiSdk(FakeUpstreamServer server, int maxRetries = 0, TimeSpan? networkTimeout = null) =>
        new(new ApiKeyCredential("test"), new OpenAIClientOptions
        {
            Endpoint = server.OpenAiEndpoint,
            RetryPolicy = new ClientRetryPolicy(maxRetries),
            NetworkTimeout = networkTimeout,
        });

    public static IChatClient OpenAiChat(FakeUpstreamServer server, int maxRetries = 0, TimeSpan? networkTimeout = null) =>
        OpenAiSdk(server, maxRetries, networkTimeout).GetChatClient(OpenAiModel).AsIChatClient();

    public static IEmbeddingGenerator<string, Embedding<float>> OpenAiEmbeddings(FakeUpstreamServer server) =>
        OpenAiSdk(server).GetEmbeddingClient("text-embedding-3-small").AsIEmbeddingGenerator();

    public static AnthropicClient AnthropicSdk(FakeUpstreamServer server, int maxRetries = 0, TimeSpan? timeout = null) =>
        new() { ApiKey = "test", BaseUrl = server.BaseUrl.ToString(), MaxRetries = maxRetries, Timeout = timeout };

    public static IChatClient AnthropicChat(FakeUpstreamServer server, int maxRetries = 0, TimeSpan? timeout = null) =>
        AnthropicSdk(server, maxRetries, timeout).AsIChatClient(AnthropicModel);

    public static HttpClient Http(FakeUpstreamServer server) => new() { BaseAddress = server.BaseUrl };

    /// <summary>Reads a stream to its end or its first error, keeping the updates that came before.</summary>
    public static async Task<(List<ChatResponseUpdate> Updates, Exception? Error)> CollectAsync(IAsyncEnumerable<ChatResponseUpdate> stream)
    {
        var updates = new List<ChatResponseUpdate>();
        try
        {
            await foreach (var update in stream)
            {
                updates.Add(update);
            }

            return (updates, null);
        }
        catch (Exception e)
        {
            return (updates, e);
        }
    }
}
