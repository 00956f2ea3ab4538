using System.Text;
using Nattt.Stun.Wire;
using Nattt.Turn.Auth;

namespace Nattt.Turn.Server;

/// <summary>Long-term credentials (RFC 8489 section 9.2.4, in its order: challenge, missing attributes, user,
/// integrity, nonce), and RFC 8656's rule that an allocation's requests come from its own user (441).</summary>
public sealed partial class TurnServerEngine
{
    private bool Authenticate(in TurnClientKey client, in StunMessageReader request, out byte[]? key, out string username)
    {
        key = null;
        username = "";
        if (_options.NoAuth) return true;
        if (!request.HasMessageIntegrity && !request.HasMessageIntegritySha256)
        {
            AuthFailed(client, "", TurnAuthFailure.Challenge);
            SendChallenge(client, request, 401, "Unauthorized");
            return false;
        }
        if (UsernameAttribute.Read(request, out var userUtf8) != StunError.None ||
            RealmAttribute.Read(request, out var realmUtf8) != StunError.None ||
            NonceAttribute.Read(request, out var nonce) != StunError.None)
        {
            AuthFailed(client, "", TurnAuthFailure.MissingAttributes);
            SendError(client, request, 400, "Bad Request: USERNAME, REALM and NONCE are required", key: null);
            return false;
        }
        username = Encoding.UTF8.GetString(userUtf8);
        var now = _time.GetUtcNow();
        if (!realmUtf8.SequenceEqual(Encoding.UTF8.GetBytes(_options.Realm)))
        {
            AuthFailed(client, username, TurnAuthFailure.WrongRealm);
            SendChallenge(client, request, 401, "Unauthorized: wrong realm");
            return false;
        }
        _candidateKeys.Clear();
        if (!_credentials.TryGetKeys(username, _options.Realm, now, _candidateKeys))
        {
            AuthFailed(client, username, TurnAuthFailure.UnknownUser);
            SendChallenge(client, request, 401, "Unauthorized");
            return false;
        }
        foreach (var candidate in _candidateKeys)
        {
            bool valid = request.HasMessageIntegrity
                ? request.VerifyMessageIntegrity(candidate)
                : request.VerifyMessageIntegritySha256(candidate);
            if (valid) { key = candidate; break; }
        }
        if (key is null)
        {
            AuthFailed(client, username, TurnAuthFailure.BadIntegrity);
            SendChallenge(client, request, 401, "Unauthorized");
            return false;
        }
        if (_nonces.Check(nonce, now) != TurnNonceCheck.Valid)
        {
            AuthFailed(client, username, TurnAuthFailure.StaleNonce);
            SendChallenge(client, request, 438, "Stale Nonce");
            return false;
        }
        if (_allocations.TryGetValue(client, out var allocation) && allocation.Username != username)
        {
            AuthFailed(client, username, TurnAuthFailure.WrongCredentials);
            SendError(client, request, 441, "Wrong Credentials", key);
            return false;
        }
        return true;
    }

    private void AuthFailed(in TurnClientKey client, string username, TurnAuthFailure reason)
    {
        Counters.AuthFailures[(int)reason]++;
        if (reason != TurnAuthFailure.Challenge && _logLimiter.Allow())
            TurnServerLog.AuthFailed(_logger, client.ToString(), username, reason);
    }
}
