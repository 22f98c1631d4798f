using Groundwork.Models;
using Groundwork.Retrieval;
using Groundwork.Usage;
using Microsoft.Extensions.AI;

namespace Groundwork.Generation;

/// <summary>
/// A conversation to answer, grounded on passages retrieved for its last user message (<see cref="Retrieval"/>; null:
/// the messages go to the model as they are). <c>/generate</c> is the one-question case; the OpenAI-compatible API
/// sends whole conversations.
/// </summary>
public sealed record GroundedConversation(string Model, IReadOnlyList<ChatMessage> Messages, ChatOptions Options, PassageQuery? Retrieval);

/// <summary>How to retrieve the passages: as POST /search does, with the server's settings where a value is null.</summary>
public sealed record PassageQuery(int TopK = GenerationService.PassageCount, SearchMode? Mode = null, SearchFilter? Filter = null, double? MinRelevance = null);

/// <summary>The passages an answer was given and how its citation markers map to them, as in the JSON answer of <c>/generate</c>.</summary>
public sealed record Grounding(bool Grounded, IReadOnlyList<Source> Sources, IReadOnlyList<Citation> Citations, IReadOnlyList<UnmatchedCitation> UnmatchedCitations)
{
    public static readonly Grounding None = new(false, [], [], []);
}

/// <summary>The answer to a conversation: its text, why it ended, who answered, its grounding, its usage and the budgets after it.</summary>
public sealed record ConversationAnswer(
    string Text, string FinishReason, AnsweredBy? AnsweredBy, Grounding Grounding, TokenUsage Usage, IReadOnlyList<BudgetStatus> Budgets);
