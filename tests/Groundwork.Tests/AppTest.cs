namespace Groundwork.Tests;

/// <summary>A test class with its own service (own data folder) and an HTTP client for it.</summary>
public abstract class AppTest : IAsyncLifetime
{
    protected GroundworkApp App { get; } = new();

    protected HttpClient Client { get; private set; } = null!;

    public virtual ValueTask InitializeAsync()
    {
        Client = App.CreateClient();
        return ValueTask.CompletedTask;
    }

    public virtual async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
