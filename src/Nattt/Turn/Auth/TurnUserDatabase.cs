using System.Globalization;
using Nattt.Stun.Wire;

namespace Nattt.Turn.Auth;

/// <summary>
/// Static long-term users in coturn's format, one per line: <c>user:password</c>, or <c>user:0xHEXKEY</c> where the
/// key is already MD5(user ":" realm ":" password) as coturn's <c>turnadmin -k</c> prints it (so the file holds no
/// password). Blank lines and lines starting with '#' are skipped. Thread-safe after construction (read-only).
/// </summary>
public sealed class TurnUserDatabase : ITurnCredentialStore
{
    private readonly Dictionary<string, (string? Password, byte[]? Key)> _users = new(StringComparer.Ordinal);

    public int Count => _users.Count;

    /// <summary>Adds one <c>user:password</c> or <c>user:0xKEY</c> entry; false with a reason if malformed.</summary>
    public bool TryAdd(string entry, out string? error)
    {
        error = null;
        int colon = entry.IndexOf(':');
        if (colon <= 0 || colon == entry.Length - 1) { error = "expected user:password or user:0xKEY"; return false; }
        string user = entry[..colon].Trim(), secret = entry[(colon + 1)..].Trim();
        if (secret.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            var hex = secret[2..];
            if (hex.Length != 32 || !hex.All(Uri.IsHexDigit)) { error = "a 0x key is 32 hex digits (an MD5 long-term key)"; return false; }
            _users[user] = (null, Convert.FromHexString(hex));
        }
        else
        {
            _users[user] = (secret, null);
        }
        return true;
    }

    /// <summary>Reads a user file; returns the malformed lines (line number and reason) without throwing.</summary>
    public List<string> Load(string path)
    {
        var problems = new List<string>();
        int number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (!TryAdd(line, out var error)) problems.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:{number}: {error}"));
        }
        return problems;
    }

    public bool TryGetKeys(string username, string realm, DateTimeOffset now, List<byte[]> keys)
    {
        if (!_users.TryGetValue(username, out var entry)) return false;
        keys.Add(entry.Key ?? StunCredentials.LongTermKey(username, realm, entry.Password!));
        return true;
    }
}
