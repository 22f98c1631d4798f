using System.Net;
using System.Text;
using Groundwork.Models;
using Microsoft.Extensions.AI;

namespace Groundwork.Generation;

/// <summary>
/// The prompt Groundwork sends to every model: numbered passages and the question, with instructions to cite [n].
/// The user message also carries them as a <see cref="GroundedQuestion"/>, for answerers that read data, not prose.
/// </summary>
public static class GroundedPrompt
{
    public const string Instructions =
        "You answer questions using only the numbered passages provided with each question. " +
        "After each sentence that uses a passage, cite it by its number in square brackets, like [1], or [2][3] for several. " +
        "Cite only the numbers of the passages given, and do not add a list of sources at the end. " +
        "If the passages do not contain the answer, say so plainly instead of guessing.";

    /// <summary>Stands in for the passages when none was relevant enough (Generation:WhenNothingRelevant = ask_model).</summary>
    public const string NothingRelevantNote =
        "No passage of the indexed documents is relevant to this question. " +
        "Say that the documents do not answer it; do not answer from general knowledge.";

    public static List<ChatMessage> Build(string question, IReadOnlyList<Passage> passages)
    {
        var length = question.Length + 64;
        foreach (var passage in passages)
        {
            length += passage.Title.Length + passage.HeadingPath.Length + passage.Text.Length + 64;
        }

        var user = new StringBuilder(length);
        user.Append("<passages>\n");
        foreach (var passage in passages)
        {
            user.Append("<passage number=\"").Append(passage.Number).Append("\" title=\"")
                .Append(WebUtility.HtmlEncode(passage.Title)).Append('"');
            if (passage.HeadingPath.Length > 0)
            {
                user.Append(" section=\"").Append(WebUtility.HtmlEncode(passage.HeadingPath)).Append('"');
            }

            if (passage.PageStart is { } first)
            {
                user.Append(" pages=\"").Append(first);
                if (passage.PageEnd is { } last && last != first)
                {
                    user.Append('-').Append(last);
                }

                user.Append('"');
            }

            user.Append(">\n")
                .Append(passage.Text.Replace("</passage>", "</ passage>", StringComparison.Ordinal))
                .Append("\n</passage>\n");
        }

        user.Append("</passages>\n\n");
        if (passages.Count == 0)
        {
            user.Append(NothingRelevantNote).Append("\n\n");
        }

        user.Append("Question: ").Append(question);
        var message = new ChatMessage(ChatRole.User, user.ToString());
        new GroundedQuestion(question, passages).AttachTo(message);
        return [new ChatMessage(ChatRole.System, Instructions), message];
    }
}
