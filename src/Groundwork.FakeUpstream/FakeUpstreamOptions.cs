using System.Reflection;

namespace Groundwork.FakeUpstream;

/// <summary>
/// How the fake upstream behaves. Every property may be changed while the server runs, from any thread;
/// each request reads the values it needs once, so a change applies to requests that arrive after it.
/// </summary>
public sealed class FakeUpstreamOptions
{
    public const string SectionName = "FakeUpstream";
    internal const int MaxEmbeddingDimensions = 16384;

    private volatile int _chatLatencyMs;
    private volatile int _embeddingLatencyMs;
    private volatile int _firstByteDelayMs;
    private volatile int _streamChunkDelayMs;
    private volatile int _embeddingDimensions = 384;
    private volatile int _echoMaxChars = 2000;
    private volatile int _recordedRequestLimit = 100;
    private volatile bool _requireApiKey = true;
    private volatile string _replyPrefix = "Echo: ";
    private volatile string? _reply;
    private volatile ArmedFault? _fault;

    /// <summary>Chat: extra delay before the JSON response, or between the stream's headers and its first event.</summary>
    public int ChatLatencyMs { get => _chatLatencyMs; set => _chatLatencyMs = NotNegative(value); }

    /// <summary>Embeddings: extra delay before the response.</summary>
    public int EmbeddingLatencyMs { get => _embeddingLatencyMs; set => _embeddingLatencyMs = NotNegative(value); }

    /// <summary>Every provider endpoint: delay before anything, headers included, is sent.</summary>
    public int FirstByteDelayMs { get => _firstByteDelayMs; set => _firstByteDelayMs = NotNegative(value); }

    /// <summary>Delay after each stream event.</summary>
    public int StreamChunkDelayMs { get => _streamChunkDelayMs; set => _streamChunkDelayMs = NotNegative(value); }

    /// <summary>Vector length when the request does not ask for <c>dimensions</c>.</summary>
    public int EmbeddingDimensions
    {
        get => _embeddingDimensions;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(EmbeddingDimensions));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxEmbeddingDimensions, nameof(EmbeddingDimensions));
            _embeddingDimensions = value;
        }
    }

    /// <summary>Fixed answer text; when null the answer is <see cref="ReplyPrefix"/> + the last user message.</summary>
    public string? Reply { get => _reply; set => _reply = value; }

    public string ReplyPrefix { get => _replyPrefix; set => _replyPrefix = value ?? throw new ArgumentNullException(nameof(ReplyPrefix)); }

    /// <summary>The echoed user message is cut to this many characters.</summary>
    public int EchoMaxChars { get => _echoMaxChars; set => _echoMaxChars = NotNegative(value); }

    /// <summary>How many recent requests are kept for inspection; 0 turns recording off (benchmarks).</summary>
    public int RecordedRequestLimit { get => _recordedRequestLimit; set => _recordedRequestLimit = NotNegative(value); }

    /// <summary>Answer 401 when the provider's key header is missing (the key itself is never checked).</summary>
    public bool RequireApiKey { get => _requireApiKey; set => _requireApiKey = value; }

    /// <summary>Setting a fault, even an equal one, arms it afresh with its full <see cref="FakeFault.Count"/>.</summary>
    public FakeFault? Fault
    {
        get => _fault?.Fault;
        set
        {
            value?.Validate();
            _fault = value is null ? null : new ArmedFault(value);
        }
    }

    /// <summary>How many more requests the current fault will strike; null when there is none or it has no count.</summary>
    public int? RemainingFaults => _fault?.Remaining;

    public static FakeUpstreamOptions FromConfiguration(IConfiguration section)
    {
        var options = new FakeUpstreamOptions();
        try
        {
            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException invalid)
        {
            throw new InvalidOperationException($"Invalid {SectionName} setting: {invalid.Message}", invalid);
        }

        return options;
    }

    internal FakeFault? TryStrike(PathString path) => _fault?.TryStrike(path);

    internal FakeUpstreamOptions Clone()
    {
        var copy = new FakeUpstreamOptions();
        copy.CopySettingsFrom(this);
        copy.Fault = Fault;
        return copy;
    }

    /// <summary>Copies everything but the fault, whose remaining count must not be reset by unrelated changes.</summary>
    internal void CopySettingsFrom(FakeUpstreamOptions source)
    {
        ChatLatencyMs = source.ChatLatencyMs;
        EmbeddingLatencyMs = source.EmbeddingLatencyMs;
        FirstByteDelayMs = source.FirstByteDelayMs;
        StreamChunkDelayMs = source.StreamChunkDelayMs;
        EmbeddingDimensions = source.EmbeddingDimensions;
        Reply = source.Reply;
        ReplyPrefix = source.ReplyPrefix;
        EchoMaxChars = source.EchoMaxChars;
        RecordedRequestLimit = source.RecordedRequestLimit;
        RequireApiKey = source.RequireApiKey;
    }

    private static int NotNegative(int value, [System.Runtime.CompilerServices.CallerMemberName] string name = "")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value, name);
        return value;
    }
}
