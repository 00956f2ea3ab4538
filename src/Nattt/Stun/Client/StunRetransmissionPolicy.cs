namespace Nattt.Stun.Client;

/// <summary>
/// Retransmission over UDP (RFC 8489 section 6.2.1): the request is sent at 0, RTO, 3 RTO, 7 RTO, ... (the interval
/// doubling each time), <see cref="MaxRequests"/> times in all (Rc); after the last one the client waits
/// <see cref="FinalWaitMultiplier"/> x RTO (Rm) before giving up. RFC values: RTO 500 ms, Rc 7, Rm 16, i.e. 39.5 s.
/// </summary>
public sealed record StunRetransmissionPolicy(TimeSpan InitialRto, int MaxRequests, int FinalWaitMultiplier)
{
    /// <summary>RFC 8489's defaults: 500 ms, 7 requests, wait 16 RTO (39.5 s in all).</summary>
    public static readonly StunRetransmissionPolicy Rfc8489 = new(TimeSpan.FromMilliseconds(500), 7, 16);

    /// <summary>What `nattt stun` uses by default: 500 ms, 4 requests, wait 4 RTO (5.5 s in all), because the
    /// filtering tests expect silence and a person is waiting.</summary>
    public static readonly StunRetransmissionPolicy Interactive = new(TimeSpan.FromMilliseconds(500), 4, 4);

    /// <summary>The whole time a transaction takes before it times out.</summary>
    public TimeSpan TotalTimeout
    {
        get
        {
            var total = TimeSpan.Zero;
            var interval = InitialRto;
            for (int i = 1; i < MaxRequests; i++) { total += interval; interval *= 2; }
            return total + InitialRto * FinalWaitMultiplier;
        }
    }

    public void Validate()
    {
        if (InitialRto <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(InitialRto), "RTO must be positive.");
        if (MaxRequests < 1) throw new ArgumentOutOfRangeException(nameof(MaxRequests), "At least one request.");
        if (FinalWaitMultiplier < 1) throw new ArgumentOutOfRangeException(nameof(FinalWaitMultiplier), "Rm must be at least 1.");
    }
}
