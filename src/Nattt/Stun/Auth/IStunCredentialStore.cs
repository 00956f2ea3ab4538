using System.Text;
using Nattt.Stun.Wire;

namespace Nattt.Stun.Auth;

/// <summary>Where long-term credentials come from (a user file, coturn's use-auth-secret scheme, ...).</summary>
public interface IStunCredentialStore
{
    /// <summary>The password of <paramref name="username"/>, if the user exists.</summary>
    bool TryGetPassword(string username, out string password);

    /// <summary>The user whose USERHASH (RFC 8489 section 14.4) in this realm is <paramref name="userHash"/>.</summary>
    bool TryGetUsernameByHash(ReadOnlySpan<byte> userHash, out string username);
}

/// <summary>A fixed user list. Immutable after construction; thread-safe.</summary>
public sealed class StunStaticCredentialStore : IStunCredentialStore
{
    private readonly Dictionary<string, string> _passwords;
    private readonly Dictionary<string, string> _byHash;

    public StunStaticCredentialStore(IEnumerable<KeyValuePair<string, string>> users, string realm)
    {
        _passwords = new Dictionary<string, string>(users, StringComparer.Ordinal);
        _byHash = _passwords.Keys.ToDictionary(u => Convert.ToHexString(StunCredentials.UserHash(u, realm)), u => u, StringComparer.Ordinal);
    }

    public bool TryGetPassword(string username, out string password) => _passwords.TryGetValue(username, out password!);

    public bool TryGetUsernameByHash(ReadOnlySpan<byte> userHash, out string username) =>
        _byHash.TryGetValue(Convert.ToHexString(userHash), out username!);

    /// <summary>Parses "name:password" pairs (the password may contain ':').</summary>
    public static StunStaticCredentialStore Parse(IEnumerable<string> pairs, string realm) =>
        new(pairs.Select(p =>
        {
            int colon = p.IndexOf(':');
            if (colon <= 0) throw new FormatException($"'{p}' is not name:password");
            return new KeyValuePair<string, string>(p[..colon], p[(colon + 1)..]);
        }), realm);

    internal static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
