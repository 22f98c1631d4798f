namespace Groundwork.OpenAi;

public static class EmbeddingsEndpoint
{
    // TODO(issue 14): POST /v1/embeddings.
    public static RouteGroupBuilder MapOpenAiEmbeddings(this RouteGroupBuilder group) => group;
}
