using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Groundwork.Generation;

/// <summary>
/// A retrieved passage as shown to the model; <see cref="Number"/> is what the model cites as [n].
/// The pages are those of the document the passage comes from, when it has pages (PDF); <see cref="HeadingPath"/> the
/// headings it sits under ("Manual › Installation"), empty when none.
/// </summary>
public sealed record Passage(int Number, string Title, string Text, int? PageStart = null, int? PageEnd = null, string HeadingPath = "");

/// <summary>
/// The prompt Groundwork sends to every model: numbered passages and the question, with instructions to cite [n].
/// <see cref="Parse"/> reads it back, so the built-in local model answers from exactly what a hosted model would see.
/// </summary>
public static partial class GroundedPrompt
{
    public const string Instructions =
        "You answer questions using only the numbered passages provided with each question. " +
        "After each sentence that uses a passage, cite it by its number in square brackets, like [1], or [2][3] for several. " +
        "Cite only the numbers of the passages given, and do not add a list of sources at the end. " +
        "If the passages do not contain the answer, say so plainly instead of guessing.";

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
            .Select(match =>
            {
                int? firstPage = match.Groups["first"].Success ? Number(match.Groups["first"].Value) : null;
                int? lastPage = match.Groups["last"].Success ? Number(match.Groups["last"].Value) : firstPage;
                return new Passage(
                    Number(match.Groups["number"].Value),
                    WebUtility.HtmlDecode(match.Groups["title"].Value),
                    match.Groups["text"].Value,
                    firstPage,
                    lastPage,
                    WebUtility.HtmlDecode(match.Groups["section"].Value));
            })
            .ToList();
        return (question, passages);
    }

    private static int Number(string digits) => int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex("<passage number=\"(?<number>\\d+)\" title=\"(?<title>[^\"]*)\"(?: section=\"(?<section>[^\"]*)\")?(?: pages=\"(?<first>\\d+)(?:-(?<last>\\d+))?\")?>\n(?<text>.*?)\n</passage>", RegexOptions.Singleline)]
    private static partial Regex PassagePattern();
}
