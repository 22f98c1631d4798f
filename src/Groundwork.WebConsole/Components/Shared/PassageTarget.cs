namespace Groundwork.WebConsole.Components.Shared;

/// <summary>
/// A passage to show in the <see cref="PassageViewer"/>: <c>text[Start..End]</c> of document <see cref="DocumentId"/>,
/// as a source of an answer or a search result described it.
/// </summary>
public sealed record PassageTarget(
    long DocumentId, string Title, int Start, int End, double? Relevance = null, string? HeadingPath = null, string? Label = null);
