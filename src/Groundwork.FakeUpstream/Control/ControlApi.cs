using System.Text.Json;
using System.Text.Json.Nodes;
using Groundwork.FakeUpstream.Wire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Groundwork.FakeUpstream.Control;

/// <summary>The fake's own endpoints under <c>/_fake</c>: inspect recorded requests, change behaviour at run time.</summary>
internal static class ControlApi
{
    public static RouteGroupBuilder MapControlApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_fake");
        group.MapGet("/requests", GetRequests);
        group.MapDelete("/requests", ClearRequests);
        group.MapGet("/config", GetConfig);
        group.MapPost("/config", UpdateConfig);
        group.MapPost("/reset", Reset);
        return group;
    }

    private static Ok<RecordedRequest[]> GetRequests(RequestLog log) => TypedResults.Ok(log.Snapshot());

    private static NoContent ClearRequests(RequestLog log)
    {
        log.Clear();
        return TypedResults.NoContent();
    }

    private static Ok<FakeUpstreamOptions> GetConfig(FakeUpstreamOptions options) => TypedResults.Ok(options);

    /// <summary>
    /// A JSON merge patch over the current settings: properties left out keep their values, and the
    /// fault changes (and is re-armed) only when <c>fault</c> is present; <c>"fault": null</c> clears it.
    /// Nothing is applied unless the whole patch is valid.
    /// </summary>
    private static Results<Ok<FakeUpstreamOptions>, ValidationProblem> UpdateConfig(JsonObject patch, FakeUpstreamOptions options)
    {
        var merged = ToCaseInsensitiveNode(JsonSerializer.Serialize(options, FakeUpstreamJsonContext.Default.FakeUpstreamOptions));
        merged.Remove(nameof(FakeUpstreamOptions.Fault));
        merged.Remove(nameof(FakeUpstreamOptions.RemainingFaults));

        JsonNode? faultPatch = null;
        var setsFault = false;
        foreach (var (name, value) in patch)
        {
            if (string.Equals(name, nameof(FakeUpstreamOptions.Fault), StringComparison.OrdinalIgnoreCase))
            {
                (setsFault, faultPatch) = (true, value);
            }
            else if (!merged.ContainsKey(name))
            {
                return Invalid(name, $"'{name}' is not a fake upstream setting.");
            }
            else
            {
                merged[name] = value?.DeepClone();
            }
        }

        FakeUpstreamOptions updated;
        FakeFault? fault = null;
        try
        {
            updated = merged.Deserialize(FakeUpstreamJsonContext.Default.FakeUpstreamOptions)!;
            if (faultPatch is not null)
            {
                // Merged over a default fault because source-generated JSON sets absent init-only properties to default(T).
                var fullFault = ToCaseInsensitiveNode(JsonSerializer.Serialize(new FakeFault(), FakeUpstreamJsonContext.Default.FakeFault));
                foreach (var (name, value) in faultPatch.AsObject())
                {
                    fullFault[name] = value?.DeepClone();
                }

                fault = fullFault.Deserialize(FakeUpstreamJsonContext.Default.FakeFault)!;
                fault.Validate();
            }
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return Invalid(e is ArgumentException { ParamName: { } name } ? name : "settings", e.Message);
        }

        options.CopySettingsFrom(updated);
        if (setsFault)
        {
            options.Fault = fault;
        }

        return TypedResults.Ok(options);
    }

    private static NoContent Reset(FakeUpstreamOptions options, OptionsBaseline baseline, RequestLog log)
    {
        baseline.Restore(options);
        log.Clear();
        return TypedResults.NoContent();
    }

    private static JsonObject ToCaseInsensitiveNode(string json) =>
        JsonNode.Parse(json, new JsonNodeOptions { PropertyNameCaseInsensitive = true })!.AsObject();

    private static ValidationProblem Invalid(string key, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [key] = [message] });
}
