using System.Text.Json.Serialization;
using Groundwork.Generation;

namespace Groundwork.OpenAi;

/// <summary>A <c>chat.completion</c> as OpenAI's API reference defines it, with Groundwork's grounding in <c>groundwork</c>.</summary>
public sealed record ChatCompletion(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<ChatCompletionChoice> Choices,
    ChatCompletionUsage Usage,
    string? SystemFingerprint,
    GroundworkAnswer Groundwork);

public sealed record ChatCompletionChoice(int Index, ChatCompletionMessage Message, object? Logprobs, string FinishReason);

public sealed record ChatCompletionMessage(string Role, string Content, string? Refusal, IReadOnlyList<object> Annotations);

public sealed record ChatCompletionUsage(long PromptTokens, long CompletionTokens, long TotalTokens)
{
    public static ChatCompletionUsage Of(TokenUsage usage) => new(usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens);
}

/// <summary>
/// One <c>chat.completion.chunk</c> of a stream. <c>groundwork</c> is only on the chunk with the finish reason;
/// <c>usage</c> only on the last chunk (with no choices) when <c>stream_options.include_usage</c> asked for it.
/// </summary>
public sealed record ChatCompletionChunk(
    string Id,
    string Object,
    long Created,
    string Model,
    string? SystemFingerprint,
    IReadOnlyList<ChatCompletionChunkChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ChatCompletionUsage? Usage = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] GroundworkAnswer? Groundwork = null);

public sealed record ChatCompletionChunkChoice(int Index, ChatCompletionDelta Delta, object? Logprobs, string? FinishReason);

public sealed record ChatCompletionDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content = null);

/// <summary>
/// Groundwork's extension of an answer: the passages the model was given and the citations of the answer, the same
/// objects as the JSON answer of <c>/generate</c>, and who answered. Clients that ignore unknown fields never see it.
/// </summary>
/// <param name="Grounded">True when the model was given passages; false when retrieval was off or none was relevant enough.</param>
/// <param name="Sources">The passages, numbered as the model saw them, with whether the answer cites them.</param>
/// <param name="Citations">Every citation marker of the answer whose number is a source.</param>
/// <param name="UnmatchedCitations">Citation markers whose number is not a source.</param>
/// <param name="Provider">The provider that answered; null when no model was called.</param>
/// <param name="UpstreamModel">The provider's model that answered; null when no model was called.</param>
public sealed record GroundworkAnswer(
    bool Grounded,
    IReadOnlyList<Source> Sources,
    IReadOnlyList<Citation> Citations,
    IReadOnlyList<UnmatchedCitation> UnmatchedCitations,
    string? Provider,
    string? UpstreamModel)
{
    public static GroundworkAnswer Of(Grounding grounding, string? provider, string? upstreamModel) =>
        new(grounding.Grounded, grounding.Sources, grounding.Citations, grounding.UnmatchedCitations, provider, upstreamModel);
}

/// <summary>An error event of a stream that failed after it started, as OpenAI sends it (the SDKs raise it as an APIError).</summary>
public sealed record OpenAiStreamError(OpenAiStreamErrorDetail Error)
{
    public static OpenAiStreamError Of(StreamError error) => new(new OpenAiStreamErrorDetail(
        error.Detail ?? error.Title, error.Status >= 500 ? "api_error" : "invalid_request_error", Param: null, Code: null));
}

public sealed record OpenAiStreamErrorDetail(string Message, string Type, string? Param, string? Code);
