using System.Net;
using Nattt.Stun.Wire;

namespace Nattt.Stun.Auth;

/// <summary>The verdict on a request's long-term credentials.</summary>
public enum StunAuthOutcome : byte
{
    /// <summary>Authenticated: sign the response with <see cref="StunAuthResult.Key"/>.</summary>
    Authenticated,
    /// <summary>401: no integrity, unknown user or wrong key. Answer with REALM and a fresh NONCE.</summary>
    Unauthenticated,
    /// <summary>438: a genuine but expired nonce. Answer with REALM and a fresh NONCE.</summary>
    StaleNonce,
    /// <summary>400: integrity without USERNAME/USERHASH, REALM or NONCE, or a tampered algorithm negotiation.</summary>
    BadRequest,
}

/// <summary>The authenticator's decision; <see cref="Key"/> and <see cref="Username"/> only when authenticated.</summary>
public readonly record struct StunAuthResult(StunAuthOutcome Outcome, string? Username, byte[]? Key, bool UseSha256Integrity, string Reason)
{
    public int ErrorCode => Outcome switch
    {
        StunAuthOutcome.Unauthenticated => 401,
        StunAuthOutcome.StaleNonce => 438,
        StunAuthOutcome.BadRequest => 400,
        _ => 0,
    };
}

/// <summary>
/// Server side of the long-term credential mechanism (RFC 8489 section 9.2.4), sans-I/O: checks a parsed request
/// and writes the challenge attributes of a 401/438. Offers SHA-256 then MD5 in PASSWORD-ALGORITHMS (nonce bit 0),
/// and accepts USERHASH (nonce bit 1). Keys are derived per request (MD5/SHA-256 of a short string: cheap).
/// Thread-safe: no mutable state.
/// </summary>
public sealed class StunLongTermAuthenticator
{
    private static readonly StunPasswordAlgorithm[] Offered = [StunPasswordAlgorithm.Sha256, StunPasswordAlgorithm.Md5];
    private readonly IStunCredentialStore _users;
    private readonly StunNonceIssuer _nonces;

    public StunLongTermAuthenticator(string realm, IStunCredentialStore users, StunNonceIssuer nonces)
    {
        if (string.IsNullOrEmpty(realm) || System.Text.Encoding.UTF8.GetByteCount(realm) > RealmAttribute.MaxBytes)
            throw new ArgumentException("A realm is 1..763 bytes.", nameof(realm));
        Realm = realm;
        _users = users;
        _nonces = nonces;
    }

    public string Realm { get; }

    public StunAuthResult Check(in StunMessageReader request, IPEndPoint client)
    {
        if (!request.HasMessageIntegrity && !request.HasMessageIntegritySha256)
            return Fail(StunAuthOutcome.Unauthenticated, "no MESSAGE-INTEGRITY");
        bool hasUser = UsernameAttribute.Read(request, out var usernameBytes) == StunError.None;
        bool hasHash = UserHashAttribute.Read(request, out var userHash) == StunError.None;
        if ((!hasUser && !hasHash) || RealmAttribute.Read(request, out var realm) != StunError.None
            || NonceAttribute.Read(request, out var nonce) != StunError.None)
            return Fail(StunAuthOutcome.BadRequest, "USERNAME/USERHASH, REALM or NONCE missing");
        if (!_nonces.Validate(nonce, client, out bool stale))
            return Fail(stale ? StunAuthOutcome.StaleNonce : StunAuthOutcome.Unauthenticated, stale ? "nonce expired" : "nonce not ours");
        if (!realm.SequenceEqual(System.Text.Encoding.UTF8.GetBytes(Realm)))
            return Fail(StunAuthOutcome.Unauthenticated, "wrong realm");

        var algorithm = StunPasswordAlgorithm.Md5;
        if ((_nonces.Features & StunSecurityFeatures.PasswordAlgorithms) != 0)
        {
            // RFC 8489 section 9.2.4: both attributes or neither; the list must be ours, unmodified (bid-down defence).
            bool hasList = request.TryGetAttribute(StunAttributeType.PasswordAlgorithms, out var list);
            bool hasChoice = PasswordAlgorithmAttribute.Read(request, out var chosen, out _) == StunError.None;
            if (hasList != hasChoice) return Fail(StunAuthOutcome.BadRequest, "PASSWORD-ALGORITHM(S) not both present");
            if (hasList)
            {
                Span<StunPasswordAlgorithm> got = stackalloc StunPasswordAlgorithm[4];
                if (PasswordAlgorithmsAttribute.Read(list, got, out int count) != StunError.None || !got[..Math.Min(count, 4)].SequenceEqual(Offered)
                    || Array.IndexOf(Offered, chosen) < 0)
                    return Fail(StunAuthOutcome.BadRequest, "PASSWORD-ALGORITHMS tampered or unsupported choice");
                algorithm = chosen;
            }
        }

        string? username = null;
        if (hasHash && (_nonces.Features & StunSecurityFeatures.UsernameAnonymity) != 0)
        {
            if (!_users.TryGetUsernameByHash(userHash, out var found)) return Fail(StunAuthOutcome.Unauthenticated, "unknown USERHASH");
            username = found;
        }
        else if (hasUser)
        {
            username = StunStaticCredentialStore.Utf8(usernameBytes);
        }
        if (username is null || !_users.TryGetPassword(username, out var password))
            return Fail(StunAuthOutcome.Unauthenticated, "unknown user");

        var key = StunCredentials.LongTermKey(username, Realm, password, algorithm);
        bool sha256 = request.HasMessageIntegritySha256;
        bool valid = sha256 ? request.VerifyMessageIntegritySha256(key) : request.VerifyMessageIntegrity(key);
        return valid
            ? new StunAuthResult(StunAuthOutcome.Authenticated, username, key, sha256, "")
            : Fail(StunAuthOutcome.Unauthenticated, "integrity check failed");
    }

    /// <summary>Writes ERROR-CODE, REALM, NONCE and PASSWORD-ALGORITHMS of a 401 or 438 (400 gets the code only).</summary>
    public bool TryWriteChallenge(ref StunMessageWriter writer, in StunAuthResult result, IPEndPoint client)
    {
        string reason = result.Outcome switch
        {
            StunAuthOutcome.StaleNonce => "Stale Nonce",
            StunAuthOutcome.BadRequest => "Bad Request",
            _ => "Unauthenticated",
        };
        if (!ErrorCodeAttribute.TryWrite(ref writer, result.ErrorCode, reason)) return false;
        if (result.Outcome == StunAuthOutcome.BadRequest) return true;
        RealmAttribute.TryWrite(ref writer, Realm);
        NonceAttribute.TryWrite(ref writer, _nonces.Issue(client));
        if ((_nonces.Features & StunSecurityFeatures.PasswordAlgorithms) != 0) PasswordAlgorithmsAttribute.TryWrite(ref writer, Offered);
        return !writer.HasOverflowed;
    }

    private static StunAuthResult Fail(StunAuthOutcome outcome, string reason) => new(outcome, null, null, false, reason);
}
