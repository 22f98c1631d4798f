using System.ComponentModel.DataAnnotations;
using Groundwork.Auth;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.RateLimits;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Users;

public sealed record CreateUserRequest
{
    [Required]
    [StringLength(320, MinimumLength = 3)]
    [EmailAddress]
    public string Email { get; init; } = string.Empty;

    [Required]
    [StringLength(200, MinimumLength = 1)]
    public string Name { get; init; } = string.Empty;
}

public sealed record UserResponse(long Id, string Email, string Name, DateTime CreatedAt);

/// <summary>
/// The post's dependency-injection example: each handler receives a <see cref="GroundworkDbContext"/> scoped to its
/// request and disposed when the request ends, as FastAPI's <c>Depends(get_db)</c> does.
/// </summary>
public static class UsersApi
{
    private const int SqliteConstraintViolation = 19;

    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/users").WithTags("Users").RequireAuthorization(Policies.Admin).RequirePerKeyRateLimit();
        group.MapPost("", CreateUserAsync).WithName("CreateUser").WithSummary("Create a user")
            .WithRequestExample(new CreateUserRequest { Email = "ada@example.com", Name = "Ada Lovelace" });
        group.MapGet("/{id:long}", GetUserAsync).WithName("GetUser").WithSummary("Get a user by id");
        return group;
    }

    public static async Task<Results<Created<UserResponse>, ProblemHttpResult>> CreateUserAsync(
        ValidatedJson<CreateUserRequest> request, Caller caller, GroundworkDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var email = request.Value.Email.Trim();
        if (await db.Users.AnyAsync(u => u.TenantId == caller.TenantId && u.Email == email, cancellationToken))
        {
            return DuplicateEmail(email);
        }

        var user = new UserEntity { TenantId = caller.TenantId, Role = Role.Reader, Email = email, Name = request.Value.Name.Trim(), CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is SqliteException { SqliteErrorCode: SqliteConstraintViolation })
        {
            // Another request created the same email between the check and the insert.
            return DuplicateEmail(email);
        }

        return TypedResults.Created($"/users/{user.Id}", ToResponse(user));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUserAsync(
        long id, Caller caller, GroundworkDbContext db, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id && u.TenantId == caller.TenantId, cancellationToken);
        return user is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "User not found", detail: $"No user has id {id}.")
            : TypedResults.Ok(ToResponse(user));
    }

    private static ProblemHttpResult DuplicateEmail(string email) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Email already registered",
            detail: $"A user with email '{email}' already exists.");

    private static UserResponse ToResponse(UserEntity user) => new(user.Id, user.Email, user.Name, user.CreatedAt);
}
