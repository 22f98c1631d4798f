using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Groundwork.Models;

namespace Groundwork.Generation;

/// <summary>A question to answer from the indexed documents — the contract of the post's <c>GenerateRequest</c>.</summary>
public sealed record GenerateRequest
{
    /// <summary>The model used when a request leaves <see cref="Model"/> out.</summary>
    public const string DefaultModel = "gpt-4";

    /// <summary>The question or instruction.</summary>
    [Required]
    [StringLength(10_000, MinimumLength = 1)]
    public string Text { get; init; } = string.Empty;

    /// <summary>One of the configured model names (see the enum); <c>local</c> is the built-in extractive answerer.</summary>
    [DefaultValue(DefaultModel)]
    [ConfiguredModel]
    public string Model { get; init; } = DefaultModel;

    /// <summary>Sampling temperature passed to the model.</summary>
    [DefaultValue(0.7)]
    [Range(0.0, 2.0)]
    public double Temperature { get; init; } = 0.7;

    /// <summary>Upper bound on the tokens the model may generate.</summary>
    [DefaultValue(1024)]
    [Range(1, 8192)]
    public int MaxTokens { get; init; } = 1024;

    /// <summary>
    /// True to receive the answer as Server-Sent Events (<c>text/event-stream</c>) while the model writes it; a request
    /// with <c>Accept: text/event-stream</c> streams as well.
    /// </summary>
    [DefaultValue(false)]
    public bool Stream { get; init; }
}

/// <summary>The model's answer, the passages it was given, the citations in the answer and the tokens it used.</summary>
/// <param name="Text">The answer. Citation markers such as [1], [1][2] or [1, 2] refer to <c>sources</c> by <c>number</c>.</param>
/// <param name="Model">The model name from the request.</param>
/// <param name="Provider">
/// The provider that answered (<c>openai</c>, <c>anthropic</c>, <c>local</c>, …; also in the Groundwork-Provider header);
/// null when no model was called (an abstained answer).
/// </param>
/// <param name="UpstreamModel">
/// The provider's own model that answered, e.g. <c>gpt-4o</c> (also in the Groundwork-Upstream-Model header); null when
/// no model was called.
/// </param>
/// <param name="Grounded">
/// True when the answer was given passages from the indexed documents; false when none was relevant enough (then
/// <c>sources</c> is empty and the answer says the documents do not answer the question).
/// </param>
/// <param name="Sources">The retrieved passages, in the order and with the numbers the model saw them.</param>
/// <param name="Citations">Every citation marker in <c>text</c> whose number is a source, in the order they appear.</param>
/// <param name="UnmatchedCitations">
/// Citation markers in <c>text</c> whose number is not a source (the model cited a passage it was not given);
/// they are left out of <c>citations</c> and reported here so a client can flag or remove them.
/// </param>
/// <param name="Usage">Tokens used, as reported by the model.</param>
public sealed record GenerateResponse(
    string Text,
    string Model,
    string? Provider,
    string? UpstreamModel,
    bool Grounded,
    IReadOnlyList<Source> Sources,
    IReadOnlyList<Citation> Citations,
    IReadOnlyList<UnmatchedCitation> UnmatchedCitations,
    TokenUsage Usage);

/// <summary>A retrieved chunk given to the model as passage [<c>number</c>].</summary>
/// <param name="Number">The n the model cites as [n]: 1 for the first source, 2 for the second, and so on.</param>
/// <param name="DocumentId">The document the chunk belongs to.</param>
/// <param name="ChunkId">The chunk.</param>
/// <param name="Title">The document's title.</param>
/// <param name="StartOffset">Where the chunk starts in the document's <c>text</c> (GET /documents/{id}), in UTF-16 code units.</param>
/// <param name="EndOffset">Where the chunk ends in the document's <c>text</c>, exclusive: text[start_offset..end_offset] is the chunk.</param>
/// <param name="PageStart">The page the chunk starts on, from 1; null when the document has no pages (only PDFs have them).</param>
/// <param name="PageEnd">The page the chunk ends on; null when the document has no pages.</param>
/// <param name="Score">Hybrid retrieval score (reciprocal-rank fusion of vector and keyword ranks): orders the sources, comparable within one response only.</param>
/// <param name="Relevance">How well the passage matches the question, 0-1, comparable across questions (the same as /search's).</param>
/// <param name="Snippet">The start of the chunk's text, cut with … after 240 characters.</param>
/// <param name="Cited">True when <c>text</c> cites this source at least once.</param>
/// <param name="HeadingPath">The headings the chunk sits under, outermost first, joined by " › " ("Manual › Installation"); empty when none.</param>
public sealed record Source(
    int Number,
    long DocumentId,
    long ChunkId,
    string Title,
    int StartOffset,
    int EndOffset,
    int? PageStart,
    int? PageEnd,
    double Score,
    double Relevance,
    string Snippet,
    bool Cited,
    string HeadingPath);

/// <summary>A citation marker in the answer, mapped to the source it cites.</summary>
/// <param name="Number">The cited source's <c>number</c>.</param>
/// <param name="Start">Where the marker starts in <c>text</c>, in UTF-16 code units (JavaScript and .NET string indices).</param>
/// <param name="End">
/// Where the marker ends in <c>text</c>, exclusive: text[start..end] is e.g. "[2]". Each number of a group such as
/// "[1, 2]" is its own citation with the span of the whole group.
/// </param>
/// <param name="DocumentId">The cited source's document.</param>
/// <param name="ChunkId">The cited source's chunk.</param>
public sealed record Citation(int Number, int Start, int End, long DocumentId, long ChunkId);

/// <summary>A citation marker in the answer whose number is not one of the sources.</summary>
/// <param name="Number">The number the model cited.</param>
/// <param name="Start">Where the marker starts in <c>text</c>, in UTF-16 code units.</param>
/// <param name="End">Where the marker ends in <c>text</c>, exclusive.</param>
public sealed record UnmatchedCitation(int Number, int Start, int End);

/// <summary>Tokens a model call used, as the model reports them.</summary>
/// <param name="PromptTokens">Tokens of the prompt (instructions, passages and question).</param>
/// <param name="CompletionTokens">Tokens of the answer.</param>
/// <param name="TotalTokens">Both; what the token budgets are charged.</param>
public sealed record TokenUsage(long PromptTokens, long CompletionTokens, long TotalTokens)
{
    public static readonly TokenUsage None = new(0, 0, 0);

    /// <summary>The usage a model reported (none: zeros), with the total as the sum when the model gave none.</summary>
    public static TokenUsage Of(Microsoft.Extensions.AI.UsageDetails? usage)
    {
        var prompt = usage?.InputTokenCount ?? 0;
        var completion = usage?.OutputTokenCount ?? 0;
        return new TokenUsage(prompt, completion, usage?.TotalTokenCount ?? prompt + completion);
    }
}
