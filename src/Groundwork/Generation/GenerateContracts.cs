using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Groundwork.Models;

namespace Groundwork.Generation;

/// <summary>A question to answer from the indexed documents — the contract of the post's <c>GenerateRequest</c>.</summary>
public sealed record GenerateRequest
{
    /// <summary>The question or instruction.</summary>
    [Required]
    [StringLength(10_000, MinimumLength = 1)]
    public string Text { get; init; } = string.Empty;

    /// <summary>One of the configured model names (see the enum); <c>local</c> is the built-in extractive answerer.</summary>
    [DefaultValue("gpt-4")]
    [ConfiguredModel]
    public string Model { get; init; } = "gpt-4";

    /// <summary>Sampling temperature passed to the model.</summary>
    [DefaultValue(0.7)]
    [Range(0.0, 2.0)]
    public double Temperature { get; init; } = 0.7;

    /// <summary>Upper bound on the tokens the model may generate.</summary>
    [DefaultValue(1024)]
    [Range(1, 8192)]
    public int MaxTokens { get; init; } = 1024;
}

/// <summary>The model's answer with the passages it was given and the tokens it used.</summary>
public sealed record GenerateResponse(string Text, string Model, IReadOnlyList<Source> Sources, TokenUsage Usage);

/// <summary>A retrieved chunk given to the model as passage [n], where n is its position in <c>sources</c> plus one.</summary>
public sealed record Source(long DocumentId, long ChunkId, string Title, double Score, string Snippet);

public sealed record TokenUsage(long PromptTokens, long CompletionTokens, long TotalTokens);
