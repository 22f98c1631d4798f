namespace Groundwork.Models;

/// <summary>The requested model is a known name whose provider cannot be used as configured (answered 503).</summary>
public sealed class ModelUnavailableException(string modelName, string reason) : Exception(reason)
{
    public string ModelName { get; } = modelName;
}

/// <summary>The provider did not answer within <c>Providers:TimeoutSeconds</c> (answered 504).</summary>
public sealed class UpstreamTimeoutException(string modelName, TimeSpan timeout)
    : Exception($"Model '{modelName}' did not answer within {timeout.TotalSeconds:0.#} s (Providers__TimeoutSeconds).")
{
    public string ModelName { get; } = modelName;
}
