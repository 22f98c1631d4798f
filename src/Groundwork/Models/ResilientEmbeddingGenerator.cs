using Microsoft.Extensions.AI;
using Polly;

namespace Groundwork.Models;

/// <summary>
/// An upstream embedding model behind the same policy as a chat target: retries, circuit breaker and a time-out per
/// attempt, with its failures classified by <see cref="UpstreamFailures"/>. Query embeddings and ingestion both use it.
/// </summary>
public sealed class ResilientEmbeddingGenerator(
    IEmbeddingGenerator<string, Embedding<float>> inner, string label, ResiliencePipeline pipeline, TimeSpan timeout, string timeoutSetting)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Retries read the inputs again.
        var inputs = values as IReadOnlyList<string> ?? [.. values];
        return await pipeline.ExecuteAsync(static async (state, token) =>
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
            attempt.CancelAfter(state.self.Timeout);
            UpstreamResponseHeaders.Begin(attempt.Token);
            try
            {
                return await state.self.InnerGenerator.GenerateAsync(state.inputs, state.options, attempt.Token);
            }
            catch (Exception exception) when (!token.IsCancellationRequested)
            {
                var self = state.self;
                throw UpstreamFailures.OfAttempt(exception, attempt, $"Embedding model {self.Label}",
                    () => new UpstreamTimeoutException("embeddings", self.Label, "did not answer", self.Timeout, self.TimeoutSetting));
            }
        }, (self: this, inputs, options), cancellationToken);
    }

    private TimeSpan Timeout { get; } = timeout;

    private string Label { get; } = label;

    private string TimeoutSetting { get; } = timeoutSetting;
}
