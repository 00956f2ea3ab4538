using Nattt.Stun.Wire;

namespace Nattt.Stun.Server;

/// <summary>Why the server dropped a datagram without answering, beyond a codec <see cref="StunError"/>.</summary>
public enum StunServerDropReason : byte
{
    None = 0,
    /// <summary>The codec rejected the message (see the <see cref="StunError"/> counters).</summary>
    Malformed,
    /// <summary>Not a request: responses and indications are not answered (RFC 8489 section 6.3).</summary>
    NotARequest,
    /// <summary>FINGERPRINT present but wrong (RFC 8489 section 14.7): not STUN, or damaged.</summary>
    FingerprintMismatch,
    /// <summary>The response did not fit the buffer (should not happen with a 1500-byte buffer).</summary>
    ResponseTooLarge,
}

/// <summary>
/// Always-on counters of a STUN server. Increments are atomic (Interlocked), so the engine can be shared by
/// receive loops on several threads; reads are snapshots of individual counters.
/// </summary>
public sealed class StunServerCounters
{
    private readonly long[] _malformed = new long[Enum.GetValues<StunError>().Length + 1];
    private readonly long[] _dropped = new long[Enum.GetValues<StunServerDropReason>().Length + 1];
    private long _requests, _successes, _errors, _rfc3489, _changeRequests, _authFailures;

    public long Requests => Interlocked.Read(ref _requests);
    public long SuccessResponses => Interlocked.Read(ref _successes);
    public long ErrorResponses => Interlocked.Read(ref _errors);
    public long Rfc3489Requests => Interlocked.Read(ref _rfc3489);
    public long ChangeRequests => Interlocked.Read(ref _changeRequests);
    /// <summary>Requests answered 401, 438 or 400 by the authenticator.</summary>
    public long AuthenticationFailures => Interlocked.Read(ref _authFailures);
    public long Malformed(StunError error) => Interlocked.Read(ref _malformed[(int)error]);
    public long Dropped(StunServerDropReason reason) => Interlocked.Read(ref _dropped[(int)reason]);

    /// <summary>All non-zero counters, for logs and metrics.</summary>
    public IEnumerable<KeyValuePair<string, long>> Snapshot()
    {
        yield return new("requests", Requests);
        yield return new("success_responses", SuccessResponses);
        yield return new("error_responses", ErrorResponses);
        yield return new("rfc3489_requests", Rfc3489Requests);
        yield return new("change_requests", ChangeRequests);
        yield return new("authentication_failures", AuthenticationFailures);
        foreach (var reason in Enum.GetValues<StunServerDropReason>())
            if (reason != StunServerDropReason.None && Dropped(reason) > 0) yield return new("dropped_" + reason, Dropped(reason));
        foreach (var error in Enum.GetValues<StunError>())
            if (error != StunError.None && Malformed(error) > 0) yield return new("malformed_" + error, Malformed(error));
    }

    internal void CountRequest(bool rfc3489, bool changeRequest)
    {
        Interlocked.Increment(ref _requests);
        if (rfc3489) Interlocked.Increment(ref _rfc3489);
        if (changeRequest) Interlocked.Increment(ref _changeRequests);
    }

    internal void CountSuccess() => Interlocked.Increment(ref _successes);
    internal void CountError() => Interlocked.Increment(ref _errors);
    internal void CountAuthenticationFailure() => Interlocked.Increment(ref _authFailures);

    internal void CountDrop(StunServerDropReason reason, StunError error)
    {
        Interlocked.Increment(ref _dropped[(int)reason]);
        if (error != StunError.None) Interlocked.Increment(ref _malformed[(int)error]);
    }
}
