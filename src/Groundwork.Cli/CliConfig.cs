using System.Text.Json;

namespace Groundwork.Cli;

/// <summary>What <c>groundwork login</c> keeps: the service's URL and the key.</summary>
internal sealed record CliConfig(string? Url, string? Key)
{
    public const string DefaultUrl = "http://localhost:5080";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// <c>GROUNDWORK_CONFIG</c>, else <c>$XDG_CONFIG_HOME/groundwork/config.json</c>, else
    /// <c>~/.config/groundwork/config.json</c>.
    /// </summary>
    public static string PathFrom(Func<string, string?> environment)
    {
        if (environment("GROUNDWORK_CONFIG") is { Length: > 0 } explicitPath)
        {
            return explicitPath;
        }

        var configHome = environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(configHome, "groundwork", "config.json");
    }

    /// <summary>The file's settings, or none when there is no file; a file that is not JSON is a usage error.</summary>
    public static CliConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            return new CliConfig(null, null);
        }

        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(path), Json) ?? new CliConfig(null, null);
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"The configuration file {path} is not valid JSON ({e.Message}): run groundwork login again.");
        }
    }

    /// <summary>Writes the file readable by its owner only (0600 on Unix): it holds a key.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            JsonSerializer.Serialize(stream, this, Json);
        }

        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode applies only to a new file: an existing one keeps its mode otherwise.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

/// <summary>Where to connect and with which key, and where each came from.</summary>
internal sealed record Connection(Uri Url, string? Key, string UrlOrigin, string? KeyOrigin)
{
    /// <summary>Flag, then environment (<c>GROUNDWORK_URL</c>, <c>GROUNDWORK_API_KEY</c>), then the config file, then the default URL.</summary>
    public static Connection Resolve(string? urlFlag, string? keyFlag, Func<string, string?> environment)
    {
        var path = CliConfig.PathFrom(environment);
        var file = CliConfig.Load(path);
        var (url, urlOrigin) =
            !string.IsNullOrWhiteSpace(urlFlag) ? (urlFlag, "--url")
            : environment("GROUNDWORK_URL") is { Length: > 0 } envUrl ? (envUrl, "GROUNDWORK_URL")
            : !string.IsNullOrWhiteSpace(file.Url) ? (file.Url, path)
            : (CliConfig.DefaultUrl, "default");
        var (key, keyOrigin) =
            !string.IsNullOrWhiteSpace(keyFlag) ? (keyFlag, "--key")
            : environment("GROUNDWORK_API_KEY") is { Length: > 0 } envKey ? (envKey, "GROUNDWORK_API_KEY")
            : !string.IsNullOrWhiteSpace(file.Key) ? (file.Key, path)
            : ((string?)null, (string?)null);
        return new Connection(ParseUrl(url, urlOrigin), key?.Trim(), urlOrigin, keyOrigin);
    }

    public static Uri ParseUrl(string url, string origin)
    {
        var text = url.Trim();
        if (!Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            throw new CliUsageException($"The service URL '{url}' (from {origin}) is not an http:// or https:// URL.");
        }

        return parsed;
    }
}

/// <summary>A mistake in how the tool was called or configured: exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
