using Groundwork.Embeddings;
using Microsoft.Extensions.AI;

namespace Groundwork.Documents;

/// <summary>How the chunker counts tokens: exactly with the local model's tokenizer, else a conservative estimate.</summary>
/// <remarks>
/// The chunker counts each sentence (or word) once and adds the counts up. That is exact for WordPiece, which never joins
/// words across spaces, tabs or line breaks; the estimate of a joined text can come out a little above the sum, which a
/// hosted model reading thousands of tokens does not notice.
/// </remarks>
public static class TokenCounting
{
    public static Func<string, int> For(IEmbeddingGenerator<string, Embedding<float>> embedder) =>
        embedder.GetService<LocalMiniLmEmbeddingGenerator>() is { } local
            // CountTokens includes [CLS] and [SEP]; the chunker sums pieces of one text, so count the pieces alone.
            ? text => Math.Max(0, local.CountTokens(text) - 2)
            // Hosted embedding models read thousands of tokens; about four characters a token is ample for 200.
            : text => (text.Length + 3) / 4;
}
