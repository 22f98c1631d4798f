using System.Security.Cryptography;
using Groundwork.Client;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;

namespace Groundwork.WebConsole;

/// <summary>
/// Who is signed in to this browser tab's circuit: the key (kept in the browser's local storage, encrypted with the
/// server's data-protection keys), what <c>GET /me</c> says about it, and a <see cref="GroundworkClient"/> for it.
/// </summary>
public sealed class ConsoleSession(IHttpClientFactory httpClients, ProtectedLocalStorage storage)
{
    private const string StorageKey = "groundwork-api-key";

    public Me? Me { get; private set; }

    public GroundworkClient? Client { get; private set; }

    /// <summary>True once the stored key (if any) has been tried, so the layout knows whether to ask for one.</summary>
    public bool Restored { get; private set; }

    public bool SignedIn => Me is not null;

    public event Action? Changed;

    /// <summary>The client for the signed-in key; only call when <see cref="SignedIn"/>.</summary>
    public GroundworkClient Api => Client ?? throw new InvalidOperationException("Nobody is signed in.");

    /// <summary>Signs in with the key kept in the browser, if there is one and it still works. Call after the first render.</summary>
    public async Task RestoreAsync()
    {
        if (Restored)
        {
            return;
        }

        try
        {
            var stored = await storage.GetAsync<string>(StorageKey);
            if (stored.Success && stored.Value is { Length: > 0 } key)
            {
                await TrySignInAsync(key);
            }
        }
        catch (CryptographicException)
        {
            // Stored under data-protection keys this server no longer has: ask again.
            await storage.DeleteAsync(StorageKey);
        }
        catch (GroundworkApiException)
        {
            await storage.DeleteAsync(StorageKey);
        }

        Restored = true;
        Changed?.Invoke();
    }

    /// <summary>Signs in with <paramref name="key"/>; throws <see cref="GroundworkApiException"/> (401) when the service refuses it.</summary>
    public async Task SignInAsync(string key)
    {
        await TrySignInAsync(key.Trim());
        await storage.SetAsync(StorageKey, key.Trim());
        Restored = true;
        Changed?.Invoke();
    }

    public async Task SignOutAsync()
    {
        Me = null;
        Client = null;
        await storage.DeleteAsync(StorageKey);
        Changed?.Invoke();
    }

    private async Task TrySignInAsync(string key)
    {
        var client = new GroundworkClient(httpClients.CreateClient(WebConsoleRegistration.HttpClientName), key);
        Me = await client.GetMeAsync();
        Client = client;
    }
}
