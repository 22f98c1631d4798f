using Groundwork.Models;
using Groundwork.Retrieval;
using Microsoft.Extensions.AI;

namespace Groundwork.Generation;

/// <summary>The post's pipeline: embed the question, take the top passages, ask the model with them, cite them.</summary>
public sealed class GenerationService(ModelRegistry models, ChunkSearch search)
{
    public const int PassageCount = 5;
    private const int SnippetLength = 240;

    public async Task<GenerateResponse> GenerateAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        // Resolve first: an unusable model fails before any embedding work is spent.
        var chatClient = models.GetChatClient(request.Model);
        var chunks = await search.SearchAsync(request.Text, PassageCount, SearchMode.Vector, cancellationToken);
        var passages = chunks.Select((chunk, i) => new Passage(i + 1, chunk.Title, chunk.Text)).ToList();

        var response = await chatClient.GetResponseAsync(
            GroundedPrompt.Build(request.Text, passages),
            new ChatOptions { Temperature = (float)request.Temperature, MaxOutputTokens = request.MaxTokens },
            cancellationToken);

        var usage = response.Usage;
        var prompt = usage?.InputTokenCount ?? 0;
        var completion = usage?.OutputTokenCount ?? 0;
        return new GenerateResponse(
            response.Text,
            request.Model,
            [.. chunks.Select(c => new Source(c.DocumentId, c.ChunkId, c.Title, Math.Round(c.Score, 4), Snippet(c.Text)))],
            new TokenUsage(prompt, completion, usage?.TotalTokenCount ?? prompt + completion));
    }

    private static string Snippet(string text) =>
        text.Length <= SnippetLength ? text : string.Concat(text.AsSpan(0, SnippetLength).TrimEnd(), "…");
}
