using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Retrieval;

/// <summary>
/// Twenty-odd tenants hold documents with the same titles and texts but for one secret word each, plus documents only
/// they have; thousands of random requests from all of them at once, over every endpoint that reads or writes tenant
/// data, must never answer with another tenant's secret or document id.
/// </summary>
public sealed class TenantLeakTests
{
    private const int Tenants = 20;
    private const int Requests = 2_000;
    private const int Concurrency = 8;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] SharedTitles = ["Travel policy", "Security handbook", "Onboarding guide"];

    private sealed class Tenant(TenantClient client, string secret, string privateSecret)
    {
        public TenantClient Client { get; } = client;

        /// <summary>In every shared document: the only word in which the tenants' copies differ.</summary>
        public string Secret { get; } = secret;

        /// <summary>In the tenant's own document, which no other tenant has.</summary>
        public string PrivateSecret { get; } = privateSecret;

        public ConcurrentBag<long> DocumentIds { get; } = [];

        /// <summary>Other tenants' secrets this tenant has legitimately been given (by uploading their text itself).</summary>
        public ConcurrentDictionary<string, bool> Received { get; } = new(StringComparer.OrdinalIgnoreCase);

        public string SharedText(int i) =>
            $"{SharedTitles[i]}: every employee reads this before the first day. The access word is {Secret}. " +
            "Expenses are filed within thirty days and badges are worn at all times.";

        public string PrivateText => $"Private minutes: the board approved project {PrivateSecret} for next year.";
    }

    private static string NewSecret(Random random) =>
        new([.. Enumerable.Range(0, 10).Select(_ => (char)('a' + random.Next(26)))]);

    [Fact]
    public async Task NoResponseEverCarriesAnotherTenantsSecretsOrDocumentIds()
    {
        await using var app = new GroundworkApp();
        var random = new Random(20261202);
        var tenants = new List<Tenant>();
        for (var t = 0; t < Tenants; t++)
        {
            tenants.Add(new Tenant(await app.CreateTenantClientAsync("editor"), "zq" + NewSecret(random), "pv" + NewSecret(random)));
        }

        await Task.WhenAll(tenants.Select(async tenant =>
        {
            for (var i = 0; i < SharedTitles.Length; i++)
            {
                tenant.DocumentIds.Add(await AddAsync(tenant, new
                {
                    title = SharedTitles[i], text = tenant.SharedText(i), tags = new[] { "shared" }, external_id = $"shared-{i}",
                    metadata = new { rank = i },
                }));
            }

            tenant.DocumentIds.Add(await AddAsync(tenant, new { title = "Board minutes", text = tenant.PrivateText, tags = new[] { "private" } }));
        }));

        var checkedResponses = 0;
        var failures = new ConcurrentQueue<string>();
        var seeds = new ConcurrentQueue<int>(Enumerable.Range(0, Requests));
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(worker => Task.Run(async () =>
        {
            while (seeds.TryDequeue(out var seed))
            {
                var rng = new Random(seed);
                var me = tenants[rng.Next(tenants.Count)];
                var other = tenants[(tenants.IndexOf(me) + 1 + rng.Next(tenants.Count - 1)) % tenants.Count];
                var (description, response, echoed) = await RandomRequestAsync(rng, me, other);
                var body = await response.Content.ReadAsStringAsync(Ct);
                Interlocked.Increment(ref checkedResponses);
                if ((int)response.StatusCode >= 500)
                {
                    failures.Enqueue($"{description}: {(int)response.StatusCode}");
                }

                foreach (var leak in Leaks(body, me, tenants, echoed))
                {
                    failures.Enqueue($"{description}: {leak}");
                }
            }
        }, Ct)));

        Assert.Equal(Requests, checkedResponses);
        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine, failures.Take(20)));

        // The isolation did not come from answering nothing: each tenant finds its own secret by keyword.
        foreach (var tenant in tenants)
        {
            var found = await tenant.Client.Http.PostAsJsonAsync("/search", new { query = tenant.PrivateSecret, mode = "keyword" }, GroundworkApp.Json, Ct);
            Assert.Contains(tenant.PrivateSecret, await found.Content.ReadAsStringAsync(Ct));
        }
    }

    private static async Task<long> AddAsync(Tenant tenant, object document)
    {
        var response = await tenant.Client.Http.PostAsJsonAsync("/documents?wait=true", document, GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("id").GetInt64();
    }

    /// <summary>A random request by <paramref name="me"/>, often naming <paramref name="other"/>'s secrets or ids; what it sent that may be echoed.</summary>
    private static async Task<(string Description, HttpResponseMessage Response, string[] Echoed)> RandomRequestAsync(Random rng, Tenant me, Tenant other)
    {
        var http = me.Client.Http;
        string[] queries =
        [
            me.Secret, other.Secret, other.PrivateSecret, me.PrivateSecret, "access word", "board approved project", "Travel policy",
            $"What is the access word {other.Secret}?", "expenses badges employee", $"project {other.PrivateSecret} approved",
        ];
        var query = queries[rng.Next(queries.Length)];
        object?[] filters =
        [
            null,
            new { tags = new { any = new[] { "shared" } } },
            new { tags = new { any = new[] { "private" } } },
            new { title = "Board minutes" },
            new { external_id = new { @in = new[] { "shared-0", "shared-2" } } },
            new { document_id = new { @in = other.DocumentIds.ToArray() } },
            new Dictionary<string, object> { ["metadata.rank"] = new { gte = 1 } },
        ];
        var otherId = other.DocumentIds.ElementAt(rng.Next(other.DocumentIds.Count));
        switch (rng.Next(10))
        {
            case 0 or 1 or 2:
            {
                var mode = new[] { "vector", "keyword", "hybrid" }[rng.Next(3)];
                var filter = filters[rng.Next(filters.Length)];
                return ($"search {mode} '{query}'", await http.PostAsJsonAsync("/search",
                    new { query, mode, top_k = 1 + rng.Next(20), filter, min_relevance = 0 }, GroundworkApp.Json, Ct), [query]);
            }

            case 3:
                return ($"generate '{query}'", await http.PostAsJsonAsync("/generate", new { text = query, model = "local" }, GroundworkApp.Json, Ct), [query]);
            case 4:
                return ("embeddings", await http.PostAsJsonAsync("/embeddings", new { input = new[] { query, other.PrivateText } }, GroundworkApp.Json, Ct),
                    [query, other.PrivateSecret]);
            case 5:
            {
                var status = new[] { "", "&status=ready", "&status=queued", "&external_id=shared-1" }[rng.Next(4)];
                return ("list", await http.GetAsync($"/documents?limit={1 + rng.Next(100)}&offset={rng.Next(3)}{status}", Ct), []);
            }

            case 6:
            {
                var response = await http.GetAsync($"/documents/{otherId}", Ct);
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                return ($"get another's {otherId}", response, [otherId.ToString(CultureInfo.InvariantCulture)]);
            }

            case 7:
            {
                var response = await http.DeleteAsync($"/documents/{otherId}", Ct);
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                return ($"delete another's {otherId}", response, [otherId.ToString(CultureInfo.InvariantCulture)]);
            }

            case 8:
                return ("stats", await http.GetAsync("/documents/stats", Ct), []);
            default:
            {
                // Another tenant's content, sent as ours: never its document back as a duplicate (decided at intake, so no wait).
                var shared = rng.Next(2) == 0;
                var text = shared ? other.SharedText(0) : other.PrivateText;
                me.Received[shared ? other.Secret : other.PrivateSecret] = true;
                var response = await http.PostAsJsonAsync("/documents",
                    new { title = shared ? SharedTitles[0] : "Board minutes", text, external_id = shared ? "shared-0" : null }, GroundworkApp.Json, Ct);
                return ("re-upload another's content", response, []);
            }
        }
    }

    /// <summary>Whether <paramref name="number"/> appears in <paramref name="body"/> as a whole number, not inside a longer one.</summary>
    private static bool ContainsNumber(string body, string number)
    {
        for (var at = body.IndexOf(number, StringComparison.Ordinal); at >= 0; at = body.IndexOf(number, at + 1, StringComparison.Ordinal))
        {
            var end = at + number.Length;
            if ((at == 0 || !char.IsAsciiDigit(body[at - 1])) && (end == body.Length || !char.IsAsciiDigit(body[end])))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<string> Leaks(string body, Tenant me, List<Tenant> tenants, string[] echoed)
    {
        foreach (var tenant in tenants.Where(t => t != me))
        {
            foreach (var secret in new[] { tenant.Secret, tenant.PrivateSecret })
            {
                if (!me.Received.ContainsKey(secret) && !echoed.Any(e => e.Contains(secret, StringComparison.OrdinalIgnoreCase))
                    && body.Contains(secret, StringComparison.OrdinalIgnoreCase))
                {
                    yield return $"secret {secret} of another tenant";
                }
            }

            foreach (var id in tenant.DocumentIds)
            {
                var text = id.ToString(CultureInfo.InvariantCulture);
                if (!echoed.Contains(text) && ContainsNumber(body, text))
                {
                    yield return $"document id {id} of another tenant";
                }
            }
        }
    }
}
