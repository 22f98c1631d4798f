namespace Groundwork.Retrieval;

/// <summary>
/// How relevant a chunk is to a query, from 0 to 1, with the same meaning for every query and corpus: a logistic
/// model of two pieces of evidence, fitted on the evaluation set (bench/eval.sh; docs/benchmarks.md):
/// <list type="bullet">
/// <item>the cosine similarity of the query's and the chunk's embeddings, whatever the search mode;</item>
/// <item>the share of the query's content words found in the chunk, each weighted by its inverse document frequency,
/// so that a question about "Australia" in a corpus with no such word scores low however close the meaning.</item>
/// </list>
/// relevance = 1 / (1 + e^-(intercept + a·cosine + b·coverage)), fitted (class-balanced logistic regression) on 5,730
/// top-10 hybrid results of the set's 573 questions: the passage holding the answer against every other result.
/// The fusion score orders results; this bounds them. docs/relevance.md has the figures.
/// </summary>
public static class RelevanceModel
{
    public const double Intercept = -7.8;
    public const double CosineWeight = 7.1;
    public const double CoverageWeight = 6.9;

    public static double Of(double cosine, double coverage) =>
        Math.Round(1 / (1 + Math.Exp(-(Intercept + CosineWeight * cosine + CoverageWeight * coverage))), 4);
}
