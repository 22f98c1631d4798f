using System.ComponentModel.DataAnnotations;

namespace Groundwork.Auth;

public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>
    /// The first operator's API key, when a deployment supplies it (a secret from its vault) instead of reading the one
    /// written to <c>&lt;data&gt;/admin.key</c> on first start. Kept as a key of the first operator on every start.
    /// </summary>
    public string? BootstrapKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(BootstrapKey) && !ApiKeyFormat.IsWellFormed(BootstrapKey))
        {
            yield return new ValidationResult(
                $"Auth:BootstrapKey must be '{ApiKeyFormat.Marker}' followed by at least {ApiKeyFormat.Length - ApiKeyFormat.Marker.Length} " +
                "base64url characters (A-Z, a-z, 0-9, '-', '_'), such as a key made with: echo gw_$(head -c 32 /dev/urandom | basenc --base64url | tr -d =).",
                [nameof(BootstrapKey)]);
        }
    }
}
