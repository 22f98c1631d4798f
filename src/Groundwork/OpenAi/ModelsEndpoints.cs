namespace Groundwork.OpenAi;

public static class ModelsEndpoints
{
    // TODO(issue 14): GET /v1/models and /v1/models/{id}.
    public static RouteGroupBuilder MapOpenAiModels(this RouteGroupBuilder group) => group;
}
