using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Groundwork.Models;

/// <summary>
/// Reports a model call that ran out of time as <see cref="UpstreamTimeoutException"/>, so a slow provider is told apart
/// from a caller that went away. A single answer is bounded by the provider SDK's own per-attempt timeout (set to
/// <c>Providers:TimeoutSeconds</c>), which saves a second timer on every call; a stream is bounded here, per wait for
/// its next update.
/// </summary>
public sealed class UpstreamTimeoutChatClient(IChatClient inner, string modelName, TimeSpan timeout) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && IsCancellation(exception))
        {
            throw new UpstreamTimeoutException(modelName, timeout);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await using var updates = base.GetStreamingResponseAsync(messages, options, deadline.Token).GetAsyncEnumerator(deadline.Token);
        while (true)
        {
            ChatResponseUpdate update;
            try
            {
                if (!await updates.MoveNextAsync())
                {
                    yield break;
                }

                update = updates.Current;
            }
            catch (Exception exception) when (IsTimeout(exception, deadline, cancellationToken))
            {
                throw new UpstreamTimeoutException(modelName, timeout);
            }

            deadline.CancelAfter(timeout);
            yield return update;
        }
    }

    // SDKs surface a cancelled request in different shapes (OperationCanceledException, or wrapped in their own exception).
    private static bool IsTimeout(Exception exception, CancellationTokenSource deadline, CancellationToken callerToken) =>
        deadline.IsCancellationRequested && !callerToken.IsCancellationRequested
        && exception is OperationCanceledException or TimeoutException or HttpRequestException
            or System.ClientModel.ClientResultException or Anthropic.Exceptions.AnthropicException;

    // With the caller still there, a cancelled call can only be the SDK's own timeout.
    private static bool IsCancellation(Exception exception) =>
        exception is OperationCanceledException or TimeoutException || exception.InnerException is TimeoutException;
}
