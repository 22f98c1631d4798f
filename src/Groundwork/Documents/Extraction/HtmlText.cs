using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Groundwork.Documents.Extraction;

/// <summary>
/// The main text of an HTML page. AngleSharp's tree builder spends time proportional to the open-element depth on every
/// tag, so parsing stops as soon as the depth passes the limit, and the tree is walked with an explicit stack.
/// </summary>
internal static class HtmlText
{
    private static readonly string DroppedElements = string.Join(",",
        "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg", "iframe", "object", "embed");

    private static readonly HashSet<string> BlockElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "blockquote", "body", "dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption",
        "figure", "hgroup", "hr", "main", "ol", "p", "section", "summary", "table", "ul", "caption", "thead", "tbody", "tfoot",
    };

    public static ExtractedDocument Read(byte[] bytes, string fileName, ExtractionOptions options, CancellationToken cancellationToken)
    {
        IElement? previous = null;
        var parser = new HtmlParser(new HtmlParserOptions
        {
            // An element is created before it is placed, so the one before it is the one whose depth is known.
            OnCreated = (element, _) =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                CheckDepth(previous, options.MaxDepth);
                previous = element;
            },
        });
        using var stream = new MemoryStream(bytes, writable: false);
        using var document = parser.ParseDocument(stream);
        CheckDepth(previous, options.MaxDepth);
        cancellationToken.ThrowIfCancellationRequested();

        var title = DocumentTitle.Own(document.Title, fileName);

        foreach (var element in document.QuerySelectorAll(DroppedElements).ToList())
        {
            element.Remove();
        }

        var articles = document.QuerySelectorAll("article");
        INode? root = document.QuerySelector("main, [role=main]")
            ?? (articles.Length == 1 ? articles[0] : null)
            ?? (INode?)document.Body
            ?? document.DocumentElement;

        var layout = new TextLayout(options.MaxCharacters);
        if (root is not null)
        {
            Write(root, layout, cancellationToken);
        }
        return new ExtractedDocument(layout.ToString(), [], title, DocumentTextExtractor.ContentTypeOf(DocumentKind.Html));
    }

    private static void CheckDepth(IElement? element, int maxDepth)
    {
        var depth = 0;
        for (var ancestor = element; ancestor is not null; ancestor = ancestor.ParentElement)
        {
            if (++depth > maxDepth)
            {
                throw DocumentLimitException.Depth(maxDepth);
            }
        }
    }

    /// <summary>A node to write, or (with <paramref name="Node"/> null) what to do once an element's children are written.</summary>
    private readonly record struct Step(INode? Node, TextLayout.Separator After, bool EndHeading);

    private static void Write(INode root, TextLayout layout, CancellationToken cancellationToken)
    {
        var steps = new Stack<Step>();
        steps.Push(new Step(root, TextLayout.Separator.None, false));
        void PushChildren(INode node)
        {
            var children = node.ChildNodes;
            for (var i = children.Length - 1; i >= 0; i--)
            {
                steps.Push(new Step(children[i], TextLayout.Separator.None, false));
            }
        }

        var written = 0;
        while (steps.TryPop(out var step))
        {
            if ((++written & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            switch (step.Node)
            {
                case null when step.EndHeading:
                    layout.EndHeading();
                    break;
                case null:
                    layout.Request(step.After);
                    break;
                case IText text:
                    layout.AppendInline(text.Data);
                    break;
                case IElement { LocalName: "pre" } pre:
                    layout.AppendCodeBlock(pre.TextContent);
                    break;
                case IElement { LocalName: ['h', >= '1' and <= '6'] name } heading:
                    layout.BeginHeading(name[1] - '0');
                    steps.Push(new Step(null, TextLayout.Separator.None, EndHeading: true));
                    PushChildren(heading);
                    break;
                case IElement { LocalName: "br" }:
                    layout.Request(TextLayout.Separator.Line);
                    break;
                case IElement element:
                    var separator = element.LocalName switch
                    {
                        "li" or "tr" or "dt" or "dd" => TextLayout.Separator.Line,
                        "td" or "th" => TextLayout.Separator.Tab,
                        var name when BlockElements.Contains(name) => TextLayout.Separator.Paragraph,
                        _ => TextLayout.Separator.None,
                    };
                    layout.Request(separator);
                    // A cell ends with nothing: the next cell asks for the tab and the row end for the line break.
                    if (separator != TextLayout.Separator.Tab)
                    {
                        steps.Push(new Step(null, separator, false));
                    }
                    PushChildren(element);
                    break;
                case { } node:
                    PushChildren(node);
                    break;
            }
        }
    }
}
