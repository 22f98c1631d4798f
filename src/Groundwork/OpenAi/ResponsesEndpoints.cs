namespace Groundwork.OpenAi;

public static class ResponsesEndpoints
{
    // TODO(issue 14): POST /v1/responses.
    public static RouteGroupBuilder MapResponses(this RouteGroupBuilder group) => group;
}
