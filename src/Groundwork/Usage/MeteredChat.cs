using System.Diagnostics;
using System.Text;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.Models;
using Microsoft.Extensions.AI;

namespace Groundwork.Usage;

/// <summary>A model's answer and where the caller's budgets stand after it (empty when none applies).</summary>
public sealed record MeteredResponse(ChatResponse Response, IReadOnlyList<BudgetStatus> Budgets);

/// <summary>
/// Every model call goes through here (embedding calls of <c>/embeddings</c> too): its worst case is reserved from the caller's budgets (429 when it does not fit),
/// the call is made, the reservation settles to the usage the model reports (or is released when the call fails or the
/// client goes away), and the call is recorded with its tokens, latency and outcome.
/// </summary>
/// <remarks>
/// A service that callers wrap their model call in, rather than a <see cref="DelegatingChatClient"/> in the model
/// pipeline: the budget belongs to the caller, which is explicit here instead of travelling in ChatOptions or an
/// AsyncLocal, and a call that never happens (an abstained answer) never reaches it, so it costs nothing. Streaming and
/// the OpenAI-compatible endpoint are to use <see cref="ReserveAsync"/> and <see cref="MeteredCall.CompleteAsync"/> around their
/// stream the same way, settling on its final usage update.
/// </remarks>
public sealed class MeteredChat(
    ModelRegistry models, PromptTokenEstimator estimator, TokenBudgets budgets, UsageRecorder recorder, UsageMetrics metrics, TimeProvider clock)
{
    public async Task<MeteredResponse> GetResponseAsync(
        Caller caller, string model, IChatClient client, IList<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken)
    {
        using var call = await ReserveAsync(caller, model, messages, options, cancellationToken);
        var response = await call.RunAsync(token => client.GetResponseAsync(messages, options, token), r => r.Usage, cancellationToken);
        return new MeteredResponse(response, call.Budgets());
    }

    /// <summary>Reserves the call's worst case; dispose the result to release it if the call never completes.</summary>
    /// <exception cref="BudgetExceededException">A budget of the caller cannot take the call's worst case.</exception>
    public async Task<MeteredCall> ReserveAsync(
        Caller caller, string model, IEnumerable<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken)
    {
        var reservation = await budgets.ReserveAsync(
            caller, () => models.ProviderTypesOf(model).Max(type => estimator.WorstCase(type, messages, options.MaxOutputTokens ?? MaxTokensWhenUnset)),
            cancellationToken);
        return new MeteredCall(caller, model, reservation, recorder, metrics);
    }

    /// <summary>
    /// Reserves an embedding call's worst case: each text's UTF-8 bytes and two (a tokenizer makes no token of less than
    /// a byte; BERT's adds two markers). The settlement then charges what the model reports.
    /// </summary>
    /// <exception cref="BudgetExceededException">A budget of the caller cannot take the call's worst case.</exception>
    public async Task<MeteredCall> ReserveEmbeddingAsync(Caller caller, string model, IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var reservation = await budgets.ReserveAsync(caller, () => texts.Sum(text => (long)Encoding.UTF8.GetByteCount(text) + 2), cancellationToken);
        return new MeteredCall(caller, model, reservation, recorder, metrics);
    }

    /// <summary>Records an answer served from the answer cache: no model call, no reservation, status <c>cached</c> and 0 tokens.</summary>
    public ValueTask RecordCachedAsync(Caller caller, string model) => recorder.RecordAsync(new UsageRecordEntity
    {
        TenantId = caller.TenantId, UserId = caller.UserId, KeyId = caller.KeyId, Model = model, Status = "cached",
        At = clock.GetUtcNow().UtcDateTime,
    });

    /// <summary>The most a model may write when a call sets no max_tokens (/generate always sets it).</summary>
    public const int MaxTokensWhenUnset = 8192;
}

/// <summary>One admitted model call: complete it with its usage, or fail it; disposing an unfinished one releases its reservation.</summary>
public sealed class MeteredCall(Caller caller, string model, BudgetReservation reservation, UsageRecorder recorder, UsageMetrics metrics) : IDisposable
{
    private readonly long _started = Stopwatch.GetTimestamp();

    public long ReservedTokens => reservation.ReservedTokens;

    public IReadOnlyList<BudgetStatus> Budgets() => reservation.Status();

    /// <summary>
    /// Makes the call and completes with the usage it reports; when it throws, fails (as cancelled if the client went
    /// away) and rethrows.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, Func<T, UsageDetails?> usage, CancellationToken cancellationToken)
    {
        T result;
        try
        {
            result = await call(cancellationToken);
        }
        catch (Exception exception)
        {
            await FailAsync(cancellationToken.IsCancellationRequested || exception is OperationCanceledException);
            throw;
        }

        await CompleteAsync(usage(result));
        return result;
    }

    public ValueTask CompleteAsync(UsageDetails? usage)
    {
        var prompt = usage?.InputTokenCount ?? 0;
        var completion = usage?.OutputTokenCount ?? 0;
        var total = usage?.TotalTokenCount ?? prompt + completion;
        reservation.Settle(total);
        metrics.Tokens(model, prompt, completion);
        return RecordAsync("ok", prompt, completion, total);
    }

    /// <summary>Releases the reservation: a call that failed or was cancelled is not charged (providers do not bill them either).</summary>
    public ValueTask FailAsync(bool cancelled)
    {
        reservation.Dispose();
        return RecordAsync(cancelled ? "cancelled" : "failed", 0, 0, 0);
    }

    public void Dispose() => reservation.Dispose();

    private ValueTask RecordAsync(string status, long prompt, long completion, long total) => recorder.RecordAsync(new UsageRecordEntity
    {
        TenantId = caller.TenantId, UserId = caller.UserId, KeyId = caller.KeyId, Model = model, PromptTokens = prompt,
        CompletionTokens = completion, TotalTokens = total, LatencyMs = (long)Stopwatch.GetElapsedTime(_started).TotalMilliseconds,
        Status = status, At = reservation.At,
    });
}
