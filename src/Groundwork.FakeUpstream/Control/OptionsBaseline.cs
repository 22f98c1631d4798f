namespace Groundwork.FakeUpstream.Control;

/// <summary>The options as they were at start-up, for resetting a shared server between tests.</summary>
internal sealed class OptionsBaseline(FakeUpstreamOptions startup)
{
    private readonly FakeUpstreamOptions _startup = startup.Clone();

    public void Restore(FakeUpstreamOptions options)
    {
        options.CopySettingsFrom(_startup);
        options.Fault = _startup.Fault;
    }
}
