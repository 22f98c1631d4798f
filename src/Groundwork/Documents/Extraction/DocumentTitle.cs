using System.Text.RegularExpressions;

namespace Groundwork.Documents.Extraction;

/// <summary>Tells a title a file declares for itself from the placeholders tools write into the same field.</summary>
internal static partial class DocumentTitle
{
    private const string WordPrinterPrefix = "Microsoft Word - ";

    /// <summary>
    /// <paramref name="declared"/> with its white space collapsed, or null when it is no title a person gave: empty,
    /// a generator's placeholder ("Untitled", "Document1", "Enscript Output") or just the file's name. Word's PDF printer
    /// writes "Microsoft Word - report.docx"; that gives "report".
    /// </summary>
    public static string? Own(string? declared, string fileName)
    {
        if (declared is null)
        {
            return null;
        }

        var title = string.Join(' ', declared.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (title.StartsWith(WordPrinterPrefix, StringComparison.OrdinalIgnoreCase))
        {
            title = WordFileExtension().Replace(title[WordPrinterPrefix.Length..], "").Trim();
        }

        var name = Path.GetFileName(fileName);
        return title.Length == 0 || Placeholder().IsMatch(title)
            || title.Equals(name, StringComparison.OrdinalIgnoreCase)
            || title.Equals(Path.GetFileNameWithoutExtension(name), StringComparison.OrdinalIgnoreCase)
            ? null
            : title;
    }

    [GeneratedRegex(@"^(?:(?:untitled|document|book|presentation|new document)(?:[ _-]*\d+)?|untitled document|no title|title|enscript output)$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\.(?:docx?|rtf|odt)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WordFileExtension();
}
