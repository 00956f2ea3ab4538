namespace Nattt.Turn.Auth;

/// <summary>
/// Where the long-term credential keys come from (RFC 8489 section 9.2). The engine asks for the candidate keys of
/// a USERNAME in its realm and accepts the request if MESSAGE-INTEGRITY verifies with one of them. Implementations
/// must be thread-safe for reads.
/// </summary>
public interface ITurnCredentialStore
{
    /// <summary>
    /// Adds the MESSAGE-INTEGRITY keys that <paramref name="username"/> may use at <paramref name="now"/> to
    /// <paramref name="keys"/> (several with shared secrets during a secret rotation). False if the user is unknown
    /// or the time-limited username expired.
    /// </summary>
    bool TryGetKeys(string username, string realm, DateTimeOffset now, List<byte[]> keys);
}

/// <summary>Tries several stores in turn (user file, then shared secrets).</summary>
public sealed class CombinedCredentialStore(IReadOnlyList<ITurnCredentialStore> stores) : ITurnCredentialStore
{
    public bool TryGetKeys(string username, string realm, DateTimeOffset now, List<byte[]> keys)
    {
        bool any = false;
        foreach (var store in stores) any |= store.TryGetKeys(username, realm, now, keys);
        return any;
    }
}
