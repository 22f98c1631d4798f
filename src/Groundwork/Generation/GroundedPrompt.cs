using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Groundwork.Generation;

/// <summary>A retrieved passage as shown to the model; <see cref="Number"/> is what the model cites as [n].</summary>
public sealed record Passage(int Number, string Title, string Text);

/// <summary>
/// The prompt Groundwork sends to every model: numbered passages and the question, with instructions to cite [n].
/// <see cref="Parse"/> reads it back, so the built-in local model answers from exactly what a hosted model would see.
/// </summary>
public static partial class GroundedPrompt
{
    public const string Instructions =
        "You answer questions using the numbered passages provided with each question. " +
        "Cite the passages you use with their numbers in square brackets, like [1] or [2][3]. " +
        "If the passages do not contain the answer, say so plainly instead of guessing.";

    public static List<ChatMessage> Build(string question, IReadOnlyList<Passage> passages)
    {
        var user = new StringBuilder();
        user.Append("<passages>\n");
        foreach (var passage in passages)
        {
            user.Append("<passage number=\"").Append(passage.Number).Append("\" title=\"")
                .Append(WebUtility.HtmlEncode(passage.Title)).Append("\">\n")
                .Append(passage.Text.Replace("</passage>", "</ passage>", StringComparison.Ordinal))
                .Append("\n</passage>\n");
        }

        user.Append("</passages>\n\nQuestion: ").Append(question);
        return [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, user.ToString())];
    }

    /// <summary>The question and passages of a prompt made by <see cref="Build"/>; any other text is all question.</summary>
    public static (string Question, IReadOnlyList<Passage> Passages) Parse(string userMessage)
    {
        var questionStart = userMessage.LastIndexOf("</passages>\n\nQuestion: ", StringComparison.Ordinal);
        if (!userMessage.StartsWith("<passages>\n", StringComparison.Ordinal) || questionStart < 0)
        {
            return (userMessage, []);
        }

        var question = userMessage[(questionStart + "</passages>\n\nQuestion: ".Length)..];
        var passages = PassagePattern().Matches(userMessage[..questionStart])
            .Select(match => new Passage(
                int.Parse(match.Groups["number"].Value, System.Globalization.CultureInfo.InvariantCulture),
                WebUtility.HtmlDecode(match.Groups["title"].Value),
                match.Groups["text"].Value))
            .ToList();
        return (question, passages);
    }

    [GeneratedRegex("<passage number=\"(?<number>\\d+)\" title=\"(?<title>[^\"]*)\">\n(?<text>.*?)\n</passage>", RegexOptions.Singleline)]
    private static partial Regex PassagePattern();
}
