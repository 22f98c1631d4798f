using System.Text;
using Groundwork.Documents;
using Groundwork.Documents.Extraction;
using Groundwork.Embeddings;
using PageSize = UglyToad.PdfPig.Content.PageSize;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Groundwork.Tests.Documents;

public sealed class ChunkerTests
{
    private static readonly LocalMiniLmEmbeddingGenerator Tokenizer = new();

    /// <summary>Word pieces as the chunker counts them in production: the real MiniLM tokenizer, without [CLS] and [SEP].</summary>
    private static readonly Func<string, int> CountTokens = TokenCounting.For(Tokenizer);

    private static Chunker NewChunker(int maxTokens = 200, int overlapTokens = 48, Func<string, int>? countTokens = null) =>
        new(new ChunkingOptions { MaxTokens = maxTokens, OverlapTokens = overlapTokens }, countTokens ?? CountTokens);

    [Fact]
    public void HeadingStartsANewChunkEvenWhenThePreviousSectionHasRoom()
    {
        const string text = "The preface explains how this manual is organised.\n\n# Cooling\n\nHelium cools the reactor core at all times." +
                            "\n\n## Rods\nRods are made of hafnium.\n\nThey are inspected every week.";

        var chunks = NewChunker().Split(text);

        Assert.Equal(
            ["The preface explains how this manual is organised.", "# Cooling\n\nHelium cools the reactor core at all times.",
             "## Rods\nRods are made of hafnium.\n\nThey are inspected every week."],
            chunks.Select(c => c.Text));
        Assert.Equal(["", "Cooling", "Cooling › Rods"], chunks.Select(c => c.HeadingPath));
    }

    [Fact]
    public void HeadingsWithNoTextBetweenThemJoinTheTextThatFollows()
    {
        const string text = "# Employee Handbook 2026\n\n## Team notes\n\n### Leave\n\nEveryone gets thirty days of paid leave a year.\n\n" +
                            "## Pay\n\nSalaries are paid on the last working day of the month.";

        var chunks = NewChunker().Split(text);

        Assert.Equal(
            ["# Employee Handbook 2026\n\n## Team notes\n\n### Leave\n\nEveryone gets thirty days of paid leave a year.",
             "## Pay\n\nSalaries are paid on the last working day of the month."],
            chunks.Select(c => c.Text));
        Assert.Equal(["Employee Handbook 2026 › Team notes › Leave", "Employee Handbook 2026 › Pay"], chunks.Select(c => c.HeadingPath));
        Assert.All(chunks, c => Assert.Equal(text[c.Start..c.End], c.Text));
    }

    [Fact]
    public void SectionWithTooLittleTextJoinsThePreviousChunkAndTrailingHeadingsToo()
    {
        const string text = "# Pumps\n\nThe Kestrel pump is primed with glycol before each start.\n\n## Spares\n\nTBD.\n\n" +
                            "## Seals\n\nSeals are replaced every four hundred running hours.\n\n# Appendix\n\n## Index";

        var chunks = NewChunker().Split(text);

        Assert.Equal(
            ["# Pumps\n\nThe Kestrel pump is primed with glycol before each start.\n\n## Spares\n\nTBD.",
             "## Seals\n\nSeals are replaced every four hundred running hours.\n\n# Appendix\n\n## Index"],
            chunks.Select(c => c.Text));
        Assert.Equal(["Pumps", "Pumps › Seals"], chunks.Select(c => c.HeadingPath));
    }

    [Fact]
    public void ShortSectionAtTheStartJoinsTheNextChunk()
    {
        const string text = "# Team notes\n\nBy the ops team.\n\n## Standup\n\nThe daily standup starts at half past nine in room four.";

        var chunks = NewChunker().Split(text);

        Assert.Equal(text, Assert.Single(chunks).Text);
        Assert.Equal("Team notes", chunks[0].HeadingPath);
    }

    [Theory]
    [InlineData("# Team notes")]
    [InlineData("# Notes\n\nTBD.")]
    [InlineData("Hi.")]
    public void DocumentWithTooLittleTextIsStillOneChunk(string text)
    {
        var chunk = Assert.Single(NewChunker().Split(text));

        Assert.Equal(text, chunk.Text);
    }

    [Fact]
    public void HeadingPathFollowsHeadingLevelsAndLeavesOutClosingHashes()
    {
        string Body(string topic) => $"This paragraph tells the reader everything about {topic}.";
        var text = $"# Service Manual\n\n{Body("the manual")}\n\n## Installation ##\n\n{Body("installing")}\n\n### Wiring\n\n{Body("wiring")}" +
                   $"\n\n## C#\n\n{Body("scripting")}\n\n# Warranty\n\n{Body("the warranty")}";

        var chunks = NewChunker(maxTokens: 20, overlapTokens: 0).Split(text);

        Assert.Equal(
            ["Service Manual", "Service Manual › Installation", "Service Manual › Installation › Wiring", "Service Manual › C#", "Warranty"],
            chunks.Select(c => c.HeadingPath).Distinct());
        Assert.All(chunks.Where(c => c.Text.Contains("wiring", StringComparison.Ordinal)),
            c => Assert.Equal("Service Manual › Installation › Wiring", c.HeadingPath));
    }

    [Fact]
    public void ChunksContinuingACutSectionKeepItsHeadingPath()
    {
        var paragraph = string.Join(' ', Enumerable.Range(1, 40).Select(i => $"Valve {i} is opened by turning it {i} times to the left."));
        var text = "# Plant\n\n## Valves\n\n" + paragraph;

        var chunks = NewChunker(maxTokens: 64, overlapTokens: 16).Split(text);

        Assert.True(chunks.Count > 3);
        Assert.StartsWith("# Plant\n\n## Valves\n\nValve 1 ", chunks[0].Text);
        Assert.All(chunks, c => Assert.Equal("Plant › Valves", c.HeadingPath));
    }

    [Fact]
    public void HashLinesInsideFencedCodeAreNotHeadings()
    {
        const string text = "# Install\n\nRun this:\n\n```bash\n# fetch the package\napt-get install reactor\n```\n\nThen restart.";

        var chunks = NewChunker().Split(text);

        Assert.Equal(text, Assert.Single(chunks).Text);
    }

    [Theory]
    [InlineData("#hashtag is not a heading")]
    [InlineData("####### seven hashes are not a heading")]
    [InlineData("    # indented four spaces is code")]
    [InlineData("#")]
    public void LinesThatAreNotAtxHeadingsDoNotStartSections(string line)
    {
        var text = $"First paragraph.\n\n{line}\n\nLast paragraph.";

        var chunks = NewChunker().Split(text);

        Assert.Equal(text, Assert.Single(chunks).Text);
    }

    [Fact]
    public void ShortParagraphsArePackedWholeAndGreedily()
    {
        var paragraphs = Enumerable.Range(1, 40)
            .Select(i => string.Join(' ', Enumerable.Repeat($"Step {i} opens valve {i * 7}.", 1 + i % 4)))
            .ToArray();
        var text = string.Join("\n\n", paragraphs);

        var chunks = NewChunker(maxTokens: 64).Split(text);

        var next = 0;
        for (var c = 0; c < chunks.Count; c++)
        {
            var packed = new List<string>();
            while (next < paragraphs.Length && chunks[c].Text.Length > string.Join("\n\n", packed).Length)
            {
                packed.Add(paragraphs[next++]);
            }

            Assert.Equal(string.Join("\n\n", packed), chunks[c].Text);
            Assert.True(CountTokens(chunks[c].Text) <= 64);
            if (next < paragraphs.Length)
            {
                // Greedy: the next paragraph would not have fitted.
                Assert.True(CountTokens(chunks[c].Text + "\n\n" + paragraphs[next]) > 64);
            }
        }

        Assert.Equal(paragraphs.Length, next);
    }

    [Fact]
    public void ParagraphLongerThanAChunkIsCutBetweenSentences()
    {
        var sentences = Enumerable.Range(1, 30).Select(i => $"Sentence {i} says the pump at bay {i} runs at {i * 10} revolutions a minute.");
        var text = string.Join(' ', sentences);

        var chunks = NewChunker(maxTokens: 64, overlapTokens: 0).Split(text);

        Assert.True(chunks.Count > 3);
        Assert.All(chunks, c =>
        {
            Assert.StartsWith("Sentence ", c.Text);
            Assert.EndsWith(" a minute.", c.Text);
            Assert.True(CountTokens(c.Text) <= 64);
        });
        Assert.Equal(text, string.Join(' ', chunks.Select(c => c.Text)));
    }

    [Fact]
    public void SentenceLongerThanAChunkIsCutBetweenWords()
    {
        var text = "Intro. " + string.Join(' ', Enumerable.Range(1, 300).Select(i => $"word{i}")) + ". Outro.";

        var chunks = NewChunker(maxTokens: 40, overlapTokens: 0).Split(text);

        Assert.True(chunks.Count > 5);
        Assert.All(chunks, c =>
        {
            Assert.True(CountTokens(c.Text) <= 40);
            Assert.False(char.IsWhiteSpace(c.Text[0]) || char.IsWhiteSpace(c.Text[^1]));
            Assert.True(c.Start == 0 || text[c.Start - 1] == ' ', "a chunk starts at a word");
            Assert.True(c.End == text.Length || text[c.End] == ' ', "a chunk ends at a word");
        });
        Assert.Equal(text, string.Join(' ', chunks.Select(c => c.Text)));
    }

    [Fact]
    public void WordLongerThanAChunkIsCutByCharactersIntoChunksOfItsOwn()
    {
        var blob = Convert.ToBase64String(Enumerable.Range(0, 900).Select(i => (byte)(i * 37)).ToArray());
        var text = $"The key is {blob} and nothing else.";

        var chunks = NewChunker(maxTokens: 32).Split(text);

        // The words around the blob are too short for chunks of their own, so they join the parts of it next to them.
        Assert.StartsWith("The key is ", chunks[0].Text);
        Assert.EndsWith(" and nothing else.", chunks[^1].Text);
        Assert.All(chunks, c => Assert.True(CountTokens(c.Text) <= 32));
        Assert.All(chunks.Skip(1).SkipLast(1), c => Assert.DoesNotContain(' ', c.Text));
        Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.True(pair.First.End <= pair.Second.Start));
        Assert.Equal(text, string.Concat(chunks.Select((c, i) => text[c.Start..(i + 1 < chunks.Count ? chunks[i + 1].Start : text.Length)])));
        Assert.Equal(blob, text[(chunks[0].Start + "The key is ".Length)..(chunks[^1].End - " and nothing else.".Length)]);
    }

    [Fact]
    public void OverlapRepeatsWholeTrailingSentencesOfTheSameParagraphOnly()
    {
        string Paragraph(int p) => string.Join(' ', Enumerable.Range(1, 12).Select(i => $"Paragraph {p} fact {i} is that gauge {i} reads {p * i}."));
        var text = string.Join("\n\n", Enumerable.Range(1, 3).Select(Paragraph));

        var chunks = NewChunker(maxTokens: 80, overlapTokens: 30).Split(text);

        var paragraphEnds = new[] { text.IndexOf("\n\n", StringComparison.Ordinal), text.LastIndexOf("\n\n", StringComparison.Ordinal), text.Length };
        var overlaps = 0;
        for (var c = 1; c < chunks.Count; c++)
        {
            var previous = chunks[c - 1];
            var current = chunks[c];
            var cutInsideParagraph = !paragraphEnds.Contains(previous.End);
            if (!cutInsideParagraph)
            {
                Assert.True(current.Start > previous.End, "no overlap across a paragraph boundary");
                continue;
            }

            Assert.True(current.Start < previous.End, "a paragraph cut repeats trailing sentences");
            var repeated = text[current.Start..previous.End];
            Assert.EndsWith(".", repeated);
            Assert.True(current.Start == 0 || text[current.Start - 2] == '.', "the overlap starts at a sentence");
            Assert.True(CountTokens(repeated) <= 30);
            Assert.True(CountTokens(current.Text) <= 80);
            overlaps++;
        }

        Assert.True(overlaps >= 3);
    }

    [Fact]
    public void OverlapNeverPushesAChunkPastTheLimit()
    {
        // Sentences of about 60 word pieces with a limit of 64: repeating any of them would not fit.
        var sentence = string.Join(' ', Enumerable.Range(1, 28).Select(i => $"w{i}")) + ".";
        var text = string.Join(' ', Enumerable.Repeat(sentence, 5));
        Assert.InRange(CountTokens(sentence), 40, 64);

        var chunks = NewChunker(maxTokens: 64, overlapTokens: 64).Split(text);

        Assert.Equal(5, chunks.Count);
        Assert.All(chunks, c => Assert.Equal(sentence, c.Text));
    }

    [Fact]
    public void NoOverlapIsRepeatedWhenOverlapIsZero()
    {
        var text = string.Join(' ', Enumerable.Range(1, 60).Select(i => $"Fact {i} is short."));

        var chunks = NewChunker(maxTokens: 32, overlapTokens: 0).Split(text);

        Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.True(pair.Second.Start > pair.First.End));
    }

    [Fact]
    public void HeadingStaysWithTheStartOfAParagraphThatFitsOnlyInAChunkOfItsOwn()
    {
        var paragraph = string.Join(' ', Enumerable.Range(1, 6).Select(i => $"Rule {i} of the reactor hall forbids item {i}."));
        var text = "# Rules\n\n" + paragraph;
        var limit = CountTokens(paragraph);

        var chunks = NewChunker(maxTokens: limit, overlapTokens: 0).Split(text);

        Assert.StartsWith("# Rules\n\nRule 1 ", chunks[0].Text);
        Assert.Equal(2, chunks.Count);
    }

    [Fact]
    public void ChunksCarryThePagesTheyStartAndEndOn()
    {
        var pageTexts = Enumerable.Range(1, 3)
            .Select(p => string.Join(' ', Enumerable.Range(1, 20).Select(i => $"Page {p} line {i} mentions part {p * 100 + i}.")))
            .ToArray();
        var text = string.Join("\n", pageTexts);
        var pages = new List<PageSpan>();
        var offset = 0;
        for (var p = 0; p < pageTexts.Length; p++)
        {
            pages.Add(new PageSpan(p + 1, offset, offset + pageTexts[p].Length));
            offset += pageTexts[p].Length + 1;
        }

        var chunks = NewChunker(maxTokens: 100, overlapTokens: 0).Split(text, pages);

        Assert.All(chunks, c =>
        {
            Assert.Equal(PageOf(c.Start), c.PageStart);
            Assert.Equal(PageOf(c.End - 1), c.PageEnd);
        });
        Assert.Contains(chunks, c => c.PageStart < c.PageEnd);
        Assert.Equal(1, chunks[0].PageStart);
        Assert.Equal(3, chunks[^1].PageEnd);

        int PageOf(int offset) => pages.Single(p => p.Start <= offset && offset < p.End).PageNumber;
    }

    [Fact]
    public void ChunksHaveNoPagesWhenTheTextHasNone()
    {
        var chunks = NewChunker().Split("Plain text without pages.", []);

        Assert.All(chunks, c => Assert.Null(c.PageStart));
        Assert.All(chunks, c => Assert.Null(c.PageEnd));
    }

    [Fact]
    public async Task ChunksOfAnExtractedPdfKnowTheirPages()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        string[] lines = ["The Zorblax reactor is cooled by helium.", "Control rods are made of hafnium.", "The reactor opened in 2031."];
        foreach (var line in lines)
        {
            builder.AddPage(PageSize.A4).AddText(line, 12, new PdfPoint(50, 750), font);
        }

        var document = await new DocumentTextExtractor().ExtractAsync(
            new MemoryStream(builder.Build()), "manual.pdf", "application/pdf", TestContext.Current.CancellationToken);

        var whole = Assert.Single(NewChunker().Split(document.Text, document.Pages));
        var small = NewChunker(maxTokens: 16, overlapTokens: 0).Split(document.Text, document.Pages);

        Assert.Equal((1, 3), (whole.PageStart, whole.PageEnd));
        Assert.True(small.Count >= 2);
        Assert.All(small, c =>
        {
            Assert.Equal(PageOf(c.Start), c.PageStart);
            Assert.Equal(PageOf(c.End - 1), c.PageEnd);
        });

        int PageOf(int offset) => document.Pages.Single(p => p.Start <= offset && offset < p.End).PageNumber;
    }

    [Theory]
    [InlineData(1, 16, 0)]
    [InlineData(2, 32, 8)]
    [InlineData(3, 64, 48)]
    [InlineData(4, 200, 48)]
    [InlineData(5, 254, 128)]
    public void RandomTextIsCoveredExactlyAndEveryChunkFitsTheModelWindow(int seed, int maxTokens, int overlapTokens)
    {
        var text = RandomDocument(new Random(seed), 40_000);

        var chunks = NewChunker(maxTokens, overlapTokens).Split(text);

        var covered = new bool[text.Length];
        var inHeading = HeadingLines(text);
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            Assert.Equal(i, chunk.Ordinal);
            Assert.Equal(text[chunk.Start..chunk.End], chunk.Text);
            Assert.False(string.IsNullOrWhiteSpace(chunk.Text));
            var tokens = CountTokens(chunk.Text);
            Assert.True(tokens <= maxTokens, $"chunk {i} has {tokens} word pieces, over {maxTokens}: {chunk.Text}");
            Array.Fill(covered, true, chunk.Start, chunk.End - chunk.Start);

            var prose = Enumerable.Range(chunk.Start, chunk.End - chunk.Start).Count(c => !inHeading[c] && !char.IsWhiteSpace(text[c]));
            if (prose < Chunker.MinProseCharacters)
            {
                // Kept short only because joining it to either neighbour would outgrow the model window.
                Assert.True(i == 0 || CountTokens(text[chunks[i - 1].Start..Math.Max(chunks[i - 1].End, chunk.End)]) > maxTokens,
                    $"chunk {i} has {prose} characters of prose and fits with the one before: {chunk.Text}");
                Assert.True(i == chunks.Count - 1 || CountTokens(text[chunk.Start..Math.Max(chunk.End, chunks[i + 1].End)]) > maxTokens,
                    $"chunk {i} has {prose} characters of prose and fits with the one after: {chunk.Text}");
            }
        }

        var missed = Enumerable.Range(0, text.Length).FirstOrDefault(i => !covered[i] && !char.IsWhiteSpace(text[i]), -1);
        Assert.True(missed < 0, $"character {missed} is in no chunk: {text[Math.Max(0, missed - 20)..Math.Min(text.Length, missed + 20)]}");

        // A heading is in the chunk where the text under it starts.
        for (var h = 0; h < text.Length; h++)
        {
            if (!inHeading[h] || h > 0 && inHeading[h - 1])
            {
                continue;
            }

            var under = Enumerable.Range(h, text.Length - h).FirstOrDefault(c => !inHeading[c] && !char.IsWhiteSpace(text[c]), -1);
            if (under >= 0)
            {
                Assert.True(chunks.Any(c => c.Start <= h && under < c.End),
                    $"the heading at {h} is not with the text under it: {text[h..Math.Min(text.Length, under + 20)]}");
            }
        }
    }

    [Fact]
    public void EachSentenceIsCountedOnceAndOnlyOverLongSentencesAgainByWord()
    {
        var counted = 0L;
        var chunker = NewChunker(countTokens: text =>
        {
            counted += text.Length;
            return CountTokens(text);
        });
        var shortParagraphs = string.Join("\n\n", Enumerable.Range(1, 10_000).Select(i => $"Note {i}: the pump at bay {i % 97} was serviced."));
        var oneLongSentence = string.Join(' ', Enumerable.Range(1, 20_000).Select(i => $"token{i}"));

        var shortChunks = chunker.Split(shortParagraphs);
        var countedForShort = counted;
        counted = 0;
        chunker.Split(oneLongSentence);

        Assert.True(countedForShort <= shortParagraphs.Length, $"{countedForShort} characters counted for {shortParagraphs.Length}");
        Assert.True(counted <= 2L * oneLongSentence.Length, $"{counted} characters counted for {oneLongSentence.Length}");
        Assert.True(shortChunks.Count < 10_000 / 5, "short paragraphs are packed together");
    }

    /// <summary>For each character, whether it is on a heading line (outside fenced code).</summary>
    private static bool[] HeadingLines(string text)
    {
        var inHeading = new bool[text.Length];
        var inFence = false;
        var offset = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }
            else if (!inFence && line.StartsWith('#') && line.TrimStart('#') is [' ', ..] rest && rest.Trim().Length > 0
                && line.Length - rest.Length <= 6)
            {
                Array.Fill(inHeading, true, offset, line.Length);
            }

            offset += line.Length + 1;
        }

        return inHeading;
    }

    /// <summary>Text with headings, code, paragraphs of mixed length, very long sentences and words, and awkward characters.</summary>
    private static string RandomDocument(Random random, int length)
    {
        string[] words =
        [
            "reactor", "helium", "the", "of", "a", "cooling", "Zorblax", "hafnium", "rod", "inspection", "2031", "4.5", "e.g.",
            "café", "naïve", "東京", "한국어", "😀", "x²", "(see", "below)", "\"quoted\"", "don't", "co-operate", "€42",
            "https://example.com/a/b?c=d&e=f", "snake_case_identifier", "ÅÄÖ", "\u00a0", "tab\there", "form\ffeed", "Ωmega",
        ];
        var text = new StringBuilder(length + 1000);
        while (text.Length < length)
        {
            var roll = random.Next(100);
            if (roll < 8)
            {
                text.Append(new string('#', random.Next(1, 7))).Append(' ').Append(words[random.Next(words.Length)]).Append("\n\n");
                continue;
            }

            if (roll < 10)
            {
                text.Append("```\n# not a heading\ncode line\n```\n\n");
                continue;
            }

            var sentences = roll < 15 ? 40 : random.Next(1, 6);
            for (var s = 0; s < sentences; s++)
            {
                var wordCount = roll is >= 15 and < 18 ? random.Next(200, 700) : random.Next(3, 25);
                for (var w = 0; w < wordCount; w++)
                {
                    if (random.Next(400) == 0)
                    {
                        text.Append(Convert.ToBase64String(Enumerable.Range(0, random.Next(300, 1200)).Select(_ => (byte)random.Next(256)).ToArray()));
                    }
                    else if (random.Next(600) == 0)
                    {
                        text.Append(string.Concat(Enumerable.Repeat("한", random.Next(200, 400))));
                    }
                    else
                    {
                        text.Append(words[random.Next(words.Length)]);
                    }

                    text.Append(random.Next(12) == 0 ? "\n" : " ");
                }

                text.Append(".!?"[random.Next(3)]).Append(random.Next(5) == 0 ? "\r\n" : " ");
            }

            text.Append(random.Next(4) == 0 ? "\n \n\n" : "\n\n");
        }

        return text.ToString();
    }
}
