using System.ComponentModel.DataAnnotations;

namespace Groundwork.Generation;

public sealed class GenerationOptions
{
    public const string Section = "Generation";
    public const string Abstain = "abstain";
    public const string AskModel = "ask_model";

    /// <summary>
    /// What <c>/generate</c> does when no passage clears Search:MinRelevance: <c>abstain</c> answers that the indexed
    /// documents do not answer the question without calling the model; <c>ask_model</c> calls it with no passages and
    /// the instruction to say so. Either way the response has <c>grounded: false</c> and no sources.
    /// </summary>
    [AllowedValues(Abstain, AskModel)]
    public string WhenNothingRelevant { get; set; } = Abstain;
}
