using System.Text.Json.Serialization;
using Groundwork.Generation;

namespace Groundwork.OpenAi;

/// <summary>
/// A <c>response</c> of OpenAI's Responses API, text only: one assistant message in <c>output</c>, never stored
/// (<c>store</c> false), with Groundwork's grounding in <c>groundwork</c>.
/// </summary>
public sealed record ResponseObject(
    string Id,
    string Object,
    long CreatedAt,
    string Status,
    ResponseError? Error,
    ResponseIncompleteDetails? IncompleteDetails,
    string? Instructions,
    int? MaxOutputTokens,
    string Model,
    IReadOnlyList<ResponseOutputMessage> Output,
    bool ParallelToolCalls,
    string? PreviousResponseId,
    bool Store,
    double? Temperature,
    double? TopP,
    ResponseTextOptions Text,
    string ToolChoice,
    IReadOnlyList<object> Tools,
    string Truncation,
    ResponseUsage? Usage,
    string? User,
    IReadOnlyDictionary<string, string> Metadata,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] GroundworkAnswer? Groundwork);

public sealed record ResponseError(string Code, string Message);

public sealed record ResponseIncompleteDetails(string Reason);

public sealed record ResponseTextOptions(ResponseTextFormat Format)
{
    public static readonly ResponseTextOptions Plain = new(new ResponseTextFormat("text"));
}

public sealed record ResponseTextFormat(string Type);

public sealed record ResponseOutputMessage(string Type, string Id, string Status, string Role, IReadOnlyList<ResponseOutputText> Content);

public sealed record ResponseOutputText(string Type, string Text, IReadOnlyList<object> Annotations, IReadOnlyList<object> Logprobs)
{
    public static ResponseOutputText Of(string text) => new("output_text", text, [], []);
}

public sealed record ResponseUsage(
    long InputTokens, ResponseInputTokensDetails InputTokensDetails, long OutputTokens, ResponseOutputTokensDetails OutputTokensDetails, long TotalTokens)
{
    public static ResponseUsage Of(long input, long output, long total) => new(input, new(0), output, new(0), total);
}

public sealed record ResponseInputTokensDetails(long CachedTokens);

public sealed record ResponseOutputTokensDetails(long ReasoningTokens);
