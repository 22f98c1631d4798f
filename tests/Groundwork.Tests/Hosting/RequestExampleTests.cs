using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Groundwork.Tests.Hosting;

/// <summary>The request examples the docs page pre-fills are accepted by the service as they are.</summary>
public sealed class RequestExampleTests : OpenApiDocumentTest
{
    [Fact]
    public async Task EveryJsonRequestBodyExampleIsAccepted()
    {
        var operations = (
            from path in Document.GetProperty("paths").EnumerateObject()
            from operation in path.Value.EnumerateObject()
            where operation.Value.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("application/json", out _)
            select (Path: path.Name, Method: operation.Name.ToUpperInvariant(),
                Content: operation.Value.GetProperty("requestBody").GetProperty("content").GetProperty("application/json"))).ToList();
        Assert.Superset(new HashSet<string> { "/generate", "/embeddings", "/documents", "/search", "/users" },
            operations.Select(o => o.Path).ToHashSet());

        using var client = App.CreateClient();
        var target = await App.CreateTenantClientAsync("reader");
        foreach (var (template, method, content) in operations)
        {
            var path = template.Replace("/users/{id}", $"/users/{target.UserId}").Replace("/tenants/{id}", $"/tenants/{target.TenantId}");
            Assert.DoesNotContain('{', path);
            Assert.True(content.TryGetProperty("example", out var example), $"{method} {path} has no request example");
            using var request = new HttpRequestMessage(new HttpMethod(method), path)
            {
                Content = new StringContent(example.GetRawText(), Encoding.UTF8, "application/json"),
            };
            var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode,
                $"{method} {path} answered {(int)response.StatusCode} to its example {example}: " +
                await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public void GenerateExampleUsesTheBuiltInLocalModel()
    {
        var example = Document.GetProperty("paths").GetProperty("/generate").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.Equal("local", example.GetProperty("model").GetString());
    }
}
