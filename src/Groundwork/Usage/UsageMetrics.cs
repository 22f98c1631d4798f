using System.Diagnostics.Metrics;

namespace Groundwork.Usage;

/// <summary>Tokens of the model calls that usage records, by model and kind; never by tenant (series would grow with tenants).</summary>
public sealed class UsageMetrics
{
    public const string Name = "Groundwork.Usage";

    private readonly Counter<long> _tokens;

    public UsageMetrics(IMeterFactory meters) =>
        _tokens = meters.Create(Name).CreateCounter<long>("groundwork.usage.tokens", "{token}", "Tokens of completed model calls, as the model reported them.");

    public void Tokens(string model, long prompt, long completion)
    {
        if (prompt > 0)
        {
            _tokens.Add(prompt, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("kind", "prompt"));
        }

        if (completion > 0)
        {
            _tokens.Add(completion, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("kind", "completion"));
        }
    }
}
