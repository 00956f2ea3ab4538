using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Nattt.Stun.Wire;

namespace Nattt.Turn.Auth;

/// <summary>
/// Time-limited credentials from a secret shared with a web service (coturn's use-auth-secret, the "TURN REST API"
/// draft-uberti-behave-turn-rest): the username is <c>EXPIRY:USER</c> (Unix seconds; <c>USER:EXPIRY</c> is accepted
/// too), the password is base64(HMAC-SHA1(secret, username)). Nothing is stored per user, and a leaked password
/// stops working at its expiry. Several secrets may be valid at once (rotation). Thread-safe (read-only).
/// </summary>
public sealed class TurnSharedSecretAuth(IReadOnlyList<string> secrets, char separator = ':') : ITurnCredentialStore
{
    /// <summary>The password a web service hands out for <paramref name="username"/>.</summary>
    public static string Password(string secret, string username) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username)));

    /// <summary>A username valid until <paramref name="expiry"/> (what a web service would issue).</summary>
    public static string Username(DateTimeOffset expiry, string user, char separator = ':') =>
        string.Create(CultureInfo.InvariantCulture, $"{expiry.ToUnixTimeSeconds()}{separator}{user}");

    /// <summary>The expiry encoded in a time-limited username, if it has one.</summary>
    public bool TryGetExpiry(string username, out DateTimeOffset expiry)
    {
        expiry = default;
        int cut = username.IndexOf(separator);
        string first = cut < 0 ? username : username[..cut];
        string last = cut < 0 ? username : username[(username.LastIndexOf(separator) + 1)..];
        foreach (var part in new[] { first, last })
        {
            if (long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) && seconds < 253402300800)
            {
                expiry = DateTimeOffset.FromUnixTimeSeconds(seconds);
                return true;
            }
        }
        return false;
    }

    public bool TryGetKeys(string username, string realm, DateTimeOffset now, List<byte[]> keys)
    {
        if (secrets.Count == 0 || !TryGetExpiry(username, out var expiry) || expiry < now) return false;
        foreach (var secret in secrets)
            keys.Add(StunCredentials.LongTermKey(username, realm, Password(secret, username)));
        return true;
    }
}
