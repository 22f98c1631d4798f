using System.IO.Compression;
using System.Xml;
using Groundwork.Hosting;

namespace Groundwork.Documents.Extraction;

/// <summary>
/// Reads a DOCX package with <see cref="ZipArchive"/> and a streaming <see cref="XmlReader"/> rather than a DOM, so that
/// nesting costs no stack and a part is never held whole: paragraphs, headings (by outline level or style name, through
/// based-on styles), tables as tab-separated rows, and the core properties' title. Every zip entry is checked against
/// the expansion limits before it is inflated and counted while it is.
/// </summary>
internal sealed class DocxText
{
    private const string WordMain = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    private const string WordStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main";
    private const string PackageRelationships = "http://schemas.openxmlformats.org/package/2006/relationships";
    private const string DublinCore = "http://purl.org/dc/elements/1.1/";
    private const string MarkupCompatibility = "http://schemas.openxmlformats.org/markup-compatibility/2006";
    private const long RatioExemptBytes = 1L << 20;

    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = true,
    };

    private readonly Dictionary<string, ZipArchiveEntry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly ExtractionOptions _options;
    private readonly CancellationToken _cancellationToken;
    private long _expanded;

    private DocxText(ZipArchive zip, ExtractionOptions options, CancellationToken cancellationToken)
    {
        foreach (var entry in zip.Entries)
        {
            _entries.TryAdd(entry.FullName.TrimStart('/'), entry);
        }

        _options = options;
        _cancellationToken = cancellationToken;
    }

    private sealed record StyleInfo(string? Name, string? BasedOn, int? OutlineLevel);

    private sealed record Relationship(string Type, string Target);

    public static ExtractedDocument Read(byte[] bytes, string fileName, ExtractionOptions options, CancellationToken cancellationToken)
    {
        using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        var package = new DocxText(zip, options, cancellationToken);
        var relationships = package.ReadRelationships("", "_rels/.rels");
        var main = relationships.FirstOrDefault(r => r.Type.EndsWith("/officeDocument", StringComparison.Ordinal))?.Target;
        if (main is null || !package._entries.ContainsKey(main))
        {
            throw new UnreadableDocumentException(fileName, "the DOCX has no main document part");
        }

        var folder = main.LastIndexOf('/') is var slash and >= 0 ? main[..(slash + 1)] : "";
        var mainRelationships = package.ReadRelationships(folder, $"{folder}_rels/{main[folder.Length..]}.rels");
        var styles = mainRelationships.FirstOrDefault(r => r.Type.EndsWith("/styles", StringComparison.Ordinal))?.Target is { } stylesPart
            ? package.ReadStyles(stylesPart)
            : [];
        var (text, titleParagraph) = package.ReadBody(main, styles);
        var title = relationships.FirstOrDefault(r => r.Type.EndsWith("/metadata/core-properties", StringComparison.Ordinal))?.Target
            is { } core ? package.ReadTitle(core) : null;
        return new ExtractedDocument(text, [], DocumentTitle.Own(title, fileName) ?? DocumentTitle.Own(titleParagraph, fileName),
            DocumentTextExtractor.DocxContentType);
    }

    /// <summary>Runs <paramref name="read"/> over part <paramref name="name"/>, if present, within the expansion limits.</summary>
    private T? ReadPart<T>(string name, Func<XmlReader, T> read)
    {
        if (!_entries.TryGetValue(name, out var entry))
        {
            return default;
        }

        var remaining = _options.MaxExpandedBytes - _expanded;
        var byRatio = Math.Max(RatioExemptBytes, entry.CompressedLength * _options.MaxCompressionRatio);
        if (entry.Length > remaining)
        {
            throw DocumentLimitException.Expanded(_options.MaxExpandedBytes);
        }
        if (entry.Length > byRatio)
        {
            throw DocumentLimitException.Ratio(_options.MaxCompressionRatio);
        }

        // The sizes in the zip's directory are the sender's word; what is actually inflated is counted too.
        var limited = new LengthLimitedStream(entry.Open(), Math.Min(remaining, byRatio));
        try
        {
            using var reader = XmlReader.Create(limited, ReaderSettings);
            return read(reader);
        }
        catch (LengthLimitExceededException)
        {
            throw byRatio < remaining
                ? DocumentLimitException.Ratio(_options.MaxCompressionRatio)
                : DocumentLimitException.Expanded(_options.MaxExpandedBytes);
        }
        finally
        {
            _expanded += limited.Position;
        }
    }

    /// <summary>Moves to the next node, failing if it is nested too deep or the reading was cancelled.</summary>
    private bool Next(XmlReader reader)
    {
        if (!reader.Read())
        {
            return false;
        }

        _cancellationToken.ThrowIfCancellationRequested();
        return reader.Depth <= _options.MaxDepth ? true : throw DocumentLimitException.Depth(_options.MaxDepth);
    }

    private List<Relationship> ReadRelationships(string folder, string part) =>
        ReadPart(part, reader =>
        {
            var relationships = new List<Relationship>();
            while (Next(reader))
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "Relationship" && reader.NamespaceURI == PackageRelationships
                    && reader.GetAttribute("TargetMode") is null or "Internal"
                    && reader.GetAttribute("Type") is { } type && reader.GetAttribute("Target") is { } target)
                {
                    relationships.Add(new Relationship(type, Resolve(folder, target)));
                }
            }

            return relationships;
        }) ?? [];

    /// <summary>A relationship target as a zip entry name: relative to the source part's folder unless it starts with '/'.</summary>
    private static string Resolve(string folder, string target)
    {
        target = Uri.UnescapeDataString(target);
        var segments = new List<string>();
        foreach (var segment in (target.StartsWith('/') ? target : folder + target).Split('/'))
        {
            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }
            }
            else if (segment is not ("" or "."))
            {
                segments.Add(segment);
            }
        }

        return string.Join('/', segments);
    }

    private static bool IsWord(XmlReader reader, string localName) =>
        reader.LocalName == localName && reader.NamespaceURI is WordMain or WordStrict;

    private static string? WordAttribute(XmlReader reader, string localName) =>
        reader.GetAttribute(localName, WordMain) ?? reader.GetAttribute(localName, WordStrict);

    private Dictionary<string, StyleInfo> ReadStyles(string part) =>
        ReadPart(part, reader =>
        {
            var styles = new Dictionary<string, StyleInfo>();
            string? id = null, name = null, basedOn = null;
            int? outlineLevel = null;
            var inProperties = false;

            void Complete()
            {
                if (id is not null)
                {
                    styles.TryAdd(id, new StyleInfo(name, basedOn, outlineLevel));
                }

                (id, name, basedOn, outlineLevel) = (null, null, null, null);
            }

            while (Next(reader))
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                switch (reader.Depth)
                {
                    case 1:
                        Complete();
                        id = IsWord(reader, "style") ? WordAttribute(reader, "styleId") : null;
                        break;
                    case 2 when id is not null:
                        inProperties = IsWord(reader, "pPr");
                        if (IsWord(reader, "name"))
                        {
                            name = WordAttribute(reader, "val");
                        }
                        else if (IsWord(reader, "basedOn"))
                        {
                            basedOn = WordAttribute(reader, "val");
                        }
                        break;
                    case 3 when id is not null && inProperties && IsWord(reader, "outlineLvl"):
                        outlineLevel = int.TryParse(WordAttribute(reader, "val"), out var level) ? level : null;
                        break;
                }
            }

            Complete();
            return styles;
        }) ?? [];

    private string? ReadTitle(string part) =>
        ReadPart(part, reader =>
        {
            while (Next(reader))
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "title" && reader.NamespaceURI == DublinCore
                    && !reader.IsEmptyElement)
                {
                    var title = new System.Text.StringBuilder();
                    var buffer = new char[1024];
                    var depth = reader.Depth;
                    while (Next(reader) && reader.Depth > depth && title.Length < 1_000)
                    {
                        if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)
                        {
                            for (int read; title.Length < 1_000 && (read = reader.ReadValueChunk(buffer, 0, buffer.Length)) > 0;)
                            {
                                title.Append(buffer, 0, read);
                            }
                        }
                    }

                    return title.ToString().Trim();
                }
            }

            return null;
        });

    /// <summary>The body's text, and the text of its first paragraph in the Title style (null when it has none).</summary>
    private (string Text, string? TitleParagraph) ReadBody(string part, Dictionary<string, StyleInfo> styles) =>
        ReadPart(part, reader =>
        {
            var layout = new TextLayout(_options.MaxCharacters);
            string? titleParagraph = null;
            // Where the Title-style paragraph being read began in the layout (-1: none).
            var titleFrom = -1;
            var buffer = new char[4096];
            // Depths of the outermost open paragraph, its properties, any properties element, and the w:t being read (-1: none).
            int paragraph = -1, ownProperties = -1, properties = -1, text = -1;
            var decided = false;
            var heading = false;
            string? styleId = null;
            int? outlineLevel = null;
            var tables = new Stack<int>();

            void Decide()
            {
                decided = true;
                if (DocxHeadingLevel(styleId, outlineLevel, styles) is { } level)
                {
                    heading = true;
                    if (titleParagraph is null && IsTitleStyle(styleId, styles))
                    {
                        titleFrom = layout.Length;
                    }

                    layout.BeginHeading(level);
                }
                else
                {
                    layout.Request(TextLayout.Separator.Paragraph);
                }
            }

            void End(XmlReader element, int depth)
            {
                if (!(element.NamespaceURI is WordMain or WordStrict))
                {
                    return;
                }

                switch (element.LocalName)
                {
                    case "p" when depth == paragraph:
                        if (!decided)
                        {
                            Decide();
                        }
                        if (heading)
                        {
                            layout.EndHeading();
                            if (titleFrom >= 0)
                            {
                                var written = layout.Since(titleFrom).Trim().TrimStart('#').Trim();
                                titleParagraph = written.Length > 0 ? written : null;
                                titleFrom = -1;
                            }
                        }
                        else if (tables.Count == 0)
                        {
                            layout.Request(TextLayout.Separator.Paragraph);
                        }
                        paragraph = -1;
                        break;
                    case "pPr" when depth == properties:
                        properties = ownProperties = -1;
                        break;
                    case "t" when depth == text:
                        text = -1;
                        break;
                    case "tbl" when tables.TryPeek(out var table) && table == depth:
                        tables.Pop();
                        if (tables.Count == 0)
                        {
                            layout.Request(TextLayout.Separator.Paragraph);
                        }
                        break;
                }
            }

            // Depth of the markup-compatibility fallback being passed over (-1: none).
            var ignored = -1;
            while (Next(reader))
            {
                var depth = reader.Depth;
                if (ignored >= 0)
                {
                    if (reader.NodeType == XmlNodeType.EndElement && depth == ignored)
                    {
                        ignored = -1;
                    }
                    continue;
                }

                switch (reader.NodeType)
                {
                    case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace when text >= 0:
                        for (int read; (read = reader.ReadValueChunk(buffer, 0, buffer.Length)) > 0;)
                        {
                            layout.AppendVerbatim(buffer.AsSpan(0, read));
                        }
                        break;
                    case XmlNodeType.EndElement:
                        End(reader, depth);
                        break;
                    case XmlNodeType.Element:
                        if (paragraph >= 0 && depth == paragraph + 1 && !decided && !IsWord(reader, "pPr"))
                        {
                            Decide();
                        }

                        if (reader.LocalName == "Fallback" && reader.NamespaceURI == MarkupCompatibility)
                        {
                            // The fallback repeats the chosen alternative's text for older readers.
                            ignored = reader.IsEmptyElement ? -1 : depth;
                        }
                        else if (reader.NamespaceURI is WordMain or WordStrict)
                        {
                            if (ownProperties >= 0 && depth == ownProperties + 1 && reader.LocalName == "pStyle")
                            {
                                styleId = WordAttribute(reader, "val");
                            }
                            else if (ownProperties >= 0 && depth == ownProperties + 1 && reader.LocalName == "outlineLvl")
                            {
                                outlineLevel = int.TryParse(WordAttribute(reader, "val"), out var level) ? level : null;
                            }

                            StartWordElement(reader, depth);
                            if (reader.IsEmptyElement)
                            {
                                End(reader, depth);
                            }
                        }
                        break;
                }
            }

            return (layout.ToString(), titleParagraph);

            void StartWordElement(XmlReader element, int depth)
            {
                switch (element.LocalName)
                {
                    case "pPr" when properties < 0:
                        properties = depth;
                        ownProperties = paragraph >= 0 && depth == paragraph + 1 && !decided ? depth : -1;
                        break;
                    case "p" when paragraph < 0:
                        paragraph = depth;
                        (styleId, outlineLevel, heading) = (null, null, false);
                        decided = tables.Count > 0;
                        if (decided)
                        {
                            layout.Request(TextLayout.Separator.Space);
                        }
                        break;
                    case "t" when paragraph >= 0 && properties < 0:
                        text = depth;
                        break;
                    case "tab" when paragraph >= 0 && properties < 0:
                        layout.Request(TextLayout.Separator.Tab);
                        break;
                    case "br" or "cr" when paragraph >= 0 && properties < 0:
                        layout.Request(TextLayout.Separator.Line);
                        break;
                    case "noBreakHyphen" when paragraph >= 0 && properties < 0:
                        layout.AppendVerbatim("-");
                        break;
                    case "tbl" when paragraph < 0:
                        if (tables.Count == 0)
                        {
                            layout.Request(TextLayout.Separator.Paragraph);
                        }
                        tables.Push(depth);
                        break;
                    case "tr" when paragraph < 0 && tables.Count == 1:
                        layout.Request(TextLayout.Separator.Line);
                        break;
                    case "tc" when paragraph < 0 && tables.Count == 1:
                        layout.Request(TextLayout.Separator.Tab);
                        break;
                }
            }
        }) is (string text, var title) ? (text, title) : throw new InvalidDataException("The main document part is missing.");

    /// <summary>Whether the paragraph style, or one it is based on, is the built-in "Title".</summary>
    private static bool IsTitleStyle(string? styleId, Dictionary<string, StyleInfo> styles)
    {
        for (var depth = 0; styleId is not null && depth < 10; depth++)
        {
            var style = styles.GetValueOrDefault(styleId);
            if (IsTitleName(styleId) || style?.Name is { } name && IsTitleName(name))
            {
                return true;
            }

            styleId = style?.BasedOn;
        }

        return false;

        static bool IsTitleName(string name) => name.Replace(" ", "", StringComparison.Ordinal).Equals("Title", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A paragraph's outline level, its own or its style's (inherited through based-on styles), which holds whatever language
    /// the document names its styles in; failing that, the built-in style names "heading 1".."heading 9" and "Title".
    /// </summary>
    private static int? DocxHeadingLevel(string? styleId, int? outlineLevel, Dictionary<string, StyleInfo> styles)
    {
        var names = new List<string>();
        // A based-on chain is short; the bound only stops a cycle in a damaged file.
        for (var depth = 0; outlineLevel is null && styleId is not null && depth < 10; depth++)
        {
            names.Add(styleId);
            if (!styles.TryGetValue(styleId, out var style))
            {
                break;
            }
            if (style.Name is { } name)
            {
                names.Add(name);
            }
            outlineLevel = style.OutlineLevel;
            styleId = style.BasedOn;
        }

        // Outline level 9 is body text.
        if (outlineLevel is { } level)
        {
            return level is >= 0 and < 9 ? Math.Min(level + 1, 6) : null;
        }
        foreach (var name in names)
        {
            var compact = name.Replace(" ", "", StringComparison.Ordinal);
            if (compact.Equals("Title", StringComparison.OrdinalIgnoreCase))
            {
                return 1;
            }
            if (compact.StartsWith("heading", StringComparison.OrdinalIgnoreCase) && compact.Length == 8 && compact[7] is >= '1' and <= '9')
            {
                return Math.Min(compact[7] - '0', 6);
            }
        }
        return null;
    }
}
