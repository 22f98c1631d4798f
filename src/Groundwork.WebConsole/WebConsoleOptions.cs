using System.ComponentModel.DataAnnotations;

namespace Groundwork.WebConsole;

public sealed class WebConsoleOptions
{
    public const string Section = "Console";

    /// <summary>Serve the console at <c>/</c> (default); false leaves only the API.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The root URL the console calls the API at. Unset: the service's own first HTTP address on loopback (the usual
    /// case); set it when the service listens only on addresses it cannot call itself at.
    /// </summary>
    [Url]
    public string? ApiUrl { get; set; }
}
