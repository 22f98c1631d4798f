using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.Users;

public sealed class UsersTests : AppTest
{
    private Task<HttpResponseMessage> CreateAsync(object user) =>
        Client.PostAsJsonAsync("/users", user, GroundworkApp.Json, TestContext.Current.CancellationToken);

    [Fact]
    public async Task CreatedUserCanBeReadBack()
    {
        var created = await CreateAsync(new { email = "ada@example.com", name = "Ada Lovelace" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal($"/users/{id}", created.Headers.Location?.OriginalString);

        var read = await Client.GetFromJsonAsync<JsonElement>($"/users/{id}", TestContext.Current.CancellationToken);
        Assert.Equal("ada@example.com", read.GetProperty("email").GetString());
        Assert.Equal("Ada Lovelace", read.GetProperty("name").GetString());
    }

    [Fact]
    public async Task UnknownUserIsNotFoundProblem()
    {
        var response = await Client.GetAsync("/users/987654", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task DuplicateEmailIsAConflictWhateverItsCase()
    {
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(new { email = "grace@example.com", name = "Grace" })).StatusCode);
        var duplicate = await CreateAsync(new { email = "Grace@Example.com", name = "Grace again" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("application/problem+json", duplicate.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("")]
    public async Task InvalidEmailIsNamedInTheProblem(string email)
    {
        var response = await CreateAsync(new { email, name = "Someone" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(["email"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public async Task EachScopeGetsItsOwnDbContextDisposedWithTheScope()
    {
        GroundworkDbContext first;
        await using (var scope = App.Services.CreateAsyncScope())
        {
            first = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
            Assert.Same(first, scope.ServiceProvider.GetRequiredService<GroundworkDbContext>());
            await using var other = App.Services.CreateAsyncScope();
            Assert.NotSame(first, other.ServiceProvider.GetRequiredService<GroundworkDbContext>());
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.Users.CountAsync(TestContext.Current.CancellationToken));
    }
}
