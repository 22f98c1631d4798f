using Microsoft.Extensions.AI;

namespace Groundwork.Models;

/// <summary>
/// Which provider and upstream model answered a call: the router stamps it on the response (and on every streaming
/// update) so the answer can say who answered after a fallback.
/// </summary>
public sealed record AnsweredBy(string Provider, string UpstreamModel)
{
    private const string Key = "groundwork.answered_by";

    public static AnsweredBy? Of(ChatResponse response) => Read(response.AdditionalProperties);

    public static AnsweredBy? Of(ChatResponseUpdate update) => Read(update.AdditionalProperties);

    public ChatResponse StampOn(ChatResponse response)
    {
        (response.AdditionalProperties ??= [])[Key] = this;
        return response;
    }

    public ChatResponseUpdate StampOn(ChatResponseUpdate update)
    {
        (update.AdditionalProperties ??= [])[Key] = this;
        return update;
    }

    private static AnsweredBy? Read(AdditionalPropertiesDictionary? properties) =>
        properties is not null && properties.TryGetValue(Key, out var value) ? value as AnsweredBy : null;
}
