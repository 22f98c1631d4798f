using System.Diagnostics;

namespace Groundwork.Tests.ScaleOut;

/// <summary>Process helpers for the throwaway PostgreSQL and Redis servers the tests start on loopback.</summary>
internal static class LocalServer
{
    /// <summary>PostgreSQL refuses to run as root: as root, commands run as the <c>postgres</c> user Debian's package made.</summary>
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Runs a command to its end; its output goes into the exception when it fails.</summary>
    public static async Task RunAsync(string fileName, IEnumerable<string> arguments, bool asPostgresUser = false)
    {
        var start = new ProcessStartInfo(asPostgresUser && IsRoot ? "runuser" : fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (asPostgresUser && IsRoot)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", fileName })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await errors}\n" +
                "Install the servers with `bash deploy/install-deps.sh` (.ci/run does).");
        }
    }
}
