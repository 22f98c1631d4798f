namespace Groundwork.OpenAi;

public static class ChatCompletionsEndpoints
{
    // TODO(issue 14): POST /v1/chat/completions.
    public static RouteGroupBuilder MapChatCompletions(this RouteGroupBuilder group) => group;
}
