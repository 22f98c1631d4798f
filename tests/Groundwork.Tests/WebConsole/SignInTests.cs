using Bunit;
using Groundwork.WebConsole.Components.Layout;

namespace Groundwork.Tests.WebConsole;

public sealed class SignInTests : IAsyncLifetime
{
    private readonly GroundworkApp _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task SessionKnowsTheKeysUserTenantAndRole()
    {
        var reader = await _app.CreateTenantClientAsync("reader");
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, reader.Key);

        Assert.Equal("reader", host.Session.Me!.User.Role);
        Assert.Equal(reader.TenantId, host.Session.Me.Tenant.Id);
        Assert.False(host.Session.Me.IsAdmin);
    }

    [Fact]
    public async Task ARefusedKeyIsShownAsSuchAndSignsNobodyIn()
    {
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, _app.OperatorKey);
        await host.Session.SignOutAsync();
        var signIn = host.Context.Render<SignIn>();

        signIn.Find("#api-key").Change("gw_not-a-key");
        await signIn.Find("form").SubmitAsync();

        signIn.WaitForAssertion(() => Assert.Contains("refused this key", signIn.Find("[role=alert]").TextContent));
        Assert.False(host.Session.SignedIn);
    }
}
