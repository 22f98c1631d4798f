using Groundwork.FakeUpstream.Anthropic;
using Groundwork.FakeUpstream.Control;
using Groundwork.FakeUpstream.Ollama;
using Groundwork.FakeUpstream.OpenAi;
using Groundwork.FakeUpstream.Wire;

namespace Groundwork.FakeUpstream;

internal static class FakeUpstreamHosting
{
    public static WebApplicationBuilder AddFakeUpstream(this WebApplicationBuilder builder, FakeUpstreamOptions options)
    {
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new OptionsBaseline(options));
        builder.Services.AddSingleton<RequestLog>();
        builder.Services.AddSingleton<Wire.HangObserver>();
        builder.Services.AddSingleton<Wire.ChatGate>();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, FakeUpstreamJsonContext.Default));
        return builder;
    }

    public static IEndpointRouteBuilder MapFakeUpstream(this IEndpointRouteBuilder app)
    {
        app.MapOpenAiApi();
        app.MapAnthropicApi();
        app.MapOllamaApi();
        app.MapControlApi();
        return app;
    }
}
