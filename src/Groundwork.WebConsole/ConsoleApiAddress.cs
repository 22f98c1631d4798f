using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Groundwork.WebConsole;

/// <summary>Where the console reaches the API: <see cref="WebConsoleOptions.ApiUrl"/>, else this server's own address on loopback.</summary>
public sealed class ConsoleApiAddress(IServer server, IOptions<WebConsoleOptions> options)
{
    public Uri BaseAddress => options.Value.ApiUrl is { } configured
        ? new Uri(configured.EndsWith('/') ? configured : configured + "/")
        : OwnAddress();

    private Uri OwnAddress()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var chosen = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault()
                     ?? throw new InvalidOperationException("The server has no address to call the API at; set Console:ApiUrl.");
        var uri = new UriBuilder(chosen.Replace("://+", "://localhost").Replace("://*", "://localhost"));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = "127.0.0.1";
        }

        uri.Path = "/";
        return uri.Uri;
    }
}
