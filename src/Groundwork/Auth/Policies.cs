using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Microsoft.AspNetCore.Authorization;

namespace Groundwork.Auth;

/// <summary>The authorization policies endpoint groups require; several on one group must all pass.</summary>
public static class Policies
{
    /// <summary>Any valid key: search, generate, embed, read documents.</summary>
    public const string Reader = "reader";

    /// <summary>An editor's or admin's key that is not read-only: add and delete documents.</summary>
    public const string Editor = "editor";

    /// <summary>A tenant admin's key (read-only ones too): combine with <see cref="Writer"/> for changes.</summary>
    public const string Admin = "admin";

    /// <summary>The operator's key (read-only ones too): combine with <see cref="Writer"/> for changes.</summary>
    public const string Operator = "operator";

    /// <summary>A key that is not read-only.</summary>
    public const string Writer = "writer";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Reader, policy => policy.RequireAuthenticatedUser());
        options.AddPolicy(Editor, policy => policy.RequireAssertion(context => Caller.From(context.User) is { CanWrite: true, Role: Role.Editor or Role.Admin }));
        options.AddPolicy(Admin, policy => policy.RequireAssertion(context => Caller.From(context.User) is { Role: Role.Admin }));
        options.AddPolicy(Operator, policy => policy.RequireAssertion(context => Caller.From(context.User) is { IsOperator: true }));
        options.AddPolicy(Writer, policy => policy.RequireAssertion(context => Caller.From(context.User) is { CanWrite: true }));
        // Secure by default: an endpoint that names no policy still needs a valid key; only AllowAnonymous ones do not.
        options.FallbackPolicy = options.GetPolicy(Reader);
    }
}
