using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests;

/// <summary>A test of the service's OpenAPI document, fetched once per test from a fresh service.</summary>
public abstract class OpenApiDocumentTest : IAsyncLifetime
{
    protected GroundworkApp App { get; } = new();

    protected JsonElement Document { get; private set; }

    public async ValueTask InitializeAsync()
    {
        using var client = App.CreateClient();
        Document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
