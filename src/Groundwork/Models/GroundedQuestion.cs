using Microsoft.Extensions.AI;

namespace Groundwork.Models;

/// <summary>
/// A retrieved passage as shown to the model; <see cref="Number"/> is what the model cites as [n].
/// The pages are those of the document the passage comes from, when it has pages (PDF); <see cref="Relevance"/> is the
/// calibrated 0-1 relevance the search gave it.
/// </summary>
public sealed record Passage(
    int Number, string Title, string Text, int? PageStart = null, int? PageEnd = null, double Relevance = 1, string HeadingPath = "");

/// <summary>
/// The question and passages behind a grounded prompt, carried as data on the prompt's user message so that an
/// answerer that needs no language model (<see cref="LocalExtractiveChatClient"/>) works from exactly what a hosted
/// model is shown, without parsing the prompt text back. Providers' clients do not send message properties upstream.
/// </summary>
public sealed record GroundedQuestion(string Question, IReadOnlyList<Passage> Passages)
{
    private const string PropertyName = "groundwork.grounded_question";

    public void AttachTo(ChatMessage message) => (message.AdditionalProperties ??= [])[PropertyName] = this;

    /// <summary>What the last user message carries, or its text as the question with no passages.</summary>
    public static GroundedQuestion Of(IEnumerable<ChatMessage> messages)
    {
        var lastUser = messages.LastOrDefault(m => m.Role == ChatRole.User);
        return lastUser?.AdditionalProperties?.TryGetValue(PropertyName, out var value) == true && value is GroundedQuestion grounded
            ? grounded
            : new GroundedQuestion(lastUser?.Text ?? string.Empty, []);
    }
}
