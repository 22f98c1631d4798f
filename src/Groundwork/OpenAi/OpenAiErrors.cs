namespace Groundwork.OpenAi;

/// <summary>Endpoint metadata: errors of this endpoint are written in OpenAI's shape instead of problem details.</summary>
public sealed class OpenAiErrorFormat
{
    public static readonly OpenAiErrorFormat Instance = new();

    private OpenAiErrorFormat()
    {
    }
}

public static class OpenAiErrorsRegistration
{
    // TODO(issue 14): the IProblemDetailsWriter that writes {"error": {message, type, param, code}} for endpoints with OpenAiErrorFormat.
    public static IHostApplicationBuilder AddOpenAiErrors(this IHostApplicationBuilder builder) => builder;
}
