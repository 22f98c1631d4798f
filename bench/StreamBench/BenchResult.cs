using System.Text.Json.Serialization;

namespace Groundwork.Bench;

internal sealed record GenerateRequest(string Text, string Model, bool Stream);

internal sealed record ChatMessage(string Role, string Content);

internal sealed record ChatRequest(string Model, bool Stream, IReadOnlyList<ChatMessage> Messages);

/// <summary>Milliseconds at the usual percentiles (nearest rank).</summary>
internal sealed record Percentiles(int Count, double Min, double Mean, double P50, double P90, double P99, double Max)
{
    public static Percentiles Of(List<double> values)
    {
        if (values.Count == 0)
        {
            return new Percentiles(0, 0, 0, 0, 0, 0, 0);
        }

        values.Sort();
        return new Percentiles(values.Count, Round(values[0]), Round(values.Average()), At(values, 0.50), At(values, 0.90), At(values, 0.99), Round(values[^1]));
    }

    private static double At(List<double> sorted, double quantile) =>
        Round(sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)]);

    private static double Round(double value) => Math.Round(value, 3);
}

internal sealed record BenchResult(
    string Target,
    string Url,
    int Streams,
    double DurationSeconds,
    double WarmupSeconds,
    string StartedAt,
    double ElapsedSeconds,
    int Completed,
    int Errors,
    IReadOnlyDictionary<string, int> ErrorKinds,
    double StreamsPerSecond,
    double TextEventsPerStream,
    Percentiles HeadersMs,
    Percentiles FirstTextMs,
    Percentiles EndMs);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class BenchResultJson : JsonSerializerContext;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(GenerateRequest))]
[JsonSerializable(typeof(ChatRequest))]
internal sealed partial class BenchJson : JsonSerializerContext;
