using System.Text.Json.Serialization;

namespace Groundwork.Generation;

/// <summary>
/// The data of one Server-Sent Event of a streamed <c>/generate</c>; the event's name (<see cref="GenerateStreamEvents"/>)
/// says which. Derived types are listed so that each event serialises as itself, with no type field.
/// </summary>
[JsonDerivedType(typeof(StreamSources))]
[JsonDerivedType(typeof(StreamDelta))]
[JsonDerivedType(typeof(StreamCitations))]
[JsonDerivedType(typeof(StreamUsage))]
[JsonDerivedType(typeof(StreamDone))]
[JsonDerivedType(typeof(StreamError))]
public abstract record GenerateStreamEvent;

/// <summary>The event names of a streamed answer, in the order they come.</summary>
public static class GenerateStreamEvents
{
    public const string Sources = "sources";
    public const string Delta = "delta";
    public const string Citations = "citations";
    public const string Usage = "usage";
    public const string Done = "done";
    public const string Error = "error";
}

/// <summary>First event, sent as soon as retrieval is done and before the model is called.</summary>
/// <param name="Grounded">True when the model is given passages; false when none was relevant enough (then <c>sources</c> is empty).</param>
/// <param name="Sources">
/// The passages the model is given, with their numbers; <c>cited</c> is false in this event, since nothing is written
/// yet: the <c>citations</c> event says which were cited.
/// </param>
public sealed record StreamSources(bool Grounded, IReadOnlyList<Source> Sources) : GenerateStreamEvent;

/// <summary>The next piece of the answer's text; the pieces of every <c>delta</c> event concatenate to the answer.</summary>
/// <param name="Text">Text to append to what came before.</param>
public sealed record StreamDelta(string Text) : GenerateStreamEvent;

/// <summary>The citation markers of the finished answer, mapped to the sources as in the JSON answer.</summary>
/// <param name="Citations">Every citation marker whose number is a source, in the order they appear; positions index the concatenated text.</param>
/// <param name="UnmatchedCitations">Citation markers whose number is not a source.</param>
/// <param name="CitedSources">The numbers of the sources the answer cites, ascending (the sources' <c>cited</c>).</param>
public sealed record StreamCitations(
    IReadOnlyList<Citation> Citations, IReadOnlyList<UnmatchedCitation> UnmatchedCitations, IReadOnlyList<int> CitedSources) : GenerateStreamEvent;

/// <summary>Tokens the model call used, as the model reported them (all zero when no model was called).</summary>
/// <param name="PromptTokens">Tokens of the prompt.</param>
/// <param name="CompletionTokens">Tokens of the answer.</param>
/// <param name="TotalTokens">Both; what the token budgets are charged.</param>
public sealed record StreamUsage(long PromptTokens, long CompletionTokens, long TotalTokens) : GenerateStreamEvent;

/// <summary>Last event of a stream that succeeded: who answered and why the answer ended.</summary>
/// <param name="Model">The model name from the request.</param>
/// <param name="Provider">The provider that answered; null when no model was called (an abstained answer).</param>
/// <param name="UpstreamModel">The provider's own model that answered; null when no model was called.</param>
/// <param name="FinishReason">Why the model stopped: <c>stop</c>, <c>length</c> (max_tokens reached), <c>content_filter</c>; null when the model did not say.</param>
public sealed record StreamDone(string Model, string? Provider, string? UpstreamModel, string? FinishReason) : GenerateStreamEvent;

/// <summary>
/// Last event of a stream that failed after it started: the status the JSON answer would have had, and why. Failures
/// before the stream starts (validation, budget, unknown model) are answered as problem details instead.
/// </summary>
/// <param name="Status">502 (the provider failed or answered nonsense), 503 (unavailable or rate limited), 504 (time-out) or 500.</param>
/// <param name="Title">A short summary of the failure.</param>
/// <param name="Detail">What happened; never a secret.</param>
public sealed record StreamError(int Status, string Title, string? Detail) : GenerateStreamEvent;
