namespace Groundwork.Models;

/// <summary>The requested model is a known name whose provider cannot be used as configured (answered 503).</summary>
public sealed class ModelUnavailableException(string modelName, string reason) : Exception(reason)
{
    public string ModelName { get; } = modelName;
}

/// <summary>A target did not answer, or send its next part, within one of its time-outs (answered 504).</summary>
public sealed class UpstreamTimeoutException(string modelName, string target, string what, TimeSpan timeout, string setting)
    : Exception($"Model '{modelName}' ({target}) {what} within {timeout.TotalSeconds:0.###} s ({setting}).")
{
    public string ModelName { get; } = modelName;
}
